"""HTML pages for ACOs and their lists. Each page parses input, calls a selector or service and
renders; rules live in services (shared with the API)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.generic import TemplateView

from apps.accounts.models import AccessLog
from apps.accounts.selectors import request_user
from apps.accounts.services import access_log_record
from apps.reviews.selectors import version_diff
from lead_portal.exports import csv_writer
from lead_portal.text import add_form_errors
from lead_portal.uploads import upload_bytes

from . import selectors, services
from .attention import attention_items
from .diffs import change_rows
from .forms import LIST_FORMS, DecisionForm, ElectionForm, ListUploadForm, ProfileForm, WithdrawForm, attach_row_errors
from .lists import LIST_SPECS
from .mixins import ACOScopedMixin, CMSOnlyMixin, resolve_performance_year
from .panels import render_change_request_panels, render_home_panels

LIST_PAGES = {
    "participants": {"title": "Participant TINs", "url": "acos:participants", "singular": "Participant TIN"},
    "preferred_providers": {
        "title": "Preferred Providers",
        "url": "acos:preferred_providers",
        "singular": "Preferred Provider",
    },
}


# Parts of the model the portal does not cover yet and that have no page in the navigation.
def _py_url(name: str, aco_id: str, performance_year: int, **kwargs: Any) -> str:
    return f"{reverse(name, kwargs={'aco_id': aco_id, **kwargs})}?py={performance_year}"


@login_required
def home(request: HttpRequest) -> HttpResponse:
    user = request_user(request)
    if user.is_cms:
        return redirect("cms_home")
    acos = list(selectors.aco_list_for_user(user=user)[:2])
    if acos:
        last = request.session.get("last_aco")
        if last and selectors.aco_list_for_user(user=user).filter(aco_id=last).exists():
            return redirect("acos:home", aco_id=last)
        return redirect("acos:home", aco_id=acos[0].aco_id)
    # A Preferred Provider user (no ACO, no CMS role: a CARA ``ProviderMembership``, read through its reverse
    # relation so this app imports nothing of CARA) has their arrangements for a home page.
    if user.provider_memberships.exists():
        return redirect("cara_provider:home")
    return render(request, "acos/no_aco.html")


@login_required
def aco_switch(request: HttpRequest) -> HttpResponse:
    """The ACO switcher in the header: go to the chosen ACO (404 if it is not the user's)."""
    aco = selectors.aco_get_for_user(user=request_user(request), aco_id=request.GET.get("aco_id", ""))
    return redirect("acos:home", aco_id=aco.aco_id)


class CMSHomeView(CMSOnlyMixin, TemplateView):
    template_name = "acos/cms_home.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        py = resolve_performance_year(self.request.GET.get("py"))
        user = request_user(self.request)
        context.update(
            performance_year=py,
            performance_years=selectors.performance_years(),
            acos=selectors.aco_overview_for_cms(user=user, performance_year=py),
            pending=selectors.review_queue(user=user).count() if user.can_review else 0,
        )
        return context


class ACOHomeView(ACOScopedMixin, TemplateView):
    template_name = "acos/aco_home.html"
    nav = "home"

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        request.session["last_aco"] = self.aco.aco_id
        return super().get(request, *args, **kwargs)

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context.update(
            summary=selectors.aco_summary(aco=self.aco, performance_year=self.performance_year),
            election=selectors.election_get(aco=self.aco, performance_year=self.performance_year),
            parameters=selectors.parameters_get(performance_year=self.performance_year),
            recent_requests=selectors.change_request_list(aco=self.aco)[:5],
            attention_today=selectors.portal_today(),
        )
        context["attention"] = attention_items(
            aco=self.aco, performance_year=self.performance_year, today=context["attention_today"]
        )
        context["home_panels"] = render_home_panels(
            request=self.request, aco=self.aco, performance_year=self.performance_year, base=context
        )
        return context


class ProfileView(ACOScopedMixin, TemplateView):
    template_name = "acos/profile.html"
    nav = "profile"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        elections = {e.performance_year: e for e in selectors.election_list(aco=self.aco)}
        context["elections"] = [
            (py, elections.get(py), selectors.list_is_locked(performance_year=py))
            for py in selectors.performance_years()
        ]
        return context


class ProfileEditView(ACOScopedMixin, TemplateView):
    template_name = "acos/profile_edit.html"
    nav = "profile"
    editors_only = True

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context.setdefault("form", ProfileForm(instance=self.aco))
        return context

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        form = ProfileForm(
            request.POST, instance=selectors.aco_get_for_user(user=request_user(request), aco_id=self.aco.aco_id)
        )
        if form.is_valid():
            try:
                services.aco_update_profile(aco=self.aco, data=form.cleaned_data, acting_user=request_user(request))
            except ValidationError as exc:
                _add_errors(form, exc)
            else:
                messages.success(request, "Profile saved.")
                return redirect("acos:profile", aco_id=self.aco.aco_id)
        return self.render_to_response(self.get_context_data(form=form), status=400)


class ElectionEditView(ACOScopedMixin, TemplateView):
    """One PY's elections: a form until the PY's list deadline, read-only after it. The year is the
    URL's (never ``?py=`` or the default): a year the portal does not know answers 404 naming it."""

    template_name = "acos/election_edit.html"
    nav = "profile"
    editors_only = True

    def unknown_year(self) -> HttpResponse | None:
        year = int(self.kwargs["performance_year"])
        years = selectors.performance_years()
        if year in years:
            self.performance_year = year
            return None
        context = super().get_context_data(requested_year=year)
        context["known_years"] = [(py, selectors.list_is_locked(performance_year=py)) for py in years]
        return render(self.request, "acos/election_unknown_year.html", context, status=404)

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        election = selectors.election_get(aco=self.aco, performance_year=self.performance_year)
        closed = selectors.list_is_locked(performance_year=self.performance_year)
        context.update(election=election, closed=closed)
        if closed:
            context["closed_message"] = selectors.elections_closed_message(performance_year=self.performance_year)
        else:
            context.setdefault("form", ElectionForm(instance=election))
        return context

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        return self.unknown_year() or super().get(request, *args, **kwargs)

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        refused = self.unknown_year()
        if refused is not None:
            return refused
        try:
            services.elections_require_open(performance_year=self.performance_year)
        except ValidationError:
            # A form opened before the deadline and sent after it: nothing is saved, and the page says why.
            return self.render_to_response(self.get_context_data(refused=True), status=400)
        form = ElectionForm(request.POST)
        if form.is_valid():
            try:
                services.election_save(
                    aco=self.aco,
                    performance_year=self.performance_year,
                    data=form.cleaned_data,
                    acting_user=request_user(request),
                )
            except ValidationError as exc:
                _add_errors(form, exc)
            else:
                messages.success(request, f"Elections for PY{self.performance_year} saved.")
                return redirect("acos:profile", aco_id=self.aco.aco_id)
        return self.render_to_response(self.get_context_data(form=form), status=400)


def _add_errors(form: Any, exc: ValidationError) -> None:
    if hasattr(exc, "row_errors"):
        attach_row_errors(form, exc.row_errors)
    else:
        add_form_errors(form, exc)


class ListMixin(ACOScopedMixin):
    list_type: str
    request: HttpRequest

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        self.list_type = kwargs["list_type"]
        self.nav = "participants" if self.list_type == "participants" else "preferred"
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context.update(
            list_type=self.list_type, page_info=LIST_PAGES[self.list_type], columns=LIST_SPECS[self.list_type][0]
        )
        return context

    def list_url(self) -> str:
        return _py_url(LIST_PAGES[self.list_type]["url"], self.aco.aco_id, self.performance_year)

    def get_row(self, row_id: int) -> Any:
        if self.list_type == "participants":
            return selectors.participant_get(aco=self.aco, participant_id=row_id)
        return selectors.preferred_get(aco=self.aco, provider_id=row_id)

    def report(self, outcome: services.ListChangeOutcome) -> None:
        if outcome.change_request is not None:
            messages.info(self.request, outcome.message)
        else:
            messages.success(self.request, outcome.message)


class ListView(ListMixin, TemplateView):
    template_name = "acos/list.html"

    def get_template_names(self) -> list[str]:
        if self.request.headers.get("HX-Request") and self.request.headers.get("HX-Target") == "list-results":
            return ["acos/_list_results.html"]
        return [self.template_name]

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        search = self.request.GET.get("q", "").strip()
        if self.list_type == "participants":
            qs: Any = selectors.participant_list(aco=self.aco, performance_year=self.performance_year, search=search)
        else:
            qs = selectors.preferred_list(aco=self.aco, performance_year=self.performance_year, search=search)
        page = Paginator(qs, 50).get_page(self.request.GET.get("page"))
        access_log_record(
            request=self.request,
            action=AccessLog.Action.VIEW,
            object_type=self.list_type,
            object_id=f"PY{self.performance_year}",
            aco_code=self.aco.aco_id,
            detail=f"page {page.number}, search {search!r}" if search else f"page {page.number}",
        )
        context.update(page=page, search=search)
        return context


class ListExportView(ListMixin, TemplateView):
    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        columns = LIST_SPECS[self.list_type][0]
        if self.list_type == "participants":
            rows: Any = selectors.participant_list(aco=self.aco, performance_year=self.performance_year)
        else:
            rows = selectors.preferred_list(aco=self.aco, performance_year=self.performance_year)
        filename = f"{self.aco.aco_id}_PY{self.performance_year}_{self.list_type}.csv"
        response = HttpResponse(content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
        writer = csv_writer(response)
        writer.writerow(columns)
        for row in rows.values(*[c for c in columns if c not in ("aco_id",)]):
            row["aco_id"] = self.aco.aco_id
            if "ccns" in row:
                row["ccns"] = ";".join(row["ccns"])
            if "new_to_aco" in row:
                row["new_to_aco"] = "true" if row["new_to_aco"] else "false"
            writer.writerow([row[c] for c in columns])
        access_log_record(
            request=request,
            action=AccessLog.Action.EXPORT,
            object_type=self.list_type,
            object_id=f"PY{self.performance_year}",
            aco_code=self.aco.aco_id,
        )
        return response


class RowEditView(ListMixin, TemplateView):
    """Add a row (no ``row_id``) or edit one."""

    template_name = "acos/row_edit.html"
    editors_only = True

    def initial(self) -> dict[str, Any] | None:
        row_id = self.kwargs.get("row_id")
        if row_id is None:
            return None
        obj = self.get_row(row_id)
        data = {f: getattr(obj, f) for f in services.LIST_FIELDS[self.list_type]}
        if "ccns" in data:
            data["ccns"] = "; ".join(data["ccns"])
        return data

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context.setdefault("form", LIST_FORMS[self.list_type](initial=self.initial()))
        context["editing"] = self.kwargs.get("row_id") is not None
        return context

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        form = LIST_FORMS[self.list_type](request.POST)
        if form.is_valid():
            existing_key = None
            if self.kwargs.get("row_id") is not None:
                obj = self.get_row(self.kwargs["row_id"])
                existing_key = services.list_row_key(self.list_type, obj)
            try:
                outcome = services.list_row_save(
                    aco=self.aco,
                    performance_year=self.performance_year,
                    list_type=self.list_type,
                    data=form.cleaned_data,
                    acting_user=request_user(request),
                    existing_key=existing_key,
                )
            except ValidationError as exc:
                _add_errors(form, exc)
            else:
                self.report(outcome)
                return HttpResponseRedirect(self.list_url())
        return self.render_to_response(self.get_context_data(form=form), status=400)


class RowRemoveView(ListMixin, TemplateView):
    template_name = "acos/row_remove.html"
    editors_only = True

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["row"] = self.get_row(self.kwargs["row_id"])
        return context

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        obj = self.get_row(self.kwargs["row_id"])
        key = services.list_row_key(self.list_type, obj)
        try:
            outcome = services.list_row_remove(
                aco=self.aco,
                performance_year=self.performance_year,
                list_type=self.list_type,
                key=key,
                acting_user=request_user(request),
            )
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            self.report(outcome)
        return HttpResponseRedirect(self.list_url())


class UploadView(ListMixin, TemplateView):
    template_name = "acos/upload.html"
    editors_only = True

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context.setdefault("form", ListUploadForm())
        return context

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        form = ListUploadForm(request.POST, request.FILES)
        if not form.is_valid():
            return self.render_to_response(self.get_context_data(form=form), status=400)
        upload = form.cleaned_data["file"]
        outcome = services.list_upload(
            aco=self.aco,
            performance_year=self.performance_year,
            list_type=self.list_type,
            data=upload_bytes(upload),  # the form checked the size
            replace=form.cleaned_data["replace"],
            acting_user=request_user(request),
        )
        if outcome.errors:
            return self.render_to_response(
                self.get_context_data(form=ListUploadForm(), row_errors=outcome.errors, filename=upload.name),
                status=400,
            )
        self.report(outcome)
        return HttpResponseRedirect(self.list_url())


class ChangeRequestListView(ACOScopedMixin, TemplateView):
    template_name = "acos/change_requests.html"
    nav = "changes"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["page"] = Paginator(selectors.change_request_list(aco=self.aco), 50).get_page(
            self.request.GET.get("page")
        )
        return context


class ChangeRequestDetailView(ACOScopedMixin, TemplateView):
    template_name = "acos/change_request_detail.html"
    nav = "changes"

    def get_change_request(self) -> Any:
        change_request = selectors.change_request_get(
            user=request_user(self.request), request_id=self.kwargs["request_id"]
        )
        if change_request.aco_id != self.aco.pk:
            raise Http404("No such change request.")
        return change_request

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        change_request = self.get_change_request()
        case = change_request.review
        user = request_user(self.request)
        access_log_record(
            request=self.request,
            action=AccessLog.Action.VIEW,
            object_type="list_change_request",
            object_id=str(change_request.pk),
            aco_code=self.aco.aco_id,
        )
        changes = change_rows(change_request.list_type, case.content.get("operations", []))
        context.update(
            change_request=change_request,
            case=case,
            changes=changes,
            changes_edit_values=any(c.verb == "Change" for c in changes),
            transitions=case.transitions.select_related("actor"),
            diff=version_diff(case=case),
            can_decide=user.can_review and case.state in ("submitted", "in_review"),
            can_withdraw=self.can_edit and case.state in ("draft", "submitted"),
        )
        context.setdefault("decision_form", DecisionForm())
        context.setdefault("withdraw_form", WithdrawForm())
        context["request_panels"] = render_change_request_panels(
            request=self.request, change_request=change_request, user=user, base=context
        )
        return context


class ChangeRequestDecideView(ChangeRequestDetailView):
    cms_may_write = True

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        change_request = self.get_change_request()
        form = DecisionForm(request.POST)
        if form.is_valid():
            try:
                services.change_request_decide(
                    change_request=change_request,
                    acting_user=request_user(request),
                    approve=form.cleaned_data["decision"] == "approve",
                    reason=form.cleaned_data["reason"],
                )
            except ValidationError as exc:
                for msg in exc.messages:
                    form.add_error(None, msg)
            else:
                verb = "approved" if form.cleaned_data["decision"] == "approve" else "denied"
                messages.success(request, f"Change request {verb}; the ACO has been notified.")
                return (
                    redirect("review_queue")
                    if request_user(request).can_review
                    else redirect("acos:change_request_detail", aco_id=self.aco.aco_id, request_id=change_request.pk)
                )
        return self.render_to_response(self.get_context_data(decision_form=form), status=400)


class ChangeRequestWithdrawView(ChangeRequestDetailView):
    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        change_request = self.get_change_request()
        form = WithdrawForm(request.POST)
        if form.is_valid():
            try:
                services.change_request_withdraw(
                    change_request=change_request,
                    acting_user=request_user(request),
                    reason=form.cleaned_data["reason"],
                )
            except ValidationError as exc:
                messages.error(request, " ".join(exc.messages))
            else:
                messages.success(request, "Change request withdrawn.")
        return redirect("acos:change_request_detail", aco_id=self.aco.aco_id, request_id=change_request.pk)


class ReviewQueueView(CMSOnlyMixin, TemplateView):
    template_name = "acos/review_queue.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        user = request_user(self.request)
        state = self.request.GET.get("state", "")
        if state not in ("", "submitted", "in_review", "approved", "denied", "withdrawn"):
            state = ""
        aco_id = self.request.GET.get("aco", "").strip()
        context.update(
            page=Paginator(selectors.review_queue(user=user, state=state, aco_id=aco_id), 50).get_page(
                self.request.GET.get("page")
            ),
            state=state,
            aco_filter=aco_id,
            acos=selectors.aco_list_for_user(user=user).values_list("aco_id", flat=True),
        )
        return context
