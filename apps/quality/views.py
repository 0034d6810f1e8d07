"""Pages for an ACO's CAHPS and eCQM results: the year's current results with how each counts, the
history of every upload, and the upload itself (ACO administrators). Rules live in ``services``."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.views.generic import TemplateView

from apps.accounts.selectors import request_user
from apps.acos.mixins import ACOScopedMixin

from . import selectors, services
from .forms import SubmissionUploadForm
from .models import QualitySubmission


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
            data=upload.read(),
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
