"""Alignment pages: the ACO's aligned beneficiaries (list, detail with the explanation, churn, by
TIN, ALR exports) and, for CMS staff, alignment runs with their progress."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.views.generic import TemplateView

from apps.accounts.models import AccessLog
from apps.accounts.selectors import request_user
from apps.accounts.services import access_log_record
from apps.acos import selectors as aco_selectors
from apps.acos.mixins import ACOScopedMixin, CMSOnlyMixin
from apps.acos.models import ACO, ParticipantTIN
from apps.risk import selectors as risk_selectors
from apps.risk.models import RecaptureGap
from lead_portal.exports import csv_writer
from lead_portal.jobs import QueueUnavailable

from . import charts, selectors, services
from .explain import explain
from .models import AlignedBeneficiary, AlignmentExport, AlignmentRun

PAGE_SIZE = 50
SORT_CHOICES = [
    ("mbi", "MBI"),
    ("name", "Name (A–Z)"),
    ("-name", "Name (Z–A)"),
    ("cohort", "Cohort"),
    ("type", "Alignment type"),
    ("tin", "Aligning TIN/CCN"),
    ("step", "Step"),
]


class RunMixin(ACOScopedMixin):
    """Resolves the alignment run the page shows (``?run=`` or the PY's latest)."""

    nav = "beneficiaries"
    run: AlignmentRun | None
    request: HttpRequest

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        self.run = selectors.run_for_view(performance_year=self.performance_year, run_id=self.request.GET.get("run"))
        context.update(
            run=self.run,
            runs=list(selectors.succeeded_runs(performance_year=self.performance_year)[:20]),
        )
        return context


def _names(aco: ACO, performance_year: int, keys: list[str]) -> dict[str, str]:
    """Display names for entity keys in explanations: the ACO's own name and its Participant TINs' legal
    names (never another ACO's: see ``selectors.explanation_for``)."""
    names = dict(ACO.objects.filter(pk=aco.pk, aco_id__in=keys).values_list("aco_id", "legal_name"))
    names.update(
        ParticipantTIN.objects.filter(aco=aco, performance_year=performance_year, tin__in=keys).values_list(
            "tin", "legal_name"
        )
    )
    return names


class BeneficiaryListView(RunMixin, TemplateView):
    template_name = "alignment/beneficiaries.html"

    def get_template_names(self) -> list[str]:
        if self.request.headers.get("HX-Request") and self.request.headers.get("HX-Target") == "list-results":
            return ["alignment/_beneficiary_results.html"]
        return [self.template_name]

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        get = self.request.GET
        filters = {
            "search": get.get("q", "").strip()[:60],
            "cohort": get.get("cohort", ""),
            "alignment_type": get.get("type", ""),
            "tin": get.get("tin", "").strip()[:9],
            "high_needs": get.get("high_needs", ""),
            "sort": get.get("sort", "mbi"),
        }
        context.update(
            filters=filters,
            cohorts=AlignedBeneficiary.Cohort.choices,
            types=AlignedBeneficiary.Type.choices,
            sort_choices=SORT_CHOICES,
        )
        if self.run is None:
            return context
        # The list shows no explanations: leave the large JSON documents in the database.
        qs = selectors.aligned_list(aco=self.aco, run=self.run, **filters).defer("explanation", "high_needs_criteria")
        summary = selectors.run_summary(aco=self.aco, run=self.run)
        filtered = any(v for k, v in filters.items() if k != "sort")
        paginator = Paginator(qs, PAGE_SIZE)
        if not filtered:
            paginator.__dict__["count"] = summary["total"]  # known already: no COUNT(*) over the run
        page = paginator.get_page(get.get("page"))
        context.update(
            page=page,
            summary=summary,
            units=selectors.aligning_units(aco=self.aco, run=self.run),
            minimums=selectors.minimums_status(aco=self.aco, performance_year=self.performance_year, run=self.run),
            exports=selectors.export_list(aco=self.aco)[:5],
            filtered=filtered,
        )
        shown = ", ".join(f"{k}={v!r}" for k, v in filters.items() if v and k != "sort")
        self.log("aligned_beneficiaries", f"run {self.run.pk}", f"page {page.number} {shown}")
        return context


class BeneficiaryDetailView(RunMixin, TemplateView):
    template_name = "alignment/beneficiary_detail.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        if self.run is None:
            raise Http404("Alignment has not been computed for this performance year.")
        row = selectors.aligned_get(aco=self.aco, run=self.run, mbi=self.kwargs["mbi"])
        explanation = selectors.explanation_for(aco=self.aco, explanation=row.explanation)
        competitors = explanation.get("competitors") or []
        keys = [c["key"] for c in competitors] + [row.tin]
        names = _names(self.aco, self.performance_year, keys)
        data = {
            "alignment_type": row.alignment_type,
            "step": row.step,
            "tin": row.tin,
            "unit_kind": row.unit_kind,
            "npi": row.npi,
            "effective_from": row.effective_from.isoformat() if row.effective_from else None,
            "added_midyear": row.added_midyear,
            "explanation": explanation,
        }
        context.update(
            row=row,
            sentences=explain(data, aco_id=self.aco.aco_id, names=names),
            competitors=[dict(c, label=names.get(c["key"], "")) for c in competitors],
            figure=charts.competitors_figure(competitors, names, aco_id=self.aco.aco_id) if competitors else None,
            history=list(selectors.aligned_history(aco=self.aco, mbi=row.mbi)[:12]),
            record=selectors.beneficiary_record(mbi=row.mbi),
            not_evaluated=self.run.counts.get("high_needs_not_evaluated", []),
            **_risk_context(self.run, row.mbi),
        )
        self.log("aligned_beneficiary", row.mbi, f"run {self.run.pk}")
        return context


def _risk_context(run: AlignmentRun, mbi: str) -> dict[str, Any]:
    """The beneficiary's risk scores (every score year) and the condition categories behind the PY's score,
    from the risk run the alignment run used, else the PY's latest."""
    risk_run = run.risk_run or risk_selectors.latest_run(performance_year=run.performance_year)
    if risk_run is None:
        return {"risk_run": None}
    scores = list(risk_selectors.beneficiary_scores(run=risk_run, mbi=mbi))
    current = next((s for s in scores if s.score_year == run.performance_year), None)
    hccs = list(risk_selectors.beneficiary_hccs(run=risk_run, mbi=mbi, score_year=run.performance_year))
    return {"risk_run": risk_run, "risk_scores": scores, "risk_current": current, "risk_hccs": hccs}


class RecaptureMixin(RunMixin):
    def filters(self) -> dict[str, str]:
        get = self.request.GET
        return {
            "tin": get.get("tin", "").strip()[:10],
            "npi": get.get("npi", "").strip()[:10],
            "hcc": get.get("hcc", "").strip()[:6],
        }


class RecaptureGapsView(RecaptureMixin, TemplateView):
    """The recapture worklist: HCCs coded two years back and not since, per aligned beneficiary, by
    aligning TIN and NPI, with the claim that last showed each (docs/risk.md)."""

    template_name = "alignment/recapture.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        filters = self.filters()
        context["filters"] = filters
        if self.run is None:
            return context
        risk_run = selectors.recapture_risk_run(run=self.run)
        context["risk_run"] = risk_run
        if risk_run is None:
            return context
        gaps = selectors.recapture_gaps(aco=self.aco, run=self.run, risk_run=risk_run, **filters)
        page = Paginator(gaps, PAGE_SIZE).get_page(self.request.GET.get("page"))
        people = {
            a.mbi: a
            for a in AlignedBeneficiary.objects.filter(
                run=self.run, aco=self.aco, mbi__in=[g.mbi for g in page.object_list]
            ).only("mbi", "first_name", "last_name", "tin", "unit_kind", "npi")
        }
        query = self.request.GET.copy()
        query.pop("page", None)
        context.update(
            page=page,
            rows=[(g, people.get(g.mbi)) for g in page.object_list],
            summary=selectors.recapture_summary(gaps),
            whole=selectors.recapture_summary(selectors.recapture_gaps(aco=self.aco, run=self.run, risk_run=risk_run)),
            units=selectors.recapture_by_unit(aco=self.aco, run=self.run, risk_run=risk_run),
            filtered=any(filters.values()),
            list_query=query.urlencode(),
        )
        shown = ", ".join(f"{k}={v!r}" for k, v in filters.items() if v)
        self.log("recapture_gaps", f"run {self.run.pk}", f"risk run {risk_run.pk} page {page.number} {shown}")
        return context


RECAPTURE_COLUMNS = (
    "mbi", "last_name", "first_name", "aligning_unit", "aligning_npi", "hcc", "hcc_label", "coefficient",
    "model", "last_diagnosis", "last_service_date", "last_claim_id", "cclf_file",
)  # fmt: skip


class RecaptureGapsExportView(RecaptureMixin, TemplateView):
    """The worklist as filtered, as CSV (formula-safe), stamped with the runs it comes from."""

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        self.run = selectors.run_for_view(performance_year=self.performance_year, run_id=request.GET.get("run"))
        if self.run is None:
            raise Http404("Alignment has not been computed for this performance year.")
        risk_run = selectors.recapture_risk_run(run=self.run)
        filters = self.filters()
        # No risk scores yet: the worklist is empty (the header row alone).
        gaps = (
            selectors.recapture_gaps(aco=self.aco, run=self.run, risk_run=risk_run, **filters)
            if risk_run is not None
            else RecaptureGap.objects.none()
        )
        people: dict[str, dict[str, Any]] = {
            a["mbi"]: dict(a)
            for a in AlignedBeneficiary.objects.filter(run=self.run, aco=self.aco)
            .values("mbi", "first_name", "last_name", "tin", "npi")
            .iterator(chunk_size=5000)
        }
        risk = f"-risk{risk_run.pk}" if risk_run is not None else ""
        name = f"recapture-gaps-{self.aco.aco_id}-PY{self.performance_year}-run{self.run.pk}{risk}.csv"
        response = HttpResponse(content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="{name}"'
        writer = csv_writer(response)
        writer.writerow(RECAPTURE_COLUMNS)
        for g in gaps.iterator(chunk_size=5000):
            a: dict[str, Any] = people.get(g.mbi, {})
            writer.writerow(
                [
                    g.mbi, a.get("last_name", ""), a.get("first_name", ""), a.get("tin", ""), a.get("npi", ""),
                    g.hcc, g.label, "" if g.coefficient is None else f"{g.coefficient:.3f}", g.model, g.diagnosis,
                    g.service_date.isoformat() if g.service_date else "", g.claim_id or "", g.source,
                ]
            )  # fmt: skip
        shown = ", ".join(f"{k}={v!r}" for k, v in filters.items() if v)
        self.log("recapture_gaps", f"run {self.run.pk}", f"CSV {shown}".strip(), action=AccessLog.Action.EXPORT)
        return response


class ChurnView(RunMixin, TemplateView):
    template_name = "alignment/churn.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        if self.run is not None:
            base = selectors.previous_run(run=self.run)
            wanted = self.request.GET.get("base")
            if wanted:
                base = (
                    AlignmentRun.objects.filter(
                        pk=wanted if wanted.isdigit() else 0, status=AlignmentRun.Status.SUCCEEDED
                    )
                    .exclude(pk=self.run.pk)
                    .first()
                    or base
                )
            found = selectors.churn(aco=self.aco, run=self.run, base=base)
            context.update(
                churn=found,
                sections=[
                    ("Joined", found.joined, found.joined_count, "churn-joined"),
                    ("Left", found.left, found.left_count, "churn-left"),
                    ("Stayed, aligned another way", found.stayed_changed, len(found.stayed_changed), "churn-changed"),
                ],
                base_choices=AlignmentRun.objects.filter(status=AlignmentRun.Status.SUCCEEDED)
                .exclude(pk=self.run.pk)
                .order_by("-finished_at")[:20],
            )
            self.log("alignment_churn", f"run {self.run.pk}", f"base {base.pk if base else '-'}")
        return context


class ByUnitView(RunMixin, TemplateView):
    template_name = "alignment/by_tin.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        if self.run is not None:
            rows = selectors.by_unit(aco=self.aco, run=self.run)
            shown = [r for r in rows if r.total][:30]
            context.update(
                rows=rows,
                figure=charts.counts_figure(
                    [r.unit for r in shown],
                    {
                        "Aged & Disabled": [r.aged_disabled for r in shown],
                        "ESRD": [r.esrd for r in shown],
                        "High Needs": [r.high_needs for r in shown],
                    },
                )
                if shown
                else None,
            )
        return context


class ExportView(RunMixin, TemplateView):
    """GET: the ACO's recent exports (polled while one builds). POST: request a new one. Building
    an export only reads, so read-only analysts may do it too."""

    template_name = "alignment/exports.html"
    write_methods = ("PUT", "PATCH", "DELETE")

    def get_template_names(self) -> list[str]:
        if self.request.headers.get("HX-Request"):
            return ["alignment/_export_list.html"]
        return [self.template_name]

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        exports = list(selectors.export_list(aco=self.aco))
        context.update(exports=exports, building=any(e.status in ("requested", "running") for e in exports))
        return context

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        run = selectors.run_for_view(performance_year=self.performance_year, run_id=request.POST.get("run"))
        url = reverse("alignment:exports", kwargs={"aco_id": self.aco.aco_id}) + f"?py={self.performance_year}"
        if run is None:
            messages.error(request, "There is no alignment to export for this performance year yet.")
            return redirect(url)
        try:
            export = services.alignment_export_request(
                aco=self.aco, run=run, fmt=request.POST.get("format", ""), acting_user=request_user(request)
            )
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
            return redirect(url)
        except QueueUnavailable as exc:  # the export is listed as failed, with the same reason
            messages.error(request, str(exc))
            return redirect(url)
        messages.success(
            request,
            f"Building the {export.get_format_display()} list of aligned beneficiaries; it appears below when ready.",
        )
        return redirect(url)


class ExportDownloadView(ACOScopedMixin, TemplateView):
    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> FileResponse:  # type: ignore[override]
        export = selectors.export_get(aco=self.aco, export_id=kwargs["export_id"])
        if export.status != AlignmentExport.Status.READY or not export.file:
            raise Http404("This export is not ready.")
        access_log_record(
            request=request,
            action=AccessLog.Action.EXPORT,
            object_type="aligned_beneficiaries",
            object_id=f"run {export.run_id}",
            aco_code=self.aco.aco_id,
            detail=f"{export.format} export {export.pk}, {export.row_count} rows",
        )
        return FileResponse(export.file.open("rb"), as_attachment=True, filename=export.file_name)


# --------------------------------------------------------------------------------------------------
# CMS: alignment runs
# --------------------------------------------------------------------------------------------------
class RunListView(CMSOnlyMixin, TemplateView):
    template_name = "alignment/runs.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context.update(
            runs=list(selectors.run_list()[:50]),
            performance_years=aco_selectors.performance_years(),
            default_year=aco_selectors.default_performance_year(),
            can_start=request_user(self.request).is_cms_admin,
            errors=kwargs.get("errors", {}),
        )
        return context

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        user = request_user(request)
        errors: dict[str, str] = {}
        try:
            py = int(request.POST.get("performance_year", ""))
        except ValueError:
            py = 0
        as_of = None
        if request.POST.get("as_of"):
            try:
                as_of = dt.date.fromisoformat(request.POST["as_of"])
            except ValueError:
                errors["as_of"] = "Enter the date as YYYY-MM-DD."
        if not errors:
            try:
                run = services.alignment_run_request(performance_year=py, as_of=as_of, acting_user=user)
            except ValidationError as exc:
                errors.update({k: " ".join(v) for k, v in exc.message_dict.items()})
            except QueueUnavailable as exc:  # the run is listed as failed, with the same reason
                messages.error(request, str(exc))
                return redirect("alignment:runs")
            else:
                messages.success(request, f"Alignment run {run.pk} for PY{py} is queued.")
                return redirect("alignment:run_detail", run_id=run.pk)
        return self.render_to_response(self.get_context_data(errors=errors), status=400)


class RunDetailView(CMSOnlyMixin, TemplateView):
    template_name = "alignment/run_detail.html"

    def get_template_names(self) -> list[str]:
        if self.request.headers.get("HX-Request"):
            return ["alignment/_run_progress.html"]
        return [self.template_name]

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        run = selectors.run_get(run_id=kwargs["run_id"])
        acos = dict(ACO.objects.values_list("aco_id", "legal_name"))
        context.update(
            run=run,
            parts=list(run.parts.order_by("index")) if run.shards > 1 else [],
            aco_counts=[
                (aco_id, acos.get(aco_id, ""), counts) for aco_id, counts in sorted(run.counts.get("acos", {}).items())
            ],
        )
        return context
