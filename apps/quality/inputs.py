"""The quality engine's inputs (`engine.QualityInputs`), read set-based from the database for one alignment
run: the run's aligned beneficiaries with their CCLF8 demographics, and the netted claims the measures use,
as numpy columns.

What SQL already does (so only rows that can matter leave the database):
- population: the run's `AlignedBeneficiary` rows (MBI, ACO, `effective_from` as the aligned-from date,
  High Needs) with the current MBI's `Beneficiary` record (birth, sex, dual status, death); a beneficiary
  without a CCLF8 record keeps blank demographics;
- diagnoses: CCLF4 codes and the thirteen CCLF5 diagnosis columns (line diagnosis, claim diagnoses 1–12)
  of claims whose through date (CCLF5: the line's dates when the claim's is blank) falls in the chronic
  condition lookback (`engine.lookback_window`), and only codes starting with a condition group's prefix
  (upper or lower case, as the engine reads them); a CCLF5 line qualifies when any of its codes does and
  its codes are unpivoted here, keeping the ones that start a group. Codes are cut to the longest prefix
  (3 characters with the groups of docs/quality.md), which is all that decides a group: far less to send and to hold;
- inpatient claims (CCLF1 type 60) running into the PY: through date on or after Dec 31 PY−1, so a stay
  continued from December is chained as the engine expects, and from date by Dec 31 PY;
- SNF claims (types 20 and 30) overlapping the PY;
- ED/observation visits: outpatient claims (type 40) of the PY with a current CCLF2 line whose revenue
  centre is 045x or 0762, one row per claim, dated by the claim's from date;
- follow-ups: PQEM lines of CCLF5 (`apps.alignment.inputs.pqem_codes`, the engine's list spelled out),
  and RHC/FQHC visits as alignment reads them (CCLF2 lines of type-40 bill type 71x/77x claims, revenue
  centre 0521/0522/0524/0525 or a PQEM HCPCS), both from the narrow claim facts, dated from the first
  day a follow-up can count (Jan 1 PY + the first window day) to the last (Dec 31 PY + the longest
  window): run-out claims count when loaded.
Only current (netted) rows count, denied Part B lines count for nothing, every row is keyed by its
`current_mbi` (the CCLF9 crosswalk followed) and rows without one are dropped. Claims of MBIs that are not
aligned are left to the engine to ignore: filtering them in SQL would cost a join on every scanned line.

Reading goes through `apps.alignment.inputs.read`: on PostgreSQL one `COPY … TO STDOUT` per source whose
rows carry thousands of records each, the large Part B table scanned in ranges of heap pages by parallel
workers; elsewhere (SQLite) the same SELECT fetched row by row.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import partial
from typing import Any

import numpy as np
import numpy.typing as npt

from apps.acos.models import ACO
from apps.alignment import inputs as alignment_inputs
from apps.alignment import runs
from apps.alignment.inputs import RHC_FQHC_REVENUE_CENTERS, Field, Source, pqem_codes
from apps.alignment.models import AlignedBeneficiary
from apps.claims.models import Beneficiary, ClaimFact, PartAClaim, PartADiagnosis, PartARevenueLine, PartBLine

from . import engine

Array = npt.NDArray[Any]
FACTS = ClaimFact._meta.db_table

INPATIENT_CLAIM_TYPE = 60
SNF_CLAIM_TYPES = (20, 30)  # SNF, swing bed
OUTPATIENT_CLAIM_TYPE = 40
ED_REVENUE_PREFIX = "045"  # emergency department 0450–0459
OBSERVATION_REVENUE_CENTER = "0762"
# CCLF5 diagnosis columns: the line diagnosis and the claim's diagnoses 1–12.
PART_B_DX_COLUMNS = ("clm_line_dgns_cd", *(f"clm_dgns_{k}_cd" for k in range(1, 13)))
MBI_WIDTH = 11
CODE_WIDTH = 7
CLAIM_ID_WIDTH = 20  # a bigint as text
_PREFIX_RE = re.compile(r"^[A-Za-z0-9]+$")


def _marks(values: Sequence[Any]) -> str:
    return ", ".join("%s" for _ in values)


def _table(model: Any) -> str:
    return str(model._meta.db_table)


# ---------------------------------------------------------------------------------------------------
# Windows
# ---------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Windows:
    """The date ranges the reader asks for, all inclusive."""

    lookback: tuple[dt.date, dt.date]  # diagnoses (claim through date)
    year: tuple[dt.date, dt.date]  # Jan 1 – Dec 31 PY: SNF stays, ED visits
    inpatient_through_from: dt.date  # inpatient claims with a through date from here …
    followups: tuple[dt.date, dt.date]  # PQEM services that can meet a follow-up window

    @classmethod
    def of(cls, performance_year: int, params: engine.QualityParameters) -> Windows:
        jan1, dec31 = dt.date(performance_year, 1, 1), dt.date(performance_year, 12, 31)
        longest = max(params.tfu_window_days_heart_failure, params.tfu_window_days_other)
        return cls(
            lookback=engine.lookback_window(performance_year, params.condition_lookback_months),
            year=(jan1, dec31),
            # A claim ending Dec 31 PY−1 (an interim bill) can continue into a PY claim: the engine chains them.
            inpatient_through_from=jan1 - dt.timedelta(days=1),
            followups=(jan1 + dt.timedelta(days=params.tfu_window_first_day), dec31 + dt.timedelta(days=longest)),
        )


def condition_sql(column: str, params: engine.QualityParameters) -> str:
    """SQL true when ``column`` starts with a prefix of a chronic condition group (either case). The prefixes
    are inlined as literals (the thirteen CCLF5 columns would otherwise take 13 × 36 parameters), so they are
    checked to be letters and digits only."""
    by_length: dict[int, set[str]] = {}
    for _name, prefixes in params.chronic_condition_groups:
        for p in prefixes:
            if not _PREFIX_RE.fullmatch(p):
                raise ValueError(f"condition prefix {p!r} must be letters and digits")
            by_length.setdefault(len(p), set()).update({p.upper(), p.lower()})
    if not by_length:
        return "1 = 0"
    parts = [
        f"SUBSTR({column}, 1, {length}) IN ({', '.join(repr(str(p)) for p in sorted(codes))})"
        for length, codes in sorted(by_length.items())
    ]
    return "(" + " OR ".join(parts) + ")"


# ---------------------------------------------------------------------------------------------------
# Sources
# ---------------------------------------------------------------------------------------------------
POPULATION = (
    Field("mbi", "text", MBI_WIDTH),
    Field("aco_id", "text", int(ACO._meta.get_field("aco_id").max_length or 5)),
    Field("birth_date", "day"),
    Field("sex", "text", 1),
    Field("dual_status", "text", 2),
    Field("death_date", "day"),
    Field("high_needs", "text", 1),
    Field("aligned_from", "day"),
)


def population_source(alignment_run_id: int) -> Source:
    return Source(
        table=_table(AlignedBeneficiary),
        exprs={
            "mbi": "t.mbi",
            "aco_id": "a.aco_id",
            "birth_date": "b.birth_date",
            "sex": "b.sex",
            "dual_status": "b.dual_status",
            "death_date": "b.death_date",
            "high_needs": "CASE WHEN t.high_needs THEN 'Y' ELSE 'N' END",
            "aligned_from": "t.effective_from",
        },
        where="t.run_id = %s",
        params=(alignment_run_id,),
        joins=(f"JOIN {_table(ACO)} a ON a.id = t.aco_id LEFT JOIN {_table(Beneficiary)} b ON b.mbi = t.mbi"),
    )


def prefix_width(params: engine.QualityParameters) -> int:
    """The longest condition prefix: a code's first characters up to it decide its group."""
    return max((len(p) for _name, prefixes in params.chronic_condition_groups for p in prefixes), default=1)


def part_a_diagnosis_fields(params: engine.QualityParameters) -> tuple[Field, ...]:
    return (Field("mbi", "text", MBI_WIDTH), Field("code", "text", prefix_width(params)), Field("date", "day"))


def part_b_diagnosis_fields(params: engine.QualityParameters) -> tuple[Field, ...]:
    width = prefix_width(params) * len(PART_B_DX_COLUMNS)
    return (Field("mbi", "text", MBI_WIDTH), Field("date", "day"), Field("codes", "text", width))


def part_a_diagnosis_source(windows: Windows, params: engine.QualityParameters) -> Source:
    date = "COALESCE(t.clm_thru_dt, t.clm_from_dt)"
    code = condition_sql("t.clm_dgns_cd", params)
    return Source(
        table=_table(PartADiagnosis),
        exprs={"mbi": "t.current_mbi", "code": f"SUBSTR(t.clm_dgns_cd, 1, {prefix_width(params)})", "date": date},
        where=f"t.is_current AND t.current_mbi <> '' AND {date} BETWEEN %s AND %s AND {code}",
        params=windows.lookback,
        chunked=True,
    )


def part_b_diagnosis_source(windows: Windows, params: engine.QualityParameters) -> Source:
    """CCLF5 lines with a code of a condition group, one row per beneficiary and set of codes (with the
    earliest through date among its lines): the claim's twelve diagnoses repeat on each of its lines, and a
    beneficiary's conditions on many claims, so grouping in SQL (in parallel workers) sends about a fifth of
    the lines. The thirteen codes travel as one text, each cut to the longest prefix and padded with blanks
    to it. The grouped rows are the source's table, a derived table (`Source` puts it after FROM)."""
    date = "COALESCE(t.clm_thru_dt, t.clm_line_thru_dt, t.clm_line_from_dt)"
    any_code = " OR ".join(condition_sql(f"t.{c}", params) for c in PART_B_DX_COLUMNS)
    width = prefix_width(params)
    codes = " || ".join(f"SUBSTR(COALESCE(t.{c}, '') || '{' ' * width}', 1, {width})" for c in PART_B_DX_COLUMNS)
    lines = (
        f"SELECT t.current_mbi AS mbi, MIN({date}) AS date, {codes} AS codes FROM {_table(PartBLine)} t "  # noqa: S608
        f"WHERE t.is_current AND NOT t.is_denied AND t.current_mbi <> '' AND {date} BETWEEN %s AND %s "
        f"AND ({any_code}) GROUP BY t.current_mbi, {codes}"
    )
    return Source(
        table=f"({lines})",
        exprs={"mbi": "t.mbi", "date": "t.date", "codes": "t.codes"},
        where="1 = 1",
        params=windows.lookback,
    )


INPATIENT = (
    Field("claim_id", "text", CLAIM_ID_WIDTH),
    Field("mbi", "text", MBI_WIDTH),
    Field("admit_date", "day"),
    Field("discharge_date", "day"),
    Field("patient_status", "text", 2),
    Field("admission_type", "text", 2),
    Field("principal_dx", "text", CODE_WIDTH),
)


def inpatient_source(windows: Windows) -> Source:
    return Source(
        table=_table(PartAClaim),
        exprs={
            "claim_id": "CAST(t.cur_clm_uniq_id AS TEXT)",
            "mbi": "t.current_mbi",
            "admit_date": "t.clm_from_dt",
            "discharge_date": "t.clm_thru_dt",
            "patient_status": "t.bene_ptnt_stus_cd",
            "admission_type": "t.clm_admsn_type_cd",
            "principal_dx": "t.prncpl_dgns_cd",
        },
        where=(
            "t.is_current AND t.current_mbi <> '' AND t.cur_clm_uniq_id IS NOT NULL AND t.clm_type_cd = %s "
            "AND t.clm_from_dt <= %s AND COALESCE(t.clm_thru_dt, t.clm_from_dt) >= %s"
        ),
        params=(INPATIENT_CLAIM_TYPE, windows.year[1], windows.inpatient_through_from),
    )


SNF = (
    Field("claim_id", "text", CLAIM_ID_WIDTH),
    Field("mbi", "text", MBI_WIDTH),
    Field("from_date", "day"),
    Field("thru_date", "day"),
)


def snf_source(windows: Windows) -> Source:
    return Source(
        table=_table(PartAClaim),
        exprs={
            "claim_id": "CAST(t.cur_clm_uniq_id AS TEXT)",
            "mbi": "t.current_mbi",
            "from_date": "t.clm_from_dt",
            "thru_date": "t.clm_thru_dt",
        },
        where=(
            "t.is_current AND t.current_mbi <> '' AND t.cur_clm_uniq_id IS NOT NULL "
            f"AND t.clm_type_cd IN ({_marks(SNF_CLAIM_TYPES)}) "
            "AND t.clm_from_dt <= %s AND COALESCE(t.clm_thru_dt, t.clm_from_dt) >= %s"
        ),
        params=(*SNF_CLAIM_TYPES, windows.year[1], windows.year[0]),
    )


ED = (
    Field("claim_id", "text", CLAIM_ID_WIDTH),
    Field("mbi", "text", MBI_WIDTH),
    Field("date", "day"),
    Field("principal_dx", "text", CODE_WIDTH),
)
ED_LINES = (Field("claim_id", "text", CLAIM_ID_WIDTH),)


def outpatient_source(windows: Windows) -> Source:
    """Outpatient claims (type 40) of the PY."""
    return Source(
        table=_table(PartAClaim),
        exprs={
            "claim_id": "CAST(t.cur_clm_uniq_id AS TEXT)",
            "mbi": "t.current_mbi",
            "date": "t.clm_from_dt",
            "principal_dx": "t.prncpl_dgns_cd",
        },
        where=(
            "t.is_current AND t.current_mbi <> '' AND t.cur_clm_uniq_id IS NOT NULL AND t.clm_type_cd = %s "
            "AND t.clm_from_dt BETWEEN %s AND %s"
        ),
        params=(OUTPATIENT_CLAIM_TYPE, *windows.year),
    )


def ed_line_source(windows: Windows) -> Source:
    """The claims of current revenue lines of an emergency department (045x) or an observation stay (0762),
    of claims from the PY (the claim's from date, which CCLF2 repeats; lines without it are kept). Matched to
    the claims in numpy rather than by a join: a join's plan depends on table statistics, and without them
    (a table loaded but not analysed) PostgreSQL probes the lines once per claim."""
    return Source(
        table=_table(PartARevenueLine),
        exprs={"claim_id": "CAST(t.cur_clm_uniq_id AS TEXT)"},
        where=(
            "t.is_current AND t.cur_clm_uniq_id IS NOT NULL "
            "AND (t.clm_from_dt IS NULL OR t.clm_from_dt BETWEEN %s AND %s) "
            "AND (SUBSTR(t.clm_line_prod_rev_ctr_cd, 1, 3) = %s OR t.clm_line_prod_rev_ctr_cd = %s)"
        ),
        params=(*windows.year, ED_REVENUE_PREFIX, OBSERVATION_REVENUE_CENTER),
    )


FOLLOWUPS = (
    Field("mbi", "text", MBI_WIDTH),
    Field("date", "day"),
)


def followup_sources(windows: Windows) -> list[Source]:
    """PQEM services: Part B lines (not denied) and RHC/FQHC visits, as alignment's rule 3 reads them, from
    the narrow claim facts (``ClaimFact``) of the window's service years."""
    pqem = pqem_codes()
    first, last = windows.followups
    years = f"t.service_year BETWEEN {first.year} AND {last.year}"
    part_b = Source(
        table=FACTS,
        exprs={"mbi": "TRIM(t.current_mbi)", "date": "t.from_date"},
        where=(
            f"t.source = 5 AND {years} AND t.is_current AND NOT t.is_denied AND t.current_mbi <> '' "
            f"AND t.from_date BETWEEN %s AND %s AND t.hcpcs IN ({_marks(pqem)})"
        ),
        params=(first, last, *pqem),
        chunked=True,
        years=(first.year, last.year),
    )
    rural = Source(
        table=FACTS,
        exprs={"mbi": "TRIM(t.current_mbi)", "date": "t.from_date"},
        where=(
            f"t.source = 2 AND {years} AND t.is_current AND t.current_mbi <> '' AND t.from_date BETWEEN %s AND %s "
            f"AND (t.revenue_center IN ({_marks(RHC_FQHC_REVENUE_CENTERS)}) OR t.hcpcs IN ({_marks(pqem)})) "
            "AND h.source = 1 AND h.is_current AND h.claim_type = %s AND h.bill_type IN ('71', '77')"
        ),
        params=(first, last, *RHC_FQHC_REVENUE_CENTERS, *pqem, OUTPATIENT_CLAIM_TYPE),
        joins=f"JOIN {FACTS} h ON h.claim_id = t.claim_id",
    )
    return [part_b, rural]


def read(fields: Sequence[Field], sources: Sequence[Source]) -> dict[str, Array]:
    return alignment_inputs.read(fields, sources)


def _claim_ids(text: Array) -> Array:
    return np.asarray(text).astype(np.int64) if len(text) else np.zeros(0, dtype=np.int64)


def load_population(alignment_run_id: int) -> engine.Population:
    cols = read(POPULATION, [population_source(alignment_run_id)])
    return engine.Population(
        mbi=cols["mbi"],
        aco_id=cols["aco_id"],
        birth_date=cols["birth_date"],
        sex=cols["sex"],
        dual_status=cols["dual_status"],
        death_date=cols["death_date"],
        high_needs=cols["high_needs"] == "Y",
        aligned_from=cols["aligned_from"],
    )


def _code_groups(chars: Array, params: engine.QualityParameters) -> Array:
    """The condition group (or −1) of each code given as a row of NUL-padded code points: each code becomes
    an integer of 7 bits a character, and `engine.condition_group_of` sees every distinct code once (a few
    thousand, where the lines carry millions)."""
    m, width = chars.shape
    if m == 0:
        return np.zeros(0, dtype=np.int64)
    if width > 9 or int(chars.max()) > 127:  # no exact integer key: match the text itself
        return engine.condition_group_of(chars.view(f"U{width}").reshape(-1), params)
    keys = np.zeros(m, dtype=np.int64)
    for i in range(width):  # a loop over character positions
        keys = (keys << 7) | chars[:, i].astype(np.int64)
    if 7 * width <= 24:  # small key space: a lookup table, no sort
        present = np.zeros(1 << (7 * width), dtype=bool)
        present[keys] = True
        distinct = np.flatnonzero(present)
        inverse = None
    else:
        distinct, inverse = np.unique(keys, return_inverse=True)
    text = np.zeros((distinct.size, width), dtype=np.uint32)
    rest = distinct.copy()
    for i in reversed(range(width)):
        text[:, i] = rest & 127
        rest >>= 7
    groups = engine.condition_group_of(text.view(f"U{width}").reshape(-1), params)
    if inverse is not None:
        return groups[inverse.reshape(-1)]
    table = np.full(present.size, -1, dtype=np.int64)
    table[distinct] = groups
    return table[keys]


def load_diagnoses(windows: Windows, params: engine.QualityParameters) -> engine.Diagnoses:
    """CCLF4 codes, then the CCLF5 codes unpivoted (one row per beneficiary, set of codes and code) that start a
    group, every code cut to the longest prefix (all the engine looks at)."""
    a = read(part_a_diagnosis_fields(params), [part_a_diagnosis_source(windows, params)])
    b = read(part_b_diagnosis_fields(params), [part_b_diagnosis_source(windows, params)])
    width, k = prefix_width(params), len(PART_B_DX_COLUMNS)
    # One row of code points per (line, column); a code with a blank first character is no code.
    text = np.ascontiguousarray(b["codes"].astype(f"U{k * width}", copy=False))
    chars = text.view(np.uint32).reshape(-1, width)
    filled = np.flatnonzero((chars[:, 0] != 0) & (chars[:, 0] != ord(" ")))
    codes = chars[filled]
    codes[codes == ord(" ")] = 0  # blanks pad a short code: NUL is numpy's padding, so "I2 " reads "I2"
    keep = np.flatnonzero(_code_groups(codes, params) >= 0)
    line = filled[keep] // k
    return engine.Diagnoses(
        mbi=np.concatenate([a["mbi"], b["mbi"][line]]),
        code=np.concatenate([a["code"], codes[keep].view(f"U{width}").reshape(-1)]),
        date=np.concatenate([a["date"], b["date"][line]]),
    )


def load_inpatient(windows: Windows) -> engine.InpatientStays:
    cols = read(INPATIENT, [inpatient_source(windows)])
    return engine.InpatientStays(
        claim_id=_claim_ids(cols["claim_id"]),
        mbi=cols["mbi"],
        admit_date=cols["admit_date"],
        discharge_date=cols["discharge_date"],
        patient_status=cols["patient_status"],
        admission_type=cols["admission_type"],
        principal_dx=cols["principal_dx"],
    )


def load_snf(windows: Windows) -> engine.SNFStays:
    cols = read(SNF, [snf_source(windows)])
    return engine.SNFStays(
        claim_id=_claim_ids(cols["claim_id"]), mbi=cols["mbi"], from_date=cols["from_date"], thru_date=cols["thru_date"]
    )


def load_ed(windows: Windows) -> engine.EDVisits:
    """Outpatient claims of the PY with an ED or observation line, one row per claim."""
    cols = read(ED, [outpatient_source(windows)])
    claim_id = _claim_ids(cols["claim_id"])
    visit = np.isin(claim_id, _claim_ids(read(ED_LINES, [ed_line_source(windows)])["claim_id"]))
    return engine.EDVisits(
        claim_id=claim_id[visit],
        mbi=cols["mbi"][visit],
        date=cols["date"][visit],
        principal_dx=cols["principal_dx"][visit],
    )


def load_followups(windows: Windows) -> engine.Followups:
    cols = read(FOLLOWUPS, followup_sources(windows))
    return engine.Followups(mbi=cols["mbi"], date=cols["date"])


def load_quality_inputs(
    *, alignment_run_id: int, performance_year: int, params: engine.QualityParameters | None = None
) -> engine.QualityInputs:
    """Everything `engine.compute_measures` needs for the beneficiaries of one alignment run."""
    params = params or engine.QualityParameters()
    windows = Windows.of(performance_year, params)
    # The diagnoses (a scan of every CCLF5 line of the lookback) are read on a second connection
    # while this one reads the rest (where it can: see runs.Background).
    diagnoses = runs.Background(partial(load_diagnoses, windows, params))
    population = load_population(alignment_run_id)
    inpatient, snf, ed, followups = (
        load_inpatient(windows),
        load_snf(windows),
        load_ed(windows),
        load_followups(windows),
    )
    return engine.QualityInputs(
        population=population,
        diagnoses=diagnoses.result(),
        inpatient=inpatient,
        snf=snf,
        ed=ed,
        followups=followups,
    )
