"""Code tables for the synthetic CCLF generator: services and fees, diagnoses, DRGs, drugs, places.

Codes are real (HCPCS/CPT, ICD-10-CM without the dot as CMS files carry them, ICD-10-PCS, MS-DRG,
revenue centers, NDC 11-digit 5-4-2). Fees and payments are plausible round figures, not the
fee schedule. NDCs marked ``verified`` were checked against FDA listings (openFDA, DailyMed, the
product labels); the others are the manufacturers' package codes as commonly listed.
"""

from __future__ import annotations

# ---------------------------------------------------------------------------------------------
# Alignment (docs/alignment.md)
# ---------------------------------------------------------------------------------------------


def _expand(spec: str) -> list[str]:
    out: list[str] = []
    for part in spec.split(","):
        part = part.strip()
        if "-" in part:
            lo, hi = part.split("-")
            out.extend(str(c) for c in range(int(lo), int(hi) + 1))
        else:
            out.append(part)
    return out


PQEM_HCPCS = frozenset(
    _expand(
        "96160-96161, 99201-99215, 99304-99318, 99319-99340, 99341-99350, 99354-99355, 99421-99423, 99439, "
        "99483, 99484, 99487, 99489-99491, 99492-99494, 99495-99496, 99497-99498"
    )
    + "G0402 G0438 G0439 G0442 G0443 G0444 G0463 G0506 G2010 G2012 G2058 G2064 G2065 G2214".split()
)
# Home or residence visits: the lines post-discharge and care management home visit Benefit
# Enhancements mark (CCLFB).
HOME_VISIT_HCPCS = frozenset(_expand("99341-99350"))
STEP1_SPECIALTIES = ("01", "08", "11", "37", "38", "50", "89", "97")
STEP2_SPECIALTIES = ("06", "13", "16", "29", "39", "44", "46", "66", "83", "90")
RHC_FQHC_REVENUE_CENTERS = ("0521", "0522", "0524", "0525")

# ---------------------------------------------------------------------------------------------
# Geography
# ---------------------------------------------------------------------------------------------

STATE_FIPS = {
    "AL": "01", "AK": "02", "AZ": "04", "AR": "05", "CA": "06", "CO": "08", "CT": "09", "DE": "10",
    "DC": "11", "FL": "12", "GA": "13", "HI": "15", "ID": "16", "IL": "17", "IN": "18", "IA": "19",
    "KS": "20", "KY": "21", "LA": "22", "ME": "23", "MD": "24", "MA": "25", "MI": "26", "MN": "27",
    "MS": "28", "MO": "29", "MT": "30", "NE": "31", "NV": "32", "NH": "33", "NJ": "34", "NM": "35",
    "NY": "36", "NC": "37", "ND": "38", "OH": "39", "OK": "40", "OR": "41", "PA": "42", "RI": "44",
    "SC": "45", "SD": "46", "TN": "47", "TX": "48", "UT": "49", "VT": "50", "VA": "51", "WA": "53",
    "WV": "54", "WI": "55", "WY": "56", "PR": "72", "GU": "66", "VI": "78", "AS": "60", "MP": "69",
}  # fmt: skip
# SSA state codes: the first two characters of a CCN.
SSA_STATE = {
    "AL": "01", "AK": "02", "AZ": "03", "AR": "04", "CA": "05", "CO": "06", "CT": "07", "DE": "08",
    "DC": "09", "FL": "10", "GA": "11", "HI": "12", "ID": "13", "IL": "14", "IN": "15", "IA": "16",
    "KS": "17", "KY": "18", "LA": "19", "ME": "20", "MD": "21", "MA": "22", "MI": "23", "MN": "24",
    "MS": "25", "MO": "26", "MT": "27", "NE": "28", "NV": "29", "NH": "30", "NJ": "31", "NM": "32",
    "NY": "33", "NC": "34", "ND": "35", "OH": "36", "OK": "37", "OR": "38", "PA": "39", "PR": "40",
    "RI": "41", "SC": "42", "SD": "43", "TN": "44", "TX": "45", "UT": "46", "VT": "47", "VA": "49",
    "WA": "50", "WV": "51", "WI": "52", "WY": "53",
}  # fmt: skip
# States the markets are drawn from (a mix of metro areas and rural counties), in order of use.
MARKET_STATES = (
    "OH", "KY", "TN", "NC", "IA", "GA", "PA", "MO", "TX", "WI", "MI", "VA", "AL", "MN", "NY", "CO",
    "IN", "SC", "KS", "OK", "AR", "MS", "NE", "WV",
)  # fmt: skip
# Regions of each market state that name its ACOs (``<region> Health Partners ACO, LLC``): the
# first ACO whose home market is the state takes the first region, and so on.
REGIONS = {
    "OH": ("Cuyahoga Valley", "Mid-State", "Miami Valley", "Maumee Valley"),
    "KY": ("Bluegrass", "Cumberland", "Pennyrile"),
    "TN": ("Smoky Mountain", "Upper Cumberland", "Mid-South"),
    "NC": ("Piedmont", "Blue Ridge", "Cape Fear"),
    "IA": ("Hawkeye", "Cedar Valley", "Loess Hills"),
    "GA": ("Chattahoochee", "Coastal Empire", "Okefenokee"),
    "PA": ("Susquehanna", "Allegheny", "Lehigh Valley"),
    "MO": ("Ozark", "Missouri Valley", "Bootheel"),
    "TX": ("Hill Country", "Gulf Coast", "Piney Woods"),
    "WI": ("Fox Valley", "Northwoods", "Driftless"),
    "MI": ("Saginaw Bay", "Upper Peninsula", "Grand River"),
    "VA": ("Shenandoah", "Tidewater", "Southside"),
    "AL": ("Tennessee Valley", "Black Belt", "Wiregrass"),
    "MN": ("North Star", "Iron Range", "Red River Valley"),
    "NY": ("Hudson Valley", "Finger Lakes", "North Country"),
    "CO": ("Front Range", "Western Slope", "San Luis Valley"),
    "IN": ("Wabash Valley", "Hoosier Heartland", "Ohio River"),
    "SC": ("Lowcountry", "Upstate", "Pee Dee"),
    "KS": ("Flint Hills", "High Plains", "Smoky Hills"),
    "OK": ("Green Country", "Red River", "Cimarron"),
    "AR": ("Ozark", "Delta", "Ouachita"),
    "MS": ("Delta", "Gulf Coast", "Golden Triangle"),
    "NE": ("Platte Valley", "Sandhills", "Panhandle"),
    "WV": ("Mountain State", "Kanawha Valley", "Allegheny Highlands"),
}
# Beneficiaries living outside the 50 states, DC and PR (ineligible for alignment): state, ZIP.
OUTSIDE_PLACES = (("GU", "96910"), ("VI", "00802"), ("AS", "96799"), ("MP", "96950"))
# Medicare Administrative Contractor numbers (Part A/B), by market state; others get the default.
MAC_NUMBERS = {"OH": "15202", "KY": "15102", "TN": "10312", "NC": "11502", "GA": "10212", "IA": "05102"}
DEFAULT_MAC = "12502"

# ---------------------------------------------------------------------------------------------
# Medicare-Medicaid dual status (CCLF8 BENE_DUAL_STUS_CD)
# ---------------------------------------------------------------------------------------------

# Source: CMS Medicare-Medicaid Coordination Office, "Data Analysis Brief: Medicare-Medicaid Dual
# Enrollment 2006 through 2019" (November 2020): 12.3 million dually eligible beneficiaries beside
# 52.1 million Medicare-only ones in 2019 (19% of Medicare), 8.8 million of them full-benefit and
# 3.6 million partial-benefit (71% / 29%). Inside each group the split by eligibility category is a
# rounded reading of the brief's category tables: QMB Plus is most full-benefit duals, then other
# full-benefit duals (Medicaid without a Medicare Savings Program), few SLMB Plus; QMB only is over
# half of the partial-benefit duals, then SLMB only, QI, and a handful of QDWI.
# Everyone else is non-dual: "NA" (Medicare only; "00" means not enrolled in Medicare that month).
DUAL_SHARE = 0.19
DUAL_SHARE_AGED = 0.155  # people entitled by age; with DUAL_SHARE_DISABLED, 19% of the generated people
DUAL_SHARE_DISABLED = 0.42  # people entitled by disability are dual far more often
DUAL_STATUS_SHARES: tuple[tuple[str, float], ...] = (  # among dually eligible beneficiaries
    ("02", 0.48),  # QMB Plus (full)
    ("08", 0.19),  # other full-benefit dual (full)
    ("04", 0.04),  # SLMB Plus (full)
    ("01", 0.155),  # QMB only (partial)
    ("03", 0.08),  # SLMB only (partial)
    ("06", 0.054),  # QI (partial)
    ("05", 0.001),  # QDWI (partial)
)
DUAL_FULL_CODES = ("02", "04", "08")

# ---------------------------------------------------------------------------------------------
# Part B services: HCPCS, allowed amount in dollars (base year), BETOS, type of service, units.
# ---------------------------------------------------------------------------------------------

SERVICES: tuple[tuple[str, float, str, str, int], ...] = (
    # Office and outpatient E&M
    ("99202", 75.0, "M1A", "1", 1),
    ("99203", 115.0, "M1A", "1", 1),
    ("99204", 170.0, "M1A", "1", 1),
    ("99205", 225.0, "M1A", "1", 1),
    ("99212", 57.0, "M1B", "1", 1),
    ("99213", 92.0, "M1B", "1", 1),
    ("99214", 130.0, "M1B", "1", 1),
    ("99215", 183.0, "M1B", "1", 1),
    # Preventive, care management, transitions, cognition, behavioural health, virtual
    ("G0402", 170.0, "M5D", "1", 1),
    ("G0438", 170.0, "M5D", "1", 1),
    ("G0439", 130.0, "M5D", "1", 1),
    ("G0444", 18.0, "M5D", "1", 1),
    ("G0442", 18.0, "M5D", "1", 1),
    ("96160", 3.0, "M5D", "1", 1),
    ("99497", 85.0, "M5D", "1", 1),
    ("99490", 62.0, "M5C", "1", 1),
    ("99439", 47.0, "M5C", "1", 1),
    ("99487", 130.0, "M5C", "1", 1),
    ("G0506", 64.0, "M5C", "1", 1),
    ("99495", 200.0, "M5C", "1", 1),
    ("99496", 275.0, "M5C", "1", 1),
    ("99483", 280.0, "M5C", "1", 1),
    ("99484", 42.0, "M5C", "1", 1),
    ("99492", 160.0, "M5C", "1", 1),
    ("99493", 145.0, "M5C", "1", 1),
    ("99421", 15.0, "M5C", "1", 1),
    ("99422", 31.0, "M5C", "1", 1),
    ("G2012", 14.0, "M5C", "1", 1),
    # Nursing facility and home visits
    ("99304", 95.0, "M4B", "1", 1),
    ("99306", 175.0, "M4B", "1", 1),
    ("99308", 78.0, "M4B", "1", 1),
    ("99309", 110.0, "M4B", "1", 1),
    ("99310", 160.0, "M4B", "1", 1),
    ("99315", 80.0, "M4B", "1", 1),
    ("99347", 90.0, "M4A", "1", 1),
    ("99348", 140.0, "M4A", "1", 1),
    ("99349", 190.0, "M4A", "1", 1),
    # Hospital inpatient and emergency department (not PQEM)
    ("99222", 140.0, "M2B", "1", 1),
    ("99223", 205.0, "M2B", "1", 1),
    ("99232", 80.0, "M2B", "1", 1),
    ("99233", 115.0, "M2B", "1", 1),
    ("99238", 75.0, "M2B", "1", 1),
    ("99283", 60.0, "M3", "1", 1),
    ("99284", 105.0, "M3", "1", 1),
    ("99285", 155.0, "M3", "1", 1),
    # Laboratory
    ("80053", 11.0, "T1B", "5", 1),
    ("85025", 8.0, "T1H", "5", 1),
    ("83036", 9.0, "T1H", "5", 1),
    ("80061", 13.0, "T1B", "5", 1),
    ("84443", 16.0, "T1H", "5", 1),
    ("82565", 5.0, "T1H", "5", 1),
    ("82043", 6.0, "T1H", "5", 1),
    ("81001", 3.0, "T1D", "5", 1),
    ("87086", 9.0, "T1G", "5", 1),
    ("36415", 3.0, "T1H", "5", 1),
    ("82962", 3.0, "T1H", "5", 1),
    # Imaging and tests
    ("71046", 30.0, "I1A", "4", 1),
    ("70450", 110.0, "I2A", "4", 1),
    ("74177", 250.0, "I2C", "4", 1),
    ("77067", 135.0, "I1C", "4", 1),
    ("73560", 30.0, "I1D", "4", 1),
    ("72148", 210.0, "I3C", "4", 1),
    ("93306", 210.0, "I3F", "4", 1),
    ("93000", 16.0, "T2A", "1", 1),
    ("93015", 75.0, "T2B", "1", 1),
    # Procedures
    ("27447", 1300.0, "P1D", "2", 1),
    ("27130", 1350.0, "P1D", "2", 1),
    ("27245", 1000.0, "P1D", "2", 1),
    ("92928", 530.0, "P2F", "2", 1),
    ("45378", 210.0, "P8D", "2", 1),
    ("17000", 65.0, "P6C", "2", 1),
    ("11102", 95.0, "P6C", "2", 1),
    ("11721", 45.0, "P6C", "2", 1),
    ("20610", 60.0, "P6C", "2", 1),
    ("67028", 105.0, "P6C", "2", 1),
    ("92014", 135.0, "M5B", "1", 1),
    ("66984", 550.0, "P4B", "2", 1),
    ("52000", 200.0, "P5B", "2", 1),
    # Anesthesia (time units)
    ("01402", 21.0, "P0", "7", 12),
    ("01214", 21.0, "P0", "7", 14),
    ("00811", 21.0, "P0", "7", 6),
    # Therapy, behavioural health, chiropractic
    ("97161", 100.0, "P7A", "1", 1),
    ("97110", 30.0, "P7A", "1", 2),
    ("97140", 28.0, "P7A", "1", 1),
    ("97530", 33.0, "P7A", "1", 2),
    ("90834", 100.0, "M5C", "1", 1),
    ("90837", 150.0, "M5C", "1", 1),
    ("98941", 40.0, "P7B", "1", 1),
    # Drugs, vaccines, dialysis
    ("96372", 15.0, "O1D", "1", 1),
    ("J1100", 1.0, "O1E", "1", 4),
    ("J3420", 1.0, "O1E", "1", 1),
    ("90662", 70.0, "O1G", "V", 1),
    ("G0008", 32.0, "O1G", "V", 1),
    ("90677", 250.0, "O1G", "V", 1),
    ("96413", 140.0, "O1D", "1", 1),
    ("J9271", 55.0, "O1D", "1", 200),
    ("J0178", 900.0, "O1E", "1", 2),
    ("90960", 280.0, "M5C", "1", 1),
)
SERVICE_INDEX = {s[0]: i for i, s in enumerate(SERVICES)}

# PCP office visit mix: HCPCS, place of service, share, modifier.
PCP_VISITS: tuple[tuple[str, str, float, str], ...] = (
    ("99213", "11", 0.40, ""),
    ("99214", "11", 0.36, ""),
    ("99215", "11", 0.04, ""),
    ("99212", "11", 0.05, ""),
    ("99203", "11", 0.02, ""),
    ("99204", "11", 0.02, ""),
    ("99213", "10", 0.03, "95"),
    ("99214", "02", 0.01, "95"),
    ("99348", "12", 0.02, ""),
    ("99349", "12", 0.01, ""),
    ("G2012", "11", 0.02, ""),
    ("99421", "11", 0.01, ""),
    ("99422", "11", 0.01, ""),
)
# Ancillary lines a PCP adds to an office visit (HCPCS, probability).
PCP_ANCILLARIES: tuple[tuple[str, float], ...] = (
    ("36415", 0.45),
    ("82962", 0.10),
    ("93000", 0.06),
    ("81001", 0.05),
    ("96372", 0.04),
    ("J3420", 0.03),
    ("G0444", 0.08),
    ("20610", 0.03),
)
LAB_PANEL: tuple[tuple[str, float], ...] = (
    ("80053", 0.65),
    ("85025", 0.55),
    ("80061", 0.35),
    ("84443", 0.20),
    ("82565", 0.15),
    ("81001", 0.20),
    ("87086", 0.08),
)
IMAGING: tuple[tuple[str, str, float], ...] = (  # HCPCS, POS, share
    ("71046", "22", 0.30),
    ("73560", "11", 0.15),
    ("77067", "11", 0.15),
    ("70450", "23", 0.12),
    ("74177", "22", 0.12),
    ("72148", "22", 0.16),
)

# Specialties by role. Specialist visits use office E&M; these add their own procedure lines.
# specialty: (condition triggering referral or "" for anyone, yearly visit rate, procedure HCPCS)
SPECIALISTS: dict[str, tuple[str, float, str]] = {
    "06": ("hf|afib|ami", 2.5, "93306"),  # cardiology
    "39": ("ckd", 2.5, "82043"),  # nephrology
    "46": ("diabetes", 2.0, "83036"),  # endocrinology
    "29": ("copd", 2.0, "71046"),  # pulmonary disease
    "13": ("dementia|stroke", 1.8, "70450"),  # neurology
    "66": ("", 1.5, "20610"),  # rheumatology
    "83": ("cancer", 4.0, "85025"),  # hematology-oncology
    "90": ("cancer", 3.0, "96413"),  # medical oncology
    "16": ("", 1.0, "87086"),  # obstetrics/gynecology
    "44": ("", 1.0, "87086"),  # infectious disease
}
OTHER_SPECIALTIES: dict[str, tuple[float, float, str]] = {  # specialty: (share seen, yearly visits, HCPCS)
    "07": (0.12, 1.5, "17000"),  # dermatology
    "18": (0.25, 1.2, "92014"),  # ophthalmology
    "48": (0.10, 3.0, "11721"),  # podiatry (three times as many among diabetics)
    "20": (0.10, 1.5, "20610"),  # orthopedic surgery
    "34": (0.08, 1.5, "52000"),  # urology
    "10": (0.05, 1.0, "45378"),  # gastroenterology
    "68": (0.04, 6.0, "90837"),  # clinical psychologist
    "35": (0.04, 8.0, "98941"),  # chiropractic
}

# ---------------------------------------------------------------------------------------------
# Conditions: name, base prevalence, ICD-10-CM codes (no dot). Chronic groups as in docs/quality.md.
# ---------------------------------------------------------------------------------------------

CONDITIONS: tuple[tuple[str, float, tuple[str, ...]], ...] = (
    ("ami", 0.05, ("I214", "I219", "I229", "I252")),
    ("dementia", 0.10, ("G309", "G301", "F0390", "F0280", "F0150")),
    ("afib", 0.09, ("I480", "I4891", "I4820")),
    ("ckd", 0.18, ("N1830", "N1831", "N1832", "N184", "N185", "N182", "N189")),
    ("copd", 0.12, ("J449", "J441", "J440", "J4540", "J45909")),
    ("depression", 0.16, ("F329", "F32A", "F331", "F330")),
    ("diabetes", 0.27, ("E119", "E1122", "E1165", "E1140", "E1151", "E109", "E139")),
    ("hf", 0.12, ("I5030", "I5032", "I5033", "I5020", "I5022", "I509")),
    ("stroke", 0.04, ("I639", "I6350", "G459", "Z8673")),
    ("hypertension", 0.62, ("I10", "I129", "I130", "I110")),
    ("lipid", 0.50, ("E785", "E782", "E7849")),
    ("bmi", 0.30, ()),  # Z68 codes by BMI band, below
    ("prediabetes", 0.08, ("R7303",)),
    ("pad", 0.05, ("I70211", "I70212", "I739")),
    ("arthritis", 0.25, ("M1711", "M1712", "M170", "M1611", "M1990")),
    ("cancer", 0.06, ("C61", "C50911", "C3490", "C189")),
    ("mobility", 0.03, ("G8220", "G8250", "G8191", "G35", "G20A1", "Z993")),
    ("esrd", 0.0, ("N186", "Z992")),
)
CONDITION_INDEX = {c[0]: i for i, c in enumerate(CONDITIONS)}
# BMI bands (share among beneficiaries with a recorded BMI) and their Z68 codes plus the matching
# weight diagnosis.
BMI_BANDS: tuple[tuple[float, tuple[str, ...], str], ...] = (
    (0.30, ("Z6827", "Z6828", "Z6829"), "E663"),
    (0.35, ("Z6830", "Z6831", "Z6832", "Z6833", "Z6834"), "E669"),
    (0.20, ("Z6835", "Z6836", "Z6837", "Z6838", "Z6839"), "E6601"),
    (0.15, ("Z6841", "Z6842", "Z6843", "Z6845"), "E6601"),
)
ACUTE_CODES = ("Z0000", "Z0001", "Z1231", "J069", "R051", "N390", "M5450", "M25561", "R42", "R0789", "K219", "Z23")
ED_ACUTE_CODES = ("R0789", "R55", "S0990XA", "N390", "J189", "R1030", "S72001A", "L03115", "R42", "R4182")

# ---------------------------------------------------------------------------------------------
# Inpatient: MS-DRG, relative weight, principal diagnoses, mean length of stay, kind, ICD-10-PCS,
# condition affinity (the stay is likelier for beneficiaries with that condition).
# kind: "med" medical, "ortho" elective joint, "pci", "hipfx" fracture repair.
# ---------------------------------------------------------------------------------------------

DRGS: tuple[tuple[str, float, tuple[str, ...], float, str, tuple[str, ...], str], ...] = (
    ("291", 1.34, ("I5033", "I130", "I5023"), 4.6, "med", (), "hf"),
    ("292", 0.90, ("I5032", "I5022"), 3.6, "med", (), "hf"),
    ("293", 0.65, ("I509",), 2.7, "med", (), "hf"),
    ("871", 1.85, ("A419",), 5.4, "med", ("5A1955Z",), ""),
    ("872", 1.03, ("A419",), 3.9, "med", (), ""),
    ("190", 1.15, ("J441",), 4.0, "med", (), "copd"),
    ("192", 0.72, ("J441", "J440"), 3.0, "med", (), "copd"),
    ("194", 0.92, ("J189",), 3.5, "med", (), ""),
    ("280", 1.65, ("I214", "I219"), 4.5, "med", (), "ami"),
    ("247", 2.10, ("I214", "I2510"), 2.3, "pci", ("02703DZ", "027034Z"), "ami"),
    ("065", 1.04, ("I639", "I6350"), 3.5, "med", (), "stroke"),
    ("069", 0.78, ("G459",), 2.5, "med", (), "stroke"),
    ("683", 0.90, ("N179",), 3.8, "med", (), "ckd"),
    ("690", 0.80, ("N390",), 3.2, "med", (), ""),
    ("309", 0.72, ("I4891", "I480"), 2.8, "med", (), "afib"),
    ("638", 0.85, ("E1165", "E1110"), 3.1, "med", (), "diabetes"),
    ("603", 0.84, ("L03115", "L03116"), 3.6, "med", (), ""),
    ("378", 1.00, ("K922",), 3.3, "med", (), ""),
    ("057", 0.95, ("F0390", "G309"), 4.3, "med", (), "dementia"),
    ("470", 1.90, ("M1711", "M1712", "M1611"), 2.0, "ortho", ("0SRD0J9", "0SRC0J9", "0SR90J9"), "arthritis"),
    ("469", 3.10, ("M1711", "M1611"), 4.5, "ortho", ("0SRD0J9", "0SR90J9"), "arthritis"),
    ("481", 2.20, ("S72001A", "S72002A"), 5.0, "hipfx", ("0QS604Z", "0QS704Z"), ""),
    ("312", 0.80, ("R55",), 2.4, "med", (), ""),
)
DRG_BASE_RATE = 6400.0  # dollars per relative weight in the first generated year

# ---------------------------------------------------------------------------------------------
# Part D drugs: name, NDC (11 digits), condition ("" = general), probability among those with the
# condition, days-supply options, units per 30 days, brand (copay tier), GLP-1 use
# ("" none, "diabetes" or "obesity"), prescriber specialty ("" = the PCP).
# ---------------------------------------------------------------------------------------------

DRUGS: tuple[tuple[str, str, str, float, tuple[int, ...], float, bool, str, str], ...] = (
    ("lisinopril 10 mg", "62135064290", "hypertension", 0.40, (30, 30, 30, 90), 30, False, "", ""),  # verified
    ("lisinopril 20 mg", "43547041709", "hypertension", 0.12, (90,), 30, False, "", ""),  # verified
    ("amlodipine 5 mg", "69097083705", "hypertension", 0.30, (30, 30, 30, 90), 30, False, "", ""),  # verified
    ("amlodipine 5 mg", "65862010290", "hypertension", 0.08, (90,), 30, False, "", ""),  # verified
    ("atorvastatin 20 mg", "55111012230", "lipid", 0.40, (30,), 30, False, "", ""),  # verified
    ("atorvastatin 20 mg", "70710177509", "lipid", 0.25, (90,), 30, False, "", ""),  # verified
    ("metformin 500 mg", "65841080901", "diabetes", 0.45, (30, 30, 30, 90), 60, False, "", ""),  # verified
    ("metformin 500 mg", "65841002801", "diabetes", 0.15, (30,), 60, False, "", ""),  # verified
    ("Jardiance 10 mg", "00597015230", "diabetes", 0.12, (30,), 30, True, "", ""),
    ("Januvia 100 mg", "00006027731", "diabetes", 0.08, (30,), 30, True, "", ""),
    ("Lantus SoloStar", "00088221905", "diabetes", 0.12, (30,), 15, True, "", "46"),
    # GLP-1s: the NDCs are rows of reference/glp1/ndcs.csv; who takes them, and the titration from
    # one strength to the next, is GLP1_COURSES below (the probability column is not used for them).
    ("Ozempic 0.25/0.5 mg", "00169418113", "diabetes", 0.0, (28,), 1.5, True, "diabetes", ""),  # verified
    ("Ozempic 1 mg", "00169413013", "diabetes", 0.0, (28, 84), 3, True, "diabetes", ""),  # verified
    ("Ozempic 2 mg", "00169477212", "diabetes", 0.0, (28,), 3, True, "diabetes", "46"),  # verified
    ("Ozempic 9 mg tablet", "00169170930", "diabetes", 0.0, (30,), 30, True, "diabetes", ""),  # verified
    ("Rybelsus 3 mg", "00169430330", "diabetes", 0.0, (30,), 30, True, "diabetes", ""),  # verified
    ("Mounjaro 2.5 mg", "00002150680", "diabetes", 0.0, (28,), 2, True, "diabetes", ""),
    ("Mounjaro 15 mg", "00002145780", "diabetes", 0.0, (28,), 2, True, "diabetes", "46"),
    ("Trulicity 0.75 mg", "00002143380", "diabetes", 0.0, (28,), 2, True, "diabetes", ""),
    ("Trulicity 4.5 mg", "00002318280", "diabetes", 0.0, (28, 84), 2, True, "diabetes", "46"),  # verified
    ("Victoza 18 mg/3 mL x2", "00169406012", "diabetes", 0.0, (30,), 6, True, "diabetes", ""),  # verified
    ("Victoza 18 mg/3 mL x3", "00169406013", "diabetes", 0.0, (30,), 9, True, "diabetes", ""),  # verified
    ("Wegovy 0.25 mg", "00169452514", "obesity", 0.0, (28,), 2, True, "obesity", ""),
    ("Wegovy 0.5 mg", "00169450514", "obesity", 0.0, (28,), 2, True, "obesity", ""),  # verified
    ("Wegovy 1 mg", "00169450114", "obesity", 0.0, (28,), 2, True, "obesity", ""),  # verified
    ("Wegovy 1.7 mg", "00169451714", "obesity", 0.0, (28,), 3, True, "obesity", ""),
    ("Wegovy 2.4 mg", "00169452414", "obesity", 0.0, (28,), 3, True, "obesity", ""),
    ("Wegovy 1.5 mg tablet", "00169441531", "obesity", 0.0, (30,), 30, True, "obesity", ""),  # verified
    ("Zepbound 2.5 mg", "00002250680", "obesity", 0.0, (28,), 2, True, "obesity", ""),
    ("Zepbound 5 mg", "00002249580", "obesity", 0.0, (28,), 2, True, "obesity", ""),
    ("Zepbound 7.5 mg", "00002248480", "obesity", 0.0, (28,), 2, True, "obesity", ""),
    ("Zepbound 10 mg", "00002247180", "obesity", 0.0, (28,), 2, True, "obesity", ""),  # verified
    ("Zepbound 12.5 mg", "00002246080", "obesity", 0.0, (28,), 2, True, "obesity", ""),
    ("Zepbound 15 mg", "00002245780", "obesity", 0.0, (28,), 2, True, "obesity", ""),  # verified
    ("Foundayo 5.5 mg", "00002479431", "obesity", 0.0, (30,), 30, True, "obesity", ""),  # verified
    ("furosemide 40 mg", "71610004930", "hf", 0.45, (30,), 30, False, "", "06"),  # verified
    ("furosemide 40 mg", "68071353609", "hf", 0.15, (90,), 30, False, "", ""),  # verified
    ("Entresto 49/51 mg", "00078077720", "hf", 0.15, (30,), 60, True, "", "06"),
    ("Farxiga 10 mg", "00310621030", "hf", 0.10, (30,), 30, True, "", "06"),
    ("Eliquis 5 mg", "00003089421", "afib", 0.50, (30,), 60, True, "", "06"),  # verified
    ("Xarelto 20 mg", "50458057930", "afib", 0.20, (30,), 30, True, "", "06"),
    ("Spiriva HandiHaler", "00597007541", "copd", 0.30, (30,), 30, True, "", "29"),
    ("Trelegy Ellipta", "00173088710", "copd", 0.20, (30,), 30, True, "", "29"),
    ("ProAir HFA", "59310057922", "copd", 0.45, (30,), 8.5, True, "", ""),
    ("sertraline 50 mg", "70010020403", "depression", 0.35, (30,), 30, False, "", ""),  # verified
    ("sertraline 50 mg", "63187076730", "depression", 0.15, (30,), 30, False, "", ""),  # verified
    (
        "metoprolol succinate ER 50 mg",
        "71335014903",
        "hypertension",
        0.15,
        (30, 30, 30, 90),
        30,
        False,
        "",
        "",
    ),  # verified
    ("metoprolol succinate ER 50 mg", "50090723801", "hf", 0.35, (90,), 30, False, "", "06"),  # verified
    ("losartan 50 mg", "43547036109", "hypertension", 0.12, (90,), 30, False, "", ""),  # verified
    ("losartan 50 mg", "43547036103", "ckd", 0.15, (30,), 30, False, "", ""),  # verified
    ("donepezil 10 mg", "43547027603", "dementia", 0.35, (30,), 30, False, "", ""),  # verified
    ("donepezil 10 mg", "43547027609", "dementia", 0.15, (90,), 30, False, "", "13"),  # verified
    ("gabapentin 300 mg", "50090489300", "arthritis", 0.3, (30,), 90, False, "", ""),  # verified
    ("levothyroxine 25 mcg", "71205051290", "", 0.14, (30, 30, 30, 90), 30, False, "", ""),  # verified
    ("omeprazole 20 mg", "16714063401", "", 0.25, (30,), 30, False, "", ""),  # verified
)
GLP1_NDCS = frozenset(d[1] for d in DRUGS if d[7])
DRUG_INDEX = {d[0]: i for i, d in enumerate(DRUGS)}

# GLP-1 courses: product, use, share among that use's users, the strengths in titration order (DRUGS
# names; one fill of each on the way up), and the lowest step a user stays on (the maintenance dose
# is drawn between it and the last). Obesity products are the four the Medicare GLP-1 Bridge covers;
# only NDCs found in an FDA listing are used (reference/glp1/README.md), so a product whose other
# strengths were not found stays on the one it has.
GLP1_COURSES: tuple[tuple[str, str, float, tuple[str, ...], int], ...] = (
    (
        "Wegovy (injection)",
        "obesity",
        0.30,
        ("Wegovy 0.25 mg", "Wegovy 0.5 mg", "Wegovy 1 mg", "Wegovy 1.7 mg", "Wegovy 2.4 mg"),
        3,
    ),
    ("Wegovy (tablet)", "obesity", 0.15, ("Wegovy 1.5 mg tablet",), 0),
    (
        "Zepbound",
        "obesity",
        0.40,
        ("Zepbound 2.5 mg", "Zepbound 5 mg", "Zepbound 7.5 mg", "Zepbound 10 mg", "Zepbound 12.5 mg", "Zepbound 15 mg"),
        1,
    ),
    ("Foundayo", "obesity", 0.15, ("Foundayo 5.5 mg",), 0),
    ("Ozempic", "diabetes", 0.30, ("Ozempic 0.25/0.5 mg", "Ozempic 1 mg", "Ozempic 2 mg"), 1),
    ("Ozempic (tablet)", "diabetes", 0.05, ("Ozempic 9 mg tablet",), 0),
    ("Rybelsus", "diabetes", 0.10, ("Rybelsus 3 mg",), 0),
    ("Mounjaro", "diabetes", 0.25, ("Mounjaro 2.5 mg", "Mounjaro 15 mg"), 1),
    ("Trulicity", "diabetes", 0.20, ("Trulicity 0.75 mg", "Trulicity 4.5 mg"), 1),
    ("Victoza", "diabetes", 0.10, ("Victoza 18 mg/3 mL x2", "Victoza 18 mg/3 mL x3"), 0),
)
GLP1_DIABETES_SHARE = 0.22  # of beneficiaries with diabetes, on a GLP-1 under Part D
GLP1_STEP_DAYS = 28  # one fill per strength on the way up

# ---------------------------------------------------------------------------------------------
# DME (CCLF6): HCPCS, allowed per unit in dollars, condition ("" frail/any), modifier, monthly rental.
# ---------------------------------------------------------------------------------------------

DME_ITEMS: tuple[tuple[str, float, str, str, bool], ...] = (
    ("A4253", 30.0, "diabetes", "KX", False),  # glucose test strips
    ("A4259", 10.0, "diabetes", "KX", False),  # lancets
    ("E1390", 160.0, "copd", "RR", True),  # oxygen concentrator
    ("E0431", 20.0, "copd", "RR", True),  # portable oxygen
    ("E0260", 140.0, "mobility", "RR", True),  # hospital bed, semi-electric
    ("E0630", 95.0, "mobility", "RR", True),  # patient lift (transfer equipment)
    ("K0001", 60.0, "mobility", "RR", True),  # standard wheelchair
    ("E0143", 75.0, "", "NU", False),  # walker
    ("E0165", 60.0, "", "NU", False),  # commode chair
    ("E0601", 75.0, "", "RR", True),  # CPAP
    ("E0114", 30.0, "", "NU", False),  # crutches
)

# ---------------------------------------------------------------------------------------------
# Names (synthetic people and organisations)
# ---------------------------------------------------------------------------------------------

FIRST_NAMES = (
    "MARY PATRICIA LINDA BARBARA ELIZABETH JENNIFER MARIA SUSAN MARGARET DOROTHY LISA NANCY KAREN BETTY "
    "HELEN SANDRA DONNA CAROL RUTH SHARON MICHELLE LAURA SARAH KIMBERLY DEBORAH JESSICA SHIRLEY CYNTHIA "
    "ANGELA MELISSA BRENDA AMY ANNA REBECCA VIRGINIA KATHLEEN PAMELA MARTHA DEBRA AMANDA JAMES JOHN ROBERT "
    "MICHAEL WILLIAM DAVID RICHARD CHARLES JOSEPH THOMAS CHRISTOPHER DANIEL PAUL MARK DONALD GEORGE KENNETH "
    "STEVEN EDWARD BRIAN RONALD ANTHONY KEVIN JASON MATTHEW GARY TIMOTHY JOSE LARRY JEFFREY FRANK SCOTT ERIC "
    "STEPHEN ANDREW RAYMOND GREGORY JOSHUA JERRY DENNIS WALTER PATRICK PETER HAROLD DOUGLAS HENRY CARL ARTHUR "
    "ROGER GERALD KEITH SAMUEL WILLIE RALPH LAWRENCE NICHOLAS ROY BENJAMIN BRUCE BRANDON ADAM HARRY FRED WAYNE"
).split()
LAST_NAMES = (
    "SMITH JOHNSON WILLIAMS BROWN JONES GARCIA MILLER DAVIS RODRIGUEZ MARTINEZ HERNANDEZ LOPEZ GONZALEZ "
    "WILSON ANDERSON THOMAS TAYLOR MOORE JACKSON MARTIN LEE PEREZ THOMPSON WHITE HARRIS SANCHEZ CLARK "
    "RAMIREZ LEWIS ROBINSON WALKER YOUNG ALLEN KING WRIGHT SCOTT TORRES NGUYEN HILL FLORES GREEN ADAMS "
    "NELSON BAKER HALL RIVERA CAMPBELL MITCHELL CARTER ROBERTS GOMEZ PHILLIPS EVANS TURNER DIAZ PARKER CRUZ "
    "EDWARDS COLLINS REYES STEWART MORRIS MORALES MURPHY COOK ROGERS GUTIERREZ ORTIZ MORGAN COOPER PETERSON "
    "BAILEY REED KELLY HOWARD RAMOS KIM COX WARD RICHARDSON WATSON BROOKS CHAVEZ WOOD JAMES BENNETT GRAY "
    "MENDOZA RUIZ HUGHES PRICE ALVAREZ CASTILLO SANDERS PATEL MYERS LONG ROSS FOSTER JIMENEZ"
).split()
STREETS = (
    "MAPLE OAK PINE CEDAR ELM WALNUT CHESTNUT HICKORY WILLOW BIRCH MAIN CHURCH MILL SPRING RIVER LAKE HILL "
    "PARK MEADOW RIDGE VALLEY FOREST ORCHARD WASHINGTON JEFFERSON LINCOLN MADISON FRANKLIN JACKSON HIGHLAND"
).split()
STREET_TYPES = ("ST", "AVE", "RD", "DR", "LN", "CT", "WAY", "BLVD")
ORG_WORDS = (
    "Riverbend Prairie Lakeside Summit Heartland Valley Harbor Pinecrest Bluegrass Keystone Cardinal "
    "Magnolia Sycamore Frontier Meridian Cornerstone Evergreen Northstar Trillium Horizon Juniper Sandstone"
).split()
