"""The generated world looks like a real one: spending that grows with the benchmark trend, dual status
codes in CMS's published proportions, addresses and phone numbers that belong to their state, and demo
ACOs big enough for the alignment minimums of their track, each with the performance year its profile
describes.

No database: bundles are written to a temporary folder and read back with numpy (fixed-width slices).
"""

from __future__ import annotations

import csv
import datetime
import io
from collections import Counter
from pathlib import Path

import numpy as np
import pytest

from apps.acos.demo import ACOS as DEMO_ACOS
from apps.acos.models import ModelParameters
from apps.acos.reference import REFERENCE_DIR
from apps.claims import generator as g
from apps.claims import generator_codes as codes
from apps.claims import generator_world as gw
from apps.claims.filenames import parse_name
from apps.claims.layouts import layout
from apps.claims.management.commands.demo import DEMO_BENEFICIARIES

PY = 2027
N = 6000
SEED = 2027


@pytest.fixture(scope="module")
def bundle(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("realism")
    g.generate(g.Options(out=folder, beneficiaries=N, acos=2, seed=SEED, performance_year=PY, workers=2))
    return folder


def _columns(folder: Path, file_type: str, names: tuple[str, ...]) -> dict[str, np.ndarray]:
    """Columns of the main package's file as arrays of stripped strings (one fixed-width slice each)."""
    path = next(
        p for p in folder.iterdir() if (n := parse_name(p.name)) and n.file_type == file_type and not n.is_runout
    )
    lay = layout(file_type)
    raw = np.frombuffer(path.read_bytes(), dtype=np.uint8)
    width = max(f.end for f in lay.fields) + 1
    rows = raw.reshape(-1, width)
    out = {}
    for name in names:
        f = lay.field(name)
        out[name] = np.char.strip(rows[:, f.start - 1 : f.end].copy().view(f"S{f.end - f.start + 1}").ravel()).astype(
            str
        )
    return out


def _csv(path: Path) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8"))))


def _ruca() -> dict[str, int]:
    with open(REFERENCE_DIR / "rural" / "ruca2010_zip.csv", newline="", encoding="utf-8") as fh:
        return {r["zip"]: int(r["ruca_primary"]) for r in csv.DictReader(fh) if r["ruca_primary"].isdigit()}


# ---------------------------------------------------------------------------------------------
# Spending grows with the benchmark trend
# ---------------------------------------------------------------------------------------------


def _same_people(folder: Path) -> tuple[np.ndarray, dict[str, str]]:
    """The current MBIs of the beneficiaries entitled before the first base year who lived through the
    performance year (the same people every year, as the money step's base years are), and the
    CCLF9 links from earlier MBIs to later ones."""
    benes = _columns(
        folder, "CCLF8", ("BENE_MBI_ID", "BENE_DEATH_DT", "BENE_PART_A_ENRLMT_BGN_DT", "BENE_PART_B_ENRLMT_BGN_DT")
    )
    first_day = f"{PY - 3}-01-01"
    keep = (
        (benes["BENE_DEATH_DT"] == "")
        & (benes["BENE_PART_A_ENRLMT_BGN_DT"] <= first_day)
        & (benes["BENE_PART_B_ENRLMT_BGN_DT"] <= first_day)
    )
    xref = _columns(folder, "CCLF9", ("PRVS_NUM", "CRNT_NUM"))
    return np.array(sorted(benes["BENE_MBI_ID"][keep].tolist())), dict(
        zip(xref["PRVS_NUM"].tolist(), xref["CRNT_NUM"].tolist(), strict=True)
    )


def _current(mbis: np.ndarray, newer: dict[str, str]) -> np.ndarray:
    def current(mbi: str) -> str:
        while mbi in newer:
            mbi = newer[mbi]
        return mbi

    return np.array([current(m) for m in mbis.tolist()])


def _yearly_spending_per_member_month(folder: Path) -> dict[int, float]:
    """Paid amounts (Part A, Part B, DME; original claim records) per member-month, by service year,
    of the same people (``_same_people``)."""
    people, newer = _same_people(folder)
    totals: dict[int, float] = dict.fromkeys(range(PY - 3, PY + 1), 0.0)
    for file_type, date, amount in (
        ("CCLF1", "CLM_FROM_DT", "CLM_PMT_AMT"),
        ("CCLF5", "CLM_LINE_FROM_DT", "CLM_LINE_CVRD_PD_AMT"),
        ("CCLF6", "CLM_LINE_FROM_DT", "CLM_LINE_CVRD_PD_AMT"),
    ):
        cols = _columns(folder, file_type, ("BENE_MBI_ID", date, amount, "CLM_ADJSMT_TYPE_CD"))
        original = cols["CLM_ADJSMT_TYPE_CD"] == "0"
        ours = np.isin(_current(cols["BENE_MBI_ID"][original], newer), people)
        years = cols[date][original][ours].astype("U4").astype(int)
        paid = cols[amount][original][ours].astype(float)
        for year in range(PY - 3, PY + 1):
            totals[year] += float(paid[years == year].sum())
    return {year: totals[year] / (12 * len(people)) for year in range(PY - 3, PY + 1)}


def test_spending_of_the_same_people_grows_with_the_benchmark_trend(bundle: Path) -> None:
    trend = float(ModelParameters._meta.get_field("benchmark_trend_pct").default)
    assert g.SPENDING_TREND_PCT == trend  # prices rise by the trend the money step applies
    pbpm = _yearly_spending_per_member_month(bundle)
    years = np.arange(PY - 3, PY + 1)
    slope = np.polyfit(years, np.log([pbpm[int(y)] for y in years]), 1)[0]
    growth = 100 * (np.exp(slope) - 1)
    assert abs(growth - trend) < 1.5, (growth, pbpm)
    # No year jumps: each year within 6% of the trend line through the base years' mean.
    mean_base = np.mean([pbpm[y] / (1 + trend / 100) ** (y - PY + 2) for y in range(PY - 3, PY)])
    for year in range(PY - 3, PY + 1):
        expected = mean_base * (1 + trend / 100) ** (year - PY + 2)
        assert abs(pbpm[year] / expected - 1) < 0.06, (year, pbpm)


def test_prices_rise_by_the_trend_every_year(bundle: Path) -> None:
    """A 99213 office visit's allowed amount: $92.00 in the first base year, then 3% more a year
    (92.00, 94.76, 97.60, 100.53); it used to rise 2% (physician fees) while others rose 1.5% to 3%."""
    cols = _columns(
        bundle, "CCLF5", ("CLM_LINE_HCPCS_CD", "CLM_LINE_FROM_DT", "CLM_LINE_ALOWD_CHRG_AMT", "CLM_ADJSMT_TYPE_CD")
    )
    visits = (cols["CLM_LINE_HCPCS_CD"] == "99213") & (cols["CLM_ADJSMT_TYPE_CD"] == "0")
    years = cols["CLM_LINE_FROM_DT"][visits].astype("U4").astype(int)
    allowed = cols["CLM_LINE_ALOWD_CHRG_AMT"][visits].astype(float)
    for year, expected in zip(range(PY - 3, PY + 1), (92.00, 94.76, 97.60, 100.53), strict=True):
        assert Counter(allowed[years == year].tolist()).most_common(1)[0][0] == expected, year


@pytest.mark.parametrize(
    ("file_type", "hcpcs", "what"),
    [
        ("CCLF5", "99490", "chronic care management"),
        ("CCLF6", "E1390", "oxygen concentrator rentals"),
    ],
)
def test_ongoing_services_are_as_common_in_the_first_base_year_as_later(
    bundle: Path, file_type: str, hcpcs: str, what: str
) -> None:
    """Services that start and go on for months were under way before the first generated day too:
    they used to start only inside the window and so ramped up year after year (for the same people,
    3.3 times as many care management lines in the PY as in the first base year, 2.8 times as many
    oxygen rentals)."""
    people, newer = _same_people(bundle)
    cols = _columns(bundle, file_type, ("BENE_MBI_ID", "CLM_LINE_HCPCS_CD", "CLM_LINE_FROM_DT", "CLM_ADJSMT_TYPE_CD"))
    lines = (cols["CLM_LINE_HCPCS_CD"] == hcpcs) & (cols["CLM_ADJSMT_TYPE_CD"] == "0")
    ours = np.isin(_current(cols["BENE_MBI_ID"][lines], newer), people)
    years = Counter(cols["CLM_LINE_FROM_DT"][lines][ours].astype("U4").astype(int).tolist())
    later = np.mean([years[y] for y in range(PY - 2, PY + 1)])
    assert later > 30, (what, years)
    assert 0.8 < years[PY - 3] / later < 1.2, (what, years)


# ---------------------------------------------------------------------------------------------
# Dual status codes in CMS's proportions
# ---------------------------------------------------------------------------------------------


def test_dual_status_codes_follow_the_published_proportions(bundle: Path) -> None:
    codes_seen = Counter(_columns(bundle, "CCLF8", ("BENE_DUAL_STUS_CD",))["BENE_DUAL_STUS_CD"].tolist())
    duals = sum(n for code, n in codes_seen.items() if code != "NA")
    assert set(codes_seen) <= {"NA"} | {c for c, _ in codes.DUAL_STATUS_SHARES}  # never "00" for the enrolled
    # 19% of Medicare beneficiaries are dually eligible (MMCO 2019), a full-benefit 71% of them.
    assert abs(duals / N - codes.DUAL_SHARE) < 0.02, duals / N
    full = sum(codes_seen[c] for c in codes.DUAL_FULL_CODES)
    assert abs(full / duals - 0.71) < 0.05, full / duals
    for code, share in codes.DUAL_STATUS_SHARES:
        assert abs(codes_seen[code] / duals - share) < 0.04, (code, codes_seen[code] / duals, share)
    assert abs(sum(s for _, s in codes.DUAL_STATUS_SHARES) - 1) < 1e-9


# ---------------------------------------------------------------------------------------------
# Addresses and phone numbers belong to their state
# ---------------------------------------------------------------------------------------------


def test_beneficiary_addresses_agree_with_their_zip(bundle: Path) -> None:
    cols = _columns(
        bundle,
        "CCLF8",
        ("BENE_ZIP_CD", "GEO_ZIP_PLC_NAME", "GEO_USPS_STATE_CD", "BENE_FIPS_STATE_CD", "BENE_FIPS_CNTY_CD"),
    )
    places = gw.zip_places()
    in_states = 0
    for zip_code, city, state, state_fips, county in zip(*(cols[k].tolist() for k in cols), strict=True):
        if state not in codes.SSA_STATE:  # the few who live in Guam or the Virgin Islands
            continue
        in_states += 1
        place = places[zip_code]
        assert (city, state, county) == (place.city.upper(), place.state, place.county_fips), zip_code
        assert state_fips == codes.STATE_FIPS[state]
    assert in_states > 0.99 * N


def test_aco_and_practice_names_and_zips_belong_to_the_aco_state(bundle: Path) -> None:
    places, ruca = gw.zip_places(), _ruca()
    acos = {a["aco_id"]: a for a in _csv(bundle / "acos.csv")}
    assert acos["L0001"]["legal_name"] == "Cuyahoga Valley Health Partners ACO, LLC"
    assert acos["L0002"]["legal_name"] == "Mid-State Accountable Care Organization, Inc."
    for row in _csv(bundle / "participants.csv"):
        place = places[row["practice_zip"]]
        assert place.state in acos[row["aco_id"]]["states"].split(";"), row
        assert place.city in row["legal_name"], row  # "Zanesville Family Medicine, PC"
        if row["facility_type"] == "RHC":
            assert ruca[row["practice_zip"]] >= 4, row
        for ccn in filter(None, row["ccns"].split(";")):
            assert ccn[:2] == codes.SSA_STATE[place.state], row


def test_demo_aco_profiles_have_the_state_phone_numbers_and_practices() -> None:
    places = gw.zip_places()
    for spec in DEMO_ACOS:
        states = spec["states"]
        assert states == ["OH"]  # the generated bundle's market
        area_code = str(spec["primary_contact_phone"]).split("-")[0]
        assert any(area_code in gw.area_codes(s) for s in states), spec["primary_contact_phone"]
        assert str(spec["legal_name"]) in {gw.aco_name("OH", 0), gw.aco_name("OH", 1)}
        for _tin, _name, ccns, zip_code, _ftype, _new in spec["participants"]:
            assert places[zip_code].state in states, zip_code
            assert not ccns or ccns[:2] == codes.SSA_STATE[places[zip_code].state]
    assert "614" in gw.area_codes("OH") and "614" not in gw.area_codes("WV")


# ---------------------------------------------------------------------------------------------
# The demo ACOs: big enough for their track, and each with its typical year
# ---------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def demo_world() -> tuple[gw.World, list[g._Chunk]]:
    """The demo's world (manage.py demo's size and seed) with each chunk's beneficiaries and Part A."""
    opts = g.Options(out=Path("unused"), beneficiaries=DEMO_BENEFICIARIES, acos=2, seed=SEED, performance_year=PY)
    world = gw.build_world(
        g._rng(SEED, 0),
        beneficiaries=opts.beneficiaries,
        n_acos=2,
        performance_year=PY,
        salt=int(g._rng(SEED, 0, 9).integers(0, 2**40)),
    )
    gw.assign_preferred(world, g._rng(SEED, 0, 5))
    cal = g.Calendar.of(PY)
    chunks = []
    for c in range((opts.beneficiaries + g.CHUNK - 1) // g.CHUNK):
        chunk = g._Chunk(opts, world, cal, c)
        chunk.beneficiaries()
        chunk.ip_claims = chunk.part_a().hdr  # type: ignore[attr-defined]
        chunks.append(chunk)
    return world, chunks


def test_demo_acos_take_the_newly_entering_minimums_and_are_big_enough(
    demo_world: tuple[gw.World, list[g._Chunk]],
) -> None:
    world, chunks = demo_world
    ruca = _ruca()
    params = ModelParameters(performance_year=PY)
    py_start = g.day(datetime.date(PY, 1, 1))
    for a, aco in enumerate(world.acos):
        participants = world.participant_tins(a)
        rural_new = [p for p in participants if ruca[world.p_zip[p]] >= 4 and world.p_new[p]]
        # Newly entering by election, or through a rural participant new to ACOs (docs/model.md, docs/rural.md).
        assert aco.newly_entering or rural_new, aco.aco_id
        assert rural_new, aco.aco_id  # and the rural add-on applies
        # Eligible beneficiaries whose primary-care home is one of the ACO's participants: who
        # claims-based alignment finds (voluntary alignment adds a few).
        attached = sum(
            int(
                np.sum(
                    (ch.attached_aco() == a)
                    & ~ch.outside
                    & ((ch.death == g.NODATE) | (ch.death >= py_start))
                    & (np.maximum(ch.a_start, ch.b_start) <= py_start)
                )
            )
            for ch in chunks
        )
        assert attached >= 1.25 * params.minimum_newly_entering_total, (aco.aco_id, attached)
        assert attached >= 1.25 * params.minimum_newly_entering_claims


def _admissions_per_thousand(chunks: list[g._Chunk], aco: int) -> dict[int, float]:
    """Inpatient admissions per 1,000 person-years, by year, of the beneficiaries attached to ``aco``
    who are alive on 1 January of the performance year."""
    admissions: Counter[int] = Counter()
    person_years: dict[int, float] = dict.fromkeys(range(PY - 3, PY + 1), 0.0)
    for ch in chunks:
        alive = (ch.death == g.NODATE) | (ch.death >= g.day(datetime.date(PY, 1, 1)))
        ours = alive & (ch.attached_aco() == aco)
        hdr = ch.ip_claims  # type: ignore[attr-defined]
        stays = (hdr["ctype"] == 60) & ours[hdr["bene"]]
        years = g._years_of(hdr["from"][stays])
        for year in range(PY - 3, PY + 1):
            lo = np.maximum(ch.w_start, g.day(datetime.date(year, 1, 1)))
            hi = np.minimum(ch.w_end, g.day(datetime.date(year, 12, 31)))
            person_years[year] += float(np.maximum(hi - lo + 1, 0)[ours].sum()) / 365.25
            admissions[year] += int(np.sum(years == year))
    return {y: 1000 * admissions[y] / person_years[y] for y in range(PY - 3, PY + 1)}


def test_each_demo_aco_has_the_performance_year_its_profile_describes(
    demo_world: tuple[gw.World, list[g._Chunk]],
) -> None:
    _, chunks = demo_world

    def py_over_base(aco: int) -> float:
        rates = _admissions_per_thousand(chunks, aco)
        return rates[PY] / np.mean([rates[y] for y in range(PY - 3, PY)])

    # Everyone alive on 1 January has the PY's deaths (and their last stays) ahead: a little over 1.
    others = py_over_base(-1)
    assert 0.97 < others < 1.12, others
    assert gw.py_use(0).admissions < 1 and gw.py_use(1).readmissions > 1
    assert py_over_base(0) < others - 0.08  # L0001: fewer admissions and readmissions, so it saves
    assert py_over_base(1) > others + 0.04  # L0002: more readmissions, so it loses
