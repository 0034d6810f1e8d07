"""The ``PerformanceSummary.data`` document: everything the dashboard, the CMS comparison, the API
and the reports show for one ACO, assembled from already-computed figures (pure: no ORM, no I/O).

Money is in dollars as JSON numbers rounded to cents (the engine works in ``Decimal``; the snapshot is
for display and download). Shape (every key always present; lists may be empty)::

    schema: 1
    estimate: true                          # money figures are estimates: label them so
    performance_year, generated_at (ISO)
    aco: {aco_id, name, risk_option, risk_option_label, capitation, capitation_label, newly_entering}
    vintage: {pipeline_run, alignment_run, quality_run, risk_run (null: benchmarks not risk-adjusted),
              data_version, files: [names], latest_file_date, claims_through: "YYYY-MM" or null, as_of}
    alignment: {total, claims, voluntary, high_needs, high_needs_share_pct, high_needs_line_pct,
                minimum: {status, label, message}}
    cohorts: [{cohort, label, member_months, expenditure, pbpm, benchmark_source, benchmark_before_discount,
               discount_pct, benchmark_pbpm, base_years: [{year, pbpm, weight, trend_factor, member_months,
               expenditure}],          # the cohort's base years as spent, every alignment type together
               risk_adjusted,          # some group's estimate is risk-adjusted
               groups: [{alignment_type, label, member_months, expenditure, pbpm, benchmark_source
                         ("published", "estimate", "borrowed": the other group's estimate, "none"), risk
                         (PY average), risk_scored, risk_beneficiaries, risk_adjusted, estimate (PBPM
                         before the voluntary cap and the discount), voluntary_cap: {low, high, capped} or
                         null, benchmark_before_discount, discount_pct, benchmark_pbpm, benchmark (dollars),
                         base_years: [{year, member_months, expenditure, pbpm, risk, risk_scored,
                         risk_beneficiaries, risk_ratio_uncapped, risk_ratio, risk_capped, adjusted_pbpm,
                         trend_factor, weight, contribution}]}]}]
                                            # groups: the claims-aligned and voluntarily aligned
                                            # beneficiaries' benchmarks, each factor (absent in snapshots
                                            # computed before they were added; risk null: no scores)
    months: [{month: "YYYY-MM", member_months, expenditure, pbpm, benchmark_pbpm}]
    categories: [{category, label, expenditure, pbpm, share_pct, claims,
                  base_years: [{year, member_months, expenditure, pbpm, claims}]}]
                                            # claims: claims (Part B/DME: lines) counted; base_years:
                                            # the same beneficiaries' spending in the category in each
                                            # base year with member-months, PBPM over all their
                                            # member-months of the year (both absent in snapshots
                                            # computed before they were added)
    quality: {tqs, scored_measures, withhold_pct, withhold, earned_back, measures: [{measure, label, unit, rate,
              points, scored}]}  (label: the catalogue's name; unit: its rate's, e.g. "% of index stays")
    settlement: {member_months, expenditure, pbpm, risk_adjusted, benchmark_before_discount, discount, benchmark,
                 benchmark_pbpm, withhold, earned_back, gross_savings, gross_savings_pct, corridor: [{low,
                 high, share, amount, aco_amount}], shared, sequestration (its change to the shared
                 amount: negative on savings, positive on a loss), shared_after_sequestration,
                 pcc_base, pcc_enhanced, estimated_settlement, rural_addon, lines: [{key, label, amount,
                 kind}], notes: [text],
                 capitation_reduction: {label, amount, pbpm, part_a, part_b, claims, note, explanation}}
                                            # withheld for capitation: beside the settlement, never in
                                            # it; amount is 0.0 (never null) when nothing was withheld,
                                            # and explanation then says why
                 cara: {label, has_arrangements, arrangements (count), periods, final, status ("final",
                        "provisional" or "none"), payments (Σ reconciliation amounts: positive when CMS
                        paid the Preferred Providers on balance), change (its change to the settlement:
                        −payments, a charge when negative, a credit when positive), direction ("charge",
                        "credit" or "none"), settlement_before, estimated_settlement, text, note,
                        episode_runs, ebras: [{arrangement_id, preferred_provider, npi, status, periods,
                        final_periods, expected_periods, final, payments, change}]}
                                            # payments and change null when the ACO has no active or
                                            # terminated EBRA of the PY (text says so); the whole key is
                                            # absent in snapshots computed before CARA was reconciled

    parameters: {name: value, …}            # the model parameters the figures used
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from apps.risk import parameters as risk_parameters

from . import engine

# 2: ``settlement.sequestration`` is the change sequestration makes to the shared amount (negative on
# savings), as every table shows it; in 1 it was the amount taken, with the sign of the shared amount.
SCHEMA = 2


def money(value: Decimal | None) -> float | None:
    return None if value is None else float(engine.cents(value))


@dataclass(frozen=True)
class Figure:
    label: str
    amount: float | None


def sequestration_shown(settlement: Mapping[str, Any], sequestration_pct: Any = None) -> Figure:
    """Sequestration as every page, report and file shows it: its change to the shared amount (shared
    after sequestration less shared before), the same sign as its line in the waterfall: negative when
    it takes a share of savings, positive when it lowers a loss. Computed from the two shared amounts,
    so a snapshot of schema 1 (which stored the amount taken) reads the same."""
    shared, after = settlement.get("shared"), settlement.get("shared_after_sequestration")
    rate = "" if sequestration_pct in (None, "") else f"{float(sequestration_pct):g}% "
    if shared is None or after is None:
        return Figure("Sequestration", None)
    if shared < 0:
        label = f"Sequestration ({rate}of the shared loss, taken off what the ACO owes)"
    else:
        label = f"Sequestration ({rate}of the shared savings, taken off the payment)"
    return Figure(label, round(float(after) - float(shared), 2))


CARA_NOTE = (
    "Portal rule (assumption): what CMS pays a Preferred Provider under an episode-based risk arrangement "
    "(EBRA) is charged to the ACO's settlement, and what a Preferred Provider repays is credited to it. The "
    "amount is the sum of the reconciliations of the ACO's active or terminated EBRAs of the performance year; "
    "it is final once every period of every EBRA is reconciled with no episode still open, provisional before."
)


@dataclass(frozen=True)
class CaraEBRA:
    """One EBRA's reconciliations of the PY, summed (``apps.cara.payments.ArrangementAmount``)."""

    arrangement_id: int
    preferred_provider: str
    npi: str
    status: str
    periods: int  # reconciled so far
    final_periods: int
    expected_periods: int  # in its whole effective period
    amount_cents: int  # positive: paid to the Preferred Provider

    @property
    def final(self) -> bool:
        return self.periods == self.expected_periods and self.final_periods == self.periods


def _dollars(value: float) -> str:
    return f"${value:,.2f}"


def _cara_text(change: float | None, ebras: int, periods: int, status: str, performance_year: int) -> str:
    if change is None:
        return (
            f"No CARA arrangement: the ACO has no active or terminated EBRA in PY{performance_year}, so nothing is "
            "charged or credited to its settlement."
        )
    what = f"{ebras} EBRA{'s' if ebras != 1 else ''}, {periods} period{'s' if periods != 1 else ''} reconciled"
    if change < 0:
        head = f"{_dollars(-change)} charged to the settlement: CMS paid the Preferred Providers that much, net"
    elif change > 0:
        head = f"{_dollars(change)} credited to the settlement: the Preferred Providers repaid that much, net"
    else:
        head = "Nothing charged or credited: the reconciliations net to $0.00"
    return f"{head} ({what}; {status})."


def cara_block(
    ebras: Sequence[CaraEBRA] | None,
    settlement: engine.Settlement,
    performance_year: int,
    episode_runs: Sequence[int] = (),
) -> dict[str, Any]:
    """The settlement's CARA line as every page, CSV and report shows it."""
    rows = list(ebras or [])
    change = money(settlement.cara_change)
    periods = sum(e.periods for e in rows)
    final = change is not None and bool(rows) and all(e.final for e in rows)
    status = "none" if change is None else ("final" if final else "provisional")
    direction = "none" if not change else ("charge" if change < 0 else "credit")
    return {
        "label": engine.CARA_LABEL,
        "has_arrangements": change is not None,
        "arrangements": len(rows),
        "periods": periods,
        "final": final,
        "status": status,
        "payments": money(settlement.cara_payments),
        "change": change,
        "direction": direction,
        "settlement_before": money(settlement.settlement_before_cara),
        "estimated_settlement": money(settlement.settlement),
        "text": _cara_text(change, len(rows), periods, status, performance_year),
        "note": CARA_NOTE,
        "episode_runs": list(episode_runs),
        "ebras": [
            {
                "arrangement_id": e.arrangement_id,
                "preferred_provider": e.preferred_provider,
                "npi": e.npi,
                "status": e.status,
                "periods": e.periods,
                "final_periods": e.final_periods,
                "expected_periods": e.expected_periods,
                "final": e.final,
                "payments": money(Decimal(e.amount_cents) / 100),
                "change": money(Decimal(-e.amount_cents) / 100),
            }
            for e in rows
        ],
    }


def _pbpm(amount: Decimal, months: int) -> float | None:
    return money(amount / months) if months else None


REDUCTION_LABEL = "Withheld from fee-for-service claims for capitation (CCLFA/CCLFB reduction amounts)"
REDUCTION_NOTE = (
    "The fee-for-service payments CMS reduced because the capitation payment covers those services: the "
    "PBP/AIPBP reduction amounts (CLM_PBP_RDCTN_AMT) of the aligned beneficiaries' current claims in the "
    "performance year, Part A from CCLFA and Part B and DME from CCLFB. The claims' paid amounts in "
    "expenditure are already net of it, so it is shown beside the settlement and changes nothing in it."
)


@dataclass(frozen=True)
class Reductions:
    """The capitation reductions behind ``Settlement.capitation_reduction``, by file."""

    part_a: Decimal = Decimal(0)  # CCLFA: Part A claims
    part_b: Decimal = Decimal(0)  # CCLFB: Part B and DME claim lines
    claims: int = 0  # claims and lines with a reduction
    files_loaded: bool | None = None  # any CCLFA/CCLFB file in the run's data (None: not known)


def reduction_explanation(amount: Decimal, reductions: Reductions, performance_year: int) -> str:
    """Why the amount withheld is $0 (empty when it is not)."""
    if amount:
        return ""
    if reductions.files_loaded is False:
        return (
            f"$0: the claims packages loaded for PY{performance_year} hold no CCLFA/CCLFB files, so no "
            "reduction amounts are known yet."
        )
    return (
        f"$0: none of the aligned beneficiaries' PY{performance_year} claims carries a CCLFA/CCLFB reduction "
        "amount. No provider paid by capitation billed them, so CMS withheld nothing from fee-for-service "
        "payments."
    )


@dataclass(frozen=True)
class CategoryYear:
    """One service category's spending in one year (a base year), of the same beneficiaries."""

    year: int
    expenditure: Decimal
    member_months: int  # all the beneficiaries' member-months of the year, every cohort
    claims: int = 0


# The risk-adjusted benchmark's parameters by name (the pages and reports list the others by
# ``charts.PARAMETER_LABELS``).
PARAMETER_LABELS = {
    "risk_ratio_cap_pct": "Risk ratio cap (the ratio PY risk ÷ base-year risk stays within 1 ± this %)",
    "voluntary_benchmark_cap_pct": "Voluntarily aligned benchmark cap (± % of the claims-aligned benchmark)",
}


def named_parameters(rows: Sequence[tuple[str, str, str]]) -> list[tuple[str, str, str]]:
    """``charts.parameter_rows`` with the risk-adjusted benchmark's parameters named."""
    return [(key, PARAMETER_LABELS.get(key, label), text) for key, label, text in rows]


@dataclass(frozen=True)
class RiskCoverage:
    """How many of a group's beneficiaries (with member-months in a score year) have a risk score."""

    beneficiaries: int
    scored: int
    member_months: int = 0
    scored_member_months: int = 0


ALIGNMENT_LABELS = {engine.CLAIMS: "Claims-aligned", engine.VOLUNTARY: "Voluntarily aligned"}
# Where a group's benchmark comes from, in words (the money page and the reports).
GROUP_SOURCES = {
    "published": "Published by CMS",
    "estimate": "Estimated from base years",
    "borrowed": "The cohort's other estimate (no base-year months of its own)",
    "none": "None",
}


def _risk(value: Decimal | None) -> float | None:
    return None if value is None else round(float(value), 6)


def _group(
    cohort: str, g: engine.GroupBenchmark, coverage: Mapping[tuple[str, str, int], RiskCoverage], py: int
) -> dict[str, Any]:
    def covered(year: int) -> dict[str, int | None]:
        c = coverage.get((cohort, g.alignment_type, year))
        if c is None:
            return {"risk_scored": None, "risk_beneficiaries": None}
        return {"risk_scored": c.scored, "risk_beneficiaries": c.beneficiaries}

    cap = None
    if g.cap_low is not None:
        cap = {"low": money(g.cap_low), "high": money(g.cap_high), "capped": g.capped}
    return {
        "alignment_type": g.alignment_type,
        "label": ALIGNMENT_LABELS.get(g.alignment_type, g.alignment_type),
        "member_months": g.member_months,
        "expenditure": money(g.expenditure),
        "pbpm": money(g.pbpm),
        "benchmark_source": g.source,
        "risk": _risk(g.risk),
        **covered(py),
        "risk_adjusted": g.risk_adjusted,
        "estimate": money(g.estimate),
        "voluntary_cap": cap,
        "benchmark_before_discount": money(g.benchmark_before_discount),
        "discount_pct": float(g.discount_pct),
        "benchmark_pbpm": money(g.benchmark),
        "benchmark": money(g.benchmark_dollars),
        "base_years": [
            {
                "year": u.year,
                "member_months": u.member_months,
                "expenditure": money(u.expenditure),
                "pbpm": money(u.pbpm),
                "risk": _risk(u.risk),
                **covered(u.year),
                # No average risk can exist: the year's diagnoses lie before the CCLF (docs/risk.md).
                "risk_before_cclf": not risk_parameters.diagnoses_in_cclf(u.year, py),
                "risk_ratio_uncapped": _risk(u.risk_ratio_uncapped),
                "risk_ratio": _risk(u.risk_ratio),
                "risk_capped": u.risk_capped,
                "adjusted_pbpm": money(u.adjusted_pbpm),
                "trend_factor": round(float(u.trend_factor), 6),
                "weight": round(float(u.weight), 4),
                "contribution": money(u.contribution),
            }
            for u in g.base_years
        ],
    }


@dataclass(frozen=True)
class MonthRow:
    year: int
    month: int
    member_months: int
    expenditure: Decimal
    # member-months by cohort, to weigh the cohorts' benchmarks for the month
    by_cohort: Mapping[str, int]


def build(
    *,
    performance_year: int,
    generated_at: str,
    aco: Mapping[str, Any],
    vintage: Mapping[str, Any],
    alignment: Mapping[str, Any],
    settlement: engine.Settlement,
    months: Sequence[MonthRow],
    categories: Sequence[tuple[str, str, Decimal]],
    quality: Mapping[str, Any],
    parameters: Mapping[str, Any],
    cohort_labels: Mapping[str, str],
    reductions: Reductions | None = None,
    category_claims: Mapping[str, int] | None = None,
    category_base_years: Mapping[str, Sequence[CategoryYear]] | None = None,
    risk_coverage: Mapping[tuple[str, str, int], RiskCoverage] | None = None,
    cara: Sequence[CaraEBRA] | None = None,
    cara_episode_runs: Sequence[int] = (),
) -> dict[str, Any]:
    # ``cara``: the ACO's active or terminated EBRAs of the PY, whose reconciliations sum to
    # ``settlement.cara_payments`` (None there: no EBRA).
    reductions = reductions or Reductions()
    risk_coverage = risk_coverage or {}
    category_claims = category_claims or {}
    category_base_years = category_base_years or {}
    bench_by_cohort = {c.cohort: c.benchmark or Decimal(0) for c in settlement.cohorts}
    month_rows = []
    for m in months:
        bench = sum((bench_by_cohort.get(c, Decimal(0)) * n for c, n in m.by_cohort.items()), Decimal(0))
        month_rows.append(
            {
                "month": f"{m.year:04d}-{m.month:02d}",
                "member_months": m.member_months,
                "expenditure": money(m.expenditure),
                "pbpm": _pbpm(m.expenditure, m.member_months),
                "benchmark_pbpm": _pbpm(bench, m.member_months),
            }
        )
    total = sum((amount for _, _, amount in categories), Decimal(0))
    category_rows = [
        {
            "category": key,
            "label": label,
            "expenditure": money(amount),
            "pbpm": _pbpm(amount, settlement.member_months),
            "share_pct": round(float(amount / total * 100), 1) if total else None,
            "claims": category_claims.get(key, 0),
            "base_years": [
                {
                    "year": b.year,
                    "member_months": b.member_months,
                    "expenditure": money(b.expenditure),
                    "pbpm": _pbpm(b.expenditure, b.member_months),
                    "claims": b.claims,
                }
                for b in category_base_years.get(key, ())
                if b.member_months
            ],
        }
        for key, label, amount in categories
    ]
    s = settlement
    return {
        "schema": SCHEMA,
        "estimate": True,
        "performance_year": performance_year,
        "generated_at": generated_at,
        "aco": dict(aco),
        "vintage": dict(vintage),
        "alignment": dict(alignment),
        "cohorts": [
            {
                "cohort": c.cohort,
                "label": cohort_labels.get(c.cohort, c.cohort),
                "member_months": c.member_months,
                "expenditure": money(c.expenditure),
                "pbpm": money(c.pbpm),
                "benchmark_source": c.source,
                "benchmark_before_discount": money(c.benchmark_before_discount),
                "discount_pct": float(c.discount_pct),
                "benchmark_pbpm": money(c.benchmark),
                "base_years": [
                    {
                        "year": u.year,
                        "pbpm": money(u.pbpm),
                        "weight": round(float(u.weight), 4),
                        "trend_factor": round(float(u.trend_factor), 6),
                        "member_months": u.member_months,
                        "expenditure": money(u.expenditure),
                    }
                    for u in c.base_years
                ],
                "risk_adjusted": c.risk_adjusted,
                "groups": [_group(c.cohort, g, risk_coverage, performance_year) for g in c.groups],
            }
            for c in s.cohorts
        ],
        "months": month_rows,
        "categories": category_rows,
        "quality": dict(quality),
        "settlement": {
            "member_months": s.member_months,
            "expenditure": money(s.expenditure),
            "pbpm": money(s.pbpm),
            "risk_adjusted": s.risk_adjusted,
            "benchmark_before_discount": money(s.benchmark_before_discount),
            "discount": money(s.discount),
            "benchmark": money(s.benchmark),
            "benchmark_pbpm": money(s.benchmark_pbpm),
            "withhold": money(s.withhold),
            "earned_back": money(s.earned_back),
            "gross_savings": money(s.gross_savings),
            "gross_savings_pct": None if s.gross_savings_pct is None else round(float(s.gross_savings_pct), 2),
            "corridor": [
                {
                    "low": float(p.low),
                    "high": None if p.high is None else float(p.high),
                    "share": float(p.share),
                    "amount": money(p.amount),
                    "aco_amount": money(p.aco_amount),
                }
                for p in s.corridor
            ],
            "shared": money(s.shared),
            # Its change to the shared amount, as the waterfall shows it (see ``sequestration_shown``).
            "sequestration": money(s.shared_after_sequestration - s.shared),
            "shared_after_sequestration": money(s.shared_after_sequestration),
            "pcc_base": money(s.pcc_base),
            "pcc_enhanced": money(s.pcc_enhanced),
            "estimated_settlement": money(s.settlement),
            "rural_addon": money(s.rural_addon),
            "lines": [
                {"key": line.key, "label": line.label, "amount": money(line.amount), "kind": line.kind}
                for line in s.lines()
            ],
            "notes": list(s.notes),
            "capitation_reduction": {
                "label": REDUCTION_LABEL,
                "amount": money(s.capitation_reduction),
                "pbpm": money(s.capitation_reduction_pbpm),
                "part_a": money(reductions.part_a),
                "part_b": money(reductions.part_b),
                "claims": reductions.claims,
                "note": REDUCTION_NOTE,
                "explanation": reduction_explanation(s.capitation_reduction, reductions, performance_year),
            },
            "cara": cara_block(cara, s, performance_year, cara_episode_runs),
        },
        "parameters": dict(parameters),
    }
