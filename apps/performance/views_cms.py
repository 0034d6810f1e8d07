"""CMS pages of the performance pipeline: pipeline runs (start, follow live, resume), every ACO's
latest figures side by side with drill-down, and the benchmarks CMS published. CMS staff only
(anyone else gets 404); only CMS administrators write (reviewers read, and get 403 on a write)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied, ValidationError
from django.forms import Form
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import NoReverseMatch, reverse
from django.views import View
from django.views.generic import TemplateView

from apps.accounts.selectors import request_user
from apps.acos import selectors as aco_selectors
from apps.acos.mixins import CMSOnlyMixin, resolve_performance_year
from lead_portal.exports import csv_writer
from lead_portal.jobs import QueueUnavailable

from . import charts_cms, selectors_cms, services
from .forms import PipelineRunForm, PublishedBenchmarkForm
from .models import Cohort, PipelineRun, PipelineStep, PublishedBenchmark

WRITE_METHODS = ("POST", "PUT", "PATCH", "DELETE")


def money_url(aco_id: str) -> str | None:
    """The ACO's money page, or None while the portal has no such page."""
    try:
        return reverse("performance:money", kwargs={"aco_id": aco_id})
    except NoReverseMatch:
        return None


def display(kind: str, value: Any) -> str:
    """A comparison figure as the page shows it (money with its sign before the dollar sign)."""
    if value is None:
        return "—"
    if kind == "count":
        return f"{value:,}"
    if kind == "pct":
        return f"{'−' if value < 0 else ''}{abs(value):.1f}%"
    if kind in ("dollars", "dollars0"):
        places = 2 if kind == "dollars" else 0
        return f"{'−' if value < 0 else ''}${abs(value):,.{places}f}"
    if kind == "risk":
        return f"{value:.3f}"
    return f"{value:.1f}"


def attach_errors(form: Form, exc: ValidationError) -> None:
    """A service's field messages next to their fields (the rest in the form's summary)."""
    if hasattr(exc, "error_dict"):
        for field, errors in exc.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc.messages)


class CMSAdminWritesMixin(LoginRequiredMixin):
    """Writes are for CMS administrators: a reviewer's POST is refused (403) before its body is read.
    The services check the role again."""

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if request.method in WRITE_METHODS and request.user.is_authenticated and not request_user(request).is_cms_admin:
            raise PermissionDenied("Only CMS administrators change the performance pipeline.")
        return super().dispatch(request, *args, **kwargs)  # type: ignore[return-value]


# --------------------------------------------------------------------------------------------------
# Pipeline runs
# --------------------------------------------------------------------------------------------------
class PipelineRunListView(CMSOnlyMixin, CMSAdminWritesMixin, TemplateView):
    template_name = "performance/pipeline_runs.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        can_start = request_user(self.request).is_cms_admin
        form = kwargs.get("form")
        if form is None and can_start:
            form = PipelineRunForm(initial={"performance_year": aco_selectors.default_performance_year()})
        context.update(runs=list(selectors_cms.pipeline_run_list()[:50]), can_start=can_start, form=form)
        return context

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        form = PipelineRunForm(request.POST)
        if form.is_valid():
            py = form.cleaned_data["performance_year"]
            try:
                run = services.pipeline_run_request(
                    performance_year=py,
                    as_of=form.cleaned_data["as_of"],
                    acting_user=request_user(request),
                    trigger=PipelineRun.Trigger.PAGE,
                )
            except ValidationError as exc:
                attach_errors(form, exc)
            except QueueUnavailable as exc:
                # The run exists, failed with the reason: its page offers Resume.
                messages.error(request, str(exc))
                return redirect("pipeline:runs")
            else:
                messages.success(request, f"Pipeline run {run.pk} for PY{py} started.")
                return redirect("pipeline:run_detail", pipeline_run_id=run.pk)
        return self.render_to_response(self.get_context_data(form=form), status=400)


class PipelineRunDetailView(CMSOnlyMixin, TemplateView):
    """The run's progress; while it runs, htmx asks for the progress part again every second."""

    template_name = "performance/pipeline_run_detail.html"

    def get_template_names(self) -> list[str]:
        if self.request.headers.get("HX-Request"):
            return ["performance/pipeline_run_progress.html"]
        return [self.template_name]

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        run = selectors_cms.pipeline_run_get(pipeline_run_id=kwargs["pipeline_run_id"])
        summaries = []
        if run.status == PipelineRun.Status.SUCCEEDED:
            for row in selectors_cms.pipeline_run_summaries(run=run):
                summaries.append(
                    {
                        **row,
                        "settlement_text": display("dollars0", row["estimated_settlement"]),
                        "money_url": money_url(row["aco_id"]),
                    }
                )
        steps = list(run.steps.all())
        stalled = services.pipeline_run_stalled(run=run, steps=steps)
        context.update(
            run=run,
            steps=steps,
            failed_step=selectors_cms.pipeline_run_failed_step(run=run),
            stalled=stalled,
            summaries=summaries,
            can_resume=request_user(self.request).is_cms_admin
            and (run.status == PipelineRun.Status.FAILED or bool(stalled)),
            summaries_step=PipelineStep.Name.SUMMARIES,
        )
        return context


class PipelineRunResumeView(CMSOnlyMixin, CMSAdminWritesMixin, View):
    http_method_names = ["post"]

    def post(self, request: HttpRequest, pipeline_run_id: int) -> HttpResponse:
        run = selectors_cms.pipeline_run_get(pipeline_run_id=pipeline_run_id)
        try:
            services.pipeline_run_resume(run_id=run.pk, acting_user=request_user(request))
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        except QueueUnavailable as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, f"Pipeline run {run.pk} resumes where it stopped.")
        return redirect("pipeline:run_detail", pipeline_run_id=run.pk)


# --------------------------------------------------------------------------------------------------
# All ACOs side by side
# --------------------------------------------------------------------------------------------------
class CompareView(CMSOnlyMixin, TemplateView):
    template_name = "performance/cms_compare.html"

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        py = resolve_performance_year(request.GET.get("py"))
        key, descending = selectors_cms.parse_sort(request.GET.get("sort"))
        sort = f"-{key}" if descending else key
        rows = selectors_cms.comparison(performance_year=py, sort=sort)
        if request.GET.get("format") == "csv":
            return self.csv_response(py, rows)
        return self.render_to_response(
            self.get_context_data(performance_year=py, rows=rows, sort_key=key, descending=descending, sort=sort)
        )

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        py: int = kwargs["performance_year"]
        rows: list[selectors_cms.ComparisonRow] = kwargs["rows"]
        key, descending = kwargs["sort_key"], kwargs["descending"]
        headers = []
        for name, label in [("aco", "ACO"), *((c.key, c.label) for c in selectors_cms.COLUMNS)]:
            current = name == key
            # A click on the current column turns the order round; a new column starts ascending.
            next_sort = name if not current or descending else f"-{name}"
            aria = ("descending" if descending else "ascending") if current else ""
            headers.append({"key": name, "label": label, "sort": next_sort, "aria_sort": aria})
        context.update(
            performance_years=aco_selectors.performance_years(),
            headers=headers,
            table=[
                {
                    "row": r,
                    "cells": [display(c.kind, v) for c, v in r.cells()],
                    "money_url": money_url(r.aco_id),
                }
                for r in rows
            ],
            latest_run=selectors_cms.pipeline_run_list(performance_year=py)
            .filter(status=PipelineRun.Status.SUCCEEDED)
            .first(),
            settlement_figure=charts_cms.settlement_figure(rows),
            pbpm_figure=charts_cms.pbpm_figure(rows),
            chart_rows=[
                {
                    "aco_id": r.aco_id,
                    "settlement": display("dollars0", r.values["settlement"]),
                    "pbpm": display("dollars", r.values["pbpm"]),
                    "benchmark_pbpm": display("dollars", r.values["benchmark_pbpm"]),
                }
                for r in sorted(rows, key=lambda r: r.aco_id)
            ],
        )
        return context

    def csv_response(self, py: int, rows: list[selectors_cms.ComparisonRow]) -> HttpResponse:
        response = HttpResponse(content_type="text/csv; charset=utf-8")
        # The header first (no note above it): the money columns say "estimate", and so does the name.
        response["Content-Disposition"] = f'attachment; filename="lead-aco-comparison-py{py}-estimates.csv"'
        writer = csv_writer(response)
        writer.writerow(
            ["ACO", "Name", "Pipeline run", "Claims through", *(c.long_label for c in selectors_cms.COLUMNS)]
        )
        for r in rows:
            writer.writerow(
                [
                    r.aco_id,
                    r.name,
                    r.run_id,
                    r.claims_through or "",
                    *("" if v is None else v for _, v in r.cells()),
                ]
            )
        return response


# --------------------------------------------------------------------------------------------------
# Published benchmarks
# --------------------------------------------------------------------------------------------------
class PublishedBenchmarksView(CMSOnlyMixin, CMSAdminWritesMixin, TemplateView):
    template_name = "performance/cms_benchmarks.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        py = resolve_performance_year(self.request.GET.get("py") or self.request.POST.get("performance_year"))
        can_edit = request_user(self.request).is_cms_admin
        form = kwargs.get("form")
        if form is None and can_edit:
            form = PublishedBenchmarkForm(initial={"performance_year": py})
        context.update(
            performance_year=py,
            performance_years=aco_selectors.performance_years(),
            benchmarks=list(selectors_cms.published_benchmark_list(performance_year=py)),
            can_edit=can_edit,
            form=form,
        )
        return context

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        user = request_user(request)
        if "remove" in request.POST:
            item = PublishedBenchmark.objects.select_related("aco").filter(pk=_int(request.POST["remove"])).first()
            if item is None:
                messages.error(request, "That published benchmark is no longer there.")
                return redirect(reverse("pipeline:benchmarks"))
            services.published_benchmark_set(
                aco=item.aco,
                performance_year=item.performance_year,
                cohort=item.cohort,
                pbpm=None,
                source="",
                acting_user=user,
            )
            messages.success(
                request,
                f"Removed the published {item.get_cohort_display()} benchmark of {item.aco.aco_id} for "
                f"PY{item.performance_year}; the next pipeline run estimates it again.",
            )
            return redirect(f"{reverse('pipeline:benchmarks')}?py={item.performance_year}")
        form = PublishedBenchmarkForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                services.published_benchmark_set(
                    aco=data["aco"],
                    performance_year=data["performance_year"],
                    cohort=data["cohort"],
                    pbpm=data["pbpm"],
                    source=data["source"],
                    acting_user=user,
                )
            except ValidationError as exc:
                attach_errors(form, exc)
            else:
                py = data["performance_year"]
                messages.success(
                    request,
                    f"Saved the published {Cohort(data['cohort']).label} benchmark of {data['aco'].aco_id} for "
                    f"PY{py}: ${data['pbpm']:,} PBPM. It takes effect at the next pipeline run of PY{py}.",
                )
                return redirect(f"{reverse('pipeline:benchmarks')}?py={py}")
        return self.render_to_response(self.get_context_data(form=form), status=400)


def _int(value: str) -> int:
    try:
        return int(value)
    except ValueError:
        return 0
