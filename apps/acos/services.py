"""Every write to ACO data: one transaction each, with the acting user, role checked here.

List changes (add, edit, remove, bulk upload) are expressed as *operations*. Before the PY's list
deadline they are applied at once; after it they become a list change request that a CMS reviewer
approves (the operations are then applied, re-checked against the lists as they are by then) or
denies.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.urls import reverse

from apps.accounts.models import User
from apps.reviews import registry
from apps.reviews import services as review_services
from apps.reviews.models import ReviewCase

from . import selectors
from .lists import (
    LIST_SPECS,
    TIN_RE,
    ParsedList,
    RowError,
    check_participant_row,
    check_preferred_row,
    parse_list_csv,
    row_key,
)
from .models import (
    ACO,
    DemoClock,
    Election,
    ListChangeRequest,
    Membership,
    ParticipantTIN,
    PreferredProvider,
    RiskOption,
)
from .reference import US_STATES

LIST_MODELS: dict[str, type[ParticipantTIN] | type[PreferredProvider]] = {
    "participants": ParticipantTIN,
    "preferred_providers": PreferredProvider,
}
LIST_FIELDS = {
    "participants": ["tin", "legal_name", "ccns", "practice_zip", "facility_type", "new_to_aco"],
    "preferred_providers": ["tin", "npi", "name", "specialty_code", "capitation"],
}
LIST_LABELS = {"participants": "Participant TIN", "preferred_providers": "Preferred Provider"}


class ListRowsInvalid(ValidationError):
    """Rows that failed their checks; ``row_errors`` says line, field, value and reason."""

    def __init__(self, row_errors: list[RowError]) -> None:
        super().__init__([f"line {e.line}, {e.field} {e.value!r}: {e.reason}" for e in row_errors])
        self.row_errors = row_errors


@dataclass
class ListChangeOutcome:
    applied: bool
    added: int = 0
    updated: int = 0
    removed: int = 0
    unchanged: int = 0
    change_request: ListChangeRequest | None = None
    errors: list[RowError] = field(default_factory=list)

    @property
    def message(self) -> str:
        if self.errors:
            return f"Nothing was changed: {len(self.errors)} problem(s) found."
        counts = f"{self.added} added, {self.updated} updated, {self.removed} removed"
        if self.change_request is not None:
            return f"The list deadline has passed: your change ({counts}) was sent to CMS for approval."
        if not (self.added or self.updated or self.removed):
            return "Nothing to change: the list already matches."
        return f"List updated: {counts}."


def _require_editor(*, aco: ACO, user: User) -> None:
    if not selectors.user_can_edit_aco(user=user, aco=aco):
        raise PermissionDenied("Only the ACO's administrators can change it.")


# --- profile and elections -------------------------------------------------------------------

PROFILE_FIELDS = [
    "legal_name",
    "doing_business_as",
    "states",
    "primary_contact_name",
    "primary_contact_email",
    "primary_contact_phone",
    "executive_name",
    "executive_email",
    "compliance_contact_name",
    "compliance_contact_email",
]


@transaction.atomic
def aco_update_profile(*, aco: ACO, data: dict[str, Any], acting_user: User) -> ACO:
    """The LEAD ACO id is assigned by CMS and is not changed here."""
    _require_editor(aco=aco, user=acting_user)
    aco = ACO.objects.select_for_update().get(pk=aco.pk)
    for name in PROFILE_FIELDS:
        if name in data:
            setattr(aco, name, data[name])
    states = [s.strip().upper() for s in aco.states]
    unknown = [s for s in states if s not in US_STATES]
    if unknown:
        raise ValidationError({"states": f"Unknown state code(s): {', '.join(unknown)}."})
    if not states:
        raise ValidationError({"states": "Choose at least one state served."})
    aco.states = sorted(set(states))
    aco.full_clean()
    aco.save()
    return aco


def election_rules(*, risk_option: str, capitation: str, cara_participation: bool) -> dict[str, str]:
    """docs/model.md: Total Care Capitation and CARA are for Global-risk ACOs only."""
    errors = {}
    if risk_option != RiskOption.GLOBAL:
        if capitation == "tcc":
            errors["capitation"] = "Total Care Capitation is only for ACOs taking Global risk."
        if cara_participation:
            errors["cara_participation"] = "CARA is only offered to ACOs taking Global risk."
    return errors


def elections_require_open(*, performance_year: int) -> None:
    """A PY's elections close with its list deadline: after it, ValidationError saying so."""
    if selectors.list_is_locked(performance_year=performance_year):
        raise ValidationError(selectors.elections_closed_message(performance_year=performance_year))


@transaction.atomic
def election_save(*, aco: ACO, performance_year: int, data: dict[str, Any], acting_user: User) -> Election:
    _require_editor(aco=aco, user=acting_user)
    elections_require_open(performance_year=performance_year)
    election = selectors.election_get(aco=aco, performance_year=performance_year) or Election(
        aco=aco, performance_year=performance_year
    )
    for name in ("risk_option", "alignment_approach", "capitation", "newly_entering", "cara_participation"):
        if name in data:
            setattr(election, name, data[name])
    errors = election_rules(
        risk_option=election.risk_option,
        capitation=election.capitation,
        cara_participation=election.cara_participation,
    )
    if errors:
        raise ValidationError(errors)
    election.full_clean()
    election.save()
    return election


# --- lists -----------------------------------------------------------------------------------


def _existing_rows(*, aco: ACO, performance_year: int, list_type: str) -> dict[tuple[str, ...], dict[str, Any]]:
    model = LIST_MODELS[list_type]
    fields = LIST_FIELDS[list_type]
    rows = model.objects.filter(aco=aco, performance_year=performance_year).values(*fields)
    return {row_key(list_type, r): dict(r) for r in rows}


def _other_aco_tins(*, aco: ACO, performance_year: int, tins: set[str]) -> set[str]:
    return set(
        ParticipantTIN.objects.filter(performance_year=performance_year, tin__in=tins)
        .exclude(aco=aco)
        .values_list("tin", flat=True)
    )


def _other_aco_errors(
    *, aco: ACO, performance_year: int, list_type: str, tins: list[tuple[int, str]]
) -> list[RowError]:
    """A Participant TIN is in at most one LEAD ACO a year: one error per (line, TIN) on another ACO's
    list. Preferred Providers (TIN-NPI) carry no such rule: a clinician may be one for several ACOs."""
    if list_type != "participants" or not tins:
        return []
    taken = _other_aco_tins(aco=aco, performance_year=performance_year, tins={tin for _, tin in tins})
    reason = f"is already a Participant TIN of another LEAD ACO for PY{performance_year}"
    return [RowError(line, "tin", tin, reason) for line, tin in tins if tin in taken]


def _parse_errors_and_more(*, aco: ACO, performance_year: int, list_type: str, parsed: ParsedList) -> list[RowError]:
    """The whole report of an upload with row errors: the database checks run on every row whose TIN
    could be read, as they would have once the other errors are fixed, so a second upload brings no
    new surprise. In line order; a line's own errors first."""
    errors = parsed.errors + _other_aco_errors(
        aco=aco, performance_year=performance_year, list_type=list_type, tins=parsed.tins
    )
    return sorted(errors, key=lambda e: e.line)


def _plan_operations(
    *,
    aco: ACO,
    performance_year: int,
    list_type: str,
    rows: list[dict[str, Any]],
    replace: bool,
) -> tuple[list[dict[str, Any]], int]:
    """Turn wanted rows into add/update/remove operations against the current list."""
    existing = _existing_rows(aco=aco, performance_year=performance_year, list_type=list_type)
    fields = LIST_FIELDS[list_type]
    ops: list[dict[str, Any]] = []
    unchanged = 0
    wanted = set()
    for row in rows:
        key = row_key(list_type, row)
        wanted.add(key)
        data = {f: row[f] for f in fields}
        before = existing.get(key)
        if before is None:
            ops.append({"op": "add", "key": list(key), "row": data})
        elif before != data:
            ops.append({"op": "update", "key": list(key), "row": data, "before": before})
        else:
            unchanged += 1
    if replace:
        for key, before in sorted(existing.items()):
            if key not in wanted:
                ops.append({"op": "remove", "key": list(key), "before": before})
    return ops, unchanged


def _check_operations(
    *,
    aco: ACO,
    performance_year: int,
    list_type: str,
    ops: list[dict[str, Any]],
    lines: dict[tuple[str, ...], int] | None = None,
) -> list[RowError]:
    """Checks that need the database: a TIN in another ACO; a row that must (not) exist."""
    errors: list[RowError] = []
    lines = lines or {}
    existing = _existing_rows(aco=aco, performance_year=performance_year, list_type=list_type)
    errors += _other_aco_errors(
        aco=aco,
        performance_year=performance_year,
        list_type=list_type,
        tins=[(lines.get(tuple(op["key"]), 0), op["row"]["tin"]) for op in ops if op["op"] == "add"],
    )
    for op in ops:
        key = tuple(op["key"])
        label = "/".join(key)
        if op["op"] == "add" and key in existing:
            errors.append(RowError(lines.get(key, 0), LIST_SPECS[list_type][2][-1], label, "is already on the list"))
        if op["op"] in ("update", "remove") and key not in existing:
            errors.append(RowError(lines.get(key, 0), LIST_SPECS[list_type][2][-1], label, "is no longer on the list"))
    return errors


def _apply_operations(*, aco: ACO, performance_year: int, list_type: str, ops: list[dict[str, Any]]) -> None:
    """Write the operations in bulk. Callers have checked them inside the same transaction."""
    model = LIST_MODELS[list_type]
    key_fields = LIST_SPECS[list_type][2]
    adds = [model(aco=aco, performance_year=performance_year, **op["row"]) for op in ops if op["op"] == "add"]
    for obj in adds:
        obj.full_clean(exclude=["aco"], validate_unique=False, validate_constraints=False)
    model.objects.bulk_create(adds)  # type: ignore[arg-type]
    updates = [op for op in ops if op["op"] == "update"]
    if updates:
        current = {
            tuple(str(getattr(o, f)) for f in key_fields): o
            for o in model.objects.filter(aco=aco, performance_year=performance_year)
        }
        changed = []
        for op in updates:
            obj = current[tuple(op["key"])]
            for name, value in op["row"].items():
                setattr(obj, name, value)
            obj.full_clean(exclude=["aco"], validate_unique=False, validate_constraints=False)
            changed.append(obj)
        model.objects.bulk_update(changed, LIST_FIELDS[list_type])  # type: ignore[arg-type]
    removes = [op for op in ops if op["op"] == "remove"]
    if removes:
        qs = model.objects.filter(aco=aco, performance_year=performance_year)
        for op in removes:
            qs.filter(**dict(zip(key_fields, op["key"], strict=True))).delete()


def _summary(list_type: str, ops: list[dict[str, Any]]) -> str:
    label = LIST_LABELS[list_type]
    if len(ops) == 1:
        op = ops[0]
        verb = {"add": "Add", "update": "Change", "remove": "Remove"}[op["op"]]
        what = op.get("row") or op.get("before") or {}
        name = what.get("legal_name") or what.get("name") or ""
        return f"{verb} {label} {'/'.join(op['key'])} {name}".strip()
    counts = {k: sum(1 for op in ops if op["op"] == k) for k in ("add", "update", "remove")}
    return f"{label} list: {counts['add']} to add, {counts['update']} to change, {counts['remove']} to remove"


@transaction.atomic
def list_change(
    *,
    aco: ACO,
    performance_year: int,
    list_type: str,
    ops: list[dict[str, Any]],
    acting_user: User,
    lines: dict[tuple[str, ...], int] | None = None,
    unchanged: int = 0,
) -> ListChangeOutcome:
    """Apply list operations now, or, after the deadline, send them to CMS as a change request."""
    _require_editor(aco=aco, user=acting_user)
    # Serialise list changes per ACO: two uploads at once must not interleave.
    ACO.objects.select_for_update().filter(pk=aco.pk).first()
    outcome = ListChangeOutcome(
        applied=False,
        unchanged=unchanged,
        added=sum(1 for op in ops if op["op"] == "add"),
        updated=sum(1 for op in ops if op["op"] == "update"),
        removed=sum(1 for op in ops if op["op"] == "remove"),
    )
    errors = _check_operations(aco=aco, performance_year=performance_year, list_type=list_type, ops=ops, lines=lines)
    if errors:
        outcome.errors = errors
        return outcome
    if not ops:
        outcome.applied = True
        return outcome
    if selectors.list_is_locked(performance_year=performance_year):
        summary = _summary(list_type, ops)
        case = review_services.case_create(
            kind=LIST_CHANGE_KIND,
            title=f"{aco.aco_id} PY{performance_year}: {summary}",
            content={
                "aco_id": aco.aco_id,
                "performance_year": performance_year,
                "list_type": list_type,
                "operations": ops,
            },
            acting_user=acting_user,
        )
        outcome.change_request = ListChangeRequest.objects.create(
            aco=aco, performance_year=performance_year, list_type=list_type, review=case, summary=summary[:255]
        )
        # case_submit works on a fresh copy of the case: keep that one, so callers (and the API's
        # 202 answer) see the request as submitted rather than the stale draft.
        outcome.change_request.review = review_services.case_submit(case=case, acting_user=acting_user)
        return outcome
    _apply_operations(aco=aco, performance_year=performance_year, list_type=list_type, ops=ops)
    outcome.applied = True
    return outcome


def list_import(
    *, aco: ACO, performance_year: int, list_type: str, data: bytes, replace: bool = True
) -> ListChangeOutcome:
    """Load a list as CMS sends it (dataset bundles, the demo): the same checks as an upload,
    applied directly whatever the deadline, since it is the list of record rather than an ACO's
    change to it."""
    parsed = parse_list_csv(data, list_type=list_type, aco_id=aco.aco_id, performance_years={performance_year})
    if parsed.errors:
        errors = _parse_errors_and_more(aco=aco, performance_year=performance_year, list_type=list_type, parsed=parsed)
        return ListChangeOutcome(applied=False, errors=errors)
    lines = {row_key(list_type, r): line for r, line in zip(parsed.rows, parsed.lines, strict=True)}
    with transaction.atomic():
        ops, unchanged = _plan_operations(
            aco=aco, performance_year=performance_year, list_type=list_type, rows=parsed.rows, replace=replace
        )
        errors = _check_operations(
            aco=aco, performance_year=performance_year, list_type=list_type, ops=ops, lines=lines
        )
        outcome = ListChangeOutcome(
            applied=not errors,
            unchanged=unchanged,
            errors=errors,
            added=sum(1 for op in ops if op["op"] == "add"),
            updated=sum(1 for op in ops if op["op"] == "update"),
            removed=sum(1 for op in ops if op["op"] == "remove"),
        )
        if not errors:
            _apply_operations(aco=aco, performance_year=performance_year, list_type=list_type, ops=ops)
    return outcome


def list_upload(
    *,
    aco: ACO,
    performance_year: int,
    list_type: str,
    data: bytes,
    replace: bool,
    acting_user: User,
) -> ListChangeOutcome:
    """Bulk upload: every row checked; all applied (or requested) or none."""
    _require_editor(aco=aco, user=acting_user)
    parsed = parse_list_csv(data, list_type=list_type, aco_id=aco.aco_id, performance_years={performance_year})
    if parsed.errors:
        errors = _parse_errors_and_more(aco=aco, performance_year=performance_year, list_type=list_type, parsed=parsed)
        return ListChangeOutcome(applied=False, errors=errors)
    lines = {row_key(list_type, r): line for r, line in zip(parsed.rows, parsed.lines, strict=True)}
    ops, unchanged = _plan_operations(
        aco=aco, performance_year=performance_year, list_type=list_type, rows=parsed.rows, replace=replace
    )
    return list_change(
        aco=aco,
        performance_year=performance_year,
        list_type=list_type,
        ops=ops,
        acting_user=acting_user,
        lines=lines,
        unchanged=unchanged,
    )


def list_row_key(list_type: str, obj: ParticipantTIN | PreferredProvider) -> tuple[str, ...]:
    """The key a stored row has on its list: the TIN, or the TIN and NPI."""
    return tuple(str(getattr(obj, f)) for f in LIST_SPECS[list_type][2])


def _form_row(list_type: str, aco: ACO, performance_year: int, data: dict[str, Any]) -> dict[str, Any]:
    """Check one row typed into a form or sent to the API, with the same rules as an upload."""

    def as_text(v: Any) -> str:
        if v is None:
            return ""
        if isinstance(v, list):  # a list's items as text, whatever their type (the checks then say what is wrong)
            return ";".join(as_text(item) for item in v)
        return str(v).lower() if isinstance(v, bool) else str(v)

    text = {k: as_text(v) for k, v in data.items()}
    text.update({"aco_id": aco.aco_id, "performance_year": str(performance_year)})
    check = check_participant_row if list_type == "participants" else check_preferred_row
    cleaned, errors = check(text, 0, aco_id=aco.aco_id, performance_years=set(selectors.performance_years()))
    if cleaned is None:
        # The database checks too, so the form says everything at once.
        tin = text.get("tin", "").strip()
        if TIN_RE.fullmatch(tin):
            errors += _other_aco_errors(
                aco=aco, performance_year=performance_year, list_type=list_type, tins=[(0, tin)]
            )
        raise ListRowsInvalid(errors)
    return cleaned


def list_row_save(
    *,
    aco: ACO,
    performance_year: int,
    list_type: str,
    data: dict[str, Any],
    acting_user: User,
    existing_key: tuple[str, ...] | None = None,
) -> ListChangeOutcome:
    """Add one row, or change the row at ``existing_key``."""
    _require_editor(aco=aco, user=acting_user)
    row = _form_row(list_type, aco, performance_year, data)
    fields = LIST_FIELDS[list_type]
    new = {f: row[f] for f in fields}
    key = row_key(list_type, row)
    if existing_key is None:
        ops = [{"op": "add", "key": list(key), "row": new}]
    else:
        current = _existing_rows(aco=aco, performance_year=performance_year, list_type=list_type)
        before = current.get(existing_key)
        if before is None:
            raise ValidationError("That row is no longer on the list.")
        if key != existing_key:
            # A changed TIN (or NPI) is a different provider: remove the old row, add the new one.
            ops = [
                {"op": "remove", "key": list(existing_key), "before": before},
                {"op": "add", "key": list(key), "row": new},
            ]
        elif before == new:
            ops = []
        else:
            ops = [{"op": "update", "key": list(key), "row": new, "before": before}]
    outcome = list_change(
        aco=aco, performance_year=performance_year, list_type=list_type, ops=ops, acting_user=acting_user
    )
    if outcome.errors:
        raise ListRowsInvalid(outcome.errors)
    return outcome


def list_row_remove(
    *,
    aco: ACO,
    performance_year: int,
    list_type: str,
    key: tuple[str, ...],
    acting_user: User,
) -> ListChangeOutcome:
    _require_editor(aco=aco, user=acting_user)
    current = _existing_rows(aco=aco, performance_year=performance_year, list_type=list_type)
    if key not in current:
        raise ValidationError("That row is no longer on the list.")
    ops = [{"op": "remove", "key": list(key), "before": current[key]}]
    return list_change(
        aco=aco, performance_year=performance_year, list_type=list_type, ops=ops, acting_user=acting_user
    )


# --- change requests -------------------------------------------------------------------------

LIST_CHANGE_KIND = "list_change"


def change_request_decide(
    *, change_request: ListChangeRequest, acting_user: User, approve: bool, reason: str
) -> ListChangeRequest:
    review_services.case_decide(case=change_request.review, acting_user=acting_user, approve=approve, reason=reason)
    change_request.refresh_from_db()
    change_request.review.refresh_from_db()
    return change_request


def change_request_withdraw(
    *, change_request: ListChangeRequest, acting_user: User, reason: str = ""
) -> ListChangeRequest:
    review_services.case_withdraw(case=change_request.review, acting_user=acting_user, reason=reason)
    change_request.review.refresh_from_db()
    return change_request


def _on_list_change_approved(case: ReviewCase, acting_user: User) -> None:
    request = ListChangeRequest.objects.select_related("aco").get(review=case)
    ops = case.content["operations"]
    errors = _check_operations(
        aco=request.aco, performance_year=request.performance_year, list_type=request.list_type, ops=ops
    )
    if errors:
        raise ValidationError(
            ["The change can no longer be applied to the list as it is now:"]
            + [f"{e.field} {e.value}: {e.reason}" for e in errors]
        )
    _apply_operations(aco=request.aco, performance_year=request.performance_year, list_type=request.list_type, ops=ops)


def _can_act_for_aco(user: User, case: ReviewCase) -> bool:
    request = ListChangeRequest.objects.select_related("aco").filter(review=case).first()
    aco = request.aco if request else ACO.objects.filter(aco_id=case.content.get("aco_id")).first()
    return aco is not None and selectors.user_can_edit_aco(user=user, aco=aco)


def _aco_recipients(case: ReviewCase) -> list[str]:
    aco_id = case.content.get("aco_id", "")
    emails = set(
        Membership.objects.filter(aco__aco_id=aco_id, user__is_active=True)
        .exclude(user__email="")
        .values_list("user__email", flat=True)
    )
    return sorted(emails)


def _case_url(case: ReviewCase) -> str:
    request = ListChangeRequest.objects.filter(review=case).select_related("aco").first()
    if request is None:
        return ""
    return reverse("acos:change_request_detail", kwargs={"aco_id": request.aco.aco_id, "request_id": request.pk})


def register_review_kinds() -> None:
    registry.register(
        registry.ReviewKind(
            key=LIST_CHANGE_KIND,
            label="List change request",
            can_act_for_aco=_can_act_for_aco,
            aco_recipients=_aco_recipients,
            on_approved=_on_list_change_approved,
            url=_case_url,
        )
    )


# --- memberships (used by set-up commands and the Django admin) ------------------------------


@transaction.atomic
def membership_set(*, user: User, aco: ACO, role: str) -> Membership:
    membership, _ = Membership.objects.update_or_create(user=user, aco=aco, defaults={"role": role})
    membership.full_clean()
    return membership


# --- the demo's clock (set by the demo commands) -------------------------------------------------


@transaction.atomic
def demo_clock_set(*, today: datetime.date, performance_year: int | None = None, reason: str = "") -> DemoClock:
    """Make ``today`` the portal's date for every date rule (``selectors.portal_today``), and
    ``performance_year`` the year pages open on, until cleared. ``PORTAL_TODAY`` still wins."""
    fields = {"today": today, "performance_year": performance_year, "reason": reason}
    DemoClock(id=DemoClock.SINGLETON, **fields).full_clean(validate_unique=False)
    clock, _ = DemoClock.objects.update_or_create(pk=DemoClock.SINGLETON, defaults=fields)
    return clock


def demo_clock_clear() -> None:
    """Back to the real date."""
    DemoClock.objects.filter(pk=DemoClock.SINGLETON).delete()
