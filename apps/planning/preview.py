"""Alignment preview: what a change of one ACO's lists (or of its alignment approach) would do to alignment
for a performance year, before it is filed (issue 22).

The rule is the alignment engine's own (`apps.alignment.engine.align`, not a copy), re-run only for the
beneficiaries the change can affect, with the scenario's entities, against the latest successful alignment
run of the PY; the result is compared with that run's stored rows.

**The scenario's entities.** The baseline is the entities the run is built from (as
`apps.alignment.services` builds them: every Participant TIN of the PY and the CCNs those TINs list; for a
mid-year run, the start-of-year lists as the base and the lists as of the run's date for the Hybrid
additions). The changes apply to the ACO's lists (to both maps for a mid-year run: the scenario's lists
stand for the whole year):
- a TIN removed leaves the ACO, with the CCNs it listed (unless another of the ACO's remaining TINs lists
  them too);
- a TIN added joins the ACO. In LEAD a TIN participates in one ACO only, so a TIN that is another ACO's
  today moves, with the CCNs its row lists: *the other ACO would lose it*; its beneficiaries' fate there
  shows only as counts for that ACO. A TIN that is no one's joins without CCNs;
- a CCN added is mapped to the ACO (taken from another ACO if it has it), a CCN removed leaves the ACO;
- a changed alignment approach adds the ACO to, or takes it out of, the Hybrid ACOs of the mid-year run. A
  prospective run has no mid-year additions, so there the approach changes nothing (said on the preview).

**Who can be affected, exactly.** Let K be the TINs and CCNs whose ACO differs between the baseline and
the scenario maps (base or mid-year), computed by comparing the maps, not from the request: a removed TIN's
CCNs are in K, a TIN "added" that the ACO already has is not. When the ACO's Hybrid membership changes and
the run is a mid-year one, K also takes every TIN and CCN mapped to the ACO in any of the maps. The engine
decides each beneficiary from that beneficiary's rows alone (rules 1–10; that is why runs in parts equal the
run in one piece), through the entity of each unit the beneficiary has a line at and the ACO of each TIN the
beneficiary's voluntary records designate. For a beneficiary with no qualifying line at a unit of K and no
voluntary record designating a TIN of K:
- every line falls in the same entity in both maps, so the entity sums, the ranking (entity keys are ACO ids
  or unit keys, unchanged), the winning step, the aligning unit and NPI and the explanation are the same;
- every voluntary record designates a TIN with the same ACO (or none), so the same record is valid and wins;
- in the mid-year run, the base is the same (above), the claims re-run is the same, and whether its winner
  is a Hybrid ACO is the same: the Hybrid set only changes by this ACO, and the winner can only be this ACO
  through a unit of K (all the ACO's units are in K in that case); the same for voluntary additions.
So the beneficiary's result is identical in both worlds. The affected beneficiaries are therefore those
with a candidate service line at a unit of K (any date: the engine itself ignores lines outside the
alignment years) or a voluntary record designating a TIN of K; those aligned in the run through a unit of
K are added as well (with the run's own inputs they already are; after claims changed they keep the
comparison honest). "Everyone aligned to this ACO whose alignment could change" is exactly the part of
this set aligned to it: someone aligned to the ACO with no line and no record at a unit of K keeps the
same result. Because the engine's result for a beneficiary depends on that beneficiary's rows only, running
it on the affected beneficiaries alone gives, for them, what a full run would (the tests check this against
a full run on generated data).

**Reading the inputs.** The run's own inputs, as the run kept them (``apps.alignment.snapshot``): the
affected beneficiaries are found and cut out of them with numpy, so the preview answers from exactly what
the run read. A run without kept inputs (from before they were kept, or whose text was not all ASCII) is
previewed from the database instead: the MBIs with a candidate line at a unit of K (the alignment inputs'
own Part B and RHC/FQHC reads, filtered in SQL by TIN and CCN, the MBI column only), those whose voluntary
record designates a TIN of K, then those beneficiaries' inputs (the same reads, filtered by MBI); both
ways add those the run aligned through a unit of K and read this ACO's totals as one aggregate. No
per-beneficiary ORM, no Python loop over lines.

**Privacy.** The preview is the ACO's: it lists by MBI only beneficiaries aligned to this ACO in the run
(those it would lose or who change within it) and beneficiaries aligned to no ACO in the run (those it would
gain from nobody). A beneficiary aligned to another ACO in the run is never listed: gains from another ACO,
losses to one, and every change of another ACO's population are counts keyed by ACO id. A lost
beneficiary's "after" names no other ACO and none of its TINs.
"""

from __future__ import annotations

import dataclasses
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, TypedDict, Unpack

import numpy as np
import numpy.typing as npt

from apps.alignment import engine, runs

Array = npt.NDArray[Any]

NOT_ASSESSED = "not_assessed"  # the cohort of a beneficiary the run aligned to no ACO (never assessed)
PROSPECTIVE = "prospective"
HYBRID = "hybrid"


# ---------------------------------------------------------------------------------------------------
# The scenario
# ---------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Changes:
    """A scenario's changes to one ACO's lists for a PY. ``alignment_approach``: "prospective" or "hybrid"
    to change the election, None to keep it."""

    add_tins: frozenset[str] = frozenset()
    remove_tins: frozenset[str] = frozenset()
    add_ccns: frozenset[str] = frozenset()
    remove_ccns: frozenset[str] = frozenset()
    alignment_approach: str | None = None

    def __post_init__(self) -> None:
        for name in ("add_tins", "remove_tins", "add_ccns", "remove_ccns"):
            values = frozenset(str(v).strip() for v in getattr(self, name))
            if "" in values:
                raise ValueError(f"{name}: a blank TIN or CCN")
            object.__setattr__(self, name, values)
        if self.add_tins & self.remove_tins:
            raise ValueError(f"TINs both added and removed: {', '.join(sorted(self.add_tins & self.remove_tins))}")
        if self.add_ccns & self.remove_ccns:
            raise ValueError(f"CCNs both added and removed: {', '.join(sorted(self.add_ccns & self.remove_ccns))}")
        if self.alignment_approach not in (None, PROSPECTIVE, HYBRID):
            raise ValueError(f"unknown alignment approach {self.alignment_approach!r}")


def scenario_entities(
    entities: engine.Entities, aco_id: str, changes: Changes, tin_ccns: Mapping[str, Iterable[str]]
) -> engine.Entities:
    """The entities with ``changes`` applied to ``aco_id``'s lists (see the module's docstring).
    ``tin_ccns``: the CCNs each Participant TIN of the PY lists (its ``ParticipantTIN.ccns``)."""
    tins = dict(entities.tin_to_aco)
    ccns = dict(entities.ccn_to_aco)
    for tin in changes.remove_tins:
        if tins.get(tin) == aco_id:
            del tins[tin]
    for tin in changes.add_tins:
        if tins.get(tin) not in (None, aco_id):  # another ACO's today: it moves with the CCNs it lists
            for ccn in tin_ccns.get(tin, ()):
                ccns[ccn] = aco_id
        tins[tin] = aco_id
    # A removed TIN's CCNs leave with it, unless a TIN the ACO keeps lists them too.
    kept = {c for t, a in tins.items() if a == aco_id for c in tin_ccns.get(t, ())}
    for tin in changes.remove_tins:
        for ccn in tin_ccns.get(tin, ()):
            if ccns.get(ccn) == aco_id and ccn not in kept:
                del ccns[ccn]
    for ccn in changes.remove_ccns:
        if ccns.get(ccn) == aco_id:
            del ccns[ccn]
    for ccn in changes.add_ccns:
        ccns[ccn] = aco_id
    return engine.Entities(tins, ccns)


def _differing(before: Mapping[str, str], after: Mapping[str, str]) -> set[str]:
    return {k for k in before.keys() | after.keys() if before.get(k) != after.get(k)}


def _of_aco(maps: Iterable[Mapping[str, str]], aco_id: str) -> set[str]:
    return {k for m in maps for k, a in m.items() if a == aco_id}


# ---------------------------------------------------------------------------------------------------
# The run's stored rows, and the result
# ---------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class StoredRows:
    """The run's aligned beneficiaries (every ACO's), as columns: what the preview compares with."""

    mbi: Array
    aco_id: Array
    alignment_type: Array
    step: Array
    tin: Array
    unit_kind: Array
    cohort: Array
    high_needs: Array  # bool

    @classmethod
    def from_alignments(cls, results: Iterable[engine.Alignment], cohort: str = "aged_disabled") -> StoredRows:
        """Rows as a run would store ``results`` (one cohort for all, no High Needs): for tests and callers
        without a stored run."""
        rows = list(results)
        return cls(
            mbi=np.array([r.mbi for r in rows], dtype=object),
            aco_id=np.array([r.aco_id for r in rows], dtype=object),
            alignment_type=np.array([r.alignment_type for r in rows], dtype=object),
            step=np.array([r.step for r in rows], dtype=object),
            tin=np.array([r.tin or "" for r in rows], dtype=object),
            unit_kind=np.array([r.unit_kind or "" for r in rows], dtype=object),
            cohort=np.array([cohort] * len(rows), dtype=object),
            high_needs=np.zeros(len(rows), dtype=bool),
        )


@dataclass(frozen=True)
class Side:
    """A beneficiary's alignment on one side of the comparison, as this ACO may see it. ``here``: aligned to
    this ACO (then type, step and unit are given); ``other_aco``: aligned to another ACO (nothing else
    said); neither: aligned to no ACO."""

    here: bool
    other_aco: bool = False
    alignment_type: str = ""
    step: str = ""
    unit: str = ""  # the aligning TIN, or CCN when unit_kind == "ccn"
    unit_kind: str = ""

    @property
    def reason(self) -> str:
        if self.here:
            how = "voluntary alignment" if self.alignment_type == engine.TYPE_VOLUNTARY else f"step {self.step}"
            return f"{how} through {self.unit_kind.upper()} {self.unit}"
        if self.other_aco:
            return "aligned to another ACO"
        return "not aligned"


@dataclass(frozen=True)
class Move:
    """One beneficiary the ACO may see: before (the run) and after (the scenario)."""

    mbi: str
    before: Side
    after: Side
    cohort: str  # from the run's row; NOT_ASSESSED when the run aligned them to no ACO
    high_needs: bool


@dataclass(frozen=True)
class Totals:
    aligned: int
    claims_aligned: int
    high_needs: int

    @property
    def high_needs_share(self) -> float:
        return self.high_needs / self.aligned if self.aligned else 0.0


@dataclass(frozen=True)
class OtherACO:
    gains: int = 0
    losses: int = 0


@dataclass(frozen=True)
class Preview:
    performance_year: int
    aco_id: str
    run_id: int | None
    run_is_midyear: bool
    approach_changes_nothing: bool  # an approach change on a prospective run (no mid-year additions)
    # K: the TINs and CCNs whose ACO differs in the scenario (this ACO's own, or ones it would take).
    changed_tins: tuple[str, ...]
    changed_ccns: tuple[str, ...]
    affected: int  # beneficiaries re-run
    gained: tuple[Move, ...]  # listed: gains from no ACO
    lost: tuple[Move, ...]  # every loss (the run aligned them to this ACO)
    changed: tuple[Move, ...]  # stay with this ACO, aligned another way (type, step or unit)
    gained_count: int  # every gain, including those from other ACOs (counted, not listed)
    lost_count: int
    gained_from: dict[str, int]  # other ACO id → beneficiaries this ACO would take from it
    lost_to: dict[str, int]  # other ACO id → beneficiaries it would take from this ACO
    other_acos: dict[str, OtherACO]  # every other ACO whose population changes, counts only
    gained_by_cohort: dict[str, int]
    lost_by_cohort: dict[str, int]
    before: Totals
    after: Totals  # High Needs after counts a gain the run never assessed as not High Needs
    gained_not_assessed: int  # gains whose cohort and High Needs the run never assessed
    drift: int  # affected beneficiaries whose result with today's inputs and lists differs from the run's
    seconds: dict[str, float] = field(default_factory=dict)

    def mbis(self) -> set[str]:
        return {m.mbi for m in (*self.gained, *self.lost, *self.changed)}


# ---------------------------------------------------------------------------------------------------
# The computation (no database)
# ---------------------------------------------------------------------------------------------------
def _strip(values: Any) -> Array:
    arr = np.asarray(values)
    if arr.dtype.kind != "U":
        arr = arr.astype(str)
    return np.char.strip(arr)


def _column(values: Any) -> Array:
    """A text column to match against: as it is when it holds bytes (the run's kept inputs: exact, and
    a million lines are not converted), else as trimmed text."""
    arr = np.asarray(values)
    return arr if arr.dtype.kind == "S" else _strip(arr)


def _like(values: Any, column: Array) -> Array:
    """``values`` (text) in ``column``'s kind: bytes for a bytes column."""
    out = np.array(sorted(str(v) for v in values), dtype=str)
    return np.char.encode(out, "ascii") if column.dtype.kind == "S" and out.size else out


def affected_mbis(
    services: engine.Services,
    voluntary: engine.Voluntary | None,
    stored: StoredRows,
    tins: set[str],
    ccns: set[str],
) -> Array:
    """Sorted unique MBIs (text) with a line at a TIN (Part B) or CCN (RHC/FQHC) of ``tins``/``ccns``, a
    voluntary record designating one of ``tins``, or a stored row aligned through one of them."""
    kind, tin, ccn = _column(services.kind), _column(services.tin), _column(services.ccn)
    hit = ((kind == _like(["B"], kind)[0]) & np.isin(tin, _like(tins, tin))) | (
        (kind == _like(["R"], kind)[0]) & np.isin(ccn, _like(ccns, ccn))
    )
    parts = [np.asarray(services.mbi)[hit]]
    if voluntary is not None and np.asarray(voluntary.mbi).size:
        designated = _column(voluntary.tin)
        parts.append(np.asarray(voluntary.mbi)[np.isin(designated, _like(tins, designated))])
    units = np.array(sorted(tins | ccns), dtype=object)
    parts.append(stored.mbi[np.isin(stored.tin, units)])
    return np.unique(np.concatenate([_strip(p.astype(str) if p.dtype.kind != "S" else p.astype("U")) for p in parts]))


def _subset(
    beneficiaries: engine.Beneficiaries,
    services: engine.Services,
    voluntary: engine.Voluntary | None,
    mbis: Array,
) -> tuple[engine.Beneficiaries, engine.Services, engine.Voluntary | None]:
    """The inputs of ``mbis`` only (boolean masks: no per-row Python); bytes columns (the run's kept inputs)
    come out as text."""

    def cut(obj: Any, mask: Array) -> Any:
        columns = {}
        for f in dataclasses.fields(obj):
            column = np.asarray(getattr(obj, f.name))[mask]
            columns[f.name] = column.astype(f"U{max(column.dtype.itemsize, 1)}") if column.dtype.kind == "S" else column
        return type(obj)(**columns)

    def among(values: Any) -> Array:
        column = _column(values)
        return np.isin(column, _like(mbis.tolist(), column))

    b = cut(beneficiaries, among(beneficiaries.mbi))
    s = cut(services, among(services.mbi))
    v = None if voluntary is None else cut(voluntary, among(voluntary.mbi))
    return b, s, v


def _side(result: engine.Alignment | None, aco_id: str) -> Side:
    if result is None:
        return Side(here=False)
    if result.aco_id != aco_id:
        return Side(here=False, other_aco=True)
    return Side(
        here=True,
        alignment_type=result.alignment_type,
        step=result.step,
        unit=result.tin or "",
        unit_kind=result.unit_kind or "",
    )


@dataclass(frozen=True)
class Rerun:
    """The engine re-run on the affected beneficiaries: the scenario's result (``after``) and today's
    baseline (``now``), both keyed by MBI, aligned beneficiaries only."""

    mbis: Array  # the affected beneficiaries, sorted
    tins: set[str]  # K
    ccns: set[str]
    entities: engine.Entities  # the scenario's
    midyear: engine.MidYear | None  # the scenario's
    after: dict[str, engine.Alignment]
    now: dict[str, engine.Alignment]
    approach_changes_nothing: bool
    seconds: dict[str, float]


@dataclass(frozen=True)
class ScenarioMaps:
    """The scenario's entities (and mid-year maps) and K, the TINs and CCNs whose ACO differs."""

    entities: engine.Entities
    midyear: engine.MidYear | None
    tins: set[str]
    ccns: set[str]


def scenario_maps(
    *,
    aco_id: str,
    changes: Changes,
    entities: engine.Entities,
    midyear: engine.MidYear | None,
    tin_ccns: Mapping[str, Iterable[str]],
) -> ScenarioMaps:
    """The scenario's maps and K (the module's docstring)."""
    new_entities = scenario_entities(entities, aco_id, changes, tin_ccns)
    tins = _differing(entities.tin_to_aco, new_entities.tin_to_aco)
    ccns = _differing(entities.ccn_to_aco, new_entities.ccn_to_aco)
    new_midyear = midyear
    if midyear is not None:
        hybrid = set(midyear.hybrid_acos)
        if changes.alignment_approach == HYBRID:
            hybrid.add(aco_id)
        elif changes.alignment_approach == PROSPECTIVE:
            hybrid.discard(aco_id)
        mid_entities = scenario_entities(midyear.entities, aco_id, changes, tin_ccns)
        new_midyear = engine.MidYear(as_of=midyear.as_of, hybrid_acos=frozenset(hybrid), entities=mid_entities)
        tins |= _differing(midyear.entities.tin_to_aco, mid_entities.tin_to_aco)
        ccns |= _differing(midyear.entities.ccn_to_aco, mid_entities.ccn_to_aco)
        if frozenset(hybrid) != frozenset(midyear.hybrid_acos):
            every = (entities, new_entities, midyear.entities, mid_entities)
            tins |= _of_aco((e.tin_to_aco for e in every), aco_id)
            ccns |= _of_aco((e.ccn_to_aco for e in every), aco_id)
    return ScenarioMaps(new_entities, new_midyear, tins, ccns)


class RerunInputs(TypedDict):
    """What ``rerun`` and ``compare`` take: the run's inputs (``entities`` and ``midyear`` as the run builds
    them), its stored rows, and the scenario's changes for the ACO."""

    performance_year: int
    aco_id: str
    changes: Changes
    beneficiaries: engine.Beneficiaries
    services: engine.Services
    voluntary: engine.Voluntary | None
    entities: engine.Entities
    midyear: engine.MidYear | None
    tin_ccns: Mapping[str, Iterable[str]]
    stored: StoredRows


def rerun(**inputs: Unpack[RerunInputs]) -> Rerun:
    """The scenario's entities, K, the affected beneficiaries and the engine on them (module docstring)."""
    performance_year, changes, entities, midyear = (
        inputs["performance_year"], inputs["changes"], inputs["entities"], inputs["midyear"]
    )  # fmt: skip
    watch = runs.Stopwatch()
    lap, seconds = watch.lap, watch.timings

    maps = scenario_maps(
        aco_id=inputs["aco_id"], changes=changes, entities=entities, midyear=midyear, tin_ccns=inputs["tin_ccns"]
    )
    new_entities, new_midyear, tins, ccns = maps.entities, maps.midyear, maps.tins, maps.ccns
    lap("entities")

    services, voluntary = inputs["services"], inputs["voluntary"]
    mbis = affected_mbis(services, voluntary, inputs["stored"], tins, ccns)
    sub_b, sub_s, sub_v = _subset(inputs["beneficiaries"], services, voluntary, mbis)
    lap("subset")
    after = {a.mbi: a for a in engine.align(performance_year, sub_b, sub_s, new_entities, sub_v, midyear=new_midyear)}
    lap("engine")
    # Today's baseline for the same beneficiaries: only to say whether the run still holds (drift).
    now = {a.mbi: a for a in engine.align(performance_year, sub_b, sub_s, entities, sub_v, midyear=midyear)}
    lap("baseline")
    return Rerun(
        mbis=mbis,
        tins=tins,
        ccns=ccns,
        entities=new_entities,
        midyear=new_midyear,
        after=after,
        now=now,
        approach_changes_nothing=changes.alignment_approach is not None and midyear is None,
        seconds=seconds,
    )


def compare(*, run_id: int | None = None, before: Totals | None = None, **inputs: Unpack[RerunInputs]) -> Preview:
    """The preview from the run's inputs (``entities`` and ``midyear`` as the run builds them) and its
    stored rows. Pure: no database."""
    re = rerun(**inputs)
    performance_year, aco_id, stored = inputs["performance_year"], inputs["aco_id"], inputs["stored"]
    watch = runs.Stopwatch()
    mbis, after, now, tins, ccns = re.mbis, re.after, re.now, re.tins, re.ccns

    # --- the comparison ------------------------------------------------------------------------------
    in_set = np.isin(stored.mbi.astype(str), mbis)
    rows = {
        str(m): (str(a), str(t), str(s), str(u), str(k), str(c), bool(h))
        for m, a, t, s, u, k, c, h in zip(
            stored.mbi[in_set],
            stored.aco_id[in_set],
            stored.alignment_type[in_set],
            stored.step[in_set],
            stored.tin[in_set],
            stored.unit_kind[in_set],
            stored.cohort[in_set],
            stored.high_needs[in_set],
            strict=True,
        )
    }
    if before is None:  # every stored row is here: count this ACO's
        mine = stored.aco_id.astype(str) == aco_id
        before = Totals(
            aligned=int(mine.sum()),
            claims_aligned=int((mine & (stored.alignment_type.astype(str) == engine.TYPE_CLAIMS)).sum()),
            high_needs=int((mine & stored.high_needs.astype(bool)).sum()),
        )
    before_totals = before

    gained: list[Move] = []
    lost: list[Move] = []
    changed: list[Move] = []
    gained_from: Counter[str] = Counter()
    lost_to: Counter[str] = Counter()
    others: dict[str, Counter[str]] = {}
    gained_cohort: Counter[str] = Counter()
    lost_cohort: Counter[str] = Counter()
    d_claims = d_high_needs = not_assessed = drift = 0
    for mbi in mbis.tolist():  # the affected beneficiaries only, never every beneficiary
        row = rows.get(mbi)
        was = row[0] if row else ""
        res = after.get(mbi)
        will = res.aco_id if res else ""
        base = now.get(mbi)
        today = (base.aco_id, base.alignment_type, base.step, base.tin or "") if base else None
        if today != ((row[0], row[1], row[2], row[3]) if row else None):
            drift += 1
        if was != will:
            for other, key in ((was, "losses"), (will, "gains")):
                if other and other != aco_id:
                    others.setdefault(other, Counter())[key] += 1
        if row is None:
            before_side = Side(here=False)
        elif was == aco_id:
            before_side = Side(here=True, alignment_type=row[1], step=row[2], unit=row[3], unit_kind=row[4])
        else:
            before_side = Side(here=False, other_aco=True)
        cohort = row[5] if row else NOT_ASSESSED
        high_needs = row[6] if row else False
        if will == aco_id and was != aco_id:
            gained_cohort[cohort] += 1
            d_claims += res is not None and res.alignment_type == engine.TYPE_CLAIMS
            d_high_needs += high_needs
            not_assessed += row is None
            if was:  # another ACO's beneficiary today: counted, never listed
                gained_from[was] += 1
            else:
                gained.append(Move(mbi, before_side, _side(res, aco_id), cohort, high_needs))
        elif was == aco_id and will != aco_id:
            lost_cohort[cohort] += 1
            d_claims -= row is not None and row[1] == engine.TYPE_CLAIMS
            d_high_needs -= high_needs
            if will:
                lost_to[will] += 1
                after_side = Side(here=False, other_aco=True)
            else:
                after_side = Side(here=False)
            lost.append(Move(mbi, before_side, after_side, cohort, high_needs))
        elif was == aco_id and res is not None:
            after_side = _side(res, aco_id)
            if (after_side.alignment_type, after_side.step, after_side.unit, after_side.unit_kind) != (
                before_side.alignment_type,
                before_side.step,
                before_side.unit,
                before_side.unit_kind,
            ):
                d_claims += (res.alignment_type == engine.TYPE_CLAIMS) - (row is not None and row[1] == "claims")
                changed.append(Move(mbi, before_side, after_side, cohort, high_needs))
    watch.lap("compare")
    seconds = {**re.seconds, **watch.timings}

    gained_count = len(gained) + sum(gained_from.values())
    return Preview(
        performance_year=performance_year,
        aco_id=aco_id,
        run_id=run_id,
        run_is_midyear=inputs["midyear"] is not None,
        approach_changes_nothing=re.approach_changes_nothing,
        changed_tins=tuple(sorted(tins)),
        changed_ccns=tuple(sorted(ccns)),
        affected=int(mbis.size),
        gained=tuple(gained),
        lost=tuple(lost),
        changed=tuple(changed),
        gained_count=gained_count,
        lost_count=len(lost),
        gained_from=dict(sorted(gained_from.items())),
        lost_to=dict(sorted(lost_to.items())),
        other_acos={k: OtherACO(gains=v["gains"], losses=v["losses"]) for k, v in sorted(others.items())},
        gained_by_cohort=dict(sorted(gained_cohort.items())),
        lost_by_cohort=dict(sorted(lost_cohort.items())),
        before=before_totals,
        after=Totals(
            aligned=before_totals.aligned + gained_count - len(lost),
            claims_aligned=before_totals.claims_aligned + d_claims,
            high_needs=before_totals.high_needs + d_high_needs,
        ),
        gained_not_assessed=not_assessed,
        drift=drift,
        seconds=seconds,
    )


# ---------------------------------------------------------------------------------------------------
# The service
# ---------------------------------------------------------------------------------------------------
def stored_rows(run: Any, mbis: Array | None = None) -> StoredRows:
    """The aligned rows of ``run`` (of the beneficiaries ``mbis`` only, when given) as columns: one query
    (no per-beneficiary ORM)."""
    from apps.alignment.models import AlignedBeneficiary

    fields = ("mbi", "aco__aco_id", "alignment_type", "step", "tin", "unit_kind", "cohort", "high_needs")
    rows_qs = AlignedBeneficiary.objects.filter(run=run).order_by()
    if mbis is not None:
        rows_qs = rows_qs.filter(mbi__in=[str(m) for m in mbis])
    rows = list(rows_qs.values_list(*fields))
    cols = list(zip(*rows, strict=True)) if rows else [()] * len(fields)
    return StoredRows(
        mbi=np.array([str(m).strip() for m in cols[0]], dtype=object),
        aco_id=np.array(cols[1], dtype=object),
        alignment_type=np.array(cols[2], dtype=object),
        step=np.array(cols[3], dtype=object),
        tin=np.array(cols[4], dtype=object),
        unit_kind=np.array(cols[5], dtype=object),
        cohort=np.array(cols[6], dtype=object),
        high_needs=np.array(cols[7], dtype=bool),
    )


def stored_totals(run: Any, aco: Any) -> Totals:
    """This ACO's aligned, claims-aligned and High Needs counts in ``run``: one aggregate."""
    from django.db.models import Count, Q

    from apps.alignment.models import AlignedBeneficiary

    counts = AlignedBeneficiary.objects.filter(run=run, aco=aco).aggregate(
        aligned=Count("id"),
        claims=Count("id", filter=Q(alignment_type=engine.TYPE_CLAIMS)),
        high_needs=Count("id", filter=Q(high_needs=True)),
    )
    return Totals(aligned=counts["aligned"], claims_aligned=counts["claims"], high_needs=counts["high_needs"])


def alignment_preview(*, performance_year: int, aco: Any, changes: Changes) -> Preview:
    """The preview of ``changes`` to ``aco``'s (an ``ACO``) lists for the PY against the PY's latest
    successful alignment run. ValidationError when there is none.

    Reads the lists, K, the run's kept inputs (or, without them, the affected beneficiaries' inputs from the
    database: the module's docstring), the affected beneficiaries' stored rows and this ACO's totals."""
    from django.core.exceptions import ValidationError

    from apps.acos.models import ParticipantTIN
    from apps.alignment import inputs, selectors, snapshot
    from apps.alignment import services as alignment_services
    from apps.alignment.models import AlignedBeneficiary

    run = selectors.latest_run(performance_year=performance_year)
    if run is None:
        raise ValidationError(f"No alignment run of PY{performance_year} has finished yet: nothing to compare with.")
    watch = runs.Stopwatch()
    lap, seconds = watch.lap, watch.timings

    entities = inputs.load_entities(performance_year)
    # The run's own split of the lists into the base and the mid-year maps (a mid-year run), as it builds it.
    base_entities, midyear = alignment_services._midyear(run, entities)
    tin_ccns = {
        tin: list(ccns or [])
        for tin, ccns in ParticipantTIN.objects.filter(performance_year=performance_year).values_list("tin", "ccns")
    }
    maps = scenario_maps(aco_id=aco.aco_id, changes=changes, entities=base_entities, midyear=midyear, tin_ccns=tin_ccns)
    lap("lists")
    tins, ccns = sorted(maps.tins), sorted(maps.ccns)
    through = AlignedBeneficiary.objects.filter(run=run, tin__in=[*tins, *ccns]).values_list("mbi", flat=True)
    aligned_through = np.array([m.strip() for m in through], dtype=str)
    kept = snapshot.load(run)
    if kept is not None:
        # The run's own inputs (kept with it): the affected beneficiaries found and cut out with numpy.
        everyone, all_services, all_voluntary = kept
        lap("read_kept_inputs")
        mbis = affected_mbis(all_services, all_voluntary, StoredRows.from_alignments([]), set(tins), set(ccns))
        mbis = np.union1d(mbis, aligned_through)
        beneficiaries, services, voluntary = _subset(everyone, all_services, all_voluntary, mbis)
        lap("subset_inputs")
    else:
        # No kept inputs (a run from before they were kept): the same reads from the database, filtered.
        at_units = inputs.mbis_with_services_at(performance_year, tins=tins, ccns=ccns)
        lap("read_affected")
        designating = inputs.load_voluntary(tins=tins).mbi if tins else np.array([], dtype=str)
        mbis = np.unique(np.concatenate([at_units.astype(str), np.asarray(designating).astype(str), aligned_through]))
        wanted = [str(m) for m in mbis]
        beneficiaries = inputs.load_beneficiaries(mbis=wanted)
        services = inputs.load_services(performance_year, mbis=wanted)
        voluntary = inputs.load_voluntary(mbis=wanted)
        lap("read_inputs")
    stored = stored_rows(run, mbis)
    before = stored_totals(run, aco)
    lap("read_run")
    preview = compare(
        performance_year=performance_year,
        aco_id=aco.aco_id,
        changes=changes,
        beneficiaries=beneficiaries,
        services=services,
        voluntary=voluntary,
        entities=base_entities,
        midyear=midyear,
        tin_ccns=tin_ccns,
        stored=stored,
        run_id=run.pk,
        before=before,
    )
    return dataclasses.replace(preview, seconds={**seconds, **preview.seconds})
