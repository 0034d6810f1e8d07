"""Pages for an ACO's CAHPS and eCQM results: the year's current results with how each counts, the
history of every upload, and the upload itself (ACO administrators). Rules live in ``services``."""

from __future__ import annotations

import datetime as dt
from typing import Any
from urllib.parse import quote

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Prefetch, QuerySet
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBadRequest, HttpResponseRedirect, QueryDict
from django.urls import reverse
from django.views import View
from django.views.generic import TemplateView

from apps.accounts.models import AccessLog
from apps.accounts.selectors import request_user
from apps.acos.mixins import ACOScopedMixin
from apps.acos.selectors import portal_today
from lead_portal import formatting
from lead_portal.exports import Sheet, table_download

from . import charts, selectors, services
from .forms import CareGapForm, SubmissionUploadForm
from .models import (
    MANUAL_CLOSE_REASONS,
    CareGap,
    CareGapEvent,
    CareGapItem,
    CloseReason,
    GapStatus,
    MeasureCode,
    QualityRun,
    QualitySubmission,
)


class SubmissionsMixin(ACOScopedMixin):
    nav = "quality"
    request: HttpRequest

    def submissions_url(self) -> str:
        url = reverse("quality:submissions", kwargs={"aco_id": self.aco.aco_id})
        return f"{url}?py={self.performance_year}"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context.update(
            submissions_url=self.submissions_url(),
            ecqm_phase_label=selectors.PHASE_LABELS[selectors.ecqm_phase(performance_year=self.performance_year)],
            columns=services.COLUMNS,
            uploadable=QualitySubmission.Measure.choices,
        )
        return context


class SubmissionsView(SubmissionsMixin, TemplateView):
    template_name = "quality/submissions.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context.update(
            results=selectors.submissions_current(aco=self.aco, performance_year=self.performance_year),
            history=selectors.submissions_history(aco=self.aco, performance_year=self.performance_year),
        )
        return context


class SubmissionUploadView(SubmissionsMixin, TemplateView):
    template_name = "quality/submissions_upload.html"
    editors_only = True

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context.setdefault("form", SubmissionUploadForm())
        return context

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        form = SubmissionUploadForm(request.POST, request.FILES)
        if not form.is_valid():
            return self.render_to_response(self.get_context_data(form=form), status=400)
        upload = form.cleaned_data["file"]
        outcome = services.submissions_upload(
            aco=self.aco,
            performance_year=self.performance_year,
            data=upload,  # read by the service, its size checked first
            filename=upload.name,
            acting_user=request_user(request),
        )
        if outcome.errors:
            return self.render_to_response(
                self.get_context_data(form=SubmissionUploadForm(), row_errors=outcome.errors, filename=upload.name),
                status=400,
            )
        messages.success(request, outcome.message)
        return HttpResponseRedirect(self.submissions_url())


# --------------------------------------------------------------------------------------------------
# Results: overview, a measure's members, care gaps
# --------------------------------------------------------------------------------------------------
class QualityRunMixin(ACOScopedMixin):
    nav = "quality"
    request: HttpRequest
    run: QualityRun | None

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        self.run = selectors.quality_run_for_view(
            performance_year=self.performance_year, run_id=self.request.GET.get("run")
        )
        context.update(run=self.run, runs=list(selectors.quality_runs(performance_year=self.performance_year)[:20]))
        return context


def _unit(row: selectors.MeasureRow) -> str:
    return row.definition.unit if row.definition else ""


class QualityOverviewView(QualityRunMixin, TemplateView):
    template_name = "quality/overview.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        if self.run is None:
            return context
        rows = selectors.measure_rows(aco=self.aco, run=self.run)
        charted = [
            {
                "name": r.name,
                "unit": _unit(r),
                "deciles": r.definition.deciles,
                "rate": r.result.score_rate if r.result else None,
                "higher_is_better": r.higher_is_better,
                "points": r.result.points if r.result else None,
            }
            for r in rows
            if r.definition and r.definition.deciles
        ]
        trend = selectors.measure_trend(aco=self.aco, performance_year=self.performance_year)
        names = {r.code: r.name for r in rows}
        series = {
            names.get(code, code): [rates.get(code) for _, rates in trend]
            for code in selectors.MEASURE_ORDER
            if any(code in rates for _, rates in trend)
        }
        context.update(
            rows=rows,
            score=selectors.quality_score(aco=self.aco, run=self.run),
            deciles_figure=charts.deciles_figure(charted) if charted else None,
            trend_figure=charts.trend_figure([f"Run {r.pk}" for r, _ in trend], series)
            if len(trend) > 1 and series
            else None,
            gap_count=selectors.care_gap_items(aco=self.aco, performance_year=self.performance_year).count(),
        )
        return context


class MeasureDetailView(QualityRunMixin, TemplateView):
    """A measure's figure and the beneficiaries (and claims) behind it."""

    template_name = "quality/measure_detail.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        if self.run is None:
            raise Http404("Quality has not been computed for this performance year.")
        row = selectors.measure_row(aco=self.aco, run=self.run, measure=self.kwargs["measure"])
        role = self.request.GET.get("role", "")
        search = self.request.GET.get("q", "").strip()[:11]
        members = selectors.measure_members(aco=self.aco, run=self.run, measure=row.code, role=role, search=search)
        page = Paginator(members, 50).get_page(self.request.GET.get("page"))
        page.object_list = list(page.object_list)
        for member in page.object_list:
            setattr(member, "value_text", member_value(row.code, member.role, member.value))  # noqa: B010
        figure = None
        if row.definition and row.definition.deciles and row.result:
            figure = charts.deciles_figure(
                [
                    {
                        "name": row.name,
                        "unit": _unit(row),
                        "deciles": row.definition.deciles,
                        "rate": row.result.score_rate,
                        "higher_is_better": row.higher_is_better,
                        "points": row.result.points,
                    }
                ]
            )
        context.update(row=row, page=page, role=role, search=search, unit=_unit(row), deciles_figure=figure)
        self.log("quality_measure_members", f"run {self.run.pk} {row.code}", f"page {page.number} role {role!r}")
        return context


# What a member row's value is, by measure and role (apps.quality.engine): its unit, or a format with
# the number in it.
MEMBER_VALUES: dict[tuple[str, str], str] = {
    ("acr", "denominator"): "{}% expected readmission risk",
    ("acr", "numerator"): "{} days after discharge",
    ("uamcc", "denominator"): "{} person-years",
    ("dah", "denominator"): "{} days at home",
    ("dah", "event"): "{} days in a facility",
    ("tfu", "denominator"): "{}-day follow-up window",
    ("tfu", "numerator"): "followed up after {} days",
    ("tfu", "event"): "{}-day follow-up window",
}


def member_value(measure: str, role: str, value: float | None) -> str:
    """A member row's value with what it is ("16.67% expected readmission risk"), two decimals at most."""
    if value is None:
        return formatting.MISSING
    shown = formatting.number(value)
    template = MEMBER_VALUES.get((measure, role))
    return template.format(shown) if template else shown


def _due(value: str | None) -> dt.date | None:
    try:
        return dt.date.fromisoformat(value) if value else None
    except ValueError:
        return None


class CareGapsMixin(QualityRunMixin):
    def filters(self) -> dict[str, Any]:
        get = self.request.GET
        status = get.get("status", "")
        return {
            "status": status if status in {v for v, _ in selectors.STATUS_FILTERS} else "",
            "assignee": get.get("assignee", "").strip()[:150],
            "tin": get.get("tin", "").strip()[:9],
            "gap_type": get.get("type", ""),
            "due_from": _due(get.get("due_from")),
            "due_to": _due(get.get("due_to")),
            "search": get.get("q", "").strip()[:40],
        }

    def items(self) -> QuerySet[CareGapItem]:
        return selectors.care_gap_items(
            aco=self.aco, performance_year=self.performance_year, user=request_user(self.request), **self.filters()
        )


class CareGapsView(CareGapsMixin, TemplateView):
    """The ACO's care-gap worklist for a year: every gap the quality runs found, with its status,
    assignee and due date; filters; bulk assignment (ACO administrators)."""

    template_name = "quality/care_gaps.html"

    def get_template_names(self) -> list[str]:
        if self.request.headers.get("HX-Request") and self.request.headers.get("HX-Target") == "list-results":
            return ["quality/_care_gap_results.html"]
        return [self.template_name]

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        filters = self.filters()
        context.update(
            filters=filters,
            gap_types=CareGap.GapType.choices,
            status_filters=selectors.STATUS_FILTERS,
            assignees=list(selectors.care_gap_assignees(aco=self.aco)),
        )
        # The worklist spans the year's runs: it follows the latest one, whatever run was picked elsewhere.
        self.run = selectors.latest_quality_run(performance_year=self.performance_year)
        context["run"] = self.run
        if self.run is None:
            return context
        page = Paginator(self.items(), 50).get_page(self.request.GET.get("page"))
        query = self.request.GET.copy()
        query.pop("page", None)
        context.update(
            page=page,
            units=selectors.care_gap_item_units(aco=self.aco, performance_year=self.performance_year),
            filtered=any(v for k, v in filters.items()),
            query=self.request.GET.urlencode(),
            list_query=query.urlencode(),
            today=portal_today(),
            run_changes=selectors.care_gap_run_changes(aco=self.aco, run=self.run),
        )
        self.log("care_gaps", f"worklist PY{self.performance_year}", f"page {page.number}")
        return context


def _list_url(aco_id: str, query: str) -> str:
    """The worklist with the filters it was showing (a query string, re-encoded: never a redirect target)."""
    params = QueryDict(query[:2000], mutable=True)
    params.pop("page", None)
    url = reverse("quality:care_gaps", kwargs={"aco_id": aco_id})
    encoded = params.urlencode()
    return f"{url}?{encoded}" if encoded else url


class CareGapsAssignView(CareGapsMixin, View):
    """Bulk assignment: the selected gaps of the worklist to one of the ACO's users, or to no one."""

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        back = _list_url(self.aco.aco_id, request.POST.get("list_query", ""))
        try:
            ids = [int(v) for v in request.POST.getlist("ids")]
        except ValueError:
            return HttpResponseBadRequest("A selected care gap is not a number.")
        choice = request.POST.get("assignee", "")
        if not ids:
            messages.error(request, "Select at least one care gap to assign.")
            return HttpResponseRedirect(back)
        if not choice:
            messages.error(request, "Choose who to assign the selected care gaps to.")
            return HttpResponseRedirect(back)
        assignee = None
        if choice != selectors.ASSIGNEE_NONE:
            assignee = selectors.care_gap_assignees(aco=self.aco).filter(username=choice).first()
            if assignee is None:
                return HttpResponseBadRequest(f"{choice} is not a user of {self.aco.aco_id}.")
        changed = services.care_gaps_assign(
            aco=self.aco, item_ids=ids, assignee=assignee, acting_user=request_user(request)
        )
        who = assignee.display_name if assignee else "no one"
        plural = "" if len(set(ids)) == 1 else "s"
        if changed == len(set(ids)):
            messages.success(request, f"{changed} care gap{plural} assigned to {who}.")
        else:
            messages.success(
                request,
                f"{len(set(ids))} care gap{plural} selected: {changed} newly assigned to {who}, "
                "the others already were.",
            )
        return HttpResponseRedirect(back)


class CareGapDetailView(CareGapsMixin, TemplateView):
    """One care gap: what it is and the claim that opened it, its status, assignee, due date and
    notes (ACO administrators change them here), and its history."""

    template_name = "quality/care_gap_detail.html"

    def get_item(self) -> CareGapItem:
        return selectors.care_gap_item_get(aco=self.aco, item_id=self.kwargs["gap_id"])

    def form_for(self, item: CareGapItem, data: Any = None) -> CareGapForm:
        initial = {
            "status": item.status,
            "close_reason": item.close_reason if item.close_reason in MANUAL_CLOSE_REASONS else "",
            "close_note": item.close_note if item.close_reason in MANUAL_CLOSE_REASONS else "",
            "assignee": item.assignee.get_username() if item.assignee else None,
            "due_date": item.due_date,
        }
        return CareGapForm(data, initial=initial, assignees=selectors.care_gap_assignees(aco=self.aco))

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        item = kwargs.get("item") or self.get_item()
        events = list(selectors.care_gap_events(item=item))
        context.update(
            item=item,
            form=kwargs.get("form") or self.form_for(item),
            events=events,
            notes=[e for e in reversed(events) if e.kind == CareGapEvent.Kind.NOTE],
            measure_name=dict(MeasureCode.choices).get(item.measure, item.measure.upper()),
            today=portal_today(),
            list_url=_list_url(self.aco.aco_id, self.request.GET.get("back", "") or f"py={item.performance_year}"),
            back=self.request.GET.get("back", ""),
        )
        self.log("care_gap", f"gap {item.pk}", item.mbi)
        return context

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        item = self.get_item()
        if item.performance_year != self.performance_year:
            # The gap's own year, whatever ?py= said: the page shows it in its year.
            self.performance_year = item.performance_year
        return self.render_to_response(self.get_context_data(item=item))

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        item = self.get_item()
        self.performance_year = item.performance_year
        form = self.form_for(item, request.POST)
        if form.is_valid():
            data = form.cleaned_data
            changes: dict[str, Any] = {
                "status": data["status"],
                "assignee": data["assignee"],
                "due_date": data["due_date"],
                "note": data["note"],
            }
            # A gap a quality run closed keeps the run's reason unless a person gives another.
            if not (item.closed_by_a_run and data["status"] == GapStatus.CLOSED and not data["close_reason"]):
                changes.update(close_reason=data["close_reason"], close_note=data["close_note"])
            try:
                services.care_gap_update(item=item, acting_user=request_user(request), **changes)
            except ValidationError as exc:
                for field, messages_ in exc.message_dict.items():
                    form.add_error(field if field in form.fields else None, messages_)
            else:
                messages.success(request, "Care gap saved; the change is in its history below.")
                url = reverse("quality:care_gap_detail", kwargs={"aco_id": self.aco.aco_id, "gap_id": item.pk})
                back = request.POST.get("back", "")
                return HttpResponseRedirect(
                    f"{url}?py={item.performance_year}" + (f"&back={quote(back)}" if back else "")
                )
        return self.render_to_response(self.get_context_data(item=item, form=form), status=400)


GAP_COLUMNS = [
    ("MBI", "mbi"),
    ("Last name", "last_name"),
    ("First name", "first_name"),
    ("Aligning TIN or CCN", "tin"),
    ("Gap", "gap_type"),
    ("Measure", "measure"),
    ("Opened on", "opened_on"),
    ("Opening claim", "opening_claim_id"),
    ("Window ends", "window_ends"),
    ("Status", "status"),
    ("Assigned to", "assignee"),
    ("Due", "due_date"),
    ("Close reason", "close_reason"),
    ("Closing note", "close_note"),
    ("Closing claim", "closing_claim_id"),
    ("Closing claim date", "closing_claim_date"),
    ("Closing claim code", "closing_claim_code"),
    ("Last changed", "updated_at"),
    ("History", "history"),
]


def _stamp(at: dt.datetime) -> str:
    """A time as every page shows it: the portal's time zone, named."""
    return formatting.when(at)


class CareGapsExportView(CareGapsMixin, TemplateView):
    """The worklist as filtered, as CSV or XLSX, with each gap's work and its history. The header row
    comes first; the file name carries the ACO, the year, the latest quality run and the portal's date."""

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        run = selectors.latest_quality_run(performance_year=self.performance_year)
        if run is None:
            raise Http404("Quality has not been computed for this performance year.")
        fmt = request.GET.get("format", "csv")
        if fmt not in ("csv", "xlsx"):
            raise Http404("Choose CSV or XLSX.")
        labels = {
            "gap_type": dict(CareGap.GapType.choices),
            "status": dict(GapStatus.choices),
            "close_reason": dict(CloseReason.choices),
            "measure": dict(MeasureCode.choices),
        }
        items = list(
            self.items().prefetch_related(Prefetch("events", queryset=CareGapEvent.objects.select_related("actor")))
        )
        history_rows: list[list[Any]] = []
        rows: list[list[Any]] = []
        for item in items:
            lines = []
            for e in item.events.all():
                text = e.summary + (f" “{e.note}”" if e.note else "")
                lines.append(f"{_stamp(e.at)}, {e.who}: {text}")
                history_rows.append(
                    [item.mbi, labels["gap_type"].get(item.gap_type, item.gap_type), _stamp(e.at), e.who, text]
                )
            row: list[Any] = []
            for _, key in GAP_COLUMNS:
                if key == "history":
                    row.append(" | ".join(lines))
                elif key == "assignee":
                    row.append(item.assignee.display_name if item.assignee else "")
                elif key == "updated_at":
                    row.append(_stamp(item.updated_at))
                elif key in labels:
                    value = getattr(item, key)
                    row.append(labels[key].get(value, value))
                else:
                    row.append(getattr(item, key))
            rows.append(row)
        today = portal_today()
        name = f"care-gaps-{self.aco.aco_id}-py{self.performance_year}-run{run.pk}-{today.isoformat()}.{fmt}"
        self.log(
            "care_gaps",
            f"worklist PY{self.performance_year}",
            f"{fmt} export, {len(rows)} rows",
            action=AccessLog.Action.EXPORT,
        )
        about = Sheet(
            "About",
            ["ACO", "Performance year", "Quality run", "Data version", "Portal date"],
            [[self.aco.aco_id, self.performance_year, run.pk, run.data_version, today]],
        )
        history = Sheet("History", ["MBI", "Gap", "When", "Who", "What"], history_rows)
        sheets = [Sheet("Care gaps", [h for h, _ in GAP_COLUMNS], rows, freeze=True), history, about]
        return table_download(fmt, name, sheets)
