"""Lifestyle programme pages of an ACO, under ``/acos/<aco_id>/glp1/lifestyle/``: the enrolments (filters,
search, pages) with the entry form and the CSV upload for administrators, the CSV template, and one
enrolment with its sessions (record a session, end the enrolment, remove a mistaken session), beside the
beneficiary's GLP-1 adherence. Beneficiary-level pages are access-logged; every POST is a write, so
analysts and CMS staff get 403 (ACOScopedMixin) and the services check the role again."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.views.generic import TemplateView, View

from apps.accounts.selectors import request_user
from apps.acos.mixins import ACOScopedMixin
from lead_portal.exports import csv_writer
from lead_portal.text import add_form_errors

from . import lifestyle, selectors_lifestyle
from . import selectors as glp1_selectors
from .forms_lifestyle import LifestyleEndForm, LifestyleEntryForm, LifestyleSessionForm, LifestyleUploadForm
from .models import LifestyleEnrolment, LifestyleProgramme

PAGE_SIZE = 50
STATUSES = {"open": "Not ended", "ended": "Ended"}


class LifestyleMixin(ACOScopedMixin):
    nav = "glp1"
    request: HttpRequest

    def url(self, name: str, **kwargs: Any) -> str:
        path = reverse(f"balance:{name}", kwargs={"aco_id": self.aco.aco_id, **kwargs})
        return f"{path}?py={self.performance_year}"


class LifestyleListView(LifestyleMixin, TemplateView):
    """The ACO's enrolments with their session counts and last session (access-logged), and for
    administrators the entry form and the CSV upload."""

    template_name = "balance/lifestyle.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        q = self.request.GET.get("q", "").strip()
        programme = self.request.GET.get("programme", "")
        programme = programme if programme in LifestyleProgramme.values else ""
        status = self.request.GET.get("status", "")
        status = status if status in STATUSES else ""
        rows = selectors_lifestyle.enrolment_list(aco=self.aco, programme=programme, q=q, status=status)
        page = Paginator(rows, PAGE_SIZE).get_page(self.request.GET.get("page"))
        context.setdefault("form", LifestyleEntryForm())
        context.setdefault("upload_form", LifestyleUploadForm(prefix="upload"))
        context.update(
            page=page,
            rows=list(page.object_list),
            q=q,
            programme=programme,
            status=status,
            statuses=list(STATUSES.items()),
            programmes=[(str(value), str(label)) for value, label in LifestyleProgramme.choices],
            counts=selectors_lifestyle.enrolment_counts(aco=self.aco),
            columns=lifestyle.LIFESTYLE_COLUMNS,
            max_minutes=lifestyle.MAX_MINUTES,
            filtered=bool(q or programme or status),
        )
        detail = (
            f"page {page.number}"
            + (f", search {q!r}" if q else "")
            + (f", {programme}" if programme else "")
            + (f", {status}" if status else "")
        )
        self.log("glp1_lifestyle", f"PY{self.performance_year}", detail)
        return context

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if "upload-file" in request.FILES or request.POST.get("action") == "upload":
            return self._upload(request)
        form = LifestyleEntryForm(request.POST)
        if form.is_valid():
            try:
                entry = lifestyle.lifestyle_record(
                    aco=self.aco,
                    acting_user=request_user(request),
                    performance_year=self.performance_year,
                    **form.cleaned_data,
                )
            except ValidationError as exc:
                add_form_errors(form, exc)
            else:
                e = entry.enrolment
                what = f"{e.mbi} enrolled in {e.get_programme_display()} from {e.enrolled_on:%Y-%m-%d}"
                if entry.session is not None:
                    session = f"session on {entry.session.session_date:%Y-%m-%d} recorded"
                    what = f"{what}; {session}" if entry.enrolled else f"{e.mbi}: {session}"
                messages.success(request, f"{what}.")
                return HttpResponseRedirect(self.url("lifestyle_enrolment", enrolment_id=e.pk))
        else:
            # Every problem at once: the service's checks for the fields the form did not refuse.
            data = {name: request.POST.get(name, "") for name in lifestyle.LIFESTYLE_COLUMNS}
            for problem in lifestyle.entry_check(aco=self.aco, performance_year=self.performance_year, data=data):
                if problem.field in form.fields and problem.field not in form.errors:
                    form.add_error(problem.field, f"{problem.reason[:1].upper()}{problem.reason[1:]}.")
        return self.render_to_response(self.get_context_data(form=form, form_failed=True), status=400)

    def _upload(self, request: HttpRequest) -> HttpResponse:
        form = LifestyleUploadForm(request.POST, request.FILES, prefix="upload")
        if not form.is_valid():
            return self.render_to_response(self.get_context_data(upload_form=form, upload_failed=True), status=400)
        upload = form.cleaned_data["file"]
        outcome = lifestyle.lifestyle_upload(
            aco=self.aco, acting_user=request_user(request), performance_year=self.performance_year, file=upload
        )
        if outcome.errors:
            context = self.get_context_data(
                upload_form=LifestyleUploadForm(prefix="upload"), row_errors=outcome.errors, filename=upload.name
            )
            return self.render_to_response(context, status=400)
        messages.success(request, f"{outcome.message[:-1]} from {upload.name}.")
        return HttpResponseRedirect(self.url("lifestyle"))


class LifestyleTemplateView(LifestyleMixin, View):
    """The CSV template: the header row and an example of each kind of row (no beneficiary data)."""

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        response = HttpResponse(content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = 'attachment; filename="lifestyle-template.csv"'
        writer = csv_writer(response)
        for line in lifestyle.template_csv().splitlines():
            writer.writerow(line.split(","))
        return response


class LifestyleEnrolmentView(LifestyleMixin, TemplateView):
    """One enrolment with its sessions and the beneficiary's other enrolments and GLP-1 adherence
    (access-logged). POST records a session (administrators)."""

    template_name = "balance/lifestyle_enrolment.html"

    def enrolment(self) -> LifestyleEnrolment:
        return selectors_lifestyle.enrolment_get(aco=self.aco, enrolment_id=int(self.kwargs["enrolment_id"]))

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        enrolment = kwargs.get("enrolment") or self.enrolment()
        run = glp1_selectors.latest_run(performance_year=self.performance_year)
        therapy = glp1_selectors.beneficiary(run=run, aco_id=self.aco.pk, mbi=enrolment.mbi) if run else None
        others = selectors_lifestyle.beneficiary_enrolments(aco=self.aco, mbi=enrolment.mbi).exclude(pk=enrolment.pk)
        context.setdefault("session_form", LifestyleSessionForm())
        context.setdefault("end_form", LifestyleEndForm(prefix="end"))
        context.update(
            enrolment=enrolment,
            sessions=list(selectors_lifestyle.session_list(enrolment=enrolment)),
            others=list(others),
            glp1_run=run,
            therapy=therapy,
        )
        self.log("glp1_lifestyle_enrolment", str(enrolment.pk), f"MBI {enrolment.mbi}")
        return context

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        enrolment = self.enrolment()
        form = LifestyleSessionForm(request.POST)
        if form.is_valid():
            try:
                session = lifestyle.session_record(
                    enrolment=enrolment, acting_user=request_user(request), **form.cleaned_data
                )
            except ValidationError as exc:
                add_form_errors(form, exc)
            else:
                messages.success(request, f"Session on {session.session_date:%Y-%m-%d} recorded.")
                return HttpResponseRedirect(self.url("lifestyle_enrolment", enrolment_id=enrolment.pk))
        context = self.get_context_data(enrolment=enrolment, session_form=form, session_failed=True)
        return self.render_to_response(context, status=400)


class LifestyleEndView(LifestyleEnrolmentView):
    """POST only: end the enrolment (errors shown on the enrolment's page)."""

    http_method_names = ["post"]

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        enrolment = self.enrolment()
        form = LifestyleEndForm(request.POST, prefix="end")
        if form.is_valid():
            try:
                ended = lifestyle.enrolment_end(
                    enrolment=enrolment, acting_user=request_user(request), ended_on=form.cleaned_data["ended_on"]
                )
            except ValidationError as exc:
                add_form_errors(form, exc)
            else:
                messages.success(request, f"Enrolment ended on {ended.ended_on:%Y-%m-%d}.")
                return HttpResponseRedirect(self.url("lifestyle_enrolment", enrolment_id=enrolment.pk))
        context = self.get_context_data(enrolment=enrolment, end_form=form, end_failed=True)
        return self.render_to_response(context, status=400)


class LifestyleSessionRemoveView(LifestyleMixin, View):
    """POST only: remove a session recorded by mistake."""

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        enrolment = selectors_lifestyle.enrolment_get(aco=self.aco, enrolment_id=int(kwargs["enrolment_id"]))
        session = selectors_lifestyle.session_get(enrolment=enrolment, session_id=int(kwargs["session_id"]))
        try:
            lifestyle.session_remove(session=session, acting_user=request_user(request))
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, f"Session on {session.session_date:%Y-%m-%d} removed.")
        return HttpResponseRedirect(self.url("lifestyle_enrolment", enrolment_id=enrolment.pk))
