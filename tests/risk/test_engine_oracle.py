"""The vectorised engine against the library itself: for a few hundred random beneficiaries (random
demographics, random diagnoses drawn from the models' own ICD-10 tables, with dots, lower case and codes
that map to nothing), ``hccinfhir.calculate_raf`` called once per beneficiary is the oracle. Scores (raw
and normalized), segments, HCC sets, the terms and the codes that entered must agree exactly (1e-9).

Two documented departures (apps/risk/engine.py, docs/risk.md) are checked as such, not skipped: ages are
drawn from 15 up for the Aged & Disabled model (below that, the library applies an invalidating edit to
only one of a code's two categories), and a new enrollee whose age band the library's table lacks is
scored with the table's band (``repaired``), where the library finds no demographic coefficient at all.
"""

from __future__ import annotations

import json

import numpy as np
import pytest
from hccinfhir import calculate_raf
from hccinfhir.model_coefficients import get_coefficent_prefix

from apps.risk import engine
from apps.risk.parameters import HCCStatus, Parameters

PARAMETERS = Parameters(normalization_factor=1.067, esrd_normalization_factor=1.0, coding_adjustment=0.059)
DUALS = ["NA", "00", "01", "02", "03", "04", "05", "06", "08", "09", "10", "", "99"]
OREC = ["0", "0", "0", "1", "1", "2", "3", ""]


def random_world(seed: int, n: int) -> tuple[engine.Demographics, engine.Diagnoses, dict[str, list[str]]]:
    rng = np.random.default_rng(seed)
    tables = engine.tables(PARAMETERS.coefficient_year)
    pool = sorted({code for code, model in tables.dx_to_cc if model in (PARAMETERS.model, PARAMETERS.esrd_model)})
    esrd = rng.random(n) < 0.25
    age = np.where(esrd, rng.integers(0, 101, n), rng.integers(15, 101, n))
    people = engine.Demographics(
        mbi=np.array([f"1AA0AA0A{i:03d}" for i in range(n)]),
        age=age,
        sex=rng.choice(["1", "2"], n),
        orec=rng.choice(OREC, n),
        dual_status=rng.choice(DUALS, n),
        esrd=esrd,
        new_enrollee=rng.random(n) < 0.25,
        institutional=rng.random(n) < 0.1,
    )
    codes: dict[str, list[str]] = {}
    rows: list[tuple[str, str, str, int]] = []
    for i, mbi in enumerate(people.mbi.tolist()):
        picked = [str(c) for c in rng.choice(pool, int(rng.integers(0, 16)))]
        picked += ["Z0000", "R69"][: int(rng.integers(0, 3))]  # codes that map to nothing
        shown = [_disguise(c, rng) for c in picked]
        codes[mbi] = picked
        for j, code in enumerate(shown):
            rows.append((mbi, code, f"2025-{1 + (i + j) % 12:02d}-15", i * 100 + j))
    dx = engine.Diagnoses(
        mbi=np.array([r[0] for r in rows], dtype="U11"),
        code=np.array([r[1] for r in rows], dtype="U9"),
        service_date=np.array([r[2] for r in rows], dtype="datetime64[D]"),
        claim_id=np.array([r[3] for r in rows], dtype=np.int64),
        source=np.full(len(rows), 5, dtype=np.int16),
    )
    return people, dx, codes


def _disguise(code: str, rng: np.random.Generator) -> str:
    """The code as claims may carry it: with a dot after the category, or in lower case."""
    kind = int(rng.integers(0, 3))
    if kind == 1 and len(code) > 3:
        return code[:3] + "." + code[3:]
    return code.lower() if kind == 2 else code


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_engine_agrees_with_calculate_raf(seed: int) -> None:
    people, dx, codes = random_world(seed, 150)
    result = engine.score(2026, people, dx, PARAMETERS)
    s, h = result.scores, result.hccs
    kept: dict[str, set[str]] = {}
    for status in (HCCStatus.COUNTED, HCCStatus.NOT_IN_SEGMENT):
        for mbi, hcc in zip(h.mbi[h.status == status].tolist(), h.hcc[h.status == status].tolist(), strict=True):
            kept.setdefault(mbi, set()).add(hcc)
    position = {m: i for i, m in enumerate(people.mbi.tolist())}
    institutional = people.institutional
    assert institutional is not None
    repaired = 0
    for i, mbi in enumerate(s.mbi.tolist()):
        p = position[mbi]
        esrd = bool(people.esrd[p])
        new = bool(people.new_enrollee[p])
        model = PARAMETERS.esrd_model if esrd else PARAMETERS.model
        oracle = calculate_raf(
            codes[mbi],
            model_name=model,
            age=int(people.age[p]),
            sex=str(people.sex[p]),
            dual_elgbl_cd=str(people.dual_status[p]),
            orec=str(people.orec[p]),
            new_enrollee=new,
            lti=bool(institutional[p]),
            prefix_override=("DNE_" if new else "DI_") if esrd else None,
            maci=PARAMETERS.coding_adjustment,
            norm_factor=PARAMETERS.esrd_normalization_factor if esrd else PARAMETERS.normalization_factor,
        )
        assert s.model[i] == model
        assert kept.get(mbi, set()) == set(oracle.hcc_list), mbi
        ours = json.loads(s.demographic_terms[i]) | json.loads(s.interactions[i])
        hccs = {hcc: c for hcc, c in oracle.coefficients.items() if hcc in oracle.hcc_list}
        terms = {k: v for k, v in oracle.coefficients.items() if k not in oracle.hcc_list}
        counted = sorted(hccs)
        assert s.hccs[i] == ";".join(counted), mbi
        entered = sorted({code for hcc in counted for code in oracle.cc_to_dx[hcc]})
        assert s.diagnoses[i] == ";".join(entered), mbi
        if s.repaired[i]:
            # The library found no demographic coefficient for this new enrollee; we did.
            repaired += 1
            assert not any(k in terms for k in json.loads(s.demographic_terms[i]))
            assert s.demographic[i] > 0
            assert s.raw[i] - s.demographic[i] == pytest.approx(oracle.risk_score, abs=1e-9), mbi
            continue
        assert ours == terms, mbi
        assert s.raw[i] == pytest.approx(oracle.risk_score, abs=1e-9), mbi
        assert s.normalized[i] == pytest.approx(oracle.risk_score_payment, abs=1e-9), mbi
        prefix = ("DNE_" if new else "DI_") if esrd else get_coefficent_prefix(oracle.demographics, model)
        assert s.segment[i] == prefix.rstrip("_"), mbi
    assert len(s.mbi) == len(people.mbi)
    # Every beneficiary was checked, most of them without a repair.
    assert repaired < len(s.mbi) // 10


def test_segment_labels_are_the_library_prefixes() -> None:
    people, dx, _ = random_world(7, 300)
    segments = set(engine.score(2026, people, dx, PARAMETERS).scores.segment.tolist())
    assert segments <= {"CNA", "CND", "CFA", "CFD", "CPA", "CPD", "INS", "NE", "DI", "DNE"}
    assert {"CNA", "CND", "CFA", "CPA", "INS", "NE", "DI", "DNE"} <= segments
