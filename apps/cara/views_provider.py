"""The pages of a Preferred Provider user (docs/cara.md, "Preferred Provider users"), under ``/provider/``:
their EBRAs (offers waiting for an answer first), one EBRA with its terms, history, the answer to an offer,
its reconciliations with their statements and the analytics of their own episodes; the episodes attributed
to them under an active or terminated EBRA, and one episode with the beneficiary's claims in its window.

Only a Preferred Provider user (a ``ProviderMembership``) gets in; anyone else, an ACO's people and CMS staff
included, gets 404 (they see EBRAs on their own pages). Another Preferred Provider's EBRA, episode,
reconciliation or statement answers 404 exactly as a missing one. The context never carries ``aco``: the
base layout would show the ACO's navigation. Episode pages show beneficiaries: each is access-logged with
the EBRA's ACO.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.views.generic import TemplateView, View

from apps.accounts.models import AccessLog, User
from apps.accounts.selectors import request_user
from apps.accounts.services import access_log_record
from apps.acos.presentation import ChartBlock, DataTable
from lead_portal.formatting import money
from lead_portal.formatting import money_cents as usd

from . import arrangements, charts, provider
from .models import Arrangement, ArrangementStatus, CaraDocument, Episode
from .views import COMPONENTS, COST_BANDS

S = ArrangementStatus
EPISODE_PAGE_SIZE = 50
STATUS_CHOICES = (("", "Any"), ("closed", "Closed"), ("open", "Open"))
ANSWERS = ("accept", "decline")


def error_text(exc: ValidationError | PermissionDenied) -> str:
    if isinstance(exc, PermissionDenied):
        return str(exc) or "You cannot do that."
    return " ".join(exc.messages)


def arrangement_url(arrangement: Arrangement | int) -> str:
    pk = arrangement if isinstance(arrangement, int) else arrangement.pk
    return reverse("cara_provider:arrangement", kwargs={"arrangement_id": pk})


class ProviderMixin(LoginRequiredMixin):
    """The user is a Preferred Provider user, or the page does not exist for them (404)."""

    request: HttpRequest
    user: User

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        self.user = request_user(request)
        provider.require_provider_user(self.user)
        self.resolve(**kwargs)
        return super().dispatch(request, *args, **kwargs)  # type: ignore[return-value]

    def resolve(self, **kwargs: Any) -> None:
        """Look up the URL's objects through the user's scope (404 when not theirs)."""

    def log(
        self,
        arrangement: Arrangement,
        object_type: str,
        object_id: str,
        detail: str = "",
        action: str = AccessLog.Action.VIEW,
    ) -> None:
        """An access-log row: the Preferred Provider's person saw beneficiary-level data of the EBRA's ACO."""
        access_log_record(
            request=self.request,
            action=action,
            object_type=object_type,
            object_id=object_id,
            aco_code=arrangement.aco.aco_id,
            detail=detail,
        )


class HomeView(ProviderMixin, TemplateView):
    template_name = "cara/provider/home.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        rows = provider.home_arrangements(user=self.user)
        context.update(
            memberships=list(provider.provider_memberships(user=self.user)),
            arrangements=rows,
            waiting=sum(1 for a in rows if a.status in provider.WAITING),
            provider_nav="home",
        )
        return context


class _ArrangementPage(ProviderMixin):
    arrangement: Arrangement

    def resolve(self, **kwargs: Any) -> None:
        self.arrangement = provider.arrangement_get(user=self.user, arrangement_id=kwargs["arrangement_id"])


class ArrangementView(_ArrangementPage, TemplateView):
    template_name = "cara/provider/arrangement.html"

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        """Accept or decline an offer (a reason is required to decline). Errors show on the page."""
        action = request.POST.get("action", "")
        reason = request.POST.get("reason", "")
        if action not in ANSWERS:
            messages.error(request, f"Action: choose accept or decline, not “{action[:40]}”.")
            return redirect(arrangement_url(self.arrangement))
        try:
            arrangements.arrangement_act(
                arrangement=self.arrangement, acting_user=self.user, action=action, reason=reason
            )
        except (ValidationError, PermissionDenied) as exc:
            context = self.get_context_data(**kwargs)
            context.update(action_error=error_text(exc), reason=reason[:2000], tried=action)
            return self.render_to_response(context, status=400)
        messages.success(request, arrangements.ACTION_DONE[action])
        return redirect(arrangement_url(self.arrangement))

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        arrangement = self.arrangement
        terms = list(arrangement.terms.select_related("definition").order_by("definition__code"))
        reconciliations = list(arrangement.reconciliations.order_by("period_start"))
        statements = provider.statements_by_reconciliation(user=self.user, arrangement=arrangement)
        can_answer = [
            a for a in arrangements.available_actions(arrangement=arrangement, user=self.user) if a in ANSWERS
        ]
        context.update(
            arrangement=arrangement,
            counterpart=arrangement.aco.legal_name,
            terms=terms,
            history=list(provider.arrangement_history(arrangement=arrangement)),
            can_answer=can_answer,
            reconciliations=[(r, statements.get(r.pk, [])) for r in reconciliations],
            with_episodes=arrangement.status in provider.WITH_EPISODES,
            period_end=provider.period_end(arrangement),
            provider_nav="arrangement",
        )
        if arrangement.status in provider.WITH_EPISODES:
            run = provider.arrangement_run(arrangement=arrangement)
            episodes = list(provider.arrangement_episodes(arrangement=arrangement, run=run))
            context.update(run=run, episode_count=len(episodes), **analytics(terms, episodes))
        return context


def analytics(terms: list[Any], episodes: list[Episode]) -> dict[str, Any]:
    """The Preferred Provider's own episodes under the EBRA: volume and mean cost per type against the target,
    the mean cost by component, and how many cost how much. Aggregates: no beneficiary appears."""
    names = [t.definition.name for t in terms]
    by_type: dict[int, list[Episode]] = {t.definition_id: [] for t in terms}
    for e in episodes:
        by_type.setdefault(e.definition_id, []).append(e)
    closed = {d: [e for e in rows if e.closed] for d, rows in by_type.items()}
    mean = {d: (sum(e.cost_cents for e in rows) / len(rows) if rows else None) for d, rows in closed.items()}
    volume_rows = []
    for t in terms:
        m = mean.get(t.definition_id)
        volume_rows.append(
            [
                t.definition.name,
                len(by_type.get(t.definition_id, [])),
                len(closed.get(t.definition_id, [])),
                usd(m),
                usd(t.target_cents),
                usd(None if m is None else t.target_cents - m),
            ]
        )
    volume_block = ChartBlock(
        "provider-volume",
        "Mean cost of your closed episodes per episode type, beside the EBRA's target price.",
        charts.target_figure(
            names, [_dollars(mean.get(t.definition_id)) for t in terms], [t.target_cents / 100 for t in terms]
        )
        if any(closed.values())
        else None,
        DataTable(
            "provider-volume",
            "Your episodes per episode type against the target price",
            ["Episode type", "Episodes", "Closed", "Mean cost (closed)", "Target price", "Target minus mean"],
            volume_rows,
        ),
    )
    shown = [t for t in terms if closed.get(t.definition_id)]
    comp = {
        label: [
            _dollars(sum(getattr(e, f"{key}_cents") for e in closed[t.definition_id]) / len(closed[t.definition_id]))
            or 0.0
            for t in shown
        ]
        for label, key in COMPONENTS
    }
    components_block = ChartBlock(
        "provider-components",
        "Mean cost of your closed episodes by component, per episode type; the black mark is the portal-wide "
        "baseline the EBRA's target price was set from.",
        charts.components_figure([t.definition.name for t in shown], comp, [t.baseline_cents / 100 for t in shown])
        if shown
        else None,
        DataTable(
            "provider-components",
            "Mean cost of a closed episode by component",
            ["Episode type", *(label for label, _ in COMPONENTS), "Total", "Baseline", "Target price"],
            [
                [
                    t.definition.name,
                    *(money(comp[label][i]) for label, _ in COMPONENTS),
                    usd(mean[t.definition_id]),
                    usd(t.baseline_cents),
                    usd(t.target_cents),
                ]
                for i, t in enumerate(shown)
            ],  # fmt: skip
        ),
    )
    costs = [np.array([e.cost_cents for e in closed[t.definition_id]], dtype=np.int64) for t in shown]
    band_counts = [[int(((c >= lo) & (c < hi)).sum()) for lo, hi, _ in COST_BANDS] for c in costs]
    distribution_block = ChartBlock(
        "provider-distribution",
        "How many of your closed episodes cost how much, per episode type.",
        charts.distribution_figure([label for *_, label in COST_BANDS], [t.definition.name for t in shown], band_counts)
        if shown
        else None,
        DataTable(
            "provider-distribution",
            "Your closed episodes by cost band",
            ["Episode type", *(label for *_, label in COST_BANDS), "Median"],
            [
                [t.definition.name, *counts, money(float(np.median(c)) / 100)]
                for t, counts, c in zip(shown, band_counts, costs, strict=True)
            ],
        ),
    )
    return {
        "volume_block": volume_block,
        "components_block": components_block,
        "distribution_block": distribution_block,
    }


def _dollars(cents: float | None) -> float | None:
    return None if cents is None else round(float(cents) / 100, 2)


class EpisodeListView(_ArrangementPage, TemplateView):
    """The episodes attributed to the Preferred Provider under the EBRA, oldest first (beneficiary-level:
    every view is access-logged)."""

    template_name = "cara/provider/episodes.html"

    def filters(self) -> dict[str, str]:
        get = self.request.GET
        codes = {t.definition.code for t in self.arrangement.terms.select_related("definition")}
        kind = get.get("type", "").strip()
        status = get.get("status", "")
        return {"type": kind if kind in codes else "", "status": status if status in ("closed", "open") else ""}

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        arrangement = self.arrangement
        filters = self.filters()
        run = provider.arrangement_run(arrangement=arrangement)
        rows = provider.arrangement_episodes(
            arrangement=arrangement,
            run=run,
            episode_type=filters["type"],
            closed={"closed": True, "open": False}.get(filters["status"]),
        )
        page = Paginator(rows, EPISODE_PAGE_SIZE).get_page(self.request.GET.get("page"))
        query = self.request.GET.copy()
        query.pop("page", None)
        context.update(
            arrangement=arrangement,
            counterpart=arrangement.aco.legal_name,
            terms=list(arrangement.terms.select_related("definition").order_by("definition__code")),
            with_episodes=arrangement.status in provider.WITH_EPISODES,
            period_end=provider.period_end(arrangement),
            run=run,
            filters=filters,
            statuses=STATUS_CHOICES,
            page=page,
            filtered=any(filters.values()),
            list_query=query.urlencode(),
            provider_nav="arrangement",
        )
        shown = ", ".join(f"{k}={v!r}" for k, v in filters.items() if v)
        self.log(arrangement, "cara_provider_episodes", f"EBRA {arrangement.pk}", f"page {page.number} {shown}".strip())
        return context


class EpisodeView(_ArrangementPage, TemplateView):
    """One episode: its anchor, window and cost components, and the beneficiary's claims the cost counts."""

    template_name = "cara/provider/episode.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        arrangement = self.arrangement
        episode = provider.episode_get(arrangement=arrangement, episode_id=kwargs["episode_id"])
        claims = provider.episode_claims(episode=episode, arrangement=arrangement)
        term = arrangement.terms.filter(definition_id=episode.definition_id).first()
        context.update(
            arrangement=arrangement,
            counterpart=arrangement.aco.legal_name,
            episode=episode,
            beneficiary=provider.beneficiary_name(episode.mbi),
            term=term,
            components=[(label, usd(getattr(episode, f"{key}_cents"))) for label, key in COMPONENTS],
            claims=claims,
            claims_total=money(sum(c.amount for c in claims)),
            provider_nav="arrangement",
        )
        self.log(arrangement, "cara_provider_episode", episode.mbi, f"EBRA {arrangement.pk}, episode {episode.pk}")
        return context


class StatementView(ProviderMixin, View):
    """POST ``format`` (xlsx or pdf): build the reconciliation's statement in the background."""

    http_method_names = ["post"]

    def resolve(self, **kwargs: Any) -> None:
        self.reconciliation = provider.reconciliation_get(user=self.user, reconciliation_id=kwargs["reconciliation_id"])

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        from . import documents

        reconciliation = self.reconciliation
        back = arrangement_url(reconciliation.arrangement_id)
        fmt = request.POST.get("format", "")
        if fmt not in CaraDocument.Format.values:
            messages.error(request, f"Format: choose XLSX or PDF, not “{fmt[:20]}”.")
            return redirect(back)
        try:
            documents.statement_request(reconciliation=reconciliation, fmt=fmt, acting_user=self.user)
        except (ValidationError, PermissionDenied) as exc:
            messages.error(request, error_text(exc))
            return redirect(back)
        messages.success(
            request,
            f"Statement ({fmt.upper()}) requested: it is built in the background; download it from the "
            "reconciliations below when it is ready.",
        )
        return redirect(f"{back}#reconciliations")


class DocumentView(ProviderMixin, View):
    """Download a statement of one of the user's EBRAs (the download is access-logged by ``document_response``:
    a statement lists the episodes' beneficiaries); until it is built, a page saying so."""

    http_method_names = ["get"]

    def resolve(self, **kwargs: Any) -> None:
        self.document = provider.document_get(user=self.user, document_id=kwargs["document_id"])

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        from . import documents

        document = self.document
        back = arrangement_url(document.reconciliation.arrangement_id) if document.reconciliation else ""
        return documents.document_response(document=document, request=request, back_url=back)
