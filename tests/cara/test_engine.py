"""The episode rule on arrays written by hand (apps/cara/engine.py)."""

from __future__ import annotations

import numpy as np

from apps.cara import engine

HF = engine.Definition(1, engine.INPATIENT, frozenset({"291"}), 30)
PCI = engine.Definition(2, engine.PROCEDURE, frozenset({"92928"}), 90)
HIP = engine.Definition(3, engine.INPATIENT, frozenset({"470"}), 90, ("S72",))


def triggers(rows: list[tuple[str, int, int, str, str, str, str, str, str, str]]) -> engine.Triggers:
    cols = list(zip(*rows, strict=True))
    return engine.Triggers(
        mbi=np.array(cols[0], dtype="U11"),
        claim_id=np.array(cols[1], dtype=np.int64),
        kind=np.array(cols[2], dtype=np.int8),
        code=np.array(cols[3], dtype="U5"),
        principal_dx=np.array(cols[4], dtype="U7"),
        start=np.array(cols[5], dtype="datetime64[D]"),
        anchor_end=np.array(cols[6], dtype="datetime64[D]"),
        operating_npi=np.array(cols[7], dtype="U10"),
        attending_npi=np.array(cols[8], dtype="U10"),
        rendering_npi=np.array(cols[9], dtype="U10"),
    )


def test_overlapping_triggers_follow_the_precedence_rule() -> None:
    """A: HF stay 01-01..01-05 (window to 02-04); a PCI on 01-20 (inside: no episode); an HF stay on
    02-04 (the window's last day: none); another on 02-05 (after: an episode). B: a PCI and an HF stay on
    the same day: the inpatient one wins. C: a hip stay for a fracture (excluded), and a code no
    definition has."""
    t = triggers([
        ("A", 5, 0, "291", "", "2026-01-01", "2026-01-05", "", "", ""),
        ("A", 6, 1, "92928", "", "2026-01-20", "2026-01-20", "", "", "1"),
        ("A", 7, 0, "291", "", "2026-02-04", "2026-02-06", "", "", ""),
        ("A", 8, 0, "291", "", "2026-02-05", "2026-02-07", "", "", ""),
        ("B", 1, 1, "92928", "", "2026-03-01", "2026-03-01", "", "", ""),
        ("B", 9, 0, "291", "", "2026-03-01", "2026-03-03", "", "", ""),
        ("C", 2, 0, "470", "S72001A", "2026-03-01", "2026-03-03", "", "", ""),
        ("C", 3, 0, "999", "", "2026-03-01", "2026-03-03", "", "", ""),
    ])  # fmt: skip
    definitions = [HF, PCI, HIP]
    matched = engine.match(t, definitions)
    assert matched.tolist() == [0, 1, 0, 0, 1, 0, -1, -1]
    chosen = engine.select(t, matched, definitions)
    assert t.claim_id[chosen.trigger].tolist() == [5, 8, 9]
    assert chosen.end.astype(str).tolist() == ["2026-02-04", "2026-03-09", "2026-04-02"]


def test_attribution_prefers_a_preferred_provider_among_operating_and_attending() -> None:
    t = triggers([
        ("A", 1, 0, "291", "", "2026-01-01", "2026-01-02", "111", "222", ""),  # attending is the PP
        ("B", 2, 0, "291", "", "2026-01-01", "2026-01-02", "333", "222", ""),  # neither of ACO 2's
        ("C", 3, 1, "92928", "", "2026-01-01", "2026-01-01", "", "", "222"),  # rendering
        ("D", 4, 0, "291", "", "2026-01-01", "2026-01-02", "", "", ""),  # no NPI at all
    ])  # fmt: skip
    chosen = engine.select(t, engine.match(t, [HF, PCI]), [HF, PCI])
    npi, role, pp = engine.attribute(t, chosen, np.array([1, 2, 1, 1]), {(1, "222")})
    # B's operating NPI is no Preferred Provider of its ACO: attributed to no one, and not shown.
    assert npi.tolist() == ["222", "", "222", ""]
    assert role.tolist() == ["attending", "", "rendering", ""]
    assert pp.tolist() == [True, False, True, False]
