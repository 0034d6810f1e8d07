"""Downloadable performance reports (PDF, XLSX, CSV) of one ACO and performance year, each built in the
background from one ``PerformanceSummary`` (a request
creates the job and returns at once; the download answers "not ready" until the file exists).

What every format holds, from the snapshot's document (``snapshot.py``) and nothing else:

- **Facts** (``report_facts``): the snapshot flattened into one long table, in this order of sections:
  Summary, Alignment, Cohorts & benchmark, Months, Categories, Quality, Settlement, Parameters, Vintage.
  Each fact is ``section, table, item, measure, value, unit, estimate``: e.g. ``Months, By month,
  2027-03, PBPM, 812.50, USD per beneficiary-month, estimate``. A table with a single ``Value`` measure is
  a list of named figures (``Settlement, Figures, Estimated settlement, Value, 1234.56, USD, estimate``).
- **CSV** is exactly that long table with a header row (UTF-8, comma-separated): the first rows (section
  ``Summary``, table ``Report``) name the ACO, the performance year and the pipeline run; the ``Vintage``
  section lists the CCLF files, the claims month the data runs through and the runs behind the figures.
  ``unit`` is ``USD``, ``USD per beneficiary-month``, ``%`` (values in percent: 29.4 means 29.4%),
  ``count``, or empty (a plain number or text); ``estimate`` is ``estimate`` on every money figure.
- **XLSX** has one sheet per section, each starting with the same stamp (ACO, PY, pipeline run, data
  vintage) and the estimate notice; each table pivots the facts (items as rows, measures as columns).
- **PDF** has the stamp on every page, the estimate notice, the data vintage, the key figures, three
  charts drawn with ReportLab's graphics (``report_charts.py``: PBPM against the benchmark by month,
  spending by service category, the settlement as a waterfall) and every section as a table.

Selectors (reads, scoped to the ACO the view resolved through the user's scope) and services (writes,
role-checked) live here too: ``report_request`` creates the row and queues ``report_build_task`` on
commit; ``report_build`` (the task's body) claims the row, builds the file and records the outcome.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import logging
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from functools import partial
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import QuerySet
from django.http import Http404
from django.urls import reverse
from django.utils import timezone

from apps.accounts.models import AccessLog, User
from apps.acos import selectors as aco_selectors
from apps.acos.attention import AttentionItem, downloads_waiting
from apps.acos.models import ACO
from lead_portal import jobs
from lead_portal.exports import csv_writer, xlsx_workbook, xlsx_write, xlsx_write_row
from lead_portal.formatting import when

from . import task_names
from .charts import measure_name, parameter_rows
from .models import PerformanceReport, PerformanceSummary, PipelineRun
from .snapshot import GROUP_SOURCES, named_parameters, sequestration_shown
from .why import explain

log = logging.getLogger(__name__)

SECTIONS = (
    "Summary",
    "Alignment",
    "Cohorts & benchmark",
    "Months",
    "Categories",
    "Quality",
    "Settlement",
    "Parameters",
    "Vintage",
)
# unit key -> (label in the CSV and tables, is money: labelled "estimate")
UNITS: dict[str, tuple[str, bool]] = {
    "usd": ("USD", True),
    "usd_pbpm": ("USD per beneficiary-month", True),
    "pct": ("%", False),
    "count": ("count", False),
    "number": ("", False),
    "text": ("", False),
}
VALUE = "Value"  # the measure of a list of named figures
ESTIMATE_NOTICE = (
    "Estimate: every dollar figure in this report is an estimate computed by the LEAD Portal from the claims "
    "loaded so far (the Portal rule for benchmarks, savings and settlement), not a CMS determination."
)
CSV_HEADER = ("section", "table", "item", "measure", "value", "unit", "estimate")
CONTENT_TYPES: dict[str, str] = {
    PerformanceReport.Format.PDF: "application/pdf",
    PerformanceReport.Format.XLSX: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    PerformanceReport.Format.CSV: "text/csv",
}


# --------------------------------------------------------------------------------------------------
# The facts: the snapshot as one long table
# --------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Fact:
    section: str
    table: str
    item: str
    measure: str
    value: str | int | float | None
    unit: str = "text"

    @property
    def is_money(self) -> bool:
        return UNITS[self.unit][1]


def _humanize(key: str) -> str:
    return key.replace("_", " ").strip().capitalize()


def _yes_no(value: object) -> str:
    return "yes" if value else "no"


def _plain(value: object) -> tuple[str | int | float | None, str]:
    """A parameter or other loose value as (value, unit)."""
    if isinstance(value, bool):
        return _yes_no(value), "text"
    if isinstance(value, int | float):
        return value, "number"
    if value is None:
        return None, "text"
    if isinstance(value, str):
        return value, "text"
    return json.dumps(value, sort_keys=True, default=str), "text"


class _Facts:
    def __init__(self) -> None:
        self.rows: list[Fact] = []

    def add(self, section: str, table: str, item: str, measure: str, value: Any, unit: str = "text") -> None:
        self.rows.append(Fact(section, table, str(item), measure, value, unit))

    def named(self, section: str, table: str, items: Iterable[tuple[str, Any, str]]) -> None:
        for item, value, unit in items:
            self.add(section, table, item, VALUE, value, unit)


def stamp(data: Mapping[str, Any]) -> str:
    """One line naming the ACO, the year, the run and the data vintage (top of every sheet and page)."""
    aco = data.get("aco", {})
    vintage = data.get("vintage", {})
    files = vintage.get("files") or []
    parts = [
        f"LEAD ACO {aco.get('aco_id', '?')} {aco.get('name', '')}".strip(),
        f"PY{data.get('performance_year', '?')}",
        f"pipeline run {vintage.get('pipeline_run', '?')}",
        f"{len(files)} CCLF file{'s' if len(files) != 1 else ''}"
        + (f" through {vintage['latest_file_date']}" if vintage.get("latest_file_date") else "")
        + _runout_words(vintage),
        f"claims through {vintage.get('claims_through') or 'n/a'}",
    ]
    if vintage.get("as_of"):
        parts.append(f"as of {vintage['as_of']}")
    return " · ".join(parts)


def _runout_words(vintage: Mapping[str, Any]) -> str:
    """ " (incl. 1 run-out package)" when the year's data includes run-out packages."""
    n = int(vintage.get("runout_packages") or 0)
    return f" (incl. {n} run-out package{'s' if n != 1 else ''})" if n else ""


def report_facts(data: Mapping[str, Any], *, built_at: str = "") -> list[Fact]:
    """The snapshot ``data`` as facts, section by section (see the module docstring)."""
    f = _Facts()
    aco = data.get("aco", {})
    vintage = data.get("vintage", {})
    alignment = data.get("alignment", {})
    quality = data.get("quality", {})
    s = data.get("settlement", {})
    minimum = alignment.get("minimum") or {}
    minimum_text = minimum.get("message") or minimum.get("label") or ""

    f.named(
        "Summary",
        "Report",
        [
            ("ACO", aco.get("aco_id"), "text"),
            ("ACO name", aco.get("name"), "text"),
            ("Performance year", data.get("performance_year"), "number"),
            ("Risk option", aco.get("risk_option_label") or aco.get("risk_option"), "text"),
            ("Capitation", aco.get("capitation_label") or aco.get("capitation"), "text"),
            ("Newly entering", _yes_no(aco.get("newly_entering")), "text"),
            ("Pipeline run", vintage.get("pipeline_run"), "number"),
            ("Claims through", vintage.get("claims_through"), "text"),
            ("Money figures", "Estimate (LEAD Portal rule), not a CMS determination", "text"),
        ],
    )
    f.named(
        "Summary",
        "Key figures",
        [
            ("Aligned beneficiaries", alignment.get("total"), "count"),
            ("High Needs share", alignment.get("high_needs_share_pct"), "pct"),
            ("Member-months", s.get("member_months"), "count"),
            ("Expenditure", s.get("expenditure"), "usd"),
            ("Expenditure PBPM", s.get("pbpm"), "usd_pbpm"),
            ("Benchmark", s.get("benchmark"), "usd"),
            ("Benchmark PBPM", s.get("benchmark_pbpm"), "usd_pbpm"),
            ("Gross savings (loss)", s.get("gross_savings"), "usd"),
            ("Gross savings (loss), % of benchmark", s.get("gross_savings_pct"), "pct"),
            ("Total Quality Score", quality.get("tqs"), "number"),
            ("Quality withhold", s.get("withhold"), "usd"),
            ("Withhold earned back", s.get("earned_back"), "usd"),
            *_cara_key_figures(s),
            ("Estimated settlement", s.get("estimated_settlement"), "usd"),
            ("Alignment minimum", minimum_text, "text"),
        ],
    )
    # Why the estimate is a saving or a loss, as the money page says it (negative amounts with a plain
    # hyphen, as ``display`` writes every other one in the report).
    reason = explain(data)
    if reason is not None:
        f.add("Summary", "Key figures", reason.title, VALUE, reason.text.replace("\u2212", "-"))

    f.named(
        "Alignment",
        "Aligned beneficiaries",
        [
            ("Aligned beneficiaries", alignment.get("total"), "count"),
            ("Claims-based", alignment.get("claims"), "count"),
            ("Voluntary", alignment.get("voluntary"), "count"),
            ("High Needs", alignment.get("high_needs"), "count"),
            ("High Needs share", alignment.get("high_needs_share_pct"), "pct"),
            ("High Needs line", alignment.get("high_needs_line_pct"), "pct"),
        ],
    )
    minimum_rows: list[tuple[str, Any, str]] = [("Status", minimum_text, "text")]
    for key, value in minimum.items():
        if key in ("message", "label"):
            continue
        shown, unit = _plain(value)
        minimum_rows.append((_humanize(key), shown, "count" if unit == "number" and "minimum" in key else unit))
    f.named("Alignment", "Alignment minimums", minimum_rows)

    for c in data.get("cohorts", []):
        label = c.get("label") or c.get("cohort")
        for measure, key, unit in (
            ("Member-months", "member_months", "count"),
            ("Expenditure", "expenditure", "usd"),
            ("PBPM", "pbpm", "usd_pbpm"),
            ("Benchmark source", "benchmark_source", "text"),
            ("Benchmark PBPM before discount", "benchmark_before_discount", "usd_pbpm"),
            ("Discount", "discount_pct", "pct"),
            ("Benchmark PBPM", "benchmark_pbpm", "usd_pbpm"),
        ):
            value = c.get(key)
            if key == "benchmark_source":  # in words, as the money page says it
                value = GROUP_SOURCES.get(str(value), value)
            f.add("Cohorts & benchmark", "Cohorts", label, measure, value, unit)
    for c in data.get("cohorts", []):
        label = c.get("label") or c.get("cohort")
        for b in c.get("base_years", []):
            item = f"{label}, base year {b.get('year')}"
            for measure, key, unit in (
                ("PBPM", "pbpm", "usd_pbpm"),
                ("Weight", "weight", "number"),
                ("Trend factor", "trend_factor", "number"),
                ("Member-months", "member_months", "count"),
                ("Expenditure", "expenditure", "usd"),
            ):
                f.add("Cohorts & benchmark", "Base years", item, measure, b.get(key), unit)
    _benchmark_group_facts(f, data)

    for m in data.get("months", []):
        for measure, key, unit in (
            ("Member-months", "member_months", "count"),
            ("Expenditure", "expenditure", "usd"),
            ("PBPM", "pbpm", "usd_pbpm"),
            ("Benchmark PBPM", "benchmark_pbpm", "usd_pbpm"),
        ):
            f.add("Months", "By month", m.get("month"), measure, m.get(key), unit)

    for c in data.get("categories", []):
        for measure, key, unit in (
            ("Expenditure", "expenditure", "usd"),
            ("PBPM", "pbpm", "usd_pbpm"),
            ("Share of spending", "share_pct", "pct"),
        ):
            f.add("Categories", "By service category", c.get("label") or c.get("category"), measure, c.get(key), unit)

    f.named(
        "Quality",
        "Score and withhold",
        [
            ("Total Quality Score", quality.get("tqs"), "number"),
            ("Measures scored", quality.get("scored_measures"), "count"),
            ("Quality withhold rate", quality.get("withhold_pct"), "pct"),
            ("Quality withhold", quality.get("withhold"), "usd"),
            ("Withhold earned back", quality.get("earned_back"), "usd"),
        ],
    )
    for m in quality.get("measures", []):
        label = measure_name(m)
        f.add("Quality", "Measures", label, "Rate", _rounded(m.get("rate"), 2), "number")
        f.add("Quality", "Measures", label, "Unit", m.get("unit") or "", "text")
        f.add("Quality", "Measures", label, "Points", _rounded(m.get("points"), 0), "number")
        f.add("Quality", "Measures", label, "Counts in the score", _yes_no(m.get("scored")), "text")

    for line in s.get("lines", []):
        f.add("Settlement", "Waterfall", line.get("label"), "Amount", line.get("amount"), "usd")
        f.add(
            "Settlement", "Waterfall", line.get("label"), "Kind", "level" if line.get("kind") == "total" else "change"
        )
    f.named(
        "Settlement",
        "Figures",
        [
            ("Member-months", s.get("member_months"), "count"),
            ("Expenditure", s.get("expenditure"), "usd"),
            ("Expenditure PBPM", s.get("pbpm"), "usd_pbpm"),
            ("Benchmark before discount", s.get("benchmark_before_discount"), "usd"),
            ("Discount", s.get("discount"), "usd"),
            ("Benchmark", s.get("benchmark"), "usd"),
            ("Benchmark PBPM", s.get("benchmark_pbpm"), "usd_pbpm"),
            ("Quality withhold", s.get("withhold"), "usd"),
            ("Withhold earned back", s.get("earned_back"), "usd"),
            ("Gross savings (loss)", s.get("gross_savings"), "usd"),
            ("Gross savings (loss), % of benchmark", s.get("gross_savings_pct"), "pct"),
            ("Shared after risk corridors", s.get("shared"), "usd"),
            _sequestration_figure(s, data),
            ("Shared after sequestration", s.get("shared_after_sequestration"), "usd"),
            ("PCC base capitation", s.get("pcc_base"), "usd"),
            ("PCC enhanced capitation (recouped)", s.get("pcc_enhanced"), "usd"),
            *_reduction_figures(s),
            ("Rural add-on (paid separately)", s.get("rural_addon"), "usd"),
            *_cara_key_figures(s),
            ("Estimated settlement", s.get("estimated_settlement"), "usd"),
        ],
    )
    _cara_facts(f, s)
    reduction = s.get("capitation_reduction")
    if reduction:
        f.named(
            "Settlement",
            "Withheld for capitation",
            [
                ("Part A claims (CCLFA)", reduction.get("part_a"), "usd"),
                ("Part B and DME claim lines (CCLFB)", reduction.get("part_b"), "usd"),
                ("Claims and lines with a reduction", reduction.get("claims"), "count"),
                ("What it is", reduction.get("note"), "text"),
                *([("Why $0", reduction["explanation"], "text")] if reduction.get("explanation") else []),
            ],
        )
    for band in s.get("corridor", []):
        low, high = band.get("low"), band.get("high")
        item = f"{_num(low)}% to {_num(high)}%" if high is not None else f"over {_num(low)}%"
        f.add("Settlement", "Risk corridors", item, "ACO share", band.get("share"), "pct")
        f.add("Settlement", "Risk corridors", item, "Savings (loss) in the band", band.get("amount"), "usd")
        f.add("Settlement", "Risk corridors", item, "ACO's part", band.get("aco_amount"), "usd")
    f.named("Settlement", "Notes", [(f"Note {i}", text, "text") for i, text in enumerate(s.get("notes", []), 1)])

    # As the money page lists them: by name, codes and corridor bands in words.
    f.named(
        "Parameters",
        "Model parameters used",
        [(label, text, "text") for _, label, text in named_parameters(parameter_rows(data))],
    )

    vintage_rows: list[tuple[str, Any, str]] = [
        ("Pipeline run", vintage.get("pipeline_run"), "number"),
        ("Alignment run", vintage.get("alignment_run"), "number"),
        ("Quality run", vintage.get("quality_run"), "number"),
        ("Risk run (risk-adjusted benchmark)", vintage.get("risk_run"), "number"),
        ("Data version (last CCLF file id)", vintage.get("data_version"), "number"),
        ("CCLF files", len(vintage.get("files") or []), "count"),
    ]
    vintage_rows += [
        (
            f"CCLF package {i}",
            f"PY{p.get('performance_year')} {p.get('kind')} package, produced {p.get('produced')}",
            "text",
        )
        for i, p in enumerate(vintage.get("packages") or [], 1)
    ]
    vintage_rows += [(f"CCLF file {i}", name, "text") for i, name in enumerate(vintage.get("files") or [], 1)]
    vintage_rows += [
        ("Latest CCLF file date", vintage.get("latest_file_date"), "text"),
        ("Claims through", vintage.get("claims_through"), "text"),
        ("Mid-year as of", vintage.get("as_of"), "text"),
        ("Summary computed", when(data.get("generated_at")) if data.get("generated_at") else None, "text"),
    ]
    if built_at:
        vintage_rows.append(("Report built", built_at, "text"))
    f.named("Vintage", "Data vintage", vintage_rows)
    return f.rows


def _benchmark_group_facts(f: _Facts, data: Mapping[str, Any]) -> None:
    """Each cohort's claims-aligned and voluntarily aligned benchmarks with every factor, as the money
    page shows them (none in a snapshot computed before benchmarks were set per alignment type)."""
    section = "Cohorts & benchmark"
    groups = [
        (f"{c.get('label') or c.get('cohort')}, {str(g.get('label') or g.get('alignment_type')).lower()}", g)
        for c in data.get("cohorts", [])
        for g in c.get("groups") or []
    ]
    if not groups:
        return
    adjusted = bool(data.get("settlement", {}).get("risk_adjusted"))
    f.named(
        section,
        "Risk adjustment",
        [
            ("Benchmark estimate risk-adjusted", "yes" if adjusted else "no: no risk scores in this run", "text"),
            ("Risk run", data.get("vintage", {}).get("risk_run"), "number"),
        ],
    )
    for item, g in groups:
        cap = g.get("voluntary_cap") or {}
        for measure, value, unit in (
            ("Member-months", g.get("member_months"), "count"),
            ("Expenditure PBPM", g.get("pbpm"), "usd_pbpm"),
            ("Benchmark source", GROUP_SOURCES.get(str(g.get("benchmark_source")), g.get("benchmark_source")), "text"),
            ("PY risk score", g.get("risk"), "number"),
            ("Sum of the base years", g.get("estimate"), "usd_pbpm"),
            ("Benchmark PBPM", g.get("benchmark_pbpm"), "usd_pbpm"),
            ("Benchmark", g.get("benchmark"), "usd"),
        ):
            f.add(section, "Benchmark by alignment type", item, measure, value, unit)
        for measure, value, unit in (
            ("Voluntary cap from", cap.get("low"), "usd_pbpm"),
            ("Voluntary cap to", cap.get("high"), "usd_pbpm"),
            ("Voluntary cap applied", _yes_no(cap.get("capped")) if cap else "not applicable", "text"),
            ("Benchmark PBPM before discount", g.get("benchmark_before_discount"), "usd_pbpm"),
            ("Discount", g.get("discount_pct"), "pct"),
        ):
            f.add(section, "Voluntary cap and discount", item, measure, value, unit)
    for item, g in groups:
        for b in g.get("base_years") or []:
            row = f"{item}, base year {b.get('year')}"
            ratio = b.get("risk_ratio_uncapped")
            cap_text = "capped" if b.get("risk_capped") else "no"
            if ratio is None:
                cap_text = "not risk-adjusted: " + (
                    "diagnoses before the CCLF"
                    if g.get("risk") is not None and b.get("risk_before_cclf")
                    else "no scores"
                )
            for measure, value, unit in (
                ("Base-year PBPM", b.get("pbpm"), "usd_pbpm"),
                ("Base-year risk score", b.get("risk"), "number"),
                ("PY risk score", g.get("risk"), "number"),
                ("Risk ratio (PY / base year)", ratio, "number"),
                ("Risk ratio applied", b.get("risk_ratio"), "number"),
                ("Cap applied", cap_text, "text"),
            ):
                f.add(section, "Risk adjustment by base year", row, measure, value, unit)
            for measure, value, unit in (
                ("Risk-adjusted PBPM", b.get("adjusted_pbpm"), "usd_pbpm"),
                ("Trend factor", b.get("trend_factor"), "number"),
                ("Weight", b.get("weight"), "number"),
                ("Adds to the benchmark", b.get("contribution"), "usd_pbpm"),
            ):
                f.add(section, "Trend and weight by base year", row, measure, value, unit)


def _sequestration_figure(s: Mapping[str, Any], data: Mapping[str, Any]) -> tuple[str, Any, str]:
    """Sequestration with the sign and label of the money page and the waterfall (``snapshot``)."""
    shown = sequestration_shown(s, data.get("parameters", {}).get("sequestration_pct"))
    return (shown.label, shown.amount, "usd")


def _cara_key_figures(s: Mapping[str, Any]) -> list[tuple[str, Any, str]]:
    """The settlement's CARA line, as the money page shows it: the settlement before it and the charge
    (negative) or credit (positive); in words when the ACO has no EBRA (none in a snapshot computed before
    CARA was reconciled)."""
    cara = s.get("cara")
    if not cara:
        return []
    label = cara.get("label") or "CARA reconciliation with Preferred Providers"
    if not cara.get("has_arrangements"):
        return [(label, "No active or terminated EBRA: nothing charged or credited", "text")]
    return [
        ("Estimated settlement before CARA", cara.get("settlement_before"), "usd"),
        (f"{label} (charge -, credit +; {cara.get('status')})", cara.get("change"), "usd"),
    ]


def _cara_facts(f: _Facts, s: Mapping[str, Any]) -> None:
    """The CARA line EBRA by EBRA, with the count of EBRAs and periods and whether it is final."""
    cara = s.get("cara")
    if not cara:
        return
    table = "CARA reconciliation with Preferred Providers"
    rows: list[tuple[str, Any, str]] = [
        ("EBRAs reconciled", cara.get("arrangements"), "count"),
        ("Periods reconciled", cara.get("periods"), "count"),
        ("Status", {"final": "final", "provisional": "provisional"}.get(cara.get("status"), "no EBRA"), "text"),
    ]
    if cara.get("has_arrangements"):
        rows += [
            ("Paid to (repaid by) the Preferred Providers, net", cara.get("payments"), "usd"),
            ("Change to the settlement (charge -, credit +)", cara.get("change"), "usd"),
        ]
    rows += [("What it is", cara.get("text"), "text"), ("Rule", cara.get("note"), "text")]
    f.named("Settlement", table, rows)
    for e in cara.get("ebras") or []:
        item = f"EBRA {e.get('arrangement_id')}, {e.get('preferred_provider')} (NPI {e.get('npi')})"
        f.add("Settlement", "CARA reconciliation by EBRA", item, "Periods reconciled", e.get("periods"), "count")
        f.add("Settlement", "CARA reconciliation by EBRA", item, "Periods final", e.get("final_periods"), "count")
        f.add("Settlement", "CARA reconciliation by EBRA", item, "Periods in all", e.get("expected_periods"), "count")
        f.add("Settlement", "CARA reconciliation by EBRA", item, "Paid to (repaid by) the Preferred Provider",
              e.get("payments"), "usd")  # fmt: skip
        f.add("Settlement", "CARA reconciliation by EBRA", item, "Change to the settlement", e.get("change"), "usd")


def _reduction_figures(s: Mapping[str, Any]) -> list[tuple[str, Any, str]]:
    """The amount withheld for capitation and its PBPM, beside the capitation lines (none in a snapshot
    computed before the portal read CCLFA/CCLFB)."""
    reduction = s.get("capitation_reduction")
    if not reduction:
        return []
    label = reduction.get("label") or "Withheld for capitation"
    return [(label, reduction.get("amount"), "usd"), (f"{label}, PBPM", reduction.get("pbpm"), "usd_pbpm")]


def _num(value: object) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _rounded(value: Any, places: int) -> float | int | None:
    """A figure to the precision people read (a rate to 2 decimals, points whole)."""
    if value is None or isinstance(value, bool) or not isinstance(value, int | float):
        return value
    return round(float(value), places) if places else round(float(value))


# --------------------------------------------------------------------------------------------------
# Tables: the facts pivoted (items as rows, measures as columns), for the XLSX sheets and the PDF
# --------------------------------------------------------------------------------------------------
@dataclass
class Table:
    section: str
    title: str
    measures: list[str] = field(default_factory=list)
    rows: list[tuple[str, dict[str, Fact]]] = field(default_factory=list)

    @property
    def is_named_figures(self) -> bool:
        return self.measures == [VALUE]


def report_tables(facts: Sequence[Fact]) -> list[Table]:
    tables: dict[tuple[str, str], Table] = {}
    rows: dict[tuple[str, str, str], dict[str, Fact]] = {}
    for fact in facts:
        key = (fact.section, fact.table)
        table = tables.get(key)
        if table is None:
            table = tables[key] = Table(fact.section, fact.table)
        if fact.measure not in table.measures:
            table.measures.append(fact.measure)
        row_key = (fact.section, fact.table, fact.item)
        if row_key not in rows:
            rows[row_key] = {}
            table.rows.append((fact.item, rows[row_key]))
        rows[row_key][fact.measure] = fact
    return list(tables.values())


def display(value: object, unit: str) -> str:
    """A value as shown in the PDF and on pages: $1,234.56, -$12.00, 29.4%, 1,020."""
    if value is None or value == "":
        return "—"
    if unit in ("usd", "usd_pbpm") and isinstance(value, int | float):
        sign = "-" if value < 0 else ""
        return f"{sign}${abs(value):,.2f}"
    if unit == "pct" and isinstance(value, int | float):
        return f"{_num(round(float(value), 2))}%"
    if unit == "count" and isinstance(value, int | float):
        return f"{value:,.0f}"
    if isinstance(value, float):
        return _num(round(value, 6))
    return str(value)


def measure_label(table: Table, measure: str) -> str:
    """A column heading, money ones marked as estimates."""
    units = {fact.unit for _, cells in table.rows if (fact := cells.get(measure))}
    if units & {"usd", "usd_pbpm"}:
        return f"{measure} ($, estimate)"
    if units == {"pct"}:
        return f"{measure} (%)"
    return measure


# --------------------------------------------------------------------------------------------------
# The builders: pure functions of the snapshot's document
# --------------------------------------------------------------------------------------------------
def build_csv(data: Mapping[str, Any], *, built_at: str = "") -> bytes:
    buffer = io.StringIO()
    writer = csv_writer(buffer, lineterminator="\r\n")
    writer.writerow(CSV_HEADER)
    for fact in report_facts(data, built_at=built_at):
        value = fact.value
        shown: object
        if value is None:
            shown = ""
        elif fact.is_money and isinstance(value, int | float):
            shown = Decimal(f"{value:.2f}")  # a number to the cent (a negative one is not text)
        elif isinstance(value, int | float):
            shown = value
        else:
            shown = str(value)  # text: the writer neutralises a formula prefix
        writer.writerow(
            [fact.section, fact.table, fact.item, fact.measure, shown, UNITS[fact.unit][0], "estimate" * fact.is_money]
        )
    return buffer.getvalue().encode("utf-8")


def build_xlsx(data: Mapping[str, Any], *, built_at: str = "") -> bytes:
    raw = io.BytesIO()
    book = xlsx_workbook(raw)
    aco_id = data.get("aco", {}).get("aco_id", "")
    book.set_properties(
        {
            "title": f"LEAD performance report {aco_id} PY{data.get('performance_year')}",
            "subject": stamp(data),
            "comments": ESTIMATE_NOTICE,
        }
    )
    bold = book.add_format({"bold": True})
    title = book.add_format({"bold": True, "font_size": 12})
    notice = book.add_format({"italic": True, "font_color": "#981b1e"})
    header = book.add_format({"bold": True, "bg_color": "#e6e6e6", "text_wrap": True, "valign": "top"})
    formats = {
        "usd": book.add_format({"num_format": '"$"#,##0.00;-"$"#,##0.00'}),
        "usd_pbpm": book.add_format({"num_format": '"$"#,##0.00;-"$"#,##0.00'}),
        "pct": book.add_format({"num_format": '0.0#"%"'}),
        "count": book.add_format({"num_format": "#,##0"}),
        "number": book.add_format({"num_format": "General"}),
        "text": book.add_format({}),
    }
    tables = report_tables(report_facts(data, built_at=built_at))
    for section in SECTIONS:
        sheet = book.add_worksheet(section)
        xlsx_write(sheet, 0, 0, stamp(data), bold)
        xlsx_write(sheet, 1, 0, ESTIMATE_NOTICE, notice)
        row = 3
        for table in (t for t in tables if t.section == section):
            xlsx_write(sheet, row, 0, table.title, title)
            row += 1
            if table.is_named_figures:
                xlsx_write_row(sheet, row, 0, ["Item", VALUE, "Unit"], header)
            else:
                xlsx_write_row(sheet, row, 0, ["Item", *(measure_label(table, m) for m in table.measures)], header)
            row += 1
            for item, cells in table.rows:
                xlsx_write(sheet, row, 0, item)
                for col, measure in enumerate(table.measures, 1):
                    fact = cells.get(measure)
                    if fact is None or fact.value is None:
                        continue
                    if isinstance(fact.value, int | float) and not isinstance(fact.value, bool):
                        sheet.write_number(row, col, fact.value, formats[fact.unit])
                    else:
                        sheet.write_string(row, col, str(fact.value))
                if table.is_named_figures and (fact := cells.get(VALUE)) is not None:
                    unit = UNITS[fact.unit][0]
                    xlsx_write(sheet, row, 2, f"{unit} (estimate)" if fact.is_money else unit)
                row += 1
            row += 1
        sheet.set_column(0, 0, 40)
        sheet.set_column(1, 8, 20)
    book.close()
    return raw.getvalue()


def build_pdf(data: Mapping[str, Any], *, built_at: str = "") -> bytes:
    from .report_charts import render_pdf

    facts = report_facts(data, built_at=built_at)
    return render_pdf(data, report_tables(facts), stamp=stamp(data), notice=ESTIMATE_NOTICE, built_at=built_at)


BUILDERS: dict[str, Callable[..., bytes]] = {
    PerformanceReport.Format.PDF: build_pdf,
    PerformanceReport.Format.XLSX: build_xlsx,
    PerformanceReport.Format.CSV: build_csv,
}


# --------------------------------------------------------------------------------------------------
# Selectors
# --------------------------------------------------------------------------------------------------
def summary_for_report(*, aco: ACO, performance_year: int) -> PerformanceSummary | None:
    """The ACO's summary from the performance year's latest successful pipeline run."""
    return (
        PerformanceSummary.objects.filter(
            aco=aco, performance_year=performance_year, run__status=PipelineRun.Status.SUCCEEDED
        )
        .select_related("run")
        .order_by("-run_id")
        .first()
    )


def summary_get(*, aco: ACO, run_id: int) -> PerformanceSummary:
    """The ACO's summary from a given pipeline run (404 when the run has none for the ACO)."""
    # ``run__pk``, not ``run_id``: an id beyond the column's range is no row, not a database error.
    summary = PerformanceSummary.objects.filter(aco=aco, run__pk=run_id).select_related("run").first()
    if summary is None:
        raise Http404("No performance summary of this ACO in that run.")
    return summary


def report_years(*, aco: ACO) -> list[int]:
    """Performance years for which the ACO has a summary from a successful run, latest first."""
    years = (
        PerformanceSummary.objects.filter(aco=aco, run__status=PipelineRun.Status.SUCCEEDED)
        .values_list("performance_year", flat=True)
        .distinct()
    )
    return sorted(set(years), reverse=True)


def report_list(*, aco: ACO, performance_year: int | None = None) -> QuerySet[PerformanceReport]:
    qs = PerformanceReport.objects.filter(aco=aco).select_related("summary", "requested_by")
    if performance_year is not None:
        qs = qs.filter(performance_year=performance_year)
    return qs.order_by("-created_at", "-id")


def report_get(*, aco: ACO, report_id: int) -> PerformanceReport:
    report = PerformanceReport.objects.filter(aco=aco, pk=report_id).select_related("summary", "requested_by").first()
    if report is None:
        raise Http404("No such report.")
    return report


def report_is_ready(report: PerformanceReport) -> bool:
    return report.status == PerformanceReport.Status.READY and bool(report.file)


def report_attention(aco: ACO, performance_year: int, today: dt.date) -> list[AttentionItem]:
    """Reports built and not yet downloaded by anyone of the ACO (a download is access-logged as
    ``report <id>``), for the overview's list of what needs attention (registered in ``apps.py``)."""
    ready = list(
        PerformanceReport.objects.filter(aco=aco, status=PerformanceReport.Status.READY)
        .exclude(file="")
        .select_related("summary")
        .order_by("finished_at", "id")
    )
    if not ready:
        return []
    downloaded = set(
        AccessLog.objects.filter(
            action=AccessLog.Action.EXPORT,
            object_type="performance_report",
            object_id__in=[f"report {r.pk}" for r in ready],
            user__memberships__aco=aco,
        ).values_list("object_id", flat=True)
    )
    waiting = [r for r in ready if f"report {r.pk}" not in downloaded]
    if not waiting:
        return []
    return [
        downloads_waiting(
            described=[
                f"{r.get_format_display()}, PY{r.performance_year}, pipeline run {r.summary.run_id}" for r in waiting
            ],
            one="performance report",
            many="performance reports",
            url=f"{reverse('reports:list', kwargs={'aco_id': aco.aco_id})}?py={waiting[-1].performance_year}",
            action="Download the reports",
            since=waiting[0].finished_at,
        )
    ]


# --------------------------------------------------------------------------------------------------
# Services
# --------------------------------------------------------------------------------------------------
def report_request(
    *,
    aco: ACO,
    fmt: str,
    performance_year: int,
    acting_user: User,
    summary: PerformanceSummary | None = None,
) -> PerformanceReport:
    """Queue a report of ``aco`` for ``performance_year`` from ``summary`` (default: the year's latest
    successful run). Building a report only reads, so anyone who sees the ACO may ask: its administrators,
    its read-only analysts and CMS staff. The same report still being built is returned, not doubled."""
    if not aco_selectors.aco_list_for_user(user=acting_user).filter(pk=aco.pk).exists():
        raise PermissionDenied("You cannot see this ACO.")
    if fmt not in PerformanceReport.Format.values:
        raise ValidationError({"format": "Choose PDF, XLSX or CSV."})
    if summary is None:
        summary = summary_for_report(aco=aco, performance_year=performance_year)
        if summary is None:
            raise ValidationError(
                {"performance_year": f"No performance has been computed for {aco.aco_id} in PY{performance_year} yet."}
            )
    elif summary.aco_id != aco.pk:
        raise ValidationError({"run": "That summary belongs to another ACO."})
    with transaction.atomic():
        building = PerformanceReport.objects.filter(
            summary=summary, format=fmt, status=PerformanceReport.Status.REQUESTED
        ).first()
        if building is not None:
            return building
        report = PerformanceReport(
            summary=summary, aco=aco, performance_year=summary.performance_year, format=fmt, requested_by=acting_user
        )
        report.full_clean()
        report.save()
        transaction.on_commit(partial(_queue_or_fail, task_names.REPORT_BUILD_TASK, report.pk))
    return report


def _queue_or_fail(task: str, report_id: int) -> None:
    """Queue the build once the row is committed; a queue that does not answer fails the row with the
    reason (never a report "being built" for ever) and the caller hears why."""
    try:
        jobs.send(task, report_id, what="The report")
    except jobs.QueueUnavailable as exc:
        PerformanceReport.objects.filter(pk=report_id, status=PerformanceReport.Status.REQUESTED).update(
            status=PerformanceReport.Status.FAILED, finished_at=timezone.now(), message=str(exc)
        )
        raise


def report_build(*, report_id: int) -> PerformanceReport | None:
    """Build the report's file (the task's body). The row is claimed under a lock and finished in one
    transaction, so a redelivered task finds it ready and does nothing; a worker killed mid-build leaves
    it requested, for the redelivered message to build. A builder's error fails the report with the
    reason (it would fail again on a retry)."""
    with transaction.atomic():
        report = (
            PerformanceReport.objects.select_for_update(skip_locked=True)
            .filter(pk=report_id, status=PerformanceReport.Status.REQUESTED)
            .first()
        )
        if report is None:
            return PerformanceReport.objects.filter(pk=report_id).first()
        summary = PerformanceSummary.objects.select_related("run").get(pk=report.summary_id)
        report.summary = summary
        started = time.perf_counter()
        try:
            content = BUILDERS[report.format](summary.data, built_at=built_at_text(timezone.now()))
        except Exception as exc:  # a bug in a builder must leave a failed report, not a spinner
            log.exception("Performance report %s failed", report_id)
            report.status = PerformanceReport.Status.FAILED
            report.message = f"{type(exc).__name__}: {exc}"[:2000]
        else:
            report.file.save(report.filename, ContentFile(content), save=False)
            report.size = len(content)
            report.status = PerformanceReport.Status.READY
            report.message = ""
        report.seconds = round(time.perf_counter() - started, 3)
        report.finished_at = timezone.now()
        report.save()
    return report


def built_at_text(moment: dt.datetime) -> str:
    """When a report was built, as every page writes a time: the portal's zone, named."""
    return when(moment)
