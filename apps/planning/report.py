"""The PDF report of a scenario version (ReportLab, the PDF library of the performance reports): the changes,
the alignment preview's figures (totals, minimums, cohorts, other ACOs as "another ACO" with counts) and the
money preview at the sliders' values with the range of outcomes. No beneficiary is named in it."""

from __future__ import annotations

import datetime as dt
from typing import Any

from lead_portal import pdf
from lead_portal.formatting import when
from lead_portal.text import pdf_text

from .models import Scenario, ScenarioVersion
from .presentation import preview_context

ESTIMATE = "What-if estimate, not a filing and not a CMS figure"


def write_pdf(
    *,
    scenario: Scenario,
    version: ScenarioVersion,
    money_ctx: dict[str, Any],
    generated_at: dt.datetime,
    generated_by: str,
) -> bytes:
    from reportlab.platypus import Paragraph

    page = pdf.letter()
    margin, frame, inch, styles = page.margin, page.frame, page.inch, page.styles
    muted, esc = pdf.color(pdf.MUTED), pdf.esc
    generated = when(generated_at)
    aco = scenario.aco
    label = f"{aco.aco_id} {aco.legal_name}"

    def on_page(canvas: Any, doc: Any) -> None:
        canvas.saveState()
        canvas.setFont("Helvetica", 7)
        canvas.setFillColor(muted)
        canvas.drawString(margin, page.height - 0.4 * inch, pdf_text(f"{ESTIMATE} · {label}"))
        canvas.drawString(margin, 0.5 * inch, pdf_text(f"Generated {generated} by {generated_by}"))
        canvas.drawRightString(page.width - margin, 0.5 * inch, f"Page {doc.page}")
        canvas.restoreState()

    def table(header: list[str], rows: list[list[Any]]) -> Any:
        cells = [[Paragraph(esc(h), styles["head"]) for h in header]] + [
            [Paragraph(esc(c), styles["cell"]) for c in r] for r in rows
        ]
        first = frame / max(len(header), 1) * 1.6 if len(header) > 1 else frame
        rest = (frame - first) / max(len(header) - 1, 1)
        return pdf.ruled_table(cells, [first] + [rest] * (len(header) - 1), header=True)

    story: list[Any] = [
        Paragraph(esc(f"What-if scenario: {scenario.name} (version {version.number})"), styles["title"]),
        Paragraph(
            esc(
                f"{label}, PY{scenario.performance_year}. {ESTIMATE}: the alignment rule re-run with the scenario's "
                "lists against the latest alignment run, and the money engine on the scenario's population."
            ),
            styles["body"],
        ),
        Paragraph(esc("The changes"), styles["h2"]),
    ]
    lines = version.describe() or ["No change (the current lists)."]
    story += [Paragraph(esc(f"- {line}"), styles["body"]) for line in lines]
    if version.filed_at:
        story.append(Paragraph(esc(f"Filed {when(version.filed_at)}: {version.filed_outcome}"), styles["body"]))
    document = version.preview
    if not document:
        story.append(Paragraph(esc(version.preview_error or "No preview yet."), styles["body"]))
    else:
        ctx = preview_context(document, show_ids=False)
        story.append(Paragraph(esc("Alignment"), styles["h2"]))
        story.append(
            Paragraph(
                esc(
                    f"Against alignment run {document['run_id']}: {document['affected']:,} beneficiaries could be "
                    f"affected and were re-run; {document['gained_count']:,} gained "
                    f"({document['gained_from_other_acos']:,} of them from other ACOs), {document['lost_count']:,} "
                    f"lost ({document['lost_to_other_acos']:,} of them to other ACOs), {document['changed_count']:,} "
                    "still aligned another way."
                ),
                styles["body"],
            )
        )
        for key in ("totals_table", "cohort_table", "other_table"):
            t = ctx[key]
            story.append(Paragraph(esc(t.title), styles["body"]))
            story.append(table(t.header, t.rows or [["No rows."] + [""] * (len(t.header) - 1)]))
        m = money_ctx.get("money")
        story.append(Paragraph(esc("Money"), styles["h2"]))
        if not m:
            story.append(Paragraph(esc("No performance summary of the PY yet: no money preview."), styles["body"]))
        else:
            values = ", ".join(f"{s['label']} {s['value']:g}" for s in m["sliders"])
            story.append(Paragraph(esc(f"Assumptions: {values}."), styles["body"]))
            for key in ("compare", "spread"):
                t = m[key]
                story.append(Paragraph(esc(t.title), styles["body"]))
                story.append(table(t.header, t.rows))
            t = m["fan"].table
            story.append(Paragraph(esc(t.title), styles["body"]))
            story.append(table(t.header, t.rows))
    return pdf.build(
        page, story, on_page, title=f"What-if scenario {scenario.name} v{version.number}", subject=ESTIMATE
    )
