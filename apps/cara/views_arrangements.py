"""The ACO's EBRAs (docs/cara.md, "Arrangements"): the list, drafting and editing, one EBRA with its terms,
its lifecycle actions, CMS's review, comments and history, and its reconciliations with their statements.
CMS reviewers open the same pages (CMS staff see every ACO) and decide there."""

from __future__ import annotations

from decimal import Decimal
from functools import cached_property
from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.views.generic import TemplateView, View

from apps.accounts.selectors import request_user
from apps.acos.mixins import ACOScopedMixin
from apps.reviews import services as review_services
from apps.reviews.models import ReviewState
from apps.reviews.selectors import version_diff
from lead_portal.formatting import money_cents as usd

from . import arrangements
from .models import Arrangement, ArrangementStatus, QualityLink

S = ArrangementStatus


def detail_url(arrangement: Arrangement) -> str:
    return reverse(
        "cara:arrangement_detail", kwargs={"aco_id": arrangement.aco.aco_id, "arrangement_id": arrangement.pk}
    )


def error_text(exc: ValidationError | PermissionDenied) -> str:
    if isinstance(exc, PermissionDenied):
        return str(exc) or "You cannot do that."
    return " ".join(exc.messages)


class ArrangementForm(forms.Form):
    """The EBRA's own fields; the episode types are rows of the same form (``type_<id>_*``), built by the view
    from the PY's definitions and their baselines."""

    preferred_provider = forms.TypedChoiceField(label="Preferred Provider", coerce=int)
    effective_start = forms.DateField(label="Effective from", widget=forms.DateInput(attrs={"type": "date"}))
    effective_end = forms.DateField(label="Effective to", widget=forms.DateInput(attrs={"type": "date"}))
    performance_adjustment_pct = forms.DecimalField(
        label="Performance adjustment (%)",
        min_value=Decimal(10),
        max_value=Decimal(100),
        decimal_places=2,
        help_text="The share of each period's savings or losses that depends on the quality measure: 10–100%.",
    )
    quality_measure = forms.ChoiceField(label="Linked quality measure", choices=QualityLink.choices)
    repayment_limit_pct = forms.DecimalField(
        label="Repayment limit (%)",
        min_value=Decimal(0),
        max_value=Decimal(100),
        decimal_places=2,
        help_text="A period's repayment is at most this share of the period's total target price.",
    )

    def __init__(self, *args: Any, providers: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["preferred_provider"].choices = [("", "Choose a Preferred Provider"), *providers]  # type: ignore[attr-defined]
        for name, field in self.fields.items():
            css = "ds-c-field"
            field.widget.attrs.setdefault("class", css)
            field.widget.attrs.setdefault("id", f"id_{name}")


class _ArrangementPages(ACOScopedMixin):
    nav = "cara"
    kwargs: dict[str, Any]
    request: HttpRequest

    @cached_property
    def arrangement(self) -> Arrangement:
        return arrangements.aco_arrangement_get(aco=self.aco, arrangement_id=self.kwargs["arrangement_id"])

    def type_rows(self, post: Any = None, arrangement: Arrangement | None = None) -> list[dict[str, Any]]:
        """One row per episode type the EBRA may use, with its baseline and what the form holds."""
        py = arrangement.performance_year if arrangement else self.performance_year
        _, baselines = arrangements.baselines_for(performance_year=py)
        terms = {t.definition_id: t for t in arrangement.terms.all()} if arrangement else {}
        rows = []
        for d in arrangements.definitions_for(aco=self.aco, performance_year=py).order_by("aco_id", "pk"):
            b = baselines.get(d.pk)
            term = terms.get(d.pk)
            if post is not None:
                include = post.get(f"type_{d.pk}_include") == "on"
                adjustment = post.get(f"type_{d.pk}_adjustment", "discount")
                rate = post.get(f"type_{d.pk}_rate", "0")
            else:
                include = term is not None
                adjustment = term.adjustment if term else "discount"
                rate = str(term.rate_pct) if term else "0"
            rows.append(
                {
                    "definition": d,
                    "baseline": usd(b.mean_cost_cents) if b and b.mean_cost_cents is not None else "no baseline yet",
                    "volume": b.episodes if b else 0,
                    "include": include,
                    "adjustment": adjustment,
                    "rate": rate,
                }
            )
        return rows

    def providers(self, py: int) -> list[tuple[int, str]]:
        return [
            (p.pk, f"{p.name} (NPI {p.npi}, TIN {p.tin})")
            for p in arrangements.eligible_providers(aco=self.aco, performance_year=py)
        ]

    @staticmethod
    def data_from(form: ArrangementForm, post: Any, rows: list[dict[str, Any]]) -> dict[str, Any]:
        data = dict(form.cleaned_data)
        data["terms"] = [
            {"definition": r["definition"].pk, "adjustment": r["adjustment"], "rate_pct": r["rate"]}
            for r in rows
            if r["include"]
        ]
        return data


class ArrangementListView(_ArrangementPages, TemplateView):
    template_name = "cara/arrangements/list.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        py = self.performance_year
        rows = list(
            arrangements.aco_arrangements(aco=self.aco, performance_year=py).prefetch_related("terms__definition")
        )
        totals = {}
        for r in rows:
            recs = list(r.reconciliations.all())
            totals[r.pk] = {
                "periods": len(recs),
                "amount": usd(sum(x.amount_cents for x in recs)) if recs else "—",
            }
        context.update(
            nav_current="cara",
            rows=[
                {"arrangement": r, "types": [t.definition.name for t in r.terms.all()], **totals[r.pk]} for r in rows
            ],
            refusal=arrangements.cara_refusal(aco=self.aco, performance_year=py),
            can_draft=self.can_edit and not arrangements.cara_refusal(aco=self.aco, performance_year=py),
        )
        return context


class ArrangementCreateView(_ArrangementPages, TemplateView):
    template_name = "cara/arrangements/form.html"
    editors_only = True

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        py = self.performance_year
        refusal = arrangements.cara_refusal(aco=self.aco, performance_year=py)
        form = kwargs.get("form") or ArrangementForm(
            providers=self.providers(py),
            initial={
                "effective_start": f"{py}-01-01",
                "effective_end": f"{py}-12-31",
                "performance_adjustment_pct": "50",
                "repayment_limit_pct": "20",
                "quality_measure": QualityLink.UAMCC,
            },
        )
        context.update(
            form=form,
            rows=kwargs.get("rows") or self.type_rows(),
            refusal=refusal,
            errors=kwargs.get("errors", []),
            heading=f"New EBRA for PY{py}",
            action=reverse("cara:arrangement_new", kwargs={"aco_id": self.aco.aco_id}) + f"?py={py}",
        )
        return context

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        py = self.performance_year
        form = ArrangementForm(request.POST, providers=self.providers(py))
        rows = self.type_rows(post=request.POST)
        if not form.is_valid():
            return self.render_to_response(self.get_context_data(form=form, rows=rows), status=400)
        try:
            arrangement = arrangements.arrangement_create(
                aco=self.aco,
                acting_user=request_user(request),
                performance_year=py,
                data=self.data_from(form, request.POST, rows),
            )
        except ValidationError as exc:
            return self.render_to_response(self.get_context_data(form=form, rows=rows, errors=exc.messages), status=400)
        messages.success(request, "Draft EBRA saved. Offer it to the Preferred Provider when the terms are ready.")
        return redirect(detail_url(arrangement))


class ArrangementEditView(_ArrangementPages, TemplateView):
    template_name = "cara/arrangements/form.html"
    editors_only = True

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        a = self.arrangement
        form = kwargs.get("form") or ArrangementForm(
            providers=self.providers(a.performance_year),
            initial={
                "preferred_provider": a.preferred_provider_id,
                "effective_start": a.effective_start,
                "effective_end": a.effective_end,
                "performance_adjustment_pct": a.performance_adjustment_pct,
                "repayment_limit_pct": a.repayment_limit_pct,
                "quality_measure": a.quality_measure,
            },
        )
        context.update(
            arrangement=a,
            form=form,
            rows=kwargs.get("rows") or self.type_rows(arrangement=a),
            errors=kwargs.get("errors", []),
            heading=f"Edit EBRA {a.pk} with {a.preferred_provider.name}",
            action=reverse("cara:arrangement_edit", kwargs={"aco_id": self.aco.aco_id, "arrangement_id": a.pk}),
            performance_year=a.performance_year,
        )
        return context

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        a = self.arrangement
        form = ArrangementForm(request.POST, providers=self.providers(a.performance_year))
        rows = self.type_rows(post=request.POST, arrangement=a)
        if not form.is_valid():
            return self.render_to_response(self.get_context_data(form=form, rows=rows), status=400)
        try:
            arrangements.arrangement_update(
                arrangement=a, acting_user=request_user(request), data=self.data_from(form, request.POST, rows)
            )
        except (ValidationError, PermissionDenied) as exc:
            errors = exc.messages if isinstance(exc, ValidationError) else [error_text(exc)]
            return self.render_to_response(self.get_context_data(form=form, rows=rows, errors=errors), status=400)
        messages.success(request, "EBRA saved.")
        return redirect(detail_url(a))


class ArrangementDetailView(_ArrangementPages, TemplateView):
    template_name = "cara/arrangements/detail.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        a = self.arrangement
        user = request_user(self.request)
        case = a.review
        versions = list(case.versions.select_related("submitted_by").order_by("number")) if case else []
        diff = (
            [
                {"label": arrangements.snapshot_label(r["field"]), "old": r["old"], "new": r["new"]}
                for r in version_diff(case=case)
            ]
            if case
            else []
        )
        actions = arrangements.available_actions(arrangement=a, user=user)
        recs = list(a.reconciliations.order_by("period_start"))
        context.update(
            arrangement=a,
            performance_year=a.performance_year,
            terms=[
                {
                    "name": t.definition.name,
                    "design": t.definition.get_design_display(),
                    "baseline": usd(t.baseline_cents),
                    "adjustment": f"{t.get_adjustment_display()} {t.rate_pct.normalize():f}%",
                    "target": usd(t.target_cents),
                }
                for t in a.terms.select_related("definition").order_by("definition__code")
            ],
            events=a.events.select_related("actor"),
            actions=actions,
            case=case,
            versions=versions,
            diff=diff,
            transitions=case.transitions.select_related("actor") if case else [],
            comments=list(case.comments.select_related("author", "version")) if case else [],
            can_comment=case is not None and (self.can_edit or user.can_review),
            can_start_review="start_review" in actions,
            can_decide="decide" in actions,
            reconciliations=[
                {
                    "row": r,
                    "target": usd(r.target_cents),
                    "actual": usd(r.actual_cents),
                    "difference": usd(r.difference_cents),
                    "adjusted": usd(r.adjusted_cents),
                    "cap": usd(r.repayment_cap_cents),
                    "amount": usd(abs(r.amount_cents)),
                    "direction": "Payment to the Preferred Provider"
                    if r.amount_cents > 0
                    else ("Repayment by the Preferred Provider" if r.amount_cents < 0 else "Nothing owed"),
                }
                for r in recs
            ],
            net=usd(sum(r.amount_cents for r in recs)) if recs else None,
            terminate_default=min(max(arrangements.aco_selectors.portal_today(), a.effective_start), a.effective_end),
            status_open_review=case is not None and case.state in (ReviewState.SUBMITTED, ReviewState.IN_REVIEW),
        )
        return context


class ArrangementActView(_ArrangementPages, View):
    """Every lifecycle move, posted from the EBRA's page (``action`` and, for some, ``reason`` and ``on``)."""

    cms_may_write = True

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        action = request.POST.get("action", "")
        a = self.arrangement
        try:
            arrangements.arrangement_act(
                arrangement=a,
                acting_user=request_user(request),
                action=action,
                reason=request.POST.get("reason", ""),
                on=request.POST.get("on", ""),
            )
        except (ValidationError, PermissionDenied) as exc:
            messages.error(request, error_text(exc))
        else:
            messages.success(request, arrangements.ACTION_DONE.get(action, "Done."))
        return redirect(detail_url(a))


class ArrangementCommentView(_ArrangementPages, View):
    cms_may_write = True

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        a = self.arrangement
        if a.review is None:
            messages.error(request, "Comments open when the EBRA is submitted to CMS.")
            return redirect(detail_url(a))
        try:
            review_services.comment_add(
                case=a.review, acting_user=request_user(request), body=request.POST.get("body", "")
            )
        except (ValidationError, PermissionDenied) as exc:
            messages.error(request, error_text(exc))
        else:
            messages.success(request, "Comment added.")
        return redirect(detail_url(a) + "#comments")
