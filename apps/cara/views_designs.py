"""Maximal Flexibility design pages (docs/cara.md, "Maximal Flexibility variants"): the ACO's proposals and
the PY's default catalogue to start from, a new proposal, one proposal beside its default with its review
(versions, the diff, comments, CMS's moves), and its edit form. Views only parse input, call a selector or a
service of ``designs`` (shared with the API) and render. No beneficiary appears on these pages."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.functional import cached_property
from django.views import View
from django.views.generic import TemplateView

from apps.accounts.selectors import request_user
from apps.acos.mixins import ACOScopedMixin
from apps.reviews import services as review_services
from lead_portal.formatting import money

from . import designs, selectors
from .arrangements import cara_refusal
from .forms_designs import (
    CommentForm,
    DesignForm,
    ReviewActionForm,
    WithdrawForm,
    add_service_errors,
    initial_from,
    section_label,
)
from .models import DesignProposal, EpisodeBaseline, EpisodeDefinition

S = designs.S


def design_url(name: str, proposal: DesignProposal) -> str:
    return reverse(f"cara_designs:{name}", kwargs={"aco_id": proposal.aco.aco_id, "proposal_id": proposal.pk})


def _list_url(aco_id: str, performance_year: int) -> str:
    return f"{reverse('cara_designs:list', kwargs={'aco_id': aco_id})}?py={performance_year}"


def _errors(exc: ValidationError) -> str:
    return " ".join(exc.messages)


class DesignListView(ACOScopedMixin, TemplateView):
    """The ACO's proposals with their status, and the PY's default catalogue to start a variant from."""

    template_name = "cara/designs/list.html"
    nav = "cara"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        py = self.performance_year
        refusal = cara_refusal(aco=self.aco, performance_year=py)
        catalogue = list(designs.default_catalogue(performance_year=py))
        new_url = reverse("cara_designs:new", kwargs={"aco_id": self.aco.aco_id})
        context.update(
            refusal=refusal,
            can_propose=self.can_edit and not refusal,
            catalogue=[
                {
                    "definition": d,
                    "trigger": designs.display("trigger_kind", d.trigger_kind),
                    "codes": designs.display("trigger_codes", list(d.trigger_codes)),
                    "window": designs.display("window_days", d.window_days),
                    "exclusions": designs.display("excluded_diagnoses", list(d.excluded_diagnoses or [])),
                    "new_url": f"{new_url}?based_on={d.pk}&py={py}",
                }
                for d in catalogue
            ],
            proposals=[
                {"proposal": p, "url": design_url("detail", p), "name": (p.review.content or {}).get("name", "")}
                for p in designs.aco_designs(aco=self.aco, performance_year=py)
            ],
            overview_url=f"{reverse('cara:overview', kwargs={'aco_id': self.aco.aco_id})}?py={py}",
        )
        return context


class DesignNewView(ACOScopedMixin, TemplateView):
    """A new proposal, its form prefilled from the default named by ``?based_on=``."""

    template_name = "cara/designs/form.html"
    nav = "cara"
    editors_only = True

    def based_on(self, value: Any) -> EpisodeDefinition | None:
        try:
            return designs.default_for(based_on=value, performance_year=self.performance_year)
        except ValidationError:
            return None

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        default = self.based_on(request.GET.get("based_on"))
        if default is None:
            messages.error(
                request, f"Choose one of CMS's PY{self.performance_year} default episode types to start a variant from."
            )
            return redirect(_list_url(self.aco.aco_id, self.performance_year))
        form = DesignForm(initial=initial_from(designs.default_content(default)))
        return self.render_to_response(self.get_context_data(form=form, default=default))

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        default = self.based_on(request.POST.get("based_on"))
        if default is None:
            messages.error(
                request, f"Choose one of CMS's PY{self.performance_year} default episode types to start a variant from."
            )
            return redirect(_list_url(self.aco.aco_id, self.performance_year))
        form = DesignForm(request.POST)
        if form.is_valid():
            try:
                proposal = designs.design_create(
                    aco=self.aco, based_on=default, acting_user=request_user(request), data=form.content()
                )
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, "Draft saved. Submit it to CMS when it is ready.")
                return redirect(design_url("detail", proposal))
        return self.render_to_response(self.get_context_data(form=form, default=default), status=400)

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context.update(
            action=f"{reverse('cara_designs:new', kwargs={'aco_id': self.aco.aco_id})}?py={self.performance_year}",
            list_url=_list_url(self.aco.aco_id, self.performance_year),
            proposal=None,
        )
        return context


class ProposalMixin(ACOScopedMixin):
    nav = "cara"
    kwargs: dict[str, Any]
    request: HttpRequest

    @cached_property
    def proposal(self) -> DesignProposal:
        return designs.aco_design_get(aco=self.aco, proposal_id=self.kwargs["proposal_id"])

    @property
    def editable(self) -> bool:
        return self.can_edit and self.proposal.review.state in designs.EDITABLE_STATES

    def back(self, anchor: str = "") -> HttpResponse:
        return redirect(design_url("detail", self.proposal) + anchor)


def _baselines(proposal: DesignProposal) -> dict[str, Any] | None:
    """The pooled base-year baselines of the variant and its default from the latest episode run, once the
    variant exists and a run has built it."""
    if proposal.definition_id is None:
        return None
    run = selectors.latest_run(performance_year=proposal.performance_year)
    if run is None:
        return None
    rows = {
        b.definition_id: b
        for b in EpisodeBaseline.objects.filter(
            run=run, year__isnull=True, definition_id__in=[proposal.definition_id, proposal.based_on_id]
        )
    }
    if proposal.definition_id not in rows:
        return None
    variant, default = rows[proposal.definition_id], rows.get(proposal.based_on_id)
    return {
        "run": run,
        "variant": variant,
        "variant_mean": _mean(variant),
        "default": default,
        "default_mean": _mean(default),
    }


def _mean(baseline: EpisodeBaseline | None) -> str:
    if baseline is None or baseline.mean_cost_cents is None:
        return "not known yet"
    return money(baseline.mean_cost_cents / 100)


class DesignDetailView(ProposalMixin, TemplateView):
    template_name = "cara/designs/detail.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        proposal = self.proposal
        case = proposal.review
        user = request_user(self.request)
        actions = designs.available_actions(proposal=proposal, user=user)
        comments = list(case.comments.select_related("author", "version"))
        for comment in comments:
            comment.section_label = section_label(comment.section) if comment.section else ""  # type: ignore[attr-defined]
        context.update(
            proposal=proposal,
            case=case,
            content=case.content or {},
            rationale=(case.content or {}).get("rationale", ""),
            rows=designs.comparison(proposal),
            editable=self.editable,
            edit_url=design_url("edit", proposal),
            list_url=_list_url(self.aco.aco_id, proposal.performance_year),
            can_submit="submit" in actions,
            can_withdraw="withdraw" in actions,
            can_start_review="start_review" in actions,
            can_decide="approve" in actions,
            can_comment=self.can_edit or user.can_review,
            versions=list(case.versions.select_related("submitted_by").order_by("number")),
            transitions=case.transitions.select_related("actor"),
            diff=designs.version_changes(proposal),
            comments=comments,
            comment_form=kwargs.get("comment_form") or CommentForm(),
            review_form=kwargs.get("review_form") or ReviewActionForm(),
            withdraw_form=WithdrawForm(),
            submit_errors=kwargs.get("submit_errors") or [],
            baselines=_baselines(proposal),
        )
        return context


class DesignEditView(ProposalMixin, TemplateView):
    template_name = "cara/designs/form.html"
    editors_only = True

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not self.editable:
            messages.error(
                request,
                f"This design is {self.proposal.review.get_state_display().lower()}; it can only be changed as a "
                "draft or when CMS asks for changes.",
            )
            return self.back()
        form = DesignForm(initial=initial_from(self.proposal.review.content or {}))
        return self.render_to_response(self.get_context_data(form=form))

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        form = DesignForm(request.POST)
        if form.is_valid():
            try:
                designs.design_update(proposal=self.proposal, acting_user=request_user(request), data=form.content())
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, "Draft saved.")
                return self.back()
        return self.render_to_response(self.get_context_data(form=form), status=400)

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context.update(
            proposal=self.proposal,
            default=self.proposal.based_on,
            action=design_url("edit", self.proposal),
            list_url=_list_url(self.aco.aco_id, self.proposal.performance_year),
        )
        return context


class DesignSubmitView(DesignDetailView):
    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        try:
            designs.design_submit(proposal=self.proposal, acting_user=request_user(request))
        except ValidationError as exc:
            return self.render_to_response(self.get_context_data(submit_errors=exc.messages), status=400)
        messages.success(request, designs.ACTION_DONE["submit"])
        return self.back()


class DesignWithdrawView(ProposalMixin, View):
    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        form = WithdrawForm(request.POST)
        reason = form.cleaned_data["reason"] if form.is_valid() else ""
        try:
            designs.design_withdraw(proposal=self.proposal, acting_user=request_user(request), reason=reason)
        except ValidationError as exc:
            messages.error(request, _errors(exc))
        else:
            messages.success(request, designs.ACTION_DONE["withdraw"])
        return self.back()


class DesignReviewView(DesignDetailView):
    """CMS reviewers: start the review, request changes, approve or deny (the last three need a reason; the
    service says so)."""

    cms_may_write = True

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        action = request.POST.get("action", "")
        form = ReviewActionForm(request.POST)
        form.is_valid()
        try:
            designs.design_review_act(
                proposal=self.proposal,
                acting_user=request_user(request),
                action=action,
                reason=form.cleaned_data.get("reason", ""),
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
            return self.render_to_response(self.get_context_data(review_form=form), status=400)
        messages.success(request, review_services.review_action_done(action, "Design"))
        return self.back()


class DesignCommentView(DesignDetailView):
    cms_may_write = True

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        form = CommentForm(request.POST)
        if form.is_valid():
            section = form.cleaned_data["section"]
            try:
                designs.design_comment(
                    proposal=self.proposal,
                    acting_user=request_user(request),
                    section="" if section == "general" else section,
                    body=form.cleaned_data["body"],
                )
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, f"Comment added on \u201c{section_label(section)}\u201d.")
                return self.back("#comments")
        return self.render_to_response(self.get_context_data(comment_form=form), status=400)
