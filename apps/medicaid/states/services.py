"""Every write to the CMS side of Medicaid integration: partner states and their status, planning
milestones and framework documents. One transaction each, with the acting user; only CMS admins
write (CMS reviewers and ACO people read), so every service starts with ``_require_cms_admin``.

A state's status moves only along ``STATE_TRANSITIONS`` and every move is a ``StateStatusChange``
row (who, when, why). At most ``MAX_SELECTED_STATES`` states are selected at once (docs/medicaid.md: "up
to two states"), and a selected state keeps that status while any ACO has a partnership arrangement
with CMS or approved there: its ACOs rely on the selection.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Max
from django.urls import NoReverseMatch, reverse

from apps.accounts.models import User
from apps.acos.models import ACO, Membership
from apps.reviews.models import ReviewState
from apps.reviews.uploads import bytes_match_extension, clean_file_name
from lead_portal import jobs
from lead_portal.formatting import long_date

from .. import task_names
from ..models import (
    MAX_SELECTED_STATES,
    PLANNING_END,
    PLANNING_START,
    STATE_TRANSITIONS,
    FrameworkDocument,
    MedicaidState,
    Milestone,
    PartnershipArrangement,
    StateStatus,
    StateStatusChange,
)

# Framework documents: the types CMS shares with states and ACOs, and the largest file accepted.
DOCUMENT_TYPES: dict[str, str] = {
    "pdf": "application/pdf",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "txt": "text/plain",
    "csv": "text/csv",
}
MAX_DOCUMENT_BYTES = 10 * 1024 * 1024
# An arrangement in one of these review states holds its state's selection in place.
HOLDING_STATES = (ReviewState.SUBMITTED, ReviewState.IN_REVIEW, ReviewState.APPROVED)
STATE_FIELDS = ("name", "delivery_system", "medicaid_agency", "notes")
MILESTONE_FIELDS = ("title", "start", "end", "status", "notes", "state")


def _require_cms_admin(user: User) -> None:
    if not (user.is_authenticated and user.is_cms_admin):
        raise PermissionDenied("Only CMS admins can change Medicaid partner states, milestones and documents.")


def status_label(status: str) -> str:
    return str(StateStatus(status).label) if status in StateStatus.values else status


# --- states ------------------------------------------------------------------------------------


@transaction.atomic
def state_create(
    *,
    acting_user: User,
    code: str,
    name: str,
    delivery_system: str,
    medicaid_agency: str = "",
    notes: str = "",
) -> MedicaidState:
    """A state that told CMS it is interested. Its first history row is "" → interested."""
    _require_cms_admin(acting_user)
    code = (code or "").strip().upper()
    if MedicaidState.objects.filter(code=code).exists():
        raise ValidationError({"code": f"{code} is already on the list of states."})
    state = MedicaidState(
        code=code,
        name=(name or "").strip(),
        status=StateStatus.INTERESTED,
        delivery_system=delivery_system,
        medicaid_agency=(medicaid_agency or "").strip(),
        notes=(notes or "").strip(),
    )
    state.full_clean()
    state.save()
    StateStatusChange.objects.create(
        state=state,
        from_status="",
        to_status=StateStatus.INTERESTED,
        reason="Added to the list.",
        changed_by=acting_user,
    )
    return state


@transaction.atomic
def state_update(*, state: MedicaidState, acting_user: User, **fields: Any) -> MedicaidState:
    """Change a state's name, delivery system, Medicaid agency or notes. The status has its own
    service (``state_status_change``) because every move is recorded with a reason."""
    _require_cms_admin(acting_user)
    unknown = sorted(set(fields) - set(STATE_FIELDS))
    if unknown:
        message = "Change the status with a status change, not an edit." if "status" in unknown else ""
        raise ValidationError(
            {key: [message or f"{key!r} cannot be changed here."] for key in unknown}  # code is the identity
        )
    state = MedicaidState.objects.select_for_update().get(pk=state.pk)
    for key, value in fields.items():
        setattr(state, key, (value or "").strip() if isinstance(value, str) else value)
    state.full_clean()
    state.save()
    return state


def holding_arrangements(state: MedicaidState) -> int:
    """How many partnership arrangements in the state are with CMS or approved."""
    return PartnershipArrangement.objects.filter(state=state, review__state__in=HOLDING_STATES).count()


@transaction.atomic
def state_status_change(*, state: MedicaidState, acting_user: User, to_status: str, reason: str = "") -> MedicaidState:
    """Move a state along ``STATE_TRANSITIONS``. Not selected and reopening (back to under
    consideration from a decision) need a reason; selecting respects ``MAX_SELECTED_STATES``; a
    selected state with arrangements submitted, in review or approved stays selected. A newly
    selected state's ACOs' administrators are e-mailed once the change commits."""
    _require_cms_admin(acting_user)
    # Lock every selected state as well as this one, so two admins cannot select a third at once.
    list(MedicaidState.objects.select_for_update().filter(status=StateStatus.SELECTED).values_list("pk", flat=True))
    state = MedicaidState.objects.select_for_update().get(pk=state.pk)
    reason = (reason or "").strip()
    from_status = state.status
    if to_status not in StateStatus.values:
        raise ValidationError({"to_status": f"{to_status!r} is not a state status."})
    allowed = STATE_TRANSITIONS.get(from_status, ())
    if to_status not in allowed:
        nexts = " or ".join(status_label(s).lower() for s in allowed)
        raise ValidationError(
            {
                "to_status": f"{state.name} is {status_label(from_status).lower()}; it cannot move to "
                f"{status_label(to_status).lower()} (only to {nexts})."
            }
        )
    reopening = from_status in (StateStatus.SELECTED, StateStatus.NOT_SELECTED)
    if not reason and (to_status == StateStatus.NOT_SELECTED or reopening):
        what = "not selecting" if to_status == StateStatus.NOT_SELECTED else "reopening the decision on"
        raise ValidationError({"reason": f"Give a reason for {what} {state.name}: it is kept in the history."})
    if to_status == StateStatus.SELECTED:
        selected = list(MedicaidState.objects.filter(status=StateStatus.SELECTED).exclude(pk=state.pk).order_by("code"))
        if len(selected) >= MAX_SELECTED_STATES:
            names = " and ".join(str(s) for s in selected)
            raise ValidationError(
                {
                    "to_status": f"At most {MAX_SELECTED_STATES} states can be selected at once; {names} "
                    "already are. Reopen one of them first."
                }
            )
    if from_status == StateStatus.SELECTED:
        held = holding_arrangements(state)
        if held:
            raise ValidationError(
                {
                    "to_status": f"{state.name} has {held} partnership arrangement{'s' if held != 1 else ''} "
                    "submitted, in review or approved; it stays selected while they are."
                }
            )
    state.status = to_status
    state.save(update_fields=["status", "updated_at"])
    StateStatusChange.objects.create(
        state=state, from_status=from_status, to_status=to_status, reason=reason, changed_by=acting_user
    )
    if to_status == StateStatus.SELECTED:
        state_id = state.pk
        transaction.on_commit(lambda: jobs.send_notification(task_names.STATE_SELECTED_NOTIFY, state_id))
    return state


def acos_serving(code: str) -> list[ACO]:
    """The ACOs whose ``states`` list contains ``code`` (JSON lists are filtered here: SQLite has
    no JSON containment lookup, and the ACO table is small)."""
    return [aco for aco in ACO.objects.order_by("aco_id") if code in (aco.states or [])]


def state_selected_notify(*, state_id: int) -> int:
    """E-mail the administrators of the ACOs serving a newly selected state. Returns messages sent."""
    state = MedicaidState.objects.get(pk=state_id)
    acos = acos_serving(state.code)
    recipients = sorted(
        set(
            Membership.objects.filter(aco__in=acos, role=Membership.Role.ADMIN, user__is_active=True)
            .exclude(user__email="")
            .values_list("user__email", flat=True)
        )
    )
    if not recipients:
        return 0
    body = (
        f"CMS selected {state} as a partner state for LEAD's Medicaid integration. "
        "ACOs serving the state may now draft partnership arrangements with the state Medicaid agency "
        "or Medicaid managed care organizations.\n"
    )
    if len(acos) == 1:
        try:
            body += (
                "\nOpen it in the LEAD Portal: "
                + reverse("medicaid:state_detail", kwargs={"aco_id": acos[0].aco_id, "state_code": state.code})
                + "\n"
            )
        except NoReverseMatch:
            pass
    subject = f"[LEAD Portal] Medicaid integration: {state.name} selected"
    # One message per recipient: the admins of different ACOs must not see each other's addresses.
    return sum(send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [to]) for to in recipients)


# --- milestones ------------------------------------------------------------------------------


def _as_date(value: Any, field: str) -> dt.date:
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value).strip())
    except ValueError:
        raise ValidationError({field: "Enter a date as YYYY-MM-DD, e.g. 2026-09-01."}) from None


def _check_dates(start: dt.date, end: dt.date) -> None:
    errors: dict[str, str] = {}
    phase = f"the planning phase ({long_date(PLANNING_START)} to {long_date(PLANNING_END)})"
    if not PLANNING_START <= start <= PLANNING_END:
        errors["start"] = f"The start must fall inside {phase}."
    if not PLANNING_START <= end <= PLANNING_END:
        errors["end"] = f"The end must fall inside {phase}."
    if not errors and end < start:
        errors["end"] = "The end cannot be before the start."
    if errors:
        raise ValidationError(errors)


def _milestone_apply(milestone: Milestone, fields: dict[str, Any], acting_user: User) -> Milestone:
    unknown = sorted(set(fields) - set(MILESTONE_FIELDS))
    if unknown:
        raise ValidationError({key: [f"{key!r} is not a milestone field."] for key in unknown})
    for key, value in fields.items():
        if key in ("start", "end"):
            value = _as_date(value, key)
        elif key == "state":
            if isinstance(value, str):
                code = value.strip().upper()
                value = MedicaidState.objects.filter(code=code).first() if code else None
                if code and value is None:
                    raise ValidationError({"state": f"There is no state {code} on the list."})
        elif isinstance(value, str):
            value = value.strip()
        setattr(milestone, key, value)
    _check_dates(milestone.start, milestone.end)
    milestone.updated_by = acting_user
    milestone.full_clean()
    milestone.save()
    return milestone


@transaction.atomic
def milestone_create(
    *,
    acting_user: User,
    title: str,
    start: dt.date | str,
    end: dt.date | str,
    status: str = Milestone.Status.PLANNED,
    notes: str = "",
    state: MedicaidState | str | None = None,
) -> Milestone:
    """A step of the planning phase, for one state or (no state) the whole model. Start ≤ end, both
    inside the planning phase."""
    _require_cms_admin(acting_user)
    fields = {"title": title, "start": start, "end": end, "status": status, "notes": notes, "state": state}
    # Placeholder dates so the instance is complete before ``_milestone_apply`` parses the real ones.
    return _milestone_apply(Milestone(start=PLANNING_START, end=PLANNING_START), fields, acting_user)


@transaction.atomic
def milestone_update(*, milestone: Milestone, acting_user: User, **fields: Any) -> Milestone:
    _require_cms_admin(acting_user)
    milestone = Milestone.objects.select_for_update().get(pk=milestone.pk)
    return _milestone_apply(milestone, fields, acting_user)


@transaction.atomic
def milestone_delete(*, milestone: Milestone, acting_user: User) -> None:
    _require_cms_admin(acting_user)
    Milestone.objects.filter(pk=milestone.pk).delete()


# --- framework documents ---------------------------------------------------------------------


def document_name(name: str) -> str:
    """The file's own name only: no folders, no control characters, at most 120 characters."""
    return clean_file_name(name, default="document")


@transaction.atomic
def document_upload(*, state: MedicaidState, acting_user: User, title: str, upload: UploadedFile) -> FrameworkDocument:
    """Add a framework document to a state. A document with the same title (ignoring case and
    spaces around it) becomes that document's next version; the earlier versions stay."""
    _require_cms_admin(acting_user)
    title = re.sub(r"\s+", " ", title or "").strip()
    if not title:
        raise ValidationError({"title": "Give the document a title, e.g. “Framework for ACO–Medicaid partnerships”."})
    if len(title) > 160:
        raise ValidationError({"title": "Keep the title under 160 characters."})
    name = document_name(upload.name or "")
    ext = name.rpartition(".")[2].lower() if "." in name else ""
    if ext not in DOCUMENT_TYPES:
        raise ValidationError({"file": f"Upload a file of one of these types: {', '.join(DOCUMENT_TYPES)}."})
    size = upload.size or 0
    limit_mb = MAX_DOCUMENT_BYTES // (1024 * 1024)
    if size > MAX_DOCUMENT_BYTES:
        raise ValidationError({"file": f"The file is {size / 1048576:.1f} MB; documents are limited to {limit_mb} MB."})
    upload.seek(0)
    data = upload.read(MAX_DOCUMENT_BYTES + 1)
    if len(data) > MAX_DOCUMENT_BYTES:
        raise ValidationError({"file": f"Documents are limited to {limit_mb} MB."})
    if not data:
        raise ValidationError({"file": "The file is empty."})
    if not bytes_match_extension(ext, data):
        raise ValidationError({"file": f"The file's contents are not a .{ext} file."})
    # Lock the state so two uploads of the same title cannot take the same version number.
    state = MedicaidState.objects.select_for_update().get(pk=state.pk)
    same = FrameworkDocument.objects.filter(state=state, title__iexact=title)
    existing = same.order_by("-version").values_list("title", flat=True).first()
    version = (same.aggregate(v=Max("version"))["v"] or 0) + 1
    document = FrameworkDocument(
        state=state,
        title=existing or title,
        version=version,
        original_name=name,
        size=len(data),
        content_type=DOCUMENT_TYPES[ext],
        uploaded_by=acting_user,
    )
    document.file.save(name, ContentFile(data), save=False)
    document.full_clean()
    document.save()
    return document


@transaction.atomic
def document_remove(*, document: FrameworkDocument, acting_user: User) -> None:
    """Remove one version of a document (the others stay, with their numbers)."""
    _require_cms_admin(acting_user)
    document.file.delete(save=False)
    document.delete()
