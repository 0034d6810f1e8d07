"""Recapture gaps (apps/risk/gaps.py), hand-worked: counted two years back, not shown since, closed by the
same HCC or a higher one of its hierarchy."""

from __future__ import annotations

import datetime as dt
from typing import Any

import numpy as np

from apps.risk import gaps
from apps.risk.engine import HCCRows
from apps.risk.parameters import HCCStatus

MODEL = "CMS-HCC Model V28"
# A diabetes-like hierarchy: 36 above 37 above 38 (a higher one present drops the lower ones).
PARENTS = {MODEL: {"37": ("36",), "38": ("36", "37")}}


def prior(rows: list[tuple[str, str, str, float, str, str]]) -> HCCRows:
    """rows: (MBI, HCC, status, coefficient, diagnosis, date) of the PY − 1 score."""
    cols: list[list[Any]] = [list(c) for c in zip(*rows, strict=True)]
    n = len(rows)
    return HCCRows(
        mbi=np.array(cols[0], dtype=str),
        hcc=np.array(cols[1], dtype=str),
        label=np.array([f"label {h}" for h in cols[1]], dtype=object),
        coefficient=np.array(cols[3], dtype=float),
        status=np.array(cols[2], dtype=str),
        dropped_by=np.array([""] * n, dtype=str),
        diagnosis=np.array(cols[4], dtype=str),
        service_date=np.array(cols[5], dtype="datetime64[D]"),
        claim_id=np.arange(1, n + 1, dtype=np.int64),
        source=np.full(n, 5, dtype=np.int64),
    )


def shown(pairs: list[tuple[str, str]]) -> gaps.Shown:
    return gaps.Shown(np.array([m for m, _ in pairs], dtype=str), np.array([h for _, h in pairs], dtype=str))


def test_open_gaps_by_hand() -> None:
    rows = prior(
        [
            ("A", "37", HCCStatus.COUNTED, 0.166, "E1122", "2025-03-01"),  # shown again in 2026: closed
            ("A", "226", HCCStatus.COUNTED, 0.360, "I5022", "2025-05-01"),  # not since: OPEN
            ("B", "38", HCCStatus.COUNTED, 0.166, "E119", "2025-02-01"),  # HCC 36 (higher) in 2027: closed
            ("B", "85", HCCStatus.COUNTED, 0.299, "I480", "2025-06-30"),  # not since: OPEN
            ("C", "37", HCCStatus.HIERARCHY, 0.166, "E1165", "2025-01-01"),  # never counted then: no gap
            ("C", "36", HCCStatus.COUNTED, 0.166, "E1140", "2025-08-01"),  # 37 (lower) shown since: OPEN
        ]
    )
    found = gaps.open_gaps(
        rows,
        {"A": MODEL, "B": MODEL, "C": MODEL},
        [shown([("A", "37"), ("C", "37")]), shown([("B", "36")])],
        PARENTS,
    )
    assert list(zip(found.mbi.tolist(), found.hcc.tolist(), strict=True)) == [("A", "226"), ("B", "85"), ("C", "36")]
    assert found.diagnosis.tolist() == ["I5022", "I480", "E1140"]
    assert found.service_date.tolist() == [dt.date(2025, 5, 1), dt.date(2025, 6, 30), dt.date(2025, 8, 1)]
    assert found.claim_id.tolist() == [2, 4, 6]
    # "Risk score at stake": the sum of the open gaps' coefficients, 0.360 + 0.299 + 0.166.
    assert round(float(found.coefficient.sum()), 3) == 0.825


def test_nothing_shown_since_leaves_every_counted_hcc_open_and_no_prior_no_gaps() -> None:
    rows = prior([("A", "37", HCCStatus.COUNTED, 0.166, "E1122", "2025-03-01")])
    assert gaps.open_gaps(rows, {"A": MODEL}, [], PARENTS).hcc.tolist() == ["37"]
    empty = prior([("A", "37", HCCStatus.NOT_IN_SEGMENT, float("nan"), "E1122", "2025-03-01")])
    assert len(gaps.open_gaps(empty, {"A": MODEL}, [], PARENTS)) == 0


def test_model_terms_and_segments_read_as_words() -> None:
    from apps.risk.parameters import SEGMENT_LABELS, term_label

    assert term_label("M70_74") == "male, 70–74"
    assert term_label("F95_GT") == "female, 95 and over"
    assert term_label("FBDual_Male_Aged") == "full-benefit dual, male, aged"
    assert term_label("DIABETES_CHF") == "diabetes × heart failure"
    assert term_label("gCopdCF_CARD_RESP_FAIL") == "COPD × cardio-respiratory failure"
    assert term_label("HCC85_HCC96") == "HCC 85 × HCC 96"
    assert term_label("D10P") == "10 or more payment HCCs"
    assert SEGMENT_LABELS["CPD"] == "community, partial-benefit dual, disabled"
