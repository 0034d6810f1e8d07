"""The synthetic CCLF generator: deterministic, well-formed, and realistic enough at small scale.

No database: the bundle is written to a temporary folder and read back as text.
"""

from __future__ import annotations

import csv
import datetime
import io
import re
from collections import Counter, defaultdict
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from django.conf import settings

from apps.acos.lists import parse_list_csv
from apps.acos.reference import npi_is_valid, ruca_zip_codes
from apps.claims import generator_codes as codes
from apps.claims.filenames import parse_name
from apps.claims.fixedwidth import format_record
from apps.claims.generator import CHUNK, Calendar, Options, generate
from apps.claims.generator_fw import NOAMT, NODATE, Num, Table, day, render
from apps.claims.generator_world import benefit_enhancements, mbis, npis
from apps.claims.layouts import DATA_FILE_TYPES, FILE_DESCRIPTIONS, layout
from apps.claims.parsing import FileCheck, iter_blocks

PY = 2027
N = 200
MBI_RE = re.compile(
    r"^[1-9][AC-HJKMNP-RT-Y][0-9AC-HJKMNP-RT-Y][0-9][AC-HJKMNP-RT-Y][0-9AC-HJKMNP-RT-Y][0-9][AC-HJKMNP-RT-Y]{2}[0-9]{2}$"
)
DATA_FILES = list(DATA_FILE_TYPES)  # CCLF1-CCLF9, CCLFA, CCLFB
CAL = Calendar.of(PY)

Records = list[dict[str, str]]


def _bundle(path: Path, **kw: Any) -> Path:
    opts = {"beneficiaries": N, "acos": 3, "seed": 11, "performance_year": PY, "runout": True} | kw
    generate(Options(out=path, **opts))
    return path


@pytest.fixture(scope="module")
def bundle(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _bundle(tmp_path_factory.mktemp("bundle"))


@pytest.fixture(scope="module")
def files(bundle: Path) -> dict[tuple[str, str], Path]:
    """(package kind, file type) -> path; kind "" is the main package, "R" the run-out."""
    return _package_files(bundle)


def _package_files(folder: Path) -> dict[tuple[str, str], Path]:
    out: dict[tuple[str, str], Path] = {}
    for p in folder.iterdir():
        name = parse_name(p.name)
        if name:
            out[("R" if name.is_runout else "", name.file_type)] = p
    return out


@pytest.fixture(scope="module")
def records(files: dict[tuple[str, str], Path]) -> Callable[[str, str], Records]:
    cache: dict[tuple[str, str], Records] = {}

    def read(file_type: str, kind: str = "") -> Records:
        if (kind, file_type) not in cache:
            lay = layout(file_type)
            text = files[(kind, file_type)].read_text(encoding="ascii")
            cache[(kind, file_type)] = [
                {f.name: line[f.start - 1 : f.end].strip() for f in lay.fields} for line in text.splitlines()
            ]
        return cache[(kind, file_type)]

    return read


def _csv(path: Path) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8"))))


def _current_mbi(records: Callable[[str, str], Records]) -> dict[str, str]:
    nxt = {r["PRVS_NUM"]: r["CRNT_NUM"] for r in records("CCLF9", "")}
    out = {}
    for start in nxt:
        m = start
        while m in nxt:
            m = nxt[m]
        out[start] = m
    return out


# ---------------------------------------------------------------------------------------------
# Determinism and form
# ---------------------------------------------------------------------------------------------


def test_same_seed_gives_identical_bytes_and_another_seed_does_not(bundle: Path, tmp_path: Path) -> None:
    again = _bundle(tmp_path / "again")
    other = _bundle(tmp_path / "other", seed=12)
    names = sorted(p.name for p in bundle.iterdir())
    assert names == sorted(p.name for p in again.iterdir())
    for name in names:
        assert (bundle / name).read_bytes() == (again / name).read_bytes(), name
    differing = [n for n in names if (bundle / n).read_bytes() != (other / n).read_bytes()]
    assert "P.LEAD0.ACO.ZC5Y27.D280102.T0415300" in differing
    assert len(differing) > len(names) // 2


def test_output_does_not_depend_on_worker_processes(tmp_path: Path) -> None:
    n = CHUNK + 60  # two chunks
    one = tmp_path / "one"
    two = tmp_path / "two"
    generate(Options(out=one, beneficiaries=n, acos=2, seed=5, performance_year=PY, workers=1))
    generate(Options(out=two, beneficiaries=n, acos=2, seed=5, performance_year=PY, workers=2))
    for p in one.iterdir():
        assert p.read_bytes() == (two / p.name).read_bytes(), p.name
    cclf8 = next(p for p in one.iterdir() if ".ZC8Y" in p.name)
    assert len(cclf8.read_bytes().splitlines()) == n


def test_every_record_has_the_layout_length_and_passes_the_loader_checks(files: dict[tuple[str, str], Path]) -> None:
    assert {f for k, f in files if k == ""} == {"CCLF0", *DATA_FILES}
    assert {f for k, f in files if k == "R"} == {"CCLF0", *DATA_FILES}
    for (kind, file_type), path in files.items():
        if file_type == "CCLF0":
            continue
        data = path.read_bytes()
        assert data == b"" or data.endswith(b"\n")
        width = layout(file_type).record_length
        assert all(len(line) == width for line in data.splitlines()), (kind, file_type)
        check = FileCheck()
        for _ in iter_blocks(data, layout(file_type), check):
            pass
        assert check.error_count == 0, (kind, file_type, check.errors[:3])


def _cclf0_details(path: Path) -> list[tuple[str, str, int, int]]:
    """The CCLF0 detail rows read at CMS's positions (Information Packet Table 26), checking the
    header row, the delimiters and the justification of every row on the way."""
    header, *rows = path.read_text(encoding="ascii").splitlines()
    assert header == "File Number  |File Description    |Total Records Count |Record Length"
    out = []
    for row in rows:
        assert len(row) == 69, row
        assert (row[7], row[51], row[63]) == ("|", "|", "|"), row
        file_type, name, count, length = row[0:7], row[8:51], row[52:63], row[64:69]
        assert file_type == file_type.strip().ljust(7) and name == name.strip().ljust(43), row
        assert count == count.strip().rjust(11) and length == length.strip().rjust(5), row
        out.append((file_type.strip(), name.strip(), int(count), int(length)))
    return out


def test_cclf0_lists_every_data_file_with_exact_counts_at_cms_positions(files: dict[tuple[str, str], Path]) -> None:
    for kind in ("", "R"):
        details = _cclf0_details(files[(kind, "CCLF0")])
        assert [d[0] for d in details] == DATA_FILES  # CCLF1-CCLF9, CCLFA, CCLFB, in that order
        for file_type, name, count, length in details:
            data = files[(kind, file_type)].read_bytes()
            lines = data.splitlines()
            assert name == FILE_DESCRIPTIONS[file_type]
            assert (count, length) == (len(lines), layout(file_type).record_length), (kind, file_type)
            assert all(len(line) == length for line in lines), (kind, file_type)
    assert _cclf0_details(files[("", "CCLF0")])[-1][2] > 0  # CCLFB is not empty


def test_package_names_are_cms_names_and_the_runout_uses_r(files: dict[tuple[str, str], Path]) -> None:
    main = {f: p.name for (k, f), p in files.items() if k == ""}
    runout = {f: p.name for (k, f), p in files.items() if k == "R"}
    assert set(main) == set(runout) == {"CCLF0", *DATA_FILES}
    for file_type, name in main.items():
        assert name == f"P.LEAD0.ACO.ZC{file_type[-1]}Y27.D280102.T0415300"
    for file_type, name in runout.items():
        assert name == f"P.LEAD0.ACO.ZC{file_type[-1]}R27.D280402.T0415300"
        parsed = parse_name(name)
        assert parsed and parsed.is_runout and parsed.kind == "R" and parsed.year == PY
    first = parse_name(main["CCLF1"])
    assert first and (first.environment, first.aco, first.year, first.kind) == ("P", "LEAD0", PY, "Y")
    assert first.produced_at == datetime.datetime(PY + 1, 1, 2, 4, 15, 30)
    assert not first.is_runout


def _reformatted(file_type: str, line: str) -> str:
    """A record parsed by the layout and written again by fixedwidth.format_record."""
    lay = layout(file_type)
    values: dict[str, Any] = {}
    for f in lay.fields:
        raw = line[f.start - 1 : f.end]
        if not raw.strip():
            values[f.name] = None
        elif f.kind == "date":
            values[f.name] = datetime.date.fromisoformat(raw)
        elif f.kind == "int":
            values[f.name] = int(raw)
        elif f.kind == "decimal":
            values[f.name] = raw.strip()
        else:
            values[f.name] = raw.rstrip()
    return format_record(lay, values)


def test_vectorised_rendering_matches_format_record(files: dict[tuple[str, str], Path]) -> None:
    """Parse sample records by the layout and re-format them with fixedwidth.format_record: the
    generator's vectorised output must be byte for byte what the reference formatter writes."""
    for file_type in DATA_FILES:
        lines = files[("", file_type)].read_text(encoding="ascii").splitlines()
        for line in lines[:: max(1, len(lines) // 300)]:
            assert _reformatted(file_type, line) == line, file_type


def test_renderer_edge_cases_match_format_value() -> None:
    lay = layout("CCLF5")
    t = Table(4)
    t["CUR_CLM_UNIQ_ID"] = np.array([1, 22, 333, 9_999_999_999_999])
    t["BENE_MBI_ID"] = np.array([b"1EG4TE5MK73", b"", b"2A", b"9AA9AA9AA99"], dtype="S11")
    t["CLM_FROM_DT"] = np.array([day(datetime.date(2024, 2, 29)), NODATE, 0, day(datetime.date(1930, 12, 31))])
    t["CLM_LINE_CVRD_PD_AMT"] = np.array([0, -5, 12345, NOAMT])
    t["CLM_LINE_SRVC_UNIT_QTY"] = np.array([10000, -25000, 1, 0])
    t["CLM_RNDRG_PRVDR_TAX_NUM"] = Num(np.array([123456789, -1, 5, 999999999]), 9)
    t["CLM_CARR_PMT_DNL_CD"] = b"0"
    buf = render(lay, t)
    expected = [
        {
            "CUR_CLM_UNIQ_ID": 1,
            "BENE_MBI_ID": "1EG4TE5MK73",
            "CLM_FROM_DT": datetime.date(2024, 2, 29),
            "CLM_LINE_CVRD_PD_AMT": "0.00",
            "CLM_LINE_SRVC_UNIT_QTY": "1",
            "CLM_RNDRG_PRVDR_TAX_NUM": "123456789",
        },
        {"CUR_CLM_UNIQ_ID": 22, "CLM_LINE_CVRD_PD_AMT": "-0.05", "CLM_LINE_SRVC_UNIT_QTY": "-2.5"},
        {
            "CUR_CLM_UNIQ_ID": 333,
            "BENE_MBI_ID": "2A",
            "CLM_FROM_DT": datetime.date(1970, 1, 1),
            "CLM_LINE_CVRD_PD_AMT": "123.45",
            "CLM_LINE_SRVC_UNIT_QTY": "0.0001",
            "CLM_RNDRG_PRVDR_TAX_NUM": "000000005",
        },
        {
            "CUR_CLM_UNIQ_ID": 9_999_999_999_999,
            "BENE_MBI_ID": "9AA9AA9AA99",
            "CLM_FROM_DT": datetime.date(1930, 12, 31),
            "CLM_LINE_SRVC_UNIT_QTY": "0",
            "CLM_RNDRG_PRVDR_TAX_NUM": "999999999",
        },
    ]
    for i, values in enumerate(expected):
        values["CLM_CARR_PMT_DNL_CD"] = "0"
        assert buf[i, :-1].tobytes().decode() == format_record(lay, values)
        assert buf[i, -1] == 10


def test_identifier_generators() -> None:
    ids = mbis(np.arange(50_000), 77)
    assert len(set(ids.tolist())) == 50_000
    assert all(MBI_RE.match(m.decode()) for m in ids)
    numbers = npis(np.arange(2_000), 77)
    assert len(set(numbers.tolist())) == 2_000
    assert all(npi_is_valid(str(n)) for n in numbers)


def test_identifiers_and_dates(records: Callable[[str, str], Records]) -> None:
    for file_type in DATA_FILES:
        lay = layout(file_type)
        mbi_fields = [f.name for f in lay.fields if f.name in ("BENE_MBI_ID", "CRNT_NUM", "PRVS_NUM")]
        date_fields = [f.name for f in lay.fields if f.kind == "date"]
        for row in records(file_type, ""):
            for name in mbi_fields:
                assert MBI_RE.match(row[name]), (file_type, name, row[name])
            for name in date_fields:
                if row[name]:
                    d = datetime.date.fromisoformat(row[name])
                    assert datetime.date(1900, 1, 1) <= d <= datetime.date(PY + 1, 4, 30), (file_type, name, d)
    for row in records("CCLF5", ""):
        assert (
            datetime.date(PY - 3, 1, 1)
            <= datetime.date.fromisoformat(row["CLM_LINE_FROM_DT"])
            <= datetime.date(PY, 12, 31)
        )
        assert row["CLM_EFCTV_DT"] <= f"{PY + 1}-01-01"
        assert npi_is_valid(row["RNDRG_PRVDR_NPI_NUM"])
        assert re.fullmatch(r"[0-9]{9}", row["CLM_RNDRG_PRVDR_TAX_NUM"])


# ---------------------------------------------------------------------------------------------
# The other files of the bundle
# ---------------------------------------------------------------------------------------------


def test_lists_pass_the_list_checks(bundle: Path) -> None:
    acos = _csv(bundle / "acos.csv")
    assert [a["aco_id"] for a in acos] == ["L0001", "L0002", "L0003"]
    assert list(acos[0]) == ["aco_id", "legal_name", "risk_option", "alignment_approach", "newly_entering", "states"]
    for a in acos:
        assert a["risk_option"] in ("global", "professional")
        assert a["alignment_approach"] in ("prospective", "hybrid")
        assert a["newly_entering"] in ("true", "false")
        assert all(len(s) == 2 for s in a["states"].split(";"))
    tins: dict[str, str] = {}
    for list_type, name in (("participants", "participants.csv"), ("preferred_providers", "preferred_providers.csv")):
        data = (bundle / name).read_text(encoding="utf-8")
        header, *lines = data.splitlines()
        for a in acos:
            mine = [header] + [ln for ln in lines if ln.startswith(a["aco_id"] + ",")]
            parsed = parse_list_csv(
                ("\n".join(mine) + "\n").encode(), list_type=list_type, aco_id=a["aco_id"], performance_years={PY}
            )
            assert parsed.errors == [], parsed.errors[:3]
            assert parsed.rows
            if list_type == "participants":
                for row in parsed.rows:
                    assert tins.setdefault(row["tin"], a["aco_id"]) == a["aco_id"]  # one ACO per TIN
    participants = _csv(bundle / "participants.csv")
    assert {p["facility_type"] for p in participants} >= {"", "RHC", "FQHC"}
    assert all(p["practice_zip"] in ruca_zip_codes() for p in participants)
    assert {p["capitation"] for p in _csv(bundle / "preferred_providers.csv")} <= {"none", "pcc", "tcc", "npcc", "apo"}


def test_voluntary_alignments_and_quality(bundle: Path, records: Callable[[str, str], Records]) -> None:
    vol = _csv(bundle / "voluntary_alignments.csv")
    assert list(vol[0]) == ["mbi", "aco_id", "tin", "npi", "signed_date", "channel"]
    participant_tins = {p["tin"] for p in _csv(bundle / "participants.csv")}
    assert vol
    assert all(MBI_RE.match(v["mbi"]) and npi_is_valid(v["npi"]) for v in vol)
    assert {v["channel"] for v in vol} <= {"medicare_gov", "sva_form"}
    deadline = datetime.date(PY - 1, 10, 31)
    assert any(datetime.date.fromisoformat(v["signed_date"]) > deadline for v in vol)
    assert any(datetime.date.fromisoformat(v["signed_date"]) <= deadline for v in vol)
    assert any(v["tin"] not in participant_tins for v in vol)
    assert any(v["tin"] in participant_tins for v in vol)
    quality = _csv(bundle / "quality_submissions.csv")
    assert {q["measure"] for q in quality} == {"cahps", "hba1c_poor_control", "bp_control"}
    for q in quality:
        assert 0 <= float(q["score"]) <= 100
        if q["measure"] != "cahps":
            assert int(q["numerator"]) <= int(q["denominator"])


# ---------------------------------------------------------------------------------------------
# Realism
# ---------------------------------------------------------------------------------------------


def test_beneficiaries(records: Callable[[str, str], Records]) -> None:
    benes = records("CCLF8", "")
    assert len(benes) == N and len({b["BENE_MBI_ID"] for b in benes}) == N
    ages = [int(b["BENE_AGE"]) for b in benes]
    assert sum(a >= 65 for a in ages) > 0.75 * N and any(a < 65 for a in ages)
    assert {b["BENE_SEX_CD"] for b in benes} == {"1", "2"}
    statuses = Counter(b["BENE_MDCR_STUS_CD"] for b in benes)
    assert statuses["10"] > N / 2 and statuses["20"] > 0
    assert statuses["11"] + statuses["21"] + statuses["31"] > 0
    duals = Counter(b["BENE_DUAL_STUS_CD"] for b in benes)
    assert duals["NA"] > N / 2 and duals["00"] == 0  # non-dual: "NA" (Medicare only), never "00"
    assert any(duals[c] for c in ("02", "04", "08")) and any(duals[c] for c in ("01", "03", "05", "06"))
    deaths = [datetime.date.fromisoformat(b["BENE_DEATH_DT"]) for b in benes if b["BENE_DEATH_DT"]]
    assert any(d.year == PY for d in deaths) and any(d.year < PY for d in deaths)
    py_start = datetime.date(PY, 1, 1)
    assert any(datetime.date.fromisoformat(b["BENE_PART_A_ENRLMT_BGN_DT"]) > py_start for b in benes)
    assert any(b["GEO_USPS_STATE_CD"] not in codes.SSA_STATE for b in benes)
    ruca = _ruca()
    zips = [b["BENE_ZIP_CD"] for b in benes if b["BENE_ZIP_CD"] in ruca]
    assert any(ruca[z] >= 4 for z in zips) and any(ruca[z] <= 3 for z in zips)


def _ruca() -> dict[str, int]:
    from apps.acos.reference import REFERENCE_DIR

    with open(REFERENCE_DIR / "rural" / "ruca2010_zip.csv", newline="", encoding="utf-8") as fh:
        return {r["zip"]: int(r["ruca_primary"]) for r in csv.DictReader(fh)}


def test_mbi_chains_and_claims_under_old_mbis(records: Callable[[str, str], Records]) -> None:
    xref = records("CCLF9", "")
    current = _current_mbi(records)
    hops: Counter[int] = Counter()
    nxt = {r["PRVS_NUM"]: r["CRNT_NUM"] for r in xref}
    for start in current:
        m, k = start, 0
        while m in nxt:
            m, k = nxt[m], k + 1
        hops[k] += 1
    assert hops[3] >= 1 and hops[2] >= 1
    bene_mbis = {b["BENE_MBI_ID"] for b in records("CCLF8", "")}
    assert set(current.values()) <= bene_mbis
    assert not set(current) & bene_mbis  # old MBIs are not in CCLF8
    old_in_claims = {r["BENE_MBI_ID"] for f in ("CCLF1", "CCLF5", "CCLF7") for r in records(f, "")} & set(current)
    assert len(old_in_claims) >= 2
    for r in xref:
        assert r["HICN_MBI_XREF_IND"] == "M" and r["PRVS_ID_OBSLT_DT"] > r["PRVS_ID_EFCTV_DT"]


def test_claim_versions_share_natural_keys(records: Callable[[str, str], Records]) -> None:
    current = _current_mbi(records)

    def cur(m: str) -> str:
        return current.get(m, m)

    keys: dict[str, Callable[[dict[str, str]], tuple[str, ...]]] = {
        "CCLF1": lambda r: (
            cur(r["BENE_MBI_ID"]),
            r["PRVDR_OSCAR_NUM"],
            r["CLM_FROM_DT"],
            r["CLM_THRU_DT"],
            r["CLM_TYPE_CD"],
        ),
        "CCLF5": lambda r: (r["CLM_CNTL_NUM"], r["CLM_LINE_NUM"]),
        "CCLF6": lambda r: (r["CLM_CNTL_NUM"], r["CLM_LINE_NUM"]),
        "CCLF7": lambda r: (
            r["CLM_SRVC_PRVDR_GNRC_ID_NUM"],
            r["CLM_LINE_RX_SRVC_RFRNC_NUM"],
            r["CLM_LINE_FROM_DT"],
            r["CLM_LINE_RX_FILL_NUM"],
        ),
    }
    for file_type, key in keys.items():
        groups: dict[tuple[str, ...], list[dict[str, str]]] = defaultdict(list)
        for r in records(file_type, ""):
            groups[key(r)].append(r)
        types = Counter(r["CLM_ADJSMT_TYPE_CD"] for r in records(file_type, ""))
        assert types["0"] and types["2"], (file_type, types)
        originals_per_key = Counter(sum(r["CLM_ADJSMT_TYPE_CD"] == "0" for r in g) for g in groups.values())
        assert set(originals_per_key) == {1}, file_type  # distinct claims never share a key
        multi = [g for g in groups.values() if len(g) > 1]
        assert multi, file_type
        for g in multi:
            g.sort(key=lambda r: (r["CLM_EFCTV_DT"], int(r["CUR_CLM_UNIQ_ID"])))
            assert g[0]["CLM_ADJSMT_TYPE_CD"] == "0"
            assert all(r["CLM_ADJSMT_TYPE_CD"] in ("1", "2") for r in g[1:])
            assert len({r["CUR_CLM_UNIQ_ID"] for r in g}) == len(g)
        if file_type == "CCLF1":
            assert types["1"] >= 1
            assert any(g[-1]["CLM_ADJSMT_TYPE_CD"] == "1" and len(g) == 3 for g in multi) or types["1"] >= 2
    headers = {r["CUR_CLM_UNIQ_ID"]: r for r in records("CCLF1", "")}
    for file_type in ("CCLF2", "CCLF3", "CCLF4"):
        for r in records(file_type, ""):
            h = headers[r["CUR_CLM_UNIQ_ID"]]
            assert (r["BENE_MBI_ID"], r["CLM_TYPE_CD"], r["PRVDR_OSCAR_NUM"]) == (
                h["BENE_MBI_ID"],
                h["CLM_TYPE_CD"],
                h["PRVDR_OSCAR_NUM"],
            )
    cancels = [r for r in records("CCLF1", "") if r["CLM_ADJSMT_TYPE_CD"] == "1"]
    assert all(r["CLM_PMT_AMT"].startswith("-") or float(r["CLM_PMT_AMT"]) == 0 for r in cancels)


def test_part_a_settings_and_events(records: Callable[[str, str], Records], bundle: Path) -> None:
    hdr = [r for r in records("CCLF1", "") if r["CLM_ADJSMT_TYPE_CD"] == "0"]
    types = Counter(r["CLM_TYPE_CD"] for r in hdr)
    assert all(types[t] for t in ("10", "20", "40", "50", "60")), types
    ip = [r for r in hdr if r["CLM_TYPE_CD"] == "60"]
    assert all(r["DGNS_DRG_CD"] and r["CLM_ADMSN_TYPE_CD"] in ("1", "2", "3") for r in ip)
    assert {r["CLM_ADMSN_TYPE_CD"] for r in ip} == {"1", "2", "3"}
    assert {"01", "02", "20"} <= {r["BENE_PTNT_STUS_CD"] for r in ip}
    # readmissions: a non-elective admission 1-30 days after a discharge of the same beneficiary
    current = _current_mbi(records)
    stays: dict[str, list[tuple[datetime.date, datetime.date, str]]] = defaultdict(list)
    for r in ip:
        mbi = current.get(r["BENE_MBI_ID"], r["BENE_MBI_ID"])
        stays[mbi].append(
            (
                datetime.date.fromisoformat(r["CLM_FROM_DT"]),
                datetime.date.fromisoformat(r["CLM_THRU_DT"]),
                r["CLM_ADMSN_TYPE_CD"],
            )
        )
    readmissions = 0
    for s in stays.values():
        s.sort()
        for (_, out, _), (back, _, adm) in zip(s, s[1:], strict=False):
            readmissions += 1 <= (back - out).days <= 30 and adm != "3"
    assert readmissions >= 3
    # RHC and FQHC claims, at CCNs an ACO lists and at others
    rhc = [
        r
        for r in hdr
        if r["CLM_TYPE_CD"] == "40" and r["CLM_BILL_FAC_TYPE_CD"] == "7" and r["CLM_BILL_CLSFCTN_CD"] in ("1", "7")
    ]
    assert {r["CLM_BILL_CLSFCTN_CD"] for r in rhc} == {"1", "7"}
    listed = {c for p in _csv(bundle / "participants.csv") for c in p["ccns"].split(";") if c}
    ccns = {r["PRVDR_OSCAR_NUM"] for r in rhc}
    assert ccns & listed and ccns - listed
    ids = {r["CUR_CLM_UNIQ_ID"] for r in rhc}
    revs = {r["CLM_LINE_PROD_REV_CTR_CD"] for r in records("CCLF2", "") if r["CUR_CLM_UNIQ_ID"] in ids}
    assert {"0521"} <= revs and revs & {"0522", "0524", "0525"}
    lines = records("CCLF2", "")
    assert any(r["CLM_LINE_PROD_REV_CTR_CD"].startswith("045") and r["CLM_TYPE_CD"] == "40" for r in lines)
    assert any(r["CLM_LINE_PROD_REV_CTR_CD"] == "0762" for r in lines)
    assert any(r["CLM_DGNS_CD"].startswith("Z68") for r in records("CCLF4", ""))
    assert records("CCLF3", "")


def test_part_b_competition_specialties_and_denials(records: Callable[[str, str], Records], bundle: Path) -> None:
    lines = [r for r in records("CCLF5", "") if r["CLM_ADJSMT_TYPE_CD"] == "0"]
    assert any(r["CLM_CARR_PMT_DNL_CD"] == "0" for r in lines)
    participant_tins = {p["tin"] for p in _csv(bundle / "participants.csv")}
    pqem = [r for r in lines if r["CLM_LINE_HCPCS_CD"] in codes.PQEM_HCPCS]
    step1 = [r for r in pqem if r["CLM_PRVDR_SPCLTY_CD"] in codes.STEP1_SPECIALTIES]
    step2 = [r for r in pqem if r["CLM_PRVDR_SPCLTY_CD"] in codes.STEP2_SPECIALTIES]
    assert {r["CLM_RNDRG_PRVDR_TAX_NUM"] in participant_tins for r in step1} == {True, False}
    assert step2
    assert any(r["CLM_POS_CD"] == "31" and r["CLM_LINE_HCPCS_CD"].startswith("993") for r in pqem)
    assert any(r["CLM_DGNS_2_CD"].startswith("Z68") or r["CLM_DGNS_3_CD"].startswith("Z68") for r in lines)
    current = _current_mbi(records)
    by_bene: dict[str, set[str]] = defaultdict(set)
    for r in pqem:
        by_bene[current.get(r["BENE_MBI_ID"], r["BENE_MBI_ID"])].add(r["CLM_PRVDR_SPCLTY_CD"])
    specialists_only = [
        m for m, s in by_bene.items() if s & set(codes.STEP2_SPECIALTIES) and not s & set(codes.STEP1_SPECIALTIES)
    ]
    assert specialists_only
    assert len(by_bene) < N  # some beneficiaries have no qualifying service at all
    # exact ties: the same PQEM charge at two TINs in alignment year 2 and nothing else in step 1
    ay2 = (datetime.date(PY - 2, 7, 1).isoformat(), datetime.date(PY - 1, 6, 30).isoformat())
    step1_by_bene: dict[str, list[dict[str, str]]] = defaultdict(list)
    for r in step1:
        step1_by_bene[current.get(r["BENE_MBI_ID"], r["BENE_MBI_ID"])].append(r)
    ties = [
        v
        for v in step1_by_bene.values()
        if len(v) == 2
        and v[0]["CLM_RNDRG_PRVDR_TAX_NUM"] != v[1]["CLM_RNDRG_PRVDR_TAX_NUM"]
        and v[0]["CLM_LINE_ALOWD_CHRG_AMT"] == v[1]["CLM_LINE_ALOWD_CHRG_AMT"]
        and all(ay2[0] <= r["CLM_LINE_FROM_DT"] <= ay2[1] for r in v)
    ]
    assert any(v[0]["CLM_LINE_FROM_DT"] == v[1]["CLM_LINE_FROM_DT"] for v in ties)
    assert any(v[0]["CLM_LINE_FROM_DT"] != v[1]["CLM_LINE_FROM_DT"] for v in ties)


def test_dme_and_part_d(records: Callable[[str, str], Records]) -> None:
    dme = records("CCLF6", "")
    assert {r["CLM_TYPE_CD"] for r in dme} <= {"72", "81", "82"} and dme
    fills = records("CCLF7", "")
    ndcs = {r["CLM_LINE_NDC_CD"] for r in fills}
    assert ndcs & codes.GLP1_NDCS
    assert all(len(n) == 11 and n.isdigit() for n in ndcs)
    obesity = {d[1] for d in codes.DRUGS if d[7] == "obesity"}
    assert ndcs & obesity
    assert {r["CLM_LINE_DAYS_SUPLY_QTY"] for r in fills} >= {"28.0000", "30.0000"}
    assert all(npi_is_valid(r["CLM_SRVC_PRVDR_GNRC_ID_NUM"]) for r in fills)


def _glp1_table() -> dict[str, dict[str, str]]:
    with (Path(settings.BASE_DIR) / "reference" / "glp1" / "ndcs.csv").open(newline="", encoding="utf-8") as fh:
        return {row["ndc"]: row for row in csv.DictReader(fh)}


def test_generator_glp1_ndcs_are_rows_of_the_reference_table() -> None:
    table = _glp1_table()
    glp1 = [d for d in codes.DRUGS if d[7]]
    assert {d[1] for d in glp1} == codes.GLP1_NDCS <= set(table)
    for _, ndc, _, _, _, _, _, use, _ in glp1:
        assert table[ndc]["use"] == use
        assert (table[ndc]["bridge_covered"] == "true") == (use == "obesity")
    bridge = {row["product"] for row in table.values() if row["bridge_covered"] == "true"}
    assert bridge == {"Wegovy (injection)", "Wegovy (tablet)", "Zepbound", "Foundayo"}
    courses = {c[0] for c in codes.GLP1_COURSES if c[1] == "obesity"}
    assert courses == bridge
    for _, _, _, steps, lowest in codes.GLP1_COURSES:
        assert all(name in codes.DRUG_INDEX for name in steps) and 0 <= lowest < len(steps)


def test_glp1_fills_are_table_ndcs_and_bridge_fills_start_with_the_bridge(
    records: Callable[[str, str], Records], tmp_path: Path
) -> None:
    table = _glp1_table()
    fills = [r for r in records("CCLF7", "") if r["CLM_LINE_NDC_CD"] in codes.GLP1_NDCS]
    assert fills and {r["CLM_LINE_NDC_CD"] for r in fills} <= set(table)
    # A bundle of 1,000 has fills of every Bridge product, all on or after the Bridge start, and
    # courses that start on the lowest strength.
    big = _bundle(tmp_path / "big", beneficiaries=1000, acos=2, runout=False)
    lay = layout("CCLF7")
    text = _package_files(big)[("", "CCLF7")].read_text(encoding="ascii")
    rows = [{f.name: line[f.start - 1 : f.end].strip() for f in lay.fields} for line in text.splitlines()]
    glp1 = [r for r in rows if r["CLM_LINE_NDC_CD"] in codes.GLP1_NDCS]
    assert {r["CLM_LINE_NDC_CD"] for r in glp1} <= set(table)
    products = {table[r["CLM_LINE_NDC_CD"]]["product"] for r in glp1}
    assert products >= {"Wegovy (injection)", "Wegovy (tablet)", "Zepbound", "Foundayo", "Rybelsus"}
    bridge = [r for r in glp1 if table[r["CLM_LINE_NDC_CD"]]["bridge_covered"] == "true"]
    assert min(r["CLM_LINE_FROM_DT"] for r in bridge) >= "2026-07-01"
    assert Counter(r["CLM_LINE_BENE_PMT_AMT"] for r in bridge).most_common(1)[0][0] == "50.00"
    first: dict[tuple[str, str], tuple[str, str]] = {}
    for r in bridge:
        key = (r["BENE_MBI_ID"], table[r["CLM_LINE_NDC_CD"]]["product"])
        first[key] = min(first.get(key, ("9999", "")), (r["CLM_LINE_FROM_DT"], r["CLM_LINE_NDC_CD"]))
    lowest = {"Zepbound": "00002250680", "Wegovy (injection)": "00169452514"}
    starts = [ndc == lowest[p] for (_, p), (_, ndc) in first.items() if p in lowest]
    assert starts and sum(starts) >= 0.8 * len(starts)


# ---------------------------------------------------------------------------------------------
# Run-out and malformed rows
# ---------------------------------------------------------------------------------------------


def test_runout_repeats_claims_of_the_first_package(records: Callable[[str, str], Records]) -> None:
    for file_type, key in (
        ("CCLF1", ("BENE_MBI_ID", "PRVDR_OSCAR_NUM", "CLM_FROM_DT", "CLM_THRU_DT", "CLM_TYPE_CD")),
        ("CCLF5", ("CLM_CNTL_NUM", "CLM_LINE_NUM")),
        (
            "CCLF7",
            ("CLM_SRVC_PRVDR_GNRC_ID_NUM", "CLM_LINE_RX_SRVC_RFRNC_NUM", "CLM_LINE_FROM_DT", "CLM_LINE_RX_FILL_NUM"),
        ),
    ):
        main = records(file_type, "")
        runout = records(file_type, "R")
        assert runout, file_type
        main_keys = {tuple(r[k] for k in key) for r in main}
        assert all(tuple(r[k] for k in key) in main_keys for r in runout)
        main_rows = {tuple(r.values()) for r in main}
        assert any(tuple(r.values()) in main_rows for r in runout)  # identical repeats
        later = [r for r in runout if r["CLM_ADJSMT_TYPE_CD"] in ("1", "2")]
        assert later and all(r["CLM_EFCTV_DT"] > f"{PY + 1}-01-01" for r in later)
        assert all(r["CLM_EFCTV_DT"] <= f"{PY + 1}-04-01" for r in runout)


def test_with_errors_appends_two_malformed_cclf5_lines(tmp_path: Path, bundle: Path) -> None:
    bad = _bundle(tmp_path / "bad", runout=False, with_errors=True)
    name = next(p.name for p in bad.iterdir() if ".ZC5Y" in p.name)
    data = (bad / name).read_bytes()
    good = (bundle / name).read_bytes()
    assert data.startswith(good)
    lines = data.splitlines()
    assert len(lines) == len(good.splitlines()) + 2
    assert len(lines[-2]) == layout("CCLF5").record_length + 1
    f = layout("CCLF5").field("CLM_LINE_FROM_DT")
    assert lines[-1][f.start - 1 : f.end] == f"{PY}-02-30".encode()
    check = FileCheck()
    for _ in iter_blocks(data, layout("CCLF5"), check):
        pass
    got = [(e.line, e.field) for e in check.errors]
    assert got == [(len(lines) - 1, "record length"), (len(lines), "CLM_LINE_FROM_DT")]
    cclf0 = next(p for p in bad.iterdir() if ".ZC0Y" in p.name)
    assert ("CCLF5", len(lines)) in [(d[0], d[2]) for d in _cclf0_details(cclf0)]


def test_generate_cclf_command(tmp_path: Path) -> None:
    from django.core.management import call_command, load_command_class

    out = io.StringIO()
    target = tmp_path / "cmd"
    call_command(
        "generate_cclf",
        "--out",
        str(target),
        "--beneficiaries",
        "40",
        "--acos",
        "2",
        "--seed",
        "1",
        "--performance-year",
        "2028",
        "--with-errors",
        stdout=out,
    )
    assert "Wrote 17 files" in out.getvalue()
    names = [parse_name(p.name) for p in target.iterdir()]
    assert sorted(n.file_type for n in names if n) == ["CCLF0", *DATA_FILES]
    assert {n.year for n in names if n} == {2028}
    assert (target / "voluntary_alignments.csv").exists()
    command = load_command_class("apps.claims", "generate_cclf")
    help_text = command.create_parser("manage.py", "generate_cclf").format_help()
    assert "--with-errors" in help_text and "CLM_LINE_FROM_DT" in help_text and "one character too long" in help_text
    assert "ZC<n>R<yy>" in help_text and "CCLFA" in help_text


# ---------------------------------------------------------------------------------------------
# Benefit Enhancement and demonstration codes (CCLFA, CCLFB)
# ---------------------------------------------------------------------------------------------

BE_N = CHUNK + 1500  # two chunks, enough beneficiaries for every indicator
PY_FIRST, PY_LAST = f"{PY}-01-01", f"{PY}-12-31"
HOME_VISITS = {str(c) for c in range(99341, 99351)}
CAPITATED = {"pcc", "tcc", "npcc"}
WITHHELD = {"pcc": Decimal("0.25"), "npcc": Decimal("0.20"), "tcc": Decimal("0.50")}
Rows = list[dict[str, str]]


class Package:
    """The records of one package of a bundle, read by the layout's positions (only the fields a
    test asks for, so that large files read quickly)."""

    def __init__(self, paths: dict[str, Path]) -> None:
        self.paths = paths
        self.cache: dict[tuple[str, tuple[str, ...]], Rows] = {}

    def rows(self, file_type: str, *names: str) -> Rows:
        if (file_type, names) not in self.cache:
            fields = [layout(file_type).field(n) for n in names]
            text = self.paths[file_type].read_text(encoding="ascii")
            self.cache[(file_type, names)] = [
                {f.name: line[f.start - 1 : f.end].strip() for f in fields} for line in text.splitlines()
            ]
        return self.cache[(file_type, names)]


B_FIELDS = (
    "CUR_CLM_UNIQ_ID",
    "CLM_LINE_NUM",
    "BENE_MBI_ID",
    "CLM_TYPE_CD",
    "CLM_CNTL_NUM",
    "CLM_ADJSMT_TYPE_CD",
    "CLM_LINE_FROM_DT",
    "CLM_LINE_HCPCS_CD",
    "CLM_POS_CD",
    "CLM_RNDRG_PRVDR_TAX_NUM",
    "RNDRG_PRVDR_NPI_NUM",
    "CLM_LINE_CVRD_PD_AMT",
)
A_FIELDS = (
    "CUR_CLM_UNIQ_ID",
    "BENE_MBI_ID",
    "CLM_TYPE_CD",
    "CLM_FROM_DT",
    "CLM_THRU_DT",
    "PRVDR_OSCAR_NUM",
    "CLM_ADJSMT_TYPE_CD",
)
CCLFA_FIELDS = tuple(f.name for f in layout("CCLFA").fields)
CCLFB_FIELDS = tuple(f.name for f in layout("CCLFB").fields)


@pytest.fixture(scope="module")
def be_bundle(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _bundle(tmp_path_factory.mktemp("be"), beneficiaries=BE_N, seed=21, workers=1)


@pytest.fixture(scope="module")
def packages(be_bundle: Path) -> dict[str, Package]:
    """The main package (key "") and the run-out package (key "R")."""
    files = _package_files(be_bundle)
    return {kind: Package({f: p for (k, f), p in files.items() if k == kind}) for kind in ("", "R")}


@pytest.fixture(scope="module")
def world_lists(be_bundle: Path) -> dict[str, Any]:
    participants = _csv(be_bundle / "participants.csv")
    return {
        "tin_aco": {p["tin"]: p["aco_id"] for p in participants},
        "ccn_aco": {c: p["aco_id"] for p in participants for c in p["ccns"].split(";") if c},
        "preferred": {(p["tin"], p["npi"]): p for p in _csv(be_bundle / "preferred_providers.csv")},
        "acos": [a["aco_id"] for a in _csv(be_bundle / "acos.csv")],
    }


def _current(pkg: Package) -> Callable[[str], str]:
    nxt = {r["PRVS_NUM"]: r["CRNT_NUM"] for r in pkg.rows("CCLF9", "PRVS_NUM", "CRNT_NUM")}

    def cur(mbi: str) -> str:
        while mbi in nxt:
            mbi = nxt[mbi]
        return mbi

    return cur


def _part_b_lines(pkg: Package) -> dict[tuple[str, str], dict[str, str]]:
    out: dict[tuple[str, str], dict[str, str]] = {}
    for file_type in ("CCLF5", "CCLF6"):
        names = B_FIELDS if file_type == "CCLF5" else B_FIELDS[:6] + ("CLM_LINE_FROM_DT", "CLM_LINE_CVRD_PD_AMT")
        for r in pkg.rows(file_type, *names):
            out[(r["CUR_CLM_UNIQ_ID"], r["CLM_LINE_NUM"])] = r | {"file": file_type}
    return out


def test_benefit_enhancements_per_generated_aco() -> None:
    assert benefit_enhancements(0) == benefit_enhancements("L0001")
    assert set(benefit_enhancements("L0001")) == {"snf_3day_waiver", "telehealth", "post_discharge_home_visits"}
    assert set(benefit_enhancements("L0002")) == {"telehealth", "care_management_home_visits"}
    assert benefit_enhancements(2) == benefit_enhancements("L0012") == ()


def test_cclfa_rows_belong_to_a_cclf1_record_of_their_package(packages: dict[str, Package]) -> None:
    for kind, pkg in packages.items():
        headers = {r["CUR_CLM_UNIQ_ID"]: r for r in pkg.rows("CCLF1", *A_FIELDS)}
        rows = pkg.rows("CCLFA", *CCLFA_FIELDS)
        assert len({r["CUR_CLM_UNIQ_ID"] for r in rows}) == len(rows), kind  # one row per claim record
        for r in rows:
            h = headers[r["CUR_CLM_UNIQ_ID"]]
            assert (r["BENE_MBI_ID"], r["CLM_TYPE_CD"], r["CLM_ACTV_CARE_FROM_DT"]) == (
                h["BENE_MBI_ID"],
                h["CLM_TYPE_CD"],
                h["CLM_FROM_DT"],
            )
    assert packages[""].rows("CCLFA", *CCLFA_FIELDS)
    for file_type in ("CCLFA", "CCLFB"):  # written exactly as the reference formatter writes them
        for line in packages[""].paths[file_type].read_text(encoding="ascii").splitlines()[:200]:
            assert _reformatted(file_type, line) == line, file_type


def test_cclfb_rows_belong_to_a_cclf5_or_cclf6_line_of_their_package(packages: dict[str, Package]) -> None:
    for kind, pkg in packages.items():
        lines = _part_b_lines(pkg)
        rows = pkg.rows("CCLFB", *CCLFB_FIELDS)
        assert rows, kind
        keys = [(r["CUR_CLM_UNIQ_ID"], r["CLM_LINE_NUM"]) for r in rows]
        assert len(set(keys)) == len(keys), kind  # one row per claim line record
        for key, r in zip(keys, rows, strict=True):
            line = lines[key]
            assert (r["BENE_MBI_ID"], r["CLM_TYPE_CD"]) == (line["BENE_MBI_ID"], line["CLM_TYPE_CD"])


def test_codes_follow_every_version_of_their_claim_in_both_packages(packages: dict[str, Package]) -> None:
    """Whichever version of a claim a package carries (original, adjustment, cancellation, run-out
    repeat), its CCLFA/CCLFB row comes with it under that version's CUR_CLM_UNIQ_ID."""
    for head, codes_file, key_of, code_key in (
        ("CCLF5", "CCLFB", lambda r: (r["CLM_CNTL_NUM"], r["CLM_LINE_NUM"]), ("CUR_CLM_UNIQ_ID", "CLM_LINE_NUM")),
        (
            "CCLF1",
            "CCLFA",
            lambda r: (r["BENE_MBI_ID"], r["PRVDR_OSCAR_NUM"], r["CLM_FROM_DT"], r["CLM_THRU_DT"], r["CLM_TYPE_CD"]),
            ("CUR_CLM_UNIQ_ID",),
        ),
    ):
        versions: dict[tuple[str, ...], list[tuple[str, bool]]] = defaultdict(list)
        for kind, pkg in packages.items():
            coded = {tuple(r[k] for k in code_key) for r in pkg.rows(codes_file, *code_key)}
            fields = B_FIELDS if head == "CCLF5" else A_FIELDS
            for r in pkg.rows(head, *fields):
                own = (r["CUR_CLM_UNIQ_ID"], r["CLM_LINE_NUM"]) if head == "CCLF5" else (r["CUR_CLM_UNIQ_ID"],)
                versions[key_of(r)].append((kind + r["CLM_ADJSMT_TYPE_CD"], own in coded))
        with_codes = [v for v in versions.values() if any(c for _, c in v)]
        assert with_codes, head
        assert all(all(c for _, c in v) for v in with_codes), head
        if head == "CCLF5":  # later versions in both packages, not only originals
            kinds = {k for v in with_codes for k, _ in v}
            assert {"0", "2"} <= kinds and kinds & {"R0", "R1", "R2"}, kinds


def test_benefit_enhancement_indicators_only_on_designated_acos_claims_in_the_py(
    packages: dict[str, Package], world_lists: dict[str, Any]
) -> None:
    pkg = packages[""]
    cur = _current(pkg)
    tin_aco, ccn_aco = world_lists["tin_aco"], world_lists["ccn_aco"]

    def uses(aco: str | None, benefit: str) -> bool:
        return aco is not None and benefit in benefit_enhancements(aco)

    lines = _part_b_lines(pkg)
    headers = pkg.rows("CCLF1", *A_FIELDS)
    discharges: dict[str, list[datetime.date]] = defaultdict(list)
    stays: dict[tuple[str, str], int] = {}
    for h in headers:
        if h["CLM_TYPE_CD"] == "60":
            mbi, thru = cur(h["BENE_MBI_ID"]), datetime.date.fromisoformat(h["CLM_THRU_DT"])
            discharges[mbi].append(thru)
            stays[(mbi, h["CLM_THRU_DT"])] = (thru - datetime.date.fromisoformat(h["CLM_FROM_DT"])).days
    # the ACOs each beneficiary gets care from (participant TINs on CCLF5, CCNs on CCLF1)
    seen_by: dict[str, set[str]] = defaultdict(set)
    for line in lines.values():
        if line["file"] == "CCLF5" and line["CLM_RNDRG_PRVDR_TAX_NUM"] in tin_aco:
            seen_by[cur(line["BENE_MBI_ID"])].add(tin_aco[line["CLM_RNDRG_PRVDR_TAX_NUM"]])
    for h in headers:
        if h["PRVDR_OSCAR_NUM"] in ccn_aco:
            seen_by[cur(h["BENE_MBI_ID"])].add(ccn_aco[h["PRVDR_OSCAR_NUM"]])

    found: Counter[tuple[str, str | None]] = Counter()
    for r in pkg.rows("CCLFB", *CCLFB_FIELDS):
        line = lines[(r["CUR_CLM_UNIQ_ID"], r["CLM_LINE_NUM"])]
        aco = tin_aco.get(line.get("CLM_RNDRG_PRVDR_TAX_NUM", ""))
        in_py = PY_FIRST <= line["CLM_LINE_FROM_DT"] <= PY_LAST
        assert r["CLM_LINE_NGACO_SNF_WVR_SW"] == ""
        assert {r[f] for f in CCLFB_FIELDS if f.endswith("_SW")} <= {"", "Y"}
        if r["CLM_LINE_NGACO_TLHLTH_SW"] == "Y":
            found["telehealth", aco] += 1
            assert in_py and uses(aco, "telehealth"), line
            assert line["CLM_POS_CD"] in ("02", "10") and line["CLM_LINE_HCPCS_CD"] in codes.PQEM_HCPCS, line
        if r["CLM_LINE_NGACO_PDSCHRG_HCBS_SW"] == "Y":
            found["post_discharge", aco] += 1
            assert in_py and uses(aco, "post_discharge_home_visits"), line
            assert line["CLM_LINE_HCPCS_CD"] in HOME_VISITS, line
            visit = datetime.date.fromisoformat(line["CLM_LINE_FROM_DT"])
            assert any(1 <= (visit - d).days <= 30 for d in discharges[cur(line["BENE_MBI_ID"])]), line
        if r["CLM_NGACO_CMG_WVR_SW"] == "Y":
            found["care_management", aco] += 1
            assert in_py and uses(aco, "care_management_home_visits"), line
            assert line["CLM_LINE_HCPCS_CD"] in HOME_VISITS, line
    for r in pkg.rows("CCLFA", *CCLFA_FIELDS):
        assert {r[f] for f in CCLFA_FIELDS if f.endswith("_SW")} <= {"", "Y"}
        assert r["CLM_NGACO_SNF_WVR_SW"] == "Y"  # the only Part A indicator the world uses
        assert r["CLM_TYPE_CD"] == "20" and PY_FIRST <= r["CLM_ACTV_CARE_FROM_DT"] <= PY_LAST, r
        mbi = cur(r["BENE_MBI_ID"])
        assert any(uses(a, "snf_3day_waiver") for a in seen_by[mbi]), r
        assert stays[(mbi, r["CLM_ACTV_CARE_FROM_DT"])] < 3, r  # what the 3-day waiver is for
        found["snf_3day_waiver", "L0001"] += 1
    assert found["telehealth", "L0001"] and found["telehealth", "L0002"], found
    assert found["post_discharge", "L0001"] and found["care_management", "L0002"], found
    assert found["snf_3day_waiver", "L0001"], found
    # selective: telehealth visits by the ACO without Benefit Enhancements carry no indicator
    unflagged = {
        key
        for key, line in lines.items()
        if line["file"] == "CCLF5"
        and line["CLM_POS_CD"] in ("02", "10")
        and tin_aco.get(line["CLM_RNDRG_PRVDR_TAX_NUM"]) == "L0003"
        and PY_FIRST <= line["CLM_LINE_FROM_DT"] <= PY_LAST
    }
    assert unflagged


def test_capitation_reductions_only_on_capitated_preferred_providers_lines(
    packages: dict[str, Package], world_lists: dict[str, Any]
) -> None:
    preferred = world_lists["preferred"]
    reduced_acos: set[str] = set()
    for kind, pkg in packages.items():
        lines = _part_b_lines(pkg)
        n_reduced = 0
        for r in pkg.rows("CCLFB", *CCLFB_FIELDS):
            line = lines[(r["CUR_CLM_UNIQ_ID"], r["CLM_LINE_NUM"])]
            if not r["CLM_PBP_RDCTN_AMT"]:
                assert not r["CLM_PBP_INCLSN_AMT"]
                assert r["CLM_LINE_NGACO_PBPMT_SW"] == r["CLM_LINE_NGACO_CPTATN_SW"] == ""
                continue
            n_reduced += 1
            provider = preferred.get((line.get("CLM_RNDRG_PRVDR_TAX_NUM"), line.get("RNDRG_PRVDR_NPI_NUM")))
            assert provider and provider["capitation"] in CAPITATED, line
            assert PY_FIRST <= line["CLM_LINE_FROM_DT"] <= PY_LAST, line
            paid, reduction = Decimal(line["CLM_LINE_CVRD_PD_AMT"]), Decimal(r["CLM_PBP_RDCTN_AMT"])
            inclusion = Decimal(r["CLM_PBP_INCLSN_AMT"])
            assert inclusion == paid + reduction, (line, r)
            cancelled = line["CLM_ADJSMT_TYPE_CD"] == "1"
            assert (reduction < 0 and paid < 0) if cancelled else (reduction > 0 and paid > 0), (line, r)
            assert abs(reduction - inclusion * WITHHELD[provider["capitation"]]) <= Decimal("0.01"), (line, r)
            switch = "CLM_LINE_NGACO_CPTATN_SW" if provider["capitation"] == "tcc" else "CLM_LINE_NGACO_PBPMT_SW"
            assert r[switch] == "Y", r
            reduced_acos.add(provider["aco_id"])
        assert n_reduced, kind
    assert reduced_acos == set(world_lists["acos"])  # every ACO has a capitated provider who bills


def test_codes_table_follows_adjustments_and_cancellations() -> None:
    """The rows derived for a version carry its id and amounts: a reduction scales with an
    adjustment and is negated by a cancellation, inclusion = paid + reduction each time."""
    from apps.claims.generator import _Codes

    line = Table(
        3,
        {
            "CUR_CLM_UNIQ_ID": np.array([11, 12, 13]),
            "CLM_LINE_NUM": np.array([1, 1, 2]),
            "BENE_MBI_ID": np.array([b"1EG4TE5MK73"] * 3, dtype="S11"),
            "CLM_TYPE_CD": 71,
            "CLM_LINE_CVRD_PD_AMT": np.array([7500, 3000, 0]),
            "_line": np.array([0, 1, 2]),
        },
    )
    cc = _Codes(
        "CCLFB",
        "_line",
        {"CLM_LINE_NGACO_TLHLTH_SW": np.array([True, False, False])},
        np.array([0.0, 1 / 3, 0.0]),
    )
    adjusted = line.take(np.array([0, 1]))
    adjusted["CUR_CLM_UNIQ_ID"] = np.array([21, 22])
    adjusted["CLM_LINE_CVRD_PD_AMT"] = np.array([8000, -3000])  # an adjustment, a cancellation
    fields = [
        layout("CCLFB").field(n)
        for n in ("CUR_CLM_UNIQ_ID", "CLM_LINE_NGACO_TLHLTH_SW", "CLM_PBP_INCLSN_AMT", "CLM_PBP_RDCTN_AMT")
    ]
    for version, expected in (
        (line, [("0000000000011", "Y", "", ""), ("0000000000012", "", "40.00", "10.00")]),
        (adjusted, [("0000000000021", "Y", "", ""), ("0000000000022", "", "-40.00", "-10.00")]),
    ):
        buf = render(layout("CCLFB"), cc.table(version))
        rows = [bytes(r[:-1]).decode() for r in buf]
        assert [tuple(row[f.slice].strip() for f in fields) for row in rows] == expected
