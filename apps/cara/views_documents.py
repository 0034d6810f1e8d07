"""An ACO's CARA documents (docs/cara.md, "Contracting templates and statements"): the list (refreshed while
one is built) with the forms that request them, and the download, which answers "not ready" (409) until the
file exists. Requesting a document only reads, so the ACO's analysts and CMS staff may do it too; another
ACO's EBRA, reconciliation or document answers 404."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect
from django.urls import reverse
from django.views.generic import TemplateView, View

from apps.accounts.selectors import request_user
from apps.acos.mixins import ACOScopedMixin
from lead_portal.jobs import QueueUnavailable

from . import arrangements, documents
from .models import Arrangement, ArrangementTerm, CaraDocument, Reconciliation

PAGE_SIZE = 25


def _int(value: Any) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        raise Http404("Not found.") from None


class DocumentsMixin(ACOScopedMixin):
    nav = "cara"
    # Building a document only reads: analysts and CMS staff may ask for one (services check who asks).
    write_methods = ("PUT", "PATCH", "DELETE")

    def list_url(self) -> str:
        return reverse("cara_documents:list", kwargs={"aco_id": self.aco.aco_id})

    def requested(self, request: HttpRequest, build: Any) -> HttpResponse:
        """Call ``build()`` (a service that queues a document) and go back to the list with what happened."""
        try:
            document: CaraDocument = build()
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        except PermissionDenied as exc:
            messages.error(request, str(exc) or "You cannot ask for this document.")
        except QueueUnavailable as exc:  # the document is listed as failed, with the same reason
            messages.error(request, str(exc))
        else:
            messages.success(
                request,
                f"Building the {document.get_kind_display().lower()} ({document.get_format_display()}) for "
                f"{documents.document_describe(document)}; it appears below, ready to download, in a few seconds.",
            )
        return redirect(f"{self.list_url()}?py={self.performance_year}")


class DocumentListView(DocumentsMixin, TemplateView):
    template_name = "cara/documents/list.html"

    def get_template_names(self) -> list[str]:
        if self.request.headers.get("HX-Request"):
            return ["cara/documents/_list.html"]
        return [self.template_name]

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        page = Paginator(documents.aco_documents(aco=self.aco), PAGE_SIZE).get_page(self.request.GET.get("page"))
        rows = [(d, documents.document_describe(d), documents.document_is_ready(d)) for d in page.object_list]
        py = self.performance_year
        ebras = list(arrangements.aco_arrangements(aco=self.aco, performance_year=py))
        reconciliations = list(
            Reconciliation.objects.filter(arrangement__aco=self.aco, arrangement__performance_year=py)
            .select_related("arrangement__preferred_provider")
            .order_by("arrangement_id", "period_start")
        )
        choices = documents.prospective_choices(aco=self.aco, performance_year=py)
        context.update(
            nav_current="cara",
            page=page,
            rows=rows,
            building=any(d.status in (CaraDocument.Status.QUEUED, CaraDocument.Status.BUILDING) for d, _, _ in rows),
            formats=CaraDocument.Format.choices,
            adjustments=ArrangementTerm.Adjustment.choices,
            providers=choices["providers"],
            types=[(d, None if cents is None else documents.usd(cents)) for d, cents in choices["types"]],
            ebras=ebras,
            reconciliations=[(r, documents.usd(r.amount_cents)) for r in reconciliations],
        )
        return context


class ProspectiveView(DocumentsMixin, View):
    """POST: a prospective template for a Preferred Provider and the episode types ticked, each with a
    discount or premium."""

    http_method_names = ["post"]

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        data = request.POST
        terms = []
        for key in data:
            if not key.startswith("include_") or not data.get(key):
                continue
            definition = key.removeprefix("include_")
            terms.append(
                {
                    "definition": definition,
                    "adjustment": data.get(f"adjustment_{definition}", ""),
                    "rate_pct": data.get(f"rate_{definition}", ""),
                }
            )
        params = {"performance_year": data.get("performance_year") or self.performance_year, "terms": terms}
        return self.requested(
            request,
            lambda: documents.template_request(
                aco=self.aco,
                acting_user=request_user(request),
                fmt=data.get("format", ""),
                preferred_provider=data.get("preferred_provider", ""),
                params=params,
            ),
        )


class TemplateRequestView(DocumentsMixin, View):
    """POST (``format``): the contracting template of one of the ACO's EBRAs."""

    http_method_names = ["post"]

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        arrangement = Arrangement.objects.filter(aco=self.aco, pk=_int(kwargs["arrangement_id"])).first()
        if arrangement is None:
            raise Http404("No such EBRA.")
        return self.requested(
            request,
            lambda: documents.template_request(
                aco=self.aco,
                acting_user=request_user(request),
                fmt=request.POST.get("format", ""),
                arrangement=arrangement,
            ),
        )


class StatementRequestView(DocumentsMixin, View):
    """POST (``format``): the statement of one reconciliation of the ACO's EBRAs."""

    http_method_names = ["post"]

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        reconciliation = (
            Reconciliation.objects.filter(arrangement__aco=self.aco, pk=_int(kwargs["reconciliation_id"]))
            .select_related("arrangement__aco", "arrangement__preferred_provider")
            .first()
        )
        if reconciliation is None:
            raise Http404("No such reconciliation.")
        return self.requested(
            request,
            lambda: documents.statement_request(
                reconciliation=reconciliation, fmt=request.POST.get("format", ""), acting_user=request_user(request)
            ),
        )


class DocumentDownloadView(DocumentsMixin, View):
    """The file once it exists (a statement's download is access-logged); until then a page saying so."""

    http_method_names = ["get"]

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        document = documents.aco_document_get(aco=self.aco, document_id=kwargs["document_id"])
        return documents.document_response(document=document, request=request, back_url=self.list_url())
