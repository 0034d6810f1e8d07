"""Computing a PY's episodes (docs/cara.md): the catalogue, the episodes step of the pipeline, the
baselines."""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Iterator, Sequence
from typing import Any

import numpy as np
from django.db import connection, transaction
from django.utils import timezone

from apps.acos.models import PreferredProvider
from apps.alignment import runs
from apps.alignment.models import AlignmentRun
from apps.risk.models import RiskRun
from lead_portal import bulk

from . import engine, inputs
from .catalogue import ALL_CATEGORIES, STARTER_WINDOW_DAYS, STARTERS
from .models import (
    DEFAULT_FIRST_EPISODE_DATE,
    Episode,
    EpisodeBaseline,
    EpisodeDefinition,
    EpisodeParameters,
    EpisodeRun,
    TriggerKind,
)

log = logging.getLogger(__name__)

# History: the CCLF's claims go back to PY − 3 (docs/risk.md), so episodes are built from then.
HISTORY_YEARS = 3
BASE_YEARS = 3

# Where each claim category lands among an episode's cost components.
COMPONENT = {
    "index": "index_cents",
    "inpatient": "readmission_cents",
    "snf": "post_acute_cents",
    "home_health": "post_acute_cents",
    "professional": "professional_cents",
    "outpatient": "other_cents",
    "dme": "other_cents",
    "hospice": "other_cents",
}
COMPONENTS = ("index_cents", "readmission_cents", "post_acute_cents", "professional_cents", "other_cents")

EPISODE_COLUMNS = (
    "run_id", "definition_id", "aco_id", "mbi", "trigger_claim_id", "trigger_code", "start_date", "anchor_end",
    "end_date", "year", "attributed_npi", "attribution", "preferred_provider_id", *COMPONENTS, "readmissions",
    "closed", "payment", "risk_score",
)  # fmt: skip


def parameters_for(performance_year: int) -> EpisodeParameters:
    params, _ = EpisodeParameters.objects.get_or_create(
        performance_year=performance_year, defaults={"first_episode_date": DEFAULT_FIRST_EPISODE_DATE}
    )
    return params


def ensure_catalogue(performance_year: int) -> list[EpisodeDefinition]:
    """The PY's default definitions, seeding the five starter types when the year has none."""
    existing = EpisodeDefinition.objects.filter(performance_year=performance_year, aco__isnull=True)
    if not existing.exists():
        EpisodeDefinition.objects.bulk_create(
            EpisodeDefinition(
                performance_year=performance_year,
                code=s.code,
                name=s.name,
                trigger_kind=TriggerKind.INPATIENT,
                trigger_codes=list(s.drgs),
                window_days=STARTER_WINDOW_DAYS,
                included_categories=list(ALL_CATEGORIES),
                excluded_diagnoses=list(s.excluded_diagnoses),
            )
            for s in STARTERS
        )
    return list(existing.filter(active=True).order_by("pk"))


def approved_variants(performance_year: int) -> list[EpisodeDefinition]:
    """The PY's active Maximal Flexibility variants (each created when CMS approved its design)."""
    return list(
        EpisodeDefinition.objects.filter(
            performance_year=performance_year, design=EpisodeDefinition.Design.FLEXIBLE, aco__isnull=False, active=True
        ).order_by("pk")
    )


def episode_years(performance_year: int) -> tuple[int, ...]:
    return tuple(range(performance_year - HISTORY_YEARS, performance_year + 1))


def episode_run_execute(
    *, alignment_run: AlignmentRun, risk_run: RiskRun | None = None, created_by: Any = None
) -> EpisodeRun:
    """Build every episode of the PY's claims history (the CCLF's years, PY − 3 to the PY) and the
    baselines. A new ``EpisodeRun`` each call; failed with the reason kept (and the error re-raised) when
    anything goes wrong. Safe inside an outer transaction."""
    py = alignment_run.performance_year
    params = parameters_for(py)
    run = EpisodeRun.objects.create(
        performance_year=py,
        alignment_run=alignment_run,
        risk_run=risk_run if risk_run is not None and risk_run.status == RiskRun.Status.SUCCEEDED else None,
        first_episode_date=params.first_episode_date,
        created_by=created_by,
    )
    try:
        with transaction.atomic():
            _compute(run)
    except Exception as exc:
        log.exception("Episode run %s failed", run.pk)
        run.status, run.message, run.finished_at = EpisodeRun.Status.FAILED, str(exc)[:2000], timezone.now()
        run.save(update_fields=["status", "message", "finished_at"])
        raise
    return run


def _definitions(rows: Sequence[EpisodeDefinition]) -> list[engine.Definition]:
    return [
        engine.Definition(
            id=d.pk,
            kind=engine.INPATIENT if d.trigger_kind == TriggerKind.INPATIENT else engine.PROCEDURE,
            codes=frozenset(
                inputs.drg(c) if d.trigger_kind == TriggerKind.INPATIENT else str(c).strip() for c in d.trigger_codes
            ),
            window_days=d.window_days,
            excluded_diagnoses=tuple(str(p).replace(".", "").strip() for p in d.excluded_diagnoses),
        )
        for d in rows
    ]


def _compute(run: EpisodeRun) -> None:
    watch = runs.Stopwatch()
    py = run.performance_year
    defaults = ensure_catalogue(py)
    # The defaults compete with one another (precedence); each approved variant is a set of its own, an
    # alternative view of the same triggers (docs/cara.md, "Maximal Flexibility variants").
    rows = [*defaults, *approved_variants(py)]
    sets = [range(len(defaults)), *([i] for i in range(len(defaults), len(rows)))]
    definitions = _definitions(rows)
    years = episode_years(py)
    triggers = inputs.load_triggers(years, definitions)
    watch.lap("inputs")
    chosen, matched = engine.select_sets(triggers, definitions, sets)
    watch.lap("engine")
    n = len(chosen.trigger)
    t = triggers.take(chosen.trigger)
    start_year = chosen.start.astype("datetime64[Y]").astype(np.int64) + 1970
    postgres = connection.vendor == "postgresql"
    day = (lambda d: d) if postgres else (lambda d: d.isoformat())
    windows = [
        (k, str(t.mbi[k]), int(t.claim_id[k]), int(t.kind[k]), day(chosen.start[k].item()), day(chosen.end[k].item()),
         int(start_year[k]))
        for k in range(n)
    ]  # fmt: skip
    inputs.create_windows(windows)
    cover = sorted({*years, *(chosen.end.astype("datetime64[Y]").astype(np.int64) + 1970).tolist()})
    cost = np.zeros((n, len(COMPONENTS)), dtype=np.int64)
    readmissions = np.zeros(n, dtype=np.int64)
    aco = np.zeros(n, dtype=np.int64)
    risk = np.full(n, np.nan)
    if n:
        # Per (episode, category) sums, kept where the episode's definition counts the category (the index
        # claim always), added into the episode's component columns.
        sums = inputs.costs(cover)
        if sums:
            k, category, cents, claims = (np.array(c) for c in zip(*sums, strict=True))
            categories = list(COMPONENT)
            counted = np.array([[c == "index" or c in r.included_categories for c in categories] for r in rows])
            which = np.array([categories.index(c) for c in category.tolist()])
            keep = counted[chosen.definition[k], which]
            target = np.array([COMPONENTS.index(COMPONENT[c]) for c in categories])[which]
            np.add.at(cost, (k[keep], target[keep]), cents[keep].astype(np.int64))
            stays = keep & (category == "inpatient")
            np.add.at(readmissions, k[stays], claims[stays].astype(np.int64))
        for w, aco_pk, score in inputs.context(run.alignment_run_id, run.risk_run_id):
            aco[w] = aco_pk or 0
            risk[w] = np.nan if score is None else score
        if len(rows) > len(defaults):
            owner = np.array([d.aco_id or 0 for d in rows], dtype=np.int64)
            aco = engine.own_aco(aco, chosen.definition, owner)
    inputs.drop_windows()
    watch.lap("costs")
    preferred = {
        (a, npi): pk
        for pk, a, npi in PreferredProvider.objects.filter(performance_year=py).values_list("pk", "aco_id", "npi")
    }
    npi, role, is_pp = engine.attribute(triggers, chosen, aco, set(preferred))
    through = inputs.claims_through(py)
    closed = chosen.end <= np.datetime64(through) if through is not None else np.zeros(n, dtype=bool)
    payment = chosen.start >= np.datetime64(run.first_episode_date)
    definition_ids = np.array([d.id for d in definitions], dtype=np.int64)

    def episode_rows() -> Iterator[tuple[Any, ...]]:
        for k in range(n):
            a = int(aco[k])
            pp = preferred.get((a, str(npi[k]))) if is_pp[k] else None
            yield (
                run.pk, int(definition_ids[chosen.definition[k]]), a or None, str(t.mbi[k]), int(t.claim_id[k]),
                str(t.code[k]), chosen.start[k].item(), chosen.anchor_end[k].item(), chosen.end[k].item(),
                int(start_year[k]), str(npi[k]), str(role[k]), pp, *(int(c) for c in cost[k]), int(readmissions[k]),
                bool(closed[k]), bool(payment[k]), None if np.isnan(risk[k]) else float(risk[k]),
            )  # fmt: skip

    bulk.copy_rows(Episode, EPISODE_COLUMNS, list(episode_rows()))
    bulk.analyze(Episode)
    baselines = _baselines(run, rows, chosen.definition, start_year, cost.sum(axis=1), risk, closed)
    watch.lap("store")
    per_type: dict[str, int] = defaultdict(int)
    for d in chosen.definition.tolist():
        per_type[rows[d].code] += 1
    run.through = through
    run.counts = {
        "triggers": len(triggers),
        "matched": matched,
        "episodes": n,
        "by_type": dict(sorted(per_type.items())),
        "preferred_provider_episodes": int(is_pp.sum()) if n else 0,
        "payment_episodes": int(payment.sum()) if n else 0,
        "closed": int(closed.sum()) if n else 0,
        "baselines": baselines,
    }
    run.timings = watch.timings
    run.status = EpisodeRun.Status.SUCCEEDED
    run.finished_at = timezone.now()
    if len(rows) > len(defaults):
        run.counts["variant_episodes"] = int((chosen.definition >= len(defaults)).sum())
    run.message = f"{n:,} episodes of {len(definitions)} definitions ({years[0]}–{years[-1]})."
    run.save()


def _baselines(
    run: EpisodeRun,
    rows: Sequence[EpisodeDefinition],
    definition: Any,
    year: Any,
    total: Any,
    risk: Any,
    closed: Any,
) -> int:
    """Per definition, over closed episodes starting in each base year and in all three: volume, mean
    cost, mean risk and mean cost per unit of risk (whole cents)."""
    py = run.performance_year
    base = np.isin(year, np.arange(py - BASE_YEARS, py)) & closed
    out = []
    for i, d in enumerate(rows):
        for y in [*range(py - BASE_YEARS, py), None]:
            sel = base & (definition == i) & (True if y is None else year == y)
            costs = total[sel]
            scores = risk[sel]
            scored = ~np.isnan(scores) & (scores > 0)
            out.append(
                EpisodeBaseline(
                    run=run,
                    definition=d,
                    year=y,
                    episodes=int(sel.sum()),
                    mean_cost_cents=round(float(costs.mean())) if costs.size else None,
                    scored_episodes=int(scored.sum()),
                    mean_risk=round(float(scores[scored].mean()), 6) if scored.any() else None,
                    mean_cost_per_risk_cents=(
                        round(float((costs[scored] / scores[scored]).mean())) if scored.any() else None
                    ),
                )
            )
    EpisodeBaseline.objects.bulk_create(out)
    return len(out)
