"""Writing the GLP-1 outreach worklist (docs/balance.md, "Outreach worklist"): an ACO administrator sets a
beneficiary's outreach status (not contacted, contacted, referred, started, declined), the person assigned
(one of the ACO's users) and a note, one beneficiary at a time or several at once. Each write is one
transaction and keeps an ``OutreachChange`` (who, when, what the outreach became) for every outreach it
changes; a write that changes nothing keeps nothing. The pages and the API call these same functions."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404

from apps.accounts.models import User
from apps.acos import selectors as aco_selectors
from apps.acos.models import ACO
from lead_portal.text import too_long

from . import selectors_worklist
from .models import Glp1Beneficiary, Outreach, OutreachChange, OutreachStatus

UNCHANGED: Any = object()  # a keyword not given: the field keeps its value
NOTE_LIMIT = Outreach._meta.get_field("note").max_length or 500
MAX_BULK = 500  # beneficiaries in one bulk change


def _require_editor(*, aco: ACO, acting_user: User) -> None:
    if not aco_selectors.user_can_edit_aco(user=acting_user, aco=aco):
        raise PermissionDenied("Only the ACO's administrators can record GLP-1 outreach.")


def assignee_named(*, aco: ACO, username: str) -> User:
    """The user of the ACO an outreach may be assigned to, by username (the pages' and the API's choice)."""
    user = selectors_worklist.assignees(aco=aco).filter(username=username).first()
    if user is None:
        raise ValidationError({"assignee": [f"{username} is not a user of {aco.aco_id}."]})
    return user


def _check(*, aco: ACO, status: Any, assignee: Any, note: Any) -> dict[str, str]:
    """Every problem with the values given, by field."""
    errors: dict[str, str] = {}
    if status is not UNCHANGED and status not in OutreachStatus.values:
        errors["status"] = "Choose not contacted, contacted, referred, started or declined."
    if (
        assignee is not UNCHANGED
        and assignee is not None
        and not selectors_worklist.assignees(aco=aco).filter(pk=assignee.pk).exists()
    ):
        errors["assignee"] = f"{assignee.get_username()} is not a user of {aco.aco_id}."
    if note is not UNCHANGED and len((note or "").strip()) > NOTE_LIMIT:
        errors["note"] = too_long(NOTE_LIMIT, len((note or "").strip()))
    return errors


def _known_mbis(*, aco: ACO, mbis: Sequence[str]) -> set[str]:
    """The MBIs among ``mbis`` that are the ACO's beneficiaries in a GLP-1 run."""
    return set(Glp1Beneficiary.objects.filter(aco=aco, mbi__in=list(mbis)).values_list("mbi", flat=True).distinct())


def _apply(*, outreach: Outreach, acting_user: User, status: Any, assignee: Any, note: Any) -> bool:
    """Set the values given on ``outreach`` (saved, with its change row) when one differs; False when none does."""
    new_status = outreach.status if status is UNCHANGED else status
    new_assignee = outreach.assignee if assignee is UNCHANGED else assignee
    new_note = outreach.note if note is UNCHANGED else (note or "").strip()
    new_assignee_id = new_assignee.pk if new_assignee is not None else None
    # A beneficiary without an outreach row is not contacted, assigned to no one, with no note.
    if new_status == outreach.status and new_assignee_id == outreach.assignee_id and new_note == outreach.note:
        return False
    outreach.status, outreach.assignee, outreach.note, outreach.updated_by = (
        new_status,
        new_assignee,
        new_note,
        acting_user,
    )
    outreach.full_clean(exclude=["aco", "assignee", "updated_by"])
    outreach.save()
    OutreachChange.objects.create(
        outreach=outreach, by=acting_user, status=new_status, assignee=new_assignee, note=new_note
    )
    return True


@transaction.atomic
def outreach_update(
    *,
    aco: ACO,
    mbi: str,
    acting_user: User,
    status: Any = UNCHANGED,
    assignee: Any = UNCHANGED,
    note: Any = UNCHANGED,
) -> Outreach:
    """Set a beneficiary's outreach: ``status`` (an ``OutreachStatus``), ``assignee`` (a user of the ACO, or
    None: no one) and ``note`` (at most 500 characters); a keyword not given keeps its value. An MBI that is
    not one of the ACO's GLP-1 beneficiaries answers 404, as a missing one does; an analyst is refused.
    Problems raise ``ValidationError`` with every field's message and change nothing."""
    _require_editor(aco=aco, acting_user=acting_user)
    mbi = mbi.strip().upper()
    if not _known_mbis(aco=aco, mbis=[mbi]):
        raise Http404("No such beneficiary.")
    errors = _check(aco=aco, status=status, assignee=assignee, note=note)
    if errors:
        raise ValidationError(errors)
    outreach = Outreach.objects.select_for_update().select_related("assignee").filter(
        aco=aco, mbi=mbi
    ).first() or Outreach(aco=aco, mbi=mbi)
    _apply(outreach=outreach, acting_user=acting_user, status=status, assignee=assignee, note=note)
    return outreach


@transaction.atomic
def outreach_bulk_update(
    *,
    aco: ACO,
    mbis: Sequence[str],
    acting_user: User,
    status: Any = UNCHANGED,
    assignee: Any = UNCHANGED,
) -> int:
    """Set the outreach status and/or the assignee of several of the ACO's beneficiaries at once (each change
    kept). An MBI that is not the ACO's answers 404 and changes nothing. Returns how many outreach records
    changed."""
    _require_editor(aco=aco, acting_user=acting_user)
    wanted = sorted({m.strip().upper() for m in mbis if m.strip()})
    errors = _check(aco=aco, status=status, assignee=assignee, note=UNCHANGED)
    if not wanted:
        errors["mbis"] = "Select at least one beneficiary."
    elif len(wanted) > MAX_BULK:
        errors["mbis"] = f"Select at most {MAX_BULK} beneficiaries at once."
    if status is UNCHANGED and assignee is UNCHANGED:
        errors.setdefault("status", "Choose an outreach status or a person to assign.")
    if errors:
        raise ValidationError(errors)
    if _known_mbis(aco=aco, mbis=wanted) != set(wanted):
        raise Http404("No such beneficiary.")
    existing = {
        o.mbi: o
        for o in Outreach.objects.select_for_update().select_related("assignee").filter(aco=aco, mbi__in=wanted)
    }
    changed = 0
    for mbi in wanted:
        outreach = existing.get(mbi) or Outreach(aco=aco, mbi=mbi)
        changed += _apply(outreach=outreach, acting_user=acting_user, status=status, assignee=assignee, note=UNCHANGED)
    return changed
