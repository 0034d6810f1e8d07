"""The default episode definitions of a performance year (docs/cara.md, "Definitions"): the five starter
types of CARA (docs/cara.md), each triggered by an inpatient stay with one of its MS-DRGs, with a 90-day
post-discharge window and every claim type counted. CMS administrators maintain the catalogue (the admin);
``ensure_catalogue`` seeds a year that has none."""

from __future__ import annotations

from dataclasses import dataclass

# Every claim category an episode can count (``Episode`` cost columns say where each lands).
CLAIM_CATEGORIES: dict[str, str] = {
    "inpatient": "Inpatient stays (index stay and readmissions)",
    "snf": "Skilled nursing facility",
    "home_health": "Home health",
    "outpatient": "Hospital outpatient",
    "professional": "Professional (Part B)",
    "dme": "Durable medical equipment",
    "hospice": "Hospice",
}
ALL_CATEGORIES = tuple(CLAIM_CATEGORIES)
WINDOWS = (30, 60, 90)


@dataclass(frozen=True)
class Starter:
    code: str
    name: str
    drgs: tuple[str, ...]
    excluded_diagnoses: tuple[str, ...] = ()  # ICD-10 prefixes of the trigger's principal diagnosis


# The starter types: elective hip/knee replacement (DRG 469–470), heart failure (291–293), sepsis (871–872),
# COPD (190–192), PCI (246–251). Hip and knee replacements for a fracture (S72: fracture of the femur)
# are not elective: excluded, as CMS's elective joint replacement episodes exclude them.
STARTERS: tuple[Starter, ...] = (
    Starter("hip_knee", "Elective hip or knee replacement", ("469", "470"), ("S72",)),
    Starter("heart_failure", "Heart failure", ("291", "292", "293")),
    Starter("sepsis", "Sepsis", ("871", "872")),
    Starter("copd", "COPD", ("190", "191", "192")),
    Starter("pci", "Percutaneous coronary intervention", ("246", "247", "248", "249", "250", "251")),
)
STARTER_WINDOW_DAYS = 90

# What the ICD-10-CM categories the catalogue excludes mean, for the pages.
DIAGNOSIS_CATEGORIES: dict[str, str] = {"S72": "fracture of the femur"}


def diagnosis_text(prefix: str) -> str:
    """An exclusion as people read it: "S72 (fracture of the femur)", or the code with a dot (S72.0)."""
    code = str(prefix).replace(".", "").strip().upper()
    shown = f"{code[:3]}.{code[3:]}" if len(code) > 3 else code
    meaning = DIAGNOSIS_CATEGORIES.get(code)
    return f"{shown} ({meaning})" if meaning else shown
