"""A small EBRA world built row by row (no claims): one Global-risk ACO that elected CARA for PY2027, its
people, two Preferred Providers (one paid through NPCC, so not a possible counterparty), a Preferred Provider
user of each of two providers, and an episode run whose pooled baselines are round numbers:
hip/knee $20,000.00 and heart failure $15,000.00. CARA episodes count for payment from 2027-01-01 here
(the parameter), quarterly periods, claims through 2027-09-30."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.utils import timezone

from apps.accounts.models import User
from apps.acos.models import ACO, Capitation, Election, Membership, PreferredProvider
from apps.cara import services
from apps.cara.models import (
    Episode,
    EpisodeBaseline,
    EpisodeDefinition,
    EpisodeParameters,
    EpisodeRun,
    ProviderMembership,
)
from tests.factories import (
    ACOFactory,
    CMSUserFactory,
    MembershipFactory,
    PreferredProviderFactory,
    UserFactory,
    alignment_run,
)

PY = 2027
THROUGH = dt.date(2027, 9, 30)


@dataclass
class World:
    aco: ACO
    other_aco: ACO
    admin: User
    analyst: User
    reviewer: User
    outsider: User
    pp: PreferredProvider
    npcc_pp: PreferredProvider
    other_pp: PreferredProvider
    pp_user: User
    other_pp_user: User
    run: EpisodeRun
    hip: EpisodeDefinition
    hf: EpisodeDefinition

    def terms(self, **overrides: Any) -> dict[str, Any]:
        data: dict[str, Any] = {
            "preferred_provider": self.pp.pk,
            "effective_start": "2027-01-01",
            "effective_end": "2027-12-31",
            "performance_adjustment_pct": "50",
            "repayment_limit_pct": "20",
            "quality_measure": "uamcc",
            "terms": [{"definition": self.hip.pk, "adjustment": "discount", "rate_pct": "0"}],
        }
        data.update(overrides)
        return data

    def episode(
        self,
        cents: int,
        start: str,
        *,
        closed: bool = True,
        pp: PreferredProvider | None = None,
        definition: EpisodeDefinition | None = None,
        mbi: str = "1EG4TE5MK73",
        payment: bool = True,
    ) -> Episode:
        day = dt.date.fromisoformat(start)
        provider = pp or self.pp
        return Episode.objects.create(
            run=self.run,
            definition=definition or self.hip,
            aco=self.aco,
            mbi=mbi,
            trigger_claim_id=Episode.objects.count() + 1000,
            trigger_code="470",
            start_date=day,
            anchor_end=day + dt.timedelta(days=3),
            end_date=day + dt.timedelta(days=93),
            year=day.year,
            attributed_npi=provider.npi,
            attribution="operating",
            preferred_provider=provider,
            index_cents=cents,
            closed=closed,
            payment=payment,
        )


def make_world() -> World:
    aco, other_aco = ACOFactory.create(), ACOFactory.create()
    Election.objects.create(aco=aco, performance_year=PY, risk_option="global", cara_participation=True)
    admin = MembershipFactory.create(aco=aco, role=Membership.Role.ADMIN).user
    analyst = MembershipFactory.create(aco=aco, role=Membership.Role.ANALYST).user
    outsider = MembershipFactory.create(aco=other_aco, role=Membership.Role.ADMIN).user
    reviewer = CMSUserFactory.create(cms_role=User.CMSRole.REVIEWER)
    pp = PreferredProviderFactory.create(aco=aco, performance_year=PY, npi="1234567893", name="Hip Surgeons LLC")
    npcc_pp = PreferredProviderFactory.create(
        aco=aco, performance_year=PY, npi="1245319599", name="Capitated Group", capitation=Capitation.NPCC
    )
    other_pp = PreferredProviderFactory.create(
        aco=other_aco, performance_year=PY, npi="1003000126", name="Elsewhere Cardiology"
    )
    pp_user = UserFactory.create(username="hip.surgeon")
    ProviderMembership.objects.create(user=pp_user, tin=pp.tin, npi=pp.npi, name=pp.name)
    other_pp_user = UserFactory.create(username="elsewhere.cardio")
    ProviderMembership.objects.create(user=other_pp_user, tin=other_pp.tin, npi=other_pp.npi, name=other_pp.name)
    EpisodeParameters.objects.create(
        performance_year=PY, first_episode_date=dt.date(2027, 1, 1), reconciliation_months=3
    )
    defs = {d.code: d for d in services.ensure_catalogue(PY)}
    run = EpisodeRun.objects.create(
        performance_year=PY, alignment_run=alignment_run(PY), through=THROUGH, first_episode_date=dt.date(2027, 1, 1),
        status=EpisodeRun.Status.SUCCEEDED, finished_at=timezone.now(),
    )  # fmt: skip
    EpisodeBaseline.objects.create(
        run=run, definition=defs["hip_knee"], year=None, episodes=40, mean_cost_cents=2_000_000
    )
    EpisodeBaseline.objects.create(
        run=run, definition=defs["heart_failure"], year=None, episodes=25, mean_cost_cents=1_500_000
    )
    return World(
        aco=aco, other_aco=other_aco, admin=admin, analyst=analyst, reviewer=reviewer, outsider=outsider, pp=pp,
        npcc_pp=npcc_pp, other_pp=other_pp, pp_user=pp_user, other_pp_user=other_pp_user, run=run,
        hip=defs["hip_knee"], hf=defs["heart_failure"],
    )  # fmt: skip
