"""Partnership arrangements: every write, one transaction each, with the acting user.

An ACO's administrators draft an arrangement with a Medicaid partner in a selected state, edit it,
submit it to CMS and withdraw it; analysts only read. CMS reviewers start the review, ask for
changes, approve or deny (with a reason) and comment; they never edit the content. The workflow IS
the review workflow (``apps.reviews``): an arrangement is a ``ReviewCase`` of kind
``medicaid_arrangement``, so versions, transitions (who, when, why) and e-mails come from there.

Content (``review.content``, keys in ``ARRANGEMENT_FIELDS``):

    partner_type, partner_name, agreement_status   text (choices for the type and status)
    start_date, end_date                           ISO dates or ""
    roles                                          text
    strategies                                     {strategy key: text}, keys in ``STRATEGIES``
    data_sharing                                   {status: none|drafted|signed, signed_on, description}
    contacts                                       [{side: aco|partner, name, organization, role, email, phone}]

A draft may be incomplete, but what it holds must be well formed; ``arrangement_submit`` lists
every problem by field label.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.urls import NoReverseMatch, reverse

from apps.accounts.models import User
from apps.acos import selectors as aco_selectors
from apps.acos.models import ACO, Membership
from apps.reviews import registry
from apps.reviews import services as review_services
from apps.reviews.models import ReviewCase, ReviewComment, ReviewState
from lead_portal.text import TEXT_LIMIT, too_long

from ..models import (
    ARRANGEMENT_FIELDS,
    STRATEGIES,
    AgreementStatus,
    DeliverySystem,
    MedicaidState,
    PartnershipArrangement,
    PartnerType,
    StateStatus,
)

ARRANGEMENT_KIND = "medicaid_arrangement"
EDITABLE_STATES = (ReviewState.DRAFT, ReviewState.CHANGES_REQUESTED)
MAX_TEXT = TEXT_LIMIT
MAX_NAME = 200
MAX_CONTACTS = 20

# The data-sharing agreement's status.
DATA_SHARING_STATUSES: dict[str, str] = {
    "none": "No agreement yet",
    "drafted": "Drafted",
    "signed": "Signed",
}
CONTACT_SIDES: dict[str, str] = {"aco": "ACO", "partner": "Medicaid partner"}
CONTACT_KEYS = ("side", "name", "organization", "role", "email", "phone")
# Agreements that are under way or over need the day they started (and ended, for ended ones).
NEEDS_START = (AgreementStatus.SIGNED, AgreementStatus.ACTIVE, AgreementStatus.ENDED)

# Labels of the nested fields, for messages that name what is wrong.
SUB_LABELS: dict[str, str] = {
    "data_sharing.status": "Data-sharing agreement status",
    "data_sharing.signed_on": "Data-sharing agreement signed on",
    "data_sharing.description": "What is shared and how opt-outs are honoured",
    **{f"strategies.{key}": f"Strategy: {label}" for key, label in STRATEGIES.items()},
}


def field_label(key: str) -> str:
    """The label of a content key, a nested key (``data_sharing.status``) or a contact
    (``contacts.2.email``: "Contact 3: e-mail")."""
    if key in ARRANGEMENT_FIELDS:
        return ARRANGEMENT_FIELDS[key]
    if key in SUB_LABELS:
        return SUB_LABELS[key]
    parts = key.split(".")
    if parts[0] == "contacts" and len(parts) == 3 and parts[1].isdigit():
        sub = {"side": "side", "email": "e-mail"}.get(parts[2], parts[2])
        return f"Contact {int(parts[1]) + 1}: {sub}"
    return key.replace("_", " ").capitalize()


# --- roles ---------------------------------------------------------------------------------------


def _require_admin(*, aco: ACO, user: User) -> None:
    if not aco_selectors.user_can_edit_aco(user=user, aco=aco):
        raise PermissionDenied("Only the ACO's administrators can change this.")


def _require_editable(arrangement: PartnershipArrangement, user: User) -> None:
    _require_admin(aco=arrangement.aco, user=user)
    if arrangement.review.state not in EDITABLE_STATES:
        raise ValidationError(
            f"This arrangement is {arrangement.review.get_state_display().lower()}; it can only be changed "
            "as a draft or when CMS asks for changes."
        )


# --- content -------------------------------------------------------------------------------------


def _text(value: Any, *, limit: int = MAX_TEXT) -> str:
    text = "" if value is None else str(value).strip()
    if len(text) > limit:
        raise ValidationError(too_long(limit, len(text)))
    return text


def _date(value: Any) -> str:
    if isinstance(value, datetime.date):
        return value.isoformat()
    text = _text(value, limit=20)
    if not text:
        return ""
    try:
        return datetime.date.fromisoformat(text).isoformat()
    except ValueError:
        raise ValidationError("enter a date as YYYY-MM-DD, e.g. 2028-01-01.") from None


def _choice(value: Any, choices: dict[str, str]) -> str:
    text = _text(value, limit=40)
    if text and text not in choices:
        raise ValidationError(f"choose one of: {', '.join(choices.values())}.")
    return text


def _mco_refusal(state: MedicaidState) -> str:
    return (
        f"{state.name} delivers Medicaid through {state.get_delivery_system_display().lower()}, so the partner "
        "is its state Medicaid agency: a Medicaid managed care organization is possible only in a state whose "
        "Medicaid is delivered through managed care."
    )


def _clean(content: dict[str, Any], *, state: MedicaidState) -> dict[str, Any]:
    """The given keys in their stored form, or ValidationError naming every malformed field.
    Nothing is required here (drafts may be partial): ``submission_problems`` says what is missing."""
    errors: dict[str, list[str]] = {}
    cleaned: dict[str, Any] = {}

    def fail(key: str, message: str) -> None:
        errors.setdefault(key, []).append(f"{field_label(key)}: {message}")

    for key, value in content.items():
        if key not in ARRANGEMENT_FIELDS:
            errors.setdefault(key, []).append(f"{key!r} is not part of a partnership arrangement.")
            continue
        try:
            if key == "partner_type":
                cleaned[key] = _choice(value, dict(PartnerType.choices))
                if cleaned[key] == PartnerType.MCO and state.delivery_system != DeliverySystem.MANAGED_CARE:
                    raise ValidationError(_mco_refusal(state))
            elif key == "agreement_status":
                cleaned[key] = _choice(value, dict(AgreementStatus.choices))
            elif key == "partner_name":
                cleaned[key] = _text(value, limit=MAX_NAME)
            elif key in ("start_date", "end_date"):
                cleaned[key] = _date(value)
            elif key == "roles":
                cleaned[key] = _text(value)
            elif key == "strategies":
                cleaned[key] = _clean_strategies(value, fail)
            elif key == "data_sharing":
                cleaned[key] = _clean_data_sharing(value, fail)
            elif key == "contacts":
                cleaned[key] = _clean_contacts(value, fail)
        except ValidationError as exc:
            for message in exc.messages:
                fail(key, message)
    if errors:
        raise ValidationError(errors)
    return cleaned


def _clean_strategies(value: Any, fail: Any) -> dict[str, str]:
    if value in (None, ""):
        return {}
    if not isinstance(value, dict):
        raise ValidationError("send an object of strategy descriptions.")
    cleaned: dict[str, str] = {}
    for key, text in value.items():
        if key not in STRATEGIES:
            raise ValidationError(f"{key!r} is not a strategy; use {', '.join(STRATEGIES)}.")
        try:
            described = _text(text)
        except ValidationError as exc:
            fail(f"strategies.{key}", exc.messages[0])
            continue
        if described:
            cleaned[key] = described
    return cleaned


def _clean_data_sharing(value: Any, fail: Any) -> dict[str, str]:
    if value in (None, ""):
        return {}
    if not isinstance(value, dict):
        raise ValidationError("send an object with status, signed_on and description.")
    unknown = set(value) - {"status", "signed_on", "description"}
    if unknown:
        raise ValidationError(f"unknown keys {', '.join(sorted(unknown))}.")
    cleaned: dict[str, str] = {}
    for key, clean in (
        ("status", lambda v: _choice(v, DATA_SHARING_STATUSES)),
        ("signed_on", _date),
        ("description", _text),
    ):
        try:
            cleaned[key] = clean(value.get(key))
        except ValidationError as exc:
            fail(f"data_sharing.{key}", exc.messages[0])
    if cleaned.get("status") != "signed":
        cleaned["signed_on"] = ""  # a signature date only means something for a signed agreement
    return cleaned


def _clean_contacts(value: Any, fail: Any) -> list[dict[str, str]]:
    if value in (None, ""):
        return []
    if not isinstance(value, list):
        raise ValidationError("send a list of contacts.")
    contacts: list[dict[str, str]] = []
    for row in value:
        if not isinstance(row, dict):
            raise ValidationError("each contact is an object with side, name, organization, role, email, phone.")
        unknown = set(row) - set(CONTACT_KEYS)
        if unknown:
            raise ValidationError(f"unknown contact keys {', '.join(sorted(unknown))}.")
        index = len(contacts)
        contact: dict[str, str] = {}
        for key in CONTACT_KEYS:
            try:
                contact[key] = _text(row.get(key), limit=MAX_NAME)
            except ValidationError as exc:
                fail(f"contacts.{index}.{key}", exc.messages[0])
                contact[key] = ""
        if not any(contact[k] for k in CONTACT_KEYS if k != "side"):
            continue  # a blank row
        if contact["side"] and contact["side"] not in CONTACT_SIDES:
            fail(f"contacts.{index}.side", "choose ACO or Medicaid partner.")
        if contact["email"]:
            try:
                validate_email(contact["email"])
            except ValidationError:
                fail(f"contacts.{index}.email", f"{contact['email']!r} is not a valid e-mail address.")
        contacts.append(contact)
    if len(contacts) > MAX_CONTACTS:
        raise ValidationError(f"list at most {MAX_CONTACTS} contacts.")
    return contacts


def submission_problems(content: dict[str, Any], *, state: MedicaidState) -> dict[str, list[str]]:
    """Every reason the content cannot go to CMS yet, keyed by field, each message naming it."""
    errors: dict[str, list[str]] = {}
    try:
        content = {**content, **_clean({k: v for k, v in content.items() if k in ARRANGEMENT_FIELDS}, state=state)}
    except ValidationError as exc:
        errors.update(exc.message_dict)

    def need(key: str, message: str) -> None:
        errors.setdefault(key, []).append(f"{field_label(key)}: {message}")

    for key in ("partner_type", "partner_name", "agreement_status", "roles"):
        if not str(content.get(key) or "").strip():
            need(key, "required.")
    status = content.get("agreement_status") or ""
    start, end = content.get("start_date") or "", content.get("end_date") or ""
    if status in NEEDS_START and not start:
        need("start_date", f"required for an agreement that is {AgreementStatus(status).label.lower()}.")
    if status == AgreementStatus.ENDED and not end:
        need("end_date", "required for an agreement that has ended.")
    if start and end and end < start and "end_date" not in errors:
        need("end_date", f"must be on or after the start date ({start}).")
    strategies = content.get("strategies") or {}
    if not isinstance(strategies, dict) or not any(str(v).strip() for v in strategies.values()):
        need("strategies", "describe at least one care-coordination strategy.")
    sharing = content.get("data_sharing") or {}
    sharing = sharing if isinstance(sharing, dict) else {}
    if not sharing.get("status"):
        need("data_sharing.status", "required.")
    elif sharing["status"] == "signed" and not sharing.get("signed_on"):
        need("data_sharing.signed_on", "required when the agreement is signed.")
    if not str(sharing.get("description") or "").strip():
        need("data_sharing.description", "required.")
    contacts = content.get("contacts") or []
    contacts = contacts if isinstance(contacts, list) else []
    for index, contact in enumerate(contacts):
        if not isinstance(contact, dict):
            continue
        for key, message in (("name", "required."), ("side", "say whose contact this is."), ("email", "required.")):
            if not str(contact.get(key) or "").strip():
                need(f"contacts.{index}.{key}", message)
    sides = {c.get("side") for c in contacts if isinstance(c, dict) and str(c.get("name") or "").strip()}
    if "aco" not in sides:
        need("contacts", "name at least one contact at the ACO.")
    if "partner" not in sides:
        need("contacts", "name at least one contact at the Medicaid partner.")
    return errors


def _title(partner_name: str, state: MedicaidState) -> str:
    return f"{partner_name} \u2013 {state.name} partnership arrangement"[:200]


# --- the arrangement -----------------------------------------------------------------------------


@transaction.atomic
def arrangement_create(
    *, aco: ACO, state: MedicaidState, acting_user: User, partner_type: str, partner_name: str
) -> PartnershipArrangement:
    """Start a draft with a partner in one of the ACO's states that CMS selected."""
    _require_admin(aco=aco, user=acting_user)
    state = MedicaidState.objects.select_for_update().get(pk=state.pk)
    if state.code not in (aco.states or []):
        served = ", ".join(aco.states or []) or "none recorded"
        raise ValidationError(
            {
                "state": f"State: {aco.aco_id} does not serve {state.name} (it serves {served}); arrangements are "
                "made in the ACO's own states."
            }
        )
    if state.status != StateStatus.SELECTED:
        raise ValidationError(
            {
                "state": f"State: {state.name} is {state.get_status_display().lower()}, not selected; partnership "
                "arrangements are made only in the states CMS selected for Medicaid integration."
            }
        )
    errors: dict[str, list[str]] = {}
    if not (partner_name or "").strip():
        errors["partner_name"] = [f"{field_label('partner_name')}: required."]
    if not (partner_type or "").strip():
        errors["partner_type"] = [f"{field_label('partner_type')}: required."]
    try:
        content = _clean(
            {"partner_type": partner_type, "partner_name": partner_name, "agreement_status": AgreementStatus.PLANNED},
            state=state,
        )
    except ValidationError as exc:
        for key, messages in exc.message_dict.items():
            errors.setdefault(key, []).extend(m for m in messages if m not in errors.get(key, []))
    if errors:
        raise ValidationError(errors)
    case = review_services.case_create(
        kind=ARRANGEMENT_KIND, title=_title(content["partner_name"], state), content=content, acting_user=acting_user
    )
    arrangement = PartnershipArrangement(aco=aco, state=state, review=case)
    arrangement.full_clean()
    arrangement.save()
    return arrangement


@transaction.atomic
def arrangement_save_draft(
    *, arrangement: PartnershipArrangement, content: dict[str, Any], acting_user: User
) -> PartnershipArrangement:
    """Save a draft: the given keys replace theirs (a nested value replaces the whole of it), the
    others stay. Each is checked for form, none is required."""
    _require_editable(arrangement, acting_user)
    cleaned = _clean(content, state=arrangement.state)
    merged = {**(arrangement.review.content or {}), **cleaned}
    start, end = merged.get("start_date") or "", merged.get("end_date") or ""
    if start and end and end < start:
        raise ValidationError(
            {"end_date": [f"{field_label('end_date')}: must be on or after the start date ({start})."]}
        )
    case = review_services.case_update_draft(case=arrangement.review, content=merged, acting_user=acting_user)
    name = str(merged.get("partner_name") or "").strip()
    if name and case.title != _title(name, arrangement.state):
        case.title = _title(name, arrangement.state)  # the e-mails and queues name the partner
        case.save(update_fields=["title"])
    arrangement.review = case
    return arrangement


@transaction.atomic
def arrangement_submit(*, arrangement: PartnershipArrangement, acting_user: User) -> PartnershipArrangement:
    """Send to CMS: the state must still be selected and the content complete, else ValidationError
    listing every problem by field."""
    _require_editable(arrangement, acting_user)
    state = MedicaidState.objects.get(pk=arrangement.state_id)
    if state.status != StateStatus.SELECTED:
        raise ValidationError(
            f"{state.name} is no longer selected for Medicaid integration "
            f"({state.get_status_display().lower()}); the arrangement cannot be submitted."
        )
    problems = submission_problems(arrangement.review.content or {}, state=state)
    if problems:
        raise ValidationError(problems)
    arrangement.review = review_services.case_submit(case=arrangement.review, acting_user=acting_user)
    return arrangement


def arrangement_withdraw(
    *, arrangement: PartnershipArrangement, acting_user: User, reason: str = ""
) -> PartnershipArrangement:
    arrangement.review = review_services.case_withdraw(case=arrangement.review, acting_user=acting_user, reason=reason)
    return arrangement


def arrangement_start_review(*, arrangement: PartnershipArrangement, acting_user: User) -> PartnershipArrangement:
    arrangement.review = review_services.case_start_review(case=arrangement.review, acting_user=acting_user)
    return arrangement


def arrangement_request_changes(
    *, arrangement: PartnershipArrangement, acting_user: User, reason: str
) -> PartnershipArrangement:
    arrangement.review = review_services.case_request_changes(
        case=arrangement.review, acting_user=acting_user, reason=reason
    )
    return arrangement


def arrangement_decide(
    *, arrangement: PartnershipArrangement, acting_user: User, approve: bool, reason: str
) -> PartnershipArrangement:
    arrangement.review = review_services.case_decide(
        case=arrangement.review, acting_user=acting_user, approve=approve, reason=reason
    )
    return arrangement


def arrangement_comment(
    *, arrangement: PartnershipArrangement, acting_user: User, body: str, section: str = ""
) -> ReviewComment:
    """A comment on the arrangement or one of its sections (a content key); both sides may comment."""
    if section and section not in ARRANGEMENT_FIELDS:
        raise ValidationError({"section": f"{section!r} is not a section of a partnership arrangement."})
    return review_services.comment_add(case=arrangement.review, acting_user=acting_user, body=body, section=section)


# --- the review kind -----------------------------------------------------------------------------


def _arrangement_of(case: ReviewCase) -> PartnershipArrangement | None:
    return PartnershipArrangement.objects.select_related("aco").filter(review=case).first()


def _can_act_for_aco(user: User, case: ReviewCase) -> bool:
    arrangement = _arrangement_of(case)
    return arrangement is not None and aco_selectors.user_can_edit_aco(user=user, aco=arrangement.aco)


def _aco_recipients(case: ReviewCase) -> list[str]:
    """Everyone in the ACO (administrators and analysts): they all follow the arrangement."""
    arrangement = _arrangement_of(case)
    if arrangement is None:
        return []
    emails = set(
        Membership.objects.filter(aco=arrangement.aco, user__is_active=True)
        .exclude(user__email="")
        .values_list("user__email", flat=True)
    )
    return sorted(emails)


def _case_url(case: ReviewCase) -> str:
    arrangement = _arrangement_of(case)
    if arrangement is None:
        return ""
    try:
        return reverse(
            "medicaid:arrangement_detail",
            kwargs={"aco_id": arrangement.aco.aco_id, "arrangement_id": arrangement.pk},
        )
    except NoReverseMatch:
        return ""


def register_review_kinds() -> None:
    """Register the ``medicaid_arrangement`` review kind (called from ``apps.py``)."""
    registry.register(
        registry.ReviewKind(
            key=ARRANGEMENT_KIND,
            label="Medicaid partnership arrangement",
            can_act_for_aco=_can_act_for_aco,
            aco_recipients=_aco_recipients,
            url=_case_url,
        )
    )
