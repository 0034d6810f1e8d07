"""Every write to BE/BEI data: one transaction each, with the acting user, roles checked here.

An ACO's administrators choose items, write, submit and withdraw plans, answer comments and record
deliveries; analysts only read. CMS reviewers move a plan past submitted, request changes, approve
or deny (with a reason) and comment; they never edit a plan's content. The plan's workflow IS the
review workflow (``apps.reviews``): a plan is a ``ReviewCase`` of kind ``benefit_plan``.
"""

from __future__ import annotations

import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from apps.accounts.models import User
from apps.acos import selectors as aco_selectors
from apps.acos.models import ACO, Membership
from apps.alignment.models import AlignedBeneficiary
from apps.alignment.selectors import latest_run
from apps.claims.models import Beneficiary
from apps.reviews import registry
from apps.reviews import services as review_services
from apps.reviews.models import ReviewCase, ReviewState
from apps.reviews.uploads import bytes_match_extension, clean_file_name
from lead_portal.text import TEXT_LIMIT, too_long

from . import selectors
from .models import (
    ATTACHMENT_TYPES,
    MAX_ATTACHMENT_BYTES,
    PLAN_FIELDS,
    BenefitSelection,
    Delivery,
    ImplementationPlan,
    PlanAttachment,
)

BENEFIT_PLAN_KIND = "benefit_plan"
EDITABLE_STATES = (ReviewState.DRAFT, ReviewState.CHANGES_REQUESTED)
MAX_TEXT = TEXT_LIMIT
S = ReviewState


def _require_admin(*, aco: ACO, user: User) -> None:
    if not aco_selectors.user_can_edit_aco(user=user, aco=aco):
        raise PermissionDenied("Only the ACO's administrators can change this.")


def _money(value: Decimal) -> str:
    return f"${value:,.2f}"


def py_range(performance_year: int) -> str:
    """The days of a performance year (a calendar year), as the date messages name them."""
    return f"{performance_year}-01-01 to {performance_year}-12-31"


# --- selections ------------------------------------------------------------------------------


@transaction.atomic
def selection_create(*, aco: ACO, performance_year: int, item_code: str, acting_user: User) -> BenefitSelection:
    """Choose an item of the PY's catalogue. A withdrawn selection of the same item is taken up again."""
    _require_admin(aco=aco, user=acting_user)
    item = selectors.item_get(performance_year=performance_year, code=item_code)
    if item is None:
        raise ValidationError({"item_code": f"There is no benefit {item_code!r} in PY{performance_year}."})
    avail = selectors.item_availability(aco=aco, item=item)
    if not avail.selectable:
        raise ValidationError({"item_code": avail.reason})
    selection = BenefitSelection.objects.select_for_update().filter(aco=aco, item=item).first()
    if selection is not None and selection.withdrawn_at is None:
        raise ValidationError({"item_code": f"{item.name} is already chosen for PY{performance_year}."})
    if selection is None:
        selection = BenefitSelection(aco=aco, performance_year=performance_year, item=item)
    selection.selected_by = acting_user
    selection.withdrawn_at = None
    selection.restricted_states = avail.restricted_states
    selection.full_clean()
    selection.save()
    return selection


@transaction.atomic
def selection_withdraw(*, selection: BenefitSelection, acting_user: User) -> BenefitSelection:
    """Stop offering an item. A plan still with the ACO or waiting for CMS is withdrawn with it; a plan
    CMS is reviewing (or has sent back) must be settled first."""
    _require_admin(aco=selection.aco, user=acting_user)
    selection = BenefitSelection.objects.select_for_update().select_related("item").get(pk=selection.pk)
    if selection.withdrawn_at is not None:
        raise ValidationError(f"{selection.item.name} is already withdrawn.")
    plan = ImplementationPlan.objects.filter(selection=selection).select_related("review").first()
    if plan is not None:
        if plan.review.state in (S.DRAFT, S.SUBMITTED):
            review_services.case_withdraw(
                case=plan.review, acting_user=acting_user, reason="The ACO stopped offering this benefit."
            )
        elif plan.review.state in (S.IN_REVIEW, S.CHANGES_REQUESTED):
            raise ValidationError(
                f"The implementation plan is {plan.review.get_state_display().lower()}; "
                "wait for CMS's decision before withdrawing the benefit."
            )
    selection.withdrawn_at = timezone.now()
    selection.save(update_fields=["withdrawn_at"])
    return selection


# --- plans -----------------------------------------------------------------------------------


def _plan_title(selection: BenefitSelection) -> str:
    return f"{selection.aco.aco_id} PY{selection.performance_year} {selection.item.name} implementation plan"


@transaction.atomic
def plan_for(*, selection: BenefitSelection, acting_user: User) -> ImplementationPlan:
    """The selection's plan; an ACO administrator's first visit starts an empty draft."""
    plan = ImplementationPlan.objects.filter(selection=selection).select_related("review").first()
    if plan is not None:
        return plan
    _require_admin(aco=selection.aco, user=acting_user)
    selection = BenefitSelection.objects.select_for_update().select_related("aco", "item").get(pk=selection.pk)
    plan = ImplementationPlan.objects.filter(selection=selection).select_related("review").first()
    if plan is not None:
        return plan
    if selection.withdrawn_at is not None:
        raise ValidationError(f"{selection.item.name} was withdrawn; choose it again to write a plan.")
    case = review_services.case_create(
        kind=BENEFIT_PLAN_KIND, title=_plan_title(selection), content={}, acting_user=acting_user
    )
    return ImplementationPlan.objects.create(selection=selection, review=case)


def _clean_field(key: str, value: Any, *, performance_year: int) -> str:
    """One plan field in its stored form (text), or ValidationError saying what is wrong."""
    if value is None:
        return ""
    text = str(value).strip()
    if len(text) > MAX_TEXT:
        raise ValidationError(too_long(MAX_TEXT, len(text)))
    if not text:
        return ""
    if key == "cost_estimate":
        try:
            amount = Decimal(text.replace(",", "").replace("$", "").strip())
        except InvalidOperation:
            raise ValidationError("Enter an amount in dollars, e.g. 125000.00.") from None
        if not amount.is_finite() or amount < 0:
            raise ValidationError("Enter an amount of zero or more.")
        if amount >= Decimal("1e12"):
            raise ValidationError("That amount is too large.")
        return str(amount.quantize(Decimal("0.01")))
    if key == "start_date":
        try:
            date = datetime.date.fromisoformat(text)
        except ValueError:
            raise ValidationError("Enter a date as YYYY-MM-DD, e.g. 2027-03-01.") from None
        if date.year != performance_year:
            raise ValidationError(
                f"The start date must fall in PY{performance_year} ({py_range(performance_year)}); "
                f"{date.isoformat()} does not."
            )
        return date.isoformat()
    return text


def _clean_content(plan: ImplementationPlan, content: dict[str, Any]) -> dict[str, str]:
    allowed = plan.selection.item.plan_fields()
    errors: dict[str, list[str]] = {}
    cleaned: dict[str, str] = {}
    for key, value in content.items():
        if key not in allowed:
            errors[key] = [f"{key!r} is not part of a {plan.selection.item.name} plan."]
            continue
        try:
            cleaned[key] = _clean_field(key, value, performance_year=plan.selection.performance_year)
        except ValidationError as exc:
            errors[key] = exc.messages
    if errors:
        raise ValidationError(errors)
    return cleaned


def plan_missing_fields(plan: ImplementationPlan) -> list[str]:
    """Required fields the plan's content still lacks (all of the item's fields are required)."""
    content = plan.review.content or {}
    return [k for k in plan.selection.item.plan_fields() if not str(content.get(k, "")).strip()]


def _require_editable(plan: ImplementationPlan, user: User) -> None:
    _require_admin(aco=plan.selection.aco, user=user)
    if plan.review.state not in EDITABLE_STATES:
        raise ValidationError(
            f"This plan is {plan.review.get_state_display().lower()}; it can only be changed as a draft "
            "or when CMS asks for changes."
        )


@transaction.atomic
def plan_save_draft(*, plan: ImplementationPlan, content: dict[str, Any], acting_user: User) -> ImplementationPlan:
    """Autosave: the given fields replace theirs, the others stay. Each field's format is checked."""
    _require_editable(plan, acting_user)
    cleaned = _clean_content(plan, content)
    merged = {**(plan.review.content or {}), **cleaned}
    plan.review = review_services.case_update_draft(case=plan.review, content=merged, acting_user=acting_user)
    return plan


@transaction.atomic
def plan_submit(*, plan: ImplementationPlan, acting_user: User) -> ImplementationPlan:
    """Send the plan to CMS: every field present and valid, else ValidationError per field."""
    _require_editable(plan, acting_user)
    if plan.selection.withdrawn_at is not None:
        raise ValidationError(f"{plan.selection.item.name} was withdrawn; the plan cannot be submitted.")
    content = plan.review.content or {}
    errors: dict[str, list[str]] = {}
    try:
        _clean_content(plan, {k: v for k, v in content.items() if k in plan.selection.item.plan_fields()})
    except ValidationError as exc:
        errors.update(exc.message_dict)
    for key in plan_missing_fields(plan):
        errors.setdefault(key, []).append(f"{PLAN_FIELDS[key]} is required.")
    if errors:
        raise ValidationError(errors)
    plan.review = review_services.case_submit(case=plan.review, acting_user=acting_user)
    return plan


def plan_withdraw(*, plan: ImplementationPlan, acting_user: User, reason: str = "") -> ImplementationPlan:
    plan.review = review_services.case_withdraw(case=plan.review, acting_user=acting_user, reason=reason)
    return plan


def plan_start_review(*, plan: ImplementationPlan, acting_user: User) -> ImplementationPlan:
    plan.review = review_services.case_start_review(case=plan.review, acting_user=acting_user)
    return plan


def plan_request_changes(*, plan: ImplementationPlan, acting_user: User, reason: str) -> ImplementationPlan:
    plan.review = review_services.case_request_changes(case=plan.review, acting_user=acting_user, reason=reason)
    return plan


def plan_decide(*, plan: ImplementationPlan, acting_user: User, approve: bool, reason: str) -> ImplementationPlan:
    plan.review = review_services.case_decide(case=plan.review, acting_user=acting_user, approve=approve, reason=reason)
    return plan


def plan_comment(*, plan: ImplementationPlan, acting_user: User, body: str, section: str = "") -> Any:
    """A comment on the plan or one of its sections (a content key). Returns the ReviewComment."""
    if section and section not in plan.selection.item.plan_fields():
        raise ValidationError({"section": f"{section!r} is not a section of this plan."})
    return review_services.comment_add(case=plan.review, acting_user=acting_user, body=body, section=section)


# --- attachments -----------------------------------------------------------------------------


def attachment_name(name: str) -> str:
    """The file's own name only: no folders, no control characters, at most 120 characters."""
    return clean_file_name(name, default="attachment")


@transaction.atomic
def attachment_add(*, plan: ImplementationPlan, upload: UploadedFile, acting_user: User) -> PlanAttachment:
    _require_editable(plan, acting_user)
    name = attachment_name(upload.name or "")
    ext = name.rpartition(".")[2].lower() if "." in name else ""
    allowed = ", ".join(sorted({"jpg" if e == "jpeg" else e for e in ATTACHMENT_TYPES}))
    if ext not in ATTACHMENT_TYPES:
        raise ValidationError({"file": f"Attach a file of one of these types: {allowed}."})
    size = upload.size or 0
    if size > MAX_ATTACHMENT_BYTES:
        raise ValidationError({"file": f"The file is {size / 1048576:.1f} MB; attachments are limited to 5 MB."})
    upload.seek(0)
    data = upload.read(MAX_ATTACHMENT_BYTES + 1)
    if len(data) > MAX_ATTACHMENT_BYTES:
        raise ValidationError({"file": "Attachments are limited to 5 MB."})
    if not data:
        raise ValidationError({"file": "The file is empty."})
    if not bytes_match_extension(ext, data):
        raise ValidationError({"file": f"The file's contents are not a .{ext} file."})
    attachment = PlanAttachment(
        plan=plan,
        original_name=name,
        size=len(data),
        content_type=ATTACHMENT_TYPES[ext],
        uploaded_by=acting_user,
    )
    attachment.file.save(name, ContentFile(data), save=False)
    attachment.save()
    return attachment


@transaction.atomic
def attachment_remove(*, attachment: PlanAttachment, acting_user: User) -> None:
    _require_editable(attachment.plan, acting_user)
    attachment.file.delete(save=False)
    attachment.delete()


# --- deliveries ------------------------------------------------------------------------------


def _as_date(value: Any) -> datetime.date:
    if isinstance(value, datetime.date):
        return value
    try:
        return datetime.date.fromisoformat(str(value).strip())
    except ValueError:
        raise ValidationError({"delivered_on": "Enter a date as YYYY-MM-DD."}) from None


@transaction.atomic
def delivery_record(
    *,
    plan: ImplementationPlan,
    mbi: str,
    delivered_on: datetime.date | str,
    amount: Decimal | str | int,
    quantity: int = 1,
    note: str = "",
    acting_user: User,
) -> Delivery:
    """Log one delivery to one beneficiary. The plan must be approved, the beneficiary aligned to the
    ACO in the PY's latest alignment run, the date in the PY and not in the future, and the yearly
    caps per beneficiary (dollars, count) respected."""
    aco = plan.selection.aco
    _require_admin(aco=aco, user=acting_user)
    # Lock the plan so two deliveries for the same beneficiary cannot both pass the cap check.
    plan = ImplementationPlan.objects.select_for_update().select_related("selection__item", "review").get(pk=plan.pk)
    item = plan.selection.item
    py = plan.selection.performance_year
    if plan.review.state != S.APPROVED:
        raise ValidationError(
            f"The {item.name} plan is {plan.review.get_state_display().lower()}; deliveries can be recorded "
            "only under an approved plan."
        )
    if plan.selection.withdrawn_at is not None:
        raise ValidationError(f"{item.name} was withdrawn; no more deliveries can be recorded.")
    errors: dict[str, str] = {}
    mbi = (mbi or "").strip().upper()
    day = _as_date(delivered_on)
    if day.year != py:
        errors["delivered_on"] = f"The date delivered must fall in PY{py} ({py_range(py)}); {day.isoformat()} does not."
    elif day > (today := aco_selectors.portal_today()):
        errors["delivered_on"] = f"The date cannot be in the future (today is {today.isoformat()})."
    try:
        value = Decimal(str(amount).replace(",", "").replace("$", "").strip() or "0")
    except InvalidOperation:
        value = Decimal("-1")
        errors["amount"] = "Enter an amount in dollars, e.g. 40.00."
    else:
        if not value.is_finite() or value < 0:
            errors["amount"] = "Enter an amount of zero or more."
    value = value.quantize(Decimal("0.01")) if value.is_finite() and value >= 0 else value
    try:
        quantity = int(quantity)
    except (TypeError, ValueError):
        quantity = 0
    if quantity < 1:
        errors["quantity"] = "Enter a quantity of 1 or more."
    if not mbi:
        errors["mbi"] = "Enter the beneficiary's MBI."
    else:
        run = latest_run(performance_year=py)
        if run is None or not AlignedBeneficiary.objects.filter(run=run, aco=aco, mbi=mbi).exists():
            errors["mbi"] = f"{mbi} is not aligned to {aco.aco_id} in PY{py}'s latest alignment."
        elif plan.selection.restricted_states:
            # Offered only in some of the ACO's states (Substance Access): the beneficiary's CCLF8 state.
            allowed = plan.selection.restricted_states
            state = Beneficiary.objects.filter(mbi=mbi).values_list("state", flat=True).first() or ""
            if state not in allowed:
                where = f"lives in {state}" if state else "has no state on file (CCLF8)"
                errors["mbi"] = f"{mbi} {where}; {item.name} is offered only in {', '.join(allowed)}."
    if errors:
        raise ValidationError(errors)
    used = selectors.beneficiary_used(plan=plan, mbi=mbi)
    if item.annual_cap_dollars is not None and used["amount"] + value > item.annual_cap_dollars:
        left = max(item.annual_cap_dollars - used["amount"], Decimal("0.00"))
        raise ValidationError(
            {
                "amount": f"Over the {_money(item.annual_cap_dollars)} yearly limit per beneficiary: "
                f"{mbi} already received {_money(used['amount'])} in PY{py}, {_money(left)} left."
            }
        )
    if item.annual_cap_count is not None and used["count"] + quantity > item.annual_cap_count:
        left_count = max(item.annual_cap_count - used["count"], 0)
        raise ValidationError(
            {
                "quantity": f"Over the yearly limit of {item.annual_cap_count} per beneficiary: "
                f"{mbi} already received {used['count']} in PY{py}, {left_count} left."
            }
        )
    delivery = Delivery(
        plan=plan,
        aco=aco,
        mbi=mbi,
        delivered_on=day,
        amount=value,
        quantity=quantity,
        note=(note or "").strip()[:500],
        recorded_by=acting_user,
    )
    delivery.full_clean()
    delivery.save()
    return delivery


# --- the review kind -------------------------------------------------------------------------


def _plan_of(case: ReviewCase) -> ImplementationPlan | None:
    return ImplementationPlan.objects.select_related("selection__aco").filter(review=case).first()


def _can_act_for_aco(user: User, case: ReviewCase) -> bool:
    plan = _plan_of(case)
    return plan is not None and aco_selectors.user_can_edit_aco(user=user, aco=plan.selection.aco)


def _aco_recipients(case: ReviewCase) -> list[str]:
    plan = _plan_of(case)
    if plan is None:
        return []
    emails = set(
        Membership.objects.filter(aco=plan.selection.aco, role=Membership.Role.ADMIN, user__is_active=True)
        .exclude(user__email="")
        .values_list("user__email", flat=True)
    )
    return sorted(emails)


def _case_url(case: ReviewCase) -> str:
    plan = _plan_of(case)
    if plan is None:
        return ""
    try:
        return reverse("benefits:plan_detail", kwargs={"aco_id": plan.selection.aco.aco_id, "plan_id": plan.pk})
    except NoReverseMatch:
        return ""


def register_review_kinds() -> None:
    registry.register(
        registry.ReviewKind(
            key=BENEFIT_PLAN_KIND,
            label="BE/BEI implementation plan",
            can_act_for_aco=_can_act_for_aco,
            aco_recipients=_aco_recipients,
            url=_case_url,
        )
    )
