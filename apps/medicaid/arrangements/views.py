"""Medicaid integration pages for the ACO (the overview, partnership arrangements with their review)
and CMS's queue of arrangements. Views only parse input, call a selector or a service (the rules
live there, shared with the API) and render."""

from __future__ import annotations

import datetime
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import cached_property
from django.views import View
from django.views.generic import TemplateView

from apps.accounts.selectors import request_user
from apps.acos.mixins import ACOScopedMixin, CMSOnlyMixin
from apps.acos.models import ACO
from apps.reviews import services as review_services
from apps.reviews.models import ReviewState
from apps.reviews.selectors import version_diff

from ..models import (
    PLANNING_END,
    PLANNING_START,
    STRATEGIES,
    AgreementStatus,
    PartnershipArrangement,
    PartnerType,
    StateStatus,
)
from ..models import MedicaidState as State
from . import selectors, services
from .forms import (
    GENERAL_SECTION,
    ArrangementCreateForm,
    ArrangementForm,
    CommentForm,
    ReviewActionForm,
    WithdrawForm,
    add_service_errors,
    error_text,
    initial_content,
    section_label,
)

S = ReviewState
QUEUE_STATES = [
    ("", "Waiting for CMS (submitted or in review)"),
    ("all", "Any status"),
    (S.SUBMITTED, "Submitted"),
    (S.IN_REVIEW, "In review"),
    (S.CHANGES_REQUESTED, "Changes requested"),
    (S.APPROVED, "Approved"),
    (S.DENIED, "Denied"),
    (S.WITHDRAWN, "Withdrawn"),
    (S.DRAFT, "Draft"),
]


def arrangement_url(name: str, arrangement: PartnershipArrangement) -> str:
    return reverse(f"medicaid:{name}", kwargs={"aco_id": arrangement.aco.aco_id, "arrangement_id": arrangement.pk})


def _overview_url(aco: ACO) -> str:
    return reverse("medicaid:overview", kwargs={"aco_id": aco.aco_id})


def _display(choices: dict[str, str] | Any, value: str) -> str:
    return dict(choices).get(value, value) if value else ""


def arrangement_summary(arrangement: PartnershipArrangement) -> dict[str, Any]:
    """The content in reading form: labels for codes, strategies and contacts as rows."""
    content = arrangement.review.content or {}
    strategies = content.get("strategies") or {}
    sharing = content.get("data_sharing") or {}
    contacts = content.get("contacts") or []
    return {
        "partner_type": _display(PartnerType.choices, content.get("partner_type") or ""),
        "partner_name": content.get("partner_name") or "",
        "agreement_status": _display(AgreementStatus.choices, content.get("agreement_status") or ""),
        "start_date": content.get("start_date") or "",
        "end_date": content.get("end_date") or "",
        "roles": content.get("roles") or "",
        "strategies": [{"key": k, "label": label, "text": strategies.get(k) or ""} for k, label in STRATEGIES.items()],
        "data_sharing": {
            "status": _display(services.DATA_SHARING_STATUSES, sharing.get("status") or ""),
            "signed_on": sharing.get("signed_on") or "",
            "description": sharing.get("description") or "",
        },
        "contacts": [{**c, "side_label": services.CONTACT_SIDES.get(c.get("side") or "", "")} for c in contacts if c],
    }


def _diff_text(field: str, value: Any) -> str:
    """A content value as short text for the version diff."""
    if value in (None, "", {}, []):
        return "—"
    if isinstance(value, dict):
        return "; ".join(f"{services.field_label(f'{field}.{k}')}: {v}" for k, v in value.items() if v)
    if isinstance(value, list):
        return "; ".join(
            ", ".join(str(c.get(k)) for k in services.CONTACT_KEYS if c.get(k)) for c in value if isinstance(c, dict)
        )
    return str(value)


# --- the overview --------------------------------------------------------------------------------


class OverviewView(ACOScopedMixin, TemplateView):
    template_name = "medicaid/overview.html"
    nav = "medicaid"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        selectable = selectors.selectable_states(aco=self.aco)
        state_rows = selectors.aco_states(aco=self.aco)
        context.update(
            planning_start=PLANNING_START,
            planning_end=PLANNING_END,
            state_rows=state_rows,
            any_selected=any(row.is_selected for row in state_rows),
            arrangements=[
                {
                    "arrangement": a,
                    "url": arrangement_url("arrangement_detail", a),
                    "partner_name": (a.review.content or {}).get("partner_name") or "",
                    "partner_type": _display(PartnerType.choices, (a.review.content or {}).get("partner_type") or ""),
                    "agreement_status": _display(
                        AgreementStatus.choices, (a.review.content or {}).get("agreement_status") or ""
                    ),
                }
                for a in selectors.arrangements_for_aco(aco=self.aco)
            ],
            create_form=kwargs.get("create_form") or ArrangementCreateForm(states=selectable),
            can_create=self.can_edit and selectable.exists(),
        )
        return context


class ArrangementCreateView(OverviewView):
    """POST the draft form of the overview: state, partner type, partner name."""

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        return redirect(_overview_url(self.aco))

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        # Any state the ACO serves may be posted: the service says why one is refused.
        served = State.objects.filter(code__in=list(self.aco.states or []))
        form = ArrangementCreateForm(request.POST, states=served)
        if form.is_valid():
            try:
                arrangement = services.arrangement_create(
                    aco=self.aco,
                    state=form.cleaned_data["state"],
                    acting_user=request_user(request),
                    partner_type=form.cleaned_data["partner_type"],
                    partner_name=form.cleaned_data["partner_name"],
                )
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, f"Draft started: {arrangement.review.title}. Fill it in below.")
                return redirect(arrangement_url("arrangement_detail", arrangement))
        form.fields["state"].queryset = selectors.selectable_states(aco=self.aco)  # type: ignore[attr-defined]
        return self.render_to_response(self.get_context_data(create_form=form), status=400)


# --- one arrangement -----------------------------------------------------------------------------


class ArrangementMixin(ACOScopedMixin):
    nav = "medicaid"
    kwargs: dict[str, Any]
    request: HttpRequest

    @cached_property
    def arrangement(self) -> PartnershipArrangement:
        return selectors.arrangement_get(aco=self.aco, arrangement_id=self.kwargs["arrangement_id"])

    @property
    def editable(self) -> bool:
        return self.can_edit and self.arrangement.review.state in services.EDITABLE_STATES

    def back(self, anchor: str = "") -> HttpResponse:
        return redirect(arrangement_url("arrangement_detail", self.arrangement) + anchor)


class ArrangementDetailView(ArrangementMixin, TemplateView):
    template_name = "medicaid/arrangements/detail.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        arrangement = self.arrangement
        context = super().get_context_data(**kwargs)
        case = arrangement.review
        user = request_user(self.request)
        form = kwargs.get("form")
        if form is None and self.editable:
            initial, rows = initial_content(case.content or {})
            form = ArrangementForm(initial=initial, contact_rows=rows)
        comments = list(case.comments.select_related("author", "version"))
        for comment in comments:
            comment.section_label = section_label(comment.section) if comment.section else ""  # type: ignore[attr-defined]
        versions = list(case.versions.select_related("submitted_by").order_by("number"))
        diff = [
            {
                "label": services.field_label(row["field"]),
                "old": _diff_text(row["field"], row["old"]),
                "new": _diff_text(row["field"], row["new"]),
            }
            for row in version_diff(case=case)
        ]
        reviewer = user.can_review
        context.update(
            arrangement=arrangement,
            case=case,
            state=arrangement.state,
            summary=arrangement_summary(arrangement),
            editable=self.editable,
            form=form,
            comments=comments,
            transitions=case.transitions.select_related("actor"),
            versions=versions,
            diff=diff,
            comment_form=kwargs.get("comment_form") or CommentForm(),
            review_form=kwargs.get("review_form") or ReviewActionForm(),
            withdraw_form=WithdrawForm(),
            can_comment=self.can_edit or reviewer,
            can_withdraw=self.can_edit and case.state in (S.DRAFT, S.SUBMITTED),
            can_start_review=reviewer and case.state == S.SUBMITTED,
            can_decide=reviewer and case.state in (S.SUBMITTED, S.IN_REVIEW),
            state_selected=arrangement.state.status == StateStatus.SELECTED,
            overview_url=_overview_url(self.aco),
            last_saved=timezone.localtime(case.updated_at),
        )
        return context

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        """Save the draft as it is (incomplete is fine)."""
        form = ArrangementForm(request.POST)
        if form.is_valid():
            try:
                services.arrangement_save_draft(
                    arrangement=self.arrangement, content=form.content(), acting_user=request_user(request)
                )
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, "Draft saved.")
                return self.back()
        return self.render_to_response(self.get_context_data(form=form), status=400)


class ArrangementAutosaveView(ArrangementMixin, View):
    """htmx posts the edit form here on every change; the answer is the small status region. What
    is well formed is saved even when another field is not, so nothing typed is lost."""

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        form = ArrangementForm(request.POST)
        result: dict[str, Any] = {"saved_at": None, "error": ""}
        if not form.is_valid():
            result["error"] = " ".join(str(m) for errors in form.errors.values() for m in errors)
        else:
            result.update(self._save(form, request_user(request)))
        if not request.headers.get("HX-Request"):
            # Without JavaScript the form posts to the page itself; this is only a fallback.
            if result["error"]:
                messages.error(request, f"Not saved: {result['error']}")
            else:
                messages.success(request, "Draft saved.")
            return self.back()
        return render(request, "medicaid/arrangements/_autosave_status.html", result)

    def _save(self, form: ArrangementForm, user: Any) -> dict[str, Any]:
        content = form.content()
        try:
            services.arrangement_save_draft(arrangement=self.arrangement, content=content, acting_user=user)
        except ValidationError as exc:
            if not hasattr(exc, "error_dict"):
                return {"error": error_text(exc)}
            message = " ".join(form.message_for(k, m) for k, errors in exc.message_dict.items() for m in errors)
            bad = {key.split(".")[0] for key in exc.error_dict}
            rest = {key: value for key, value in content.items() if key not in bad}
            if rest:
                try:
                    services.arrangement_save_draft(arrangement=self.arrangement, content=rest, acting_user=user)
                except ValidationError:
                    return {"error": message}
                return {"saved_at": timezone.localtime(), "error": message}
            return {"error": message}
        return {"saved_at": timezone.localtime()}


class ArrangementSubmitView(ArrangementDetailView):
    """Submit to CMS. The button sits in the edit form: what is on screen is saved first, so
    nothing typed is lost when the submission is refused."""

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        user = request_user(request)
        has_fields = "partner_name" in request.POST
        form = ArrangementForm(request.POST) if has_fields else None
        try:
            if form is not None:
                if not form.is_valid():
                    return self.render_to_response(self.get_context_data(form=form), status=400)
                content = form.content()
                try:
                    services.arrangement_save_draft(arrangement=self.arrangement, content=content, acting_user=user)
                except ValidationError as exc:
                    if not hasattr(exc, "error_dict"):
                        raise
                    # Not saved: say at once everything submission would also refuse, not only the format.
                    problems = services.submission_problems(content, state=self.arrangement.state)
                    raise ValidationError(problems or exc.message_dict) from exc
            services.arrangement_submit(arrangement=self.arrangement, acting_user=user)
        except ValidationError as exc:
            self.__dict__.pop("arrangement", None)  # re-read: the draft may have been saved
            if form is None:
                initial, rows = initial_content(self.arrangement.review.content or {})
                form = ArrangementForm(initial, contact_rows=rows)
                form.is_valid()
                form.content()
            add_service_errors(form, exc)
            return self.render_to_response(self.get_context_data(form=form), status=400)
        messages.success(request, "Arrangement submitted to CMS. CMS reviewers have been notified.")
        return self.back()


class ArrangementWithdrawView(ArrangementMixin, View):
    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        form = WithdrawForm(request.POST)
        reason = form.cleaned_data["reason"] if form.is_valid() else ""
        try:
            services.arrangement_withdraw(
                arrangement=self.arrangement, acting_user=request_user(request), reason=reason
            )
        except ValidationError as exc:
            messages.error(request, error_text(exc))
        else:
            messages.success(request, "Arrangement withdrawn.")
        return self.back()


class ArrangementReviewView(ArrangementDetailView):
    """CMS reviewers: start review, request changes, approve or deny (the last three need a reason;
    the service says so)."""

    cms_may_write = True

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        user = request_user(request)
        action = request.POST.get("action", "")
        form = ReviewActionForm(request.POST)
        form.is_valid()
        reason = form.cleaned_data.get("reason", "")
        arrangement = self.arrangement
        try:
            review_services.case_review_act(case=arrangement.review, acting_user=user, action=action, reason=reason)
        except ValidationError as exc:
            add_service_errors(form, exc)
            return self.render_to_response(self.get_context_data(review_form=form), status=400)
        messages.success(request, review_services.review_action_done(action, "Arrangement"))
        return self.back()


class ArrangementCommentView(ArrangementDetailView):
    cms_may_write = True

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        form = CommentForm(request.POST)
        if form.is_valid():
            section = form.cleaned_data["section"]
            try:
                services.arrangement_comment(
                    arrangement=self.arrangement,
                    acting_user=request_user(request),
                    section="" if section == GENERAL_SECTION[0] else section,
                    body=form.cleaned_data["body"],
                )
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, f"Comment added on \u201c{section_label(section)}\u201d.")
                return self.back("#comments")
        return self.render_to_response(self.get_context_data(comment_form=form), status=400)


# --- CMS: the queue ------------------------------------------------------------------------------


def _age_days(submitted_at: datetime.datetime | None) -> int | None:
    return None if submitted_at is None else (timezone.now() - submitted_at).days


class QueueView(CMSOnlyMixin, TemplateView):
    template_name = "medicaid/arrangements/queue.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        params = self.request.GET
        status = params.get("status", "")
        status = status if status in dict(QUEUE_STATES) else ""
        filters = selectors.queue_filters()
        state_code = params.get("state", "").strip().upper()
        aco_id = params.get("aco", "").strip()
        arrangements = selectors.arrangement_queue(
            user=request_user(self.request), state_code=state_code, status=status, aco_id=aco_id
        )
        page = Paginator(arrangements, 50).get_page(params.get("page"))
        context.update(
            page=page,
            rows=[
                {
                    "arrangement": a,
                    "url": arrangement_url("arrangement_detail", a),
                    "partner_name": (a.review.content or {}).get("partner_name") or "",
                    "partner_type": _display(PartnerType.choices, (a.review.content or {}).get("partner_type") or ""),
                    "age": _age_days(a.review.submitted_at),
                }
                for a in page
            ],
            statuses=QUEUE_STATES,
            status=status,
            states=filters["states"],
            state_filter=state_code,
            acos=filters["acos"],
            aco_filter=aco_id,
            filtered=bool(status or state_code or aco_id),
        )
        return context


# --- the ACO home page's panel -------------------------------------------------------------------


def home_panel(aco: ACO, performance_year: int) -> tuple[str, dict[str, object]] | None:
    """The ACO's states in the planning phase and its arrangements by status (registered in
    ``apps.py``); nothing for an ACO none of whose states is in the planning phase."""
    rows = [row for row in selectors.aco_states(aco=aco) if row.in_planning]
    if not rows:
        return None
    counts = selectors.arrangement_status_counts(aco=aco)
    return "medicaid/arrangements/panel.html", {
        "medicaid_states": rows,
        "medicaid_counts": [(S(state).label, n) for state, n in sorted(counts.items()) if n],
        "medicaid_url": _overview_url(aco),
    }
