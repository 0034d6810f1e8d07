"""What the planner's pages, PDF and the change request's panel show of a preview: its tables (the same
figures everywhere), and the money preview's tables, sliders and fan chart."""

from __future__ import annotations

import datetime as dt
from typing import Any

from apps.acos.presentation import ChartBlock, DataTable
from apps.alignment.models import AlignedBeneficiary
from apps.performance.engine import CARA_LABEL
from lead_portal.formatting import count, money, percent, signed_count, signed_money

from . import charts, services
from .models import ScenarioVersion
from .preview import NOT_ASSESSED

COHORT_LABELS = {
    **{str(k): str(v) for k, v in AlignedBeneficiary.Cohort.choices},
    NOT_ASSESSED: "Not assessed (aligned to no ACO in the run)",
}
LISTED = 25  # beneficiaries listed per table on the page (all of them in the CSV)


def moves_table(slug: str, title: str, moves: list[dict[str, Any]], names: dict[str, str]) -> DataTable:
    return DataTable(
        slug,
        title,
        ["MBI", "Name", "Cohort", "High Needs", "Before", "After"],
        [
            [
                m["mbi"],
                names.get(m["mbi"], "—"),
                "Not assessed" if m["cohort"] == NOT_ASSESSED else COHORT_LABELS.get(m["cohort"], m["cohort"]),
                "Yes" if m["high_needs"] else ("—" if m["cohort"] == NOT_ASSESSED else "No"),
                m["before"],
                m["after"],
            ]
            for m in moves[:LISTED]
        ],
    )


def _minimums_text(block: dict[str, Any]) -> str:
    m = block["minimums"]
    if m["met"]:
        return f"Met ({m['category']}: {m['total_minimum']:,} aligned, {m['claims_minimum']:,} claims-aligned)"
    return (
        f"Not met ({m['category']}): {m['total_short']:,} more aligned and {m['claims_short']:,} more "
        "claims-aligned needed"
    )


def preview_context(document: dict[str, Any], *, show_ids: bool) -> dict[str, Any]:
    """The preview's tables (shared by the scenario page and the change request's panel)."""
    before, after = document["before"], document["after"]

    def share(block: dict[str, Any]) -> str:
        return percent(100 * block["high_needs_share"])

    totals = DataTable(
        "preview-totals",
        "Aligned beneficiaries in the latest alignment run and with this change",
        ["Figure", "Now", "With this change", "Difference"],
        [
            ["Aligned beneficiaries", count(before["aligned"]), count(after["aligned"]),
             signed_count(after["aligned"] - before["aligned"])],
            ["Claims-aligned", count(before["claims_aligned"]), count(after["claims_aligned"]),
             signed_count(after["claims_aligned"] - before["claims_aligned"])],
            ["High Needs", count(before["high_needs"]), count(after["high_needs"]),
             signed_count(after["high_needs"] - before["high_needs"])],
            ["High Needs share", share(before), share(after), ""],
            ["Minimums", _minimums_text(before), _minimums_text(after), ""],
        ],
    )  # fmt: skip
    cohorts = sorted(set(document["gained_by_cohort"]) | set(document["lost_by_cohort"]))
    by_cohort = DataTable(
        "preview-cohorts",
        "Beneficiaries gained and lost, by cohort (the cohort of the latest run)",
        ["Cohort", "Gained", "Lost", "Net"],
        [
            [
                COHORT_LABELS.get(c, c),
                count(document["gained_by_cohort"].get(c, 0)),
                count(document["lost_by_cohort"].get(c, 0)),
                signed_count(document["gained_by_cohort"].get(c, 0) - document["lost_by_cohort"].get(c, 0)),
            ]
            for c in cohorts
        ],
    )
    others = services.other_aco_rows(document, show_ids=show_ids)
    other_table = DataTable(
        "preview-other-acos",
        "Other ACOs whose aligned population would change (counts only)",
        ["ACO", "Would gain", "Would lose", "Net"],
        [[o["label"], count(o["gains"]), count(o["losses"]), signed_count(o["net"])] for o in others],
    )
    return {"totals_table": totals, "cohort_table": by_cohort, "other_table": other_table, "other_rows": others}


def money_context(version: ScenarioVersion, params: Any) -> dict[str, Any]:
    """The money preview's tables, sliders and fan chart (empty without a performance summary)."""
    found = services.money_preview(version=version, params=params)
    if found is None:
        return {"money": None}
    baseline, after, assumptions, today, outcome = found

    def dollars(value: Any) -> str:
        return money(value, cents=False)

    def row(label: str, a: Any, b: Any, fmt: Any = dollars) -> list[str]:
        return [label, fmt(a), fmt(b), signed_money(b - a) if fmt is dollars else signed_count(b - a)]

    mm_today = sum(c.member_months for c in baseline.cohorts)
    mm_after = sum(c.member_months for c in after.cohorts)
    scale = 12 / (baseline.months_seen or 12)
    p, q = today.point, outcome.point
    compare = DataTable(
        "money-compare",
        "Full-year estimate at the sliders' values (US$)",
        ["Figure", "Today's population", "This scenario", "Difference"],
        [
            row("Aligned beneficiaries", sum(c.beneficiaries for c in baseline.cohorts),
                sum(c.beneficiaries for c in after.cohorts), count),
            row("Member-months (full year)", round(mm_today * scale), round(mm_after * scale), count),
            row("Benchmark (after discount)", p.benchmark, q.benchmark),
            row("Spending", p.expenditure, q.expenditure),
            row("Quality withhold earned back", p.earned_back, q.earned_back),
            row("Gross savings (loss)", p.gross_savings, q.gross_savings),
            row("Shared savings (loss) after sequestration", p.shared_after_sequestration,
                q.shared_after_sequestration),
            # What stands between the two on the money page's waterfall, where it moves money.
            *([row("Enhanced PCC recouped", -p.pcc_enhanced, -q.pcc_enhanced)]
              if p.pcc_enhanced or q.pcc_enhanced else []),
            *([row(CARA_LABEL, p.cara_change or 0, q.cara_change or 0)]
              if p.cara_change is not None or q.cara_change is not None else []),
            row("Estimated settlement", p.settlement, q.settlement),
        ],
    )  # fmt: skip
    labels = {5: "5th percentile", 25: "25th percentile", 50: "Median", 75: "75th percentile", 95: "95th percentile"}
    spread = DataTable(
        "money-range",
        f"Estimated settlement over {outcome.draws:,} draws of the uncertain inputs (US$)",
        ["Outcome", "Today's population", "This scenario"],
        [[labels[k], dollars(today.percentiles[k]), dollars(outcome.percentiles[k])] for k in labels]
        + [
            [
                "Chance of shared savings",
                percent(100 * today.chance_of_savings),
                percent(100 * outcome.chance_of_savings),
            ]
        ],
    )
    months = [dt.date(int(m[:4]), int(m[5:]), 1).strftime("%b %Y") for m in outcome.months]
    fan = ChartBlock(
        "money-fan",
        "Cumulative benchmark minus spending through the performance year for this scenario: the shaded bands hold "
        "the middle 50% and 90% of the draws, the dashed line is their median, the solid line the months with claims "
        "at the sliders' values.",
        charts.fan_figure(outcome, title_months=months),
        DataTable(
            "money-fan-data",
            "Cumulative benchmark minus spending by month (US$)",
            ["Month", "5th percentile", "25th percentile", "Median", "75th percentile", "95th percentile",
             "Months with claims"],
            [
                [months[i], *(dollars(outcome.bands[k][i]) for k in (5, 25, 50, 75, 95)),
                 dollars(outcome.actual[i]) if i < outcome.seen else "—"]
                for i in range(len(months))
            ],
        ),
    )  # fmt: skip
    lo, hi, step = services.SLIDER_RANGES["spending"]
    sliders = [
        {"name": "trend_pct", "label": "Benchmark trend (% a year)", "value": assumptions.trend_pct,
         "range": services.SLIDER_RANGES["trend_pct"], "default": baseline.trend_pct},
        {"name": "tqs", "label": "Total Quality Score (0–100)", "value": assumptions.tqs,
         "range": services.SLIDER_RANGES["tqs"], "default": baseline.tqs if baseline.tqs is not None else 100.0},
        {"name": "risk_growth_pct", "label": "Risk score growth (%)", "value": assumptions.risk_growth_pct,
         "range": services.SLIDER_RANGES["risk_growth_pct"], "default": 0.0},
    ] + [
        {"name": f"spending_{c.cohort}", "label": f"Spending change, {c.label} (%)",
         "value": assumptions.spending(c.cohort), "range": (lo, hi, step), "default": 0.0}
        for c in baseline.cohorts if c.member_months
    ]  # fmt: skip
    return {
        "money": {
            "compare": compare,
            "spread": spread,
            "fan": fan,
            "sliders": sliders,
            "months_seen": baseline.months_seen,
            "run_id": baseline.run_id,
            "risk_option": assumptions.risk_option,
            "notes": list(q.notes),
        }
    }
