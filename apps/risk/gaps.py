"""Recapture gaps (docs/risk.md, "Recapture gaps"): condition categories a beneficiary's claims showed two
years back that no claim has shown since. Pure numpy over the engine's results; no ORM, no I/O.

For performance year PY:
- *coded two years back*: the HCCs **counted** in the beneficiary's score for PY − 1 (diagnoses of PY − 2);
- *shown since*: every HCC the diagnoses of PY − 1 (the PY's score, whatever became of the HCC there: a
  hierarchy may have dropped it) or of the PY so far map to;
- a gap is *closed* by the same HCC shown since, or by a higher HCC of its hierarchy (a more severe form of
  the same condition was coded, which the model counts instead), in the beneficiary's model of PY − 1;
- an open gap keeps the evidence of PY − 2 (diagnosis, date, claim) for the coder to follow, and the
  coefficient it carried in the PY − 1 score: "risk score at stake" is their sum (raw, before
  normalization). Beneficiaries who died or left before the PY are still listed here; the worklists
  join the gaps to the PY's aligned beneficiaries.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from .parameters import HCCStatus

Array = npt.NDArray[Any]

SEPARATOR = "|"


@dataclass(frozen=True)
class Shown:
    """(MBI, HCC) pairs some claim showed, with the model whose numbering the HCC uses."""

    mbi: Array
    hcc: Array


@dataclass(frozen=True)
class Gaps:
    """One row per open gap, sorted by MBI then HCC."""

    mbi: Array
    hcc: Array
    label: Array
    coefficient: Array  # float: the HCC's coefficient in the PY − 1 score
    model: Array
    diagnosis: Array
    service_date: Array  # datetime64[D]
    claim_id: Array  # int64, 0 when unknown
    source: Array  # CCLF file: 4 or 5

    def __len__(self) -> int:
        return int(self.mbi.shape[0])


def _keys(mbi: Array, hcc: Array) -> Array:
    return np.char.add(np.char.add(np.asarray(mbi, dtype=str), SEPARATOR), np.asarray(hcc, dtype=str))


def open_gaps(
    prior: Any,
    prior_model: dict[str, str],
    shown: list[Shown],
    parents: dict[str, dict[str, tuple[str, ...]]],
) -> Gaps:
    """The open gaps. ``prior``: the engine's HCC rows of the PY − 1 score (``HCCRows``); ``prior_model``:
    MBI → the model that scored it then; ``shown``: what later claims showed; ``parents``: model → HCC →
    the HCCs above it in its hierarchy (the ones whose presence drops it)."""
    counted = np.flatnonzero(np.asarray(prior.status, dtype=str) == HCCStatus.COUNTED)
    mbi = np.asarray(prior.mbi, dtype=str)[counted]
    hcc = np.asarray(prior.hcc, dtype=str)[counted]
    later = [_keys(s.mbi, s.hcc) for s in shown if len(s.mbi)]
    seen = np.unique(np.concatenate(later)) if later else np.zeros(0, dtype=str)
    # Closed by the same HCC ...
    closed = np.isin(_keys(mbi, hcc), seen)
    # ... or by one above it in the hierarchy of the beneficiary's model.
    if seen.size:
        rows = np.flatnonzero(~closed)
        above = [parents.get(prior_model.get(m, ""), {}).get(h, ()) for m, h in zip(mbi[rows], hcc[rows], strict=True)]
        count = np.array([len(a) for a in above], dtype=np.int64)
        if count.sum():
            row_of = np.repeat(rows, count)
            parent = np.array([p for a in above for p in a], dtype=str)
            closed[row_of[np.isin(_keys(mbi[row_of], parent), seen)]] = True
    keep = counted[~closed]
    order = np.lexsort((np.asarray(prior.hcc, dtype=str)[keep], np.asarray(prior.mbi, dtype=str)[keep]))
    keep = keep[order]
    kept_mbi = np.asarray(prior.mbi, dtype=str)[keep]
    return Gaps(
        mbi=kept_mbi,
        hcc=np.asarray(prior.hcc, dtype=str)[keep],
        label=np.asarray(prior.label, dtype=object)[keep],
        coefficient=np.asarray(prior.coefficient, dtype=np.float64)[keep],
        model=np.array([prior_model.get(m, "") for m in kept_mbi.tolist()], dtype=object),
        diagnosis=np.asarray(prior.diagnosis, dtype=str)[keep],
        service_date=np.asarray(prior.service_date, dtype="datetime64[D]")[keep],
        claim_id=np.asarray(prior.claim_id, dtype=np.int64)[keep],
        source=np.asarray(prior.source, dtype=np.int64)[keep],
    )
