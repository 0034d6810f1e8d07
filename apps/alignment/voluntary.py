"""Voluntary alignment records of an ACO: reading them with their standing for a performance year,
and adding them one at a time or from a CSV file (docs/alignment.md, rule 10).

Three parts, in the order a reader needs them:

* the rule (pure functions over plain data, no ORM): whether a record aligns its beneficiary to the
  ACO in a PY, from when, and why not;
* selectors: the ACO's records, scoped (those naming the ACO or designating one of its Participant
  TINs for the PY), and the standing of a page of them;
* services: adding one record or a whole file, one transaction each, role checked here. A typed-in
  record goes through the very row checks of the dataset bundle
  (``apps.claims.bundle.check_voluntary_alignments``) plus the checks an ACO's own record needs, so a
  form, the API and a file answer alike.

The standing follows the alignment engine's choices (``engine.py``, "Choices for the Hybrid mid-year
run"), so the page says what a run will do:

* A record's ACO is the ACO whose Participant TIN it designates in the PY, whatever ACO id is written
  on it; a record naming this ACO but designating a TIN that is not one of its Participant TINs does
  not count for it.
* Start of the PY: among the beneficiary's records signed on or before Oct 31 of PY−1 designating a
  Participant TIN, the latest signed counts for the whole PY (same-day ties: smallest ACO id, TIN, NPI,
  then the ACO id written on the record, as text); the others are superseded.
* Hybrid approach (the election of the ACO the designated TIN belongs to): a record signed from
  January 1 to November 30 of the PY adds the beneficiary from the first day of the following month,
  only if the beneficiary is not aligned at the start of the PY (nobody is moved or dropped), and only
  the latest such record counts. One signed in December of the PY, or between Nov 1 and Dec 31 of
  PY−1, falls in no month of the PY. A beneficiary aligned on claims at the start of the PY is not
  added either; that needs the claims and is said as a condition, not checked here, as is
  eligibility (Part A and B, state, death).
* A deciding record outside this ACO's scope is described without its details.
"""

from __future__ import annotations

import csv
import datetime
import io
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Case, CharField, F, Q, QuerySet, Value, When

from apps.accounts.models import User
from apps.acos import selectors as aco_selectors
from apps.acos.lists import RowError
from apps.acos.models import ACO, AlignmentApproach, Election, ParticipantTIN
from apps.claims.bundle import VA_COLUMNS, check_voluntary_alignments, csv_rows
from apps.claims.models import VoluntaryAlignment

from .explain import OTHER_ACO

EARLIEST_SIGNED_DATE = datetime.date(2020, 1, 1)
MAX_ROWS = 50_000
EXPORT_BATCH = 500

# --- the rule (pure) -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Designation:
    """One voluntary alignment record as plain data."""

    record_id: int
    mbi: str
    record_aco_id: str  # the ACO id written on the record
    tin: str
    npi: str
    signed_date: datetime.date


@dataclass(frozen=True)
class RecordStatus:
    """A record's standing for one ACO and PY: ``counts`` when it aligns the beneficiary to the ACO,
    from ``counts_from``."""

    counts: bool
    counts_from: datetime.date | None = None
    reasons: tuple[str, ...] = ()  # why it does not count
    notes: tuple[str, ...] = ()  # how it counts, when that is not simply "all year"

    @property
    def label(self) -> str:
        if not self.counts:
            return "Does not count"
        if self.counts_from is not None and (self.counts_from.month, self.counts_from.day) != (1, 1):
            return f"Counts from {self.counts_from.isoformat()}"
        return "Counts"

    @property
    def badge(self) -> str:
        """The CMS Design System badge variation for the label."""
        return "success" if self.counts else "alert"


def cutoff_date(performance_year: int) -> datetime.date:
    """Rule 10: a record counts from the start of the PY when signed on or before Oct 31 of PY−1."""
    return datetime.date(performance_year - 1, 10, 31)


def first_of_next_month(day: datetime.date) -> datetime.date:
    return datetime.date(day.year + 1, 1, 1) if day.month == 12 else datetime.date(day.year, day.month + 1, 1)


def is_midyear(*, signed_date: datetime.date, performance_year: int) -> bool:
    """Signed during the PY early enough to add the beneficiary in one of its months (Jan 1 – Nov 30)."""
    return signed_date.year == performance_year and signed_date.month <= 11


def next_counting_year(*, signed_date: datetime.date, hybrid: bool, after: int) -> int:
    """The first PY after ``after`` in which a record signed on ``signed_date`` can take effect, if
    its TIN stays a Participant TIN (and, for ``hybrid``, the ACO keeps the Hybrid approach)."""
    at_start = signed_date.year + (1 if signed_date <= datetime.date(signed_date.year, 10, 31) else 2)
    midyear = signed_date.year if hybrid and signed_date.month <= 11 else at_start
    return min((y for y in (at_start, midyear) if y > after), default=after + 1)


def _rank(record: Designation, owners: Mapping[str, str]) -> tuple[int, str, str, str, str, int]:
    """Smaller is better: the latest signature; same day, the smallest (ACO id, TIN, NPI, ACO id on
    the record) as text, as the engine breaks ties (then the record id, to stay deterministic)."""
    return (
        -record.signed_date.toordinal(),
        owners.get(record.tin, ""),
        record.tin,
        record.npi,
        record.record_aco_id,
        record.record_id,
    )


def record_status(
    *,
    record: Designation,
    others: Iterable[Designation],
    aco_id: str,
    performance_year: int,
    tin_owners: Mapping[str, str],
    hybrid_acos: set[str] | frozenset[str],
) -> RecordStatus:
    """Whether ``record`` aligns its beneficiary to ACO ``aco_id`` in the PY, and why not.

    ``others``: the beneficiary's records (any ACO; ``record`` itself may be among them);
    ``tin_owners``: Participant TIN → ACO id for the PY, for every TIN involved; ``hybrid_acos``:
    ACOs on the Hybrid approach in the PY.
    """
    py = performance_year
    cutoff = cutoff_date(py)
    start = datetime.date(py, 1, 1)
    owner = tin_owners.get(record.tin)
    hybrid = (owner or aco_id) in hybrid_acos
    reasons: list[str] = []
    notes: list[str] = []
    if owner != aco_id:
        reasons.append(f"TIN {record.tin} is not one of this ACO's Participant TINs for PY{py}")
    elif record.record_aco_id != aco_id:
        notes.append(f"names {OTHER_ACO}, but designates this ACO's Participant TIN")
    at_start = record.signed_date <= cutoff
    midyear = hybrid and is_midyear(signed_date=record.signed_date, performance_year=py)
    if not (at_start or midyear):
        year = next_counting_year(signed_date=record.signed_date, hybrid=hybrid, after=py)
        if hybrid and record.signed_date.year == py:
            reasons.append(f"signed in December {py}: falls in no month of PY{py}; counts from PY{year}")
        else:
            reasons.append(f"signed after {cutoff.isoformat()}: counts from PY{year}")
    if reasons:
        return RecordStatus(counts=False, reasons=tuple(reasons), notes=tuple(notes))

    everyone = {r.record_id: r for r in [record, *others]}.values()
    # The start-of-year winner: signed by the cutoff, to a Participant TIN of any ACO.
    base = [r for r in everyone if r.signed_date <= cutoff and r.tin in tin_owners]
    base_winner = min(base, key=lambda r: _rank(r, tin_owners)) if base else None
    if at_start:
        if base_winner is not None and base_winner.record_id != record.record_id:
            reasons.append(f"superseded by {_describe(base_winner, record, aco_id, tin_owners)}")
            return RecordStatus(counts=False, reasons=tuple(reasons), notes=tuple(notes))
        return RecordStatus(counts=True, counts_from=start, notes=tuple(notes))

    # Hybrid, signed during the PY: an addition, for a beneficiary not aligned at the start.
    if base_winner is not None:
        what = _describe(base_winner, record, aco_id, tin_owners, later=False)
        reasons.append(f"not added: the beneficiary is aligned from {start.isoformat()} by {what}")
        return RecordStatus(counts=False, reasons=tuple(reasons), notes=tuple(notes))
    additions = [
        r
        for r in everyone
        if tin_owners.get(r.tin) in hybrid_acos and is_midyear(signed_date=r.signed_date, performance_year=py)
    ]
    winner = min(additions, key=lambda r: _rank(r, tin_owners))
    if winner.record_id != record.record_id:
        reasons.append(f"superseded by {_describe(winner, record, aco_id, tin_owners)}")
        return RecordStatus(counts=False, reasons=tuple(reasons), notes=tuple(notes))
    day = first_of_next_month(record.signed_date)
    notes.append(
        f"Hybrid approach: signed during PY{py}, adds the beneficiary from {day.isoformat()} "
        f"unless claims align them from {start.isoformat()}"
    )
    return RecordStatus(counts=True, counts_from=day, notes=tuple(notes))


def _describe(
    other: Designation, record: Designation, aco_id: str, tin_owners: Mapping[str, str], *, later: bool = True
) -> str:
    """The record that decides instead of ``record``, in words; without details outside this ACO."""
    if tin_owners.get(other.tin) != aco_id and other.record_aco_id != aco_id:
        return f"a {'later ' if later else ''}designation of a clinician outside this ACO"
    if later and other.signed_date == record.signed_date:
        return f"another record signed the same day (TIN {other.tin}, NPI {other.npi})"
    kind = "a later record" if later else "a record"
    return f"{kind} (signed {other.signed_date.isoformat()}, TIN {other.tin})"


# --- selectors -----------------------------------------------------------------------------------


def voluntary_list(*, aco: ACO, performance_year: int, search: str = "", mbi: str = "") -> QuerySet[VoluntaryAlignment]:
    """The ACO's records for a PY: those naming the ACO, and those designating one of its
    Participant TINs for the PY. ``search`` matches the start of the MBI, ``mbi`` the whole MBI."""
    tins = ParticipantTIN.objects.filter(aco=aco, performance_year=performance_year).values("tin")
    # ``named_aco``: the ACO the record was filed for, as this ACO may see it (a record filed for
    # another ACO that designates one of this ACO's TINs is listed, without naming that ACO).
    named = Case(When(aco=aco, then=F("aco__aco_id")), default=Value(OTHER_ACO), output_field=CharField())
    qs = VoluntaryAlignment.objects.filter(Q(aco=aco) | Q(tin__in=tins)).select_related("aco").annotate(named_aco=named)
    if search.strip():
        qs = qs.filter(mbi__startswith=search.strip().upper())
    if mbi.strip():
        qs = qs.filter(mbi=mbi.strip().upper())
    return qs.order_by("mbi", "-signed_date", "pk")


def alignment_approach(*, aco: ACO, performance_year: int) -> str:
    """The ACO's elected alignment approach for the PY (Prospective when nothing is elected)."""
    election = aco_selectors.election_get(aco=aco, performance_year=performance_year)
    return election.alignment_approach if election is not None else AlignmentApproach.PROSPECTIVE


def _designation(row: tuple[int, str, str, str, str, datetime.date]) -> Designation:
    record_id, mbi, record_aco_id, tin, npi, signed = row
    return Designation(record_id, mbi, record_aco_id, tin, npi, signed)


def voluntary_statuses(
    *, aco: ACO, performance_year: int, records: Sequence[VoluntaryAlignment]
) -> dict[int, RecordStatus]:
    """The standing of each given record (a page, or a batch of an export) for the ACO and PY, by
    record id. A few indexed queries whatever the page: every record of the page's beneficiaries,
    the owners of their TINs for the PY and those ACOs' elections."""
    if not records:
        return {}
    mbis = {r.mbi for r in records}
    rows = VoluntaryAlignment.objects.filter(mbi__in=mbis).values_list(
        "pk", "mbi", "aco__aco_id", "tin", "npi", "signed_date"
    )
    by_mbi: dict[str, list[Designation]] = {}
    for row in rows:
        d = _designation(row)
        by_mbi.setdefault(d.mbi, []).append(d)
    tins = {d.tin for ds in by_mbi.values() for d in ds}
    tin_owners = dict(
        ParticipantTIN.objects.filter(performance_year=performance_year, tin__in=tins).values_list("tin", "aco__aco_id")
    )
    hybrid_acos = set(
        Election.objects.filter(
            performance_year=performance_year,
            aco__aco_id__in={*tin_owners.values(), aco.aco_id},
            alignment_approach=AlignmentApproach.HYBRID,
        ).values_list("aco__aco_id", flat=True)
    )
    out = {}
    for r in records:
        record = Designation(r.pk, r.mbi, r.aco.aco_id, r.tin, r.npi, r.signed_date)
        out[r.pk] = record_status(
            record=record,
            others=by_mbi.get(r.mbi, []),
            aco_id=aco.aco_id,
            performance_year=performance_year,
            tin_owners=tin_owners,
            hybrid_acos=hybrid_acos,
        )
    return out


EXPORT_COLUMNS = [*VA_COLUMNS, "source", "performance_year", "counts", "counts_from", "reasons"]


def voluntary_export_rows(*, aco: ACO, performance_year: int) -> Iterable[list[str]]:
    """The ACO's records with their standing, as CSV rows (``EXPORT_COLUMNS``), in batches."""
    batch: list[VoluntaryAlignment] = []

    def flush() -> Iterable[list[str]]:
        statuses = voluntary_statuses(aco=aco, performance_year=performance_year, records=batch)
        for r in batch:
            s = statuses[r.pk]
            yield [
                r.mbi,
                r.named_aco,  # type: ignore[attr-defined]  # annotated by voluntary_list
                r.tin,
                r.npi,
                r.signed_date.isoformat(),
                r.channel,
                r.source,
                str(performance_year),
                "true" if s.counts else "false",
                s.counts_from.isoformat() if s.counts_from else "",
                "; ".join([*s.reasons, *s.notes]),
            ]

    for record in voluntary_list(aco=aco, performance_year=performance_year).iterator(chunk_size=EXPORT_BATCH):
        batch.append(record)
        if len(batch) == EXPORT_BATCH:
            yield from flush()
            batch = []
    yield from flush()


# --- services ------------------------------------------------------------------------------------


class VoluntaryRowsInvalid(ValidationError):
    """Rows that failed their checks; ``row_errors`` says line, field, value and reason."""

    def __init__(self, row_errors: list[RowError]) -> None:
        super().__init__([f"{e.field} {e.value!r}: {e.reason}" for e in row_errors])
        self.row_errors = row_errors


@dataclass
class VoluntaryUploadOutcome:
    added: int = 0
    errors: list[RowError] = field(default_factory=list)

    @property
    def message(self) -> str:
        if self.errors:
            return f"Nothing was added: {len(self.errors)} problem(s) found."
        return f"{self.added} voluntary alignment record{'' if self.added == 1 else 's'} added."


def _require_editor(*, aco: ACO, user: User) -> None:
    if not aco_selectors.user_can_edit_aco(user=user, aco=aco):
        raise PermissionDenied("Only the ACO's administrators can add voluntary alignment records.")


def _record_key(mbi: str, tin: str, npi: str, signed: datetime.date) -> tuple[str, str, str, datetime.date]:
    return (mbi, tin, npi, signed)


def voluntary_check(
    *, aco: ACO, performance_year: int, data: bytes, name: str = "voluntary_alignments.csv"
) -> tuple[list[dict[str, Any]], list[RowError]]:
    """Check every row of a file in the bundle format (``mbi,aco_id,tin,npi,signed_date,channel``)
    for this ACO: the bundle's row checks, then this ACO's rules. Returns the rows ready to store
    (``aco_id`` filled in, ``line`` added) and every problem found."""
    # A blank aco_id means this ACO; any other id is refused (reworded below).
    rows, errors = check_voluntary_alignments(data, {aco.aco_id, ""})
    errors = [_reworded(e, aco=aco, name=name) for e in errors]
    if any(e.field in ("file", "header") for e in errors):
        return [], errors
    if len(rows) + len({e.line for e in errors}) > MAX_ROWS:
        return [], [RowError(0, "file", name, f"has more than {MAX_ROWS} rows")]
    today = aco_selectors.portal_today()
    tins = set(ParticipantTIN.objects.filter(aco=aco, performance_year=performance_year).values_list("tin", flat=True))
    # The ACO's own records (thousands at most): one query, no parameter list as long as the file.
    on_file = {
        _record_key(*key)
        for key in VoluntaryAlignment.objects.filter(aco=aco).values_list("mbi", "tin", "npi", "signed_date")
    }
    # The bundle returns the rows that passed, in file order (without their lines); this ACO's
    # rules also run on the rows that failed, for each field the bundle found well-formed, so a
    # person sees every problem of a row at once.
    bad_fields = {(e.line, e.field) for e in errors}
    records = _records(data, name)
    failed_lines = {line for line, _ in bad_fields}
    if len(rows) != sum(1 for line, _ in records if line not in failed_lines):
        raise RuntimeError("The bundle's reading of the file and this one disagree.")
    passed = iter(rows)
    seen: dict[tuple[str, str, str, datetime.date], int] = {}
    out: list[dict[str, Any]] = []
    for line, raw in records:
        e: list[RowError] = []
        if (line, "tin") not in bad_fields and raw["tin"] not in tins:
            reason = f"is not one of this ACO's Participant TINs for PY{performance_year}"
            e.append(RowError(line, "tin", raw["tin"], reason))
        if (line, "signed_date") not in bad_fields:
            signed = datetime.date.fromisoformat(raw["signed_date"])
            if signed > today:
                e.append(RowError(line, "signed_date", raw["signed_date"], f"is in the future (today is {today})"))
            elif signed < EARLIEST_SIGNED_DATE:
                reason = f"is before {EARLIEST_SIGNED_DATE}, the earliest accepted"
                e.append(RowError(line, "signed_date", raw["signed_date"], reason))
        if line in failed_lines:
            errors.extend(e)
            continue
        row = next(passed)
        key = _record_key(row["mbi"], row["tin"], row["npi"], row["signed_date"])
        label = f"{row['mbi']}/{row['tin']}/{row['npi']}/{row['signed_date']}"
        if key in seen:
            e.append(RowError(line, "record", label, f"duplicate: the same record is on line {seen[key]}"))
        elif key in on_file:
            e.append(RowError(line, "record", label, "the same MBI, TIN, NPI and signed date are already on file"))
        if e:
            errors.extend(e)
            continue
        seen[key] = line
        out.append({**row, "aco_id": aco.aco_id, "line": line})
    if not out and not errors:
        errors.append(RowError(0, "file", name, "has no rows"))
    errors.sort(key=lambda err: err.line)
    return out, errors


def _reworded(error: RowError, *, aco: ACO, name: str) -> RowError:
    """The bundle's wording where an ACO's own file needs another: its id, an empty value, its name."""
    if error.field == "aco_id":
        return RowError(error.line, error.field, error.value, f"must be this ACO's id ({aco.aco_id}) or left blank")
    if error.field == "file":
        return RowError(error.line, error.field, name, error.reason)
    if error.field in VA_COLUMNS and error.value == "":
        return RowError(error.line, error.field, "", "is required")
    return error


def _records(data: bytes, name: str) -> list[tuple[int, dict[str, str]]]:
    """Each non-blank record with its physical line, read by the bundle's own reader (its checked
    rows carry no line numbers; its errors do)."""
    return csv_rows(data, VA_COLUMNS, name)[0]


def _store(*, aco: ACO, rows: list[dict[str, Any]], source: str) -> list[VoluntaryAlignment]:
    objs = [
        VoluntaryAlignment(
            mbi=r["mbi"],
            aco=aco,
            tin=r["tin"],
            npi=r["npi"],
            signed_date=r["signed_date"],
            channel=r["channel"],
            source=source[:255],
        )
        for r in rows
    ]
    for obj in objs:
        obj.full_clean(exclude=["aco"], validate_unique=False, validate_constraints=False)
    try:
        with transaction.atomic():
            return VoluntaryAlignment.objects.bulk_create(objs)
    except IntegrityError as exc:  # only if the ACO lock below were bypassed by a direct write
        raise ValidationError("A record was added meanwhile by someone else; try again.") from exc


def _lock(aco: ACO) -> None:
    # Serialise additions per ACO: the duplicate check and the insert must see the same records.
    ACO.objects.select_for_update().filter(pk=aco.pk).first()


def voluntary_record_check(
    *, aco: ACO, performance_year: int, data: Mapping[str, Any]
) -> tuple[list[dict[str, Any]], list[RowError]]:
    """Check one record (form or API values) exactly as a file's row: it is written as a one-row
    file in the bundle format and read back. Errors have line 0 (a single record has no line)."""
    values = {c: "" if data.get(c) is None else str(data.get(c)).strip() for c in VA_COLUMNS}
    values["mbi"] = values["mbi"].upper()  # typed by a person; a file must already be in capitals
    buffer = io.StringIO()
    # The record's own bytes, not an export (nothing neutralised). The csv module's default line
    # end, \r\n, makes it quote a value holding \r or \n, so a typed \r stays inside its value.
    writer = csv.writer(buffer)
    writer.writerow(VA_COLUMNS)
    writer.writerow([values[c] for c in VA_COLUMNS])
    rows, errors = voluntary_check(aco=aco, performance_year=performance_year, data=buffer.getvalue().encode())
    return rows, [RowError(0, e.field, e.value, e.reason) for e in errors]


@transaction.atomic
def voluntary_alignment_add(
    *, aco: ACO, performance_year: int, data: Mapping[str, Any], acting_user: User
) -> VoluntaryAlignment:
    """Add one record typed into the form or sent to the API; raises ``VoluntaryRowsInvalid``
    with the same reasons an uploaded file would get."""
    _require_editor(aco=aco, user=acting_user)
    _lock(aco)
    rows, errors = voluntary_record_check(aco=aco, performance_year=performance_year, data=data)
    if errors:
        raise VoluntaryRowsInvalid(errors)
    return _store(aco=aco, rows=rows, source=acting_user.get_username())[0]


@transaction.atomic
def voluntary_alignment_upload(
    *, aco: ACO, performance_year: int, data: bytes, filename: str, acting_user: User
) -> VoluntaryUploadOutcome:
    """Add every record of a file, or none: every row is checked first."""
    _require_editor(aco=aco, user=acting_user)
    _lock(aco)
    rows, errors = voluntary_check(aco=aco, performance_year=performance_year, data=data, name=filename)
    if errors:
        return VoluntaryUploadOutcome(errors=errors)
    return VoluntaryUploadOutcome(added=len(_store(aco=aco, rows=rows, source=filename)))
