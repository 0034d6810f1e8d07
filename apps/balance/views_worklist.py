"""GLP-1 access pages of an ACO: the outreach worklist (likely-eligible and needs-confirmation beneficiaries of
the PY's latest GLP-1 run, by aligning TIN and NPI, with their outreach), its CSV/XLSX export, bulk outreach
changes, a beneficiary's GLP-1 page (eligibility with its claims evidence, therapy, adherence with the lifestyle
participation beside it, cost, outreach) and the beneficiary's prior-authorization packet (PDF). Every view of
beneficiary-level data is access-logged; the rules of outreach live in ``outreach.py``, shared with the API."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBadRequest, HttpResponseRedirect, QueryDict
from django.urls import reverse
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.views import View
from django.views.generic import TemplateView

from apps.accounts.models import AccessLog, User
from apps.accounts.selectors import request_user
from apps.acos.mixins import ACOScopedMixin
from apps.acos.models import ACO
from apps.acos.selectors import portal_today
from lead_portal.exports import Sheet, table_download
from lead_portal.formatting import money_cents, percent, when

from . import outreach, packet, selectors
from . import selectors_worklist as worklist
from .forms_worklist import OutreachForm
from .models import BmiClass, EligibilityStatus, Glp1Beneficiary, Glp1Run, OutreachStatus

PAGE_SIZE = 50


def status_sentence(row: Glp1Beneficiary) -> str:
    """The beneficiary's status in words."""
    if row.status == EligibilityStatus.LIKELY:
        return "Likely eligible for the Medicare GLP-1 Bridge" + (f": {row.criterion}." if row.criterion else ".")
    if row.status == EligibilityStatus.CONFIRM:
        return "Could be eligible for the Medicare GLP-1 Bridge once a clinician confirms what claims cannot show."
    if row.status == EligibilityStatus.NOT_ELIGIBLE:
        return "Not eligible for the Medicare GLP-1 Bridge on what the claims show."
    if row.status == EligibilityStatus.TREATED:
        start = f" since {when(row.therapy_start)}" if row.therapy_start else ""
        return f"Treated under the Medicare GLP-1 Bridge{start}."
    return "On a GLP-1 under Part D for another indication: stays in Part D, not a Bridge patient."


def bmi_text(row: Glp1Beneficiary) -> str:
    """``35–39.9 (Z68.36, 3 Mar 2027)`` or "no BMI code"."""
    if row.bmi_class is None or not row.bmi_code:
        return "No BMI code"
    return f"{BmiClass(row.bmi_class).label} ({packet.icd10_display(row.bmi_code)}, {when(row.bmi_date)})"


def _pdc(value: float | None) -> str:
    return percent(value * 100 if value is not None else None)


def _per_month(cents: int | None, months: int) -> str:
    return money_cents(cents / months) if cents is not None and months else "—"


class Glp1Mixin(ACOScopedMixin):
    nav = "glp1"
    request: HttpRequest

    def get_run(self) -> Glp1Run | None:
        return selectors.latest_run(performance_year=self.performance_year)

    def worklist_url(self, query: str = "") -> str:
        """The worklist with the filters it was showing (a query string re-encoded: never a redirect target)."""
        params = QueryDict(query[:2000], mutable=True)
        params.pop("page", None)
        params.setdefault("py", str(self.performance_year))
        url = reverse("balance:worklist", kwargs={"aco_id": self.aco.aco_id})
        return f"{url}?{params.urlencode()}"


class WorklistMixin(Glp1Mixin):
    def filters(self) -> dict[str, str]:
        get = self.request.GET
        status, outreach_status, sort = get.get("status", ""), get.get("outreach", ""), get.get("sort", "")
        return {
            "status": status if status in worklist.WORKLIST_STATUSES else "",
            "tin": get.get("tin", "").strip()[:9],
            "npi": get.get("npi", "").strip()[:10],
            "outreach": outreach_status if outreach_status in OutreachStatus.values else "",
            "assignee": get.get("assignee", "").strip()[:150],
            "search": get.get("q", "").strip()[:40],
            "sort": sort if sort in worklist.SORTS else worklist.DEFAULT_SORT,
        }

    def rows(self, run: Glp1Run) -> Any:
        return worklist.worklist(aco=self.aco, run=run, user=request_user(self.request), **self.filters())


class WorklistView(WorklistMixin, TemplateView):
    """The outreach worklist of the PY's latest GLP-1 run: filters, pages, an export, and (ACO administrators)
    outreach changes for the selected rows."""

    template_name = "balance/worklist.html"

    def get_template_names(self) -> list[str]:
        if self.request.headers.get("HX-Request") and self.request.headers.get("HX-Target") == "list-results":
            return ["balance/_worklist_results.html"]
        return [self.template_name]

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        run = self.get_run()
        filters = self.filters()
        context.update(run=run, filters=filters)
        if run is None:
            return context
        page = Paginator(self.rows(run), PAGE_SIZE).get_page(self.request.GET.get("page"))
        rows = list(page.object_list)
        people = worklist.users_by_id({getattr(r, "outreach_assignee_id", None) for r in rows})
        programmes = worklist.lifestyle_programmes(aco=self.aco, mbis=[r.mbi for r in rows])
        for row in rows:
            row.assignee_user = people.get(getattr(row, "outreach_assignee_id", None) or 0)
            row.lifestyle = programmes.get(row.mbi, [])
            row.bmi_label = BmiClass(row.bmi_class).label if row.bmi_class is not None else ""
            row.bmi_code_shown = packet.icd10_display(row.bmi_code)
            row.outreach_label = OutreachStatus(row.outreach_status).label
        page.object_list = rows
        query = self.request.GET.copy()
        query.pop("page", None)
        shown = {k: v for k, v in filters.items() if v and k != "sort"}
        context.update(
            page=page,
            counts=worklist.worklist_counts(aco=self.aco, run=run),
            units=worklist.worklist_units(aco=self.aco, run=run),
            npis=worklist.worklist_npis(aco=self.aco, run=run, tin=filters["tin"]),
            assignees=list(worklist.assignees(aco=self.aco)),
            status_filters=worklist.STATUS_FILTERS,
            outreach_choices=OutreachStatus.choices,
            sort_choices=[(k, label) for k, (label, _) in worklist.SORTS.items()],
            filtered=bool(shown),
            list_query=query.urlencode(),
        )
        detail = " ".join(f"{k}={v!r}" for k, v in shown.items())
        self.log("glp1_worklist", f"run {run.pk}", f"page {page.number} {detail}".strip())
        return context


EXPORT_COLUMNS = [
    "MBI",
    "Last name",
    "First name",
    "Age",
    "Aligning TIN or CCN",
    "Aligning NPI",
    "Eligibility",
    "Criterion met",
    "To confirm",
    "BMI class",
    "BMI code",
    "BMI code date",
    "BMI claim",
    "Part D fill seen",
    "Last Part D fill",
    "Outreach status",
    "Assigned to",
    "Outreach note",
]


class WorklistExportView(WorklistMixin, View):
    """The worklist as filtered, as CSV or XLSX (no cell is ever a formula: ``lead_portal.exports``). The header
    row comes first; the file name carries the ACO, the PY, the GLP-1 run and the portal's date."""

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        run = self.get_run()
        if run is None:
            raise Http404(f"GLP-1 eligibility has not been computed for PY{self.performance_year} yet.")
        fmt = request.GET.get("format", "csv")
        if fmt not in ("csv", "xlsx"):
            raise Http404("Choose CSV or XLSX.")
        people = {u.pk: u.display_name for u in worklist.assignees(aco=self.aco)}
        labels = dict(EligibilityStatus.choices)
        rows: list[list[Any]] = []
        for r in self.rows(run).iterator(chunk_size=2000):
            rows.append(
                [
                    r.mbi, r.last_name, r.first_name, r.age, r.tin, r.npi, labels.get(r.status, r.status),
                    r.criterion, " ".join(str(x) for x in r.reasons or []),
                    BmiClass(r.bmi_class).label if r.bmi_class is not None else "",
                    packet.icd10_display(r.bmi_code), r.bmi_date, r.bmi_claim_id,
                    "yes" if r.part_d_active else "no", r.part_d_last_fill,
                    OutreachStatus(r.outreach_status).label,
                    people.get(r.outreach_assignee_id or 0, ""),
                    r.outreach_note,
                ]
            )  # fmt: skip
        today = portal_today()
        name = f"glp1-worklist-{self.aco.aco_id}-py{self.performance_year}-run{run.pk}-{today.isoformat()}.{fmt}"
        shown = " ".join(f"{k}={v!r}" for k, v in self.filters().items() if v and k != "sort")
        self.log(
            "glp1_worklist",
            f"run {run.pk}",
            f"{fmt} export, {len(rows)} rows {shown}".strip(),
            action=AccessLog.Action.EXPORT,
        )
        about = Sheet(
            "About",
            ["ACO", "Performance year", "GLP-1 run", "Eligibility as of", "Portal date"],
            [[self.aco.aco_id, self.performance_year, run.pk, run.as_of, today]],
        )
        return table_download(fmt, name, [Sheet("GLP-1 worklist", EXPORT_COLUMNS, rows, freeze=True), about])


def _assignee_choice(aco: ACO, choice: str) -> Any:
    """``outreach.UNCHANGED`` for "", None for "none", else the ACO's user with that username (ValidationError
    when there is none)."""
    if not choice:
        return outreach.UNCHANGED
    if choice == worklist.ASSIGNEE_NONE:
        return None
    return outreach.assignee_named(aco=aco, username=choice)


class WorklistOutreachView(Glp1Mixin, View):
    """Bulk outreach: the selected beneficiaries of the worklist to one outreach status and/or one person."""

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        back = self.worklist_url(request.POST.get("list_query", ""))
        mbis = request.POST.getlist("mbis")
        status = request.POST.get("status", "")
        try:
            assignee = _assignee_choice(self.aco, request.POST.get("assignee", ""))
        except ValidationError as exc:
            return HttpResponseBadRequest(" ".join(exc.messages))
        try:
            changed = outreach.outreach_bulk_update(
                aco=self.aco,
                mbis=mbis,
                acting_user=request_user(request),
                status=status or outreach.UNCHANGED,
                assignee=assignee,
            )
        except ValidationError as exc:
            for text in exc.messages:
                messages.error(request, text)
            return HttpResponseRedirect(back)
        picked = len({m.strip().upper() for m in mbis if m.strip()})
        people = f"{picked} beneficiar{'y' if picked == 1 else 'ies'}"
        if changed == picked:
            messages.success(request, f"Outreach of {people} saved.")
        else:
            messages.success(request, f"Outreach of {people} saved: {changed} changed, the others already were so.")
        return HttpResponseRedirect(back)


class BeneficiaryMixin(Glp1Mixin):
    kwargs: dict[str, Any]

    def get_row(self) -> tuple[Glp1Run, Glp1Beneficiary]:
        run = self.get_run()
        if run is None:
            raise Http404(f"GLP-1 eligibility has not been computed for PY{self.performance_year} yet.")
        row = selectors.beneficiary(run=run, aco_id=self.aco.pk, mbi=str(self.kwargs["mbi"]).strip().upper())
        if row is None:
            raise Http404("This beneficiary is not one of the ACO's in the latest GLP-1 run.")
        return run, row


class BeneficiaryView(BeneficiaryMixin, TemplateView):
    """A beneficiary's GLP-1 page: status and why, the claims evidence (BMI code, comorbidities, Part D, age),
    therapy, fills, adherence, cost and spending (observational), the outreach with its history, and
    (ACO administrators) the outreach form."""

    template_name = "balance/beneficiary.html"

    def form_for(self, row: Glp1Beneficiary, data: Any = None) -> OutreachForm:
        current = worklist.outreach_get(aco=self.aco, mbi=row.mbi)
        initial = {
            "status": current.status if current else OutreachStatus.NOT_CONTACTED,
            "assignee": current.assignee.get_username() if current and current.assignee else None,
            "note": current.note if current else "",
        }
        return OutreachForm(data, initial=initial, assignees=worklist.assignees(aco=self.aco))

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        run, row = kwargs.get("found") or self.get_row()
        fills = list(selectors.fills(run=run, aco_id=self.aco.pk, mbi=row.mbi))
        for fill in fills:
            fill.paid_shown = money_cents(fill.patient_paid_cents)  # type: ignore[attr-defined]
        comorbidities = [
            {
                "label": packet.condition_label(c),
                "code": packet.icd10_display(str(c.get("code", ""))),
                "date": packet.parse_date(c.get("date")),
                "claim_id": c.get("claim_id"),
                "source": f"CCLF{c['source']}" if c.get("source") else "—",
            }
            for c in row.comorbidities or []
            if isinstance(c, dict)
        ]
        current = worklist.outreach_get(aco=self.aco, mbi=row.mbi)
        context.update(
            run=run,
            row=row,
            status_sentence=status_sentence(row),
            bmi_range=packet.bmi_range(row.bmi_code),
            bmi_code_shown=packet.icd10_display(row.bmi_code),
            bmi_label=BmiClass(row.bmi_class).label if row.bmi_class is not None else "",
            comorbidities=comorbidities,
            fills=fills,
            questions=packet.questions(row=row, fills=fills, parameters=run.parameters or {}, as_of=run.as_of),
            treated=row.status == EligibilityStatus.TREATED or bool(row.therapy_start),
            pdc={"overall": _pdc(row.pdc), "d90": _pdc(row.pdc_90), "d180": _pdc(row.pdc_180)},
            lifestyle=worklist.beneficiary_lifestyle(aco=self.aco, mbi=row.mbi),
            lifestyle_url=reverse("balance:lifestyle", kwargs={"aco_id": self.aco.aco_id})
            + f"?py={self.performance_year}&q={row.mbi}",
            money={
                "drug": money_cents(row.drug_cost_cents),
                "copay": money_cents(row.copay_cents),
                "paid": money_cents(row.patient_paid_cents),
                "before": _per_month(row.spend_before_cents, row.months_before),
                "after": _per_month(row.spend_after_cents, row.months_after),
            },
            outreach=current,
            outreach_label=OutreachStatus(current.status).label if current else OutreachStatus.NOT_CONTACTED.label,
            changes=list(worklist.outreach_changes(aco=self.aco, mbi=row.mbi)),
            form=kwargs.get("form") or self.form_for(row),
            worklist_url=self.worklist_url(self.request.GET.get("back", "")),
            back=self.request.GET.get("back", ""),
        )
        self.log("glp1_beneficiary", row.mbi, f"run {run.pk}")
        return context

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        run, row = self.get_row()
        form = self.form_for(row, request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                outreach.outreach_update(
                    aco=self.aco,
                    mbi=row.mbi,
                    acting_user=request_user(request),
                    status=data["status"],
                    assignee=data["assignee"],
                    note=data["note"],
                )
            except ValidationError as exc:
                for field, texts in exc.message_dict.items():
                    form.add_error(field if field in form.fields else None, texts)
            else:
                messages.success(request, "Outreach saved; the change is in its history below.")
                url = reverse("balance:beneficiary", kwargs={"aco_id": self.aco.aco_id, "mbi": row.mbi})
                back = QueryDict(mutable=True)
                back["py"] = str(self.performance_year)
                if request.POST.get("back"):
                    back["back"] = request.POST["back"][:2000]
                return HttpResponseRedirect(f"{url}?{back.urlencode()}")
        return self.render_to_response(self.get_context_data(found=(run, row), form=form), status=400)


class PacketView(BeneficiaryMixin, View):
    """The beneficiary's prior-authorization packet (PDF): the 12 questions with the claims evidence for each,
    for the clinician to confirm; marked on every page as claims evidence, not a clinical attestation."""

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        run, row = self.get_row()
        fills = list(selectors.fills(run=run, aco_id=self.aco.pk, mbi=row.mbi))
        user: User = request_user(request)
        data = packet.write_pdf(
            row=row,
            aco_label=f"{self.aco.aco_id} {self.aco.legal_name}",
            run=run,
            asked=packet.questions(row=row, fills=fills, parameters=run.parameters or {}, as_of=run.as_of),
            generated_at=timezone.now(),
            generated_by=user.display_name,
        )
        self.log("glp1_packet", row.mbi, f"run {run.pk} prior-authorization packet", action=AccessLog.Action.EXPORT)
        response = HttpResponse(data, content_type="application/pdf")
        response["Content-Disposition"] = content_disposition_header(
            True, packet.filename(aco_id=self.aco.aco_id, mbi=row.mbi, run=run)
        )
        return response
