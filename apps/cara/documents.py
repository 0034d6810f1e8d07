"""CARA documents (docs/cara.md, "Contracting templates and statements"): an EBRA's contracting template (or
a prospective one's: an ACO, one of its Preferred Providers and chosen episode types with a discount or
premium each, before any EBRA exists) and a reconciliation's statement, as XLSX or PDF, built in the
background like the performance reports.

What each holds (the same content in both formats; every sheet and every page carries the stamp and the
data vintage):

- **Contracting template**: *Cover* (the parties, the PY, the vintage: episode run, claims run-through,
  when built; the figures are estimates from CCLF claims), *Definitions* (each type's design, trigger,
  window, claim categories and exclusions), *Baselines* (portal-wide, per base year and pooled, from the
  PY's latest episode run), *Provider history* (the Preferred Provider's own attributed episodes per type
  and start year: aggregates only, no beneficiary), *Target prices* (an EBRA's frozen terms; for a
  prospective template the pooled baseline × (1 − discount) or × (1 + premium)), *Terms* (performance
  adjustment, measure, repayment limit, reconciliation period, first episode date, effective period) and a
  blank *Signatures* page.
- **Statement** of one ``Reconciliation``: the stamp (parties, EBRA, period, vintage, final or provisional),
  the summary (Σ target, Σ actual, the measure and the adjustment, the repayment cap, the amount and who
  pays whom) and the episodes counted, one a line. Beneficiary-level: every download is access-logged.

The content is built once as plain sections (``Section``: notes and tables of typed cells) from the
database, then written by the XLSX writer (``lead_portal.exports``: strings never become formulas) or the
PDF writer (ReportLab).

Selectors (``aco_documents``, ``provider_documents`` and their ``*_get``) return the documents a caller
may reach; services (``template_request``, ``statement_request``) check who asks, create the row and
queue ``document_build`` (the task's body) on commit; ``document_response`` answers a download.
"""

from __future__ import annotations

import datetime as dt
import io
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from functools import partial
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Avg, Count, F, Q, QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import content_disposition_header

from apps.accounts.models import AccessLog, User
from apps.accounts.services import access_log_record
from apps.acos import selectors as aco_selectors
from apps.acos.models import ACO, PreferredProvider
from lead_portal import jobs
from lead_portal.exports import XLSX_CONTENT_TYPE, xlsx_workbook, xlsx_write
from lead_portal.formatting import money_cents as usd
from lead_portal.formatting import points, when
from lead_portal.text import pdf_text

from . import arrangements, selectors, task_names
from . import reconcile as math
from .catalogue import CLAIM_CATEGORIES
from .models import (
    Arrangement,
    ArrangementStatus,
    ArrangementTerm,
    CaraDocument,
    Episode,
    EpisodeBaseline,
    EpisodeDefinition,
    EpisodeRun,
    QualityLink,
    Reconciliation,
    TriggerKind,
)
from .services import parameters_for

log = logging.getLogger(__name__)

CONTENT_TYPES: dict[str, str] = {
    CaraDocument.Format.XLSX: XLSX_CONTENT_TYPE,
    CaraDocument.Format.PDF: "application/pdf",
}
ESTIMATE_NOTE = (
    "Estimates: every figure here is computed by the LEAD Portal from the CCLF claims loaded so far (netted "
    "paid amounts), not a CMS determination."
)
TEMPLATE_SHEETS = ("Cover", "Definitions", "Baselines", "Provider history", "Target prices", "Terms", "Signatures")
STATEMENT_SHEETS = ("Statement", "Episodes")
MEASURE_UNITS: dict[str, str] = {QualityLink.UAMCC: "admissions per 100 person-years"}
PAYS_PROVIDER = "CMS pays the Preferred Provider; charged to the ACO's settlement."
PROVIDER_REPAYS = "The Preferred Provider repays; credited to the ACO's settlement."
NOTHING_OWED = "Nothing is owed either way."
SIGNATURE_LINE = "_" * 40


# --------------------------------------------------------------------------------------------------
# The content: sections of notes and tables of typed cells
# --------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Money:
    cents: int | None


@dataclass(frozen=True)
class Pct:
    value: Decimal | float | None


@dataclass(frozen=True)
class Num:
    value: float | Decimal | None
    places: int = 2


Cell = str | int | dt.date | Money | Pct | Num | None


@dataclass
class Table:
    title: str
    header: list[str] | None  # None: named figures, one (label, value) a row
    rows: list[list[Cell]]


@dataclass
class Section:
    name: str  # the sheet's name and the PDF's heading
    notes: list[str] = field(default_factory=list)
    tables: list[Table] = field(default_factory=list)


@dataclass
class Content:
    title: str
    stamp: str  # who and what: top of every sheet and page
    vintage: str  # the data behind it: under the stamp on every sheet, at the foot of every page
    sections: list[Section]


def day(value: dt.date | None) -> str:
    """``Mar 4, 2027``."""
    return "—" if value is None else f"{value:%b} {value.day}, {value.year}"


def pct_text(value: Decimal | float | None) -> str:
    if value is None:
        return "—"
    text = f"{Decimal(str(value)).normalize():f}"
    return f"{text}%"


def cell_text(value: Cell) -> str:
    """A cell as people read it (the PDF's tables)."""
    if value is None:
        return "—"
    if isinstance(value, Money):
        return usd(value.cents)
    if isinstance(value, Pct):
        return pct_text(value.value)
    if isinstance(value, Num):
        return "—" if value.value is None else f"{float(value.value):,.{value.places}f}"
    if isinstance(value, dt.date):
        return day(value)
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


def trigger_text(kind: str, code: str) -> str:
    return f"MS-DRG {code}" if kind == TriggerKind.INPATIENT else f"HCPCS {code}"


def _vintage_text(run: EpisodeRun | None, built: str, computed: dt.datetime | None = None) -> str:
    if run is None:
        return f"No episode run yet · built {built}"
    parts = [f"Episode run {run.pk}", f"claims through {day(run.through)}"]
    if computed is not None:
        parts.append(f"computed {when(computed)}")
    parts.append(f"built {built}")
    return " · ".join(parts)


def _provider_text(pp: PreferredProvider) -> str:
    return f"{pp.name} (TIN {pp.tin}, NPI {pp.npi})"


# --------------------------------------------------------------------------------------------------
# Contracting template
# --------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class TermRow:
    definition: EpisodeDefinition
    baseline_cents: int | None
    adjustment: str
    rate_pct: Decimal
    target_cents: int | None


def _template_terms(document: CaraDocument, baselines: dict[int, EpisodeBaseline]) -> list[TermRow]:
    if document.arrangement_id is not None:
        return [
            TermRow(t.definition, t.baseline_cents, t.adjustment, t.rate_pct, t.target_cents)
            for t in ArrangementTerm.objects.filter(arrangement_id=document.arrangement_id)
            .select_related("definition")
            .order_by("definition__code", "pk")
        ]
    raw = document.params.get("terms") or []
    by_pk = {d.pk: d for d in EpisodeDefinition.objects.filter(pk__in=[int(t["definition"]) for t in raw])}
    rows = []
    for t in raw:
        definition = by_pk[int(t["definition"])]
        base = baselines.get(definition.pk)
        baseline = None if base is None else base.mean_cost_cents
        rate = Decimal(str(t["rate_pct"]))
        target = None if baseline is None else math.target_cents(baseline, t["adjustment"], rate)
        rows.append(TermRow(definition, baseline, t["adjustment"], rate, target))
    return rows


def template_content(document: CaraDocument, *, built_at: dt.datetime) -> tuple[Content, dict[str, Any]]:
    """The template's content and its vintage (stored on the document)."""
    aco = document.aco
    arrangement = document.arrangement
    pp = arrangement.preferred_provider if arrangement is not None else document.preferred_provider
    if pp is None:
        raise ValueError("a contracting template names its Preferred Provider")
    py = arrangement.performance_year if arrangement is not None else int(document.params["performance_year"])
    params = parameters_for(py)
    run = selectors.latest_run(performance_year=py)
    baselines_all = list(EpisodeBaseline.objects.filter(run=run)) if run is not None else []
    pooled = {b.definition_id: b for b in baselines_all if b.year is None}
    terms = _template_terms(document, pooled)
    definitions = [t.definition for t in terms]
    built = when(built_at)
    vintage_text = _vintage_text(run, built)
    which = f"EBRA {arrangement.pk} ({arrangement.get_status_display()})" if arrangement else "Prospective EBRA"
    stamp = f"CARA contracting template · {aco.aco_id} {aco.legal_name} · {_provider_text(pp)} · PY{py} · {which}"

    cover = Section(
        "Cover",
        notes=[ESTIMATE_NOTE],
        tables=[
            Table(
                "Contracting template",
                None,
                [
                    ["ACO", f"{aco.aco_id} {aco.legal_name}"],
                    ["Preferred Provider", pp.name],
                    ["Preferred Provider TIN", pp.tin],
                    ["Preferred Provider NPI", pp.npi],
                    ["Performance year", str(py)],
                    [
                        "Arrangement",
                        f"EBRA {arrangement.pk}, {arrangement.get_status_display().lower()}"
                        if arrangement is not None
                        else "Prospective: no EBRA yet; the terms below are for discussion",
                    ],
                    ["Episode types", ", ".join(d.name for d in definitions) or "—"],
                ],
            ),
            Table(
                "Data vintage",
                None,
                [
                    ["Episode run", str(run.pk) if run is not None else "No episode run yet"],
                    ["Claims through", run.through if run is not None else None],
                    ["Built at", built],
                ],
            ),
        ],
    )

    definition_rows: list[list[Cell]] = []
    for d in definitions:
        definition_rows.append(
            [
                d.name,
                d.get_design_display(),
                d.get_trigger_kind_display(),
                ", ".join(str(c) for c in d.trigger_codes) or "—",
                f"{d.window_days} days after the anchor",
                "; ".join(CLAIM_CATEGORIES.get(c, c) for c in d.included_categories) or "—",
                ", ".join(d.excluded_diagnoses) if d.excluded_diagnoses else "None",
            ]
        )
    definitions_section = Section(
        "Definitions",
        notes=[
            "An episode starts with its trigger (the anchor stay, or the procedure's day) and runs to the end of "
            "the window after it; its cost is every netted paid claim of the beneficiary, in the counted claim "
            "categories, that began in that time. A trigger whose principal diagnosis starts with an excluded "
            "ICD-10 prefix starts no episode."
        ],
        tables=[
            Table(
                "Episode definitions",
                [
                    "Episode type",
                    "Design",
                    "Trigger",
                    "Trigger codes",
                    "Window",
                    "Claim categories counted",
                    "Excluded principal diagnoses",
                ],
                definition_rows,
            )
        ],
    )

    base_years = list(range(py - 3, py))
    by_key = {(b.definition_id, b.year): b for b in baselines_all}
    baseline_rows: list[list[Cell]] = []
    for d in definitions:
        for year in [*base_years, None]:
            b = by_key.get((d.pk, year))
            baseline_rows.append(
                [
                    d.name,
                    str(year) if year is not None else "All base years",
                    b.episodes if b is not None else 0,
                    Money(b.mean_cost_cents if b is not None else None),
                    Num(b.mean_risk if b is not None else None, 3),
                    Money(b.mean_cost_per_risk_cents if b is not None else None),
                ]
            )
    baselines_section = Section(
        "Baselines",
        notes=[
            f"Portal-wide, over the closed episodes that started in each base year ({base_years[0]}–"
            f"{base_years[-1]}) and in all three together, whichever ACO the beneficiary is aligned to. The mean "
            "cost per 1.0 risk divides each episode's cost by the beneficiary's risk score first (over the "
            "episodes with a score)."
            + ("" if run is not None else " No episode run has been computed for the year yet.")
        ],
        tables=[
            Table(
                "Baselines by episode type",
                ["Episode type", "Base year", "Episodes", "Mean cost", "Mean risk score", "Mean cost per 1.0 risk"],
                baseline_rows,
            )
        ],
    )

    history_rows: list[list[Cell]] = []
    if run is not None and definitions:
        cost = (
            F("index_cents")
            + F("readmission_cents")
            + F("post_acute_cents")
            + F("professional_cents")
            + F("other_cents")
        )
        counted = {
            (r["definition"], r["year"]): r
            for r in Episode.objects.filter(run=run, preferred_provider=pp, definition__in=definitions)
            .values("definition", "year")
            .annotate(n=Count("pk"), closed_n=Count("pk", filter=Q(closed=True)), cost=Avg(cost, filter=Q(closed=True)))
            .order_by()
        }
        for d in definitions:
            for year in range(py - 3, py + 1):
                r: dict[str, Any] = dict(counted.get((d.pk, year), {}))
                mean = r.get("cost")
                history_rows.append(
                    [
                        d.name,
                        str(year),
                        r.get("n", 0),
                        r.get("closed_n", 0),
                        Money(None if mean is None else math.half_up(Decimal(str(mean)))),
                    ]
                )
    history_section = Section(
        "Provider history",
        notes=[
            f"{pp.name}'s own episodes: those of {aco.aco_id}'s aligned beneficiaries attributed to it (NPI "
            f"{pp.npi}: the operating or attending physician of an inpatient trigger, the rendering provider of a "
            "procedure), by the year they started. The mean cost is over the closed ones (their window has "
            "ended by the claims' run-through). Counts only: no beneficiary is named."
        ],
        tables=[
            Table(
                "Attributed episodes by type and start year",
                ["Episode type", "Start year", "Episodes", "Closed", "Mean cost of the closed"],
                history_rows,
            )
        ],
    )

    target_rows: list[list[Cell]] = [
        [
            t.definition.name,
            Money(t.baseline_cents),
            ArrangementTerm.Adjustment(t.adjustment).label,
            Pct(t.rate_pct),
            Money(t.target_cents),
        ]
        for t in terms
    ]
    targets_section = Section(
        "Target prices",
        notes=[
            "Target price = baseline × (1 − discount) or × (1 + premium), rounded to the cent. "
            + (
                "The baselines are those frozen in the EBRA's terms when they were set."
                if arrangement is not None
                else "The baseline is the pooled base-year mean cost of the latest episode run."
            )
        ],
        tables=[
            Table(
                "Target price per episode type",
                ["Episode type", "Baseline (base-year mean cost)", "Discount or premium", "Rate", "Target price"],
                target_rows,
            )
        ],
    )

    months = params.reconciliation_months
    period = f"{months} month{'s' if months != 1 else ''}" + (" (quarterly)" if months == 3 else "")
    measure_label = arrangement.get_quality_measure_display() if arrangement is not None else QualityLink.UAMCC.label
    if arrangement is not None:
        term_rows: list[list[Cell]] = [
            ["Performance adjustment", Pct(arrangement.performance_adjustment_pct)],
            ["Linked quality measure", measure_label],
            ["Repayment limit", f"{pct_text(arrangement.repayment_limit_pct)} of a period's total target price"],
            ["Reconciliation period", period],
            ["First episode date", params.first_episode_date],
            ["Effective period", f"{day(arrangement.effective_start)} to {day(arrangement.effective_end)}"],
        ]
    else:
        adjustment_low, adjustment_high = arrangements.ADJUSTMENT_RANGE
        term_rows = [
            ["Performance adjustment", f"To be agreed: {adjustment_low}–{adjustment_high}% of the amount"],
            ["Linked quality measure", f"{measure_label} (CMS's default link)"],
            ["Repayment limit", "To be agreed: a share of a period's total target price"],
            ["Reconciliation period", period],
            ["First episode date", params.first_episode_date],
            ["Effective period", f"To be agreed, inside {py} and from the first episode date"],
        ]
    terms_section = Section(
        "Terms",
        notes=[
            "Each period, over the closed episodes of the EBRA's types attributed to the Preferred Provider that "
            "started in it: the difference Σ(target − actual), times the adjustment factor from the linked "
            "measure's result (the performance adjustment is the share of the amount that depends on quality), "
            "and a repayment is limited to the repayment limit × the period's total target price. Positive: "
            "CMS pays the Preferred Provider, charged to the ACO's settlement; negative: the Preferred Provider "
            "repays, credited to the ACO's settlement."
        ],
        tables=[Table("Adjustment terms", None, term_rows)],
    )

    signatures = Section(
        "Signatures",
        notes=["Signed by the parties' authorised representatives. The EBRA takes effect once CMS approves it."],
        tables=[
            Table(
                f"For the ACO: {aco.aco_id} {aco.legal_name}",
                None,
                [
                    ["Name", SIGNATURE_LINE],
                    ["Title", SIGNATURE_LINE],
                    ["Signature", SIGNATURE_LINE],
                    ["Date", SIGNATURE_LINE],
                ],
            ),
            Table(
                f"For the Preferred Provider: {pp.name}",
                None,
                [
                    ["Name", SIGNATURE_LINE],
                    ["Title", SIGNATURE_LINE],
                    ["Signature", SIGNATURE_LINE],
                    ["Date", SIGNATURE_LINE],
                ],
            ),
        ],
    )
    content = Content(
        title=f"CARA contracting template: {aco.aco_id} and {pp.name}, PY{py}",
        stamp=stamp,
        vintage=vintage_text,
        sections=[
            cover,
            definitions_section,
            baselines_section,
            history_section,
            targets_section,
            terms_section,
            signatures,
        ],
    )
    vintage = {
        "episode_run": run.pk if run is not None else None,
        "claims_through": run.through.isoformat() if run is not None and run.through else None,
        "built_at": built_at.isoformat(),
        "performance_year": py,
    }
    return content, vintage


# --------------------------------------------------------------------------------------------------
# Statement
# --------------------------------------------------------------------------------------------------
def who_pays(amount_cents: int) -> str:
    if amount_cents > 0:
        return PAYS_PROVIDER
    if amount_cents < 0:
        return PROVIDER_REPAYS
    return NOTHING_OWED


def statement_content(document: CaraDocument, *, built_at: dt.datetime) -> tuple[Content, dict[str, Any]]:
    rec = document.reconciliation
    if rec is None:
        raise ValueError("a statement names its reconciliation")
    arrangement = rec.arrangement
    aco, pp = arrangement.aco, arrangement.preferred_provider
    run = rec.episode_run
    built = when(built_at)
    state = (
        "Final"
        if rec.final
        else f"Provisional: {rec.open_episodes} episode{'s' if rec.open_episodes != 1 else ''} of the period still open"
    )
    period = f"{day(rec.period_start)} to {day(rec.period_end)}"
    stamp = (
        f"CARA reconciliation statement · {aco.aco_id} {aco.legal_name} · {_provider_text(pp)} · "
        f"EBRA {arrangement.pk} · {period} · {state.split(':')[0].lower()}"
    )
    unit = MEASURE_UNITS.get(rec.measure, "")
    measure_rate = "No result" if rec.measure_rate is None else f"{rec.measure_rate:,.2f} {unit}".strip()
    measure_points = "No result" if rec.quality_points is None else points(rec.quality_points)
    summary: list[list[Cell]] = [
        ["Closed episodes counted", rec.episodes],
        ["Total target price", Money(rec.target_cents)],
        ["Total actual cost", Money(rec.actual_cents)],
        ["Difference (target − actual)", Money(rec.difference_cents)],
        ["Quality measure", QualityLink(rec.measure).label if rec.measure in QualityLink.values else rec.measure],
        ["Measure rate", measure_rate],
        ["Quality points", measure_points],
        ["Performance adjustment", Pct(arrangement.performance_adjustment_pct)],
        ["Adjustment factor", Num(rec.adjustment_factor, 6)],
        ["Adjusted amount", Money(rec.adjusted_cents)],
        ["Repayment cap", Money(rec.repayment_cap_cents)],
        ["Repayment cap applied", "Yes: the repayment is limited to the cap" if rec.capped else "No"],
        ["Amount", Money(rec.amount_cents)],
        ["Who pays whom", who_pays(rec.amount_cents)],
    ]
    header = Section(
        "Statement",
        notes=[ESTIMATE_NOTE],
        tables=[
            Table(
                "Reconciliation statement",
                None,
                [
                    ["ACO", f"{aco.aco_id} {aco.legal_name}"],
                    ["Preferred Provider", _provider_text(pp)],
                    ["EBRA", f"EBRA {arrangement.pk} (PY{arrangement.performance_year})"],
                    ["Period", period],
                    ["Status", state],
                    ["Episode run", str(run.pk) if run is not None else "—"],
                    ["Claims through", run.through if run is not None else None],
                    ["Computed at", when(rec.computed_at)],
                    ["Built at", built],
                ],
            ),
            Table("Summary", None, summary),
        ],
    )
    line_rows: list[list[Cell]] = []
    for line in rec.lines or []:
        target, actual = int(line.get("target_cents") or 0), int(line.get("actual_cents") or 0)
        trigger = str(line.get("trigger") or "")
        line_rows.append(
            [
                str(line.get("mbi") or ""),
                str(line.get("type") or ""),
                dt.date.fromisoformat(line["start"]) if line.get("start") else None,
                dt.date.fromisoformat(line["end"]) if line.get("end") else None,
                trigger_text(TriggerKind.INPATIENT if len(trigger) == 3 else TriggerKind.PROCEDURE, trigger),
                Money(target),
                Money(actual),
                Money(target - actual),
            ]
        )
    if line_rows:
        line_rows.append(
            ["Total", "", None, None, "", Money(rec.target_cents), Money(rec.actual_cents), Money(rec.difference_cents)]
        )
    episodes = Section(
        "Episodes",
        notes=[
            "The closed episodes of the period counted in the statement: the beneficiary (MBI), the episode "
            "type, its start and end, the trigger, the target price and the actual cost."
            + ("" if rec.final else " Episodes still open are counted once their window has ended.")
        ],
        tables=[
            Table(
                "Episodes counted",
                ["MBI", "Episode type", "Start", "End", "Trigger", "Target price", "Actual cost", "Difference"],
                line_rows,
            )
        ],
    )
    content = Content(
        title=f"CARA reconciliation statement: EBRA {arrangement.pk}, {period}",
        stamp=stamp,
        vintage=_vintage_text(run, built, rec.computed_at),
        sections=[header, episodes],
    )
    vintage = {
        "episode_run": run.pk if run is not None else None,
        "claims_through": run.through.isoformat() if run is not None and run.through else None,
        "computed_at": rec.computed_at.isoformat(),
        "built_at": built_at.isoformat(),
        "final": rec.final,
        "open_episodes": rec.open_episodes,
    }
    return content, vintage


# --------------------------------------------------------------------------------------------------
# Writers
# --------------------------------------------------------------------------------------------------
def write_xlsx(content: Content) -> bytes:
    raw = io.BytesIO()
    book = xlsx_workbook(raw)
    book.set_properties({"title": content.title, "subject": content.stamp, "comments": ESTIMATE_NOTE})
    bold = book.add_format({"bold": True})
    muted = book.add_format({"italic": True, "font_color": "#5b616b"})
    title = book.add_format({"bold": True, "font_size": 12})
    wrap = book.add_format({"text_wrap": True, "valign": "top"})
    header = book.add_format({"bold": True, "bg_color": "#e6e6e6", "text_wrap": True, "valign": "top"})
    money = book.add_format({"num_format": '"$"#,##0.00;-"$"#,##0.00'})
    pct = book.add_format({"num_format": '0.00"%"'})
    count = book.add_format({"num_format": "#,##0"})
    date = book.add_format({"num_format": "mmm d, yyyy", "align": "left"})
    numbers = {2: book.add_format({"num_format": "0.00"}), 3: book.add_format({"num_format": "0.000"})}

    def put(sheet: Any, row: int, col: int, value: Cell) -> None:
        if value is None:
            xlsx_write(sheet, row, col, "—")
        elif isinstance(value, Money):
            xlsx_write(sheet, row, col, "—" if value.cents is None else Decimal(value.cents) / 100, money)
        elif isinstance(value, Pct):
            xlsx_write(sheet, row, col, "—" if value.value is None else Decimal(str(value.value)), pct)
        elif isinstance(value, Num):
            fmt = numbers.get(value.places) or book.add_format({"num_format": "0." + "0" * value.places})
            xlsx_write(sheet, row, col, "—" if value.value is None else Decimal(str(value.value)), fmt)
        elif isinstance(value, dt.date):
            xlsx_write(sheet, row, col, value, date_format=date)
        elif isinstance(value, int):
            xlsx_write(sheet, row, col, value, count)
        else:
            xlsx_write(sheet, row, col, value)

    for section in content.sections:
        sheet = book.add_worksheet(section.name)
        xlsx_write(sheet, 0, 0, content.stamp, bold)
        xlsx_write(sheet, 1, 0, content.vintage, muted)
        row = 3
        for note in section.notes:
            xlsx_write(sheet, row, 0, note, muted)
            row += 1
        row += 1
        widest = 2
        for table in section.tables:
            xlsx_write(sheet, row, 0, table.title, title)
            row += 1
            if table.header:
                for col, text in enumerate(table.header):
                    xlsx_write(sheet, row, col, text, header)
                widest = max(widest, len(table.header))
                row += 1
            for cells in table.rows:
                for col, value in enumerate(cells):
                    put(sheet, row, col, value)
                row += 1
            row += 1
        sheet.set_column(0, 0, 34)
        sheet.set_column(1, max(widest - 1, 1), 22, wrap if section.name == "Definitions" else None)
    book.close()
    return raw.getvalue()


def write_pdf(content: Content) -> bytes:
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import landscape, letter
    from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet
    from reportlab.lib.units import inch
    from reportlab.platypus import PageBreak, Paragraph, SimpleDocTemplate, Spacer, TableStyle
    from reportlab.platypus import Table as PdfTable

    page_width, page_height = landscape(letter)
    margin = 0.6 * inch
    frame = page_width - 2 * margin
    grid, header_bg, muted = colors.HexColor("#d6d7d9"), colors.HexColor("#f1f1f1"), colors.HexColor("#5b616b")
    base = getSampleStyleSheet()
    styles = {
        "title": ParagraphStyle("t", parent=base["Title"], fontSize=16, leading=20, alignment=0, spaceAfter=6),
        "h2": ParagraphStyle(
            "h2", parent=base["Heading2"], fontSize=13, leading=16, spaceBefore=8, spaceAfter=4, keepWithNext=1
        ),
        "h3": ParagraphStyle(
            "h3", parent=base["Heading3"], fontSize=10, leading=13, spaceBefore=6, spaceAfter=3, keepWithNext=1
        ),
        "body": ParagraphStyle("b", parent=base["Normal"], fontSize=9, leading=12, spaceAfter=4),
        "cell": ParagraphStyle("c", parent=base["Normal"], fontSize=7.5, leading=9),
        "head": ParagraphStyle("hd", parent=base["Normal"], fontName="Helvetica-Bold", fontSize=7.5, leading=9),
    }

    def esc(text: object) -> str:
        return pdf_text(str(text)).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")

    def on_page(canvas: Any, doc: Any) -> None:
        canvas.saveState()
        canvas.setFont("Helvetica", 7)
        canvas.setFillColor(muted)
        canvas.drawString(margin, page_height - 0.4 * inch, pdf_text(content.stamp))
        canvas.drawString(margin, 0.4 * inch, pdf_text(content.vintage) + " · figures are estimates from CCLF claims")
        canvas.drawRightString(page_width - margin, 0.4 * inch, f"Page {doc.page}")
        canvas.restoreState()

    buffer = io.BytesIO()
    doc = SimpleDocTemplate(
        buffer,
        pagesize=(page_width, page_height),
        leftMargin=margin,
        rightMargin=margin,
        topMargin=0.65 * inch,
        bottomMargin=0.65 * inch,
        title=pdf_text(content.title),
        author="LEAD Portal",
        subject=pdf_text(content.stamp),
        creator="LEAD Portal",
    )
    story: list[Any] = [Paragraph(esc(content.title), styles["title"])]
    for index, section in enumerate(content.sections):
        if section.name == "Signatures" and index:
            story.append(PageBreak())
        story.append(Paragraph(esc(section.name), styles["h2"]))
        story += [Paragraph(esc(note), styles["body"]) for note in section.notes]
        for table in section.tables:
            story.append(Paragraph(esc(table.title), styles["h3"]))
            if not table.rows:
                story.append(Paragraph("None.", styles["body"]))
                continue
            rows: list[list[Any]] = []
            if table.header:
                rows.append([Paragraph(esc(h), styles["head"]) for h in table.header])
            for cells in table.rows:
                rows.append([Paragraph(esc(cell_text(v)), styles["cell"]) for v in cells])
            if table.header:
                # Each column as wide as its longest text (within bounds): long labels get room to wrap.
                weights = [
                    min(max([len(h), *(len(cell_text(r[i])) for r in table.rows if i < len(r))]), 40) + 6
                    for i, h in enumerate(table.header)
                ]
                widths = [frame * w / sum(weights) for w in weights]
            else:
                widths = [frame * 0.3, frame * 0.7]
            pdf_table = PdfTable(rows, colWidths=widths, repeatRows=1 if table.header else 0, hAlign="LEFT")
            style = [
                ("FONT", (0, 0), (-1, -1), "Helvetica", 7.5),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("LINEBELOW", (0, 0), (-1, -1), 0.25, grid),
                ("TOPPADDING", (0, 0), (-1, -1), 3 if section.name != "Signatures" else 10),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
            ]
            if table.header:
                style.append(("BACKGROUND", (0, 0), (-1, 0), header_bg))
            pdf_table.setStyle(TableStyle(style))
            story += [pdf_table, Spacer(1, 6)]
    doc.build(story, onFirstPage=on_page, onLaterPages=on_page)
    return buffer.getvalue()


WRITERS: dict[str, Callable[[Content], bytes]] = {
    CaraDocument.Format.XLSX: write_xlsx,
    CaraDocument.Format.PDF: write_pdf,
}


def document_filename(document: CaraDocument) -> str:
    aco_id = document.aco.aco_id
    if document.kind == CaraDocument.Kind.STATEMENT and document.reconciliation is not None:
        rec = document.reconciliation
        return f"CARA_{aco_id}_EBRA{rec.arrangement_id}_statement_{rec.period_start.isoformat()}.{document.format}"
    if document.arrangement_id is not None:
        return f"CARA_{aco_id}_EBRA{document.arrangement_id}_template.{document.format}"
    npi = document.preferred_provider.npi if document.preferred_provider is not None else "provider"
    py = document.params.get("performance_year", "")
    return f"CARA_{aco_id}_PY{py}_prospective_template_{npi}_{document.pk}.{document.format}"


def document_describe(document: CaraDocument) -> str:
    """For whom and what, as the lists show it."""
    if document.kind == CaraDocument.Kind.STATEMENT and document.reconciliation is not None:
        rec = document.reconciliation
        pp = rec.arrangement.preferred_provider
        return f"{pp.name}: EBRA {rec.arrangement_id}, {day(rec.period_start)} to {day(rec.period_end)}"
    if document.arrangement is not None:
        return f"{document.arrangement.preferred_provider.name}: EBRA {document.arrangement_id}"
    provider = document.preferred_provider
    count = len(document.params.get("terms") or [])
    name = provider.name if provider is not None else "—"
    return f"{name}: prospective, {count} episode type{'s' if count != 1 else ''}"


# --------------------------------------------------------------------------------------------------
# Selectors
# --------------------------------------------------------------------------------------------------
def _with_relations(qs: QuerySet[CaraDocument]) -> QuerySet[CaraDocument]:
    return qs.select_related(
        "aco",
        "preferred_provider",
        "arrangement__preferred_provider",
        "reconciliation__arrangement__preferred_provider",
        "requested_by",
    )


def aco_documents(*, aco: ACO) -> QuerySet[CaraDocument]:
    """Every CARA document of the ACO, newest first (the ACO's people and CMS staff: the view resolved the
    ACO through the user's scope)."""
    return _with_relations(CaraDocument.objects.filter(aco=aco)).order_by("-created_at", "-pk")


def aco_document_get(*, aco: ACO, document_id: Any) -> CaraDocument:
    try:
        pk = int(document_id)
    except (TypeError, ValueError):
        raise Http404("No such document.") from None
    row = aco_documents(aco=aco).filter(pk=pk).first()
    if row is None:
        raise Http404("No such document.")
    return row


def provider_documents(*, user: User) -> QuerySet[CaraDocument]:
    """A Preferred Provider user's documents: the templates and statements of its EBRAs (never a draft's)."""
    visible = arrangements.provider_arrangements(user=user).values("pk")
    return _with_relations(CaraDocument.objects.filter(arrangement__in=visible)).order_by("-created_at", "-pk")


def provider_document_get(*, user: User, document_id: Any) -> CaraDocument:
    try:
        pk = int(document_id)
    except (TypeError, ValueError):
        raise Http404("No such document.") from None
    row = provider_documents(user=user).filter(pk=pk).first()
    if row is None:
        raise Http404("No such document.")
    return row


def document_is_ready(document: CaraDocument) -> bool:
    return document.status == CaraDocument.Status.READY and bool(document.file)


def prospective_choices(*, aco: ACO, performance_year: int) -> dict[str, Any]:
    """What the prospective-template form offers: the ACO's eligible Preferred Providers of the PY and the
    episode types with their pooled baselines (None where the type has none yet)."""
    _, baselines = arrangements.baselines_for(performance_year=performance_year)
    definitions = list(arrangements.definitions_for(aco=aco, performance_year=performance_year).order_by("pk"))
    return {
        "providers": list(arrangements.eligible_providers(aco=aco, performance_year=performance_year)),
        "types": [(d, baselines[d.pk].mean_cost_cents if d.pk in baselines else None) for d in definitions],
    }


# --------------------------------------------------------------------------------------------------
# Services
# --------------------------------------------------------------------------------------------------
def _may_read(user: User, aco: ACO, arrangement: Arrangement | None) -> bool:
    """The ACO's people (administrators and analysts) and CMS staff; a Preferred Provider's people for
    the EBRAs they are party to once offered."""
    if aco_selectors.aco_list_for_user(user=user).filter(pk=aco.pk).exists():
        return True
    return (
        arrangement is not None
        and arrangement.status != ArrangementStatus.DRAFT
        and arrangements.is_party(user, arrangement)
    )


def _format(fmt: str) -> str:
    if fmt not in CaraDocument.Format.values:
        raise ValidationError({"format": f"Format: choose XLSX or PDF, not “{fmt}”."})
    return fmt


def _rate(value: Any, label: str) -> Decimal:
    try:
        number = Decimal(str(value).strip().rstrip("%").strip())
    except (InvalidOperation, ValueError):
        raise ValidationError(f"{label}: enter a number, not “{value}”.") from None
    if not number.is_finite() or number < 0 or number > arrangements.MAX_RATE:
        raise ValidationError(f"{label}: {number}% is outside 0–{arrangements.MAX_RATE}%.")
    return number.quantize(Decimal("0.01"))


def _prospective(
    *, aco: ACO, preferred_provider: PreferredProvider | int | str | None, params: dict[str, Any] | None
) -> tuple[PreferredProvider, dict[str, Any]]:
    """The prospective template's Preferred Provider and its cleaned ``params``; ValidationError lists
    every problem, each naming the field and the value."""
    params = params or {}
    raw_pp = preferred_provider.pk if isinstance(preferred_provider, PreferredProvider) else preferred_provider
    try:
        pp_id = int(str(raw_pp).strip())
    except (TypeError, ValueError):
        pp_id = None
    provider = PreferredProvider.objects.filter(aco=aco, pk=pp_id).first() if pp_id is not None else None
    if provider is None:
        shown = "" if raw_pp in (None, "") else f" “{raw_pp}”"
        raise ValidationError(
            {"preferred_provider": f"Preferred Provider{shown}: choose one of {aco.aco_id}'s Preferred Providers."}
        )
    py = provider.performance_year
    if params.get("performance_year") not in (None, ""):
        try:
            py = int(params["performance_year"])
        except (TypeError, ValueError):
            raise ValidationError(
                {"performance_year": f"Performance year: “{params['performance_year']}” is not a year."}
            ) from None
    errors: list[str] = []
    if provider.performance_year != py:
        errors.append(
            f"Preferred Provider: {provider.name} is on {aco.aco_id}'s PY{provider.performance_year} list, "
            f"not PY{py}'s."
        )
    if provider.capitation in arrangements.NOT_WITH:
        errors.append(
            f"Preferred Provider: {provider.name} is paid through {provider.get_capitation_display()}; CARA "
            "arrangements are with Preferred Providers outside NPCC and APO."
        )
    _, baselines = arrangements.baselines_for(performance_year=py)
    allowed = {d.pk: d for d in arrangements.definitions_for(aco=aco, performance_year=py)}
    terms: list[dict[str, Any]] = []
    seen: set[int] = set()
    raw_terms = params.get("terms") or []
    if not isinstance(raw_terms, list):
        raw_terms = []
    for i, raw in enumerate(raw_terms, start=1):
        raw = raw if isinstance(raw, dict) else {}
        value = raw.get("definition")
        try:
            definition = allowed[int(str(value))]
        except (KeyError, TypeError, ValueError):
            errors.append(f"Episode type {i}: “{value}” is not one of the PY{py} episode types.")
            continue
        if definition.pk in seen:
            errors.append(f"{definition.name}: listed twice.")
            continue
        seen.add(definition.pk)
        adjustment = str(raw.get("adjustment") or "")
        if adjustment not in ArrangementTerm.Adjustment.values:
            errors.append(f"{definition.name}: choose a discount or a premium, not “{adjustment}”.")
            continue
        try:
            rate = _rate(raw.get("rate_pct", ""), f"{definition.name} {adjustment} rate")
        except ValidationError as exc:
            errors.extend(exc.messages)
            continue
        baseline = baselines.get(definition.pk)
        if baseline is None or baseline.mean_cost_cents is None:
            errors.append(f"{definition.name}: no baseline yet (no closed base-year episodes in the latest run).")
            continue
        terms.append({"definition": definition.pk, "adjustment": adjustment, "rate_pct": str(rate)})
    if not terms and not errors:
        errors.append("Episode types: include at least one.")
    if errors:
        raise ValidationError(errors)
    return provider, {"performance_year": py, "terms": terms}


def _queue(document: CaraDocument) -> None:
    transaction.on_commit(partial(_queue_or_fail, document.pk))


def _queue_or_fail(document_id: int) -> None:
    """Queue the build once the row is committed; a queue that does not answer fails the row with the
    reason (never a document "queued" for ever) and the caller hears why."""
    try:
        jobs.send(task_names.DOCUMENT_BUILD_TASK, document_id, what="The document")
    except jobs.QueueUnavailable as exc:
        CaraDocument.objects.filter(pk=document_id, status=CaraDocument.Status.QUEUED).update(
            status=CaraDocument.Status.FAILED, finished_at=timezone.now(), message=str(exc)
        )
        raise


def _create(**fields: Any) -> CaraDocument:
    """A new queued document, or the same one still queued (asked twice, built once)."""
    same = CaraDocument.objects.filter(
        **{k: v for k, v in fields.items() if k not in ("params", "requested_by")}, status=CaraDocument.Status.QUEUED
    )
    for existing in same:
        if existing.params == fields.get("params", {}):
            return existing
    document = CaraDocument(**fields)
    document.full_clean()
    document.save()
    _queue(document)
    return document


@transaction.atomic
def template_request(
    *,
    aco: ACO,
    acting_user: User,
    fmt: str,
    arrangement: Arrangement | None = None,
    preferred_provider: PreferredProvider | int | str | None = None,
    params: dict[str, Any] | None = None,
) -> CaraDocument:
    """Queue a contracting template: of ``arrangement`` (any status), or, without one, a prospective one for
    ``preferred_provider`` with ``params`` = {"terms": [{"definition": id, "adjustment": "discount" |
    "premium", "rate_pct": "5"}], "performance_year": PY (default: the Preferred Provider's)}."""
    if not _may_read(acting_user, aco, arrangement):
        raise PermissionDenied("You cannot see this ACO's CARA documents.")
    fmt = _format(fmt)
    if arrangement is not None:
        if arrangement.aco_id != aco.pk:
            raise ValidationError({"arrangement": "EBRA: that EBRA belongs to another ACO."})
        return _create(
            kind=CaraDocument.Kind.TEMPLATE,
            format=fmt,
            aco=aco,
            arrangement=arrangement,
            preferred_provider=arrangement.preferred_provider,
            params={},
            requested_by=acting_user,
        )
    provider, clean = _prospective(aco=aco, preferred_provider=preferred_provider, params=params)
    return _create(
        kind=CaraDocument.Kind.TEMPLATE,
        format=fmt,
        aco=aco,
        arrangement=None,
        preferred_provider=provider,
        params=clean,
        requested_by=acting_user,
    )


@transaction.atomic
def statement_request(*, reconciliation: Reconciliation, fmt: str, acting_user: User) -> CaraDocument:
    """Queue the statement of ``reconciliation`` (the ACO's people, CMS staff, the Preferred Provider's people)."""
    arrangement = reconciliation.arrangement
    if not _may_read(acting_user, arrangement.aco, arrangement):
        raise PermissionDenied("You cannot see this EBRA's statements.")
    return _create(
        kind=CaraDocument.Kind.STATEMENT,
        format=_format(fmt),
        aco=arrangement.aco,
        arrangement=arrangement,
        preferred_provider=arrangement.preferred_provider,
        reconciliation=reconciliation,
        params={},
        requested_by=acting_user,
    )


BUILDERS: dict[str, Callable[..., tuple[Content, dict[str, Any]]]] = {
    CaraDocument.Kind.TEMPLATE: template_content,
    CaraDocument.Kind.STATEMENT: statement_content,
}


def document_build(*, document_id: int) -> CaraDocument:
    """Build the document's file (the task's body). The row is claimed under a lock and finished in one
    transaction, so a redelivered task finds it done and does nothing. A builder's error fails the document
    with the reason (it would fail again on a retry)."""
    with transaction.atomic():
        document = (
            CaraDocument.objects.select_for_update(skip_locked=True)
            .filter(pk=document_id, status__in=(CaraDocument.Status.QUEUED, CaraDocument.Status.BUILDING))
            .first()
        )
        if document is None:
            found = _with_relations(CaraDocument.objects.filter(pk=document_id)).first()
            if found is None:
                raise CaraDocument.DoesNotExist(f"CARA document {document_id}")
            return found
        document = _with_relations(CaraDocument.objects.filter(pk=document_id)).get()
        started = time.perf_counter()
        now = timezone.now()
        try:
            content, vintage = BUILDERS[document.kind](document, built_at=now)
            data = WRITERS[document.format](content)
        except Exception as exc:  # a bug in a builder must leave a failed document, not a spinner
            log.exception("CARA document %s failed", document_id)
            document.status = CaraDocument.Status.FAILED
            document.message = f"The document could not be built ({type(exc).__name__}: {exc})."[:2000]
        else:
            document.file.save(document_filename(document), ContentFile(data), save=False)
            vintage["seconds"] = round(time.perf_counter() - started, 3)
            document.vintage = vintage
            document.status = CaraDocument.Status.READY
            document.message = ""
        document.finished_at = timezone.now()
        document.save()
    return document


def document_response(*, document: CaraDocument, request: HttpRequest, back_url: str = "") -> HttpResponse:
    """The file when it is ready (a statement's download access-logged: it names beneficiaries); until
    then a page saying so, refreshing itself while the document is built (HTTP 409)."""
    if not document_is_ready(document):
        user = getattr(request, "user", None)
        if (
            not back_url
            and isinstance(user, User)
            and aco_selectors.aco_list_for_user(user=user).filter(pk=document.aco_id).exists()
        ):
            back_url = reverse("cara_documents:list", kwargs={"aco_id": document.aco.aco_id})
        context = {
            "document": document,
            "described": document_describe(document),
            "back_url": back_url,
            "refresh": document.status in (CaraDocument.Status.QUEUED, CaraDocument.Status.BUILDING),
        }
        return render(request, "cara/documents/not_ready.html", context, status=409)
    if document.kind == CaraDocument.Kind.STATEMENT:
        access_log_record(
            request=request,
            action=AccessLog.Action.EXPORT,
            object_type="cara_statement",
            object_id=f"document {document.pk}",
            aco_code=document.aco.aco_id,
            detail=f"{document.format} statement of reconciliation {document.reconciliation_id} "
            f"(EBRA {document.arrangement_id})",
        )
    with document.file.open("rb") as f:
        response = HttpResponse(f.read(), content_type=CONTENT_TYPES[document.format])
    response["Content-Disposition"] = content_disposition_header(True, document_filename(document))
    return response
