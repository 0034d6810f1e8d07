"""BE/BEI pages: the PY's catalogue and the ACO's selections, implementation plans (form with
autosave, attachments, comments, the review actions, the diff, a printable view), the delivery log
of an approved plan, the claims that used each Benefit Enhancement (beside the plan and its
deliveries, with a chart and a CSV), and the CMS reviewers' queue. Views only parse input, call a
selector or a service (the rules live there, shared with the API) and render."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import cached_property
from django.views import View
from django.views.generic import TemplateView

from apps.accounts.models import AccessLog
from apps.accounts.selectors import request_user
from apps.accounts.services import access_log_record
from apps.acos import selectors as aco_selectors
from apps.acos.mixins import ACOScopedMixin, CMSOnlyMixin, resolve_performance_year
from apps.acos.models import ACO
from apps.acos.presentation import ChartBlock, DataTable
from apps.reviews import services as review_services
from apps.reviews.models import ReviewState
from apps.reviews.selectors import version_diff
from lead_portal import formatting
from lead_portal.exports import csv_writer

from . import charts, selectors, services
from .forms import (
    GENERAL_SECTION,
    AttachmentForm,
    CommentForm,
    DeliveryForm,
    PlanForm,
    ReviewActionForm,
    WithdrawForm,
    add_service_errors,
    error_text,
    initial_content,
    plan_sections,
    section_label,
)
from .models import ImplementationPlan

S = ReviewState
EDITABLE_STATES = (S.DRAFT, S.CHANGES_REQUESTED)
QUEUE_STATES = [
    ("", "Waiting for CMS (submitted or in review)"),
    (S.SUBMITTED, "Submitted"),
    (S.IN_REVIEW, "In review"),
    (S.CHANGES_REQUESTED, "Changes requested"),
    (S.APPROVED, "Approved"),
    (S.DENIED, "Denied"),
    (S.WITHDRAWN, "Withdrawn"),
    (S.DRAFT, "Draft"),
]


def _plan_url(name: str, plan: ImplementationPlan) -> str:
    return reverse(f"benefits:{name}", kwargs={"aco_id": plan.selection.aco.aco_id, "plan_id": plan.pk})


def _catalogue_url(aco: ACO, performance_year: int) -> str:
    return f"{reverse('benefits:catalogue', kwargs={'aco_id': aco.aco_id})}?py={performance_year}"


def _age_days(submitted_at: datetime.datetime | None) -> int | None:
    if submitted_at is None:
        return None
    return (timezone.now() - submitted_at).days


def plan_summary(plan: ImplementationPlan) -> list[dict[str, Any]]:
    """The plan's content as (label, value) rows in page order, for read-only views: the cost estimate
    as money ("$150,000.00", not "150000.00")."""
    content = plan.review.content or {}
    return [
        {"key": key, "label": section_label(key), "value": _shown(key, content.get(key) or "")}
        for key in plan_sections(plan.selection.item)
    ]


def _shown(key: str, value: Any) -> Any:
    if not value:
        return value
    if key == "cost_estimate":
        shown = formatting.money(value)
        return value if shown == formatting.MISSING else shown
    return value


def _usage_url(name: str, aco: ACO, performance_year: int) -> str:
    return f"{reverse(f'benefits:{name}', kwargs={'aco_id': aco.aco_id})}?py={performance_year}"


# --- claims that used a Benefit Enhancement ------------------------------------------------------


@dataclass(frozen=True)
class UsagePanel:
    """One Benefit Enhancement's claims beside its plan and delivery log, as a page shows it."""

    usage: selectors.BenefitUsage
    block: ChartBlock
    plan_url: str
    deliveries_url: str

    @property
    def slug(self) -> str:
        return self.usage.item.code.replace("_", "-")


def usage_block(usage: selectors.BenefitUsage) -> ChartBlock:
    name = usage.item.name
    slug = f"be-claims-{usage.item.code.replace('_', '-')}"
    labels = [m.month.strftime("%b %Y") for m in usage.months if m.month is not None]
    table = DataTable(
        slug,
        f"{name}: claims that used it, their beneficiaries and the deliveries logged, per month",
        ["Month", "Claims", "Beneficiaries", "Deliveries logged"],
        [[label, m.claims, m.beneficiaries, m.deliveries] for label, m in zip(labels, usage.months, strict=True)],
    )
    figure = (
        charts.usage_figure(
            labels,
            [m.claims for m in usage.months],
            [m.beneficiaries for m in usage.months],
            [m.deliveries for m in usage.months],
        )
        if usage.months
        else None
    )
    return ChartBlock(
        slug,
        f"{name}: claims that used it (dark blue) and their beneficiaries (light blue) per month, with the "
        "deliveries logged under the ACO's plan (green line).",
        figure,
        table,
    )


def usage_panel(usage: selectors.BenefitUsage) -> UsagePanel:
    plan = usage.plan
    return UsagePanel(
        usage=usage,
        block=usage_block(usage),
        plan_url=_plan_url("plan_detail", plan) if plan is not None else "",
        deliveries_url=_plan_url("deliveries", plan) if plan is not None and usage.approved else "",
    )


def usage_context(aco: ACO, found: selectors.ClaimsUsage) -> dict[str, Any]:
    return {
        "usage": found,
        "usage_panels": [usage_panel(u) for u in found.items],
        "usage_url": _usage_url("claims_usage", aco, found.performance_year),
        "usage_export_url": _usage_url("claims_usage_export", aco, found.performance_year),
        "counting_note": selectors.COUNTING_NOTE,
    }


class ClaimsUsageView(ACOScopedMixin, TemplateView):
    """Every Benefit Enhancement that claims flag: its claims per month beside the ACO's plan and
    delivery log. Counts only (no MBIs), so no access-log row."""

    template_name = "benefits/claims_usage.html"
    nav = "benefits"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        found = selectors.claims_usage(aco=self.aco, performance_year=self.performance_year)
        context.update(usage_context(self.aco, found))
        context["catalogue_url"] = _catalogue_url(self.aco, self.performance_year)
        return context


USAGE_CSV_HEADER = [
    "aco_id",
    "performance_year",
    "alignment_run",
    "item",
    "month",
    "part_a_claims",
    "part_b_claims",
    "claims",
    "beneficiaries",
    "deliveries_logged",
    "plan_state",
]


class ClaimsUsageExportView(ACOScopedMixin, View):
    """The page's figures as CSV: a row per BE and month (``YYYY-MM``), then the BE's PY row
    (``month`` "total": its beneficiaries are distinct over the year, not the months' sum)."""

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        py = self.performance_year
        found = selectors.claims_usage(aco=self.aco, performance_year=py)
        response = HttpResponse(content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="{self.aco.aco_id}-PY{py}-be-claims.csv"'
        writer = csv_writer(response)
        writer.writerow(USAGE_CSV_HEADER)
        run = found.run.pk if found.run is not None else ""
        for u in found.items:
            state = u.plan.review.state if u.plan is not None else ""
            for m in [*u.months, u.total] if found.run is not None else [u.total]:
                month = m.month.strftime("%Y-%m") if m.month is not None else "total"
                writer.writerow(
                    [
                        self.aco.aco_id,
                        py,
                        run,
                        u.item.code,
                        month,
                        m.part_a_claims,
                        m.part_b_claims,
                        m.claims,
                        m.beneficiaries,
                        m.deliveries,
                        state,
                    ]
                )
        return response


# --- the catalogue -----------------------------------------------------------------------------


class CatalogueView(ACOScopedMixin, TemplateView):
    template_name = "benefits/catalogue.html"
    nav = "benefits"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        rows = selectors.catalogue_for(aco=self.aco, performance_year=self.performance_year)
        context.update(
            rows=rows,
            be_rows=[r for r in rows if r.item.kind == "be"],
            bei_rows=[r for r in rows if r.item.kind == "bei"],
            selected=[r for r in rows if r.selection is not None and r.selection.withdrawn_at is None],
            totals=selectors.delivery_totals(aco=self.aco, performance_year=self.performance_year),
        )
        context.update(
            usage_context(self.aco, selectors.claims_usage(aco=self.aco, performance_year=self.performance_year))
        )
        return context


class SelectView(ACOScopedMixin, View):
    """POST ``item`` (a code of the PY's catalogue) and ``action``: select (then open the plan's
    draft), plan (open the plan of an existing selection) or withdraw."""

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        user = request_user(request)
        py = resolve_performance_year(request.POST.get("performance_year") or request.GET.get("py"))
        code = request.POST.get("item", "")
        action = request.POST.get("action", "select")
        back = _catalogue_url(self.aco, py)
        row = next((r for r in selectors.catalogue_for(aco=self.aco, performance_year=py) if r.item.code == code), None)
        if row is None:
            messages.error(request, "That item is not in this performance year's catalogue.")
            return redirect(back)
        try:
            if action == "withdraw":
                if row.selection is None or row.selection.withdrawn_at is not None:
                    messages.error(request, f"{row.item.name} is not selected.")
                    return redirect(back)
                services.selection_withdraw(selection=row.selection, acting_user=user)
                messages.success(request, f"{row.item.name} is no longer selected for PY{py}.")
                return redirect(back)
            selection = row.selection
            if action == "select" or selection is None or selection.withdrawn_at is not None:
                selection = services.selection_create(
                    aco=self.aco, performance_year=py, item_code=code, acting_user=user
                )
            plan = services.plan_for(selection=selection, acting_user=user)
        except ValidationError as exc:
            messages.error(request, error_text(exc))
            return redirect(back)
        if action == "select":
            messages.success(request, f"{row.item.name} selected for PY{py}. Write its implementation plan below.")
        return redirect(_plan_url("plan_detail", plan))


# --- the plan ----------------------------------------------------------------------------------


class PlanMixin(ACOScopedMixin):
    nav = "benefits"
    kwargs: dict[str, Any]
    request: HttpRequest

    @cached_property
    def plan(self) -> ImplementationPlan:
        plan = selectors.plan_get(aco=self.aco, plan_id=self.kwargs["plan_id"])
        self.performance_year = plan.selection.performance_year
        return plan

    @property
    def editable(self) -> bool:
        return self.can_edit and self.plan.review.state in EDITABLE_STATES

    def back(self) -> HttpResponse:
        return redirect(_plan_url("plan_detail", self.plan))


class PlanDetailView(PlanMixin, TemplateView):
    template_name = "benefits/plan_detail.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        plan = self.plan
        context = super().get_context_data(**kwargs)
        case = plan.review
        user = request_user(self.request)
        item = plan.selection.item
        keys = plan_sections(item)
        form = kwargs.get("form") or PlanForm(initial=initial_content(case.content or {}), item=item)
        comments = list(case.comments.select_related("author", "version"))
        by_section: dict[str, list[Any]] = {}
        for comment in comments:
            by_section.setdefault(comment.section or GENERAL_SECTION[0], []).append(comment)
        summary = plan_summary(plan)
        for row in summary:
            row["comments"] = by_section.get(row["key"], [])
            row["field"] = form[row["key"]] if self.editable else None
        versions = list(case.versions.order_by("number"))
        diff = [{**row, "label": section_label(row["field"])} for row in version_diff(case=case)]
        reviewer = user.can_review
        if item.claims_indicator is not None:
            found = selectors.claims_usage(aco=self.aco, performance_year=plan.selection.performance_year)
            context.update(usage_context(self.aco, found))
            usage = found.get(item.code)
            context["usage_panel"] = usage_panel(usage) if usage is not None else None
        context.update(
            plan=plan,
            case=case,
            item=item,
            selection=plan.selection,
            editable=self.editable,
            plan_form=form,
            sections=summary,
            general_comments=by_section.get(GENERAL_SECTION[0], []),
            comment_count=len(comments),
            transitions=case.transitions.select_related("actor"),
            versions=versions,
            diff=diff,
            attachments=selectors.attachments_for(plan=plan),
            attachment_form=kwargs.get("attachment_form") or AttachmentForm(),
            comment_form=kwargs.get("comment_form") or CommentForm(sections=keys),
            review_form=kwargs.get("review_form") or ReviewActionForm(),
            withdraw_form=WithdrawForm(),
            can_comment=self.can_edit or reviewer,
            can_submit=self.editable,
            can_withdraw=self.can_edit and case.state in (S.DRAFT, S.SUBMITTED),
            can_start_review=reviewer and case.state == S.SUBMITTED,
            can_decide=reviewer and case.state in (S.SUBMITTED, S.IN_REVIEW),
            is_reviewer=reviewer,
            last_saved=timezone.localtime(case.updated_at),
            deliveries_url=_plan_url("deliveries", plan),
            catalogue_url=_catalogue_url(self.aco, plan.selection.performance_year),
        )
        return context

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        """The Save button (works without JavaScript): save the draft as it is."""
        form = PlanForm(request.POST, item=self.plan.selection.item)
        if form.is_valid():
            try:
                services.plan_save_draft(plan=self.plan, content=form.content(), acting_user=request_user(request))
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, "Draft saved.")
                return self.back()
        return self.render_to_response(self.get_context_data(form=form), status=400)


class PlanAutosaveView(PlanMixin, View):
    """htmx posts the plan form here on every change; the answer is the small status region."""

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        form = PlanForm(request.POST, item=self.plan.selection.item)
        context: dict[str, Any] = {"saved_at": None, "error": ""}
        if not form.is_valid():
            context["error"] = " ".join(
                f"{section_label(k)}: {' '.join(str(m) for m in v)}" for k, v in form.errors.items()
            )
        else:
            context.update(self._save(form.content(), request_user(request)))
        if not request.headers.get("HX-Request"):
            # Without JavaScript the form posts to the plan page itself; this is only a fallback.
            if context["error"]:
                messages.error(request, f"Not saved: {context['error']}")
            else:
                messages.success(request, "Draft saved.")
            return self.back()
        return render(request, "benefits/_autosave_status.html", context)

    def _save(self, content: dict[str, str], user: Any) -> dict[str, Any]:
        """Save what is valid: one malformed field must not lose what was typed in the others."""
        try:
            services.plan_save_draft(plan=self.plan, content=content, acting_user=user)
        except ValidationError as exc:
            if not hasattr(exc, "error_dict"):
                return {"error": error_text(exc)}
            rest = {key: value for key, value in content.items() if key not in exc.error_dict}
            if rest:
                try:
                    services.plan_save_draft(plan=self.plan, content=rest, acting_user=user)
                except ValidationError:
                    return {"error": error_text(exc)}
                return {"saved_at": timezone.localtime(), "error": error_text(exc)}
            return {"error": error_text(exc)}
        return {"saved_at": timezone.localtime()}


class PlanSubmitView(PlanDetailView):
    """Submit for CMS review. The Submit button sits in the plan form, so what is on screen is
    saved first (without JavaScript nothing typed is lost)."""

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        user = request_user(request)
        item = self.plan.selection.item
        posted = PlanForm(request.POST, item=item)
        has_fields = any(key in request.POST for key in posted.fields)
        form = posted if has_fields else PlanForm(initial_content(self.plan.review.content or {}), item=item)
        form.is_valid()
        try:
            if has_fields:
                services.plan_save_draft(plan=self.plan, content=form.content(), acting_user=user)
            services.plan_submit(plan=self.plan, acting_user=user)
        except ValidationError as exc:
            add_service_errors(form, exc)
            self.__dict__.pop("plan", None)  # re-read: the draft may have been saved
            return self.render_to_response(self.get_context_data(form=form), status=400)
        messages.success(request, "Plan submitted to CMS. CMS reviewers have been notified.")
        return self.back()


class PlanWithdrawView(PlanMixin, View):
    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        form = WithdrawForm(request.POST)
        reason = form.cleaned_data["reason"] if form.is_valid() else ""
        try:
            services.plan_withdraw(plan=self.plan, acting_user=request_user(request), reason=reason)
        except ValidationError as exc:
            messages.error(request, error_text(exc))
        else:
            messages.success(request, "Plan withdrawn.")
        return self.back()


class PlanReviewView(PlanDetailView):
    """CMS reviewers: start review, request changes, approve or deny (a reason is required for
    the last three; the service says so)."""

    cms_may_write = True

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        user = request_user(request)
        action = request.POST.get("action", "")
        form = ReviewActionForm(request.POST)
        form.is_valid()
        reason = form.cleaned_data.get("reason", "")
        try:
            review_services.case_review_act(case=self.plan.review, acting_user=user, action=action, reason=reason)
        except ValidationError as exc:
            add_service_errors(form, exc)
            return self.render_to_response(self.get_context_data(review_form=form), status=400)
        messages.success(request, review_services.review_action_done(action, "Plan"))
        return self.back()


class PlanCommentView(PlanDetailView):
    cms_may_write = True

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        form = CommentForm(request.POST, sections=plan_sections(self.plan.selection.item))
        if form.is_valid():
            section = form.cleaned_data["section"]
            try:
                services.plan_comment(
                    plan=self.plan,
                    acting_user=request_user(request),
                    section="" if section == GENERAL_SECTION[0] else section,
                    body=form.cleaned_data["body"],
                )
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, f"Comment added on “{section_label(section)}”.")
                return redirect(f"{_plan_url('plan_detail', self.plan)}#comments")
        return self.render_to_response(self.get_context_data(comment_form=form), status=400)


class AttachmentAddView(PlanDetailView):
    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        form = AttachmentForm(request.POST, request.FILES)
        if form.is_valid():
            try:
                attachment = services.attachment_add(
                    plan=self.plan, upload=form.cleaned_data["file"], acting_user=request_user(request)
                )
            except ValidationError as exc:
                for message in exc.messages:
                    form.add_error("file", message)
            else:
                messages.success(request, f"Attached {attachment.original_name}.")
                return redirect(f"{_plan_url('plan_detail', self.plan)}#attachments")
        return self.render_to_response(self.get_context_data(attachment_form=form), status=400)


class AttachmentDownloadView(PlanMixin, View):
    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        attachment = selectors.attachment_get(plan=self.plan, attachment_id=self.kwargs["attachment_id"])
        # Always a download, never shown inline: the portal does not render uploaded content.
        response = FileResponse(
            attachment.file.open("rb"),
            as_attachment=True,
            filename=attachment.original_name,
            content_type="application/octet-stream",
        )
        response["X-Content-Type-Options"] = "nosniff"
        return response


class AttachmentRemoveView(PlanMixin, View):
    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        attachment = selectors.attachment_get(plan=self.plan, attachment_id=self.kwargs["attachment_id"])
        name = attachment.original_name
        try:
            services.attachment_remove(attachment=attachment, acting_user=request_user(request))
        except ValidationError as exc:
            messages.error(request, error_text(exc))
        else:
            messages.success(request, f"Removed {name}.")
        return redirect(f"{_plan_url('plan_detail', self.plan)}#attachments")


class PlanPrintView(PlanMixin, TemplateView):
    template_name = "benefits/plan_print.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        plan = self.plan
        context = super().get_context_data(**kwargs)
        context.update(
            plan=plan,
            case=plan.review,
            item=plan.selection.item,
            selection=plan.selection,
            sections=plan_summary(plan),
            versions=list(plan.review.versions.order_by("number")),
            transitions=plan.review.transitions.select_related("actor"),
            attachments=selectors.attachments_for(plan=plan),
            printed_at=timezone.localtime(),
        )
        return context


# --- the delivery log --------------------------------------------------------------------------


class DeliveryView(PlanMixin, TemplateView):
    template_name = "benefits/deliveries.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        plan = self.plan
        context = super().get_context_data(**kwargs)
        approved = plan.review.state == S.APPROVED
        deliveries = selectors.deliveries_for(plan=plan)
        if approved:
            access_log_record(
                request=self.request,
                action=AccessLog.Action.VIEW,
                object_type="benefit_deliveries",
                object_id=str(plan.pk),
                aco_code=self.aco.aco_id,
            )
        item = plan.selection.item
        context.update(
            plan=plan,
            case=plan.review,
            item=item,
            selection=plan.selection,
            approved=approved,
            page=Paginator(deliveries, 100).get_page(self.request.GET.get("page")),
            delivery_count=deliveries.count(),
            form=kwargs.get("form") or DeliveryForm(initial={"quantity": 1}),
            refused=kwargs.get("refused", ""),
            plan_url=_plan_url("plan_detail", plan),
            export_url=_plan_url("deliveries_export", plan),
        )
        return context

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        form = DeliveryForm(request.POST)
        refused = ""
        if form.is_valid():
            data = form.cleaned_data
            try:
                delivery = services.delivery_record(
                    plan=self.plan,
                    mbi=data["mbi"],
                    delivered_on=data["delivered_on"],
                    amount=data["amount"],
                    quantity=data["quantity"],
                    note=data["note"],
                    acting_user=request_user(request),
                )
            except ValidationError as exc:
                refused = " ".join(exc.messages)
                add_service_errors(form, exc)
            else:
                messages.success(
                    request,
                    f"Delivery recorded: {delivery.mbi} on {delivery.delivered_on:%Y-%m-%d}, ${delivery.amount:,.2f}.",
                )
                return redirect(_plan_url("deliveries", self.plan))
        return self.render_to_response(self.get_context_data(form=form, refused=refused), status=400)


class DeliveryExportView(PlanMixin, View):
    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        plan = self.plan
        access_log_record(
            request=request,
            action=AccessLog.Action.EXPORT,
            object_type="benefit_deliveries",
            object_id=str(plan.pk),
            aco_code=self.aco.aco_id,
        )
        item = plan.selection.item
        response = HttpResponse(content_type="text/csv; charset=utf-8")
        filename = f"{self.aco.aco_id}-PY{plan.selection.performance_year}-{item.code}-deliveries.csv"
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
        writer = csv_writer(response)
        writer.writerow(
            ["aco_id", "performance_year", "item", "mbi", "delivered_on", "amount", "quantity", "note", "recorded_by"]
        )
        for d in selectors.deliveries_for(plan=plan):
            writer.writerow(
                [
                    self.aco.aco_id,
                    plan.selection.performance_year,
                    item.code,
                    d.mbi,
                    d.delivered_on.isoformat(),
                    f"{d.amount:.2f}",
                    d.quantity,
                    d.note,
                    d.recorded_by.get_username(),
                ]
            )
        return response


# --- CMS: the review queue ---------------------------------------------------------------------


class ReviewQueueView(CMSOnlyMixin, TemplateView):
    template_name = "benefits/review_queue.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        params = self.request.GET
        states = dict(QUEUE_STATES)
        state = params.get("state", "")
        state = state if state in states else ""
        default_py = resolve_performance_year(None)
        items = {i.code: i.name for i in selectors.items_for(performance_year=default_py)}
        item = params.get("item", "")
        item = item if item in items else ""
        aco_id = params.get("aco", "").strip()
        try:
            min_age = max(0, int(params.get("age", "") or 0))
        except ValueError:
            min_age = 0
        plans = selectors.review_queue(item=item, state=state, aco=aco_id, min_age_days=min_age or None)
        page = Paginator(plans, 50).get_page(params.get("page"))
        bulk = params.get("bulk") == "1"
        rows = [
            {
                "plan": plan,
                "url": _plan_url("plan_detail", plan),
                "age": _age_days(plan.review.submitted_at),
                "summary": plan_summary(plan) if bulk else [],
            }
            for plan in page
        ]
        query = params.copy()
        query.pop("page", None)
        query["bulk"] = "0" if bulk else "1"
        context.update(
            page=page,
            rows=rows,
            bulk=bulk,
            bulk_toggle=f"?{query.urlencode()}",
            states=QUEUE_STATES,
            state=state,
            items=sorted(items.items(), key=lambda kv: kv[1]),
            item=item,
            aco_filter=aco_id,
            age=min_age or "",
            acos=aco_selectors.aco_list_for_user(user=request_user(self.request)).values_list("aco_id", flat=True),
        )
        return context


# --- the ACO home page's panel -----------------------------------------------------------------


def home_panel(aco: ACO, performance_year: int) -> tuple[str, dict[str, object]]:
    """Deliveries per item for the PY on the ACO's home page (registered in ``apps.py``)."""
    totals = selectors.delivery_totals(aco=aco, performance_year=performance_year)
    selected = selectors.selections_for(aco=aco, performance_year=performance_year).filter(withdrawn_at=None).count()
    return "benefits/_home_panel.html", {
        "benefit_totals": totals,
        "benefit_selected": selected,
        "benefits_url": _catalogue_url(aco, performance_year),
    }
