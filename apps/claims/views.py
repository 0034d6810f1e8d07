"""Pages for loading claims: the list of ingest runs with the upload form (CMS admins), a run's
live progress (htmx polling) and its error report (page and CSV)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.views.generic import TemplateView

from apps.accounts.selectors import request_user
from apps.acos.mixins import CMSOnlyMixin
from lead_portal.exports import csv_writer
from lead_portal.jobs import QueueUnavailable

from . import selectors, services
from .forms import PackageUploadForm


class IngestListView(CMSOnlyMixin, TemplateView):
    template_name = "claims/ingest_list.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        user = request_user(self.request)
        context["page"] = Paginator(selectors.ingest_run_list(user=user), 25).get_page(self.request.GET.get("page"))
        context["packages"] = selectors.package_list(user=user)[:50]
        context["can_upload"] = user.is_cms_admin
        context.setdefault("form", PackageUploadForm())
        return context

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        user = request_user(request)
        if not user.is_cms_admin:
            raise PermissionDenied("Only CMS admins load claims files.")
        form = PackageUploadForm(request.POST, request.FILES)
        if not form.is_valid():
            return self.render_to_response(self.get_context_data(form=form), status=400)
        try:
            run = services.ingest_run_create(
                source=form.cleaned_data["file"].name, acting_user=user, upload=form.cleaned_data["file"]
            )
        except QueueUnavailable as exc:  # the load is listed as failed, with the same reason
            messages.error(request, str(exc))
            return redirect(request.path)
        messages.info(request, "The package is being loaded; this page follows its progress.")
        return redirect("claims:ingest_detail", run_id=run.pk)


class IngestDetailView(CMSOnlyMixin, TemplateView):
    template_name = "claims/ingest_detail.html"

    def get_template_names(self) -> list[str]:
        if self.request.headers.get("HX-Request"):
            return ["claims/_ingest_progress.html"]
        return [self.template_name]

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        run = selectors.ingest_run_get(user=request_user(self.request), run_id=self.kwargs["run_id"])
        progress = services.progress_get(run)
        notes = selectors.report_notes_by_file(run=run)
        files = [
            {"name": name, **values, "percent": _file_percent(values, run.is_finished), "notes": notes.get(name, [])}
            for name, values in progress.get("files", {}).items()
        ]
        report = run.report or {}
        context.update(
            run=run,
            progress=progress,
            files=files,
            packages=report.get("packages", []),
            skipped=report.get("skipped", []),
            errors=Paginator(selectors.ingest_error_list(run=run), 100).get_page(self.request.GET.get("page")),
        )
        return context


def _file_percent(values: dict[str, int], finished: bool) -> int:
    expected = values.get("expected") or 0
    if finished or not expected:
        return 100 if finished else 0
    return min(100, int(100 * (values.get("parsed", 0) + values.get("loaded", 0)) / (2 * expected)))


class IngestErrorsCSVView(CMSOnlyMixin, TemplateView):
    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        run = selectors.ingest_run_get(user=request_user(request), run_id=kwargs["run_id"])
        response = HttpResponse(content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="ingest_{run.pk}_errors.csv"'
        writer = csv_writer(response)
        writer.writerow(["file", "line", "field", "value", "reason"])
        for e in selectors.ingest_error_list(run=run).iterator():
            writer.writerow([e.file_name, e.line or "", e.field, e.value, e.reason])
        return response
