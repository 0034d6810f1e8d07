"""The CARA demo (``manage.py cara_demo``, run by ``manage.py demo``): L0001 (Global risk, CARA elected) and its
Preferred Providers with the most attributed episodes.

- PY2027's first episode date is set to Jan 1, 2027 (the parameter; one source says CARA starts in 2027), so
  the demo year has payment episodes to reconcile.
- The Preferred Provider user ``provider.user`` speaks for the provider with the most episodes (and for a second
  NPI of the same TIN when there is one).
- EBRA 1 with that provider: its two most frequent episode types at a 3% discount, 50% performance adjustment on
  UAMCC, 20% repayment limit: offered, accepted by ``provider.user``, submitted, approved by ``cms.reviewer``:
  active, and reconciled each quarter the claims reach.
- EBRA 2, offered to the same user (the next provider NPI of the same TIN, or the same provider for a type
  EBRA 1 does not hold), waits for an answer; EBRA 3 with another Preferred Provider is submitted and waits for CMS.

Every step goes through the lifecycle services, so the history reads as if people did it. Safe to run again.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import Count

from apps.accounts.models import User
from apps.accounts.services import user_create
from apps.acos.demo import DEMO_PASSWORD_DEFAULT
from apps.acos.models import ACO, Election

from . import arrangements, selectors
from .models import Arrangement, Episode, EpisodeParameters, ProviderMembership

PY = 2027
PROVIDER_USERNAME = "provider.user"


@dataclass
class DemoOutcome:
    arrangements: int = 0
    notes: list[str] = field(default_factory=list)


def _terms(types: list[int], rate: str) -> list[dict[str, object]]:
    return [{"definition": d, "adjustment": "discount", "rate_pct": rate} for d in types]


def demo_load(*, password: str = DEMO_PASSWORD_DEFAULT) -> DemoOutcome:
    out = DemoOutcome()
    params, _ = EpisodeParameters.objects.get_or_create(performance_year=PY)
    if params.first_episode_date != dt.date(PY, 1, 1):
        params.first_episode_date = dt.date(PY, 1, 1)
        params.save(update_fields=["first_episode_date"])
    aco = ACO.objects.filter(aco_id="L0001").first()
    admin = User.objects.filter(username="cvhp.admin").first()
    reviewer = User.objects.filter(username="cms.reviewer").first()
    run = selectors.latest_run(performance_year=PY)
    if aco is None or admin is None or reviewer is None or run is None:
        out.notes.append("CARA demo skipped: it needs the demo ACO L0001, its accounts and an episode run.")
        return out
    # The demo's Global-risk ACO elects CARA (a generated bundle's elections carry no CARA choice).
    Election.objects.filter(aco=aco, performance_year=PY, risk_option="global").update(cara_participation=True)
    if Arrangement.objects.filter(aco=aco).exists():
        out.notes.append("CARA demo: L0001's EBRAs are already there.")
        return out
    eligible = {p.pk: p for p in arrangements.eligible_providers(aco=aco, performance_year=PY)}
    _, baselines = arrangements.baselines_for(performance_year=PY)
    counts = list(
        Episode.objects.filter(run=run, aco=aco, preferred_provider__in=list(eligible), definition__in=list(baselines))
        .values("preferred_provider", "definition")
        .annotate(n=Count("pk"))
        .order_by("-n", "preferred_provider", "definition")
    )
    by_provider: dict[int, list[int]] = {}
    for row in counts:
        by_provider.setdefault(row["preferred_provider"], []).append(row["definition"])
    if not by_provider:
        out.notes.append("CARA demo skipped: no episode is attributed to an L0001 Preferred Provider.")
        return out
    ranked = sorted(by_provider, key=lambda pk: -sum(r["n"] for r in counts if r["preferred_provider"] == pk))
    first = eligible[ranked[0]]
    user = User.objects.filter(username=PROVIDER_USERNAME).first() or user_create(
        username=PROVIDER_USERNAME,
        password=password,
        email=f"{PROVIDER_USERNAME}@lead-demo.example",
        first_name="Jordan",
        last_name="Alvarez",
    )
    same_tin = [p for p in eligible.values() if p.tin == first.tin]
    for p in same_tin:
        ProviderMembership.objects.get_or_create(user=user, tin=p.tin, npi=p.npi, defaults={"name": p.name})
    data = {
        "effective_start": dt.date(PY, 1, 1),
        "effective_end": dt.date(PY, 12, 31),
        "performance_adjustment_pct": "50",
        "repayment_limit_pct": "20",
        "quality_measure": "uamcc",
    }

    def draft(provider_pk: int, types: list[int], rate: str) -> Arrangement:
        return arrangements.arrangement_create(
            aco=aco,
            acting_user=admin,
            performance_year=PY,
            data={**data, "preferred_provider": provider_pk, "terms": _terms(types, rate)},
        )

    def act(a: Arrangement, *steps: tuple[str, User, str]) -> None:
        for action, who, reason in steps:
            arrangements.arrangement_act(arrangement=a, acting_user=who, action=action, reason=reason)

    active = draft(first.pk, by_provider[first.pk][:2], "3")
    act(
        active,
        ("offer", admin, ""),
        ("accept", user, ""),
        ("submit", admin, ""),
        ("approve", reviewer, "Targets follow the portal-wide baselines; UAMCC is linked as CMS expects."),
    )
    second = next((p for p in same_tin if p.pk != first.pk and p.pk in by_provider), None)
    if second is not None:
        offer = draft(second.pk, by_provider[second.pk][:1], "2")
    else:
        # The same provider, for a type its active EBRA does not hold.
        held = set(by_provider[first.pk][:2])
        spare = [d for d in by_provider[first.pk] if d not in held] or [d for d in baselines if d not in held]
        offer = draft(first.pk, spare[:1], "2")
    act(offer, ("offer", admin, ""))
    others = [pk for pk in ranked if eligible[pk].tin != first.tin]
    if others:
        submitted = draft(others[0], by_provider[others[0]][:1], "5")
        act(submitted, ("offer", admin, ""))
        # The other provider's people have no portal account in the demo: their acceptance is recorded by
        # a CMS-issued account of theirs, made here for the step only.
        theirs = eligible[others[0]]
        proxy = User.objects.filter(username="provider.other").first() or user_create(
            username="provider.other",
            password=password,
            email="provider.other@lead-demo.example",
            first_name="Sam",
            last_name="Okafor",
        )
        ProviderMembership.objects.get_or_create(
            user=proxy, tin=theirs.tin, npi=theirs.npi, defaults={"name": theirs.name}
        )
        act(submitted, ("accept", proxy, ""), ("submit", admin, ""))
    out.arrangements = Arrangement.objects.filter(aco=aco).count()
    active.refresh_from_db()
    out.notes.append(
        f"CARA demo: {out.arrangements} EBRAs for L0001; EBRA {active.pk} with {first.name} is "
        f"{active.get_status_display().lower()}; {PROVIDER_USERNAME} answers for {first.name}."
    )
    return out
