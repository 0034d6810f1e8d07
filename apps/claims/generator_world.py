"""The synthetic world the CCLF generator draws claims from: markets, ACOs, practices, clinicians,
facilities, pharmacies, and the identifiers (MBI, NPI, TIN, CCN) they carry.

Everything here is small (thousands of rows at 100,000 beneficiaries) and built once per run from
the seed; the per-chunk claim generation samples from it with vectorised look-ups. Markets are
states; every ACO works in one or two of them, and every market has ACO participants and
non-participant practices, so alignment has real competition.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

import numpy as np
import numpy.typing as npt

from apps.acos.reference import REFERENCE_DIR

from . import generator_codes as codes

IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]
Array = npt.NDArray[Any]

# ---------------------------------------------------------------------------------------------
# Identifiers
# ---------------------------------------------------------------------------------------------

MBI_LETTERS = b"ACDEFGHJKMNPQRTUVWXY"  # A-Z without S, L, O, I, B, Z
MBI_CHARSETS = (
    b"123456789",
    MBI_LETTERS,
    b"0123456789" + MBI_LETTERS,
    b"0123456789",
    MBI_LETTERS,
    b"0123456789" + MBI_LETTERS,
    b"0123456789",
    MBI_LETTERS,
    MBI_LETTERS,
    b"0123456789",
    b"0123456789",
)
MBI_SPACE = int(np.prod([len(c) for c in MBI_CHARSETS], dtype=np.int64))  # 1.296e13 identifiers
_MBI_HIGH = int(np.prod([len(c) for c in MBI_CHARSETS[:5]], dtype=np.int64))
_MBI_LOW = int(np.prod([len(c) for c in MBI_CHARSETS[5:]], dtype=np.int64))
_MBI_STEP = 7_777_777_777  # coprime with MBI_SPACE (whose prime factors are 2, 3 and 5)
_NPI_STEP = 123_456_791  # coprime with 2e8
_TIN_STEP = 479_001_599  # coprime with 9e8


def mbis(indices: IntArray, salt: int) -> npt.NDArray[np.bytes_]:
    """Distinct CMS-format MBIs for distinct indices: an affine permutation of the MBI space,
    then two Feistel rounds over its halves (positions 1-5 and 6-11) so neighbours look unrelated."""
    x = (indices.astype(np.int64) * _MBI_STEP + salt % MBI_SPACE) % MBI_SPACE
    hi, lo = np.divmod(x, _MBI_LOW)
    for k1, k2 in ((7_919_133, 104_729), (5_003_171, 611_953)):
        lo = (lo + hi * k1) % _MBI_LOW
        hi = (hi + lo * k2) % _MBI_HIGH
    out = np.empty((indices.shape[0], 11), dtype=np.uint8)
    for part, positions in ((lo, range(10, 4, -1)), (hi, range(4, -1, -1))):
        for pos in positions:
            charset = np.frombuffer(MBI_CHARSETS[pos], dtype=np.uint8)
            out[:, pos] = charset[part % len(charset)]
            part = part // len(charset)
    return out.view("S11").ravel()


def npis(indices: IntArray, salt: int) -> IntArray:
    """Distinct 10-digit NPIs (first digit 1 or 2) with a valid Luhn check digit (prefix 80840)."""
    base = 100_000_000 + (indices.astype(np.int64) * _NPI_STEP + salt % 200_000_000) % 200_000_000
    total = np.full(base.shape, 24, dtype=np.int64)  # the prefix 80840 contributes 24
    v = base.copy()
    for i in range(9):  # i = 0 is the rightmost payload digit, which is doubled
        d = v % 10
        v //= 10
        if i % 2 == 0:
            d = d * 2
            d = np.where(d > 9, d - 9, d)
        total += d
    check = (10 - total % 10) % 10
    return base * 10 + check


def tins(indices: IntArray, salt: int) -> IntArray:
    return 100_000_000 + (indices.astype(np.int64) * _TIN_STEP + salt % 900_000_000) % 900_000_000


# ---------------------------------------------------------------------------------------------
# Reference ZIPs
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Place:
    """Where a ZIP is (reference/places/zip_places.csv): its state, USPS city, the 3-digit county FIPS
    code within the state, and the telephone area codes that serve it."""

    state: str
    city: str
    county_fips: str
    area_codes: tuple[str, ...]


@lru_cache(maxsize=1)
def zip_places() -> dict[str, Place]:
    out: dict[str, Place] = {}
    with open(REFERENCE_DIR / "places" / "zip_places.csv", newline="", encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            out[row["zip"]] = Place(row["state"], row["city"], row["county_fips"], tuple(row["area_codes"].split()))
    return out


def area_codes(state: str) -> frozenset[str]:
    """Every telephone area code that serves a ZIP of the state."""
    return frozenset(code for p in zip_places().values() if p.state == state for code in p.area_codes)


@lru_cache(maxsize=1)
def ruca_zips() -> dict[str, tuple[list[str], list[str]]]:
    """Per state, (urban ZIPs with RUCA 1-3, rural ZIPs with RUCA 4-10): ZIP code areas of the state
    whose city and county are known (an address needs them)."""
    out: dict[str, tuple[list[str], list[str]]] = {}
    places = zip_places()
    with open(REFERENCE_DIR / "rural" / "ruca2010_zip.csv", newline="", encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            code = row["ruca_primary"].strip()
            zip_code = row["zip"].strip()
            if row["zip_type"] != "Zip Code Area" or zip_code.startswith("000") or not code.isdigit():
                continue
            place = places.get(zip_code)
            if place is None or place.state != row["state"]:
                continue
            ruca = int(code)
            if not 1 <= ruca <= 10:
                continue
            urban, rural = out.setdefault(row["state"], ([], []))
            (urban if ruca <= 3 else rural).append(zip_code)
    return out


# ---------------------------------------------------------------------------------------------
# The world
# ---------------------------------------------------------------------------------------------

# Practice kinds
PCP, MULTI, SPEC, RHC, FQHC, CAH_ORG, GROUP = range(7)
# Facility kinds
HOSPITAL, CAH, SNF, HHA, HOSPICE, DIALYSIS, RHC_SITE, FQHC_SITE = range(8)
CCN_RANGES = {  # first and last facility number of the CCN type range
    HOSPITAL: (1, 879),
    CAH: (1300, 1399),
    HOSPICE: (1500, 1799),
    FQHC_SITE: (1800, 1989),
    DIALYSIS: (2300, 2499),
    RHC_SITE: (3800, 3974),
    SNF: (5000, 6499),
    HHA: (7000, 8499),
}
PCP_SPECIALTIES = (("08", 0.35), ("11", 0.33), ("50", 0.13), ("97", 0.08), ("01", 0.05), ("38", 0.05), ("89", 0.01))
# Facility-based and procedural groups every market has (specialty codes).
GROUP_SPECIALTIES = ("C6", "93", "05", "30", "22", "65", "20", "C3")


# Benefit Enhancements (benefit catalogue codes, apps.benefits) each generated ACO implements, by
# ACO index (0 is L0001): the claims of its beneficiaries carry the matching CCLFA/CCLFB indicators
# in the performance year. The demo creates approved implementation plans for exactly these.
BENEFIT_ENHANCEMENTS: dict[int, tuple[str, ...]] = {
    0: ("snf_3day_waiver", "telehealth", "post_discharge_home_visits"),
    1: ("telehealth", "care_management_home_visits"),
}


def benefit_enhancements(aco: int | str) -> tuple[str, ...]:
    """The Benefit Enhancements a generated ACO uses, as benefit catalogue codes: ``aco`` is its
    index (0 for the first) or its id (``"L0001"``). ACOs after the second use none."""
    index = int(aco[1:]) - 1 if isinstance(aco, str) else aco
    return BENEFIT_ENHANCEMENTS.get(index, ())


@dataclass(frozen=True)
class PYUse:
    """How the hospital use of the beneficiaries an ACO serves (those whose primary-care home is one
    of its participants) in the performance year departs from their base years, as factors on the
    yearly rates: index inpatient admissions, the chance of a readmission within 30 days, and
    emergency department visits. 1.0 everywhere is a year like the base years, whose spending then
    grows by the price trend alone."""

    admissions: float = 1.0
    readmissions: float = 1.0
    ed_visits: float = 1.0
    why: str = ""


@dataclass(frozen=True)
class Profile:
    """A generated ACO's elections and performance year."""

    risk_option: str
    alignment_approach: str
    newly_entering: bool
    py_use: PYUse


# The first two generated ACOs are the demo's (apps/acos/demo.py gives them contacts and PY2028
# elections that agree with these). Each shows one typical year: L0001 saves, L0002 loses, and the
# claims carry the reason. Both are "newly entering" in the sense of the alignment minimums
# (docs/alignment.md, Minimums: 1,000 aligned, 600 claims-aligned): L0002 by its election, L0001 through rural
# participants new to ACOs (build_world makes sure each has one).
ACO_PROFILES: dict[int, Profile] = {
    0: Profile(
        "global",
        "hybrid",
        False,
        PYUse(
            admissions=0.88,
            readmissions=0.6,
            ed_visits=0.9,
            why="care management and post-discharge home visits: fewer admissions, readmissions and "
            "emergency visits than in the base years",
        ),
    ),
    1: Profile(
        "professional",
        "prospective",
        True,
        PYUse(
            admissions=1.06,
            readmissions=1.5,
            why="no follow-up after discharge: more readmissions, so inpatient spending grows faster than the trend",
        ),
    ),
}


def py_use(aco: int) -> PYUse:
    """The performance-year hospital use of a generated ACO (index): the demo's two tell a story,
    the others have a year like their base years."""
    profile = ACO_PROFILES.get(aco)
    return profile.py_use if profile is not None else PYUse()


def benefit_mask(code: str, n_acos: int) -> BoolArray:
    """Per ACO index, whether it uses the Benefit Enhancement ``code``, with one more ``False`` at
    the end so that ACO index -1 (no ACO) looks up as ``False``."""
    return np.array([code in benefit_enhancements(a) for a in range(n_acos)] + [False], dtype=bool)


@dataclass
class ACO:
    aco_id: str
    legal_name: str
    risk_option: str
    alignment_approach: str
    newly_entering: bool
    markets: list[int]


@dataclass(frozen=True)
class Preferred:
    """One Preferred Provider row: the listing ACO (index), the clinician (index) and the capitation."""

    aco: int
    clinician: int
    capitation: str


@dataclass
class Pool:
    """Items grouped by market for vectorised sampling: ``items[start[m] : start[m] + count[m]]``."""

    items: IntArray
    start: IntArray
    count: IntArray

    def pick(self, market: IntArray, u: npt.NDArray[np.float64]) -> IntArray:
        return self.items[self.start[market] + (u * self.count[market]).astype(np.int64)]


@dataclass
class World:
    performance_year: int
    salt: int
    markets: list[str]
    market_weight: npt.NDArray[np.float64]
    market_fips: npt.NDArray[np.bytes_]
    market_mac: npt.NDArray[np.bytes_]
    urban_zips: list[npt.NDArray[np.bytes_]]
    rural_zips: list[npt.NDArray[np.bytes_]]
    acos: list[ACO]
    # practices (one TIN each)
    p_tin: IntArray
    p_market: IntArray
    p_aco: IntArray
    p_kind: IntArray
    p_zip: list[str]
    p_rural: BoolArray
    p_name: list[str]
    p_new: BoolArray
    p_ccns: list[list[str]]
    # clinicians
    n_npi: IntArray
    n_spec: npt.NDArray[np.bytes_]
    n_practice: IntArray
    n_name: list[str]
    # facilities (one CCN each)
    f_ccn: npt.NDArray[np.bytes_]
    f_npi: IntArray
    f_market: IntArray
    f_kind: IntArray
    f_practice: IntArray  # the owning practice (RHC/FQHC/CAH organisations), else -1
    # primary-care units a beneficiary can call home: a PCP/multispecialty TIN or an RHC/FQHC site
    u_practice: IntArray
    u_facility: IntArray  # -1 for TIN units
    u_market: IntArray
    u_npis: list[IntArray]  # clinician indices of the unit's primary-care NPIs
    u_cum_urban: npt.NDArray[np.float64]
    u_cum_rural: npt.NDArray[np.float64]
    specialists: dict[str, Pool] = field(default_factory=dict)
    facilities: dict[int, Pool] = field(default_factory=dict)
    pharmacies: Pool | None = None
    mail_pharmacy: int = 0
    pharmacy_npi: IntArray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    dme_suppliers: Pool | None = None
    supplier_npi: IntArray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    # Preferred Providers (set by assign_preferred before any claim is drawn): the rows of
    # preferred_providers.csv, and per clinician the ACO listing them (-1) and their capitation.
    preferred: list[Preferred] = field(default_factory=list)
    n_pref_aco: IntArray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    n_capitation: npt.NDArray[np.bytes_] = field(default_factory=lambda: np.zeros(0, dtype="S4"))

    # -- helpers used by the claim generator -------------------------------------------------
    def home_unit(self, market: IntArray, rural: BoolArray, u: npt.NDArray[np.float64]) -> IntArray:
        """A primary-care unit in the beneficiary's market, weighted by size (rural units favoured
        by rural beneficiaries)."""
        key = market + np.clip(u, 0.0, 0.999999)
        urban_pick = np.searchsorted(self.u_cum_urban, key, side="right")
        rural_pick = np.searchsorted(self.u_cum_rural, key, side="right")
        return np.where(rural, rural_pick, urban_pick).astype(np.int64)

    def unit_npi(self, unit: IntArray, u: npt.NDArray[np.float64]) -> IntArray:
        """A primary-care clinician (clinician index) of each unit."""
        counts = np.array([len(a) for a in self.u_npis], dtype=np.int64)
        starts = np.concatenate(([0], np.cumsum(counts)[:-1]))
        flat = np.concatenate(self.u_npis)
        return flat[starts[unit] + (u * counts[unit]).astype(np.int64)]

    def participant_tins(self, aco: int) -> list[int]:
        return [int(i) for i in np.flatnonzero(self.p_aco == aco)]


class _Builder:
    def __init__(self, rng: np.random.Generator, salt: int) -> None:
        self.rng = rng
        self.salt = salt
        self.next_tin = 0
        self.next_npi = 0
        self.ccn_next: dict[tuple[str, int], int] = {}
        # practices
        self.p_tin: list[int] = []
        self.p_market: list[int] = []
        self.p_aco: list[int] = []
        self.p_kind: list[int] = []
        self.p_zip: list[str] = []
        self.p_rural: list[bool] = []
        self.p_name: list[str] = []
        self.p_new: list[bool] = []
        self.p_ccns: list[list[str]] = []
        # clinicians
        self.n_npi: list[int] = []
        self.n_spec: list[str] = []
        self.n_practice: list[int] = []
        self.n_name: list[str] = []
        # facilities
        self.f_ccn: list[str] = []
        self.f_npi: list[int] = []
        self.f_market: list[int] = []
        self.f_kind: list[int] = []
        self.f_practice: list[int] = []

    def tin(self) -> int:
        self.next_tin += 1
        return int(tins(np.array([self.next_tin]), self.salt)[0])

    def npi(self) -> int:
        self.next_npi += 1
        return int(npis(np.array([self.next_npi]), self.salt)[0])

    def ccn(self, state: str, kind: int) -> str:
        lo, hi = CCN_RANGES[kind]
        k = self.ccn_next.get((state, kind), 0)
        if k > hi - lo:
            raise ValueError(f"too many facilities of kind {kind} in {state}")
        self.ccn_next[(state, kind)] = k + 1
        size = hi - lo + 1
        number = lo + (k * 37 + 11) % size if size % 37 else lo + k
        return f"{codes.SSA_STATE[state]}{number:04d}"

    def person(self) -> str:
        first = codes.FIRST_NAMES[int(self.rng.integers(len(codes.FIRST_NAMES)))].title()
        last = codes.LAST_NAMES[int(self.rng.integers(len(codes.LAST_NAMES)))].title()
        return f"{first} {last}"

    def practice(
        self, market: int, kind: int, aco: int, zip_code: str, rural: bool, name: str, new: bool = False
    ) -> int:
        self.p_tin.append(self.tin())
        self.p_market.append(market)
        self.p_aco.append(aco)
        self.p_kind.append(kind)
        self.p_zip.append(zip_code)
        self.p_rural.append(rural)
        self.p_name.append(name)
        self.p_new.append(new)
        self.p_ccns.append([])
        return len(self.p_tin) - 1

    def clinician(self, practice: int, specialty: str) -> int:
        self.n_npi.append(self.npi())
        self.n_spec.append(specialty)
        self.n_practice.append(practice)
        title = {"50": "NP", "97": "PA", "89": "CNS", "65": "PT"}.get(specialty, "MD")
        self.n_name.append(f"{self.person()}, {title}")
        return len(self.n_npi) - 1

    def facility(self, market: int, state: str, kind: int, practice: int = -1) -> int:
        self.f_ccn.append(self.ccn(state, kind))
        self.f_npi.append(self.npi())
        self.f_market.append(market)
        self.f_kind.append(kind)
        self.f_practice.append(practice)
        return len(self.f_ccn) - 1


def aco_name(state: str, k: int) -> str:
    """The legal name of the ``k``-th ACO (from 0) whose home market is ``state``: named after a region
    of the state (generator_codes.REGIONS), alternately "Health Partners ACO, LLC" and "Accountable
    Care Organization, Inc."."""
    regions = codes.REGIONS.get(state) or tuple(codes.ORG_WORDS)
    region = regions[k % len(regions)] + (f" {k // len(regions) + 1}" if k >= len(regions) else "")
    return f"{region} Health Partners ACO, LLC" if k % 2 == 0 else f"{region} Accountable Care Organization, Inc."


def _pool(items: list[int], markets: list[int], n_markets: int) -> Pool:
    order = sorted(range(len(items)), key=lambda i: (markets[i], i))
    arr = np.array([items[i] for i in order], dtype=np.int64)
    mk = np.array([markets[i] for i in order], dtype=np.int64)
    count = np.bincount(mk, minlength=n_markets).astype(np.int64)
    if np.any(count == 0):
        raise ValueError("a market has no provider of a required kind")
    start = np.concatenate(([0], np.cumsum(count)[:-1])).astype(np.int64)
    return Pool(arr, start, count)


def build_world(
    rng: np.random.Generator, *, beneficiaries: int, n_acos: int, performance_year: int, salt: int
) -> World:
    """Markets, ACOs and providers sized for ``beneficiaries``."""
    if n_acos < 1:
        raise ValueError("at least one ACO")
    zips = ruca_zips()
    n_markets = max(1, min(len(codes.MARKET_STATES), (n_acos + 1) // 2))  # every market has an ACO
    markets = list(codes.MARKET_STATES[:n_markets])
    # ACOs: each in a primary market, some in a second one.
    acos: list[ACO] = []
    for i in range(n_acos):
        home = i % n_markets
        aco_markets = [home]
        if rng.random() < 0.4 and n_markets > 1:
            aco_markets.append((home + 1) % n_markets)
        risk_option = "global" if rng.random() < 0.6 else "professional"
        alignment_approach = "hybrid" if rng.random() < 0.35 else "prospective"
        newly_entering = bool(rng.random() < 0.3)
        profile = ACO_PROFILES.get(i)
        if profile is not None:
            risk_option, alignment_approach = profile.risk_option, profile.alignment_approach
            newly_entering = profile.newly_entering
        acos.append(
            ACO(
                aco_id=f"L{i + 1:04d}",
                legal_name=aco_name(markets[home], i // n_markets),
                risk_option=risk_option,
                alignment_approach=alignment_approach,
                newly_entering=newly_entering,
                markets=aco_markets,
            )
        )
    acos_in_market = [[a for a, aco in enumerate(acos) if m in aco.markets] for m in range(n_markets)]
    weight = np.array([1.0 + len(acos_in_market[m]) for m in range(n_markets)])
    weight /= weight.sum()

    b = _Builder(rng, salt)
    urban_zips: list[npt.NDArray[np.bytes_]] = []
    rural_zips: list[npt.NDArray[np.bytes_]] = []
    for state in markets:
        urban_list, rural_list = zips[state]
        pick_u = rng.choice(len(urban_list), size=min(len(urban_list), 250), replace=False)
        pick_r = rng.choice(len(rural_list), size=min(len(rural_list), 200), replace=False)
        urban_zips.append(np.array(sorted(urban_list[i] for i in pick_u), dtype="S5"))
        rural_zips.append(np.array(sorted(rural_list[i] for i in pick_r), dtype="S5"))

    last_zip = [""]

    def zip_for(m: int, rural: bool) -> str:
        pool = rural_zips[m] if rural else urban_zips[m]
        last_zip[0] = pool[int(rng.integers(len(pool)))].decode()
        return last_zip[0]

    places = zip_places()
    names: set[str] = set()

    def org(noun: str) -> str:
        """A practice name from the city of the practice ZIP drawn last (``zip_for``)."""
        word = codes.ORG_WORDS[int(rng.integers(len(codes.ORG_WORDS)))]
        city = places[last_zip[0]].city
        for name in (f"{city} {noun}", f"{word} {noun.replace(',', f' of {city},', 1)}"):
            if name not in names:
                break
        else:
            k = 2
            while f"{name} ({k})" in names:
                k += 1
            name = f"{name} ({k})"
        names.add(name)
        return name

    pcp_specs = [s for s, _ in PCP_SPECIALTIES]
    pcp_p = np.array([p for _, p in PCP_SPECIALTIES])
    pcp_p /= pcp_p.sum()
    units: list[tuple[int, int, int, list[int], bool]] = []  # practice, facility, market, npis, rural

    for m, state in enumerate(markets):
        bm = beneficiaries * weight[m]
        market_acos = acos_in_market[m]
        # Primary-care groups: participants of the market's ACOs and independents.
        n_pcp = max(4, round(bm / 450))
        n_part = max(2 * len(market_acos), round(n_pcp * 0.55))
        for k in range(n_part + max(2, n_pcp - n_part)):
            aco = market_acos[k % len(market_acos)] if k < n_part else -1
            rural = bool(rng.random() < 0.25)
            new = bool(aco >= 0 and rng.random() < (0.35 if rural else 0.12))
            p = b.practice(m, PCP, aco, zip_for(m, rural), rural, org("Family Medicine, PC"), new)
            size = int(min(30, 1 + rng.geometric(1 / 5)))
            members = [b.clinician(p, pcp_specs[int(rng.choice(len(pcp_specs), p=pcp_p))]) for _ in range(size)]
            units.append((p, -1, m, members, rural))
        # One multispecialty participant per ACO and market: PCPs plus step-2 specialists.
        for aco in market_acos:
            p = b.practice(m, MULTI, aco, zip_for(m, False), False, org("Multispecialty Clinic, LLC"))
            members = [b.clinician(p, pcp_specs[int(rng.choice(len(pcp_specs), p=pcp_p))]) for _ in range(4)]
            for spec in ("06", "39", "46", "29", "13"):
                b.clinician(p, spec)
            b.clinician(p, "20")
            units.append((p, -1, m, members, False))
        # Specialist groups (independent) for every specialty a beneficiary may see.
        for spec in list(codes.SPECIALISTS) + list(codes.OTHER_SPECIALTIES):
            for _ in range(max(1, round(bm / 8000))):
                rural = bool(rng.random() < 0.15)
                p = b.practice(m, SPEC, -1, zip_for(m, rural), rural, org("Specialty Associates, PA"))
                for _ in range(int(min(8, 1 + rng.geometric(1 / 3)))):
                    b.clinician(p, spec)
        # Some ACOs also list a cardiology or nephrology group.
        for aco in market_acos:
            if rng.random() < 0.5:
                p = b.practice(m, SPEC, aco, zip_for(m, False), False, org("Heart and Kidney Specialists, PC"))
                for spec in ("06", "06", "39"):
                    b.clinician(p, spec)
        # Facility-based and procedural groups.
        for spec in GROUP_SPECIALTIES:
            for _ in range(max(1, round(bm / 15000))):
                p = b.practice(m, GROUP, -1, zip_for(m, False), False, org("Physician Group, PC"))
                for _ in range(int(min(12, 2 + rng.geometric(1 / 4)))):
                    b.clinician(p, spec)
        # RHC and FQHC organisations, each with one to three sites (CCNs).
        for kind, site_kind, ftype in (
            (RHC, RHC_SITE, "Rural Health Clinic"),
            (FQHC, FQHC_SITE, "Community Health Center"),
        ):
            for k in range(max(2, round(bm / 5000))):
                aco = market_acos[k % len(market_acos)] if k % 2 == 0 else -1
                rural = kind == RHC or bool(rng.random() < 0.5)
                p = b.practice(m, kind, aco, zip_for(m, rural), rural, org(f"{ftype}, Inc."), aco >= 0 and rural)
                for _ in range(int(rng.integers(1, 4))):
                    f = b.facility(m, state, site_kind, p)
                    b.p_ccns[p].append(b.f_ccn[f])
                    members = [
                        b.clinician(p, ("08", "50", "97")[int(rng.integers(3))]) for _ in range(int(rng.integers(1, 5)))
                    ]
                    units.append((p, f, m, members, rural))
        # Critical access hospitals (rural), some ACO participants.
        for k in range(max(1, round(bm / 15000))):
            aco = market_acos[k % len(market_acos)] if k % 3 == 0 else -1
            p = b.practice(m, CAH_ORG, aco, zip_for(m, True), True, org("Memorial Hospital"), aco >= 0)
            f = b.facility(m, state, CAH, p)
            b.p_ccns[p].append(b.f_ccn[f])
        for kind, per in ((HOSPITAL, 10000), (SNF, 3000), (HHA, 6000), (HOSPICE, 10000), (DIALYSIS, 15000)):
            for _ in range(max(2 if kind in (HOSPITAL, SNF, HHA) else 1, round(bm / per))):
                b.facility(m, state, kind)

    # Pharmacies (one NPI each, by market) and a national mail-order pharmacy; DME suppliers.
    pharm_npi: list[int] = []
    pharm_market: list[int] = []
    supp_npi: list[int] = []
    supp_market: list[int] = []
    for m in range(n_markets):
        bm = beneficiaries * weight[m]
        for _ in range(max(3, round(bm / 1500))):
            pharm_npi.append(b.npi())
            pharm_market.append(m)
        for _ in range(max(2, round(bm / 6000))):
            supp_npi.append(b.npi())
            supp_market.append(m)
    mail = b.npi()

    # The demo's ACOs take the newly entering minimums through a rural participant new to ACOs.
    for a in ACO_PROFILES:
        own = [p for p in range(len(b.p_aco)) if b.p_aco[p] == a and b.p_kind[p] in (PCP, RHC, FQHC, CAH_ORG)]
        if not own:
            continue
        rural_own = [p for p in own if b.p_rural[p]]
        if not rural_own:
            p = own[0]
            b.p_zip[p] = rural_zips[b.p_market[p]][0].decode()
            b.p_rural[p] = True
            b.p_name[p] = f"{places[b.p_zip[p]].city} Family Medicine, PC"
            rural_own = [p]
        if not any(b.p_new[p] for p in rural_own):
            b.p_new[rural_own[0]] = True

    n_arr = np.array
    world = World(
        performance_year=performance_year,
        salt=salt,
        markets=markets,
        market_weight=weight,
        market_fips=n_arr([codes.STATE_FIPS[s] for s in markets], dtype="S2"),
        market_mac=n_arr([codes.MAC_NUMBERS.get(s, codes.DEFAULT_MAC) for s in markets], dtype="S5"),
        urban_zips=urban_zips,
        rural_zips=rural_zips,
        acos=acos,
        p_tin=n_arr(b.p_tin, dtype=np.int64),
        p_market=n_arr(b.p_market, dtype=np.int64),
        p_aco=n_arr(b.p_aco, dtype=np.int64),
        p_kind=n_arr(b.p_kind, dtype=np.int64),
        p_zip=b.p_zip,
        p_rural=n_arr(b.p_rural, dtype=bool),
        p_name=b.p_name,
        p_new=n_arr(b.p_new, dtype=bool),
        p_ccns=b.p_ccns,
        n_npi=n_arr(b.n_npi, dtype=np.int64),
        n_spec=n_arr(b.n_spec, dtype="S2"),
        n_practice=n_arr(b.n_practice, dtype=np.int64),
        n_name=b.n_name,
        f_ccn=n_arr(b.f_ccn, dtype="S6"),
        f_npi=n_arr(b.f_npi, dtype=np.int64),
        f_market=n_arr(b.f_market, dtype=np.int64),
        f_kind=n_arr(b.f_kind, dtype=np.int64),
        f_practice=n_arr(b.f_practice, dtype=np.int64),
        u_practice=n_arr([u[0] for u in units], dtype=np.int64),
        u_facility=n_arr([u[1] for u in units], dtype=np.int64),
        u_market=n_arr([u[2] for u in units], dtype=np.int64),
        u_npis=[n_arr(u[3], dtype=np.int64) for u in units],
        u_cum_urban=np.zeros(0),
        u_cum_rural=np.zeros(0),
        pharmacy_npi=n_arr(pharm_npi + [mail], dtype=np.int64),
        supplier_npi=n_arr(supp_npi, dtype=np.int64),
    )
    # Units are appended market by market, so cumulative weights within a market, offset by the
    # market number, are sorted: one searchsorted picks a unit in the beneficiary's market.
    unit_rural = np.array([u[4] for u in units], dtype=bool)
    # RHC/FQHC sites count half: about one beneficiary in eight gets primary care at one.
    sizes = np.array([len(u[3]) * (0.5 if u[1] >= 0 else 1.0) for u in units], dtype=np.float64)
    for attr, rural_factor in (("u_cum_urban", 0.4), ("u_cum_rural", 4.0)):
        w = sizes * np.where(unit_rural, rural_factor, 1.0)
        cum = np.zeros(len(units))
        for m in range(n_markets):
            idx = np.flatnonzero(world.u_market == m)
            c = np.cumsum(w[idx])
            cum[idx] = m + c / c[-1]
            cum[idx[-1]] = m + 1.0 - 1e-12
        setattr(world, attr, cum)
    specs = sorted(set(b.n_spec))
    for spec in specs:
        members = [i for i, s in enumerate(b.n_spec) if s == spec and b.p_kind[b.n_practice[i]] not in (RHC, FQHC)]
        mk = [b.p_market[b.n_practice[i]] for i in members]
        if set(mk) == set(range(n_markets)):
            world.specialists[spec] = _pool(members, mk, n_markets)
    for kind in (HOSPITAL, CAH, SNF, HHA, HOSPICE, DIALYSIS):
        members = [i for i, k in enumerate(b.f_kind) if k == kind]
        world.facilities[kind] = _pool(members, [b.f_market[i] for i in members], n_markets)
    world.pharmacies = _pool(list(range(len(pharm_npi))), pharm_market, n_markets)
    world.mail_pharmacy = len(pharm_npi)
    world.dme_suppliers = _pool(list(range(len(supp_npi))), supp_market, n_markets)
    return world


# ---------------------------------------------------------------------------------------------
# The lists and the other small CSV files of the bundle
# ---------------------------------------------------------------------------------------------

ACO_COLUMNS = ["aco_id", "legal_name", "risk_option", "alignment_approach", "newly_entering", "states"]
PARTICIPANT_COLUMNS = [
    "aco_id",
    "performance_year",
    "tin",
    "legal_name",
    "ccns",
    "practice_zip",
    "facility_type",
    "new_to_aco",
]
PREFERRED_COLUMNS = ["aco_id", "performance_year", "tin", "npi", "name", "specialty_code", "capitation"]
QUALITY_COLUMNS = ["aco_id", "performance_year", "measure", "numerator", "denominator", "score"]
FACILITY_TYPE = {RHC: "RHC", FQHC: "FQHC", CAH_ORG: "CAH"}


def _csv(columns: list[str], rows: list[list[Any]]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(columns)
    writer.writerows(rows)
    return out.getvalue().encode("utf-8")


def _bool(value: bool) -> str:
    return "true" if value else "false"


def acos_csv(world: World) -> bytes:
    rows = [
        [
            a.aco_id,
            a.legal_name,
            a.risk_option,
            a.alignment_approach,
            _bool(a.newly_entering),
            ";".join(world.markets[m] for m in a.markets),
        ]
        for a in world.acos
    ]
    return _csv(ACO_COLUMNS, rows)


def participants_csv(world: World) -> bytes:
    py = world.performance_year
    rows: list[list[Any]] = []
    for a, aco in enumerate(world.acos):
        for p in world.participant_tins(a):
            rows.append(
                [
                    aco.aco_id,
                    py,
                    f"{world.p_tin[p]:09d}",
                    world.p_name[p],
                    ";".join(world.p_ccns[p]),
                    world.p_zip[p],
                    FACILITY_TYPE.get(int(world.p_kind[p]), ""),
                    _bool(bool(world.p_new[p])),
                ]
            )
    return _csv(PARTICIPANT_COLUMNS, rows)


def assign_preferred(world: World, rng: np.random.Generator) -> None:
    """Preferred Providers: specialists (surgeons, cardiologists, …) of independent groups in the
    ACO's markets, plus a few clinicians of its own participant TINs (capitation ``pcc``); no
    TIN-NPI is used twice. Own clinicians who bill Part B come first (RHC/FQHC clinicians bill
    through their clinic's CCN), so every ACO has a capitated Preferred Provider whose lines carry
    capitation reductions (CCLFB). Sets ``world.preferred``, ``n_pref_aco`` and ``n_capitation``."""
    used: set[int] = set()
    rows: list[Preferred] = []
    wanted = {"20", "C3", "06", "39", "29", "46", "18", "65", "C6", "13"}
    bills_by_clinic = np.isin(world.p_kind[world.n_practice], (RHC, FQHC))
    for a, aco in enumerate(world.acos):
        in_market = np.isin(world.p_market[world.n_practice], aco.markets)
        independent = world.p_aco[world.n_practice] < 0
        spec_ok = np.isin(world.n_spec, np.array(sorted(wanted), dtype="S2"))
        candidates = np.flatnonzero(in_market & independent & spec_ok)
        own = np.flatnonzero(world.p_aco[world.n_practice] == a)
        others = list(rng.permutation(candidates)[: int(rng.integers(8, 25))])
        own = rng.permutation(own)
        own = own[np.argsort(bills_by_clinic[own], kind="stable")]  # the same draws; Part B billers first
        picks = others + list(own[:3])
        for n in picks:
            n = int(n)
            if n in used:
                continue
            used.add(n)
            own_tin = world.p_aco[world.n_practice[n]] == a
            if own_tin:
                capitation = "pcc"
            else:
                options = ["none", "none", "pcc", "npcc", "apo"] + (["tcc"] if aco.risk_option == "global" else [])
                capitation = options[int(rng.integers(len(options)))]
            rows.append(Preferred(a, n, capitation))
    world.preferred = rows
    world.n_pref_aco = np.full(world.n_npi.shape[0], -1, dtype=np.int64)
    world.n_capitation = np.full(world.n_npi.shape[0], b"none", dtype="S4")
    for row in rows:
        world.n_pref_aco[row.clinician] = row.aco
        world.n_capitation[row.clinician] = row.capitation.encode()


def preferred_csv(world: World) -> bytes:
    """preferred_providers.csv from ``world.preferred`` (see :func:`assign_preferred`)."""
    py = world.performance_year
    rows = [
        [
            world.acos[p.aco].aco_id,
            py,
            f"{world.p_tin[world.n_practice[p.clinician]]:09d}",
            f"{world.n_npi[p.clinician]:010d}",
            world.n_name[p.clinician],
            world.n_spec[p.clinician].decode(),
            p.capitation,
        ]
        for p in world.preferred
    ]
    return _csv(PREFERRED_COLUMNS, rows)


def quality_csv(world: World, rng: np.random.Generator, beneficiaries: int) -> bytes:
    """CAHPS (a score, no counts) and the two eCQMs (counts and their rate, in percent)."""
    py = world.performance_year
    rows: list[list[Any]] = []
    per_aco = max(50, beneficiaries // max(1, len(world.acos)) // 2)
    for aco in world.acos:
        rows.append([aco.aco_id, py, "cahps", "", "", f"{rng.uniform(72, 92):.2f}"])
        den = int(per_aco * rng.uniform(0.15, 0.3))
        num = int(round(den * rng.uniform(0.08, 0.3)))
        rows.append([aco.aco_id, py, "hba1c_poor_control", num, den, f"{100 * num / den:.2f}"])
        den = int(per_aco * rng.uniform(0.4, 0.6))
        num = int(round(den * rng.uniform(0.55, 0.82)))
        rows.append([aco.aco_id, py, "bp_control", num, den, f"{100 * num / den:.2f}"])
    return _csv(QUALITY_COLUMNS, rows)
