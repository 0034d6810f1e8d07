"""What-if planner pages of an ACO, under ``/acos/<aco_id>/planning/``: the scenarios (drafts private to the
ACO: CMS staff get 404, as for anything not theirs to see), one scenario with its versions, its alignment
preview, its money preview with the sliders and the fan chart, filing it, its beneficiaries' CSV and its PDF.
Another ACO's scenario answers 404. Pages that name beneficiaries are access-logged; every POST is a write,
so analysts get 403 (ACOScopedMixin) and the services check the role again."""

from __future__ import annotations

import datetime as dt
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
from apps.acos.presentation import ChartBlock, DataTable
from apps.alignment.models import AlignedBeneficiary
from lead_portal.exports import csv_writer
from lead_portal.formatting import MINUS, count, money, percent

from . import charts, report, services
from .forms import FileForm, ScenarioForm
from .models import Scenario, ScenarioVersion
from .preview import NOT_ASSESSED

COHORT_LABELS = {
    **{str(k): str(v) for k, v in AlignedBeneficiary.Cohort.choices},
    NOT_ASSESSED: "Not assessed (aligned to no ACO in the run)",
}
LISTED = 25  # beneficiaries listed per table on the page (all of them in the CSV)


def signed(n: int) -> str:
    """A difference with its sign, a true minus for a fall: "+545", "−13", "0"."""
    return f"{n:+,}".replace("-", MINUS) if n else "0"


def signed_money(value: Any) -> str:
    text = money(value, cents=False)
    return f"+{text}" if value > 0 else text


def _form_errors(form: Any, exc: ValidationError) -> None:
    if hasattr(exc, "error_dict"):
        for name, errors in exc.message_dict.items():
            for e in errors:
                form.add_error(name if name in form.fields else None, e)
    else:
        for e in exc.messages:
            form.add_error(None, e)


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
                _form_errors(form, exc)
            else:
                messages.success(request, f"Scenario “{scenario.name}” saved as version 1.")
                return HttpResponseRedirect(self.url("scenario", scenario_id=scenario.pk))
        return self.render_to_response(self.get_context_data(form=form), status=400)


def _moves_table(slug: str, title: str, moves: list[dict[str, Any]], names: dict[str, str]) -> DataTable:
    return DataTable(
        slug,
        title,
        ["MBI", "Name", "Cohort", "High Needs", "Before", "After"],
        [
            [
                m["mbi"],
                names.get(m["mbi"], "—"),
                COHORT_LABELS.get(m["cohort"], m["cohort"]),
                "Yes" if m["high_needs"] else ("—" if m["cohort"] == NOT_ASSESSED else "No"),
                m["before"],
                m["after"],
            ]
            for m in moves[:LISTED]
        ],
    )


def _minimums_text(block: dict[str, Any]) -> str:
    m = block["minimums"]
    if m["met"]:
        return f"Met ({m['category']}: {m['total_minimum']:,} aligned, {m['claims_minimum']:,} claims-aligned)"
    return (
        f"Not met ({m['category']}): {m['total_short']:,} more aligned and {m['claims_short']:,} more "
        "claims-aligned needed"
    )


def preview_context(document: dict[str, Any], *, show_ids: bool) -> dict[str, Any]:
    """The preview's tables (shared by the scenario page and the change request's panel)."""
    before, after = document["before"], document["after"]

    def share(block: dict[str, Any]) -> str:
        return percent(100 * block["high_needs_share"])

    totals = DataTable(
        "preview-totals",
        "Aligned beneficiaries in the latest alignment run and with this change",
        ["Figure", "Now", "With this change", "Difference"],
        [
            ["Aligned beneficiaries", count(before["aligned"]), count(after["aligned"]),
             signed(after["aligned"] - before["aligned"])],
            ["Claims-aligned", count(before["claims_aligned"]), count(after["claims_aligned"]),
             signed(after["claims_aligned"] - before["claims_aligned"])],
            ["High Needs", count(before["high_needs"]), count(after["high_needs"]),
             signed(after["high_needs"] - before["high_needs"])],
            ["High Needs share", share(before), share(after), ""],
            ["Minimums", _minimums_text(before), _minimums_text(after), ""],
        ],
    )  # fmt: skip
    cohorts = sorted(set(document["gained_by_cohort"]) | set(document["lost_by_cohort"]))
    by_cohort = DataTable(
        "preview-cohorts",
        "Beneficiaries gained and lost, by cohort (the cohort of the latest run)",
        ["Cohort", "Gained", "Lost", "Net"],
        [
            [
                COHORT_LABELS.get(c, c),
                count(document["gained_by_cohort"].get(c, 0)),
                count(document["lost_by_cohort"].get(c, 0)),
                signed(document["gained_by_cohort"].get(c, 0) - document["lost_by_cohort"].get(c, 0)),
            ]
            for c in cohorts
        ],
    )
    others = services.other_aco_rows(document, show_ids=show_ids)
    other_table = DataTable(
        "preview-other-acos",
        "Other ACOs whose aligned population would change (counts only)",
        ["ACO", "Would gain", "Would lose", "Net"],
        [[o["label"], count(o["gains"]), count(o["losses"]), signed(o["net"])] for o in others],
    )
    return {"totals_table": totals, "cohort_table": by_cohort, "other_table": other_table, "other_rows": others}


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
            context.update(preview_context(document, show_ids=False))
            listed = [m["mbi"] for key in ("gained", "lost", "changed") for m in document[key][:LISTED]]
            names = services.mbi_names(listed)
            context.update(
                gained_table=_moves_table("preview-gained", "Gained from no ACO", document["gained"], names),
                lost_table=_moves_table("preview-lost", "Lost", document["lost"], names),
                changed_table=_moves_table(
                    "preview-changed", "Still aligned, another way (step or unit)", document["changed"], names
                ),
                listed=LISTED,
            )
            if listed:
                self.log("planning_preview", f"{scenario.pk}/v{version.number}", f"{len(listed)} beneficiaries listed")
            context.update(money_context(version, self.request.GET))
        return context


def money_context(version: ScenarioVersion, params: Any) -> dict[str, Any]:
    """The money preview's tables, sliders and fan chart (empty without a performance summary)."""
    found = services.money_preview(version=version, params=params)
    if found is None:
        return {"money": None}
    baseline, after, assumptions, today, outcome = found

    def dollars(value: Any) -> str:
        return money(value, cents=False)

    def row(label: str, a: Any, b: Any, fmt: Any = dollars) -> list[str]:
        return [label, fmt(a), fmt(b), signed_money(b - a) if fmt is dollars else signed(b - a)]

    mm_today = sum(c.member_months for c in baseline.cohorts)
    mm_after = sum(c.member_months for c in after.cohorts)
    scale = 12 / (baseline.months_seen or 12)
    p, q = today.point, outcome.point
    compare = DataTable(
        "money-compare",
        "Full-year estimate at the sliders' values (US$)",
        ["Figure", "Today's population", "This scenario", "Difference"],
        [
            row("Aligned beneficiaries", sum(c.beneficiaries for c in baseline.cohorts),
                sum(c.beneficiaries for c in after.cohorts), count),
            row("Member-months (full year)", round(mm_today * scale), round(mm_after * scale), count),
            row("Benchmark (after discount)", p.benchmark, q.benchmark),
            row("Spending", p.expenditure, q.expenditure),
            row("Quality withhold earned back", p.earned_back, q.earned_back),
            row("Gross savings (loss)", p.gross_savings, q.gross_savings),
            row("Shared savings (loss) after sequestration", p.shared_after_sequestration,
                q.shared_after_sequestration),
            row("Estimated settlement", p.settlement, q.settlement),
        ],
    )  # fmt: skip
    labels = {5: "5th percentile", 25: "25th percentile", 50: "Median", 75: "75th percentile", 95: "95th percentile"}
    spread = DataTable(
        "money-range",
        f"Estimated settlement over {outcome.draws:,} draws of the uncertain inputs (US$)",
        ["Outcome", "Today's population", "This scenario"],
        [[labels[k], dollars(today.percentiles[k]), dollars(outcome.percentiles[k])] for k in labels]
        + [
            [
                "Chance of shared savings",
                percent(100 * today.chance_of_savings),
                percent(100 * outcome.chance_of_savings),
            ]
        ],
    )
    months = [dt.date(int(m[:4]), int(m[5:]), 1).strftime("%b %Y") for m in outcome.months]
    fan = ChartBlock(
        "money-fan",
        "Cumulative benchmark minus spending through the performance year for this scenario: the shaded bands hold "
        "the middle 50% and 90% of the draws, the dashed line is their median, the solid line the months with claims "
        "at the sliders' values.",
        charts.fan_figure(outcome, title_months=months),
        DataTable(
            "money-fan-data",
            "Cumulative benchmark minus spending by month (US$)",
            ["Month", "5th percentile", "25th percentile", "Median", "75th percentile", "95th percentile",
             "Months with claims"],
            [
                [months[i], *(dollars(outcome.bands[k][i]) for k in (5, 25, 50, 75, 95)),
                 dollars(outcome.actual[i]) if i < outcome.seen else "—"]
                for i in range(len(months))
            ],
        ),
    )  # fmt: skip
    lo, hi, step = services.SLIDER_RANGES["spending"]
    sliders = [
        {"name": "trend_pct", "label": "Benchmark trend (% a year)", "value": assumptions.trend_pct,
         "range": services.SLIDER_RANGES["trend_pct"], "default": baseline.trend_pct},
        {"name": "tqs", "label": "Total Quality Score (0–100)", "value": assumptions.tqs,
         "range": services.SLIDER_RANGES["tqs"], "default": baseline.tqs if baseline.tqs is not None else 100.0},
        {"name": "risk_growth_pct", "label": "Risk score growth (%)", "value": assumptions.risk_growth_pct,
         "range": services.SLIDER_RANGES["risk_growth_pct"], "default": 0.0},
    ] + [
        {"name": f"spending_{c.cohort}", "label": f"Spending change, {c.label} (%)",
         "value": assumptions.spending(c.cohort), "range": (lo, hi, step), "default": 0.0}
        for c in baseline.cohorts if c.member_months
    ]  # fmt: skip
    return {
        "money": {
            "compare": compare,
            "spread": spread,
            "fan": fan,
            "sliders": sliders,
            "months_seen": baseline.months_seen,
            "run_id": baseline.run_id,
            "risk_option": assumptions.risk_option,
            "notes": list(q.notes),
        }
    }


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
                _form_errors(form, exc)
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
        response = HttpResponse(content_type="text/csv; charset=utf-8")
        name = f"scenario-{self.aco.aco_id}-{scenario.pk}-v{version.number}-beneficiaries.csv"
        response["Content-Disposition"] = f'attachment; filename="{name}"'
        writer = csv_writer(response)
        writer.writerow(["change", "mbi", "cohort", "high_needs", "before", "after"])
        rows = 0
        for key, label in (("gained", "gained"), ("lost", "lost"), ("changed", "aligned another way")):
            for m in document.get(key, []):
                writer.writerow(
                    [
                        label,
                        m["mbi"],
                        COHORT_LABELS.get(m["cohort"], m["cohort"]),
                        m["high_needs"],
                        m["before"],
                        m["after"],
                    ]
                )
                rows += 1
        self.log("planning_preview", f"{scenario.pk}/v{version.number}", f"{rows} rows", action=AccessLog.Action.EXPORT)
        return response


class VersionReportView(PlanningMixin, View):
    """The PDF report of a version: its changes, the alignment preview's figures and the money preview at the
    sliders' values in the query string (no beneficiary is named)."""

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        scenario = self.get_scenario()
        version = services.version_preview(self.get_version(scenario))
        data = report.write_pdf(
            scenario=scenario,
            version=version,
            money_ctx=money_context(version, request.GET) if version.preview else {"money": None},
            generated_at=timezone.now(),
            generated_by=request_user(request).display_name,
        )
        response = HttpResponse(data, content_type="application/pdf")
        name = f"scenario-{self.aco.aco_id}-{scenario.pk}-v{version.number}.pdf"
        response["Content-Disposition"] = f'attachment; filename="{name}"'
        return response
