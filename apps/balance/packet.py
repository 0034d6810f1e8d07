"""The prior-authorization packet of one beneficiary (docs/balance.md, "Prior-authorization packet"): the
Medicare GLP-1 Bridge asks the prescriber 12 yes/no questions after prescribing; the packet pre-fills, for
each, what the claims show (the Z68 BMI code with its date and claim, each comorbidity's ICD-10 code with
its date and claim, Part D activity, age, GLP-1 fills), or "not seen in claims: clinician to confirm", for
the clinician to confirm. It is claims evidence, not a clinical attestation, and says so on every page.

The 12 questions follow the access criteria (DOMAIN §9): Part D enrolment, age, BMI alone, BMI with each
major comorbidity (HFpEF, uncontrolled hypertension, CKD stage 3a or higher), BMI with each other one
(prediabetes, prior myocardial infarction, prior stroke, symptomatic PAD), no GLP-1 under Part D for another
indication, and a Bridge-covered product. The thresholds are the run's own parameters.

``questions`` builds the content from plain rows (a ``Glp1Beneficiary``, its fills, the run's parameters);
``write_pdf`` lays it out with ReportLab, the PDF library of the performance reports and CARA documents.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from lead_portal import pdf
from lead_portal.formatting import when
from lead_portal.text import pdf_text

from . import engine, products
from .models import BmiClass, Glp1Beneficiary, Glp1Fill, Glp1Run
from .parameters import DEFAULT_PARAMETERS

DISCLAIMER = "Claims evidence, not a clinical attestation"
NOT_SEEN = "Not seen in claims: clinician to confirm"

# The access criteria's comorbidities (the GLP-1 step's own table: one rule, written once), in the order the
# questions ask them: those that go with the higher BMI threshold, then the others.
CONDITIONS = engine.CONDITIONS
MAJOR = tuple(k for k in CONDITIONS if k in (*engine.MAJOR_SHOWN, *engine.MAJOR_TO_CONFIRM))
OTHER = tuple(k for k in CONDITIONS if k in (*engine.OTHER_SHOWN, *engine.OTHER_TO_CONFIRM))
# What claims cannot show, for the clinician to confirm (DOMAIN §9): "that the hypertension is uncontrolled".
CONFIRM_NOTES = engine.TO_CONFIRM_WORDS
# How each is asked in the Bridge's form.
ASKED = {"hypertension": "uncontrolled hypertension", "pad": "symptomatic peripheral artery disease (PAD)"}
# Z68 codes above 40 cover wider ranges (ICD-10-CM): the code's last two digits -> BMI range.
_BMI_WIDE = {41: "40.0–44.9", 42: "45.0–49.9", 43: "50.0–59.9", 44: "60.0–69.9", 45: "70 or more"}
# A BMI class's upper bound (exclusive), by its lower bound.
_CLASS_UPPER = {0: 27, 27: 30, 30: 35, 35: 40, 40: 1000}


def icd10_display(code: str) -> str:
    """An ICD-10-CM code as people write it: a dot after the third character (I5030 → I50.30)."""
    return engine.dotted(code or "")


def bmi_range(code: str) -> str:
    """The BMI a Z68 code stands for: Z68.36 → "36.0–36.9", Z68.41 → "40.0–44.9"; "" when not a Z68 code."""
    plain = (code or "").strip().upper().replace(".", "")
    if not (plain.startswith("Z68") and plain[3:5].isdigit()):
        return ""
    n = int(plain[3:5])
    if n == 1:
        return "19.9 or less"
    if 20 <= n <= 39:
        return f"{n}.0–{n}.9"
    return _BMI_WIDE.get(n, "")


def condition_key(item: Mapping[str, Any]) -> str:
    """Which access-criteria comorbidity an evidence item is: its stated condition, else by its ICD-10 code
    ("" when neither says)."""
    stated = str(item.get("condition") or "").strip()
    return stated if stated in CONDITIONS else engine.condition_of(str(item.get("code") or ""))


def condition_label(item: Mapping[str, Any]) -> str:
    key = condition_key(item)
    words = CONDITIONS[key][0] if key else str(item.get("label") or item.get("condition") or "Condition")
    return words[:1].upper() + words[1:]


def parse_date(value: Any) -> dt.date | None:
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value)) if value else None
    except ValueError:
        return None


def _source(value: Any) -> str:
    return f"CCLF{value}" if value not in (None, "") else ""


def evidence_text(code: str, day: Any, claim_id: Any, source: Any = None) -> str:
    """``I10 on 3 Mar 2027, claim 123456 (CCLF5)``."""
    parts = [icd10_display(code)]
    date = parse_date(day)
    if date is not None:
        parts.append(f"on {when(date)}")
    text = " ".join(parts)
    claim = f"claim {claim_id}" if claim_id not in (None, "") else "claim not recorded"
    origin = _source(source)
    return f"{text}, {claim}" + (f" ({origin})" if origin else "")


def bmi_evidence(row: Glp1Beneficiary) -> str:
    """The BMI code behind the row, with what it stands for, its date, claim and file; "" when none."""
    if not row.bmi_code:
        return ""
    shown = bmi_range(row.bmi_code)
    label = f"BMI {shown}" if shown else f"BMI class {BmiClass(row.bmi_class).label}" if row.bmi_class else "BMI"
    base = evidence_text(row.bmi_code, row.bmi_date, row.bmi_claim_id, row.bmi_source)
    code, _, rest = base.partition(" ")
    return f"{code} ({label}) {rest}".strip()


def comorbidities_by_key(row: Glp1Beneficiary) -> dict[str, list[Mapping[str, Any]]]:
    found: dict[str, list[Mapping[str, Any]]] = {}
    for item in row.comorbidities or []:
        if isinstance(item, Mapping):
            found.setdefault(condition_key(item), []).append(item)
    return found


@dataclass(frozen=True)
class Question:
    number: int
    text: str
    claims_show: str  # "Yes", "No" or NOT_SEEN, with what to confirm
    evidence: tuple[str, ...]


def _threshold(parameters: Mapping[str, Any], key: str, default: int) -> int:
    try:
        return int(parameters.get(key, default))
    except (TypeError, ValueError):
        return default


def _bmi_at_least(row: Glp1Beneficiary, threshold: int) -> bool | None:
    """Whether the row's BMI class is at least ``threshold`` (None: no BMI code, or a class that straddles it)."""
    if row.bmi_class is None or not row.bmi_code:
        return None
    if row.bmi_class >= threshold:
        return True
    if _CLASS_UPPER.get(row.bmi_class, 0) <= threshold:
        return False
    return None


def questions(
    *, row: Glp1Beneficiary, fills: Sequence[Glp1Fill], parameters: Mapping[str, Any], as_of: dt.date | None
) -> list[Question]:
    """The 12 questions, each with what the claims show and the evidence (code, date, claim)."""
    minimum_age = _threshold(parameters, "minimum_age", DEFAULT_PARAMETERS.minimum_age)
    alone = _threshold(parameters, "bmi_alone", DEFAULT_PARAMETERS.bmi_alone)
    with_major = _threshold(parameters, "bmi_with_major", DEFAULT_PARAMETERS.bmi_with_major)
    with_other = _threshold(parameters, "bmi_with_other", DEFAULT_PARAMETERS.bmi_with_other)
    lookback = _threshold(parameters, "part_d_lookback_months", DEFAULT_PARAMETERS.part_d_lookback_months)
    bmi = bmi_evidence(row)
    at = " at the start of therapy" if row.therapy_start else ""
    conditions = comorbidities_by_key(row)
    out: list[Question] = []

    def add(text: str, claims_show: str, evidence: Iterable[str]) -> None:
        out.append(Question(len(out) + 1, text, claims_show, tuple(e for e in evidence if e)))

    # 1. Part D
    if row.part_d_active:
        last = f"Latest Part D fill on {when(row.part_d_last_fill)} (CCLF7)" if row.part_d_last_fill else ""
        add("Is the patient enrolled in Medicare Part D?", "Yes: Part D fills are seen", [last])
    else:
        add(
            "Is the patient enrolled in Medicare Part D?",
            f"{NOT_SEEN} (no Part D fill in the {lookback} months before {when(as_of)})",
            [],
        )
    # 2. Age
    if row.age is None:
        add(f"Is the patient {minimum_age} years of age or older?", NOT_SEEN, [])
    else:
        add(
            f"Is the patient {minimum_age} years of age or older?",
            "Yes" if row.age >= minimum_age else "No",
            [f"Age {row.age} on {when(as_of)} (date of birth in CCLF8)"],
        )
    # 3. BMI alone
    enough = _bmi_at_least(row, alone)
    add(
        f"Is the patient's body mass index (BMI){at} {alone} or more?",
        NOT_SEEN if enough is None else "Yes" if enough else "No",
        [bmi or "No Z68 BMI code on a claim"],
    )
    # 4–10. BMI with a comorbidity
    for threshold, keys in ((with_major, MAJOR), (with_other, OTHER)):
        enough = _bmi_at_least(row, threshold)
        for key in keys:
            words = ASKED.get(key, CONDITIONS[key][0])
            seen = conditions.get(key, [])
            evidence = [
                f"{condition_label(c)}: "
                + evidence_text(str(c.get("code", "")), c.get("date"), c.get("claim_id"), c.get("source"))
                for c in seen
            ]
            if not seen:
                shown = NOT_SEEN
            elif key in CONFIRM_NOTES:
                seen_words = condition_label({"condition": key})
                shown = f"{seen_words} seen; clinician to confirm {CONFIRM_NOTES[key]}"
            elif enough is None:
                shown = f"{words[0].upper()}{words[1:]} seen; BMI: clinician to confirm"
            else:
                shown = (
                    "Yes" if enough else f"{words[0].upper()}{words[1:]} seen, but the BMI code is under {threshold}"
                )
            add(
                f"Is the patient's BMI{at} {threshold} or more with {words}?",
                shown,
                [*evidence, bmi if evidence and bmi else ""],
            )
    # 11. Another indication under Part D
    table = products.by_ndc()
    other = [f for f in fills if not f.bridge and getattr(table.get(f.ndc), "use", "") == "diabetes"]
    if other or row.status == "part_d":
        add(
            "Is the patient taking a GLP-1 under Part D for type 2 diabetes, obstructive sleep apnea or MASH?",
            "Yes: a GLP-1 for another indication is filled under Part D",
            [
                f"{f.product}, NDC {f.ndc}, filled {when(f.fill_date)}, claim {f.claim_id or 'not recorded'}"
                for f in other
            ],
        )
    else:
        add(
            "Is the patient taking a GLP-1 under Part D for type 2 diabetes, obstructive sleep apnea or MASH?",
            "No such fill seen in claims: clinician to confirm",
            [],
        )
    # 12. The product
    bridge = [f for f in fills if f.bridge]
    covered = ", ".join(products.bridge_products()) or "the Bridge's covered products"
    if bridge:
        add(
            f"Is the prescribed product one the Bridge covers ({covered})?",
            "Yes: Bridge-covered fills are seen",
            [
                f"{f.product}, NDC {f.ndc}, filled {when(f.fill_date)}, claim {f.claim_id or 'not recorded'}"
                for f in bridge[:3]
            ],
        )
    else:
        add(f"Is the prescribed product one the Bridge covers ({covered})?", f"{NOT_SEEN} (no Bridge fill yet)", [])
    return out


def vintage(run: Glp1Run) -> str:
    """The data the packet comes from: the GLP-1 run, its alignment run and data version, the dates."""
    alignment = run.alignment_run
    version = getattr(alignment, "data_version", None)
    parts = [
        f"GLP-1 run {run.pk}",
        f"alignment run {run.alignment_run_id}" + (f" (data version {version})" if version else ""),
        f"eligibility as of {when(run.as_of)}",
    ]
    if run.through:
        parts.append(f"Part D fills through {when(run.through)}")
    if run.finished_at:
        parts.append(f"computed {when(run.finished_at)}")
    return " · ".join(parts)


def filename(*, aco_id: str, mbi: str, run: Glp1Run) -> str:
    """The packet's file name: this ACO, the beneficiary and the run, nothing of another ACO."""
    return f"glp1-prior-authorization-{aco_id}-{mbi}-run{run.pk}.pdf"


def write_pdf(
    *,
    row: Glp1Beneficiary,
    aco_label: str,
    run: Glp1Run,
    asked: list[Question],
    generated_at: dt.datetime,
    generated_by: str,
) -> bytes:
    from reportlab.platypus import Paragraph, Spacer

    page = pdf.letter()
    margin, frame, inch, styles = page.margin, page.frame, page.inch, page.styles
    alert, muted = pdf.color(pdf.ALERT), pdf.color(pdf.MUTED)
    esc, table = pdf.esc, pdf.ruled_table
    generated = when(generated_at)
    name = f"{row.last_name}, {row.first_name}".strip(", ") or "—"

    def on_page(canvas: Any, doc: Any) -> None:
        canvas.saveState()
        canvas.setFont("Helvetica-Bold", 9)
        canvas.setFillColor(alert)
        canvas.drawString(margin, page.height - 0.4 * inch, pdf_text(f"{DISCLAIMER.upper()}"))
        canvas.setFont("Helvetica", 7)
        canvas.setFillColor(muted)
        canvas.drawRightString(
            page.width - margin, page.height - 0.4 * inch, pdf_text(f"{name} · MBI {row.mbi} · {aco_label}")
        )
        canvas.drawString(margin, 0.5 * inch, pdf_text(f"{DISCLAIMER} · generated {generated}"))
        canvas.drawRightString(page.width - margin, 0.5 * inch, f"Page {doc.page}")
        canvas.drawString(margin, 0.36 * inch, pdf_text(vintage(run)))
        canvas.restoreState()

    cell, head = styles["cell"], styles["head"]
    facts = [
        ("Beneficiary", name),
        ("MBI", row.mbi),
        ("ACO", aco_label),
        ("Aligning TIN or CCN / NPI", f"{row.tin or '—'} / {row.npi or '—'}"),
        ("Portal status", f"{row.get_status_display()}" + (f": {row.criterion}" if row.criterion else "")),
        ("Data vintage", vintage(run)),
        ("Generated", f"{generated} by {generated_by}"),
    ]
    story: list[Any] = [
        Paragraph(esc("GLP-1 Bridge prior authorization: what the claims show"), styles["title"]),
        Paragraph(
            esc(
                f"{DISCLAIMER}. The Medicare GLP-1 Bridge asks the prescriber 12 yes/no questions. For each, this "
                "packet shows what Medicare claims show (the code, its date and the claim), or that it is not seen in "
                "claims. Claims cannot show everything (whether hypertension is uncontrolled, whether PAD is "
                "symptomatic, a current BMI): the clinician confirms every answer from the medical record."
            ),
            styles["body"],
        ),
        table(
            [[Paragraph(esc(k), head), Paragraph(esc(v), cell)] for k, v in facts],
            [frame * 0.28, frame * 0.72],
            header=False,
        ),
        Paragraph(esc("The 12 questions"), styles["h2"]),
    ]
    rows: list[list[Any]] = [
        [
            Paragraph(esc(h), head)
            for h in ("#", "Question", "What the claims show", "Evidence (code, date, claim)", "Clinician")
        ]
    ]
    for q in asked:
        rows.append(
            [
                Paragraph(str(q.number), cell),
                Paragraph(esc(q.text), cell),
                Paragraph(esc(q.claims_show), cell),
                Paragraph("<br/>".join(esc(e) for e in q.evidence) or esc("—"), cell),
                Paragraph(esc("[ ] Yes  [ ] No"), cell),
            ]
        )
    story.append(table(rows, [frame * w for w in (0.04, 0.28, 0.22, 0.32, 0.14)], header=True))
    reasons = [str(r) for r in (row.reasons or []) if r]
    if reasons:
        story.append(Paragraph(esc("What the portal found to confirm"), styles["h2"]))
        story += [Paragraph(esc(f"• {r}"), styles["body"]) for r in reasons]
    story += [
        Spacer(1, 14),
        Paragraph(esc("Confirmed by the prescribing clinician from the medical record:"), styles["body"]),
        Spacer(1, 16),
        Paragraph(
            esc("Name ____________________________  NPI ____________  Signature ____________________  Date ________"),
            styles["body"],
        ),
    ]
    return pdf.build(
        page,
        story,
        on_page,
        title=f"GLP-1 Bridge prior authorization: claims evidence for {row.mbi}",
        subject=DISCLAIMER,
    )
