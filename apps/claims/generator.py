"""A realistic, deterministic synthetic CCLF dataset bundle (the ``generate_cclf`` command).

``generate(Options(...))`` writes into one folder:

- a CCLF package of the eleven data files (CCLF1-CCLF9, CCLFA, CCLFB) and CCLF0, named
  ``P.LEAD0.ACO.ZC<n>Y<yy>.D<yymmdd>.T<hhmmsst>``, produced 2 January of PY+1 at 04:15:30.0
  (never the clock); CCLF0 is :func:`fixedwidth.format_cclf0` of the exact record counts;
- with ``runout``, a second package ``P.LEAD0.ACO.ZC<n>R<yy>...`` (CMS's run-out name, ``<yy>``
  the performance year whose claims it carries) produced 2 April of PY+1 that repeats claims of
  the first (identical records, later adjustments and cancellations of the same natural keys),
  with the CCLFA/CCLFB rows of those claim versions and its own CCLF0 (CCLF8 and CCLF9 are copies
  of the first package's);
- ``acos.csv``, ``participants.csv``, ``preferred_providers.csv``, ``voluntary_alignments.csv`` and
  ``quality_submissions.csv`` in the formats of docs/bundles.md.

CCLFA and CCLFB (Benefit Enhancement and demonstration codes) are derived from the claim versions
they follow (:class:`_Codes`): whichever version of a claim a package carries, its CCLFA/CCLFB row
comes with it under that version's CUR_CLM_UNIQ_ID and amounts. Which ACO uses which Benefit
Enhancement is :func:`generator_world.benefit_enhancements`.

Determinism: everything derives from ``seed`` through ``numpy.random.Generator(PCG64(...))``:
the world (markets, ACOs, providers) from ``SeedSequence([seed, 0])``, beneficiary chunk ``c``
from ``SeedSequence([seed, c + 1, 1])``, its run-out from ``SeedSequence([seed, c + 1, 2])`` and
its post-discharge home visits (a Benefit Enhancement's claims, drawn after everything else so
that nothing else moves) from ``SeedSequence([seed, c + 1, 4])``.
Chunks hold :data:`CHUNK` beneficiaries (a constant: the output depends on it, not on the number
of worker processes), are generated independently (in parallel with ``workers`` > 1) and appended
to the files in order. Every big file is rendered column-wise with numpy (``generator_fw``).

Conventions a loader relies on are listed in :data:`CONVENTIONS` (also printed by the command's
help) and in the module docstrings of ``generator_fw`` and ``generator_codes``.
"""

from __future__ import annotations

import contextlib
import csv
import datetime
import io
import multiprocessing
import os
import shutil
import tempfile
import time
import weakref
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from . import generator_codes as codes
from . import generator_world as gw
from .filenames import make_name
from .fixedwidth import format_cclf0
from .generator_fw import NOAMT, NODATE, Num, Table, day, render
from .layouts import DATA_FILE_TYPES, layout, switch_fields

Array = npt.NDArray[Any]
IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]

CHUNK = 2000
ACO_CODE = "LEAD0"
DATA_FILES = DATA_FILE_TYPES  # CCLF1-CCLF9, CCLFA, CCLFB: every package has all of them
CLAIM_FILES = ("CCLF1", "CCLF2", "CCLF3", "CCLF4", "CCLF5", "CCLF6", "CCLF7")
RUNOUT_FILES = (*CLAIM_FILES, "CCLFA", "CCLFB")  # the run-out's own records (CCLF8/9 are copies)
# CUR_CLM_UNIQ_ID = family * 10**12 + chunk * 10**7 + sequence; run-out versions add RUNOUT_FAMILY.
# A family's sequences start at ID_START and stay below ID_END: the post-discharge home visits
# ("BHV", Part B) number from 5,000,000 so that adding them renumbers no other claim.
FAMILY = {"A": 1, "B": 2, "DME": 3, "D": 4, "BHV": 2}
ID_START = {"BHV": 5_000_000}
ID_END = {"B": 5_000_000}
RUNOUT_FAMILY = 5
ID_FAMILY = 10**12
ID_CHUNK = 10**7
# Capitation reductions on a capitated Preferred Provider's Part B lines: CMS withholds this share
# of the fee-for-service payment (CLM_PBP_INCLSN_AMT), the CCLF5 paid amount is what is left.
REDUCTION_SHARE = {b"pcc": 0.25, b"npcc": 0.20, b"tcc": 0.50}
# Prices (DRG base rate, per diems, fee schedules) rise by this much a year: the benchmark trend the
# money step applies to base years by default (ModelParameters.benchmark_trend_pct). Use per person
# is the same every year unless an ACO's performance year says otherwise (generator_world.PYUse), so
# the base years' spending of the same people, trended, predicts a typical performance year.
SPENDING_TREND_PCT = 3
PRICE_GROWTH = 1 + SPENDING_TREND_PCT / 100
CARE_MANAGEMENT_VISIT_CAP = 20  # care management home visits per beneficiary in a year (docs/benefits.md)
FAR = 10**6  # a day number later than any date
# Worker processes hand their chunks over through files in memory, in a private directory that
# tempfile.mkdtemp creates (mode 0700) under /dev/shm.
SHM = Path("/dev/shm")  # noqa: S108

CONVENTIONS = """\
Files: P.LEAD0.ACO.ZC<n>Y<yy>.D<yymmdd>.T<hhmmsst> (n = 0-9, A, B); every package has CCLF0 and
all eleven data files (CCLF1-CCLF9, CCLFA, CCLFB; a file may be empty). CCLF0 is a header row then
one detail row per data file: type in 1-7, '|' at 8, file name in 9-51, '|' at 52, record count
right-justified in 53-63, '|' at 64, record length right-justified in 65-69. The main package is
produced on 2 Jan PY+1 04:15:30.0 and its CLM_EFCTV_DT / CLM_IDR_LD_DT are on or before 1 Jan
PY+1; the run-out package (--runout) is P.LEAD0.ACO.ZC<n>R<yy>.D<PY+1 0402>.T0415300 (R for Y,
<yy> the performance year) with effective dates 2 Jan - 1 Apr PY+1. Records: ASCII, one per line,
'\\n'-terminated, exactly the layout length.
Fields: text left-justified/space-padded; 9(n) zero-padded; dates YYYY-MM-DD or blank; amounts
signed, right-justified, 2 decimals (4 for *_QTY); cancellations carry negated amounts.
Keys: CUR_CLM_UNIQ_ID is unique per claim version (Part A 1..., Part B 2..., DME 3..., Part D
4...; run-out versions 6-9...); Part B/DME versions share CLM_CNTL_NUM and CLM_LINE_NUM; Part A
versions share MBI (as of the from date), PRVDR_OSCAR_NUM, from/thru dates and claim type, each
has its own CLM_CNTL_NUM and CLM_ORG_CNTL_NUM is the original's; Part D versions share pharmacy
NPI, Rx number, fill date and fill number. CLM_ADJSMT_TYPE_CD 0/1/2, a later version has a later
or equal CLM_EFCTV_DT and a larger CUR_CLM_UNIQ_ID. Claims carry the MBI valid on their from date
(CCLF9 PRVS_NUM -> CRNT_NUM, chains of up to 3 hops); CCLF8 carries current MBIs. ICD-10 codes
have no dot (Z6835). Denied Part B lines: CLM_CARR_PMT_DNL_CD '0', paid 0.00, allowed kept.
RHC/FQHC: CCLF1 type 40, CLM_BILL_FAC_TYPE_CD 7 with CLM_BILL_CLSFCTN_CD 1 (RHC) or 7 (FQHC),
revenue centers 0521/0522/0524/0525; dialysis is 72x (not RHC/FQHC); CAH outpatient 85x.
CCLFA/CCLFB: to keep files small, a row is written only for a claim record (CCLFA: a CCLF1
record; CCLFB: a CCLF5/CCLF6 line) that carries a Benefit Enhancement indicator or a capitation
reduction; other claim records have none. A row has the CUR_CLM_UNIQ_ID (CCLFB also the
CLM_LINE_NUM), BENE_MBI_ID and CLM_TYPE_CD of its record (CCLFA: CLM_ACTV_CARE_FROM_DT =
CLM_FROM_DT) and follows its claim version: every version of the claim in either package
(run-out repeat, adjustment, cancellation) has its own row in that package. Switches are 'Y' or
blank; fields the generator does not use are blank.
Indicators: only on services in the PY, for beneficiaries attached to an ACO (their primary-care
home is one of its participant TINs or RHC/FQHC sites) that uses the Benefit Enhancement
(generator_world.benefit_enhancements: L0001 SNF 3-day waiver, telehealth, post-discharge home
visits; L0002 telehealth, care management home visits; other ACOs none).
CLM_NGACO_SNF_WVR_SW: SNF claims (type 20) after an inpatient stay shorter than 3 days, at a SNF
eligible for the waiver (two SNFs in three). CLM_LINE_NGACO_TLHLTH_SW: E&M lines with place of
service 02 or 10 rendered by the ACO's participant TINs. CLM_LINE_NGACO_PDSCHRG_HCBS_SW: home-visit
lines (99341-99350) by its participant TINs 1-30 days after an inpatient discharge; the generator
adds such visits for about two in five PY discharges home of these beneficiaries (99347-99349,
place of service 12, by their primary-care clinician 2-25 days later; CUR_CLM_UNIQ_ID sequences
from 5,000,000). CLM_NGACO_CMG_WVR_SW: the ACO's participant TINs' other home-visit lines, at most 20
per beneficiary.
Capitation reductions: a PY Part B line with a paid amount, rendered by a Preferred Provider (TIN,
NPI) whose capitation is pcc, npcc or tcc, for a beneficiary attached to that provider's ACO:
CLM_PBP_RDCTN_AMT is the withheld 25% (pcc), 20% (npcc) or 50% (tcc) of CLM_PBP_INCLSN_AMT = paid +
reduction (the CCLF5 paid amount is what was paid after the reduction; an adjustment scales both,
a cancellation negates both), and CLM_LINE_NGACO_PBPMT_SW (pcc, npcc) or CLM_LINE_NGACO_CPTATN_SW
(tcc) is 'Y'. Every ACO lists a capitated (pcc) Preferred Provider of its own TINs who bills Part B.
"""


# ---------------------------------------------------------------------------------------------
# Options, calendar, results
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Options:
    out: Path
    beneficiaries: int
    acos: int
    seed: int
    performance_year: int
    with_errors: bool = False
    runout: bool = False
    workers: int = 1


@dataclass
class Summary:
    files: list[str]
    counts: dict[str, int]  # main package records per file type
    runout_counts: dict[str, int]
    seconds: float
    beneficiaries: int

    @property
    def total_lines(self) -> int:
        return sum(self.counts.values()) + sum(self.runout_counts.values())


@dataclass(frozen=True)
class Calendar:
    py: int
    start: int  # 1 Jan PY-3: first service date
    end: int  # 31 Dec PY: last service date
    cut: int  # 1 Jan PY+1: last effective date in the main package
    runout_cut: int  # 1 Apr PY+1
    ay2_start: int
    vol_deadline: int  # 31 Oct PY-1
    produced: datetime.datetime
    runout_produced: datetime.datetime

    @classmethod
    def of(cls, py: int) -> Calendar:
        return cls(
            py=py,
            start=day(datetime.date(py - 3, 1, 1)),
            end=day(datetime.date(py, 12, 31)),
            cut=day(datetime.date(py + 1, 1, 1)),
            runout_cut=day(datetime.date(py + 1, 4, 1)),
            ay2_start=day(datetime.date(py - 2, 7, 1)),
            vol_deadline=day(datetime.date(py - 1, 10, 31)),
            produced=datetime.datetime(py + 1, 1, 2, 4, 15, 30),
            runout_produced=datetime.datetime(py + 1, 4, 2, 4, 15, 30),
        )

    @property
    def py_start(self) -> int:
        return day(datetime.date(self.py, 1, 1))


def file_name(file_type: str, py: int, produced_at: datetime.datetime, runout: bool = False) -> str:
    """The CMS name of a file of the package: ``ZC<n>Y<yy>`` monthly, ``ZC<n>R<yy>`` run-out."""
    return make_name(aco=ACO_CODE, file_number=file_type[-1], year=py, produced_at=produced_at, runout=runout)


# ---------------------------------------------------------------------------------------------
# Small vectorised helpers
# ---------------------------------------------------------------------------------------------


def _rng(*keys: int) -> np.random.Generator:
    return np.random.Generator(np.random.PCG64(np.random.SeedSequence(list(keys))))


def _choice(rng: np.random.Generator, probs: Array | Sequence[float], size: int) -> IntArray:
    """Categorical draws with the given (unnormalised) probabilities."""
    cum = np.cumsum(np.asarray(probs, dtype=np.float64))
    cum /= cum[-1]
    return np.minimum(np.searchsorted(cum, rng.random(size), side="right"), len(cum) - 1).astype(np.int64)


def _choice_rows(rng: np.random.Generator, weights: FloatArray) -> IntArray:
    """One categorical draw per row of a weight matrix."""
    cum = np.cumsum(weights, axis=1)
    u = rng.random(weights.shape[0]) * cum[:, -1]
    return np.minimum((cum < u[:, None]).sum(axis=1), weights.shape[1] - 1).astype(np.int64)


def _rep(counts: IntArray) -> IntArray:
    return np.repeat(np.arange(counts.shape[0], dtype=np.int64), counts)


def _days_between(rng: np.random.Generator, lo: IntArray, hi: IntArray, groups: IntArray | None = None) -> IntArray:
    """A uniform day in [lo, hi] (lo where hi < lo) for each event. With ``groups``, the draws of each
    group's events are stratified (one in each of n equal slices of [0, 1), the slices in random
    order), so that each year gets close to its expected share of a group's many events: the yearly
    spending of the same people then moves with prices and with what their performance year changes,
    not with the luck of the draw (a base year with a hundred admissions too many would decide an
    ACO's settlement)."""
    n = int(lo.shape[0])
    u: FloatArray = np.asarray(rng.random(n), dtype=np.float64)
    if groups is not None and n:
        order = np.argsort(groups, kind="stable")
        sorted_groups = groups[order]
        starts = np.flatnonzero(np.concatenate(([True], sorted_groups[1:] != sorted_groups[:-1])))
        sizes = np.diff(np.append(starts, n))
        rank = np.arange(n) - np.repeat(starts, sizes)
        # a random order of the slices inside each group: sort by (group, random key)
        shuffled = order[np.lexsort((np.asarray(rng.random(n)), sorted_groups))]
        u[shuffled] = (rank + u[shuffled]) / np.repeat(sizes, sizes)
    span = np.maximum(hi - lo + 1, 1)
    return lo + (u * span).astype(np.int64)


def _years_of(days: IntArray) -> IntArray:
    return days.astype("datetime64[D]").astype("datetime64[Y]").astype(np.int64) + 1970


def _month_start(days: IntArray) -> IntArray:
    return days.astype("datetime64[D]").astype("datetime64[M]").astype("datetime64[D]").astype(np.int64)


def _add_months(days: IntArray, months: IntArray) -> IntArray:
    m = days.astype("datetime64[D]").astype("datetime64[M]") + months
    return m.astype("datetime64[D]").astype(np.int64)


def _within_group_index(groups: IntArray) -> IntArray:
    """0, 1, 2, … within each run of equal values of a sorted group array."""
    n = int(groups.shape[0])
    if n == 0:
        return np.zeros(0, dtype=np.int64)
    starts = np.flatnonzero(np.concatenate(([True], groups[1:] != groups[:-1])))
    run = np.zeros(n, dtype=np.int64)
    run[starts] = starts
    return np.arange(n, dtype=np.int64) - np.maximum.accumulate(run)


def _s(values: list[str] | tuple[str, ...], width: int) -> npt.NDArray[np.bytes_]:
    return np.array([v.encode() for v in values], dtype=f"S{width}")


class _Acc:
    """Column arrays gathered from several sources, with defaults for columns a source omits."""

    def __init__(self, defaults: dict[str, Any]) -> None:
        self.defaults = defaults
        self.parts: dict[str, list[Array]] = {k: [] for k in defaults}
        self.n = 0

    def add(self, n: int, **cols: Any) -> int:
        """Append ``n`` rows; returns the index of the first."""
        unknown = set(cols) - set(self.defaults)
        if unknown:
            raise KeyError(sorted(unknown))
        for k, default in self.defaults.items():
            v = cols.get(k, default)
            arr = np.asarray(v)
            if arr.ndim == 0:
                arr = np.full(n, v, dtype=np.asarray(default).dtype if k not in cols else arr.dtype)
            if arr.shape[0] != n:
                raise ValueError(f"{k}: {arr.shape[0]} values for {n} rows")
            self.parts[k].append(arr)
        first = self.n
        self.n += n
        return first

    def get(self) -> dict[str, Array]:
        out: dict[str, Array] = {}
        for k, parts in self.parts.items():
            default = np.asarray(self.defaults[k])
            if not parts:
                out[k] = np.zeros(0, dtype=default.dtype)
            elif default.dtype.kind == "S":
                width = max(max(p.dtype.itemsize for p in parts), default.dtype.itemsize)
                out[k] = np.concatenate([p.astype(f"S{width}") for p in parts])
            else:
                out[k] = np.concatenate([p.astype(default.dtype) for p in parts])
        return out


# ---------------------------------------------------------------------------------------------
# Static tables derived from the code lists
# ---------------------------------------------------------------------------------------------

SVC_HCPCS = _s([s[0] for s in codes.SERVICES], 5)
SVC_FEE = np.array([round(s[1] * 100) for s in codes.SERVICES], dtype=np.int64)
SVC_BETOS = _s([s[2] for s in codes.SERVICES], 3)
SVC_TOS = _s([s[3] for s in codes.SERVICES], 1)
SVC_UNITS = np.array([s[4] for s in codes.SERVICES], dtype=np.int64)
SVC = codes.SERVICE_INDEX
SVC_PQEM = np.array([s[0] in codes.PQEM_HCPCS for s in codes.SERVICES])
SVC_HOME_VISIT = np.array([s[0] in codes.HOME_VISIT_HCPCS for s in codes.SERVICES])
N_COND = len(codes.CONDITIONS)
C = codes.CONDITION_INDEX
CHRONIC_GROUPS = ("ami", "dementia", "afib", "ckd", "copd", "depression", "diabetes", "hf", "stroke")
DRG_CODE = _s([d[0] for d in codes.DRGS], 4)
DRG_WEIGHT = np.array([d[1] for d in codes.DRGS])
DRG_LOS = np.array([d[3] for d in codes.DRGS])
DRG_KIND = np.array([d[4] for d in codes.DRGS])
DRG_AFFINITY = np.array([C.get(d[6], -1) for d in codes.DRGS], dtype=np.int64)
DRG_BASE_RATE_CENTS = codes.DRG_BASE_RATE * 100
DRG_BASE_P = np.array([2.0 if d[4] in ("ortho",) else 1.0 for d in codes.DRGS])


def _csr(lists: list[tuple[str, ...]], width: int) -> tuple[npt.NDArray[np.bytes_], IntArray, IntArray]:
    flat = _s([c for lst in lists for c in lst] or [""], width)
    count = np.array([len(lst) for lst in lists], dtype=np.int64)
    start = np.concatenate(([0], np.cumsum(count)[:-1])).astype(np.int64)
    return flat, start, count


DRG_PDX = _csr([d[2] for d in codes.DRGS], 7)
DRG_PCS = _csr([d[5] for d in codes.DRGS], 7)
COND_CODES = _csr([c[2] for c in codes.CONDITIONS], 7)


def _pick_csr(table: tuple[Array, IntArray, IntArray], idx: IntArray, u: FloatArray) -> Array:
    flat, start, count = table
    return flat[start[idx] + (u * count[idx]).astype(np.int64)]


# ---------------------------------------------------------------------------------------------
# One chunk of beneficiaries
# ---------------------------------------------------------------------------------------------


@dataclass
class ChunkOut:
    main: dict[str, bytes]
    runout: dict[str, bytes]
    main_counts: dict[str, int]
    runout_counts: dict[str, int]
    voluntary: list[list[str]]
    cclf5_sample: bytes = b""
    spooled: bool = False  # main/runout hold spool file paths instead of the records


@dataclass
class _Versions:
    """Which claims get later versions in the main package."""

    adj1: BoolArray  # a first adjustment
    adj2: BoolArray  # a second adjustment (after adj1)
    cancel: BoolArray  # a cancellation (after the original or the last adjustment)


@dataclass
class _PartA:
    hdr: dict[str, Array] = field(default_factory=dict)
    lines: dict[str, Array] = field(default_factory=dict)
    dx: dict[str, Array] = field(default_factory=dict)
    proc: dict[str, Array] = field(default_factory=dict)


class _Chunk:
    def __init__(self, opts: Options, world: gw.World, cal: Calendar, chunk_no: int) -> None:
        self.o = opts
        self.w = world
        self.cal = cal
        self.chunk_no = chunk_no
        self.rng = _rng(opts.seed, chunk_no + 1, 1)
        first = chunk_no * CHUNK
        self.n = min(CHUNK, opts.beneficiaries - first)
        self.g = np.arange(first, first + self.n, dtype=np.int64)
        self.id_next = {k: ID_START.get(k, 0) for k in FAMILY}

    @contextlib.contextmanager
    def drawing_from(self, rng: np.random.Generator) -> Iterator[None]:
        """Draw from ``rng`` instead of the chunk's stream inside the block: claims added by a later
        feature take their own stream, so the records drawn before them do not change."""
        saved = self.rng
        self.rng = rng
        try:
            yield
        finally:
            self.rng = saved

    # -- identifiers -----------------------------------------------------------------------
    def new_ids(self, family: str, count: int, runout: bool = False) -> IntArray:
        start = self.id_next[family]
        if start + count >= ID_END.get(family, ID_CHUNK):
            raise ValueError("too many claims in one chunk")
        self.id_next[family] = start + count
        fam = FAMILY[family] + (RUNOUT_FAMILY if runout else 0)
        return fam * ID_FAMILY + (self.chunk_no + 1) * ID_CHUNK + start + np.arange(count, dtype=np.int64)

    def attached_aco(self) -> IntArray:
        """Per beneficiary the ACO (index) whose participant TIN or RHC/FQHC site is their
        primary-care home, else -1: who the ACO's Benefit Enhancements and capitation reach."""
        home = np.maximum(self.home, 0)
        return np.where(self.home >= 0, self.w.p_aco[self.w.u_practice[home]], -1)

    def mbi_on(self, bene: IntArray, days: IntArray) -> npt.NDArray[np.bytes_]:
        """The MBI each beneficiary carried on each date (claims use the MBI of their from date)."""
        k = (days >= self.chg[bene, 0]).astype(np.int64)
        k += days >= self.chg[bene, 1]
        k += days >= self.chg[bene, 2]
        return self.mbi_hist[bene, k]

    # -- beneficiaries ---------------------------------------------------------------------
    def beneficiaries(self) -> None:
        r, n, w, cal = self.rng, self.n, self.w, self.cal
        n_m = len(w.markets)
        market = _choice(r, w.market_weight, n)
        rural = r.random(n) < 0.22
        outside = r.random(n) < 0.004
        female = r.random(n) < 0.55
        disabled = r.random(n) < 0.13
        late = ~disabled & (r.random(n) < 0.02)
        b_delayed = r.random(n) < 0.02
        esrd = r.random(n) < 0.012
        dual = r.random(n) < np.where(disabled, codes.DUAL_SHARE_DISABLED, codes.DUAL_SHARE_AGED) + 0.2 * esrd
        mode = _choice(r, [0.845, 0.08, 0.06, 0.015], n)  # home PCP, specialists only, none, tie
        frail_noise = r.standard_normal(n)
        u_unit = r.random((n, 4))
        hops = _choice(r, [0.968, 0.025, 0.005, 0.002], n)
        death_u = r.random((n, 2))
        dies_py = np.zeros(n, dtype=bool)
        bmi_force = np.zeros(n, dtype=bool)
        self.glp1_force = np.zeros(n, dtype=bool)
        self.vol_force = np.zeros(n, dtype=np.int64)  # 1 signed after the deadline, 2 non-participant TIN
        if self.chunk_no == 0 and n > 14:
            # The first beneficiaries of the first chunk show every rare case, whatever the size.
            ordinary = np.arange(15)
            outside[ordinary] = False
            disabled[ordinary] = False
            late[ordinary] = False
            b_delayed[ordinary] = False
            esrd[ordinary] = False
            mode[ordinary] = 0
            hops[ordinary] = 0
            death_u[ordinary] = 0.999
            hops[0], hops[1] = 3, 2
            esrd[2], dual[2], disabled[2] = True, True, True
            mode[3], mode[4] = 3, 3
            outside[5] = True
            late[6] = True
            mode[7], mode[8] = 1, 2
            dies_py[10] = True
            bmi_force[11] = True
            self.glp1_force[11] = True
            self.vol_force[12], self.vol_force[13] = 1, 2
        self.market, self.rural, self.outside, self.mode = market, rural, outside, mode
        self.esrd, self.dual, self.disabled = esrd, dual, disabled

        # Where they live.
        zips = np.empty(n, dtype="S5")
        for m in range(n_m):
            for is_rural, pool in ((False, w.urban_zips[m]), (True, w.rural_zips[m])):
                idx = np.flatnonzero((market == m) & (rural == is_rural))
                zips[idx] = pool[(r.random(idx.size) * len(pool)).astype(np.int64)]
        state = np.array(w.markets, dtype="S2")[market]
        place = r.integers(0, len(codes.OUTSIDE_PLACES), n)
        out_idx = np.flatnonzero(outside)
        state[out_idx] = _s([codes.OUTSIDE_PLACES[i][0] for i in place[out_idx]], 2)
        zips[out_idx] = _s([codes.OUTSIDE_PLACES[i][1] for i in place[out_idx]], 5)
        if self.chunk_no == 0 and n > 14:
            state[5], zips[5] = b"GU", b"96910"
        self.zip, self.state = zips, state

        # Age, date of birth, entitlement.
        py0 = cal.py_start
        band = _choice(r, [0.27, 0.25, 0.19, 0.13, 0.09, 0.05, 0.02], n)
        band_lo = np.array([65, 70, 75, 80, 85, 90, 95])[band]
        age = band_lo + (r.random(n) * np.where(band == 6, 10, 5)).astype(np.int64)
        dis_age = np.clip(64 - r.gamma(2.0, 6.0, n).astype(np.int64), 25, 64)
        age = np.where(disabled, dis_age, age)
        dob = py0 - np.round(age * 365.2425).astype(np.int64) - r.integers(0, 365, n)
        late_dob = day(datetime.date(cal.py - 65, 2, 1)) + r.integers(0, 330, n)
        dob = np.where(late, late_dob, dob)
        at65 = _add_months(dob, np.full(n, 65 * 12))
        a_start = _month_start(at65)
        dis_start = _month_start(py0 - r.integers(180, 5500, n))
        dis_start = np.maximum(dis_start, _month_start(dob + 22 * 366))
        a_start = np.where(disabled, dis_start, a_start)
        b_start = np.where(b_delayed, _add_months(a_start, r.integers(12, 48, n)), a_start)
        b_start = np.minimum(b_start, cal.cut - 1)
        self.dob, self.age, self.a_start, self.b_start = dob, age, a_start, b_start
        self.sex = np.where(female, b"2", b"1").astype("S1")

        # Health: frailty, conditions, deaths.
        frail = frail_noise + 0.04 * (age - 72) + 0.3 * dual + 0.8 * esrd + 0.3 * disabled
        self.frail = frail
        base = np.array([c[1] for c in codes.CONDITIONS])
        logit = np.log(np.maximum(base, 1e-6) / np.maximum(1 - base, 1e-6))
        z = logit[None, :] + 0.55 * frail[:, None] + 0.15 * r.standard_normal((n, N_COND))
        cond = r.random((n, N_COND)) < 1 / (1 + np.exp(-z))
        cond[:, C["esrd"]] = esrd
        cond[esrd, C["ckd"]] = True
        cond[:, C["prediabetes"]] &= ~cond[:, C["diabetes"]]
        cond[:, C["mobility"]] |= disabled & (r.random(n) < 0.12)
        cond[bmi_force, C["bmi"]] = True
        cond[bmi_force, C["diabetes"]] = False
        self.cond = cond
        q = np.where(disabled, 0.02, 0.012 * np.exp(0.09 * (age - 65))) + 0.15 * esrd
        t_before = -np.log(1 - death_u[:, 0] * 0.999999) / (0.5 * q) * 365.25
        t_py = -np.log(1 - death_u[:, 1] * 0.999999) / q * 365.25
        death = np.full(n, NODATE, dtype=np.int64)
        before = t_before < (py0 - cal.start)
        death[before] = cal.start + t_before[before].astype(np.int64)
        in_py = ~before & (t_py < 365)
        death[in_py] = py0 + t_py[in_py].astype(np.int64)
        death[dies_py] = day(datetime.date(cal.py, 7, 15))
        w_start = np.maximum(cal.start, np.maximum(a_start, b_start))
        death[(death != NODATE) & (death < w_start + 30)] = NODATE
        self.death = death
        self.w_start = w_start
        self.w_end = np.where(death != NODATE, np.minimum(death, cal.end), cal.end)
        self.years = np.maximum(self.w_end - self.w_start + 1, 0) / 365.25

        # Codes each beneficiary carries (one per condition), the BMI band and its Z68 code.
        u = r.random((n, N_COND))
        code = _pick_csr(COND_CODES, np.tile(np.arange(N_COND), n), u.ravel()).reshape(n, N_COND)
        code[esrd, C["ckd"]] = b"N186"
        self.cond_code = code
        bands = codes.BMI_BANDS
        bmi_band = _choice(r, [b[0] for b in bands], n)
        bmi_band[bmi_force] = 2
        z68 = _pick_csr(_csr([b[1] for b in bands], 7), bmi_band, r.random(n))
        weight_dx = _s([b[2] for b in bands], 7)[bmi_band]
        self.bmi_band = np.where(cond[:, C["bmi"]], bmi_band, -1)
        # bene_dx: the chronic codes first (k_main of them), then the BMI codes (k_all in total).
        present = cond.copy()
        present[:, C["bmi"]] = False
        order = np.argsort(~present, axis=1, kind="stable")
        k_main = present.sum(axis=1)
        dx = np.take_along_axis(code, order, axis=1)
        dx[np.arange(N_COND)[None, :] >= k_main[:, None]] = b""
        has_bmi = cond[:, C["bmi"]]
        extra = np.zeros((n, 2), dtype="S7")
        extra[has_bmi, 0] = z68[has_bmi]
        extra[has_bmi, 1] = weight_dx[has_bmi]
        dx = np.concatenate([dx, extra], axis=1)
        # move the BMI codes right after the chronic ones
        rows = np.flatnonzero(has_bmi)
        dx[rows, k_main[rows]] = z68[rows]
        dx[rows, k_main[rows] + 1] = weight_dx[rows]
        dx[rows, N_COND] = b""
        dx[rows, N_COND + 1] = b""
        self.bene_dx, self.k_main, self.k_all = dx, k_main, k_main + 2 * has_bmi

        # Primary care: a home unit (TIN or RHC/FQHC site), maybe a second one; ties use two TINs.
        home = w.home_unit(market, rural, u_unit[:, 0])
        second = w.home_unit(market, rural, u_unit[:, 1])
        second = np.where(((r.random(n) < 0.35) & (second != home) & (mode == 0)) | (mode == 3), second, -1)
        tie = np.flatnonzero(mode == 3)

        def untied() -> IntArray:
            return tie[(w.u_facility[home[tie]] >= 0) | (w.u_facility[second[tie]] >= 0) | (home[tie] == second[tie])]

        for _ in range(50):  # ties need two different TIN units
            bad = untied()
            if bad.size == 0:
                break
            home[bad] = w.home_unit(market[bad], rural[bad], r.random(bad.size))
            second[bad] = w.home_unit(market[bad], rural[bad], r.random(bad.size))
        bad = untied()  # no luck: ordinary beneficiaries then
        mode[bad] = 0
        second[bad] = -1
        if self.chunk_no == 0 and n > 14:
            home[9] = np.flatnonzero((w.u_facility >= 0) & (w.u_market == market[9]))[0]
            for i in (0, 1, 10, 11, 12, 13):
                if w.u_facility[home[i]] >= 0:
                    home[i] = np.flatnonzero((w.u_facility < 0) & (w.u_market == market[i]))[0]
        self.home = np.where(np.isin(mode, (0, 3)), home, -1)
        self.second = np.where(np.isin(mode, (0, 3)), second, -1)
        self.home_npi = np.where(self.home >= 0, w.unit_npi(np.maximum(home, 0), u_unit[:, 2]), -1)
        self.second_npi = np.where(self.second >= 0, w.unit_npi(np.maximum(second, 0), u_unit[:, 3]), -1)
        self.home_is_site = (self.home >= 0) & (w.u_facility[np.maximum(self.home, 0)] >= 0)
        self.group = self.attached_aco()  # event dates are stratified by it (_dates)

        # Specialists each beneficiary sees (a fixed clinician per specialty).
        self.spec_npi: dict[str, IntArray] = {}
        any_spec = np.zeros(n, dtype=bool)
        for spec, (conds, _, _) in codes.SPECIALISTS.items():
            if conds:
                need = np.zeros(n, dtype=bool)
                for c in conds.split("|"):
                    need |= cond[:, C[c]]
                sees = need & (r.random(n) < 0.6)
            else:
                sees = r.random(n) < (0.08 if spec == "16" else 0.04)
                if spec == "16":
                    sees &= female
            sees &= mode != 2
            pick = w.specialists[spec].pick(market, r.random(n))
            self.spec_npi[spec] = np.where(sees, pick, -1)
            any_spec |= sees
        lonely = (mode == 1) & ~any_spec
        self.spec_npi["06"] = np.where(lonely, w.specialists["06"].pick(market, r.random(n)), self.spec_npi["06"])
        for spec, (share, _, _) in codes.OTHER_SPECIALTIES.items():
            sees = r.random(n) < np.where((spec == "48") & cond[:, C["diabetes"]], 3 * share, share)
            self.spec_npi[spec] = np.where(sees, w.specialists[spec].pick(market, r.random(n)), -1)
        self.pharmacy = w.pharmacies.pick(market, r.random(n)) if w.pharmacies else np.zeros(n, dtype=np.int64)

        # MBIs: current, and up to three earlier ones replaced on change dates.
        lo = np.maximum(cal.start, a_start) + 30
        hi = cal.cut - 30
        hops = np.where(hi - lo > 120, hops, 0)
        chg = np.sort(lo[:, None] + (r.random((n, 3)) * np.maximum(hi - lo, 1)[:, None]).astype(np.int64), axis=1)
        chg[np.arange(3)[None, :] >= hops[:, None]] = FAR
        self.hops, self.chg = hops, chg
        total = self.o.beneficiaries
        current = gw.mbis(self.g, self.w.salt)
        hist = np.repeat(current[:, None], 4, axis=1)
        for j in range(3):
            old = gw.mbis(self.g + total * (j + 1), self.w.salt)
            hist[:, j] = np.where(j < hops, old, hist[:, j])
        # columns 0..hops-1 are the old MBIs (oldest first) and column `hops` the current one
        rows = np.arange(n)
        hist[rows, hops] = current
        self.mbi_hist, self.mbi = hist, current

    def _dates(self, b: IntArray) -> IntArray:
        """A day in each beneficiary's window for each of their events, stratified by the ACO they are
        attached to (see ``_days_between``)."""
        return _days_between(self.rng, self.w_start[b], self.w_end[b], self.group[b])

    def _episode_starts(self, b: IntArray, lead_days: int) -> IntArray:
        """Start dates of episodes that last up to ``lead_days`` (chronic care management, infusion
        courses, equipment rentals): uniform over the window and, for people entitled before the
        first generated day, over the ``lead_days`` before it too, so that as many episodes are under
        way on the first day as on any other (the caller drops the events before the window). Without
        the lead, every such service would ramp up through the base years."""
        lead = np.where(self.w_start[b] <= self.cal.start, lead_days, 0)
        return _days_between(self.rng, self.w_start[b] - lead, self.w_end[b], self.group[b])

    # -- the performance year's hospital use (generator_world.PYUse) -------------------------
    def py_factor(self, attr: str) -> FloatArray:
        """Per beneficiary, the ``attr`` factor of the PYUse of the ACO they are attached to (1.0
        for none)."""
        table = np.array([getattr(gw.py_use(a), attr) for a in range(len(self.w.acos))] + [1.0])
        return table[self.attached_aco()]

    def _py_scaled(
        self, b: IntArray, date: IntArray, factor: FloatArray, rate: FloatArray
    ) -> tuple[IntArray, IntArray]:
        """Events (beneficiary, date) drawn at a steady yearly ``rate`` per beneficiary, with those of
        the performance year scaled by the beneficiary's ``factor``: thinned below 1, topped up with
        more events in the year above 1."""
        r = self.rng
        py0 = self.cal.py_start
        keep = (date < py0) | (r.random(b.shape[0]) < factor[b])
        lo = np.maximum(self.w_start, py0)
        py_years = np.maximum(self.w_end - lo + 1, 0) / 365.25
        extra = _rep(r.poisson(rate * np.maximum(factor - 1.0, 0.0) * py_years))
        more = _days_between(r, lo[extra], self.w_end[extra], self.group[extra])
        return np.concatenate([b[keep], extra]), np.concatenate([date[keep], more])

    # -- diagnosis helpers -----------------------------------------------------------------
    def chronic_pdx(self, bene: IntArray, u: FloatArray, fallback: tuple[str, ...]) -> tuple[Array, IntArray]:
        """A principal diagnosis from the beneficiary's chronic codes (or a fallback code) and the
        offset it came from (secondary codes follow it)."""
        k = self.k_main[bene]
        off = (u * np.maximum(k, 1)).astype(np.int64)
        pdx = self.bene_dx[bene, np.minimum(off, N_COND + 1)]
        acute = _s(fallback, 7)[(u * 7919).astype(np.int64) % len(fallback)]
        return np.where(k > 0, pdx, acute), off

    def secondary_dx(self, bene: IntArray, off: IntArray, j: int) -> Array:
        """The j-th secondary code after offset ``off`` (blank when the beneficiary has too few)."""
        k = self.k_all[bene]
        col = (off + 1 + j) % np.maximum(k, 1)
        code = self.bene_dx[bene, col]
        return np.where(j + 1 < k, code, b"")

    # -- Part A ----------------------------------------------------------------------------
    def part_a(self) -> _PartA:
        hdr = _Acc(
            {
                "bene": np.int64(0),
                "ctype": np.int64(0),
                "fac": np.int64(-1),
                "ccn": np.bytes_(b""),
                "fac_npi": np.int64(-1),
                "bill_fac": np.bytes_(b""),
                "bill_cls": np.bytes_(b""),
                "freq": np.bytes_(b"1"),
                "from": np.int64(0),
                "thru": np.int64(0),
                "adm_type": np.bytes_(b""),
                "adm_src": np.bytes_(b""),
                "status": np.bytes_(b"01"),
                "drg": np.bytes_(b""),
                "pdx": np.bytes_(b""),
                "adx": np.bytes_(b""),
                "off": np.int64(0),
                "att": np.int64(-1),
                "opr": np.int64(-1),
                "pay": np.int64(0),
                "ip": np.bool_(False),
                "protect": np.bool_(False),
                "prior_los": np.int64(-1),  # SNF: days of the inpatient stay it follows
            }
        )
        lines = _Acc(
            {
                "hdr": np.int64(0),
                "rev": np.bytes_(b""),
                "hcpcs": np.bytes_(b""),
                "date": np.int64(0),
                "units": np.int64(1),
                "amount": np.int64(0),
                "apc": np.bytes_(b""),
            }
        )
        procs = _Acc({"hdr": np.int64(0), "code": np.bytes_(b""), "date": np.int64(0)})
        self._inpatient(hdr, lines, procs)
        self._post_acute(hdr, lines)
        self._outpatient(hdr, lines)
        self._rhc_fqhc(hdr, lines)
        self._dialysis_hospice(hdr, lines)
        h = hdr.get()
        ln = lines.get()
        pr = procs.get()
        # Part A natural keys must be unique among originals: drop later duplicates.
        key = np.stack([h["bene"], h["fac"], h["from"], h["thru"], h["ctype"]], axis=1)
        _, first = np.unique(key, axis=0, return_index=True)
        keep = np.zeros(h["bene"].shape[0], dtype=bool)
        keep[first] = True
        keep &= h["thru"] >= h["from"]
        new_index = np.cumsum(keep) - 1
        h = {k: v[keep] for k, v in h.items()}
        lk = keep[ln["hdr"]]
        ln = {k: v[lk] for k, v in ln.items()}
        ln["hdr"] = new_index[ln["hdr"]]
        pk = keep[pr["hdr"]]
        pr = {k: v[pk] for k, v in pr.items()}
        pr["hdr"] = new_index[pr["hdr"]]
        # Header payment is the sum of its lines except for inpatient stays (paid by DRG).
        line_sum = np.bincount(ln["hdr"], weights=ln["amount"], minlength=h["bene"].shape[0])
        h["pay"] = np.where(h["ip"], h["pay"], np.rint(line_sum).astype(np.int64))
        dx = self._part_a_dx(h)
        return _PartA(h, ln, dx, pr)

    def _drgs(self, bene: IntArray) -> IntArray:
        aff = DRG_AFFINITY
        weights = np.repeat(DRG_BASE_P[None, :], bene.shape[0], axis=0)
        has = np.zeros_like(weights, dtype=bool)
        valid = aff >= 0
        has[:, valid] = self.cond[bene][:, aff[valid]]
        weights = weights * np.where(has, 6.0, 1.0)
        weights[:, DRG_KIND == "ortho"] *= np.where(has[:, DRG_KIND == "ortho"], 1.0, 0.05)
        return _choice_rows(self.rng, weights)

    def _steer_to_preferred(
        self, b: IntArray, att: IntArray, surgeon: IntArray, ortho: npt.NDArray[np.bool_], pci: npt.NDArray[np.bool_]
    ) -> tuple[IntArray, IntArray]:
        """ACOs steer their patients' hospital care to their Preferred Providers: half the stays of a
        beneficiary whose primary-care home is an ACO's are attended by one of its Preferred Provider
        hospitalists, and half its joint and PCI stays operated on by one of its Preferred Provider surgeons
        or interventional cardiologists, when it lists any. Drawn from a stream of its own, so every other
        draw of the bundle is unchanged."""
        w = self.w
        r = _rng(self.o.seed, self.chunk_no + 1, 7)
        aco = self.attached_aco()[b]
        att, surgeon = att.copy(), surgeon.copy()
        for a in range(len(w.acos)):
            mine = aco == a
            if not mine.any():
                continue
            for spec, needs, is_surgeon in (("C6", np.ones_like(mine), False), ("20", ortho, True), ("C3", pci, True)):
                pool = np.flatnonzero((w.n_pref_aco == a) & (w.n_spec == spec.encode()))
                rows = np.flatnonzero(mine & needs)
                if pool.size == 0 or rows.size == 0:
                    continue
                rows = rows[r.random(rows.size) < 0.5]
                pick = pool[r.integers(0, pool.size, rows.size)]
                if is_surgeon:
                    surgeon[rows] = pick
                else:
                    att[rows] = w.n_npi[pick]
        return att, surgeon

    def _inpatient(self, hdr: _Acc, lines: _Acc, procs: _Acc) -> None:
        r, w, cal = self.rng, self.w, self.cal
        rate = 0.14 * np.exp(0.45 * self.frail) * (1 + 1.5 * self.esrd)
        k = r.poisson(rate * self.years)
        b = _rep(k)
        admit = self._dates(b)
        b, admit = self._py_scaled(b, admit, self.py_factor("admissions"), rate)
        kind = np.zeros(b.shape[0], dtype=np.int64)
        # readmissions within 30 days (and a few later ones)
        drg = self._drgs(b)
        los = np.maximum(1, np.rint(r.gamma(2.0, DRG_LOS[drg] / 2.0))).astype(np.int64)
        p_re = 0.11 + 0.08 * self.cond[b, C["hf"]] + 0.04 * self.cond[b, C["copd"]]
        p_re = p_re * np.where(admit >= cal.py_start, self.py_factor("readmissions")[b], 1.0)
        re = r.random(b.shape[0]) < p_re
        late_re = ~re & (r.random(b.shape[0]) < 0.04)
        b2 = np.concatenate([b[re], b[late_re]])
        admit2 = np.concatenate(
            [
                admit[re] + los[re] + r.integers(1, 31, int(re.sum())),
                admit[late_re] + los[late_re] + r.integers(31, 61, int(late_re.sum())),
            ]
        )
        drg2 = self._drgs(b2)
        drg2 = np.where(DRG_KIND[drg2] == "ortho", 0, drg2)  # readmissions are not elective joints
        los2 = np.maximum(1, np.rint(r.gamma(2.0, DRG_LOS[drg2] / 2.0))).astype(np.int64)
        # terminal stays ending on the day of death
        dead = np.flatnonzero((self.death != NODATE) & (r.random(self.n) < 0.3))
        drg3 = self._drgs(dead)
        drg3 = np.where(DRG_KIND[drg3] == "ortho", 3, drg3)
        los3 = np.maximum(1, np.rint(r.gamma(2.0, DRG_LOS[drg3] / 2.0))).astype(np.int64)
        b = np.concatenate([b, b2, dead])
        admit = np.concatenate([admit, admit2, self.death[dead] - los3])
        drg = np.concatenate([drg, drg2, drg3])
        los = np.concatenate([los, los2, los3])
        kind = np.concatenate([kind, np.ones(b2.shape[0], dtype=np.int64), np.full(dead.shape[0], 2)])
        disch = admit + los
        ok = (admit >= self.w_start[b]) & (admit < self.w_end[b])
        b, admit, drg, los, kind, disch = b[ok], admit[ok], drg[ok], los[ok], kind[ok], disch[ok]
        disch = np.minimum(disch, self.w_end[b])
        # no overlapping stays for a beneficiary
        order = np.lexsort((admit, b))
        b, admit, drg, kind, disch = b[order], admit[order], drg[order], kind[order], disch[order]
        keyed = b * 10_000_000 + (disch - cal.start + 100_000)
        run = np.maximum.accumulate(keyed)
        prev = np.concatenate(([-1], run[:-1]))
        prev_disch = np.where(prev // 10_000_000 == b, prev % 10_000_000 - 100_000 + cal.start, -FAR)
        ok = admit > prev_disch
        b, admit, drg, kind, disch = b[ok], admit[ok], drg[ok], kind[ok], disch[ok]
        n = int(b.shape[0])
        died = (self.death[b] != NODATE) & (disch >= self.death[b])
        status = _s(["01", "06", "03", "02", "62", "07"], 2)[_choice(r, [0.58, 0.14, 0.18, 0.04, 0.04, 0.02], n)]
        status = np.where(died, b"20", status)
        dkind = DRG_KIND[drg]
        adm_type = np.where(r.random(n) < 0.72, b"1", b"2").astype("S2")
        adm_type = np.where(dkind == "ortho", b"3", adm_type)
        via_ed = (adm_type == b"1") & (r.random(n) < 0.85)
        # hospitals (rural beneficiaries sometimes use a critical access hospital for medical stays)
        fac = w.facilities[gw.HOSPITAL].pick(self.market[b], r.random(n))
        cah = self.rural[b] & (dkind == "med") & (DRG_WEIGHT[drg] < 1.2) & (r.random(n) < 0.35)
        fac = np.where(cah, w.facilities[gw.CAH].pick(self.market[b], r.random(n)), fac)
        # transfers: status 02 continues the stay at another hospital
        tr = np.flatnonzero((status == b"02") & (disch < self.w_end[b]))
        t_b = b[tr]
        t_fac = w.facilities[gw.HOSPITAL].pick(self.market[t_b], r.random(tr.size))
        t_fac = np.where(t_fac == fac[tr], w.facilities[gw.HOSPITAL].pick(self.market[t_b], r.random(tr.size)), t_fac)
        t_disch = np.minimum(disch[tr] + r.integers(2, 7, tr.size), self.w_end[t_b])
        b = np.concatenate([b, t_b])
        admit = np.concatenate([admit, disch[tr]])
        disch = np.concatenate([disch, t_disch])
        drg = np.concatenate([drg, drg[tr]])
        kind = np.concatenate([kind, np.full(tr.size, 3)])
        status = np.concatenate([status, np.where(self.death[t_b] == t_disch, b"20", b"01").astype("S2")])
        adm_type = np.concatenate([adm_type, np.full(tr.size, b"1", dtype="S2")])
        via_ed = np.concatenate([via_ed, np.zeros(tr.size, dtype=bool)])
        fac = np.concatenate([fac, t_fac])
        src = np.where(kind == 3, b"4", np.where(adm_type == b"3", b"2", b"1")).astype("S2")
        n = int(b.shape[0])
        los = np.maximum(disch - admit, 1)
        dkind = DRG_KIND[drg]
        # clinicians: a hospitalist attends; surgeons operate on joints, fractures and PCIs
        att = w.n_npi[w.specialists["C6"].pick(self.market[b], r.random(n))]
        surgeon = np.full(n, -1, dtype=np.int64)  # clinician index
        ortho = np.isin(dkind, ("ortho", "hipfx"))
        surgeon = np.where(ortho, w.specialists["20"].pick(self.market[b], r.random(n)), surgeon)
        surgeon = np.where(dkind == "pci", w.specialists["C3"].pick(self.market[b], r.random(n)), surgeon)
        att, surgeon = self._steer_to_preferred(b, att, surgeon, ortho, dkind == "pci")
        year_i = _years_of(admit) - (cal.py - 3)
        pay = DRG_BASE_RATE_CENTS * DRG_WEIGHT[drg] * PRICE_GROWTH**year_i * r.uniform(0.92, 1.08, n)
        pay = pay * np.where(los > 3 * DRG_LOS[drg], 1.6, 1.0)
        u = r.random(n)
        pdx = _pick_csr(DRG_PDX, drg, u)
        first = hdr.add(
            n,
            bene=b,
            ctype=60,
            fac=fac,
            ccn=w.f_ccn[fac],
            fac_npi=w.f_npi[fac],
            bill_fac=b"1",
            bill_cls=b"1",
            freq=b"1",
            **{"from": admit},
            thru=disch,
            adm_type=adm_type,
            adm_src=src,
            status=status,
            drg=DRG_CODE[drg],
            pdx=pdx,
            adx=np.where(r.random(n) < 0.8, pdx, b"R0789"),
            off=(r.random(n) * 7).astype(np.int64),
            att=att,
            opr=np.where(surgeon >= 0, w.n_npi[np.maximum(surgeon, 0)], -1),
            pay=np.rint(pay).astype(np.int64),
            ip=True,
        )
        hidx = first + np.arange(n, dtype=np.int64)
        # revenue center lines (inpatient lines carry no payment: the stay is paid by DRG)
        lines.add(n, hdr=hidx, rev=b"0120", date=admit, units=los)
        lines.add(n, hdr=hidx, rev=b"0250", date=admit, units=los)
        lines.add(n, hdr=hidx, rev=b"0300", date=admit, units=1 + (r.random(n) * 6).astype(np.int64))
        ed = np.flatnonzero(via_ed)
        lines.add(ed.size, hdr=hidx[ed], rev=b"0450", hcpcs=b"99285", date=admit[ed])
        ekg = np.flatnonzero(r.random(n) < 0.3)
        lines.add(ekg.size, hdr=hidx[ekg], rev=b"0730", hcpcs=b"93005", date=admit[ekg])
        surg = np.flatnonzero(surgeon >= 0)
        lines.add(surg.size, hdr=hidx[surg], rev=b"0360", date=admit[surg])
        lines.add(surg.size, hdr=hidx[surg], rev=b"0278", date=admit[surg])
        # ICD-10-PCS procedures
        with_pcs = np.flatnonzero(DRG_PCS[2][drg] > 0)
        procs.add(
            with_pcs.size,
            hdr=hidx[with_pcs],
            code=_pick_csr(DRG_PCS, drg[with_pcs], r.random(with_pcs.size)),
            date=admit[with_pcs] + (DRG_KIND[drg[with_pcs]] == "med"),
        )
        self.ip = {
            "bene": b,
            "admit": admit,
            "disch": disch,
            "status": status,
            "drg": drg,
            "via_ed": via_ed,
            "surgeon": surgeon,
            "market": self.market[b],
        }

    def _next_admit(self, bene: IntArray, after: IntArray) -> IntArray:
        """The first inpatient admission of each beneficiary after a date (FAR if none)."""
        ip_b, ip_a = self.ip["bene"], self.ip["admit"]
        order = np.lexsort((ip_a, ip_b))
        keys = ip_b[order] * 10_000_000 + (ip_a[order] - self.cal.start + 100_000)
        q = bene * 10_000_000 + (after - self.cal.start + 100_000)
        pos = np.searchsorted(keys, q, side="right")
        found = pos < keys.shape[0]
        nxt = np.full(bene.shape[0], FAR, dtype=np.int64)
        hit = np.flatnonzero(found)
        hit = hit[keys[pos[hit]] // 10_000_000 == bene[hit]]
        nxt[hit] = ip_a[order][pos[hit]]
        return nxt

    def _post_acute(self, hdr: _Acc, lines: _Acc) -> None:
        r, w, cal, ip = self.rng, self.w, self.cal, self.ip
        # Skilled nursing after a discharge to SNF (status 03); some in critical access swing beds.
        s = np.flatnonzero(ip["status"] == b"03")
        b = ip["bene"][s]
        start = ip["disch"][s]
        prior_los = (ip["disch"] - ip["admit"])[s]
        los = np.minimum(100, 1 + r.geometric(1 / 24, s.size))
        thru = np.minimum(np.minimum(start + los, self.w_end[b]), self._next_admit(b, start))
        ok = thru > start
        b, start, thru, prior_los = b[ok], start[ok], thru[ok], prior_los[ok]
        n = int(b.shape[0])
        swing = self.rural[b] & (r.random(n) < 0.15)
        fac = np.where(
            swing,
            w.facilities[gw.CAH].pick(self.market[b], r.random(n)),
            w.facilities[gw.SNF].pick(self.market[b], r.random(n)),
        )
        days = thru - start
        year_i = _years_of(start) - (cal.py - 3)
        per_day = np.rint(56000 * PRICE_GROWTH**year_i * r.uniform(0.9, 1.1, n)).astype(np.int64)
        died = (self.death[b] != NODATE) & (thru >= self.death[b])
        first = hdr.add(
            n,
            bene=b,
            ctype=np.where(swing, 30, 20),
            fac=fac,
            ccn=w.f_ccn[fac],
            fac_npi=w.f_npi[fac],
            bill_fac=np.where(swing, b"1", b"2"),
            bill_cls=np.where(swing, b"8", b"1"),
            **{"from": start},
            thru=thru,
            adm_type=b"3",
            adm_src=b"4",
            status=np.where(died, b"20", b"01"),
            pdx=np.where(r.random(n) < 0.5, b"Z4789", b"Z5189"),
            off=(r.random(n) * 7).astype(np.int64),
            att=w.n_npi[w.specialists["C6"].pick(self.market[b], r.random(n))],
            prior_los=prior_los,
        )
        hidx = first + np.arange(n)
        hipps = _s(["KAGD1", "LBHE1", "NCKD1", "PDSE1", "MAJE1"], 5)[(r.random(n) * 5).astype(np.int64)]
        lines.add(n, hdr=hidx, rev=b"0022", hcpcs=b"", date=start, units=days, amount=per_day * days, apc=hipps)
        lines.add(n, hdr=hidx, rev=b"0120", date=start, units=days)
        lines.add(n, hdr=hidx, rev=b"0420", hcpcs=b"97110", date=start + 1, units=np.maximum(1, days // 2))
        lines.add(n, hdr=hidx, rev=b"0430", hcpcs=b"97535", date=start + 1, units=np.maximum(1, days // 3))
        self.snf = {"bene": b, "start": start, "thru": thru}

        # Home health: 30-day periods after discharges home with services (06), and some referred
        # from the community.
        s = np.flatnonzero(ip["status"] == b"06")
        comm_k = r.poisson(0.012 * np.maximum(self.frail, 0) * self.years)
        comm_b = _rep(comm_k)
        b = np.concatenate([ip["bene"][s], comm_b])
        start = np.concatenate([ip["disch"][s] + r.integers(1, 4, s.size), self._dates(comm_b)])
        periods = r.integers(1, 4, int(b.shape[0]))
        pb = _rep(periods)
        k = _within_group_index(pb)
        b = b[pb]
        frm = start[pb] + 30 * k
        thru = np.minimum(frm + 29, self.w_end[b])
        ok = frm <= thru
        b, frm, thru = b[ok], frm[ok], thru[ok]
        n = int(b.shape[0])
        fac = w.facilities[gw.HHA].pick(self.market[b], r.random(n))
        year_i = _years_of(frm) - (cal.py - 3)
        pay = np.rint(200000 * PRICE_GROWTH**year_i * r.uniform(0.85, 1.15, n)).astype(np.int64)
        first = hdr.add(
            n,
            bene=b,
            ctype=10,
            fac=fac,
            ccn=w.f_ccn[fac],
            fac_npi=w.f_npi[fac],
            bill_fac=b"3",
            bill_cls=b"2",
            freq=b"2",
            **{"from": frm},
            thru=thru,
            status=np.where(thru < self.w_end[b], b"01", b"30"),
            pdx=b"Z9181",
            off=(r.random(n) * 7).astype(np.int64),
            att=np.where(self.home_npi[b] >= 0, w.n_npi[np.maximum(self.home_npi[b], 0)], -1),
        )
        hidx = first + np.arange(n)
        hipps = _s(["1AA11", "2BB21", "3CC31", "1DA21"], 5)[(r.random(n) * 4).astype(np.int64)]
        lines.add(n, hdr=hidx, rev=b"0023", date=frm, units=1, amount=pay, apc=hipps)
        lines.add(n, hdr=hidx, rev=b"0551", hcpcs=b"G0299", date=frm + 1, units=r.integers(3, 9, n))
        pt = np.flatnonzero(r.random(n) < 0.6)
        lines.add(pt.size, hdr=hidx[pt], rev=b"0421", hcpcs=b"G0151", date=frm[pt] + 2, units=r.integers(2, 7, pt.size))

    def _outpatient(self, hdr: _Acc, lines: _Acc) -> None:
        r, w, cal = self.rng, self.w, self.cal
        # Emergency department visits not ending in admission (some held in observation).
        ed_rate = 0.26 * np.exp(0.35 * self.frail)
        b = _rep(r.poisson(ed_rate * self.years))
        date = self._dates(b)
        b, date = self._py_scaled(b, date, self.py_factor("ed_visits"), ed_rate)
        n = int(b.shape[0])
        cah = self.rural[b] & (r.random(n) < 0.4)
        fac = np.where(
            cah,
            w.facilities[gw.CAH].pick(self.market[b], r.random(n)),
            w.facilities[gw.HOSPITAL].pick(self.market[b], r.random(n)),
        )
        obs = r.random(n) < 0.1
        thru = np.minimum(date + obs, self.w_end[b])
        u = r.random(n)
        exacerbation = u < 0.35
        pdx, off = self.chronic_pdx(b, r.random(n), codes.ED_ACUTE_CODES)
        pdx = np.where(exacerbation, pdx, _s(codes.ED_ACUTE_CODES, 7)[(r.random(n) * 10).astype(np.int64)])
        year_i = _years_of(date) - (cal.py - 3)
        infl = PRICE_GROWTH**year_i
        first = hdr.add(
            n,
            bene=b,
            ctype=40,
            fac=fac,
            ccn=w.f_ccn[fac],
            fac_npi=w.f_npi[fac],
            bill_fac=np.where(cah, b"8", b"1"),
            bill_cls=np.where(cah, b"5", b"3"),
            **{"from": date},
            thru=thru,
            pdx=pdx,
            off=off,
            att=w.n_npi[w.specialists["93"].pick(self.market[b], r.random(n))],
        )
        hidx = first + np.arange(n)
        level = _s(["99283", "99284", "99285"], 5)[_choice(r, [0.3, 0.45, 0.25], n)]
        lines.add(
            n,
            hdr=hidx,
            rev=b"0450",
            hcpcs=level,
            date=date,
            amount=np.rint(42000 * infl * r.uniform(0.7, 1.4, n)).astype(np.int64),
            apc=b"05025",
        )
        lab = np.flatnonzero(r.random(n) < 0.6)
        lines.add(
            lab.size,
            hdr=hidx[lab],
            rev=b"0300",
            hcpcs=b"80053",
            date=date[lab],
            amount=np.rint(4500 * infl[lab]).astype(np.int64),
        )
        xr = np.flatnonzero(r.random(n) < 0.4)
        lines.add(
            xr.size,
            hdr=hidx[xr],
            rev=b"0320",
            hcpcs=b"71046",
            date=date[xr],
            amount=np.rint(9000 * infl[xr]).astype(np.int64),
        )
        ct = np.flatnonzero(r.random(n) < 0.15)
        lines.add(
            ct.size,
            hdr=hidx[ct],
            rev=b"0350",
            hcpcs=b"70450",
            date=date[ct],
            amount=np.rint(26000 * infl[ct]).astype(np.int64),
        )
        o = np.flatnonzero(obs)
        lines.add(
            o.size,
            hdr=hidx[o],
            rev=b"0762",
            hcpcs=b"G0378",
            date=date[o],
            units=r.integers(12, 40, o.size),
            amount=np.rint(250000 * infl[o]).astype(np.int64),
            apc=b"08011",
        )
        self.ed = {"bene": b, "date": date, "thru": thru, "chronic": exacerbation & (self.k_main[b] > 0)}

        # Other hospital outpatient services: labs, imaging, clinic visits, infusions.
        k = r.poisson(1.0 * np.exp(0.3 * self.frail) * self.years)
        b = _rep(k)
        n = int(b.shape[0])
        date = self._dates(b)
        fac = w.facilities[gw.HOSPITAL].pick(self.market[b], r.random(n))
        pdx, off = self.chronic_pdx(b, r.random(n), codes.ACUTE_CODES)
        year_i = _years_of(date) - (cal.py - 3)
        infl = PRICE_GROWTH**year_i
        first = hdr.add(
            n,
            bene=b,
            ctype=40,
            fac=fac,
            ccn=w.f_ccn[fac],
            fac_npi=w.f_npi[fac],
            bill_fac=b"1",
            bill_cls=b"3",
            **{"from": date},
            thru=date,
            pdx=pdx,
            off=off,
            att=np.where(self.home_npi[b] >= 0, w.n_npi[np.maximum(self.home_npi[b], 0)], -1),
        )
        hidx = first + np.arange(n)
        what = _choice(r, [0.5, 0.3, 0.15, 0.05], n)
        sel = np.flatnonzero(what == 0)
        lines.add(
            sel.size,
            hdr=hidx[sel],
            rev=b"0300",
            hcpcs=b"80053",
            date=date[sel],
            amount=np.rint(4000 * infl[sel]).astype(np.int64),
        )
        lines.add(
            sel.size,
            hdr=hidx[sel],
            rev=b"0305",
            hcpcs=b"85025",
            date=date[sel],
            amount=np.rint(1800 * infl[sel]).astype(np.int64),
        )
        sel = np.flatnonzero(what == 1)
        img = _s(["71046", "74177", "72148", "77067"], 5)[(r.random(sel.size) * 4).astype(np.int64)]
        lines.add(
            sel.size,
            hdr=hidx[sel],
            rev=b"0320",
            hcpcs=img,
            date=date[sel],
            amount=np.rint(r.uniform(9000, 40000, sel.size) * infl[sel]).astype(np.int64),
        )
        sel = np.flatnonzero(what == 2)  # hospital clinic visit: G0463 is PQEM but not RHC/FQHC
        lines.add(
            sel.size,
            hdr=hidx[sel],
            rev=b"0510",
            hcpcs=b"G0463",
            date=date[sel],
            amount=np.rint(12500 * infl[sel]).astype(np.int64),
            apc=b"05012",
        )
        sel = np.flatnonzero(what == 3)
        lines.add(
            sel.size,
            hdr=hidx[sel],
            rev=b"0260",
            hcpcs=b"96365",
            date=date[sel],
            amount=np.rint(18000 * infl[sel]).astype(np.int64),
        )
        lines.add(
            sel.size,
            hdr=hidx[sel],
            rev=b"0636",
            hcpcs=b"J1100",
            date=date[sel],
            units=4,
            amount=np.rint(400 * infl[sel]).astype(np.int64),
        )

    def _rhc_fqhc(self, hdr: _Acc, lines: _Acc) -> None:
        """Visits at RHC/FQHC sites: the home unit when it is a site, the second unit likewise, and
        occasional visits by anyone to a site in their market."""
        r, w, cal = self.rng, self.w, self.cal
        home_site = self.home_is_site & (self.mode == 0)
        sec_site = (self.second >= 0) & (w.u_facility[np.maximum(self.second, 0)] >= 0)
        occasional = (self.mode == 0) & ~home_site & (r.random(self.n) < 0.03)
        occ_unit = w.home_unit(self.market, np.ones(self.n, dtype=bool), r.random(self.n))
        occasional &= w.u_facility[occ_unit] >= 0
        rate_home = r.gamma(2.0, 1.8, self.n)
        parts = []
        for mask, unit, npi, rate in (
            (home_site, self.home, self.home_npi, rate_home),
            (sec_site, self.second, self.second_npi, np.full(self.n, 0.8)),
            (occasional, occ_unit, w.unit_npi(occ_unit, r.random(self.n)), np.full(self.n, 0.6)),
        ):
            k = np.where(mask, r.poisson(rate * self.years), 0)
            b = _rep(k)
            parts.append((b, unit[b], npi[b]))
        b = np.concatenate([p[0] for p in parts])
        unit = np.concatenate([p[1] for p in parts])
        npi = np.concatenate([p[2] for p in parts])
        n = int(b.shape[0])
        date = self._dates(b)
        fac = w.u_facility[unit]
        fqhc = w.f_kind[fac] == gw.FQHC_SITE
        pdx, off = self.chronic_pdx(b, r.random(n), codes.ACUTE_CODES)
        year_i = _years_of(date) - (cal.py - 3)
        infl = PRICE_GROWTH**year_i
        first = hdr.add(
            n,
            bene=b,
            ctype=40,
            fac=fac,
            ccn=w.f_ccn[fac],
            fac_npi=w.f_npi[fac],
            bill_fac=b"7",
            bill_cls=np.where(fqhc, b"7", b"1"),
            **{"from": date},
            thru=date,
            pdx=pdx,
            off=off,
            att=w.n_npi[npi],
        )
        hidx = first + np.arange(n)
        rev = _s(list(codes.RHC_FQHC_REVENUE_CENTERS), 4)[_choice(r, [0.88, 0.04, 0.03, 0.05], n)]
        visit = _s(["99213", "99214", "99212"], 5)[_choice(r, [0.55, 0.35, 0.1], n)]
        amount = np.rint(np.where(fqhc, 19500, 13800) * infl * r.uniform(0.95, 1.05, n)).astype(np.int64)
        lines.add(n, hdr=hidx, rev=rev, hcpcs=np.where(fqhc, b"G0467", visit), date=date, amount=amount)
        f = np.flatnonzero(fqhc)
        lines.add(f.size, hdr=hidx[f], rev=rev[f], hcpcs=visit[f], date=date[f], amount=0)
        bh = np.flatnonzero(r.random(n) < 0.05)
        lines.add(bh.size, hdr=hidx[bh], rev=b"0900", hcpcs=b"90834", date=date[bh], amount=0)
        lab = np.flatnonzero(r.random(n) < 0.2)
        lines.add(lab.size, hdr=hidx[lab], rev=b"0300", hcpcs=b"36415", date=date[lab], amount=0)
        self.rhc = {"bene": b, "date": date}

    def _dialysis_hospice(self, hdr: _Acc, lines: _Acc) -> None:
        r, w, cal = self.rng, self.w, self.cal
        # Monthly dialysis claims (bill type 72x) for ESRD beneficiaries.
        e = np.flatnonzero(self.esrd & (self.w_end > self.w_start))
        months = ((self.w_end[e] - self.w_start[e]) // 30 + 1).astype(np.int64)
        pb = _rep(months)
        b = e[pb]
        k = _within_group_index(pb)
        frm = np.maximum(_add_months(_month_start(self.w_start[b]), k), self.w_start[b])
        thru = np.minimum(_add_months(_month_start(frm), np.ones_like(frm)) - 1, self.w_end[b])
        ok = frm <= thru
        b, frm, thru = b[ok], frm[ok], thru[ok]
        n = int(b.shape[0])
        unit_fac = w.facilities[gw.DIALYSIS].pick(self.market, r.random(self.n))
        fac = unit_fac[b]
        sessions = np.maximum(1, np.rint((thru - frm + 1) * 13 / 30)).astype(np.int64)
        year_i = _years_of(frm) - (cal.py - 3)
        first = hdr.add(
            n,
            bene=b,
            ctype=40,
            fac=fac,
            ccn=w.f_ccn[fac],
            fac_npi=w.f_npi[fac],
            bill_fac=b"7",
            bill_cls=b"2",
            **{"from": frm},
            thru=thru,
            pdx=b"N186",
            off=0,
            att=np.where(self.spec_npi["39"][b] >= 0, w.n_npi[np.maximum(self.spec_npi["39"][b], 0)], -1),
        )
        hidx = first + np.arange(n)
        lines.add(
            n,
            hdr=hidx,
            rev=b"0821",
            hcpcs=b"90999",
            date=frm,
            units=sessions,
            amount=np.rint(sessions * 28500 * PRICE_GROWTH**year_i).astype(np.int64),
        )

        # Hospice for many decedents (monthly claims), and a few live discharges.
        dec = np.flatnonzero(
            (self.death != NODATE)
            & (r.random(self.n) < 0.3 + 0.3 * (self.cond[:, C["dementia"]] | self.cond[:, C["cancer"]]))
        )
        los = np.minimum(1 + r.geometric(1 / 25, dec.size), 365)
        start = np.maximum(self.death[dec] - los, self.w_start[dec])
        end = self.death[dec]
        live = np.flatnonzero((self.death == NODATE) & (self.frail > 1.5) & (r.random(self.n) < 0.03))
        l_start = _days_between(r, self.w_start[live], self.w_end[live] - 90)
        l_end = np.minimum(l_start + r.integers(60, 180, live.size), self.w_end[live])
        bb = np.concatenate([dec, live])
        st = np.concatenate([start, l_start])
        en = np.concatenate([end, l_end])
        died = np.concatenate([np.ones(dec.size, dtype=bool), np.zeros(live.size, dtype=bool)])
        ok = en > st
        bb, st, en, died = bb[ok], st[ok], en[ok], died[ok]
        self.hospice_start = np.full(self.n, NODATE, dtype=np.int64)
        self.hospice_end = np.full(self.n, NODATE, dtype=np.int64)
        self.hospice_start[bb] = st
        self.hospice_end[bb] = en
        months = ((_month_start(en) - _month_start(st)) // 28 + 2).astype(np.int64)
        pb = _rep(months)
        k = _within_group_index(pb)
        frm = np.maximum(_add_months(_month_start(st[pb]), k), st[pb])
        thru = np.minimum(_add_months(_month_start(frm), np.ones_like(frm)) - 1, en[pb])
        ok = frm <= thru
        pb, frm, thru = pb[ok], frm[ok], thru[ok]
        b = bb[pb]
        n = int(b.shape[0])
        last = thru == en[pb]
        fac_b = w.facilities[gw.HOSPICE].pick(self.market, r.random(self.n))
        fac = fac_b[b]
        status = np.where(last, np.where(died[pb], np.where(r.random(n) < 0.6, b"40", b"41"), b"01"), b"30")
        days = thru - frm + 1
        year_i = _years_of(frm) - (cal.py - 3)
        pdx = np.where(self.cond[b, C["dementia"]], b"G309", np.where(self.cond[b, C["cancer"]], b"C3490", b"I509"))
        first = hdr.add(
            n,
            bene=b,
            ctype=50,
            fac=fac,
            ccn=w.f_ccn[fac],
            fac_npi=w.f_npi[fac],
            bill_fac=b"8",
            bill_cls=b"1",
            freq=np.where(k[ok] == 0, b"2", b"3"),
            **{"from": frm},
            thru=thru,
            status=status,
            pdx=pdx,
            off=0,
            att=np.where(self.home_npi[b] >= 0, w.n_npi[np.maximum(self.home_npi[b], 0)], -1),
        )
        hidx = first + np.arange(n)
        lines.add(
            n,
            hdr=hidx,
            rev=b"0651",
            hcpcs=b"Q5001",
            date=frm,
            units=days,
            amount=np.rint(days * 21500 * PRICE_GROWTH**year_i).astype(np.int64),
        )

    def _part_a_dx(self, h: dict[str, Array]) -> dict[str, Array]:
        """CCLF4 rows: the principal (P), admitting (A, inpatient) and other (D) diagnoses."""
        n = int(h["bene"].shape[0])
        idx = np.arange(n, dtype=np.int64)
        ip = h["ctype"] == 60
        n_sec = np.where(ip, 6, np.where(np.isin(h["ctype"], (20, 30, 10)), 4, 2))
        parts_h = [idx, idx[ip]]
        parts_code = [h["pdx"], h["adx"][ip]]
        parts_kind = [np.full(n, b"P", dtype="S1"), np.full(int(ip.sum()), b"A", dtype="S1")]
        parts_seq = [np.ones(n, dtype=np.int64), np.ones(int(ip.sum()), dtype=np.int64)]
        for j in range(6):
            code = self.secondary_dx(h["bene"], h["off"], j)
            sel = np.flatnonzero((code != b"") & (j < n_sec) & (code != h["pdx"]))
            parts_h.append(sel)
            parts_code.append(code[sel])
            parts_kind.append(np.full(sel.size, b"D", dtype="S1"))
            parts_seq.append(np.full(sel.size, j + 2, dtype=np.int64))
        hh = np.concatenate(parts_h)
        order = np.argsort(hh, kind="stable")
        return {
            "hdr": hh[order],
            "code": np.concatenate([p.astype("S7") for p in parts_code])[order],
            "kind": np.concatenate(parts_kind)[order],
            "seq": np.concatenate(parts_seq)[order],
        }

    # -- Part B ----------------------------------------------------------------------------
    @staticmethod
    def _part_b_acc() -> tuple[_Acc, _Acc]:
        """Empty claim and line accumulators for physician/supplier claims."""
        claims = _Acc(
            {
                "bene": np.int64(0),
                "date": np.int64(0),
                "npi": np.int64(0),  # clinician index
                "pos": np.bytes_(b"11"),
                "ref": np.int64(-1),  # referring NPI (a number) or -1
                "pdx": np.bytes_(b""),
                "off": np.int64(0),
                "protect": np.bool_(False),
            }
        )
        lines = _Acc(
            {
                "claim": np.int64(0),
                "svc": np.int64(0),
                "day": np.int64(0),  # days after the claim date
                "units": np.int64(-1),
                "mod": np.bytes_(b""),
            }
        )
        return claims, lines

    def part_b(self) -> tuple[dict[str, Array], dict[str, Array]]:
        """Physician/supplier claims (CCLF5): claim rows and line rows."""
        claims, lines = self._part_b_acc()
        self._pcp_visits(claims, lines)
        self._specialist_visits(claims, lines)
        self._ancillary(claims, lines)
        self._facility_professionals(claims, lines)
        return claims.get(), lines.get()

    def _visits(
        self,
        claims: _Acc,
        lines: _Acc,
        bene: IntArray,
        date: IntArray,
        npi: IntArray,
        svc: IntArray,
        pos: Array | bytes = b"11",
        mod: Array | bytes = b"",
        ref: IntArray | int = -1,
        pdx: Array | None = None,
        off: IntArray | None = None,
        protect: BoolArray | bool = False,
    ) -> IntArray:
        """One-line claims; returns their claim indices (add lines to them afterwards)."""
        n = int(bene.shape[0])
        if pdx is None:
            pdx, off = self.chronic_pdx(bene, self.rng.random(n), codes.ACUTE_CODES)
        first = claims.add(
            n,
            bene=bene,
            date=date,
            npi=npi,
            pos=pos,
            ref=ref,
            pdx=pdx,
            off=off if off is not None else 0,
            protect=protect,
        )
        cidx = first + np.arange(n, dtype=np.int64)
        lines.add(n, claim=cidx, svc=svc, mod=mod)
        return cidx

    def _add_lines(
        self, lines: _Acc, cidx: IntArray, table: tuple[tuple[str, float], ...], first: IntArray | None = None
    ) -> None:
        """Extra lines on claims, each with its probability (never repeating the first line's code)."""
        r = self.rng
        for hcpcs, p in table:
            take = r.random(cidx.shape[0]) < p
            if first is not None:
                take &= first != SVC[hcpcs]
            sel = np.flatnonzero(take)
            lines.add(sel.size, claim=cidx[sel], svc=SVC[hcpcs])

    def _pcp_visits(self, claims: _Acc, lines: _Acc) -> None:
        r, w, cal = self.rng, self.w, self.cal
        n = self.n
        tin_home = (self.home >= 0) & ~self.home_is_site & (self.mode == 0)
        tin_second = (self.second >= 0) & (w.u_facility[np.maximum(self.second, 0)] < 0) & (self.mode == 0)
        rate = r.gamma(2.0, 1.8, n) * (1 + 0.08 * self.k_main)
        k_home = np.where(tin_home, r.poisson(rate * self.years), 0)
        k_sec = np.where(tin_second, r.poisson(0.9 * self.years), 0)
        vpos = _s([v[1] for v in codes.PCP_VISITS], 2)
        vmod = _s([v[3] for v in codes.PCP_VISITS], 2)
        vsvc = np.array([SVC[v[0]] for v in codes.PCP_VISITS], dtype=np.int64)
        vp = [v[2] for v in codes.PCP_VISITS]
        for k, unit, main_npi in ((k_home, self.home, self.home_npi), (k_sec, self.second, self.second_npi)):
            b = _rep(k)
            m = int(b.shape[0])
            date = self._dates(b)
            other = w.unit_npi(np.maximum(unit[b], 0), r.random(m))
            npi = np.where(r.random(m) < 0.75, main_npi[b], other)
            v = _choice(r, vp, m)
            cidx = self._visits(claims, lines, b, date, npi, vsvc[v], pos=vpos[v], mod=vmod[v])
            office = np.flatnonzero(vpos[v] == b"11")
            self._add_lines(lines, cidx[office], codes.PCP_ANCILLARIES)
        # Annual wellness visits (IPPE in the first year of Part B), with add-on screenings.
        years = np.arange(cal.py - 3, cal.py + 1)
        take = tin_home[:, None] & (r.random((n, 4)) < 0.45)
        bi, yi = np.nonzero(take)
        y0 = np.array([day(datetime.date(int(y), 1, 1)) for y in years])
        date = y0[yi] + (r.random(bi.size) * 365).astype(np.int64)
        ok = (date >= self.w_start[bi]) & (date <= self.w_end[bi])
        bi, date = bi[ok], date[ok]
        first_year = date < self.b_start[bi] + 365
        svc = np.where(first_year, SVC["G0402"], np.where(r.random(bi.size) < 0.1, SVC["G0438"], SVC["G0439"]))
        cidx = self._visits(claims, lines, bi, date, self.home_npi[bi], svc)
        self._add_lines(lines, cidx, (("G0444", 0.6), ("96160", 0.4), ("99497", 0.15), ("G0442", 0.1)))
        # Chronic care management, monthly, for some beneficiaries with several conditions.
        ccm = np.flatnonzero(tin_home & (self.k_main >= 2) & (r.random(n) < 0.08))
        months = r.integers(6, 37, ccm.size)
        pb = _rep(months)
        b = ccm[pb]
        k = _within_group_index(pb)
        start = _month_start(self._episode_starts(ccm, 36 * 31))
        date = _add_months(start[pb], k) + r.integers(14, 27, b.size)
        ok = (date >= self.w_start[b]) & (date <= self.w_end[b])
        b, date = b[ok], date[ok]
        cidx = self._visits(claims, lines, b, date, self.home_npi[b], np.full(b.size, SVC["99490"]))
        self._add_lines(lines, cidx, (("99439", 0.3),))
        # Nursing-home residents seen monthly in the nursing facility (POS 32 counts for alignment).
        nf = np.flatnonzero(tin_home & (self.frail > 1.2) & (r.random(n) < 0.08))
        months = np.maximum(1, (self.years[nf] * 12).astype(np.int64))
        pb = _rep(months)
        b = nf[pb]
        date = _add_months(_month_start(self.w_start[b]), _within_group_index(pb)) + r.integers(0, 28, b.size)
        ok = date <= self.w_end[b]
        b, date = b[ok], date[ok]
        svc = np.where(r.random(b.size) < 0.7, SVC["99309"], SVC["99310"])
        self._visits(claims, lines, b, date, self.home_npi[b], svc, pos=b"32")
        # Follow-up after a hospital discharge or an emergency visit: transitional care or an
        # office visit within a few days (what the timely follow-up measure looks for).
        ev_b = np.concatenate([self.ip["bene"], self.ed["bene"]])
        ev_d = np.concatenate([self.ip["disch"], self.ed["thru"]])
        is_ip = np.concatenate([np.ones(self.ip["bene"].size, dtype=bool), np.zeros(self.ed["bene"].size, dtype=bool)])
        fu = (
            (self.home_npi[ev_b] >= 0)
            & ~self.home_is_site[ev_b]
            & (self.mode[ev_b] == 0)
            & (r.random(ev_b.size) < 0.55)
        )
        sel = np.flatnonzero(fu)
        b = ev_b[sel]
        date = ev_d[sel] + r.integers(2, 21, sel.size)
        ok = date <= self.w_end[b]
        b, date, ip_ev = b[ok], date[ok], is_ip[sel][ok]
        tcm = ip_ev & (r.random(b.size) < 0.6)
        svc = np.where(tcm, np.where(r.random(b.size) < 0.5, SVC["99495"], SVC["99496"]), SVC["99214"])
        self._visits(claims, lines, b, date, self.home_npi[b], svc)
        # Skilled-nursing visits (POS 31: excluded from alignment), weekly during SNF stays.
        s = self.snf
        weeks = np.maximum(1, (s["thru"] - s["start"]) // 7)
        pb = _rep(weeks)
        b = s["bene"][pb]
        date = s["start"][pb] + 1 + 7 * _within_group_index(pb)
        ok = date <= s["thru"][pb]
        b, date = b[ok], date[ok]
        visitor = np.where(
            self.home_npi[b] >= 0,
            self.home_npi[b],
            w.specialists["C6"].pick(self.market[b], r.random(b.size)),
        )
        first_visit = np.concatenate(([True], b[1:] != b[:-1]))
        svc = np.where(first_visit, SVC["99306"], np.where(r.random(b.size) < 0.5, SVC["99309"], SVC["99308"]))
        self._visits(claims, lines, b, date, visitor, svc, pos=b"31")
        # Exact ties: one 99213 at each of two TINs in the first half of PY-1 (alignment year 2,
        # one fee schedule year, so the charges are equal), on the same day or not.
        t = np.flatnonzero(self.mode == 3)
        t = t[(self.w_start[t] <= cal.ay2_start) & (self.w_end[t] >= cal.py_start)]
        if t.size:
            half = day(datetime.date(cal.py - 1, 1, 1))
            d1 = half + r.integers(0, 180, t.size)
            same = (np.arange(t.size) + self.chunk_no) % 2 == 0
            if self.chunk_no == 0 and self.n > 14:
                same[t == 3] = True
                same[t == 4] = False
            d2 = np.where(same, d1, half + r.integers(0, 180, t.size))
            for d, npi in ((d1, self.home_npi[t]), (d2, self.second_npi[t])):
                pdx, off = self.chronic_pdx(t, np.zeros(t.size), codes.ACUTE_CODES)
                self._visits(claims, lines, t, d, npi, np.full(t.size, SVC["99213"]), pdx=pdx, off=off, protect=True)

    def _specialist_visits(self, claims: _Acc, lines: _Acc) -> None:
        r = self.rng
        for spec, (conds, rate, proc) in codes.SPECIALISTS.items():
            npi = self.spec_npi[spec]
            k = np.where(npi >= 0, r.poisson(rate * r.uniform(0.5, 1.5, self.n) * self.years), 0)
            b = _rep(k)
            date = self._dates(b)
            svc = np.where(r.random(b.size) < 0.65, SVC["99213"], SVC["99214"])
            first = np.concatenate(([True], b[1:] != b[:-1])) if b.size else np.zeros(0, dtype=bool)
            svc = np.where(first & (r.random(b.size) < 0.5), SVC["99204"], svc)
            if conds:  # the diagnosis the specialist treats, as the beneficiary's own code
                pdx = np.full(b.size, b"Z0000", dtype="S7")
                for c in conds.split("|"):
                    pdx = np.where(self.cond[b, C[c]], self.cond_code[b, C[c]], pdx)
                off = (r.random(b.size) * np.maximum(self.k_main[b], 1)).astype(np.int64)
                cidx = self._visits(claims, lines, b, date, npi[b], svc, ref=self._ref(b), pdx=pdx, off=off)
            else:
                cidx = self._visits(claims, lines, b, date, npi[b], svc, ref=self._ref(b))
            self._add_lines(lines, cidx, ((proc, 0.35),))
        for spec, (_, rate, proc) in codes.OTHER_SPECIALTIES.items():
            npi = self.spec_npi[spec]
            k = np.where(npi >= 0, r.poisson(rate * self.years), 0)
            b = _rep(k)
            date = self._dates(b)
            em = (r.random(b.size) < 0.5) & (self.mode[b] != 2)
            svc = np.where(em, SVC["99213"], SVC[proc])
            cidx = self._visits(claims, lines, b, date, npi[b], svc, ref=self._ref(b))
            sel = np.flatnonzero(em & (r.random(b.size) < 0.5))
            lines.add(sel.size, claim=cidx[sel], svc=SVC[proc])

    def _ref(self, bene: IntArray) -> IntArray:
        home = self.home_npi[bene]
        return np.where(home >= 0, self.w.n_npi[np.maximum(home, 0)], -1)

    def _ancillary(self, claims: _Acc, lines: _Acc) -> None:
        r, w = self.rng, self.w
        # Laboratory (independent lab, POS 81)
        k = r.poisson(3.0 * np.exp(0.2 * self.frail) * self.years)
        b = _rep(k)
        date = self._dates(b)
        npi = w.specialists["22"].pick(self.market[b], r.random(b.size))
        lab_first = np.array([SVC[c] for c, _ in codes.LAB_PANEL])[_choice(r, [p for _, p in codes.LAB_PANEL], b.size)]
        cidx = self._visits(claims, lines, b, date, npi, lab_first, pos=b"81", ref=self._ref(b))
        self._add_lines(lines, cidx, tuple((c, p * 0.8) for c, p in codes.LAB_PANEL), first=lab_first)
        diab = np.flatnonzero(self.cond[b, C["diabetes"]] & (r.random(b.size) < 0.5))
        lines.add(diab.size, claim=cidx[diab], svc=SVC["83036"])
        lines.add(diab.size // 2, claim=cidx[diab[: diab.size // 2]], svc=SVC["82043"])
        # Imaging (radiology groups)
        k = r.poisson(0.7 * np.exp(0.25 * self.frail) * self.years)
        b = _rep(k)
        date = self._dates(b)
        npi = w.specialists["30"].pick(self.market[b], r.random(b.size))
        which = _choice(r, [x[2] for x in codes.IMAGING], b.size)
        svc = np.array([SVC[x[0]] for x in codes.IMAGING])[which]
        pos = _s([x[1] for x in codes.IMAGING], 2)[which]
        self._visits(claims, lines, b, date, npi, svc, pos=pos, ref=self._ref(b), mod=b"26")
        # Physical therapy episodes: an evaluation then two visits a week
        k = r.poisson(0.06 * self.years)
        eb = _rep(k)
        start = self._dates(eb)
        visits = r.integers(6, 13, eb.size)
        pb = _rep(visits)
        b = eb[pb]
        j = _within_group_index(pb)
        date = start[pb] + (j * 3.5).astype(np.int64)
        ok = date <= self.w_end[b]
        b, date, j = b[ok], date[ok], j[ok]
        npi = w.specialists["65"].pick(self.market[b], r.random(b.size))
        svc = np.where(j == 0, SVC["97161"], SVC["97110"])
        cidx = self._visits(claims, lines, b, date, npi, svc, ref=self._ref(b), mod=b"GP")
        later = np.flatnonzero(j > 0)
        lines.add(
            later.size,
            claim=cidx[later],
            svc=np.where(r.random(later.size) < 0.5, SVC["97140"], SVC["97530"]),
            mod=b"GP",
        )
        # Flu vaccines each autumn at the PCP
        has = (self.home_npi >= 0) & ~self.home_is_site
        take = has[:, None] & (r.random((self.n, 4)) < 0.55)
        bi, yi = np.nonzero(take)
        y0 = np.array([day(datetime.date(self.cal.py - 3 + int(y), 9, 15)) for y in range(4)])
        date = y0[yi] + (r.random(bi.size) * 90).astype(np.int64)
        ok = (date >= self.w_start[bi]) & (date <= self.w_end[bi])
        bi, date = bi[ok], date[ok]
        cidx = self._visits(
            claims,
            lines,
            bi,
            date,
            self.home_npi[bi],
            np.full(bi.size, SVC["90662"]),
            pdx=np.full(bi.size, b"Z23", dtype="S7"),
        )
        lines.add(cidx.size, claim=cidx, svc=SVC["G0008"])
        # Oncology infusions every three weeks for some beneficiaries with cancer
        onc = np.flatnonzero((self.spec_npi["90"] >= 0) & (r.random(self.n) < 0.3))
        cycles = r.integers(4, 12, onc.size)
        pb = _rep(cycles)
        b = onc[pb]
        start = self._episode_starts(onc, 11 * 21)
        date = start[pb] + 21 * _within_group_index(pb)
        ok = (date >= self.w_start[b]) & (date <= self.w_end[b])
        b, date = b[ok], date[ok]
        cidx = self._visits(
            claims, lines, b, date, self.spec_npi["90"][b], np.full(b.size, SVC["J9271"]), ref=self._ref(b)
        )
        lines.add(cidx.size, claim=cidx, svc=SVC["96413"])
        # Monthly ESRD physician services by the nephrologist
        e = np.flatnonzero(self.esrd & (self.w_end > self.w_start))
        neph = np.where(
            self.spec_npi["39"][e] >= 0,
            self.spec_npi["39"][e],
            w.specialists["39"].pick(self.market[e], r.random(e.size)),
        )
        months = ((self.w_end[e] - self.w_start[e]) // 30 + 1).astype(np.int64)
        pb = _rep(months)
        b = e[pb]
        date = _add_months(_month_start(self.w_start[b]), _within_group_index(pb)) + 27
        ok = (date <= self.w_end[b]) & (date >= self.w_start[b])
        self._visits(
            claims,
            lines,
            b[ok],
            date[ok],
            neph[pb][ok],
            np.full(int(ok.sum()), SVC["90960"]),
            pdx=np.full(int(ok.sum()), b"N186", dtype="S7"),
        )

    def _facility_professionals(self, claims: _Acc, lines: _Acc) -> None:
        """Professional claims that go with facility stays: ED physicians, hospitalists, surgeons
        and anesthesia."""
        r, w, ip = self.rng, self.w, self.ip
        # ED physicians (ED visits and admissions through the ED)
        b = np.concatenate([self.ed["bene"], ip["bene"][ip["via_ed"]]])
        date = np.concatenate([self.ed["date"], ip["admit"][ip["via_ed"]]])
        npi = w.specialists["93"].pick(self.market[b], r.random(b.size))
        svc = np.array([SVC["99283"], SVC["99284"], SVC["99285"]])[_choice(r, [0.25, 0.45, 0.3], b.size)]
        self._visits(claims, lines, b, date, npi, svc, pos=b"23")
        # Hospitalist: admission, daily visits (up to six) and discharge, on one claim per stay
        n = ip["bene"].size
        hosp = w.specialists["C6"].pick(ip["market"], r.random(n))
        days = np.minimum(ip["disch"] - ip["admit"], 7)
        drg_pdx = _pick_csr(DRG_PDX, ip["drg"], r.random(n))
        cidx = self._visits(
            claims,
            lines,
            ip["bene"],
            ip["admit"],
            hosp,
            np.full(n, SVC["99223"]),
            pos=b"21",
            pdx=drg_pdx,
            off=np.zeros(n, dtype=np.int64),
        )
        k = np.maximum(days - 1, 0)
        pb = _rep(k)
        lines.add(
            pb.size,
            claim=cidx[pb],
            svc=np.where(r.random(pb.size) < 0.6, SVC["99232"], SVC["99233"]),
            day=1 + _within_group_index(pb),
        )
        dis = np.flatnonzero(days >= 1)
        lines.add(dis.size, claim=cidx[dis], svc=SVC["99238"], day=days[dis])
        # Surgeons and anesthesia for joint replacements, fracture repairs and PCIs
        s = np.flatnonzero(ip["surgeon"] >= 0)
        kinds = DRG_KIND[ip["drg"][s]]
        hcpcs = np.where(
            kinds == "pci",
            SVC["92928"],
            np.where(kinds == "hipfx", SVC["27245"], np.where(r.random(s.size) < 0.6, SVC["27447"], SVC["27130"])),
        )
        self._visits(
            claims,
            lines,
            ip["bene"][s],
            ip["admit"][s],
            ip["surgeon"][s],
            hcpcs,
            pos=b"21",
            pdx=drg_pdx[s],
            off=np.zeros(s.size, dtype=np.int64),
        )
        ortho = s[kinds != "pci"]
        an = w.specialists["05"].pick(ip["market"][ortho], r.random(ortho.size))
        asvc = np.where(DRG_KIND[ip["drg"][ortho]] == "hipfx", SVC["01214"], SVC["01402"])
        self._visits(
            claims,
            lines,
            ip["bene"][ortho],
            ip["admit"][ortho],
            an,
            asvc,
            pos=b"21",
            pdx=drg_pdx[ortho],
            off=np.zeros(ortho.size, dtype=np.int64),
            mod=b"AA",
        )

    # -- DME ------------------------------------------------------------------------------
    def dme(self) -> tuple[dict[str, Array], dict[str, Array]]:
        r, w = self.rng, self.w
        claims = _Acc(
            {
                "bene": np.int64(0),
                "date": np.int64(0),
                "supplier": np.int64(0),
                "ref": np.int64(-1),
                "pdx": np.bytes_(b""),
                "type": np.int64(82),
            }
        )
        lines = _Acc({"claim": np.int64(0), "item": np.int64(0), "units": np.int64(1)})
        for i, (hcpcs, _, cond, _, rental) in enumerate(codes.DME_ITEMS):
            if cond:
                p = {"diabetes": 0.45, "copd": 0.25, "mobility": 0.5}[cond]
                user = self.cond[:, C[cond]] & (r.random(self.n) < p)
            elif hcpcs == "E0601":
                user = r.random(self.n) < 0.03
            else:
                user = (self.frail > 1.0) & (r.random(self.n) < 0.08)
            u = np.flatnonzero(user & (self.w_end > self.w_start))
            lead = 36 * 31 if rental else 45 * 31 if cond == "diabetes" else 0  # the longest rental or refills
            start = self._episode_starts(u, lead)
            if rental:
                months = np.minimum(r.integers(3, 37, u.size), 13 if hcpcs == "E0601" else 36)
            elif cond == "diabetes":
                months = r.integers(2, 16, u.size)  # refills every 90 days
            else:
                months = np.ones(u.size, dtype=np.int64)
            pb = _rep(months)
            b = u[pb]
            step = 3 if cond == "diabetes" and not rental else 1
            date = _add_months(start[pb], step * _within_group_index(pb))
            ok = (date >= self.w_start[b]) & (date <= self.w_end[b])
            b, date = b[ok], date[ok]
            m = b.size
            supplier = (
                w.dme_suppliers.pick(self.market[b], r.random(m)) if w.dme_suppliers else np.zeros(m, dtype=np.int64)
            )
            code = self.bene_dx[b, 0]
            if cond:
                code = _pick_csr(COND_CODES, np.full(m, C[cond]), r.random(m))
            first = claims.add(
                m,
                bene=b,
                date=date,
                supplier=supplier,
                ref=self._ref(b),
                pdx=np.where(code == b"", b"R2689", code),
                type=np.where(r.random(m) < 0.9, 82, 81),
            )
            lines.add(m, claim=first + np.arange(m), item=i, units=np.where(hcpcs == "A4253", 3, 1))
        return claims.get(), lines.get()

    # -- Part D ------------------------------------------------------------------------------
    def part_d(self) -> dict[str, Array]:
        r, w, cal = self.rng, self.w, self.cal
        n = self.n
        bridge = max(cal.start, day(datetime.date(cal.py - 1, 7, 1)))
        diabetes = self.cond[:, C["diabetes"]]
        band = self.bmi_band
        comorbid = (
            self.cond[:, C["hypertension"]]
            | self.cond[:, C["ckd"]]
            | self.cond[:, C["prediabetes"]]
            | self.cond[:, C["ami"]]
            | self.cond[:, C["stroke"]]
            | self.cond[:, C["pad"]]
            | self.cond[:, C["hf"]]
        )
        eligible = (band >= 2) | ((band == 1) & comorbid) | ((band == 0) & comorbid)
        on_obesity = ~diabetes & (band >= 0) & (r.random(n) < np.where(eligible, 0.18, 0.04))
        on_obesity |= self.glp1_force
        on_diabetes = diabetes & (r.random(n) < codes.GLP1_DIABETES_SHARE)
        rx = _Acc(
            {
                "bene": np.int64(0),
                "drug": np.int64(0),
                "start": np.int64(0),
                "stop": np.int64(0),
                "ds": np.int64(30),
                "adh": np.float64(1.0),
            }
        )
        for i, (_, _, cond, p, ds_options, _, _, glp1, _) in enumerate(codes.DRUGS):
            if glp1:
                continue  # GLP-1 courses, below
            has = self.cond[:, C[cond]] if cond else np.ones(n, dtype=bool)
            user = has & (r.random(n) < p)
            already = r.random(n) < 0.7
            start = np.where(already, self.w_start - r.integers(0, 60, n), _days_between(r, self.w_start, self.w_end))
            stop = np.where(r.random(n) < 0.15, _days_between(r, start, self.w_end), FAR)
            u = np.flatnonzero(user & (self.w_end >= np.maximum(self.w_start, start)))
            ds = np.array(ds_options)[(r.random(u.size) * len(ds_options)).astype(np.int64)]
            rx.add(
                u.size,
                bene=u,
                drug=i,
                start=start[u],
                stop=np.minimum(stop[u], self.w_end[u]),
                ds=ds,
                adh=r.uniform(0.65, 1.0, u.size),
            )
        self._glp1_courses(rx, on_obesity, on_diabetes, bridge)
        presc = rx.get()
        n_rx = presc["bene"].size
        if n_rx >= 100_000:
            raise ValueError("too many prescriptions in one chunk")
        span = np.maximum(presc["stop"] - presc["start"], 0)
        mean_gap = presc["ds"] / presc["adh"]
        fills = np.minimum((span / mean_gap).astype(np.int64) + 1, 80)
        pb = _rep(fills)
        j = _within_group_index(pb)
        gap = np.maximum(np.rint(mean_gap[pb] + r.normal(0, 3, pb.size)), presc["ds"][pb] - 5).astype(np.int64)
        gap[j == 0] = 0
        cum = np.cumsum(gap)
        starts = np.flatnonzero(j == 0)
        base = np.repeat(cum[starts], fills)
        date = presc["start"][pb] + cum - base
        b = presc["bene"][pb]
        ok = (date >= self.w_start[b]) & (date <= presc["stop"][pb]) & (date <= self.w_end[b])
        pb, j, date, b = pb[ok], j[ok], date[ok], b[ok]
        drug = presc["drug"][pb]
        ds = presc["ds"][pb]
        per_rx = np.where(ds >= 84, 4, 12)  # a new prescription number every year
        rx_num = (self.chunk_no + 1) * ID_CHUNK + pb * 100 + j // per_rx
        fill_num = j % per_rx
        mail = (ds >= 84) & (r.random(b.size) < 0.4)
        pharmacy = np.where(mail, w.mail_pharmacy, self.pharmacy[b])
        # prescriber: the specialist the drug belongs to if the beneficiary sees one, else the PCP
        pres_spec = np.array([d[8] for d in codes.DRUGS])[drug]
        prescriber = np.where(
            self.home_npi[b] >= 0,
            self.home_npi[b],
            w.specialists["11"].pick(self.market[b], r.random(b.size)) if "11" in w.specialists else 0,
        )
        for spec in ("06", "29", "46", "13"):
            sel = (pres_spec == spec) & (self.spec_npi[spec][b] >= 0)
            prescriber = np.where(sel, self.spec_npi[spec][b], prescriber)
        units30 = np.array([d[5] for d in codes.DRUGS])[drug]
        qty = np.rint(units30 * np.where(ds >= 84, 3, 1) * 10000).astype(np.int64)
        brand = np.array([d[6] for d in codes.DRUGS])[drug]
        glp1 = np.array([d[7] for d in codes.DRUGS])[drug]
        lis = self.dual[b]
        copay = np.where(
            brand,
            np.where(lis, r.choice([490, 1215], b.size), r.integers(3500, 4701, b.size)),
            np.where(lis, r.choice([155, 490], b.size), r.integers(0, 1001, b.size)),
        )
        copay = np.where((glp1 == "obesity") & (date >= bridge), 5000, copay)
        ndc = _s([d[1] for d in codes.DRUGS], 11)[drug]
        return {
            "bene": b,
            "date": date,
            "ndc": ndc,
            "pharmacy": w.pharmacy_npi[pharmacy],
            "mail": mail,
            "rx": rx_num,
            "fill": fill_num,
            "qty": qty,
            "ds": ds,
            "prescriber": w.n_npi[prescriber],
            "copay": copay.astype(np.int64),
            "daw": np.where(brand & (r.random(b.size) < 0.1), b"1", b"0").astype("S1"),
        }

    def _glp1_courses(self, rx: _Acc, on_obesity: BoolArray, on_diabetes: BoolArray, bridge: int) -> None:
        """GLP-1 prescriptions (generator_codes.GLP1_COURSES), one per strength: a course starts on the
        lowest strength and goes up one strength a fill (GLP1_STEP_DAYS) to a maintenance dose drawn per
        beneficiary; diabetes users already on therapy before the window are on their maintenance dose.
        Obesity courses start on or after the Bridge start (they are Bridge fills); some beneficiaries
        stop after two to six months, and some pause (the next fill comes 60 days or more late) and
        resume. Vectorised over beneficiaries; the loops run over the small course table."""
        r, n = self.rng, self.n
        courses = codes.GLP1_COURSES
        ob = [k for k, c in enumerate(courses) if c[1] == "obesity"]
        dm = [k for k, c in enumerate(courses) if c[1] == "diabetes"]
        ob_pick = np.array(ob)[_choice(r, [courses[k][2] for k in ob], n)]
        dm_pick = np.array(dm)[_choice(r, [courses[k][2] for k in dm], n)]
        course = np.where(on_obesity, ob_pick, np.where(on_diabetes, dm_pick, -1))
        force = self.glp1_force
        course = np.where(force, next(k for k in ob if courses[k][0] == "Zepbound"), course)  # the showcase
        obesity = on_obesity | force
        first_day = np.maximum(self.w_start, bridge)
        ob_start = _days_between(r, first_day, self.w_end)
        ob_stop = np.where(r.random(n) < 0.3, ob_start + r.integers(60, 184, n), FAR)
        already = ~obesity & (r.random(n) < 0.7)
        dm_start = np.where(already, self.w_start - r.integers(0, 60, n), _days_between(r, self.w_start, self.w_end))
        dm_stop = np.where(r.random(n) < 0.15, _days_between(r, dm_start, self.w_end), FAR)
        start = np.where(obesity, ob_start, dm_start)
        stop = np.where(obesity, ob_stop, dm_stop)
        start = np.where(force, first_day + 10, start)
        stop = np.where(force, FAR, stop)
        stop = np.minimum(stop, self.w_end)
        n_steps = np.array([len(c[3]) for c in courses])
        lowest = np.array([c[4] for c in courses])
        c0 = np.maximum(course, 0)
        target = lowest[c0] + (r.random(n) * (n_steps[c0] - lowest[c0])).astype(np.int64)
        first = np.where(already, target, 0)
        maint_start = start + (target - first) * codes.GLP1_STEP_DAYS
        pause = (r.random(n) < 0.15) & ~force
        pause_at = np.where(pause, maint_start + r.integers(28, 120, n), FAR)
        resume_at = pause_at + r.integers(62, 120, n)
        adh = r.uniform(0.7, 1.0, n)
        pick = r.random(n)
        for k, (_, _, _, steps, _) in enumerate(courses):
            mine = course == k
            for j, name in enumerate(steps):
                i = codes.DRUG_INDEX[name]
                ds_options = np.array(codes.DRUGS[i][4])
                on_step = mine & (first <= j) & (j <= target)
                s_j = start + (j - first) * codes.GLP1_STEP_DAYS
                up = j < target
                e_j = np.where(up, s_j + codes.GLP1_STEP_DAYS - 1, np.minimum(stop, pause_at - 1))
                e_j = np.minimum(e_j, stop)
                ds = np.where(up, ds_options[0], ds_options[(pick * ds_options.size).astype(np.int64)])
                for seg_start, seg_stop, seg in ((s_j, e_j, on_step), (resume_at, stop, on_step & ~up & pause)):
                    u = np.flatnonzero(
                        seg & (seg_start <= seg_stop) & (self.w_end >= np.maximum(self.w_start, seg_start))
                    )
                    rx.add(u.size, bene=u, drug=i, start=seg_start[u], stop=seg_stop[u], ds=ds[u], adh=adh[u])

    # -- building the layout tables ------------------------------------------------------------
    def _effective(self, thru: IntArray, base_lag: int, mean_extra: float) -> tuple[IntArray, IntArray]:
        r = self.rng
        eff = np.minimum(thru + base_lag + r.geometric(1 / mean_extra, thru.shape[0]), self.cal.cut - 1)
        load = np.minimum(eff + r.integers(1, 5, thru.shape[0]), self.cal.cut)
        return eff, load

    def part_a_tables(self, a: _PartA) -> tuple[Table, Table, Table, Table]:
        r, w = self.rng, self.w
        h = a.hdr
        n = h["bene"].shape[0]
        ids = self.new_ids("A", n)
        mbi = self.mbi_on(h["bene"], h["from"])
        eff, load = self._effective(h["thru"], 7, 18)
        ip = h["ip"]
        pay = h["pay"]
        teaching = ip & (r.random(n) < 0.3)
        market = w.f_market[h["fac"]]

        def ip_amount(frac: float, only: BoolArray) -> IntArray:
            return np.where(ip, np.where(only, np.rint(pay * frac), 0), NOAMT).astype(np.int64)

        hdr = Table(
            n,
            {
                "CUR_CLM_UNIQ_ID": ids,
                "PRVDR_OSCAR_NUM": h["ccn"],
                "BENE_MBI_ID": mbi,
                "CLM_TYPE_CD": h["ctype"],
                "CLM_FROM_DT": h["from"],
                "CLM_THRU_DT": h["thru"],
                "CLM_BILL_FAC_TYPE_CD": h["bill_fac"],
                "CLM_BILL_CLSFCTN_CD": h["bill_cls"],
                "PRNCPL_DGNS_CD": h["pdx"],
                "ADMTG_DGNS_CD": np.where(ip, h["adx"], b""),
                "CLM_PMT_AMT": pay,
                "PRVDR_FAC_FIPS_ST_CD": w.market_fips[market],
                "BENE_PTNT_STUS_CD": h["status"],
                "DGNS_DRG_CD": h["drg"],
                "FAC_PRVDR_NPI_NUM": Num(h["fac_npi"], 10),
                "OPRTG_PRVDR_NPI_NUM": Num(h["opr"], 10),
                "ATNDG_PRVDR_NPI_NUM": Num(h["att"], 10),
                "CLM_ADJSMT_TYPE_CD": b"0",
                "CLM_EFCTV_DT": eff,
                "CLM_IDR_LD_DT": load,
                "CLM_ADMSN_TYPE_CD": h["adm_type"],
                "CLM_ADMSN_SRC_CD": h["adm_src"],
                "CLM_BILL_FREQ_CD": h["freq"],
                "CLM_QUERY_CD": b"3",
                "DGNS_PRCDR_ICD_IND": b"0",
                "CLM_MDCR_INSTNL_TOT_CHRG_AMT": np.rint(pay * r.uniform(2.2, 4.5, n)).astype(np.int64),
                "CLM_MDCR_IP_PPS_CPTL_IME_AMT": ip_amount(0.01, teaching),
                "CLM_OPRTNL_IME_AMT": ip_amount(0.06, teaching),
                "CLM_MDCR_IP_PPS_DSPRPRTNT_AMT": ip_amount(0.004, ip),
                "CLM_HIPPS_UNCOMPD_CARE_AMT": ip_amount(0.02, ip),
                "CLM_OPRTNL_DSPRPRTNT_AMT": ip_amount(0.03, ip),
                "CLM_BLG_PRVDR_OSCAR_NUM": h["ccn"],
                "CLM_BLG_PRVDR_NPI_NUM": Num(h["fac_npi"], 10),
                "CLM_OPRTG_PRVDR_NPI_NUM": Num(h["opr"], 10),
                "CLM_ATNDG_PRVDR_NPI_NUM": Num(h["att"], 10),
                "CLM_CNTL_NUM": Num((ids * 6007 + 29) % 10**14, 14),
                "CLM_ORG_CNTL_NUM": Num(np.full(n, -1, dtype=np.int64), 14),
                "CLM_CNTRCTR_NUM": w.market_mac[market],
                "_claim": np.arange(n, dtype=np.int64),
                "_bene": h["bene"],
            },
        )

        ln = a.lines
        order = np.argsort(ln["hdr"], kind="stable")
        ln = {k: v[order] for k, v in ln.items()}
        k = ln["hdr"]
        spans = np.isin(ln["rev"], _s(["0120", "0022", "0023", "0651", "0821", "0250"], 4))
        line_thru = np.where(spans, np.maximum(ln["date"], h["thru"][k]), ln["date"])
        rev = Table(
            k.shape[0],
            {
                "CUR_CLM_UNIQ_ID": ids[k],
                "CLM_LINE_NUM": _within_group_index(k) + 1,
                "BENE_MBI_ID": mbi[k],
                "CLM_TYPE_CD": h["ctype"][k],
                "CLM_LINE_FROM_DT": ln["date"],
                "CLM_LINE_THRU_DT": line_thru,
                "CLM_LINE_PROD_REV_CTR_CD": ln["rev"],
                "CLM_LINE_INSTNL_REV_CTR_DT": ln["date"],
                "CLM_LINE_HCPCS_CD": ln["hcpcs"],
                "PRVDR_OSCAR_NUM": h["ccn"][k],
                "CLM_FROM_DT": h["from"][k],
                "CLM_THRU_DT": h["thru"][k],
                "CLM_LINE_SRVC_UNIT_QTY": ln["units"] * 10000,
                "CLM_LINE_CVRD_PD_AMT": ln["amount"],
                "CLM_REV_APC_HIPPS_CD": ln["apc"],
                "CLM_FAC_PRVDR_OSCAR_NUM": h["ccn"][k],
                "_claim": k,
            },
        )
        pr = a.proc
        order = np.argsort(pr["hdr"], kind="stable")
        pr = {key: v[order] for key, v in pr.items()}
        k = pr["hdr"]
        proc = Table(
            k.shape[0],
            {
                "CUR_CLM_UNIQ_ID": ids[k],
                "BENE_MBI_ID": mbi[k],
                "CLM_TYPE_CD": h["ctype"][k],
                "CLM_VAL_SQNC_NUM": _within_group_index(k) + 1,
                "CLM_PRCDR_CD": pr["code"],
                "CLM_PRCDR_PRFRM_DT": np.minimum(pr["date"], h["thru"][k]),
                "PRVDR_OSCAR_NUM": h["ccn"][k],
                "CLM_FROM_DT": h["from"][k],
                "CLM_THRU_DT": h["thru"][k],
                "DGNS_PRCDR_ICD_IND": b"0",
                "CLM_BLG_PRVDR_OSCAR_NUM": h["ccn"][k],
                "_claim": k,
            },
        )
        dx = a.dx
        k = dx["hdr"]
        diag = Table(
            k.shape[0],
            {
                "CUR_CLM_UNIQ_ID": ids[k],
                "BENE_MBI_ID": mbi[k],
                "CLM_TYPE_CD": h["ctype"][k],
                "CLM_PROD_TYPE_CD": dx["kind"],
                "CLM_VAL_SQNC_NUM": dx["seq"],
                "CLM_DGNS_CD": dx["code"],
                "PRVDR_OSCAR_NUM": h["ccn"][k],
                "CLM_FROM_DT": h["from"][k],
                "CLM_THRU_DT": h["thru"][k],
                "CLM_POA_IND": np.where(ip[k], b"Y", b""),
                "DGNS_PRCDR_ICD_IND": b"0",
                "CLM_BLG_PRVDR_OSCAR_NUM": h["ccn"][k],
                "_claim": k,
            },
        )
        return hdr, rev, proc, diag

    def part_b_table(self, claims: dict[str, Array], lines: dict[str, Array], family: str = "B") -> Table:
        r, w, cal = self.rng, self.w, self.cal
        # claims in (beneficiary, date) order; lines in claim order
        rank = np.empty(claims["bene"].shape[0], dtype=np.int64)
        rank[np.lexsort((claims["date"], claims["bene"]))] = np.arange(rank.shape[0])
        order = np.lexsort((np.arange(lines["claim"].shape[0]), rank[lines["claim"]]))
        ln = {k: v[order] for k, v in lines.items()}
        c = ln["claim"]
        n_claims = rank.shape[0]
        ids = self.new_ids(family, n_claims)[rank]
        bene = claims["bene"][c]
        line_date = np.minimum(claims["date"][c] + ln["day"], self.w_end[bene])
        first = np.full(n_claims, FAR, dtype=np.int64)
        last = np.full(n_claims, -FAR, dtype=np.int64)
        np.minimum.at(first, c, line_date)
        np.maximum.at(last, c, line_date)
        svc = ln["svc"]
        units = np.where(ln["units"] >= 0, ln["units"], SVC_UNITS[svc])
        year_i = _years_of(line_date) - (cal.py - 3)
        allowed = np.rint(SVC_FEE[svc] * units * PRICE_GROWTH**year_i).astype(np.int64)
        protect = claims["protect"][c]
        denied = ~protect & (r.random(c.shape[0]) < 0.025)
        paid = np.where(denied, 0, allowed * 784 // 1000)
        eff_claim, load_claim = self._effective(last, 5, 14)
        npi = claims["npi"][c]
        practice = w.n_practice[npi]
        mbi_claim = self.mbi_on(claims["bene"], first)
        off = claims["off"][c]
        tbl = Table(
            c.shape[0],
            {
                "CUR_CLM_UNIQ_ID": ids[c],
                "CLM_LINE_NUM": _within_group_index(c) + 1,
                "BENE_MBI_ID": mbi_claim[c],
                "CLM_TYPE_CD": 71,
                "CLM_FROM_DT": first[c],
                "CLM_THRU_DT": last[c],
                "RNDRG_PRVDR_TYPE_CD": b"1",
                "RNDRG_PRVDR_FIPS_ST_CD": w.market_fips[w.p_market[practice]],
                "CLM_PRVDR_SPCLTY_CD": w.n_spec[npi],
                "CLM_FED_TYPE_SRVC_CD": SVC_TOS[svc],
                "CLM_POS_CD": claims["pos"][c],
                "CLM_LINE_FROM_DT": line_date,
                "CLM_LINE_THRU_DT": line_date,
                "CLM_LINE_HCPCS_CD": SVC_HCPCS[svc],
                "CLM_LINE_CVRD_PD_AMT": paid,
                "CLM_LINE_DGNS_CD": claims["pdx"][c],
                "CLM_RNDRG_PRVDR_TAX_NUM": Num(w.p_tin[practice], 9),
                "RNDRG_PRVDR_NPI_NUM": Num(w.n_npi[npi], 10),
                "CLM_CARR_PMT_DNL_CD": np.where(denied, b"0", np.where(r.random(c.shape[0]) < 0.08, b"A", b"1")),
                "CLM_PRCSG_IND_CD": np.where(denied, b"D", b"A"),
                "CLM_ADJSMT_TYPE_CD": b"0",
                "CLM_EFCTV_DT": eff_claim[c],
                "CLM_IDR_LD_DT": load_claim[c],
                "CLM_CNTL_NUM": Num((ids[c] * 7919 + 13) % 10**14, 14),
                "CLM_LINE_ALOWD_CHRG_AMT": allowed,
                "CLM_LINE_SRVC_UNIT_QTY": units * 10000,
                "HCPCS_1_MDFR_CD": ln["mod"],
                "CLM_DISP_CD": b"01",
                "CLM_DGNS_1_CD": claims["pdx"][c],
                "CLM_DGNS_2_CD": self.secondary_dx(bene, off, 0),
                "CLM_DGNS_3_CD": self.secondary_dx(bene, off, 1),
                "CLM_DGNS_4_CD": self.secondary_dx(bene, off, 2),
                "DGNS_PRCDR_ICD_IND": b"0",
                "HCPCS_BETOS_CD": SVC_BETOS[svc],
                "CLM_RNDRG_PRVDR_NPI_NUM": Num(w.n_npi[npi], 10),
                "CLM_RFRG_PRVDR_NPI_NUM": Num(claims["ref"][c], 10),
                "CLM_CNTRCTR_NUM": w.market_mac[w.p_market[practice]],
                "_claim": c,
                "_bene": bene,
                "_protect": protect,
                "_line": np.arange(c.shape[0], dtype=np.int64),
                "_npi": npi,
                "_svc": svc,
            },
        )
        return tbl

    def dme_table(self, claims: dict[str, Array], lines: dict[str, Array]) -> Table:
        r, w, cal = self.rng, self.w, self.cal
        c = lines["claim"]
        n_claims = claims["bene"].shape[0]
        ids = self.new_ids("DME", n_claims)
        item = lines["item"]
        hcpcs = _s([d[0] for d in codes.DME_ITEMS], 5)[item]
        fee = np.array([round(d[1] * 100) for d in codes.DME_ITEMS], dtype=np.int64)[item]
        rental = np.array([d[4] for d in codes.DME_ITEMS])[item]
        date = claims["date"][c]
        year_i = _years_of(date) - (cal.py - 3)
        allowed = np.rint(fee * lines["units"] * PRICE_GROWTH**year_i).astype(np.int64)
        denied = r.random(c.shape[0]) < 0.03
        paid = np.where(denied, 0, allowed * 784 // 1000)
        eff, load = self._effective(date, 5, 14)
        bene = claims["bene"][c]
        supplier = w.supplier_npi[claims["supplier"][c]]
        tos = np.where(rental, b"R", np.where(hcpcs < b"B", b"9", b"P"))
        return Table(
            c.shape[0],
            {
                "CUR_CLM_UNIQ_ID": ids[c],
                "CLM_LINE_NUM": _within_group_index(c) + 1,
                "BENE_MBI_ID": self.mbi_on(bene, date),
                "CLM_TYPE_CD": claims["type"][c],
                "CLM_FROM_DT": date,
                "CLM_THRU_DT": date,
                "CLM_FED_TYPE_SRVC_CD": tos,
                "CLM_POS_CD": b"12",
                "CLM_LINE_FROM_DT": date,
                "CLM_LINE_THRU_DT": date,
                "CLM_LINE_HCPCS_CD": hcpcs,
                "CLM_LINE_CVRD_PD_AMT": paid,
                "PAYTO_PRVDR_NPI_NUM": Num(supplier, 10),
                "ORDRG_PRVDR_NPI_NUM": Num(claims["ref"][c], 10),
                "CLM_CARR_PMT_DNL_CD": np.where(denied, b"0", b"1"),
                "CLM_PRCSG_IND_CD": np.where(denied, b"D", b"A"),
                "CLM_ADJSMT_TYPE_CD": b"0",
                "CLM_EFCTV_DT": eff,
                "CLM_IDR_LD_DT": load,
                "CLM_CNTL_NUM": Num((ids[c] * 7919 + 13) % 10**14, 14),
                "CLM_LINE_ALOWD_CHRG_AMT": allowed,
                "CLM_DISP_CD": b"01",
                "CLM_BLG_PRVDR_NPI_NUM": Num(supplier, 10),
                "CLM_RFRG_PRVDR_NPI_NUM": Num(claims["ref"][c], 10),
                "_claim": c,
                "_bene": bene,
                "_protect": np.zeros(c.shape[0], dtype=bool),
            },
        )

    def part_d_table(self, d: dict[str, Array]) -> Table:
        r = self.rng
        n = d["bene"].shape[0]
        order = np.lexsort((d["date"], d["bene"]))
        d = {k: v[order] for k, v in d.items()}
        ids = self.new_ids("D", n)
        eff = np.minimum(d["date"] + r.integers(1, 15, n), self.cal.cut - 1)
        load = np.minimum(eff + r.integers(1, 4, n), self.cal.cut)
        return Table(
            n,
            {
                "CUR_CLM_UNIQ_ID": ids,
                "BENE_MBI_ID": self.mbi_on(d["bene"], d["date"]),
                "CLM_LINE_NDC_CD": d["ndc"],
                "CLM_TYPE_CD": 1,
                "CLM_LINE_FROM_DT": d["date"],
                "PRVDR_SRVC_ID_QLFYR_CD": b"01",
                "CLM_SRVC_PRVDR_GNRC_ID_NUM": Num(d["pharmacy"], 10),
                "CLM_DAW_PROD_SLCTN_CD": d["daw"],
                "CLM_LINE_SRVC_UNIT_QTY": d["qty"],
                "CLM_LINE_DAYS_SUPLY_QTY": d["ds"] * 10000,
                "PRVDR_PRSBNG_ID_QLFYR_CD": b"01",
                "CLM_PRSBNG_PRVDR_GNRC_ID_NUM": Num(d["prescriber"], 10),
                "CLM_LINE_BENE_PMT_AMT": d["copay"],
                "CLM_ADJSMT_TYPE_CD": b"0",
                "CLM_EFCTV_DT": eff,
                "CLM_IDR_LD_DT": load,
                "CLM_LINE_RX_SRVC_RFRNC_NUM": d["rx"],
                "CLM_LINE_RX_FILL_NUM": d["fill"].astype("S9"),
                "CLM_PHRMCY_SRVC_TYPE_CD": np.where(d["mail"], b"06", b"01"),
                "_claim": np.arange(n, dtype=np.int64),
                "_bene": d["bene"],
                "_protect": np.zeros(n, dtype=bool),
            },
        )

    def beneficiary_tables(self) -> tuple[Table, Table]:
        r, n, cal = self.rng, self.n, self.cal
        ref = np.where(self.death != NODATE, self.death, cal.cut)
        ref_d = ref.astype("datetime64[D]")
        dob_d = self.dob.astype("datetime64[D]")
        ref_y = ref_d.astype("datetime64[Y]").astype(np.int64)
        dob_y = dob_d.astype("datetime64[Y]").astype(np.int64)
        ref_doy = ref - ref_d.astype("datetime64[Y]").astype("datetime64[D]").astype(np.int64)
        dob_doy = self.dob - dob_d.astype("datetime64[Y]").astype("datetime64[D]").astype(np.int64)
        age = ref_y - dob_y - (ref_doy < dob_doy)
        status = np.where(
            self.disabled,
            np.where(self.esrd, np.where(r.random(n) < 0.5, b"21", b"31"), b"20"),
            np.where(self.esrd, b"11", b"10"),
        )
        reason = np.where(status == b"31", b"2", np.where(status == b"21", b"3", np.where(self.disabled, b"1", b"0")))
        reason = np.where((reason == b"0") & (r.random(n) < 0.08), b"1", reason)
        dual_codes = _s([c for c, _ in codes.DUAL_STATUS_SHARES], 2)
        dual_code = dual_codes[_choice(r, [p for _, p in codes.DUAL_STATUS_SHARES], n)]
        dual_code = np.where(self.dual, dual_code, b"NA")
        if self.chunk_no == 0 and n > 14:
            status[2], dual_code[2] = b"21", b"02"
        race = _s(["1", "2", "5", "4", "3", "6", "0"], 1)[_choice(r, [0.76, 0.1, 0.07, 0.03, 0.02, 0.01, 0.01], n)]
        first = _s(codes.FIRST_NAMES, 30)[(r.random(n) * len(codes.FIRST_NAMES)).astype(np.int64)]
        middle = np.array([bytes([65 + int(x)]) for x in r.integers(0, 26, n)], dtype="S15")
        last = _s(codes.LAST_NAMES, 40)[(r.random(n) * len(codes.LAST_NAMES)).astype(np.int64)]
        number = r.integers(1, 9999, n).astype("S5")
        street = _s(codes.STREETS, 12)[(r.random(n) * len(codes.STREETS)).astype(np.int64)]
        stype = _s(list(codes.STREET_TYPES), 4)[(r.random(n) * len(codes.STREET_TYPES)).astype(np.int64)]
        line1 = np.char.add(np.char.add(np.char.add(number, b" "), np.char.add(street, b" ")), stype)
        # City and county of the ZIP (reference/places); the places outside the states have none.
        places = gw.zip_places()
        found = [places.get(z.decode()) for z in self.zip]
        town = np.array([p.city.upper().encode() if p else b"" for p in found], dtype="S100")
        county = np.array([int(p.county_fips) if p else 10 for p in found], dtype=np.int64)
        fips = np.array([int(codes.STATE_FIPS[s.decode()]) for s in self.state], dtype=np.int64)
        bene = Table(
            n,
            {
                "BENE_MBI_ID": self.mbi,
                "BENE_FIPS_STATE_CD": fips,
                "BENE_FIPS_CNTY_CD": county,
                "BENE_ZIP_CD": self.zip,
                "BENE_DOB": self.dob,
                "BENE_SEX_CD": self.sex,
                "BENE_RACE_CD": race,
                "BENE_AGE": age,
                "BENE_MDCR_STUS_CD": status,
                "BENE_DUAL_STUS_CD": dual_code,
                "BENE_DEATH_DT": self.death,
                "BENE_RNG_BGN_DT": self.hospice_start,
                "BENE_RNG_END_DT": np.where(self.hospice_end == self.death, NODATE, self.hospice_end),
                "BENE_1ST_NAME": first,
                "BENE_MIDL_NAME": middle,
                "BENE_LAST_NAME": last,
                "BENE_ORGNL_ENTLMT_RSN_CD": reason,
                "BENE_ENTLMT_BUYIN_IND": np.where(self.dual, b"C", b"3"),
                "BENE_PART_A_ENRLMT_BGN_DT": self.a_start,
                "BENE_PART_B_ENRLMT_BGN_DT": self.b_start,
                "BENE_LINE_1_ADR": line1,
                "GEO_ZIP_PLC_NAME": town,
                "GEO_USPS_STATE_CD": self.state,
                "GEO_ZIP5_CD": self.zip,
                "GEO_ZIP4_CD": r.integers(1, 9999, n).astype("S4"),
            },
        )
        # CCLF9: one row per replaced MBI, each pointing to the next one in the chain.
        rows, j = np.nonzero(np.arange(3)[None, :] < self.hops[:, None])
        prev_start = np.where(j == 0, self.a_start[rows], self.chg[rows, np.maximum(j - 1, 0)])
        xref = Table(
            rows.shape[0],
            {
                "HICN_MBI_XREF_IND": b"M",
                "CRNT_NUM": self.mbi_hist[rows, j + 1],
                "PRVS_NUM": self.mbi_hist[rows, j],
                "PRVS_ID_EFCTV_DT": prev_start,
                "PRVS_ID_OBSLT_DT": self.chg[rows, j],
            },
        )
        return bene, xref

    # -- claim versions ----------------------------------------------------------------------
    def plan_versions(self, n_claims: int, protect: BoolArray) -> _Versions:
        scenario = _choice(self.rng, [0.964, 0.02, 0.01, 0.003, 0.003], n_claims)
        scenario[protect] = 0
        adj1 = np.isin(scenario, (1, 3, 4))
        return _Versions(adj1=adj1, adj2=scenario == 3, cancel=np.isin(scenario, (2, 4)))

    # -- Benefit Enhancements and capitation (CCLFA, CCLFB) -------------------------------------
    def _uses(self, benefit: str, aco: IntArray) -> BoolArray:
        """Whether each ACO (index, -1 for none) uses the Benefit Enhancement."""
        return gw.benefit_mask(benefit, len(self.w.acos))[aco]

    def _in_py(self, days: IntArray) -> BoolArray:
        return (days >= self.cal.py_start) & (days <= self.cal.end)

    def _days_after_discharge(self, bene: IntArray, days: IntArray) -> IntArray:
        """Days from each beneficiary's last inpatient discharge before the date (FAR if none)."""
        out = np.full(bene.shape[0], FAR, dtype=np.int64)
        ip_b, ip_d = self.ip["bene"], self.ip["disch"]
        if ip_b.size == 0:
            return out
        order = np.lexsort((ip_d, ip_b))
        keys = ip_b[order] * 10_000_000 + (ip_d[order] - self.cal.start + 100_000)
        q = bene * 10_000_000 + (days - self.cal.start + 100_000)
        pos = np.searchsorted(keys, q, side="left") - 1
        hit = np.flatnonzero(pos >= 0)
        hit = hit[keys[pos[hit]] // 10_000_000 == bene[hit]]
        out[hit] = days[hit] - ip_d[order][pos[hit]]
        return out

    def post_discharge_home_visits(self) -> tuple[dict[str, Array], dict[str, Array]]:
        """Home visits (99347-99349, place of service 12) by the primary-care clinician 2-25 days
        after a PY discharge home (patient status 01 or 06) of a beneficiary whose ACO uses the
        post-discharge home visit Benefit Enhancement: about two discharges in five get one, before
        any readmission. Call inside :meth:`drawing_from` with the chunk's home-visit stream."""
        r, ip = self.rng, self.ip
        claims, lines = self._part_b_acc()
        b = ip["bene"]
        take = (
            self._uses("post_discharge_home_visits", self.attached_aco()[b])
            & self._in_py(ip["disch"])
            & np.isin(ip["status"], (b"01", b"06"))
            & (self.mode[b] == 0)
            & (self.home_npi[b] >= 0)
            & ~self.home_is_site[b]
            & (r.random(b.shape[0]) < 0.4)
        )
        sel = np.flatnonzero(take)
        b, disch = b[sel], ip["disch"][sel]
        date = disch + r.integers(2, 26, sel.size)
        ok = (date <= self.w_end[b]) & (date < self._next_admit(b, disch))
        b, date = b[ok], date[ok]
        svc = np.array([SVC["99347"], SVC["99348"], SVC["99349"]])[_choice(r, [0.3, 0.5, 0.2], b.size)]
        self._visits(claims, lines, b, date, self.home_npi[b], svc, pos=b"12")
        return claims.get(), lines.get()

    def part_a_codes(self, h: dict[str, Array]) -> _Codes:
        """CCLFA switches of each Part A claim (``h`` is ``_PartA.hdr``): the SNF 3-day waiver on
        PY skilled nursing stays (type 20) that follow an inpatient stay shorter than 3 days, at a
        SNF eligible for the waiver (two in three, by facility), of beneficiaries attached to an
        ACO that uses it."""
        snf = (
            (h["ctype"] == 20)
            & self._in_py(h["from"])
            & (h["prior_los"] >= 0)
            & (h["prior_los"] < 3)
            & (h["fac"] % 3 != 2)
            & self._uses("snf_3day_waiver", self.attached_aco()[h["bene"]])
        )
        return _Codes("CCLFA", "_claim", {"CLM_NGACO_SNF_WVR_SW": snf})

    def part_b_codes(self, t: Table) -> _Codes:
        """CCLFB switches and capitation reductions of each line of a CCLF5 table (see CONVENTIONS):
        PY lines rendered by a participant TIN of the ACO the beneficiary is attached to carry that
        ACO's telehealth, post-discharge and care management home visit indicators; PY lines of a
        capitated Preferred Provider of the beneficiary's ACO carry a reduction."""
        w = self.w
        bene, npi, svc = np.asarray(t["_bene"]), np.asarray(t["_npi"]), np.asarray(t["_svc"])
        date = np.asarray(t["CLM_LINE_FROM_DT"])
        in_py = self._in_py(date)
        attached = self.attached_aco()[bene]
        aco = w.p_aco[w.n_practice[npi]]
        own = in_py & (aco >= 0) & (aco == attached)
        pos = np.asarray(t["CLM_POS_CD"])
        tele = own & SVC_PQEM[svc] & np.isin(pos, (b"02", b"10")) & self._uses("telehealth", aco)
        home = own & SVC_HOME_VISIT[svc]
        after = self._days_after_discharge(bene, date)
        pdschrg = home & (after >= 1) & (after <= 30) & self._uses("post_discharge_home_visits", aco)
        cmg = home & ~pdschrg & self._uses("care_management_home_visits", aco)
        idx = np.flatnonzero(cmg)
        idx = idx[np.lexsort((date[idx], bene[idx]))]
        cmg[idx[_within_group_index(bene[idx]) >= CARE_MANAGEMENT_VISIT_CAP]] = False
        capitation = w.n_capitation[npi]
        share = np.zeros(bene.shape[0])
        for code, withheld in REDUCTION_SHARE.items():
            share[capitation == code] = withheld / (1 - withheld)  # reduction per unit paid
        paid = np.asarray(t["CLM_LINE_CVRD_PD_AMT"])
        reduced = in_py & (share > 0) & (w.n_pref_aco[npi] == attached) & (paid > 0)
        return _Codes(
            "CCLFB",
            "_line",
            {
                "CLM_LINE_NGACO_TLHLTH_SW": tele,
                "CLM_LINE_NGACO_PDSCHRG_HCBS_SW": pdschrg,
                "CLM_NGACO_CMG_WVR_SW": cmg,
                "CLM_LINE_NGACO_PBPMT_SW": reduced & (capitation != b"tcc"),
                "CLM_LINE_NGACO_CPTATN_SW": reduced & (capitation == b"tcc"),
            },
            np.where(reduced, share, 0.0),
        )


# ---------------------------------------------------------------------------------------------
# Versions (adjustments and cancellations) of a claim file's records
# ---------------------------------------------------------------------------------------------

AMOUNTS = {
    "CCLF1": (
        "CLM_PMT_AMT",
        "CLM_MDCR_INSTNL_TOT_CHRG_AMT",
        "CLM_MDCR_IP_PPS_CPTL_IME_AMT",
        "CLM_OPRTNL_IME_AMT",
        "CLM_MDCR_IP_PPS_DSPRPRTNT_AMT",
        "CLM_HIPPS_UNCOMPD_CARE_AMT",
        "CLM_OPRTNL_DSPRPRTNT_AMT",
    ),
    "CCLF2": ("CLM_LINE_CVRD_PD_AMT",),
    "CCLF3": (),
    "CCLF4": (),
    "CCLF5": ("CLM_LINE_CVRD_PD_AMT", "CLM_LINE_ALOWD_CHRG_AMT"),
    "CCLF6": ("CLM_LINE_CVRD_PD_AMT", "CLM_LINE_ALOWD_CHRG_AMT"),
    "CCLF7": ("CLM_LINE_BENE_PMT_AMT", "CLM_LINE_SRVC_UNIT_QTY"),
}


def _scale(values: Column, factor: FloatArray) -> Array:
    arr = np.asarray(values)
    if arr.ndim == 0:
        arr = np.full(factor.shape[0], int(arr))
    return np.where(arr == NOAMT, NOAMT, np.rint(arr * factor)).astype(np.int64)


Column = Any


CCLFA_SWITCHES = switch_fields("CCLFA")
CCLFB_SWITCHES = switch_fields("CCLFB")


@dataclass
class _Codes:
    """The Benefit Enhancement switches and capitation reduction of a file set's original records:
    ``file`` CCLFA (per CCLF1 claim, ``key`` ``_claim``) or CCLFB (per CCLF5 line, ``key``
    ``_line``). :meth:`table` derives the rows of whichever versions of those records a package
    carries, so a row always follows its claim version (its CUR_CLM_UNIQ_ID, MBI and amounts)."""

    file: str
    key: str
    switches: dict[str, BoolArray]  # field -> per original record
    share: FloatArray | None = None  # CCLFB: capitation reduction per unit of the paid amount

    def table(self, head: Table) -> Table:
        """The rows for the records of ``head`` that carry a switch or a reduction."""
        k = np.asarray(head[self.key])
        has = np.zeros(k.shape[0], dtype=bool)
        for on in self.switches.values():
            has |= on[k]
        if self.share is not None:
            has |= self.share[k] > 0
        rows = np.flatnonzero(has)
        t = head.take(rows)
        k = k[rows]
        part_b = self.file == "CCLFB"
        cols: dict[str, Any] = {"CUR_CLM_UNIQ_ID": t["CUR_CLM_UNIQ_ID"]}
        if part_b:
            cols["CLM_LINE_NUM"] = t["CLM_LINE_NUM"]
        cols["BENE_MBI_ID"] = t["BENE_MBI_ID"]
        cols["CLM_TYPE_CD"] = t["CLM_TYPE_CD"]
        if not part_b:
            cols["CLM_ACTV_CARE_FROM_DT"] = t["CLM_FROM_DT"]
        for name in CCLFB_SWITCHES if part_b else CCLFA_SWITCHES:
            switch = self.switches.get(name)
            cols[name] = b"" if switch is None else np.where(switch[k], b"Y", b"").astype("S1")
        if part_b:
            # the version's paid amount (scaled by an adjustment, negated by a cancellation)
            paid = np.asarray(t["CLM_LINE_CVRD_PD_AMT"], dtype=np.int64)
            share = self.share[k] if self.share is not None else np.zeros(rows.shape[0])
            reduction = (np.sign(paid) * np.rint(np.abs(paid) * share)).astype(np.int64)
            cols["CLM_PBP_INCLSN_AMT"] = np.where(reduction != 0, paid + reduction, NOAMT)
            cols["CLM_PBP_RDCTN_AMT"] = np.where(reduction != 0, reduction, NOAMT)
        return Table(int(rows.shape[0]), cols)


@dataclass
class _FileSet:
    """A claim file's records with the files that follow it by CUR_CLM_UNIQ_ID (CCLF1 → 2, 3, 4),
    and the Benefit Enhancement codes derived from them (CCLF1 → CCLFA, CCLF5 → CCLFB)."""

    head: Table
    followers: dict[str, Table]
    head_file: str
    codes: _Codes | None = None


def _new_version(
    chunk: _Chunk,
    fs: _FileSet,
    rows: IntArray,
    family: str,
    adj_type: bytes,
    eff: IntArray,
    load: IntArray,
    factor: FloatArray,
    runout: bool = False,
) -> _FileSet:
    """New versions of the claims ``rows`` (claim indices, in ``_claim`` terms) of ``fs``.

    ``eff``/``load``/``factor`` are per selected claim. Amounts are scaled by ``factor`` for an
    adjustment and negated for a cancellation.
    """
    head = fs.head
    claim_col = np.asarray(head["_claim"])
    position = np.full(int(claim_col.max(initial=-1)) + 1, -1, dtype=np.int64)
    position[rows] = np.arange(rows.shape[0])
    pos = np.where(claim_col < position.shape[0], position[np.minimum(claim_col, position.shape[0] - 1)], -1)
    sel = np.flatnonzero(pos >= 0)
    new_ids = chunk.new_ids(family, rows.shape[0], runout=runout)
    sign = -1.0 if adj_type == b"1" else 1.0

    def versioned(t: Table, file: str, p: IntArray) -> Table:
        out = t.take(np.flatnonzero(p >= 0))
        q = p[p >= 0]
        out["CUR_CLM_UNIQ_ID"] = new_ids[q]
        for name in AMOUNTS[file]:
            if name in out:
                out[name] = _scale(out[name], factor[q] * sign)
        return out

    new_head = versioned(head, fs.head_file, pos)
    q = pos[sel]
    new_head["CLM_ADJSMT_TYPE_CD"] = adj_type
    new_head["CLM_EFCTV_DT"] = eff[q]
    new_head["CLM_IDR_LD_DT"] = load[q]
    if fs.head_file == "CCLF1":
        own = _num(head["CLM_CNTL_NUM"])[sel]
        org = _num(head["CLM_ORG_CNTL_NUM"])[sel]
        new_head["CLM_ORG_CNTL_NUM"] = Num(np.where(org >= 0, org, own), 14)
        new_head["CLM_CNTL_NUM"] = Num((new_ids[q] * 6007 + 29) % 10**14, 14)
    if fs.head_file in ("CCLF5", "CCLF6"):
        new_head["CLM_DISP_CD"] = b"03" if adj_type == b"1" else b"02"
    followers = {}
    for file, t in fs.followers.items():
        fc = np.asarray(t["_claim"])
        fpos = np.where(fc < position.shape[0], position[np.minimum(fc, position.shape[0] - 1)], -1)
        followers[file] = versioned(t, file, fpos)
    return _FileSet(new_head, followers, fs.head_file, fs.codes)


def _num(col: Any) -> IntArray:
    if not isinstance(col, Num):
        raise TypeError("expected a Num column")
    return col.values


def _lag(rng: np.random.Generator, after: IntArray, lo: int, hi: int, cap: int) -> tuple[IntArray, IntArray]:
    eff = np.minimum(after + rng.integers(lo, hi, after.shape[0]), cap - 1)
    return eff, np.minimum(eff + rng.integers(1, 4, after.shape[0]), cap)


def _claim_values(fs: _FileSet, name: str, n_claims: int) -> IntArray:
    """A per-claim value of a head column (from each claim's first row)."""
    claim = np.asarray(fs.head["_claim"])
    values = np.asarray(fs.head[name])
    out = np.zeros(n_claims, dtype=np.int64)
    out[claim[::-1]] = values[::-1] if values.ndim else values
    return out


def _with_versions(
    chunk: _Chunk, fs: _FileSet, family: str, n_claims: int, protect: BoolArray
) -> tuple[list[_FileSet], BoolArray]:
    """The original records followed by adjustments and cancellations (main package), and which
    claims got a later version."""
    r = chunk.rng
    plan = chunk.plan_versions(n_claims, protect)
    cap = chunk.cal.cut
    eff0 = _claim_values(fs, "CLM_EFCTV_DT", n_claims)
    out = [fs]
    # step 1: a first adjustment, or a cancellation of the original
    rows = np.flatnonzero(plan.adj1 | (plan.cancel & ~plan.adj1))
    is_adj = plan.adj1[rows]
    eff1, load1 = _lag(r, eff0[rows], 7, 75, cap)
    factor = np.where(is_adj, r.uniform(0.85, 1.15, rows.shape[0]), 1.0)
    for adj_type, mask in ((b"2", is_adj), (b"1", ~is_adj)):
        sub = rows[mask]
        if sub.size:
            out.append(_new_version(chunk, fs, sub, family, adj_type, eff1[mask], load1[mask], factor[mask]))
    # step 2: a second adjustment, or a cancellation of the adjustment
    base = out[1] if len(out) > 1 and out[1].head["CLM_ADJSMT_TYPE_CD"] == b"2" else None
    if base is not None:
        eff1_by_claim = np.zeros(n_claims, dtype=np.int64)
        eff1_by_claim[rows[is_adj]] = eff1[is_adj]
        for adj_type, mask in ((b"2", plan.adj2), (b"1", plan.adj1 & plan.cancel)):
            sub = np.flatnonzero(mask)
            if sub.size:
                eff2, load2 = _lag(r, eff1_by_claim[sub], 7, 75, cap)
                factor2 = r.uniform(0.9, 1.1, sub.size) if adj_type == b"2" else np.ones(sub.size)
                out.append(_new_version(chunk, base, sub, family, adj_type, eff2, load2, factor2))
    return out, plan.adj1 | plan.cancel


def _runout(
    chunk: _Chunk, rng: np.random.Generator, fs: _FileSet, family: str, n_claims: int, protect: BoolArray
) -> list[_FileSet]:
    """Run-out records for late-PY claims: identical repeats, later adjustments, cancellations."""
    cal = chunk.cal
    late = _claim_values(fs, "CLM_EFCTV_DT", n_claims) >= cal.cut - 200
    pick = late & ~protect & (rng.random(n_claims) < 0.05)
    what = _choice(rng, [0.45, 0.35, 0.2], n_claims)
    out: list[_FileSet] = []
    repeat = np.flatnonzero(pick & (what == 0))
    if repeat.size:
        position = np.zeros(n_claims, dtype=bool)
        position[repeat] = True
        head = fs.head.take(position[np.asarray(fs.head["_claim"])])
        followers = {f: t.take(position[np.asarray(t["_claim"])]) for f, t in fs.followers.items()}
        out.append(_FileSet(head, followers, fs.head_file, fs.codes))
    for code, adj_type in ((1, b"2"), (2, b"1")):
        rows = np.flatnonzero(pick & (what == code))
        if rows.size:
            eff = cal.cut + rng.integers(1, cal.runout_cut - cal.cut - 5, rows.size)
            load = eff + rng.integers(1, 4, rows.size)
            factor = rng.uniform(0.85, 1.15, rows.size) if adj_type == b"2" else np.ones(rows.size)
            out.append(_new_version(chunk, fs, rows, family, adj_type, eff, load, factor, runout=True))
    return out


# ---------------------------------------------------------------------------------------------
# Running a chunk
# ---------------------------------------------------------------------------------------------


def _render_sets(sets: list[_FileSet], into: dict[str, list[Table]]) -> None:
    for fs in sets:
        into.setdefault(fs.head_file, []).append(fs.head)
        for file, t in fs.followers.items():
            into.setdefault(file, []).append(t)
        if fs.codes is not None:
            into.setdefault(fs.codes.file, []).append(fs.codes.table(fs.head))


def _bytes(tables: dict[str, list[Table]]) -> tuple[dict[str, bytes], dict[str, int]]:
    data: dict[str, bytes] = {}
    counts: dict[str, int] = {}
    for file, parts in tables.items():
        whole = Table.concat(parts)
        t = Table(whole.n, {k: v for k, v in whole.cols.items() if not k.startswith("_")})
        buf = render(layout(file), t)
        data[file] = buf.tobytes()
        counts[file] = t.n
    return data, counts


def run_chunk(opts: Options, world: gw.World, cal: Calendar, chunk_no: int) -> ChunkOut:
    ch = _Chunk(opts, world, cal, chunk_no)
    ch.beneficiaries()
    a = ch.part_a()
    b_claims, b_lines = ch.part_b()
    d_claims, d_lines = ch.dme()
    rx = ch.part_d()
    hdr, rev, proc, diag = ch.part_a_tables(a)
    cclf5 = ch.part_b_table(b_claims, b_lines)
    cclf6 = ch.dme_table(d_claims, d_lines)
    cclf7 = ch.part_d_table(rx)
    bene, xref = ch.beneficiary_tables()
    a_set = _FileSet(hdr, {"CCLF2": rev, "CCLF3": proc, "CCLF4": diag}, "CCLF1", ch.part_a_codes(a.hdr))
    sets = {
        "A": (a_set, hdr.n, np.zeros(hdr.n, dtype=bool)),
        "B": (
            _FileSet(cclf5, {}, "CCLF5", ch.part_b_codes(cclf5)),
            b_claims["bene"].shape[0],
            _per_claim(cclf5, b_claims["bene"].shape[0]),
        ),
        "DME": (
            _FileSet(cclf6, {}, "CCLF6"),
            d_claims["bene"].shape[0],
            np.zeros(d_claims["bene"].shape[0], dtype=bool),
        ),
        "D": (_FileSet(cclf7, {}, "CCLF7"), cclf7.n, np.zeros(cclf7.n, dtype=bool)),
    }
    main: dict[str, list[Table]] = {}
    touched: dict[str, BoolArray] = {}
    for family, (fs, n_claims, protect) in sets.items():
        versions, touched[family] = _with_versions(ch, fs, family, n_claims, protect)
        _render_sets(versions, main)
    # Post-discharge home visits (a Benefit Enhancement's claims) come last, from their own stream:
    # the records above are the same with or without them.
    with ch.drawing_from(_rng(opts.seed, chunk_no + 1, 4)):
        hv_claims, hv_lines = ch.post_discharge_home_visits()
        n_hv = int(hv_claims["bene"].shape[0])
        if n_hv:
            hv = ch.part_b_table(hv_claims, hv_lines, family="BHV")
            sets["BHV"] = (_FileSet(hv, {}, "CCLF5", ch.part_b_codes(hv)), n_hv, np.zeros(n_hv, dtype=bool))
            versions, touched["BHV"] = _with_versions(ch, sets["BHV"][0], "BHV", n_hv, sets["BHV"][2])
            _render_sets(versions, main)
    main["CCLF8"] = [bene]
    main["CCLF9"] = [xref]
    main_bytes, main_counts = _bytes(main)
    runout_bytes: dict[str, bytes] = {}
    runout_counts: dict[str, int] = {}
    if opts.runout:
        rr = _rng(opts.seed, chunk_no + 1, 2)
        ro: dict[str, list[Table]] = {f: [] for f in RUNOUT_FILES}
        for family, (fs, n_claims, protect) in sets.items():
            _render_sets(_runout(ch, rr, fs, family, n_claims, protect | touched[family]), ro)
        runout_bytes, runout_counts = _bytes({f: p for f, p in ro.items() if any(t.n for t in p)})
    sample = main_bytes.get("CCLF5", b"").split(b"\n", 1)[0] if chunk_no == 0 else b""
    return ChunkOut(main_bytes, runout_bytes, main_counts, runout_counts, _voluntary(ch), sample)


def _per_claim(t: Table, n_claims: int) -> BoolArray:
    out = np.zeros(n_claims, dtype=bool)
    out[np.asarray(t["_claim"])[np.asarray(t["_protect"])]] = True
    return out


# ---------------------------------------------------------------------------------------------
# Voluntary alignments
# ---------------------------------------------------------------------------------------------

# The last world's tables. Held by a weak reference to the world itself, never by ``id(world)``: a
# later world can be allocated where a collected one was and would be handed that world's tables.
_VOL_CACHE: list[tuple[weakref.ref[gw.World], dict[tuple[int, int], list[int]], dict[int, list[int]]]] = []


def _vol_tables(world: gw.World) -> tuple[dict[tuple[int, int], list[int]], dict[int, list[int]]]:
    """Per (ACO, market) its primary-care participant practices; per market the independent ones."""
    if _VOL_CACHE and _VOL_CACHE[0][0]() is world:
        return _VOL_CACHE[0][1], _VOL_CACHE[0][2]
    has_npi = np.bincount(world.n_practice, minlength=world.p_tin.shape[0]) > 0
    primary = np.isin(world.p_kind, (gw.PCP, gw.MULTI, gw.RHC, gw.FQHC)) & has_npi
    part: dict[tuple[int, int], list[int]] = {}
    indep: dict[int, list[int]] = {}
    for p in np.flatnonzero(primary):
        m, a = int(world.p_market[p]), int(world.p_aco[p])
        if a >= 0:
            part.setdefault((a, m), []).append(int(p))
        elif world.p_kind[p] == gw.PCP:
            indep.setdefault(m, []).append(int(p))
    _VOL_CACHE[:] = [(weakref.ref(world), part, indep)]
    return part, indep


def _iso(n: int) -> str:
    return (gw_epoch + datetime.timedelta(days=int(n))).isoformat()


gw_epoch = datetime.date(1970, 1, 1)


def _voluntary(ch: _Chunk) -> list[list[str]]:
    """About 3% of beneficiaries designate a clinician: mostly valid ones before 31 Oct PY-1, some
    signed later (valid only for Hybrid ACOs, from the next month), some naming a TIN no ACO lists,
    some with an older, superseded designation and some under an MBI that was later replaced."""
    w, cal = ch.w, ch.cal
    r = _rng(ch.o.seed, ch.chunk_no + 1, 3)
    part, indep = _vol_tables(w)
    clin_by_practice: dict[int, IntArray] = {}
    rows: list[list[str]] = []
    chosen = np.flatnonzero((r.random(ch.n) < 0.03) | (ch.vol_force > 0))
    for chosen_b in chosen:
        b = int(chosen_b)
        m = int(ch.market[b])
        acos = [a for a, aco in enumerate(w.acos) if m in aco.markets]
        aco = acos[int(r.integers(len(acos)))]
        late = ch.vol_force[b] == 1 or (ch.vol_force[b] == 0 and r.random() < 0.2)
        nonpart = ch.vol_force[b] == 2 or (ch.vol_force[b] == 0 and r.random() < 0.12)
        home_p = int(w.u_practice[ch.home[b]]) if ch.home[b] >= 0 else -1
        if nonpart and indep.get(m):
            choices = indep[m]
            practice = choices[int(r.integers(len(choices)))]
        elif home_p >= 0 and w.p_aco[home_p] >= 0 and r.random() < 0.7:
            practice = home_p
            aco = int(w.p_aco[home_p])
        else:
            choices = part.get((aco, m)) or [p for (a, _), ps in part.items() if a == aco for p in ps]
            practice = choices[int(r.integers(len(choices)))]
        if practice not in clin_by_practice:
            clin_by_practice[practice] = np.flatnonzero(w.n_practice == practice)
        clinicians = clin_by_practice[practice]
        npi = int(w.n_npi[clinicians[int(r.integers(len(clinicians)))]])
        if late:
            signed = cal.vol_deadline + 1 + int(r.integers(0, 330))
        else:
            signed = day(datetime.date(cal.py - 2, 1, 1)) + int(
                r.integers(0, cal.vol_deadline - day(datetime.date(cal.py - 2, 1, 1)))
            )
        mbi = ch.mbi[b]
        if ch.hops[b] > 0 and r.random() < 0.3:
            mbi = ch.mbi_hist[b, 0]
        channel = "medicare_gov" if r.random() < 0.85 else "sva_form"
        rows.append(
            [mbi.decode(), w.acos[aco].aco_id, f"{w.p_tin[practice]:09d}", f"{npi:010d}", _iso(signed), channel]
        )
        if r.random() < 0.1 and part.get((aco, m)):
            older = part[(aco, m)][int(r.integers(len(part[(aco, m)])))]
            clin = np.flatnonzero(w.n_practice == older)
            npi2 = int(w.n_npi[clin[int(r.integers(len(clin)))]])
            rows.append(
                [
                    ch.mbi[b].decode(),
                    w.acos[aco].aco_id,
                    f"{w.p_tin[older]:09d}",
                    f"{npi2:010d}",
                    _iso(signed - int(r.integers(200, 600))),
                    "medicare_gov",
                ]
            )
    return rows


# ---------------------------------------------------------------------------------------------
# The whole bundle
# ---------------------------------------------------------------------------------------------

_JOB: tuple[Options, gw.World, Calendar] | None = None
_SPOOL: Path | None = None


def _job(chunk_no: int) -> ChunkOut:
    """A chunk in a worker process: its records go to spool files next to the output (cheaper to
    hand over than pickled bytes); the parent appends them to the real files and removes them."""
    if _JOB is None or _SPOOL is None:
        raise RuntimeError("worker started without a job")
    out = run_chunk(*_JOB, chunk_no)
    spool = _SPOOL
    for package, data in (("main", out.main), ("runout", out.runout)):
        for file_type, payload in list(data.items()):
            path = spool / f"{chunk_no:06d}.{package}.{file_type}"
            path.write_bytes(payload)
            data[file_type] = str(path).encode()
        out.spooled = True
    return out


def _append(fh: Any, payload: bytes, spooled: bool) -> None:
    if not spooled:
        fh.write(payload)
        return
    path = Path(payload.decode())
    fh.flush()
    with open(path, "rb") as src:
        size = os.fstat(src.fileno()).st_size
        offset = 0
        try:  # a kernel-side copy where the platform has one
            while offset < size:
                sent = os.sendfile(fh.fileno(), src.fileno(), offset, size - offset)
                if sent == 0:
                    break
                offset += sent
        except (AttributeError, OSError):
            pass
        if offset < size:
            src.seek(offset)
            fh.seek(0, os.SEEK_END)
            shutil.copyfileobj(src, fh, 16 * 1024 * 1024)
    path.unlink()


def _chunks(opts: Options, world: gw.World, cal: Calendar) -> Iterator[ChunkOut]:
    global _JOB, _SPOOL
    n_chunks = (opts.beneficiaries + CHUNK - 1) // CHUNK
    if opts.workers <= 1 or n_chunks <= 1:
        for c in range(n_chunks):
            yield run_chunk(opts, world, cal, c)
        return
    _JOB = (opts, world, cal)
    spool = Path(tempfile.mkdtemp(prefix="cclf-spool-", dir=SHM if SHM.is_dir() else opts.out))
    _SPOOL = spool
    try:
        ctx = multiprocessing.get_context("fork")
        with ctx.Pool(min(opts.workers, n_chunks)) as pool:
            yield from pool.imap(_job, range(n_chunks), chunksize=1)
    finally:
        _JOB = _SPOOL = None
        shutil.rmtree(spool, ignore_errors=True)


def _write_csv(path: Path, data: bytes) -> None:
    path.write_bytes(data)


def generate(opts: Options, progress: Callable[[int, int], None] | None = None) -> Summary:
    """Write the bundle into ``opts.out``; returns the file names and record counts."""
    if not 1 <= opts.beneficiaries <= CHUNK * 90_000:
        raise ValueError(f"between 1 and {CHUNK * 90_000} beneficiaries")
    started = time.monotonic()
    out = Path(opts.out)
    out.mkdir(parents=True, exist_ok=True)
    cal = Calendar.of(opts.performance_year)
    world = gw.build_world(
        _rng(opts.seed, 0),
        beneficiaries=opts.beneficiaries,
        n_acos=opts.acos,
        performance_year=opts.performance_year,
        salt=int(_rng(opts.seed, 0, 9).integers(0, 2**40)),
    )
    # The Preferred Providers are chosen before the claims (capitated ones' lines carry
    # reductions), from the stream that then draws the quality submissions.
    lists_rng = _rng(opts.seed, 0, 5)
    gw.assign_preferred(world, lists_rng)
    main_names = {f: file_name(f, cal.py, cal.produced) for f in ("CCLF0", *DATA_FILES)}
    runout_names = {f: file_name(f, cal.py, cal.runout_produced, runout=True) for f in ("CCLF0", *DATA_FILES)}
    counts = {f: 0 for f in DATA_FILES}
    ro_counts = {f: 0 for f in RUNOUT_FILES}
    voluntary: list[list[str]] = []
    sample = b""
    n_chunks = (opts.beneficiaries + CHUNK - 1) // CHUNK
    handles = {f: open(out / main_names[f], "wb") for f in DATA_FILES}  # noqa: SIM115
    ro_handles = {f: open(out / runout_names[f], "wb") for f in RUNOUT_FILES} if opts.runout else {}  # noqa: SIM115
    try:
        for i, chunk in enumerate(_chunks(opts, world, cal)):
            for f, data in chunk.main.items():
                _append(handles[f], data, chunk.spooled)
                counts[f] += chunk.main_counts[f]
            for f, data in chunk.runout.items():
                _append(ro_handles[f], data, chunk.spooled)
                ro_counts[f] += chunk.runout_counts[f]
            voluntary.extend(chunk.voluntary)
            if chunk.cclf5_sample:
                sample = chunk.cclf5_sample
            if progress:
                progress(i + 1, n_chunks)
        if opts.with_errors and sample:
            handles["CCLF5"].write(malformed_cclf5(sample, cal.py))
            counts["CCLF5"] += 2
    finally:
        for fh in [*handles.values(), *ro_handles.values()]:
            fh.close()
    (out / main_names["CCLF0"]).write_bytes(format_cclf0(counts).encode("ascii"))
    files = [main_names[f] for f in ("CCLF0", *DATA_FILES)]
    if opts.runout:
        for f in ("CCLF8", "CCLF9"):
            shutil.copyfile(out / main_names[f], out / runout_names[f])
        ro_all = {**ro_counts, "CCLF8": counts["CCLF8"], "CCLF9": counts["CCLF9"]}
        (out / runout_names["CCLF0"]).write_bytes(format_cclf0(ro_all).encode("ascii"))
        files += [runout_names[f] for f in ("CCLF0", *DATA_FILES)]
        ro_counts = ro_all
    _write_csv(out / "acos.csv", gw.acos_csv(world))
    _write_csv(out / "participants.csv", gw.participants_csv(world))
    _write_csv(out / "preferred_providers.csv", gw.preferred_csv(world))
    _write_csv(out / "quality_submissions.csv", gw.quality_csv(world, lists_rng, opts.beneficiaries))
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(["mbi", "aco_id", "tin", "npi", "signed_date", "channel"])
    writer.writerows(voluntary)
    _write_csv(out / "voluntary_alignments.csv", buf.getvalue().encode("utf-8"))
    files += [
        "acos.csv",
        "participants.csv",
        "preferred_providers.csv",
        "voluntary_alignments.csv",
        "quality_submissions.csv",
    ]
    return Summary(files, counts, ro_counts if opts.runout else {}, time.monotonic() - started, opts.beneficiaries)


def malformed_cclf5(sample: bytes, py: int) -> bytes:
    """The two bad CCLF5 records --with-errors appends (the last two lines of CCLF5): a record one
    character too long (a short one would be read as a record whose trailing blanks were
    stripped, which real files have and a reader pads back), then a record whose
    CLM_LINE_FROM_DT is ``PY-02-30``."""
    long = sample + b"X"
    f = layout("CCLF5").field("CLM_LINE_FROM_DT")
    bad = bytearray(sample)
    bad[f.start - 1 : f.end] = f"{py}-02-30".encode()
    return long + b"\n" + bytes(bad) + b"\n"


def default_workers() -> int:
    return max(1, min(2, os.cpu_count() or 1))
