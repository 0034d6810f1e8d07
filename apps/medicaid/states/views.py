"""Partner-state pages.

CMS (under ``/medicaid/``, CMS staff only; reviewers read, admins write): the list of states, a
new state, a state's page (its details, status change with the allowed next statuses, history,
milestones, framework documents with upload), milestone add/edit/delete and the planning-phase
timeline (a Gantt chart with its data table and CSV).

ACO (under ``/acos/<aco_id>/medicaid/``, read-only): the timeline of the ACO's states and the
model-wide milestones, and a state's page with its documents once the state is selected.

Views only parse input, call a selector or a service (the rules live there, shared with the API)
and render.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.functional import cached_property
from django.views import View
from django.views.generic import TemplateView

from apps.accounts.models import User
from apps.accounts.selectors import request_user
from apps.acos import selectors as aco_selectors
from apps.acos.mixins import ACOScopedMixin, CMSOnlyMixin
from apps.reviews.models import ReviewState
from lead_portal.exports import csv_writer

from ..models import PLANNING_END, PLANNING_START, FrameworkDocument, MedicaidState, Milestone, StateStatus
from . import charts, selectors, services
from .forms import (
    ConfirmForm,
    DocumentForm,
    MilestoneForm,
    StateForm,
    StatusChangeForm,
    add_service_errors,
    error_text,
)

TIMELINE_HEADER = ["Milestone", "State", "Start", "End", "Status"]
ARRANGEMENT_COLUMNS = [
    (ReviewState.DRAFT, "Draft"),
    (ReviewState.SUBMITTED, "Submitted"),
    (ReviewState.IN_REVIEW, "In review"),
    (ReviewState.CHANGES_REQUESTED, "Changes requested"),
    (ReviewState.APPROVED, "Approved"),
]


def _state_url(state: MedicaidState) -> str:
    return reverse("medicaid_cms:state_detail", kwargs={"state_code": state.code})


def _download(document: FrameworkDocument) -> HttpResponseBase:
    # Always a download, never shown inline: the portal does not render uploaded content.
    response = FileResponse(
        document.file.open("rb"),
        as_attachment=True,
        filename=document.original_name,
        content_type="application/octet-stream",
    )
    response["X-Content-Type-Options"] = "nosniff"
    return response


def timeline_context(milestones: Any, *, slug: str) -> dict[str, Any]:
    """The Gantt figure, its rows (for the data table) and the planning phase, for a template."""
    rows = selectors.timeline_rows(milestones)
    today = aco_selectors.portal_today()
    return {
        "timeline_rows": rows,
        "timeline_figure": charts.timeline_figure(rows, today=today) if rows else None,
        "timeline_figure_id": f"figure-{slug}",
        "planning_start": PLANNING_START,
        "planning_end": PLANNING_END,
        "today": today,
    }


def timeline_csv(milestones: Any, *, filename: str) -> HttpResponse:
    """The milestones as CSV, the header first (nothing above it: Excel and pandas read the first row as
    the header); the page that links to it says which milestones and which planning phase."""
    rows = selectors.timeline_rows(milestones)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    writer = csv_writer(response)
    writer.writerow(TIMELINE_HEADER)
    for r in rows:
        writer.writerow([r.title, r.state_code or "Model-wide", r.start, r.end, r.status_label])
    return response


# --- CMS ---------------------------------------------------------------------------------------


class CMSStatesMixin(CMSOnlyMixin):
    request: HttpRequest
    kwargs: dict[str, Any]

    @property
    def user(self) -> User:
        return request_user(self.request)

    def require_admin(self) -> None:
        if not self.user.is_cms_admin:
            raise PermissionDenied("Only CMS admins can change Medicaid partner states.")

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context: dict[str, Any] = super().get_context_data(**kwargs)  # type: ignore[misc]
        context["can_write"] = self.user.is_cms_admin
        return context

    def crumbs(self, *trail: tuple[str, str]) -> list[tuple[str, str]]:
        return [("Medicaid partner states", reverse("medicaid_cms:states")), *trail]


class StateListView(CMSStatesMixin, TemplateView):
    template_name = "medicaid/states/cms_list.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        states = list(selectors.states_for_cms(user=self.user))
        rows = []
        for state in states:
            changes = list(state.status_changes.all())
            rows.append(
                {
                    "state": state,
                    "counts": [getattr(state, f"n_{key}") for key, _ in ARRANGEMENT_COLUMNS],
                    "last_change": changes[-1] if changes else None,
                }
            )
        selected = [s for s in states if s.status == StateStatus.SELECTED]
        context.update(rows=rows, columns=ARRANGEMENT_COLUMNS, selected=selected)
        return context


class StateCreateView(CMSStatesMixin, TemplateView):
    template_name = "medicaid/states/cms_state_form.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        self.require_admin()
        context = super().get_context_data(**kwargs)
        context.setdefault("form", StateForm())
        context["breadcrumbs"] = self.crumbs(("Add a state", ""))
        return context

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        self.require_admin()
        form = StateForm(request.POST)
        if form.is_valid():
            try:
                state = services.state_create(acting_user=self.user, **form.cleaned_data)
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, f"{state} added as interested.")
                return redirect(_state_url(state))
        return self.render_to_response(self.get_context_data(form=form))


class StateMixin(CMSStatesMixin):
    @cached_property
    def state(self) -> MedicaidState:
        return selectors.state_get_for_cms(user=self.user, code=self.kwargs["state_code"])


class StateDetailView(StateMixin, TemplateView):
    template_name = "medicaid/states/cms_state_detail.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        state = self.state
        context.update(
            state=state,
            history=selectors.history_for(state=state),
            milestones=selectors.milestones_for_cms(user=self.user).filter(state=state),
            documents=selectors.documents_for_cms(user=self.user, state=state),
            arrangements=services.holding_arrangements(state),
            breadcrumbs=self.crumbs((str(state), "")),
        )
        if context["can_write"]:
            context.setdefault(
                "edit_form",
                StateForm(
                    editing=True,
                    initial={
                        "name": state.name,
                        "delivery_system": state.delivery_system,
                        "medicaid_agency": state.medicaid_agency,
                        "notes": state.notes,
                    },
                ),
            )
            context.setdefault("status_form", StatusChangeForm(state=state))
            context.setdefault("document_form", DocumentForm())
        return context


class StateEditView(StateDetailView):
    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        self.require_admin()
        form = StateForm(request.POST, editing=True)
        if form.is_valid():
            try:
                services.state_update(state=self.state, acting_user=self.user, **form.cleaned_data)
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, f"{self.state.name}'s details saved.")
                return redirect(_state_url(self.state))
        return self.render_to_response(self.get_context_data(edit_form=form))

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        return redirect(_state_url(self.state))


class StateStatusView(StateDetailView):
    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        self.require_admin()
        form = StatusChangeForm(request.POST, state=self.state)
        if form.is_valid():
            try:
                state = services.state_status_change(
                    state=self.state,
                    acting_user=self.user,
                    to_status=form.cleaned_data["to_status"],
                    reason=form.cleaned_data["reason"],
                )
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                done = f"{state.name} is now {state.get_status_display().lower()}."
                if state.status == StateStatus.SELECTED:
                    done += " The administrators of the ACOs serving it are being notified by e-mail."
                messages.success(request, done)
                return redirect(_state_url(state))
        return self.render_to_response(self.get_context_data(status_form=form))

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        return redirect(_state_url(self.state))


class DocumentUploadView(StateDetailView):
    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        self.require_admin()
        form = DocumentForm(request.POST, request.FILES)
        if form.is_valid():
            try:
                document = services.document_upload(
                    state=self.state,
                    acting_user=self.user,
                    title=form.cleaned_data["title"],
                    upload=form.cleaned_data["file"],
                )
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, f"Uploaded “{document.title}”, version {document.version}.")
                return redirect(f"{_state_url(self.state)}#documents")
        return self.render_to_response(self.get_context_data(document_form=form))

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        return redirect(f"{_state_url(self.state)}#documents")


class DocumentDownloadView(StateMixin, View):
    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        document = selectors.document_get_for_cms(
            user=self.user, state=self.state, document_id=self.kwargs["document_id"]
        )
        return _download(document)


class DocumentRemoveView(StateMixin, View):
    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        self.require_admin()
        document = selectors.document_get_for_cms(
            user=self.user, state=self.state, document_id=self.kwargs["document_id"]
        )
        label = f"“{document.title}”, version {document.version}"
        try:
            services.document_remove(document=document, acting_user=self.user)
        except ValidationError as exc:
            messages.error(request, error_text(exc))
        else:
            messages.success(request, f"Removed {label}.")
        return redirect(f"{_state_url(self.state)}#documents")


class MilestoneFormView(CMSStatesMixin, TemplateView):
    """Add a milestone (``?state=XX`` presets the state) or edit one (``milestone_id`` in the URL)."""

    template_name = "medicaid/states/cms_milestone_form.html"

    @cached_property
    def milestone(self) -> Milestone | None:
        if "milestone_id" not in self.kwargs:
            return None
        return selectors.milestone_get_for_cms(user=self.user, milestone_id=self.kwargs["milestone_id"])

    def _states(self) -> list[MedicaidState]:
        return list(selectors.states_for_cms(user=self.user))

    def _back(self, state_code: str) -> str:
        if state_code:
            return reverse("medicaid_cms:state_detail", kwargs={"state_code": state_code}) + "#milestones"
        return reverse("medicaid_cms:timeline")

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        self.require_admin()
        context = super().get_context_data(**kwargs)
        m = self.milestone
        initial: dict[str, Any]
        if m is not None:
            initial = {
                "title": m.title,
                "state": m.state.code if m.state else "",
                "start": m.start,
                "end": m.end,
                "status": m.status,
                "notes": m.notes,
            }
        else:
            initial = {"state": (self.request.GET.get("state") or "").upper(), "status": Milestone.Status.PLANNED}
        context.setdefault("form", MilestoneForm(initial=initial, states=self._states()))
        context.update(
            milestone=m,
            back_url=self._back(initial["state"]),
            planning_start=PLANNING_START,
            planning_end=PLANNING_END,
            breadcrumbs=self.crumbs(
                ("Planning-phase timeline", reverse("medicaid_cms:timeline")),
                (f"Milestone “{m.title}”" if m else "Add a milestone", ""),
            ),
        )
        return context

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        self.require_admin()
        form = MilestoneForm(request.POST, states=self._states())
        if form.is_valid():
            values = form.values()
            try:
                if self.milestone is None:
                    milestone = services.milestone_create(acting_user=self.user, **values)
                else:
                    milestone = services.milestone_update(milestone=self.milestone, acting_user=self.user, **values)
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, f"Milestone “{milestone.title}” saved.")
                return redirect(self._back(values.get("state") or ""))
        return self.render_to_response(self.get_context_data(form=form))


class MilestoneDeleteView(MilestoneFormView):
    template_name = "medicaid/states/cms_milestone_delete.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        self.require_admin()
        context = super().get_context_data(**kwargs)
        context["confirm_form"] = ConfirmForm()
        return context

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        self.require_admin()
        milestone = self.milestone
        if milestone is None:  # the delete route always carries a milestone id
            raise Http404("No such milestone.")
        back = self._back(milestone.state.code if milestone.state else "")
        services.milestone_delete(milestone=milestone, acting_user=self.user)
        messages.success(request, f"Milestone “{milestone.title}” deleted.")
        return redirect(back)


class CMSTimelineView(CMSStatesMixin, TemplateView):
    """Every milestone of the planning phase. ``?format=csv`` downloads the data table."""

    template_name = "medicaid/states/timeline.html"

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if request.GET.get("format") == "csv":
            return timeline_csv(
                selectors.milestones_for_cms(user=self.user),
                filename=f"medicaid-planning-timeline-{PLANNING_START}-to-{PLANNING_END}.csv",
            )
        return super().get(request, *args, **kwargs)

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context.update(
            timeline_context(selectors.milestones_for_cms(user=self.user), slug="medicaid-timeline"),
            csv_url=reverse("medicaid_cms:timeline") + "?format=csv",
            is_cms_page=True,
            breadcrumbs=self.crumbs(("Planning-phase timeline", "")),
        )
        return context


# --- an ACO's people ---------------------------------------------------------------------------


class ACOStatesMixin(ACOScopedMixin):
    nav = "medicaid"
    kwargs: dict[str, Any]

    @cached_property
    def state(self) -> MedicaidState:
        return selectors.state_get_for_aco(aco=self.aco, code=self.kwargs["state_code"])

    def crumbs(self, label: str) -> list[tuple[str, str]]:
        return [("Medicaid integration", reverse("medicaid:overview", kwargs={"aco_id": self.aco.aco_id})), (label, "")]


class ACOTimelineView(ACOStatesMixin, TemplateView):
    """The ACO's states' milestones and the model-wide ones. ``?format=csv`` downloads the table."""

    template_name = "medicaid/states/timeline.html"

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if request.GET.get("format") == "csv":
            return timeline_csv(
                selectors.milestones_for_aco(aco=self.aco),
                filename=f"medicaid-planning-timeline-{self.aco.aco_id}-{PLANNING_START}-to-{PLANNING_END}.csv",
            )
        return super().get(request, *args, **kwargs)

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context.update(
            timeline_context(selectors.milestones_for_aco(aco=self.aco), slug="medicaid-timeline"),
            csv_url=reverse("medicaid:timeline", kwargs={"aco_id": self.aco.aco_id}) + "?format=csv",
            states=selectors.states_for_aco(aco=self.aco),
            is_cms_page=False,
            breadcrumbs=self.crumbs("Planning-phase timeline"),
        )
        return context


class ACOStateDetailView(ACOStatesMixin, TemplateView):
    template_name = "medicaid/states/aco_state_detail.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        state = self.state
        context.update(
            state=state,
            milestones=selectors.milestones_for_aco(aco=self.aco, state=state),
            documents=selectors.documents_for_aco(aco=self.aco, state=state),
            breadcrumbs=self.crumbs(str(state)),
        )
        return context


class ACODocumentDownloadView(ACOStatesMixin, View):
    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        document = selectors.document_get_for_aco(
            aco=self.aco, state=self.state, document_id=self.kwargs["document_id"]
        )
        return _download(document)
