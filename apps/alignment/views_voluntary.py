"""Pages for an ACO's voluntary alignment records: the list with each record's standing for the
PY, its CSV export, adding one record and uploading a file. Rules live in ``voluntary``."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.views.generic import TemplateView

from apps.accounts.models import AccessLog
from apps.accounts.selectors import request_user
from apps.accounts.services import access_log_record
from apps.acos.mixins import ACOScopedMixin
from apps.acos.models import AlignmentApproach
from apps.claims.bundle import VA_COLUMNS
from lead_portal.exports import csv_writer
from lead_portal.uploads import upload_bytes

from . import voluntary
from .forms import VoluntaryAlignmentForm, VoluntaryUploadForm, attach_row_errors, sentence

PAGE_SIZE = 50
OBJECT_TYPE = "voluntary_alignments"


class VoluntaryMixin(ACOScopedMixin):
    nav = "voluntary"
    request: HttpRequest

    def list_url(self) -> str:
        url = reverse("alignment:voluntary", kwargs={"aco_id": self.aco.aco_id})
        return f"{url}?py={self.performance_year}"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        approach = voluntary.alignment_approach(aco=self.aco, performance_year=self.performance_year)
        context.update(
            list_url=self.list_url(),
            hybrid=approach == AlignmentApproach.HYBRID,
            approach_label=AlignmentApproach(approach).label,
            cutoff=voluntary.cutoff_date(self.performance_year),
            earliest_signed=voluntary.EARLIEST_SIGNED_DATE,
            columns=VA_COLUMNS,
        )
        return context


class VoluntaryListView(VoluntaryMixin, TemplateView):
    template_name = "alignment/voluntary_list.html"

    def get_template_names(self) -> list[str]:
        if self.request.headers.get("HX-Request") and self.request.headers.get("HX-Target") == "list-results":
            return ["alignment/voluntary_list_results.html"]
        return [self.template_name]

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        search = self.request.GET.get("q", "").strip()
        qs = voluntary.voluntary_list(aco=self.aco, performance_year=self.performance_year, search=search)
        page = Paginator(qs, PAGE_SIZE).get_page(self.request.GET.get("page"))
        statuses = voluntary.voluntary_statuses(
            aco=self.aco, performance_year=self.performance_year, records=list(page.object_list)
        )
        access_log_record(
            request=self.request,
            action=AccessLog.Action.VIEW,
            object_type=OBJECT_TYPE,
            object_id=f"PY{self.performance_year}",
            aco_code=self.aco.aco_id,
            detail=f"page {page.number}, search {search!r}" if search else f"page {page.number}",
        )
        context.update(page=page, search=search, rows=[(r, statuses[r.pk]) for r in page.object_list])
        return context


class VoluntaryExportView(VoluntaryMixin, TemplateView):
    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        filename = f"{self.aco.aco_id}_PY{self.performance_year}_voluntary_alignments.csv"
        response = HttpResponse(content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
        writer = csv_writer(response)
        writer.writerow(voluntary.EXPORT_COLUMNS)
        writer.writerows(voluntary.voluntary_export_rows(aco=self.aco, performance_year=self.performance_year))
        access_log_record(
            request=request,
            action=AccessLog.Action.EXPORT,
            object_type=OBJECT_TYPE,
            object_id=f"PY{self.performance_year}",
            aco_code=self.aco.aco_id,
        )
        return response


class VoluntaryAddView(VoluntaryMixin, TemplateView):
    template_name = "alignment/voluntary_add.html"
    editors_only = True

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context.setdefault("form", VoluntaryAlignmentForm())
        return context

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        form = VoluntaryAlignmentForm(request.POST)
        if form.is_valid():
            try:
                record = voluntary.voluntary_alignment_add(
                    aco=self.aco,
                    performance_year=self.performance_year,
                    data=form.cleaned_data,
                    acting_user=request_user(request),
                )
            except voluntary.VoluntaryRowsInvalid as exc:
                attach_row_errors(form, exc.row_errors)
            except ValidationError as exc:
                for msg in exc.messages:
                    form.add_error(None, sentence(msg))
            else:
                messages.success(
                    request, f"Voluntary alignment added: MBI {record.mbi} to TIN {record.tin}, NPI {record.npi}."
                )
                return HttpResponseRedirect(self.list_url())
        else:
            # Show every problem at once: the record's checks for the fields the form did not refuse.
            _, problems = voluntary.voluntary_record_check(
                aco=self.aco, performance_year=self.performance_year, data=request.POST
            )
            attach_row_errors(form, [e for e in problems if e.field not in form.errors])
        return self.render_to_response(self.get_context_data(form=form), status=400)


class VoluntaryUploadView(VoluntaryMixin, TemplateView):
    template_name = "alignment/voluntary_upload.html"
    editors_only = True

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context.setdefault("form", VoluntaryUploadForm())
        return context

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        form = VoluntaryUploadForm(request.POST, request.FILES)
        if not form.is_valid():
            return self.render_to_response(self.get_context_data(form=form), status=400)
        upload = form.cleaned_data["file"]
        try:
            outcome = voluntary.voluntary_alignment_upload(
                aco=self.aco,
                performance_year=self.performance_year,
                data=upload_bytes(upload),  # the form checked the size
                filename=upload.name,
                acting_user=request_user(request),
            )
        except ValidationError as exc:
            for msg in exc.messages:
                form.add_error(None, sentence(msg))
            return self.render_to_response(self.get_context_data(form=form), status=400)
        if outcome.errors:
            return self.render_to_response(
                self.get_context_data(form=VoluntaryUploadForm(), row_errors=outcome.errors, filename=upload.name),
                status=400,
            )
        plural = "" if outcome.added == 1 else "s"
        messages.success(request, f"{outcome.added} voluntary alignment record{plural} added from {upload.name}.")
        return HttpResponseRedirect(self.list_url())
