"""What-if planner pages of an ACO, under ``/acos/<aco_id>/planning/``: the scenarios (drafts private to the
ACO: CMS staff get 404, as for anything not theirs to see), one scenario with its versions, its alignment
preview, its money preview with the sliders and the fan chart, filing it, its beneficiaries' CSV and its PDF.
Another ACO's scenario answers 404. Pages that name beneficiaries are access-logged; every POST is a write,
so analysts get 403 (ACOScopedMixin) and the services check the role again."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils import timezone
from django.views.generic import TemplateView, View

from apps.accounts.models import AccessLog
from apps.accounts.selectors import request_user
from apps.acos.mixins import ACOScopedMixin
from lead_portal.exports import Sheet, table_download
from lead_portal.text import add_form_errors

from . import presentation, report, services
from .forms import FileForm, ScenarioForm
from .models import Scenario, ScenarioVersion


class PlanningMixin(ACOScopedMixin):
    nav = "planning"
    request: HttpRequest
    kwargs: dict[str, Any]

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if request.user.is_authenticated and getattr(request.user, "is_cms", False):
            raise Http404("Scenarios are the ACO's drafts.")
        return super().dispatch(request, *args, **kwargs)

    def url(self, name: str, **kwargs: Any) -> str:
        return reverse(f"planning:{name}", kwargs={"aco_id": self.aco.aco_id, **kwargs})

    def get_scenario(self) -> Scenario:
        return get_object_or_404(Scenario.objects.select_related("aco"), pk=self.kwargs["scenario_id"], aco=self.aco)

    def get_version(self, scenario: Scenario, number: Any = None) -> ScenarioVersion:
        number = number if number is not None else self.kwargs.get("number")
        versions = scenario.versions.all()
        if number in (None, ""):
            found = versions.order_by("-number").first()
        else:
            try:
                found = versions.filter(number=int(number)).first()
            except (TypeError, ValueError):
                found = None
        if found is None:
            raise Http404("No such version.")
        return found


class ScenarioListView(PlanningMixin, TemplateView):
    template_name = "planning/scenarios.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        scenarios = list(services.scenarios_for(aco=self.aco, performance_year=self.performance_year))
        # The latest version of each (newest first within a scenario: keep the first seen).
        firsts: dict[int, ScenarioVersion] = {}
        for v in ScenarioVersion.objects.filter(scenario__in=scenarios).order_by("scenario", "-number"):
            firsts.setdefault(v.scenario_id, v)
        context.setdefault("form", ScenarioForm())
        context.update(
            rows=[(s, firsts.get(s.pk)) for s in scenarios],
            create_url=self.url("scenarios") + f"?py={self.performance_year}",
        )
        return context

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        form = ScenarioForm(request.POST)
        if form.is_valid():
            try:
                scenario = services.scenario_create(
                    aco=self.aco,
                    performance_year=self.performance_year,
                    name=form.cleaned_data["name"],
                    data=form.cleaned_data,
                    acting_user=request_user(request),
                )
            except ValidationError as exc:
                add_form_errors(form, exc)
            else:
                messages.success(request, f"Scenario “{scenario.name}” saved as version 1.")
                return HttpResponseRedirect(self.url("scenario", scenario_id=scenario.pk))
        return self.render_to_response(self.get_context_data(form=form), status=400)


class ScenarioDetailView(PlanningMixin, TemplateView):
    template_name = "planning/scenario.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        scenario = self.get_scenario()
        version = self.get_version(scenario, self.request.GET.get("version"))
        version = services.version_preview(version)
        versions = list(scenario.versions.select_related("created_by", "filed_request").order_by("-number"))
        document = version.preview
        context.update(
            scenario=scenario,
            version=version,
            versions=versions,
            is_latest=versions and versions[0].pk == version.pk,
            lines=version.describe(),
            document=document,
            edit_url=self.url("scenario_edit", scenario_id=scenario.pk),
            export_url=self.url("version_export", scenario_id=scenario.pk, number=version.number),
            report_url=self.url("version_report", scenario_id=scenario.pk, number=version.number),
            recompute_url=self.url("version_recompute", scenario_id=scenario.pk, number=version.number),
            file_url=self.url("version_file", scenario_id=scenario.pk, number=version.number),
            delete_url=self.url("scenario_delete", scenario_id=scenario.pk),
            list_url=self.url("scenarios") + f"?py={scenario.performance_year}",
        )
        context.setdefault("file_form", FileForm())
        if document:
            context.update(presentation.preview_context(document, show_ids=False))
            listed = [m["mbi"] for key in ("gained", "lost", "changed") for m in document[key][: presentation.LISTED]]
            names = services.mbi_names(listed)
            context.update(
                gained_table=presentation.moves_table(
                    "preview-gained", "Gained from no ACO", document["gained"], names
                ),
                lost_table=presentation.moves_table("preview-lost", "Lost", document["lost"], names),
                changed_table=presentation.moves_table(
                    "preview-changed", "Still aligned, another way (step or unit)", document["changed"], names
                ),
                listed=presentation.LISTED,
            )
            if listed:
                self.log("planning_preview", f"{scenario.pk}/v{version.number}", f"{len(listed)} beneficiaries listed")
            context.update(presentation.money_context(version, self.request.GET))
        return context


class ScenarioEditView(PlanningMixin, TemplateView):
    """A new version, starting from the latest one's changes."""

    template_name = "planning/scenario_edit.html"
    editors_only = True

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        scenario = self.get_scenario()
        latest = self.get_version(scenario, "")
        context.setdefault("form", ScenarioForm(initial={"name": scenario.name, **services.text_of(latest)}))
        context.update(scenario=scenario, latest=latest, back_url=self.url("scenario", scenario_id=scenario.pk))
        return context

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        scenario = self.get_scenario()
        form = ScenarioForm(request.POST)
        if form.is_valid():
            try:
                version = services.version_save(
                    scenario=scenario, data=form.cleaned_data, acting_user=request_user(request)
                )
            except ValidationError as exc:
                add_form_errors(form, exc)
            else:
                messages.success(request, f"Saved as version {version.number}.")
                return HttpResponseRedirect(self.url("scenario", scenario_id=scenario.pk))
        return self.render_to_response(self.get_context_data(form=form), status=400)


class ScenarioDeleteView(PlanningMixin, View):
    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        scenario = self.get_scenario()
        try:
            services.scenario_delete(scenario=scenario, acting_user=request_user(request))
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
            return HttpResponseRedirect(self.url("scenario", scenario_id=scenario.pk))
        messages.success(request, f"Scenario “{scenario.name}” deleted.")
        return HttpResponseRedirect(self.url("scenarios") + f"?py={scenario.performance_year}")


class VersionRecomputeView(PlanningMixin, View):
    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        scenario = self.get_scenario()
        version = services.version_preview(self.get_version(scenario), refresh=True)
        if version.preview_error:
            messages.error(request, version.preview_error)
        else:
            messages.success(request, "Preview recomputed against the latest alignment run.")
        return HttpResponseRedirect(self.url("scenario", scenario_id=scenario.pk) + f"?version={version.number}")


class VersionFileView(PlanningMixin, TemplateView):
    template_name = "planning/scenario.html"

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        scenario = self.get_scenario()
        version = self.get_version(scenario)
        form = FileForm(request.POST)
        back = self.url("scenario", scenario_id=scenario.pk) + f"?version={version.number}"
        if not form.is_valid():
            messages.error(request, "Tick the box to confirm you want to file this version.")
            return HttpResponseRedirect(back)
        try:
            outcome = services.version_file(version=version, acting_user=request_user(request))
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
            return HttpResponseRedirect(back)
        if outcome.errors:
            problems = "; ".join(f"{e.field} {e.value!r}: {e.reason}" for e in outcome.errors)
            messages.error(request, f"Nothing was filed: {problems}.")
        else:
            version.refresh_from_db()
            messages.success(request, version.filed_outcome or "Filed.")
        return HttpResponseRedirect(back)


class VersionExportView(PlanningMixin, View):
    """Every beneficiary the preview lists (gained from no ACO, lost, aligned another way), as CSV."""

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        scenario = self.get_scenario()
        version = services.version_preview(self.get_version(scenario))
        document = version.preview or {}
        rows = [
            [
                label,
                m["mbi"],
                presentation.COHORT_LABELS.get(m["cohort"], m["cohort"]),
                m["high_needs"],
                m["before"],
                m["after"],
            ]
            for key, label in (("gained", "gained"), ("lost", "lost"), ("changed", "aligned another way"))
            for m in document.get(key, [])
        ]
        self.log(
            "planning_preview", f"{scenario.pk}/v{version.number}", f"{len(rows)} rows", action=AccessLog.Action.EXPORT
        )
        return table_download(
            "csv",
            f"scenario-{self.aco.aco_id}-{scenario.pk}-v{version.number}-beneficiaries.csv",
            [Sheet("Beneficiaries", ["change", "mbi", "cohort", "high_needs", "before", "after"], rows)],
        )


class VersionReportView(PlanningMixin, View):
    """The PDF report of a version: its changes, the alignment preview's figures and the money preview at the
    sliders' values in the query string (no beneficiary is named)."""

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        scenario = self.get_scenario()
        version = services.version_preview(self.get_version(scenario))
        data = report.write_pdf(
            scenario=scenario,
            version=version,
            money_ctx=presentation.money_context(version, request.GET) if version.preview else {"money": None},
            generated_at=timezone.now(),
            generated_by=request_user(request).display_name,
        )
        response = HttpResponse(data, content_type="application/pdf")
        name = f"scenario-{self.aco.aco_id}-{scenario.pk}-v{version.number}.pdf"
        response["Content-Disposition"] = f'attachment; filename="{name}"'
        return response
