"""What a Preferred Provider user reads (docs/cara.md, "Preferred Provider users"), scoped to the user: their
EBRAs (``arrangements.provider_arrangements``: never a draft), the episodes attributed to them under an active
or terminated EBRA, the claims of those episodes' beneficiaries inside each window, the reconciliations and
their statements. Anything else, another Preferred Provider's or the ACO's, answers 404 exactly as a missing
id does.

The episodes of an EBRA come from the PY's latest successful episode run: the EBRA's ACO, its Preferred
Provider row, its episode types, starting from the effective start to the effective end (or the day it was
terminated).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import Q, QuerySet
from django.http import Http404

from apps.accounts.models import User
from apps.acos.models import ParticipantTIN, PreferredProvider
from apps.claims.models import Beneficiary, ClaimFact

from . import arrangements, selectors
from .catalogue import CLAIM_CATEGORIES
from .models import (
    Arrangement,
    ArrangementEvent,
    ArrangementStatus,
    CaraDocument,
    Episode,
    EpisodeRun,
    ProviderMembership,
    Reconciliation,
    TriggerKind,
)

S = ArrangementStatus
WITH_EPISODES = (S.ACTIVE, S.TERMINATED)
# Offers waiting for the Preferred Provider's answer come first on its home page.
WAITING = (S.OFFERED,)

CATEGORY_LABELS: dict[str, str] = {"index": "Index (the trigger's own claim)", **CLAIM_CATEGORIES}
CATEGORY_LABELS["inpatient"] = "Readmission (inpatient stay)"
SOURCE_LABELS = {1: "Part A (institutional)", 5: "Part B (professional)", 6: "DME"}
# CCLF1 claim types an episode counts (docs/cara.md, "The rule", step 5).
COUNTED_TYPES = (10, 20, 30, 40, 50, 60)
PART_A_CATEGORY = {60: "inpatient", 20: "snf", 30: "snf", 10: "home_health", 40: "outpatient", 50: "hospice"}


def _pk(value: Any, what: str) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        raise Http404(f"No such {what}.") from None


# --- who --------------------------------------------------------------------------------------------------


def provider_memberships(*, user: User) -> QuerySet[ProviderMembership]:
    return ProviderMembership.objects.filter(user=user).order_by("name", "tin", "npi")


def require_provider_user(user: User) -> None:
    """A Preferred Provider user (a ``ProviderMembership``) goes on; anyone else gets 404: the pages are not
    theirs (an ACO's people see the EBRAs on the ACO's pages, CMS staff on CMS's)."""
    if not arrangements.is_provider_user(user):
        raise Http404("Not found.")


# --- EBRAs ------------------------------------------------------------------------------------------------


def home_arrangements(*, user: User) -> list[Arrangement]:
    """The user's EBRAs, offers waiting for an answer first, then newest first."""
    rows = list(arrangements.provider_arrangements(user=user).prefetch_related("terms__definition"))
    return sorted(rows, key=lambda a: (a.status not in WAITING, -a.created_at.timestamp(), -a.pk))


def arrangement_get(*, user: User, arrangement_id: Any) -> Arrangement:
    return arrangements.provider_arrangement_get(user=user, arrangement_id=arrangement_id)


def arrangement_history(*, arrangement: Arrangement) -> QuerySet[ArrangementEvent]:
    return arrangement.events.select_related("actor").order_by("at", "pk")


def period_end(arrangement: Arrangement) -> dt.date:
    """The last day whose episodes count: the effective end, or the day the EBRA was terminated."""
    if arrangement.terminated_on is not None:
        return min(arrangement.effective_end, arrangement.terminated_on)
    return arrangement.effective_end


# --- episodes ---------------------------------------------------------------------------------------------


def arrangement_run(*, arrangement: Arrangement) -> EpisodeRun | None:
    return selectors.latest_run(performance_year=arrangement.performance_year)


def arrangement_episodes(
    *,
    arrangement: Arrangement,
    run: EpisodeRun | None = None,
    episode_type: str = "",
    closed: bool | None = None,
) -> QuerySet[Episode]:
    """The episodes attributed to the EBRA's Preferred Provider under it: none unless it is active or
    terminated; the run's episodes of the EBRA's ACO, Preferred Provider and types that start inside the
    effective period (to the termination day), oldest first."""
    if arrangement.status not in WITH_EPISODES:
        return Episode.objects.none()
    run = run or arrangement_run(arrangement=arrangement)
    if run is None:
        return Episode.objects.none()
    rows = Episode.objects.filter(
        run=run,
        aco_id=arrangement.aco_id,
        preferred_provider_id=arrangement.preferred_provider_id,
        definition_id__in=arrangement.terms.values("definition_id"),
        start_date__gte=arrangement.effective_start,
        start_date__lte=period_end(arrangement),
    ).select_related("definition")
    if episode_type:
        rows = rows.filter(definition__code=episode_type)
    if closed is not None:
        rows = rows.filter(closed=closed)
    return rows.order_by("start_date", "mbi", "pk")


def episode_get(*, arrangement: Arrangement, episode_id: Any) -> Episode:
    row = arrangement_episodes(arrangement=arrangement).filter(pk=_pk(episode_id, "episode")).first()
    if row is None:
        raise Http404("No such episode.")
    return row


def beneficiary_name(mbi: str) -> str:
    """The beneficiary's name as the Preferred Provider's people know their patient ("" when unknown)."""
    bene = Beneficiary.objects.filter(mbi=mbi).values("first_name", "last_name").first()
    if bene is None:
        return ""
    return ", ".join(p for p in (bene["last_name"].strip(), bene["first_name"].strip()) if p)


@dataclass(frozen=True)
class EpisodeClaim:
    source: str
    category: str
    category_label: str
    from_date: dt.date | None
    thru_date: dt.date | None
    claim: str
    service: str
    provider: str
    amount: Decimal


class _Who:
    """Who billed, as a Preferred Provider may see it: its own TIN and NPI by its name; a TIN, CCN or NPI on
    an ACO's lists (the EBRA's ACO's or another's) as words, never the identifier, since other Preferred
    Providers and the ACO's participants are not the Preferred Provider's to know; anyone else by the
    identifiers on the claim."""

    def __init__(self, arrangement: Arrangement, facts: list[dict[str, Any]]) -> None:
        pp = arrangement.preferred_provider
        self.own_tin, self.own_npi, self.own_name = pp.tin, pp.npi, pp.name
        self.counterpart = arrangement.aco.legal_name
        self.aco_id = arrangement.aco_id
        tins = {f["tin"] for f in facts} - {""}
        npis = {f["npi"] for f in facts} - {""}
        ccns = {f["ccn"] for f in facts} - {""}
        listed_tins = ParticipantTIN.objects.filter(tin__in=tins).values_list("tin", "aco_id")
        listed_pps = PreferredProvider.objects.filter(Q(tin__in=tins) | Q(npi__in=npis)).values_list(
            "tin", "npi", "aco_id"
        )
        self.tins: dict[str, bool] = {}  # identifier -> on the EBRA's ACO's lists
        self.npis: dict[str, bool] = {}
        for tin, aco_id in listed_tins:
            self.tins[tin] = self.tins.get(tin, False) or aco_id == self.aco_id
        for tin, npi, aco_id in listed_pps:
            if tin in tins:
                self.tins[tin] = self.tins.get(tin, False) or aco_id == self.aco_id
            if npi in npis:
                self.npis[npi] = self.npis.get(npi, False) or aco_id == self.aco_id
        self.ccns: dict[str, bool] = {}
        if ccns:
            for aco_id, listed in ParticipantTIN.objects.exclude(ccns=[]).values_list("aco_id", "ccns"):
                for ccn in {str(c) for c in listed or []} & ccns:
                    self.ccns[ccn] = self.ccns.get(ccn, False) or aco_id == self.aco_id

    def describe(self, *, tin: str, npi: str, ccn: str) -> str:
        if (npi and npi == self.own_npi) or (tin and tin == self.own_tin and not npi):
            return f"You ({self.own_name})"
        listed = [d[v] for d, v in ((self.tins, tin), (self.npis, npi), (self.ccns, ccn)) if v and v in d]
        if listed:
            # Another ACO's providers stay unnamed, and are not told apart from other unnamed ones.
            return f"A provider of {self.counterpart}" if any(listed) else "Another provider (not named)"
        parts = [f"CCN {ccn}" if ccn else "", f"TIN {tin}" if tin else "", f"NPI {npi}" if npi else ""]
        return "; ".join(p for p in parts if p) or "—"


def _category(fact: dict[str, Any], episode: Episode) -> str | None:
    source, claim_type = fact["source"], fact["claim_type"]
    inpatient_trigger = episode.definition.trigger_kind == TriggerKind.INPATIENT
    if fact["claim_id"] == episode.trigger_claim_id and (
        (source == 1 and claim_type == 60 and inpatient_trigger) or (source == 5 and not inpatient_trigger)
    ):
        return "index"
    if source == 1:
        return PART_A_CATEGORY.get(claim_type)
    return "professional" if source == 5 else "dme"


def episode_claims(*, episode: Episode, arrangement: Arrangement) -> list[EpisodeClaim]:
    """The beneficiary's claims the episode's cost counts (docs/cara.md, "The rule", step 5): current, paid
    claim facts (CCLF1 headers of the counted claim types, CCLF5 and CCLF6 lines not denied) whose from-date
    lies in the window, in the definition's categories (the trigger's own claim always), by date."""
    facts: list[dict[str, Any]] = [
        dict(f)
        for f in ClaimFact.objects.filter(
            current_mbi=episode.mbi,
            service_year__gte=episode.start_date.year,
            service_year__lte=episode.end_date.year,
            from_date__gte=episode.start_date,
            from_date__lte=episode.end_date,
            source__in=(1, 5, 6),
            is_current=True,
            is_denied=False,
        )
        .filter(Q(source__in=(5, 6)) | Q(claim_type__in=COUNTED_TYPES))
        .values(
            "source", "claim_id", "claim_type", "from_date", "thru_date", "tin", "npi", "ccn", "hcpcs", "paid_cents"
        )
        .order_by("from_date", "source", "claim_id", "row_id")
    ]
    for f in facts:
        for key in ("tin", "npi", "ccn", "hcpcs"):
            f[key] = (f[key] or "").strip()
    who = _Who(arrangement, facts)
    included = set(episode.definition.included_categories or [])
    out: list[EpisodeClaim] = []
    for f in facts:
        category = _category(f, episode)
        if category is None or (category != "index" and category not in included):
            continue
        service = f"HCPCS {f['hcpcs']}" if f["hcpcs"] else ""
        if f["source"] == 1 and f["claim_id"] == episode.trigger_claim_id:
            service = f"MS-DRG {episode.trigger_code}"
        out.append(
            EpisodeClaim(
                source=SOURCE_LABELS.get(f["source"], ""),
                category=category,
                category_label=CATEGORY_LABELS.get(category, category),
                from_date=f["from_date"],
                thru_date=f["thru_date"],
                claim=str(f["claim_id"] or "—"),
                service=service or "—",
                provider=who.describe(tin=f["tin"], npi=f["npi"], ccn=f["ccn"]),
                amount=ClaimFact.dollars(f["paid_cents"]),
            )
        )
    return out


# --- reconciliations and statements ------------------------------------------------------------------------


def provider_reconciliations(*, user: User) -> QuerySet[Reconciliation]:
    return (
        Reconciliation.objects.filter(arrangement__in=arrangements.provider_arrangements(user=user).values("pk"))
        .select_related("arrangement", "arrangement__aco", "arrangement__preferred_provider")
        .order_by("arrangement_id", "period_start")
    )


def reconciliation_get(*, user: User, reconciliation_id: Any) -> Reconciliation:
    row = provider_reconciliations(user=user).filter(pk=_pk(reconciliation_id, "reconciliation")).first()
    if row is None:
        raise Http404("No such reconciliation.")
    return row


def provider_documents(*, user: User) -> QuerySet[CaraDocument]:
    """The statements of the user's EBRAs' reconciliations (never a contracting template: that is the ACO's)."""
    return (
        CaraDocument.objects.filter(
            kind=CaraDocument.Kind.STATEMENT,
            reconciliation__arrangement__in=arrangements.provider_arrangements(user=user).values("pk"),
        )
        .select_related("reconciliation", "reconciliation__arrangement")
        .order_by("-created_at", "-pk")
    )


def document_get(*, user: User, document_id: Any) -> CaraDocument:
    row = provider_documents(user=user).filter(pk=_pk(document_id, "document")).first()
    if row is None:
        raise Http404("No such document.")
    return row


def statements_by_reconciliation(*, user: User, arrangement: Arrangement) -> dict[int, list[CaraDocument]]:
    """The latest statement of each format per reconciliation of the EBRA."""
    out: dict[int, list[CaraDocument]] = {}
    seen: set[tuple[int, str]] = set()
    for doc in provider_documents(user=user).filter(reconciliation__arrangement=arrangement):
        key = (doc.reconciliation_id or 0, doc.format)
        if key in seen:
            continue
        seen.add(key)
        out.setdefault(doc.reconciliation_id or 0, []).append(doc)
    return out
