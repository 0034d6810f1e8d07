"""A delivery built by hand exactly per the CCLF Information Packet v38, as CMS sends it: a PY2027
monthly package and the PY2027 run-out package, each with all eleven files and a CCLF0 of a header
row and one detail row per file (Tables 25 and 26). One file has CRLF line ends, two have their
trailing blanks stripped, two run-out files are empty.

The records are written here by a small writer of this test's own, from the positions in the
packet's layout table (``reference/cclf/layouts.csv``, read with ``csv``), not by the project's
``fixedwidth`` writer or its generator: text left-justified, ``9(n)`` zero-padded, amounts
right-justified. Every expected figure below is worked out by hand from the records.

The same records delivered as two monthly packages (the run-out package named ``Y`` instead of
``R``) must give the same alignment, quality and money to the cent: a run-out package is netted
with the year's monthly packages, nothing more and nothing less.
"""

from __future__ import annotations

import csv
import datetime
import io
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.db import connection
from django.db.models import Sum

from apps.acos.models import ACO, Election, ParticipantTIN
from apps.claims import models
from apps.claims.models import CCLFFile, IngestRun
from apps.performance.models import PerformanceSummary, PipelineRun
from apps.quality.models import MeasureResult
from tests.claims.cclf_builders import cclf0_row, errors_of, ingest

pytestmark = pytest.mark.django_db

LAYOUTS = Path(__file__).resolve().parents[2] / "reference" / "cclf" / "layouts.csv"
ACO_CODE = "D0001"
TIN, OTHER_TIN, NPI = "111000001", "999000001", "1234567893"
M1, M2, M3 = "1AA0AA0AA01", "1AA0AA0AA02", "1AA0AA0AA03"
M2_OLD = "1AA0AA0AA12"  # M2's previous MBI: the crosswalk links it to M2
MONTHLY_AT = datetime.datetime(2028, 1, 5, 4, 15, 30)
RUNOUT_AT = datetime.datetime(2028, 4, 2, 4, 15, 30)


def _positions() -> dict[str, dict[str, tuple[int, int, str]]]:
    out: dict[str, dict[str, tuple[int, int, str]]] = {}
    with open(LAYOUTS, newline="", encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            out.setdefault(row["file"], {})[row["field"]] = (int(row["start"]), int(row["end"]), row["format"])
    return out


POSITIONS = _positions()


def rec(file_type: str, **values: Any) -> str:
    """One record at the packet's positions: text left-justified, 9(n) zero-padded, amounts (and
    quantities) right-justified, everything else blank."""
    fields = POSITIONS[file_type]
    line = [" "] * max(end for _, end, _ in fields.values())
    for name, value in values.items():
        start, end, fmt = fields[name]
        width = end - start + 1
        if fmt.upper().startswith("9("):
            text = str(value).zfill(width)
        elif name.endswith(("_AMT", "_QTY")):
            text = str(value).rjust(width)
        else:
            text = str(value).ljust(width)
        assert len(text) == width, (file_type, name, value)
        line[start - 1 : end] = text
    return "".join(line)


def bene(mbi: str, zip_code: str = "21201", **kw: Any) -> str:
    return rec(
        "CCLF8",
        BENE_MBI_ID=mbi,
        BENE_FIPS_STATE_CD="24",
        BENE_FIPS_CNTY_CD="510",
        BENE_ZIP_CD=zip_code,
        BENE_DOB="1950-06-15",
        BENE_SEX_CD="2",
        BENE_AGE="77",
        BENE_MDCR_STUS_CD="10",
        BENE_DUAL_STUS_CD="NA",
        BENE_1ST_NAME="ANN",
        BENE_LAST_NAME="LEE",
        BENE_PART_A_ENRLMT_BGN_DT="2015-03-01",
        BENE_PART_B_ENRLMT_BGN_DT="2015-03-01",
        GEO_USPS_STATE_CD="MD",
        GEO_ZIP5_CD=zip_code,
        **kw,
    )


def visit(uniq: int, cntl: str, mbi: str, day: str, hcpcs: str, paid: str, allowed: str, **kw: Any) -> str:
    values: dict[str, Any] = {
        "CUR_CLM_UNIQ_ID": uniq,
        "CLM_LINE_NUM": 1,
        "BENE_MBI_ID": mbi,
        "CLM_TYPE_CD": 71,
        "CLM_FROM_DT": day,
        "CLM_THRU_DT": day,
        "CLM_PRVDR_SPCLTY_CD": "08",
        "CLM_POS_CD": "11",
        "CLM_LINE_FROM_DT": day,
        "CLM_LINE_THRU_DT": day,
        "CLM_LINE_HCPCS_CD": hcpcs,
        "CLM_LINE_CVRD_PD_AMT": paid,
        "CLM_LINE_DGNS_CD": "I10",
        "CLM_RNDRG_PRVDR_TAX_NUM": TIN,
        "RNDRG_PRVDR_NPI_NUM": NPI,
        "CLM_CARR_PMT_DNL_CD": "1",
        "CLM_ADJSMT_TYPE_CD": "0",
        "CLM_EFCTV_DT": day,
        "CLM_CNTL_NUM": cntl,
        "CLM_LINE_ALOWD_CHRG_AMT": allowed,
        "CLM_DGNS_1_CD": "I10",
    }
    return rec("CCLF5", **(values | kw))


def stay(uniq: int, paid: str, adjustment: str, effective: str) -> str:
    return rec(
        "CCLF1",
        CUR_CLM_UNIQ_ID=uniq,
        PRVDR_OSCAR_NUM="210001",
        BENE_MBI_ID=M1,
        CLM_TYPE_CD="60",
        CLM_FROM_DT="2027-03-01",
        CLM_THRU_DT="2027-03-05",
        CLM_BILL_FAC_TYPE_CD="1",
        CLM_BILL_CLSFCTN_CD="1",
        PRNCPL_DGNS_CD="I5022",
        CLM_PMT_AMT=paid,
        BENE_PTNT_STUS_CD="01",
        DGNS_DRG_CD="0291",
        ATNDG_PRVDR_NPI_NUM=NPI,
        CLM_ADJSMT_TYPE_CD=adjustment,
        CLM_EFCTV_DT=effective,
        CLM_ADMSN_TYPE_CD="1",
    )


def revenue(uniq: int, line: int, mbi: str, claim_type: str, paid: str, day: str = "2027-03-01") -> str:
    return rec(
        "CCLF2",
        CUR_CLM_UNIQ_ID=uniq,
        CLM_LINE_NUM=line,
        BENE_MBI_ID=mbi,
        CLM_TYPE_CD=claim_type,
        CLM_LINE_FROM_DT=day,
        CLM_LINE_THRU_DT=day,
        CLM_LINE_PROD_REV_CTR_CD="0120",
        PRVDR_OSCAR_NUM="210001",
        CLM_FROM_DT=day,
        CLM_THRU_DT=day,
        CLM_LINE_CVRD_PD_AMT=paid,
    )


def monthly_files() -> dict[str, list[str]]:
    return {
        "CCLF1": [
            stay(1001, "10000.00", "0", "2027-03-10"),
            rec(
                "CCLF1",
                CUR_CLM_UNIQ_ID=1002,
                PRVDR_OSCAR_NUM="210001",
                BENE_MBI_ID=M2,
                CLM_TYPE_CD="40",
                CLM_FROM_DT="2027-06-10",
                CLM_THRU_DT="2027-06-10",
                CLM_BILL_FAC_TYPE_CD="1",
                CLM_BILL_CLSFCTN_CD="3",
                PRNCPL_DGNS_CD="E119",
                CLM_PMT_AMT="500.00",
                CLM_ADJSMT_TYPE_CD="0",
                CLM_EFCTV_DT="2027-06-20",
            ),
        ],
        "CCLF2": [
            revenue(1001, 1, M1, "60", "6000.00"),
            revenue(1001, 2, M1, "60", "4000.00"),
            revenue(1002, 1, M2, "40", "500.00", "2027-06-10"),
        ],
        "CCLF3": [
            rec(
                "CCLF3",
                CUR_CLM_UNIQ_ID=1001,
                BENE_MBI_ID=M1,
                CLM_TYPE_CD="60",
                CLM_VAL_SQNC_NUM="1",
                CLM_PRCDR_CD="5A1935Z",
                PRVDR_OSCAR_NUM="210001",
            )
        ],  # fmt: skip
        "CCLF4": [
            rec(
                "CCLF4",
                CUR_CLM_UNIQ_ID=1001,
                BENE_MBI_ID=M1,
                CLM_TYPE_CD="60",
                CLM_VAL_SQNC_NUM="1",
                CLM_DGNS_CD="I5022",
                PRVDR_OSCAR_NUM="210001",
            ),
            rec(
                "CCLF4",
                CUR_CLM_UNIQ_ID=1002,
                BENE_MBI_ID=M2,
                CLM_TYPE_CD="40",
                CLM_VAL_SQNC_NUM="1",
                CLM_DGNS_CD="E119",
                PRVDR_OSCAR_NUM="210001",
            ),
        ],  # fmt: skip
        "CCLF5": [
            # Alignment years for PY2027: AY1 2024-07..2025-06, AY2 2025-07..2026-06.
            visit(2001, "B1", M1, "2025-08-01", "99213", "80.00", "100.00"),
            # Filed under M2's previous MBI: the crosswalk brings it to M2. Specialty 01.
            visit(2002, "B2", M2_OLD, "2025-09-01", "99214", "96.00", "120.00", CLM_PRVDR_SPCLTY_CD="01"),
            visit(2003, "B3", M3, "2025-10-01", "99213", "80.00", "100.00", CLM_RNDRG_PRVDR_TAX_NUM=OTHER_TIN),
            visit(2004, "B4", M1, "2027-02-01", "99214", "100.00", "125.00"),
            visit(2005, "B5", M2, "2027-05-10", "99213", "60.00", "75.00"),
        ],
        "CCLF6": [
            rec(
                "CCLF6",
                CUR_CLM_UNIQ_ID=3001,
                CLM_LINE_NUM=1,
                BENE_MBI_ID=M2,
                CLM_TYPE_CD="82",
                CLM_FROM_DT="2027-04-01",
                CLM_LINE_FROM_DT="2027-04-01",
                CLM_LINE_HCPCS_CD="E0601",
                CLM_LINE_CVRD_PD_AMT="250.00",
                CLM_CARR_PMT_DNL_CD="1",
                CLM_ADJSMT_TYPE_CD="0",
                CLM_EFCTV_DT="2027-04-05",
                CLM_CNTL_NUM="D1",
                CLM_LINE_ALOWD_CHRG_AMT="300.00",
            )
        ],  # fmt: skip
        "CCLF7": [
            rec(
                "CCLF7",
                CUR_CLM_UNIQ_ID=4001,
                BENE_MBI_ID=M1,
                CLM_LINE_NDC_CD="00169413013",
                CLM_TYPE_CD="01",
                CLM_LINE_FROM_DT="2027-05-01",
                CLM_SRVC_PRVDR_GNRC_ID_NUM=NPI,
                CLM_LINE_SRVC_UNIT_QTY="1.0000",
                CLM_LINE_DAYS_SUPLY_QTY="30",
                CLM_LINE_BENE_PMT_AMT="25.00",
                CLM_ADJSMT_TYPE_CD="0",
                CLM_EFCTV_DT="2027-05-02",
                CLM_LINE_RX_SRVC_RFRNC_NUM="5001",
                CLM_LINE_RX_FILL_NUM="1",
            )
        ],  # fmt: skip
        "CCLF8": [bene(M1), bene(M2), bene(M3)],
        # Trailing blanks stripped (CRNT 2-12, PRVS 13-23, effective date 24-33, the rest blank).
        "CCLF9": [
            rec("CCLF9", HICN_MBI_XREF_IND="M", CRNT_NUM=M2, PRVS_NUM=M2_OLD, PRVS_ID_EFCTV_DT="2024-01-01").rstrip(),
            # A HICN link: kept, never used to merge anyone.
            rec("CCLF9", HICN_MBI_XREF_IND="H", CRNT_NUM=M3, PRVS_NUM="123456789A", PRVS_ID_EFCTV_DT="2019-01-01"),
        ],
        "CCLFA": [
            rec(
                "CCLFA",
                CUR_CLM_UNIQ_ID=1001,
                BENE_MBI_ID=M1,
                CLM_TYPE_CD="60",
                CLM_ACTV_CARE_FROM_DT="2027-03-01",
                CLM_NGACO_SNF_WVR_SW="N",
            )
        ],  # fmt: skip
        "CCLFB": [
            rec(
                "CCLFB",
                CUR_CLM_UNIQ_ID=2004,
                CLM_LINE_NUM=1,
                BENE_MBI_ID=M1,
                CLM_TYPE_CD="71",
                CLM_LINE_NGACO_TLHLTH_SW="Y",
                CLM_PBP_INCLSN_AMT="120.00",
                CLM_PBP_RDCTN_AMT="20.00",
            )
        ],  # fmt: skip
    }


def runout_files() -> dict[str, list[str]]:
    """PY2027's run-out: the stay adjusted to $12,000, B5 cancelled, a late December visit."""
    return {
        "CCLF1": [stay(1003, "12000.00", "2", "2028-02-15")],
        "CCLF2": [revenue(1003, 1, M1, "60", "7000.00"), revenue(1003, 2, M1, "60", "5000.00")],
        "CCLF3": [
            rec(
                "CCLF3",
                CUR_CLM_UNIQ_ID=1003,
                BENE_MBI_ID=M1,
                CLM_TYPE_CD="60",
                CLM_VAL_SQNC_NUM="1",
                CLM_PRCDR_CD="5A1935Z",
                PRVDR_OSCAR_NUM="210001",
            )
        ],  # fmt: skip
        "CCLF4": [
            rec(
                "CCLF4",
                CUR_CLM_UNIQ_ID=1003,
                BENE_MBI_ID=M1,
                CLM_TYPE_CD="60",
                CLM_VAL_SQNC_NUM="1",
                CLM_DGNS_CD="I5022",
                PRVDR_OSCAR_NUM="210001",
            )
        ],  # fmt: skip
        "CCLF5": [
            visit(
                2006,
                "B5",
                M2,
                "2027-05-10",
                "99213",
                "-60.00",
                "-75.00",
                CLM_ADJSMT_TYPE_CD="1",
                CLM_EFCTV_DT="2028-02-01",
            ),
            visit(2007, "B7", M1, "2027-12-20", "99213", "75.00", "95.00", CLM_EFCTV_DT="2028-01-20"),
        ],  # fmt: skip
        "CCLF6": [],
        "CCLF7": [],
        # M3 moved within Baltimore; trailing blanks stripped.
        "CCLF8": [bene(M1).rstrip(), bene(M2).rstrip(), bene(M3, zip_code="21202").rstrip()],
        "CCLF9": [rec("CCLF9", HICN_MBI_XREF_IND="M", CRNT_NUM=M2, PRVS_NUM=M2_OLD, PRVS_ID_EFCTV_DT="2024-01-01")],
        "CCLFA": [
            rec(
                "CCLFA",
                CUR_CLM_UNIQ_ID=1003,
                BENE_MBI_ID=M1,
                CLM_TYPE_CD="60",
                CLM_ACTV_CARE_FROM_DT="2027-03-01",
                CLM_NGACO_SNF_WVR_SW="Y",
            )
        ],  # fmt: skip
        "CCLFB": [
            rec(
                "CCLFB",
                CUR_CLM_UNIQ_ID=2007,
                CLM_LINE_NUM=1,
                BENE_MBI_ID=M1,
                CLM_TYPE_CD="71",
                CLM_LINE_NGACO_TLHLTH_SW="Y",
                CLM_PBP_INCLSN_AMT="90.00",
                CLM_PBP_RDCTN_AMT="15.00",
            )
        ],  # fmt: skip
    }


def name(file_type: str, at: datetime.datetime, kind: str) -> str:
    """P.<ACO>.ACO.ZC<n><Y|R><yy>.D<yymmdd>.T<hhmmsst>, written out by hand."""
    return f"P.{ACO_CODE}.ACO.ZC{file_type[-1]}{kind}27.D{at:%y%m%d}.T{at:%H%M%S}0"


def write(
    folder: Path, files: dict[str, list[str]], at: datetime.datetime, kind: str, crlf: tuple[str, ...] = ()
) -> None:
    folder.mkdir(parents=True)
    for file_type, lines in files.items():
        newline = "\r\n" if file_type in crlf else "\n"
        (folder / name(file_type, at, kind)).write_bytes("".join(line + newline for line in lines).encode("ascii"))
    summary = ["File Number  |File Description    |Total Records Count |Record Length"]
    summary += [cclf0_row(t, len(lines)) for t, lines in sorted(files.items())]
    (folder / name("CCLF0", at, kind)).write_text("".join(row + "\n" for row in summary))


def deliver(folder: Path, runout_kind: str) -> Path:
    write(folder / "monthly", monthly_files(), MONTHLY_AT, "Y", crlf=("CCLF5",))
    write(folder / "runout", runout_files(), RUNOUT_AT, runout_kind)
    return folder


def world() -> ACO:
    aco = ACO.objects.create(aco_id="L0001", legal_name="Harbor ACO", states=["MD"])
    Election.objects.create(aco=aco, performance_year=2027, risk_option="global")
    ParticipantTIN.objects.create(
        aco=aco, performance_year=2027, tin=TIN, legal_name="Harbor Family Medicine", practice_zip="21201"
    )
    return aco


def outcome(tmp_path: Path) -> dict[str, Any]:
    """Alignment, quality and money after ``run_pipeline``, without run ids and dates."""
    call_command("run_pipeline", performance_year=2027, stdout=io.StringIO())
    run = PipelineRun.objects.get()
    assert run.status == PipelineRun.Status.SUCCEEDED, run.message
    out = tmp_path / "alignment.csv"
    call_command("export_alignment", aco="L0001", performance_year=2027, out=str(out), stdout=io.StringIO())
    data = PerformanceSummary.objects.get(run=run).data
    quality = sorted(
        MeasureResult.objects.filter(run_id=run.quality_run_id).values_list(
            "aco__aco_id", "measure", "numerator", "denominator", "score_rate", "points", "scored"
        )
    )
    return {
        "alignment": out.read_text(),
        "quality": quality,
        "settlement": data["settlement"],
        "cohorts": data["cohorts"],
        "months": data["months"],
        "categories": data["categories"],
        "vintage": {k: data["vintage"][k] for k in ("packages", "runout_packages")},
    }


def test_a_delivery_built_by_hand_per_the_packet_loads_and_holds_what_the_files_hold(tmp_path: Path) -> None:
    run = ingest(deliver(tmp_path / "delivery", "R"))
    assert run.status == IngestRun.Status.SUCCEEDED, errors_of(run)
    # Records per file, counted by hand (the run-out's CCLF6 and CCLF7 are empty).
    records = dict(CCLFFile.objects.values_list("name", "records"))
    expected = {
        "Y": {"1": 2, "2": 3, "3": 1, "4": 2, "5": 5, "6": 1, "7": 1, "8": 3, "9": 2, "A": 1, "B": 1},
        "R": {"1": 1, "2": 2, "3": 1, "4": 1, "5": 2, "6": 0, "7": 0, "8": 3, "9": 1, "A": 1, "B": 1},
    }
    at = {"Y": MONTHLY_AT, "R": RUNOUT_AT}
    assert records == {name(f"CCLF{n}", at[k], k): c for k, counts in expected.items() for n, c in counts.items()}
    assert set(CCLFFile.objects.filter(runout=True).values_list("package", flat=True)) == {"P.D0001.ACO.ZC*R27.D280402"}

    # Netted paid amounts: Part A 12,000 (the run-out's adjustment) + 500; Part B 80 + 96 + 80 + 100 +
    # 75 (B5 cancelled); DME 250; revenue lines 7,000 + 5,000 + 500; reductions 20 + 15.
    def paid(model: Any, column: str) -> Decimal:
        return model.objects.filter(is_current=True).aggregate(total=Sum(column))["total"]

    assert paid(models.PartAClaim, "clm_pmt_amt") == Decimal("12500.00")
    assert paid(models.PartBLine, "clm_line_cvrd_pd_amt") == Decimal("431.00")
    assert paid(models.DMELine, "clm_line_cvrd_pd_amt") == Decimal("250.00")
    assert paid(models.PartARevenueLine, "clm_line_cvrd_pd_amt") == Decimal("12500.00")
    assert paid(models.PartBBenefitCodes, "clm_pbp_rdctn_amt") == Decimal("35.00")
    current_a = models.PartABenefitCodes.objects.filter(is_current=True)
    assert list(current_a.values_list("cur_clm_uniq_id", "clm_ngaco_snf_wvr_sw")) == [(1003, "Y")]
    # B2 was filed under M2's previous MBI; the HICN row linked no one.
    assert models.PartBLine.objects.get(clm_cntl_num="B2").current_mbi == M2
    assert models.MBIXref.objects.filter(hicn_mbi_xref_ind="H").count() == 1
    assert set(models.MBIMap.objects.values_list("mbi", "current_mbi")) == {(M2_OLD, M2)}
    # The latest CCLF8 (the run-out's) wins: M3's new ZIP.
    assert models.Beneficiary.objects.get(mbi=M3).zip_code == "21202"
    notes = {(n["file"], n["note"]) for n in run.report["notes"]}
    assert (name("CCLF5", MONTHLY_AT, "Y"), "CRLF line ends (5 records)") in notes
    padded = "trailing blanks stripped; padded back to the layout length"
    assert (name("CCLF9", MONTHLY_AT, "Y"), f"1 record had {padded}") in notes
    assert (name("CCLF8", RUNOUT_AT, "R"), f"3 records had {padded}") in notes


def test_the_run_out_gives_the_same_alignment_quality_and_money_as_a_monthly_package(tmp_path: Path) -> None:
    seeded = connection.creation.serialize_db_to_string()  # the parameters and catalogues migrations seed
    world()
    run = ingest(deliver(tmp_path / "as-runout", "R"))
    assert run.status == IngestRun.Status.SUCCEEDED, errors_of(run)
    with_runout = outcome(tmp_path)
    # Worked by hand: M1 (B1, the ACO's TIN, AY2) and M2 (B2 under its old MBI) are claims-aligned
    # at step 1; M3 went to another TIN.
    assert with_runout["alignment"].splitlines() == [
        "mbi,aco_id,alignment_type,step,tin,npi",
        f"{M1},L0001,claims,1,{TIN},{NPI}",
        f"{M2},L0001,claims,1,{TIN},{NPI}",
    ]
    # PY expenditure: M1 12,000 + 100 + 75; M2 500 + 250 (B5 cancelled) = 12,925.00; withheld 20 + 15.
    assert with_runout["settlement"]["expenditure"] == 12925.0
    assert with_runout["settlement"]["capitation_reduction"]["amount"] == 35.0
    # The money page, reports and API say a run-out package is in the data.
    assert with_runout.pop("vintage") == {
        "packages": [
            {"kind": "monthly", "runout": False, "performance_year": 2027, "produced": "2028-01-05"},
            {"kind": "run-out", "runout": True, "performance_year": 2027, "produced": "2028-04-02"},
        ],
        "runout_packages": 1,
    }

    # A fresh start for the second delivery: the database as the migrations left it.
    call_command("flush", interactive=False, verbosity=0, inhibit_post_migrate=True)
    connection.creation.deserialize_db_from_string(seeded)
    cache.clear()
    world()
    run = ingest(deliver(tmp_path / "as-monthly", "Y"))
    assert run.status == IngestRun.Status.SUCCEEDED, errors_of(run)
    assert not CCLFFile.objects.filter(runout=True).exists()
    as_monthly = outcome(tmp_path)
    assert as_monthly.pop("vintage")["runout_packages"] == 0
    assert as_monthly == with_runout
