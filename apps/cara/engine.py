"""The episode rule on columns (docs/cara.md, "The rule"): which claims trigger which definition, which
triggers start an episode when a beneficiary's episodes would overlap, each episode's window, and the
Preferred Provider it is attributed to. Pure numpy over arrays the inputs read set-based; no database."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

INPATIENT, PROCEDURE = 0, 1


@dataclass(frozen=True)
class Definition:
    """What the rule needs of an ``EpisodeDefinition``."""

    id: int
    kind: int  # INPATIENT or PROCEDURE
    codes: frozenset[str]
    window_days: int
    excluded_diagnoses: tuple[str, ...] = ()


@dataclass(frozen=True)
class Triggers:
    """Candidate trigger claims: current inpatient stays (CCLF1 type 60) with an MS-DRG, and current paid
    Part B lines (CCLF5) with a HCPCS, of the trigger codes of some definition."""

    mbi: Any  # U11
    claim_id: Any  # int64
    kind: Any  # int8: INPATIENT or PROCEDURE
    code: Any  # U5: MS-DRG or HCPCS
    principal_dx: Any  # U7: the claim's principal diagnosis (inpatient), '' otherwise
    start: Any  # datetime64[D]: admission, or the line's date
    anchor_end: Any  # datetime64[D]: discharge, or the line's date
    operating_npi: Any  # U10 (inpatient)
    attending_npi: Any  # U10 (inpatient)
    rendering_npi: Any  # U10 (procedure)

    def __len__(self) -> int:
        return len(self.mbi)

    def take(self, index: Any) -> Triggers:
        return Triggers(*(getattr(self, f)[index] for f in self.__dataclass_fields__))

    @classmethod
    def empty(cls) -> Triggers:
        text = lambda w: np.array([], dtype=f"U{w}")  # noqa: E731
        day = np.array([], dtype="datetime64[D]")
        return cls(
            text(11), np.array([], dtype=np.int64), np.array([], dtype=np.int8), text(5), text(7), day, day,
            text(10), text(10), text(10),
        )  # fmt: skip


def match(triggers: Triggers, definitions: Sequence[Definition]) -> Any:
    """Per trigger, the index (into ``definitions``) of the first definition it triggers, or -1: same kind,
    a trigger code of the definition, and a principal diagnosis not under one of its exclusions."""
    out = np.full(len(triggers), -1, dtype=np.int64)
    for i, d in enumerate(definitions):
        hit = (out < 0) & (triggers.kind == d.kind) & np.isin(triggers.code, list(d.codes))
        for prefix in d.excluded_diagnoses:
            hit &= ~np.char.startswith(triggers.principal_dx, prefix)
        out[hit] = i
    return out


@dataclass(frozen=True)
class Episodes:
    trigger: Any  # index into the triggers
    definition: Any  # index into the definitions
    start: Any
    anchor_end: Any
    end: Any


def select(triggers: Triggers, matched: Any, definitions: Sequence[Definition]) -> Episodes:
    """The episodes, by the precedence rule: a beneficiary's matched triggers in order of start date
    (inpatient before procedure on the same day, then the smaller claim id); a trigger that starts on or
    before the last day of an episode already kept for the beneficiary starts none (its claims are part of
    that episode: a readmission, or a procedure inside the window). Returned in trigger order."""
    candidates = np.flatnonzero(matched >= 0)
    if candidates.size == 0:
        none = np.array([], dtype=np.int64)
        day = np.array([], dtype="datetime64[D]")
        return Episodes(none, none, day, day, day)
    windows = np.array([d.window_days for d in definitions], dtype=np.int64)
    order = candidates[
        np.lexsort(
            (
                triggers.claim_id[candidates],
                triggers.kind[candidates],
                triggers.start[candidates],
                triggers.mbi[candidates],
            )
        )
    ]
    mbi = triggers.mbi[order]
    start = triggers.start[order]
    end = triggers.anchor_end[order] + windows[matched[order]].astype("timedelta64[D]")
    first = np.r_[True, mbi[1:] != mbi[:-1]]
    group = np.cumsum(first) - 1
    rank = np.arange(len(order)) - np.flatnonzero(first)[group]
    kept = np.zeros(len(order), dtype=bool)
    last_end = np.full(group[-1] + 1, np.datetime64("0001-01-01"), dtype="datetime64[D]")
    for k in range(int(rank.max()) + 1):  # a loop over ranks within a beneficiary, not over records
        at = np.flatnonzero(rank == k)
        ok = start[at] > last_end[group[at]]
        kept[at[ok]] = True
        last_end[group[at[ok]]] = end[at[ok]]
    chosen = np.sort(order[kept])
    windows_of = windows[matched[chosen]].astype("timedelta64[D]")
    return Episodes(
        trigger=chosen,
        definition=matched[chosen],
        start=triggers.start[chosen],
        anchor_end=triggers.anchor_end[chosen],
        end=triggers.anchor_end[chosen] + windows_of,
    )


def select_sets(
    triggers: Triggers, definitions: Sequence[Definition], sets: Sequence[Sequence[int]]
) -> tuple[Episodes, int]:
    """The episodes of several definition sets that do not compete with one another (docs/cara.md,
    "Maximal Flexibility variants"): within a set, the triggers are matched and the precedence rule applies
    as ``match`` and ``select`` say; a trigger may start an episode in each set. ``sets``: each set's
    indices into ``definitions``, contiguous and in order (the defaults, then each variant alone). Returns
    the episodes (``definition`` indexes ``definitions``) and how many triggers matched, summed over sets."""
    parts: list[Episodes] = []
    matched_total = 0
    for members in sets:
        if not members:
            continue
        first = members[0]
        subset = definitions[first : first + len(members)]
        matched = match(triggers, subset)
        matched_total += int((matched >= 0).sum())
        chosen = select(triggers, matched, subset)
        parts.append(chosen if first == 0 else replace(chosen, definition=chosen.definition + first))
    if not parts:
        return select(triggers, np.full(len(triggers), -1, dtype=np.int64), ()), 0
    if len(parts) == 1:
        return parts[0], matched_total
    return (
        Episodes(*(np.concatenate([getattr(p, f) for p in parts]) for f in Episodes.__dataclass_fields__)),
        matched_total,
    )


def own_aco(aco: Any, definition: Any, owner: Any) -> Any:
    """Per episode, the ACO it counts for (0: none). A default's episode counts for the ACO its beneficiary
    is aligned to; a variant's only when that is the variant's own ACO (``owner``, per definition; 0 for a
    default): built for every beneficiary so its baselines are portal-wide, it is no other ACO's to see."""
    of = owner[definition]
    return np.where((of == 0) | (of == aco), aco, 0)


def attribute(
    triggers: Triggers, episodes: Episodes, aco: Any, preferred: set[tuple[int, str]]
) -> tuple[Any, Any, Any]:
    """Per episode: (attributed NPI, role, whether attributed). An episode is attributed to a Preferred
    Provider of the episode's ACO: for an inpatient trigger its operating physician when one, else its
    attending physician when one; for a procedure trigger its rendering provider when one. Otherwise it is
    attributed to no one (NPI and role empty: the NPI of someone who is not the ACO's Preferred Provider,
    perhaps another ACO's, is not the ACO's to see). ``aco``: the episode's ACO pk (0: none);
    ``preferred``: (ACO pk, NPI) pairs."""
    t = episodes.trigger
    operating = triggers.operating_npi[t]
    attending = triggers.attending_npi[t]
    rendering = triggers.rendering_npi[t]
    inpatient = triggers.kind[t] == INPATIENT
    keys = np.array([f"{a}:{n}" for a, n in sorted(preferred)], dtype=str)

    def is_pp(npi: Any) -> Any:
        probe = np.char.add(np.char.add(aco.astype(str), ":"), npi)
        return (npi != "") & (aco > 0) & np.isin(probe, keys)

    op_pp, at_pp, re_pp = is_pp(operating), is_pp(attending), is_pp(rendering)
    npi = np.where(
        inpatient, np.where(op_pp, operating, np.where(at_pp, attending, "")), np.where(re_pp, rendering, "")
    )
    role = np.where(
        inpatient, np.where(op_pp, "operating", np.where(at_pp, "attending", "")), np.where(re_pp, "rendering", "")
    )
    return npi, role, npi != ""
