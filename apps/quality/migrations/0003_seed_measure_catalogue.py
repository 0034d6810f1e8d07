"""The quality measure catalogue for PY2027–PY2029 (docs/quality.md): seven measures per year with
their decile tables. CMS has not published LEAD benchmarks; CMS admins replace these in the
administration pages when it does.

Where the decile cut points (10th … 90th percentile, ascending) come from:

* HbA1c poor control: CMS QPP 2025 quality benchmarks (qpp-measures-data, benchmarks/2025.json,
  benchmark year 2023), measure 001, eCQM collection type (inverse). These are clinician-group
  distributions (patients without a test count as poorly controlled), so ACO results usually land
  in the best deciles.
* Controlling high blood pressure: the same file, measure 236, eCQM collection type.
* UAMCC: the same file, measure 484 (clinician-group risk-standardized hospital admission rates for
  patients with multiple chronic conditions, the MIPS form of UAMCC), admissions per 100 person-years
  (inverse).
* ACR: the same file, measure 479 (hospital-wide 30-day all-cause unplanned readmission for MIPS
  groups, the MIPS form of ACR), published as proportions and stored here in percent (inverse).
* DAH, TFU and CAHPS: **assumptions**, ranges like those ACO REACH reports show: days at home for
  High Needs/MCC beneficiaries around 331–349 days a year; timely follow-up around 56–73% of events;
  the CAHPS summary (mean of the summary survey measure scores, 0–100) around 77–84.

The same tables serve all three years: each year carries the latest published figures.
"""

from django.db import migrations

YEARS = (2027, 2028, 2029)
QPP = "CMS QPP 2025 quality benchmarks (benchmark year 2023), measure {}: 10th–90th percentiles."
ASSUMED = "Assumption: a range like those ACO REACH reports show; replace with CMS figures when published."

MEASURES = [
    {
        "code": "acr",
        "name": "All-condition readmission (ACR)",
        "description": "Risk-standardized share of inpatient index stays (discharged Jan 1 – Dec 1, not died "
        "or transferred) followed by a non-elective inpatient admission 1–30 days after discharge.",
        "direction": "lower",
        "data_source": "claims",
        "unit": "% of index stays readmitted",
        "deciles": [13.43, 14.01, 14.42, 14.74, 15.07, 15.38, 15.74, 16.12, 16.71],
        "benchmark_source": QPP.format("479 (hospital-wide readmission for MIPS groups ≈ ACR), in percent"),
    },
    {
        "code": "uamcc",
        "name": "Unplanned admissions for patients with multiple chronic conditions (UAMCC)",
        "description": "Unplanned (emergency or urgent) inpatient admissions of aligned beneficiaries aged 65+ "
        "with two or more chronic condition groups, per 100 person-years alive and aligned.",
        "direction": "lower",
        "data_source": "claims",
        "unit": "admissions per 100 person-years",
        "deciles": [27.49, 30.21, 32.16, 33.99, 35.83, 37.7, 39.98, 43.09, 47.58],
        "benchmark_source": QPP.format("484 (clinician-group admissions for patients with MCC ≈ UAMCC)"),
    },
    {
        "code": "dah",
        "name": "Days at home (DAH)",
        "description": "For High Needs or MCC beneficiaries: days alive and aligned in the year minus days in "
        "inpatient and SNF stays and ED or observation visits; mean per beneficiary.",
        "direction": "higher",
        "data_source": "claims",
        "unit": "days per beneficiary",
        "deciles": [331, 334, 336, 338, 340, 342, 344, 346, 349],
        "benchmark_source": ASSUMED,
    },
    {
        "code": "tfu",
        "name": "Timely follow-up after acute exacerbations of chronic conditions (TFU)",
        "description": "ED visits or inpatient discharges of MCC beneficiaries for a chronic condition followed "
        "by a primary care visit within 7 days (heart failure) or 14 days (other conditions).",
        "direction": "higher",
        "data_source": "claims",
        "unit": "% of events followed up",
        "deciles": [56.0, 59.0, 61.5, 63.5, 65.0, 66.5, 68.0, 70.0, 73.0],
        "benchmark_source": ASSUMED,
    },
    {
        "code": "cahps",
        "name": "CAHPS for ACOs",
        "description": "The patient experience survey of the ACO's beneficiaries, fielded by a CMS-approved "
        "vendor; uploaded as a summary score from 0 to 100.",
        "direction": "higher",
        "data_source": "survey",
        "unit": "summary score (0–100)",
        "deciles": [77.0, 78.5, 79.5, 80.3, 81.0, 81.7, 82.4, 83.2, 84.3],
        "benchmark_source": ASSUMED,
    },
    {
        "code": "hba1c_poor_control",
        "name": "Diabetes: HbA1c poor control (>9%)",
        "description": "Share of patients 18–75 with diabetes whose most recent HbA1c (or GMI) in the year is "
        "above 9.0% or missing (eCQM CMS122).",
        "direction": "lower",
        "data_source": "ecqm",
        "unit": "% of patients with diabetes",
        "deciles": [13.46, 18.485, 23.02, 27.54, 32.915, 40.275, 51.68, 73.2, 94.35],
        "benchmark_source": QPP.format("001 (eCQM)"),
    },
    {
        "code": "bp_control",
        "name": "Controlling high blood pressure (<140/90)",
        "description": "Share of patients 18–85 with hypertension whose most recent blood pressure in the year "
        "is below 140/90 mmHg (eCQM CMS165).",
        "direction": "higher",
        "data_source": "ecqm",
        "unit": "% of patients with hypertension",
        "deciles": [45.71, 55.17, 61.16, 65.32, 68.735, 71.94, 75.31, 79.31, 84.74],
        "benchmark_source": QPP.format("236 (eCQM)"),
    },
]


def load(apps, schema_editor):
    MeasureDefinition = apps.get_model("quality", "MeasureDefinition")
    for year in YEARS:
        for measure in MEASURES:
            fields = dict(measure)
            code = fields.pop("code")
            MeasureDefinition.objects.update_or_create(
                performance_year=year, code=code, defaults={**fields, "scored": True}
            )


def unload(apps, schema_editor):
    apps.get_model("quality", "MeasureDefinition").objects.filter(performance_year__in=YEARS).delete()


class Migration(migrations.Migration):
    dependencies = [("quality", "0002_measuredefinition_one_current")]
    operations = [migrations.RunPython(load, unload)]
