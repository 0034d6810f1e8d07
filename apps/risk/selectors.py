"""Reads of risk runs and scores, for the steps that use them (alignment's High Needs criteria, money's
risk-adjusted benchmarks) and for the pages that explain a score. They read stored rows only and never
load the CMS tables. Tenant scoping is the caller's: these selectors take MBIs the caller may show."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, NamedTuple

import numpy as np
import numpy.typing as npt
from django.db.models import QuerySet

from apps.claims.shards import Shard

from .models import RiskHCC, RiskParameters, RiskRun, RiskScore
from .parameters import DEFAULT_PARAMETERS, Parameters

Array = npt.NDArray[Any]


def parameters_for(*, performance_year: int) -> Parameters:
    """The PY's risk model: the CMS administrator's row when there is one, else the defaults."""
    row = RiskParameters.objects.filter(performance_year=performance_year).first()
    return DEFAULT_PARAMETERS if row is None else row.as_parameters()


def latest_run(*, performance_year: int) -> RiskRun | None:
    """The most recent successful run of the PY: the one every reader uses."""
    return (
        RiskRun.objects.filter(performance_year=performance_year, status=RiskRun.Status.SUCCEEDED)
        .order_by("-finished_at", "-id")
        .first()
    )


class ScoreSummary(NamedTuple):
    score: float  # the normalized score
    raw: float
    model: str
    segment: str
    esrd: bool


def scores_for(*, run: RiskRun, score_year: int, mbis: Iterable[str] | None = None) -> dict[str, ScoreSummary]:
    """MBI → score of the run's ``score_year`` (of ``mbis`` only when given; an MBI without a score is
    absent). The year's rows are read whole and filtered here: no IN list of thousands of MBIs."""
    wanted = None if mbis is None else set(mbis)
    rows = (
        RiskScore.objects.filter(run=run, score_year=score_year)
        .values_list("mbi", "normalized_score", "raw_score", "model", "segment", "esrd")
        .iterator(chunk_size=20_000)
    )
    return {
        mbi: ScoreSummary(score, raw, model, segment, esrd)
        for mbi, score, raw, model, segment, esrd in rows
        if wanted is None or mbi in wanted
    }


def latest_scores(*, performance_year: int, score_year: int | None = None) -> dict[str, ScoreSummary]:
    """``scores_for`` the latest successful run of the PY (score year: the PY unless told); empty when
    the PY has none."""
    run = latest_run(performance_year=performance_year)
    if run is None:
        return {}
    return scores_for(run=run, score_year=performance_year if score_year is None else score_year)


@dataclass(frozen=True)
class ScoreColumns:
    """One score year of a run as columns, sorted by MBI (``np.searchsorted`` finds a beneficiary)."""

    mbi: Array
    score: Array  # normalized
    raw: Array
    esrd: Array
    segment: Array
    model: Array


def score_columns(*, run: RiskRun, score_year: int, shard: Shard | None = None) -> ScoreColumns:
    """The run's scores of ``score_year`` (of one part's beneficiaries when ``shard`` is given)."""
    scores = RiskScore.objects.filter(run=run, score_year=score_year)
    if shard is not None:
        scores = shard.filter(scores, "mbi")
    rows = list(
        scores.order_by("mbi")
        .values_list("mbi", "normalized_score", "raw_score", "esrd", "segment", "model")
        .iterator(chunk_size=20_000)
    )
    cols = list(zip(*rows, strict=True)) if rows else [()] * 6
    return ScoreColumns(
        mbi=np.array(cols[0], dtype="U11"),
        score=np.array(cols[1], dtype=np.float64),
        raw=np.array(cols[2], dtype=np.float64),
        esrd=np.array(cols[3], dtype=bool),
        segment=np.array(cols[4], dtype=object),
        model=np.array(cols[5], dtype=object),
    )


def beneficiary_scores(*, run: RiskRun, mbi: str) -> QuerySet[RiskScore]:
    """A beneficiary's score of every score year of the run, oldest first."""
    return RiskScore.objects.filter(run=run, mbi=mbi).order_by("score_year")


def beneficiary_hccs(*, run: RiskRun, mbi: str, score_year: int | None = None) -> QuerySet[RiskHCC]:
    """The condition categories behind a beneficiary's scores (one score year when given): counted ones
    and those the hierarchy or the model dropped, each with its supporting diagnosis and claim."""
    qs = RiskHCC.objects.filter(run=run, mbi=mbi)
    if score_year is not None:
        qs = qs.filter(score_year=score_year)
    return qs.order_by("score_year", "hcc")
