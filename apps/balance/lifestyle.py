"""Writes of the lifestyle area: an ACO's beneficiaries' enrolment and sessions in lifestyle programmes
(manufacturer coaching, nutrition counselling, the Chronic Disease Prevention Reward BEI), recorded by the
ACO's administrators one at a time or from a CSV file, all or nothing. One transaction each, with the
acting user.

The rules (each refusal names the field and says why):

- **who**: the MBI (an earlier one is resolved to the current one through the CCLF9 crosswalk) must be
  one of the ACO's aligned beneficiaries in the latest successful alignment run of the performance year
  the ACO is working in;
- **programme**: one of ``LifestyleProgramme`` (code or label). The Chronic Disease Prevention Reward is
  a BEI: it may be used only while the ACO's implementation plan for that BEI is approved by CMS for the
  performance year of the date recorded (the enrolment date for an enrolment, the session date for a
  session), and the BEI not withdrawn (apps/benefits);
- **enrolment**: not in the future; one enrolment of a beneficiary in a programme at a time (a new one
  may start after the last one ended); ending it: on or after its start and its last session, not in
  the future;
- **session**: within its enrolment (not before the enrolment date, not after it ended), not in the
  future, one a day per enrolment, minutes (optional) 1 to ``MAX_MINUTES``.

A CSV file has the columns ``mbi,programme,enrolled_on,session_date,minutes``. A row with an empty
``session_date`` records the enrolment only; a row with a session records it in the beneficiary's
enrolment in that programme starting on ``enrolled_on``, creating that enrolment when there is none (so a
file may enrol and record sessions at once); with ``enrolled_on`` empty, the session goes into the
enrolment that covers its date. Every row is checked first, against what is on file and what the rows
above it add; any problem and nothing is written, and each problem comes back with its line, field and
the value as it stood in the file.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from apps.acos import selectors as aco_selectors
from apps.acos.lists import RowError
from apps.acos.models import ACO
from apps.alignment import selectors as alignment_selectors
from apps.alignment.models import AlignedBeneficiary, AlignmentRun
from apps.benefits import selectors as benefit_selectors
from apps.claims.mbi import mbi_is_valid
from apps.claims.models import MBIMap
from apps.reviews.models import ReviewState
from lead_portal.uploads import MB, read_csv, shown, upload_rows

from .models import LifestyleEnrolment, LifestyleProgramme, LifestyleSession

if TYPE_CHECKING:
    from apps.accounts.models import User

LIFESTYLE_COLUMNS = ["mbi", "programme", "enrolled_on", "session_date", "minutes"]
REQUIRED_COLUMNS = ["mbi", "programme"]
MAX_UPLOAD_ROWS = 10_000
MAX_UPLOAD_BYTES = 2 * MB  # as the opt-out uploads: the page form's limit and the API's
MAX_MINUTES = 600
CDP_REWARD_ITEM = "chronic_disease_prevention_reward"  # the BEI's code in the benefits catalogue
_IN_CHUNK = 500  # MBIs per IN (...) query


def _require_admin(*, aco: ACO, user: User) -> None:
    if not aco_selectors.user_can_edit_aco(user=user, aco=aco):
        raise PermissionDenied("Only the ACO's administrators can record lifestyle programmes.")


def _lock(aco: ACO) -> None:
    # Serialise lifestyle writes per ACO: the overlap and duplicate checks and the inserts see the same rows.
    ACO.objects.select_for_update().filter(pk=aco.pk).first()


def _sentence(reason: str) -> str:
    return f"{reason[:1].upper()}{reason[1:]}."


def _as_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


# --- programmes -------------------------------------------------------------------------------------

_ALIASES = {"nutrition counseling": LifestyleProgramme.NUTRITION, "cdp reward": LifestyleProgramme.CDP_REWARD}


def programme_from(value: str) -> str | None:
    """The programme code of ``value``: a code or a label, in any case ("coaching", "Manufacturer
    coaching", "Chronic Disease Prevention Reward" with or without "(BEI)"); None when it is neither."""
    text = " ".join((value or "").replace("_", " ").split()).lower()
    if not text:
        return None
    for code, label in LifestyleProgramme.choices:
        names = {code.replace("_", " "), str(label).lower(), str(label).lower().removesuffix(" (bei)")}
        if text in names:
            return str(code)
    found = _ALIASES.get(text)
    return str(found) if found is not None else None


def programme_label(code: str) -> str:
    return str(dict(LifestyleProgramme.choices).get(code, code))


def cdp_reward_refusal(*, aco: ACO, performance_year: int) -> str | None:
    """Why the Chronic Disease Prevention Reward cannot be recorded for the PY (None: it can): the ACO's
    implementation plan for the BEI must be approved by CMS for that PY, and the BEI not withdrawn."""
    name = programme_label(LifestyleProgramme.CDP_REWARD)
    plan = (
        benefit_selectors.plans_for_aco(aco=aco, performance_year=performance_year)
        .filter(selection__item__code=CDP_REWARD_ITEM)
        .first()
    )
    after = "it can be recorded only while CMS's approval of the ACO's implementation plan for the BEI stands"
    if plan is None:
        return f"{name}: {aco.aco_id} has no implementation plan for this BEI in PY{performance_year}; {after}"
    if plan.selection.withdrawn_at is not None:
        return f"{name}: {aco.aco_id} withdrew this BEI for PY{performance_year}; {after}"
    if plan.review.state != ReviewState.APPROVED:
        state = plan.review.get_state_display().lower()
        return f"{name}: {aco.aco_id}'s implementation plan for PY{performance_year} is {state}, not approved; {after}"
    return None


# --- the checks, shared by a typed entry, the session form and the CSV file --------------------------


@dataclass
class _Enrolment:
    """An enrolment as the checks see it: on file (``obj``) or added by the entry or file (``line``)."""

    mbi: str
    programme: str
    enrolled_on: dt.date
    ended_on: dt.date | None = None
    obj: LifestyleEnrolment | None = None
    line: int = 0
    sessions: dict[dt.date, int] = field(default_factory=dict)  # date → line (0: on file)

    def covers(self, day: dt.date) -> bool:
        return self.enrolled_on <= day and (self.ended_on is None or day <= self.ended_on)


@dataclass
class _NewSession:
    enrolment: _Enrolment
    session_date: dt.date
    minutes: int | None


class _Checker:
    """Checks rows against the ACO's aligned beneficiaries and what is on file, and gathers what they
    add. Reads in bulk (the rows' MBIs in chunks), never a query per row."""

    def __init__(self, *, aco: ACO, performance_year: int, today: dt.date) -> None:
        self.aco, self.performance_year, self.today = aco, performance_year, today
        self.run: AlignmentRun | None = None
        self.current: dict[str, str] = {}
        self.aligned: set[str] = set()
        self.enrolments: dict[tuple[str, str], list[_Enrolment]] = {}
        self.cdp: dict[int, str | None] = {}
        self.new_enrolments: list[_Enrolment] = []
        self.new_sessions: list[_NewSession] = []

    def load(self, raw_mbis: Iterable[str]) -> None:
        self.run = alignment_selectors.latest_run(performance_year=self.performance_year)
        wanted = sorted({m for m in raw_mbis if m and mbi_is_valid(m)})
        for chunk in _chunks(wanted):
            self.current.update(MBIMap.objects.filter(mbi__in=chunk).values_list("mbi", "current_mbi"))
        mbis = sorted({self.current.get(m) or m for m in wanted})
        for chunk in _chunks(mbis):
            if self.run is not None:
                self.aligned.update(
                    AlignedBeneficiary.objects.filter(run=self.run, aco=self.aco, mbi__in=chunk).values_list(
                        "mbi", flat=True
                    )
                )
            on_file = LifestyleEnrolment.objects.filter(aco=self.aco, mbi__in=chunk).prefetch_related("sessions")
            for obj in on_file:
                self.add_on_file(obj)

    def add_on_file(self, obj: LifestyleEnrolment) -> _Enrolment:
        enrolment = _Enrolment(
            obj.mbi,
            obj.programme,
            obj.enrolled_on,
            obj.ended_on,
            obj,
            0,
            {s.session_date: 0 for s in obj.sessions.all()},
        )
        self.enrolments.setdefault((obj.mbi, obj.programme), []).append(enrolment)
        return enrolment

    def cdp_refusal(self, day: dt.date) -> str | None:
        if day.year not in self.cdp:
            self.cdp[day.year] = cdp_reward_refusal(aco=self.aco, performance_year=day.year)
        return self.cdp[day.year]

    def date(self, values: dict[str, str], name: str, line: int, errors: list[RowError]) -> dt.date | None:
        raw = values.get(name, "")
        text = raw.strip()
        if not text:
            return None
        try:
            if len(text) != 10:  # fromisoformat also takes 20270301 and week dates
                raise ValueError(text)
            day = dt.date.fromisoformat(text)
        except ValueError:
            errors.append(RowError(line, name, shown(raw), "is not a date in YYYY-MM-DD form"))
            return None
        if day > self.today:
            errors.append(RowError(line, name, shown(raw), f"is in the future (today is {self.today})"))
            return None
        return day

    def mbi(self, raw: str, line: int, errors: list[RowError]) -> str | None:
        text = raw.strip().upper()
        if not text:
            errors.append(RowError(line, "mbi", "", "is required"))
            return None
        if not mbi_is_valid(text):
            errors.append(RowError(line, "mbi", shown(raw), "is not an MBI (11 characters in the CMS MBI format)"))
            return None
        mbi = self.current.get(text) or text
        if self.run is None:
            reason = f"cannot be checked: PY{self.performance_year} has no alignment run yet"
            errors.append(RowError(line, "mbi", shown(raw), reason))
            return None
        if mbi not in self.aligned:
            resolved = f" (current MBI {mbi})" if mbi != text else ""
            reason = (
                f"is not aligned to {self.aco.aco_id}{resolved} in PY{self.performance_year}'s latest alignment "
                f"(run {self.run.pk})"
            )
            errors.append(RowError(line, "mbi", shown(raw), reason))
            return None
        return mbi

    def row(self, line: int, values: dict[str, str]) -> list[RowError]:
        """Check one row; when it is sound, note what it adds (seen by the rows after it)."""
        errors: list[RowError] = []
        mbi = self.mbi(values.get("mbi", ""), line, errors)
        raw_programme = values.get("programme", "")
        programme = programme_from(raw_programme)
        if not raw_programme.strip():
            errors.append(RowError(line, "programme", "", "is required"))
        elif programme is None:
            options = ", ".join(f"{c} ({label})" for c, label in LifestyleProgramme.choices)
            errors.append(RowError(line, "programme", shown(raw_programme), f"is not a programme: use {options}"))
        enrolled_on = self.date(values, "enrolled_on", line, errors)
        session_date = self.date(values, "session_date", line, errors)
        raw_minutes = values.get("minutes", "")
        minutes: int | None = None
        if raw_minutes.strip():
            try:
                minutes = int(raw_minutes.strip())
            except ValueError:
                errors.append(RowError(line, "minutes", shown(raw_minutes), "is not a whole number of minutes"))
            else:
                if not 1 <= minutes <= MAX_MINUTES:
                    errors.append(RowError(line, "minutes", shown(raw_minutes), f"must be from 1 to {MAX_MINUTES}"))
            if not values.get("session_date", "").strip():
                errors.append(RowError(line, "minutes", shown(raw_minutes), "is given without a session_date"))
        if not values.get("enrolled_on", "").strip() and not values.get("session_date", "").strip():
            errors.append(
                RowError(
                    line, "enrolled_on", "", "is required (or a session_date, to record a session of an enrolment)"
                )
            )
        if errors or mbi is None or programme is None:
            return errors
        candidates = self.enrolments.setdefault((mbi, programme), [])
        label = programme_label(programme)
        enrolment: _Enrolment | None = None  # the enrolment the row's session goes into, or the row enrols
        is_new = False
        if enrolled_on is not None:
            enrolment = next((e for e in candidates if e.enrolled_on == enrolled_on), None)
            if enrolment is not None and session_date is None:
                where = f"line {enrolment.line}" if enrolment.line else "on file"
                reason = f"{mbi} is already enrolled in {label} from this date ({where})"
                return [RowError(line, "enrolled_on", shown(values["enrolled_on"]), reason)]
            if enrolment is None:
                overlapping = [e for e in candidates if e.ended_on is None or e.ended_on >= enrolled_on]
                if overlapping:
                    e = overlapping[0]
                    span = f"from {e.enrolled_on}" + (f" to {e.ended_on}" if e.ended_on else ", not ended")
                    where = f" (line {e.line})" if e.line else ""
                    reason = f"overlaps {mbi}'s enrolment in {label} {span}{where}: end that one first"
                    return [RowError(line, "enrolled_on", shown(values["enrolled_on"]), reason)]
                if programme == LifestyleProgramme.CDP_REWARD and (refusal := self.cdp_refusal(enrolled_on)):
                    return [RowError(line, "programme", shown(raw_programme), refusal)]
                enrolment, is_new = _Enrolment(mbi, programme, enrolled_on, line=line), True
        elif session_date is not None:
            enrolment = next((e for e in candidates if e.covers(session_date)), None)
            if enrolment is None:
                reason = f"{mbi} has no enrolment in {label} covering this date: give enrolled_on to enrol them"
                return [RowError(line, "session_date", shown(values["session_date"]), reason)]
        if enrolment is None:  # unreachable: a row has an enrolment date or a session date (checked above)
            return [RowError(line, "enrolled_on", "", "is required")]
        if session_date is not None:
            day_errors = self.session(
                programme=programme,
                enrolled_on=enrolment.enrolled_on,
                ended_on=enrolment.ended_on,
                sessions=enrolment.sessions,
                day=session_date,
                line=line,
                raw_date=values["session_date"],
                raw_programme=raw_programme,
            )
            if day_errors:
                return day_errors
        if is_new:
            candidates.append(enrolment)
            self.new_enrolments.append(enrolment)
        if session_date is not None:
            enrolment.sessions[session_date] = line
            self.new_sessions.append(_NewSession(enrolment, session_date, minutes))
        return []

    def session(
        self,
        *,
        programme: str,
        enrolled_on: dt.date,
        ended_on: dt.date | None,
        sessions: dict[dt.date, int],
        day: dt.date,
        line: int,
        raw_date: str,
        raw_programme: str = "",
    ) -> list[RowError]:
        """A session's checks against its enrolment: within it, one a day, and the CDP Reward's plan."""
        value = shown(raw_date)
        if day < enrolled_on:
            return [RowError(line, "session_date", value, f"is before the enrolment, on {enrolled_on}")]
        if ended_on is not None and day > ended_on:
            return [RowError(line, "session_date", value, f"is after the enrolment ended, on {ended_on}")]
        if day in sessions:
            where = f"on line {sessions[day]}" if sessions[day] else "already"
            reason = f"has a session recorded {where} in this enrolment"
            return [RowError(line, "session_date", value, reason)]
        if programme == LifestyleProgramme.CDP_REWARD and (refusal := self.cdp_refusal(day)):
            name, shown_value = ("programme", shown(raw_programme)) if raw_programme else ("session_date", value)
            return [RowError(line, name, shown_value, refusal)]
        return []

    def write(self, *, acting_user: User) -> tuple[list[LifestyleEnrolment], list[LifestyleSession]]:
        """Store what the checked rows add (the caller holds the ACO's lock, in one transaction)."""
        enrolments = [
            LifestyleEnrolment(
                aco=self.aco, mbi=e.mbi, programme=e.programme, enrolled_on=e.enrolled_on, created_by=acting_user
            )
            for e in self.new_enrolments
        ]
        for obj in enrolments:
            obj.full_clean(validate_unique=False, validate_constraints=False)
        created = LifestyleEnrolment.objects.bulk_create(enrolments)
        for e, obj in zip(self.new_enrolments, created, strict=True):
            e.obj = obj
        sessions = [
            LifestyleSession(
                enrolment=s.enrolment.obj, session_date=s.session_date, minutes=s.minutes, created_by=acting_user
            )
            for s in self.new_sessions
        ]
        for session in sessions:
            session.full_clean(exclude=["enrolment"], validate_unique=False, validate_constraints=False)
        return created, LifestyleSession.objects.bulk_create(sessions)


def _chunks(values: list[str]) -> Iterable[list[str]]:
    for start in range(0, len(values), _IN_CHUNK):
        yield values[start : start + _IN_CHUNK]


def _invalid(errors: list[RowError]) -> ValidationError:
    """A typed entry's problems as a ValidationError by field (the form and the API show them)."""
    by_field: dict[str, list[str]] = {}
    for e in errors:
        by_field.setdefault(e.field, []).append(_sentence(e.reason))
    return ValidationError(by_field)


# --- one at a time ------------------------------------------------------------------------------------


@dataclass
class LifestyleEntry:
    """What a typed entry recorded: the enrolment (new or on file) and the session, if any."""

    enrolment: LifestyleEnrolment
    session: LifestyleSession | None
    enrolled: bool


def entry_check(*, aco: ACO, performance_year: int, data: dict[str, Any]) -> list[RowError]:
    """The checks of one typed entry without recording anything, so a form can show every problem at
    once. Errors have line 0."""
    values = {c: _as_text(data.get(c)) for c in LIFESTYLE_COLUMNS}
    checker = _Checker(aco=aco, performance_year=performance_year, today=aco_selectors.portal_today())
    checker.load([values["mbi"].strip().upper()])
    return checker.row(0, values)


@transaction.atomic
def lifestyle_record(
    *,
    aco: ACO,
    acting_user: User,
    performance_year: int,
    mbi: str,
    programme: str,
    enrolled_on: dt.date | str | None = None,
    session_date: dt.date | str | None = None,
    minutes: int | str | None = None,
) -> LifestyleEntry:
    """One row typed in, with the rules of a CSV row: enrol a beneficiary (``session_date`` empty), or
    record a session, enrolling them first when they have no enrolment in the programme starting on
    ``enrolled_on``. ``performance_year``: whose latest alignment run the MBI must be in."""
    _require_admin(aco=aco, user=acting_user)
    _lock(aco)
    values = {
        "mbi": _as_text(mbi),
        "programme": _as_text(programme),
        "enrolled_on": _as_text(enrolled_on),
        "session_date": _as_text(session_date),
        "minutes": _as_text(minutes),
    }
    checker = _Checker(aco=aco, performance_year=performance_year, today=aco_selectors.portal_today())
    checker.load([values["mbi"].strip().upper()])
    errors = checker.row(0, values)
    if errors:
        raise _invalid(errors)
    enrolments, sessions = checker.write(acting_user=acting_user)
    if sessions:
        session = sessions[0]
        return LifestyleEntry(session.enrolment, session, bool(enrolments))
    return LifestyleEntry(enrolments[0], None, True)


@transaction.atomic
def enrolment_create(
    *, aco: ACO, acting_user: User, performance_year: int, mbi: str, programme: str, enrolled_on: dt.date | str
) -> LifestyleEnrolment:
    """Enrol one of the ACO's aligned beneficiaries in a programme from ``enrolled_on``."""
    entry = lifestyle_record(
        aco=aco,
        acting_user=acting_user,
        performance_year=performance_year,
        mbi=mbi,
        programme=programme,
        enrolled_on=enrolled_on or "",
    )
    return entry.enrolment


def _parse_date(value: dt.date | str | None, name: str) -> dt.date:
    if isinstance(value, dt.date):
        return value
    text = (value or "").strip()
    if not text:
        raise ValidationError({name: "Enter a date as YYYY-MM-DD."})
    try:
        if len(text) != 10:
            raise ValueError(text)
        return dt.date.fromisoformat(text)
    except ValueError:
        raise ValidationError({name: f"{text} is not a date in YYYY-MM-DD form."}) from None


@transaction.atomic
def enrolment_end(
    *, enrolment: LifestyleEnrolment, acting_user: User, ended_on: dt.date | str | None
) -> LifestyleEnrolment:
    """End an enrolment on ``ended_on``: on or after its start and its last session, not in the future."""
    _require_admin(aco=enrolment.aco, user=acting_user)
    locked = LifestyleEnrolment.objects.select_for_update().get(pk=enrolment.pk)
    if locked.ended_on is not None:
        raise ValidationError(f"This enrolment already ended on {locked.ended_on}.")
    day = _parse_date(ended_on, "ended_on")
    today = aco_selectors.portal_today()
    if day > today:
        raise ValidationError({"ended_on": f"The end date cannot be in the future (today is {today})."})
    if day < locked.enrolled_on:
        raise ValidationError({"ended_on": f"The end date cannot be before the enrolment, on {locked.enrolled_on}."})
    last = locked.sessions.order_by("-session_date").values_list("session_date", flat=True).first()
    if last is not None and day < last:
        raise ValidationError(
            {"ended_on": f"The end date cannot be before the last session recorded, on {last}: remove it first."}
        )
    locked.ended_on = day
    locked.full_clean()
    locked.save(update_fields=["ended_on"])
    return locked


@transaction.atomic
def session_record(
    *,
    enrolment: LifestyleEnrolment,
    acting_user: User,
    session_date: dt.date | str | None,
    minutes: int | str | None = None,
) -> LifestyleSession:
    """Record a session of an enrolment: within it, not in the future, one a day."""
    _require_admin(aco=enrolment.aco, user=acting_user)
    _lock(enrolment.aco)
    locked = LifestyleEnrolment.objects.select_related("aco").get(pk=enrolment.pk)
    values = {"session_date": _as_text(session_date), "minutes": _as_text(minutes)}
    checker = _Checker(aco=locked.aco, performance_year=0, today=aco_selectors.portal_today())
    errors: list[RowError] = []
    day = checker.date(values, "session_date", 0, errors)
    if not values["session_date"].strip():
        errors.append(RowError(0, "session_date", "", "is required"))
    count: int | None = None
    if values["minutes"].strip():
        try:
            count = int(values["minutes"].strip())
        except ValueError:
            errors.append(RowError(0, "minutes", values["minutes"], "is not a whole number of minutes"))
        else:
            if not 1 <= count <= MAX_MINUTES:
                errors.append(RowError(0, "minutes", values["minutes"], f"must be from 1 to {MAX_MINUTES}"))
    if day is not None:
        sessions = dict.fromkeys(locked.sessions.values_list("session_date", flat=True), 0)
        errors.extend(
            checker.session(
                programme=locked.programme,
                enrolled_on=locked.enrolled_on,
                ended_on=locked.ended_on,
                sessions=sessions,
                day=day,
                line=0,
                raw_date=values["session_date"],
            )
        )
    if errors or day is None:
        raise _invalid(errors)
    session = LifestyleSession(enrolment=locked, session_date=day, minutes=count, created_by=acting_user)
    session.full_clean(validate_unique=False, validate_constraints=False)
    session.save()
    return session


@transaction.atomic
def session_remove(*, session: LifestyleSession, acting_user: User) -> None:
    """Remove a session recorded by mistake."""
    _require_admin(aco=session.enrolment.aco, user=acting_user)
    LifestyleSession.objects.filter(pk=session.pk).delete()


# --- a CSV file, all or nothing -----------------------------------------------------------------------


@dataclass
class LifestyleUploadOutcome:
    enrolments: int = 0
    sessions: int = 0
    errors: list[RowError] = field(default_factory=list)

    @property
    def message(self) -> str:
        if self.errors:
            return f"Nothing was recorded: {len(self.errors)} problem{'' if len(self.errors) == 1 else 's'} found."
        return (
            f"{self.enrolments} enrolment{'' if self.enrolments == 1 else 's'} and "
            f"{self.sessions} session{'' if self.sessions == 1 else 's'} recorded."
        )


def template_csv() -> str:
    """The CSV template: the header and one example of each kind of row."""
    return (
        ",".join(LIFESTYLE_COLUMNS)
        + "\n1EG4TE5MK73,coaching,2027-03-01,,\n"
        + "1EG4TE5MK73,coaching,2027-03-01,2027-03-08,45\n"
        + "1EG4TE5MK73,Nutrition counselling,2027-04-02,2027-04-02,60\n"
    )


def _read(data: bytes, name: str) -> tuple[list[tuple[int, dict[str, str]]], list[RowError]]:
    read = read_csv(data, name=name, lowercase_header=True)
    if read.errors:
        return [], read.errors
    header = read.header
    missing = [c for c in REQUIRED_COLUMNS if c not in header]
    if missing or ("enrolled_on" not in header and "session_date" not in header):
        return [], [
            RowError(1, "header", shown(",".join(header)), f"must have the columns {','.join(LIFESTYLE_COLUMNS)}")
        ]
    unknown = [h for h in header if h not in LIFESTYLE_COLUMNS]
    if unknown:
        reason = f"has unknown columns; use {','.join(LIFESTYLE_COLUMNS)}"
        return [], [RowError(1, "header", shown(",".join(unknown)), reason)]
    rows = []
    for record in read.records:
        values = {c: record.values.get(c, "") for c in LIFESTYLE_COLUMNS}
        if record.surplus and any(v.strip() for v in record.surplus):
            return [], [
                RowError(record.line, "row", shown(",".join(record.surplus)), "has more values than the header")
            ]
        rows.append((record.line, values))
    return rows, []


@transaction.atomic
def lifestyle_upload(*, aco: ACO, acting_user: User, performance_year: int, file: Any) -> LifestyleUploadOutcome:
    """Record every enrolment and session of a CSV file (``mbi,programme,enrolled_on,session_date,minutes``)
    or none: every row is checked first and each problem reported with its line, field and value."""
    _require_admin(aco=aco, user=acting_user)
    _lock(aco)
    rows, errors = upload_rows(file, max_bytes=MAX_UPLOAD_BYTES, max_rows=MAX_UPLOAD_ROWS, read=_read)
    if errors:
        return LifestyleUploadOutcome(errors=errors)
    checker = _Checker(aco=aco, performance_year=performance_year, today=aco_selectors.portal_today())
    checker.load(v["mbi"].strip().upper() for _, v in rows)
    for line, values in rows:
        errors.extend(checker.row(line, values))
    if errors:
        return LifestyleUploadOutcome(errors=errors)
    enrolments, sessions = checker.write(acting_user=acting_user)
    return LifestyleUploadOutcome(enrolments=len(enrolments), sessions=len(sessions))
