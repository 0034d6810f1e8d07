"""The planner's demo: one scenario of L0001 for PY2027, drafted by its demo administrator, in two versions
(drop its Participant TIN with the fewest aligned beneficiaries, at least one; then also add a TIN of no ACO that its
beneficiaries visit), with their previews computed. Safe to run again: an existing demo scenario is left."""

from __future__ import annotations

from django.db.models import Count

from apps.accounts.models import User
from apps.acos.models import ACO, ParticipantTIN
from apps.alignment import selectors as alignment_selectors
from apps.alignment.models import AlignedBeneficiary

from . import services
from .models import Scenario

NAME = "Leave the smallest practice, add a rural clinic"
PY = 2027


def demo_load() -> list[str]:
    aco = ACO.objects.filter(aco_id="L0001").first()
    admin = User.objects.filter(username="cvhp.admin").first()
    run = alignment_selectors.latest_run(performance_year=PY)
    if aco is None or admin is None or run is None:
        return ["Planner demo skipped: needs L0001, cvhp.admin and a PY2027 alignment run (manage.py demo)."]
    if Scenario.objects.filter(aco=aco, performance_year=PY, name=NAME).exists():
        return ["Planner demo already loaded."]
    counts = dict(
        AlignedBeneficiary.objects.filter(run=run, aco=aco, unit_kind="tin")
        .values_list("tin")
        .annotate(n=Count("id"))
        .values_list("tin", "n")
    )
    mine = list(ParticipantTIN.objects.filter(aco=aco, performance_year=PY).values_list("tin", flat=True))
    if len(mine) < 2:
        return ["Planner demo skipped: L0001 has fewer than two Participant TINs."]
    # The smallest practice that aligns anyone (a TIN that aligns no one would change nothing).
    smallest = min(mine, key=lambda t: (counts.get(t, 0) == 0, counts.get(t, 0), t))
    scenario = services.scenario_create(
        aco=aco,
        performance_year=PY,
        name=NAME,
        data={"remove_tins": smallest, "note": "Its lease ends in June; would we still meet the minimums?"},
        acting_user=admin,
    )
    services.version_preview(scenario.versions.get(number=1))
    # A TIN of no ACO that L0001's beneficiaries see most, from the claims facts of the alignment years.
    from apps.alignment import inputs

    listed = set(ParticipantTIN.objects.filter(performance_year=PY).values_list("tin", flat=True))
    services_ = inputs.load_services(PY)
    import numpy as np

    kinds = np.asarray(services_.kind).astype(str)
    tins, n = np.unique(np.asarray(services_.tin).astype(str)[kinds == "B"], return_counts=True)
    candidates = [t for t, _ in sorted(zip(tins.tolist(), n.tolist(), strict=True), key=lambda x: -x[1])]
    nobody = next((t for t in candidates if t and t not in listed), None)
    if nobody is not None:
        version = services.version_save(
            scenario=scenario,
            data={
                "remove_tins": smallest,
                "add_tins": f"{nobody}, Green Valley Rural Health Clinic, 05401",
                "note": "And bring in the rural clinic our patients already use.",
            },
            acting_user=admin,
        )
        services.version_preview(version)
    return [f"Planner demo: scenario “{NAME}” for L0001 with {scenario.versions.count()} versions."]
