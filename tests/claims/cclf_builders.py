"""Small hand-made CCLF packages for the claims tests.

Records are written with ``fixedwidth.format_record`` (the layout's widths and padding), one
builder per file type with valid defaults so a test names only the fields it cares about;
``splice`` puts raw text (a bad date, a zero-padded amount) into a field of a written record.
``write_package`` writes the files under their CMS names with a CCLF0 summary that is written here
by hand from the CCLF Information Packet (Tables 25 and 26), not by the project's own writer: a
misreading shared by the writer and the reader cannot pass both.
"""

from __future__ import annotations

import datetime
import zipfile
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.db.models import Model

from apps.claims import loader, models, services
from apps.claims.filenames import make_name
from apps.claims.fixedwidth import format_record
from apps.claims.layouts import layout
from apps.claims.models import Beneficiary, CCLFFile, IngestRun, MBIMap

ACO = "L9001"
PY = 2027
# The package date: D270115.T1200000 in the file names.
DAY = datetime.datetime(2027, 1, 15, 12, 0, 0)
LATER = datetime.datetime(2027, 2, 15, 12, 0, 0)
NPI = "1234567893"  # passes the Luhn check with prefix 80840 (see tests/factories.py)


def mbi(n: int) -> str:
    """A valid MBI (digit, letter, letter, digit, letter, letter, digit, letter, letter, 2 digits)."""
    return f"1AA0AA0AA{n:02d}"


def record(file_type: str, values: dict[str, Any]) -> str:
    return format_record(layout(file_type), values)


def splice(line: str, file_type: str, field: str, raw: str) -> str:
    """``line`` with ``raw`` in place of ``field`` (left-justified if shorter than the field)."""
    f = layout(file_type).field(field)
    raw = raw.ljust(f.length)
    assert len(raw) == f.length, f"{raw!r} is wider than {field}"
    return line[: f.start - 1] + raw + line[f.end :]


def part_a_header(uniq: int, **kw: Any) -> str:
    """CCLF1: an inpatient claim (type 60), original, at provider 210001."""
    values = {
        "CUR_CLM_UNIQ_ID": uniq,
        "PRVDR_OSCAR_NUM": "210001",
        "BENE_MBI_ID": mbi(1),
        "CLM_TYPE_CD": 60,
        "CLM_FROM_DT": "2026-03-01",
        "CLM_THRU_DT": "2026-03-05",
        "CLM_PMT_AMT": "1000.00",
        "CLM_ADJSMT_TYPE_CD": "0",
        "CLM_EFCTV_DT": "2026-03-10",
    }
    return record("CCLF1", values | kw)


def part_a_line(uniq: int, line: int, **kw: Any) -> str:
    """CCLF2: a revenue center line of claim ``uniq``."""
    values = {
        "CUR_CLM_UNIQ_ID": uniq,
        "CLM_LINE_NUM": line,
        "BENE_MBI_ID": mbi(1),
        "CLM_TYPE_CD": 60,
        "PRVDR_OSCAR_NUM": "210001",
        "CLM_FROM_DT": "2026-03-01",
        "CLM_THRU_DT": "2026-03-05",
        "CLM_LINE_PROD_REV_CTR_CD": "0120",
        "CLM_LINE_CVRD_PD_AMT": "100.00",
    }
    return record("CCLF2", values | kw)


def procedure(uniq: int, seq: int = 1, **kw: Any) -> str:
    values = {
        "CUR_CLM_UNIQ_ID": uniq,
        "BENE_MBI_ID": mbi(1),
        "CLM_TYPE_CD": 60,
        "CLM_VAL_SQNC_NUM": seq,
        "CLM_PRCDR_CD": "02HV33Z",
        "PRVDR_OSCAR_NUM": "210001",
    }
    return record("CCLF3", values | kw)


def diagnosis(uniq: int, seq: int = 1, **kw: Any) -> str:
    values = {
        "CUR_CLM_UNIQ_ID": uniq,
        "BENE_MBI_ID": mbi(1),
        "CLM_TYPE_CD": 60,
        "CLM_VAL_SQNC_NUM": seq,
        "CLM_DGNS_CD": "I5020",
        "PRVDR_OSCAR_NUM": "210001",
    }
    return record("CCLF4", values | kw)


def part_b(uniq: int, cntl: str, line: int = 1, **kw: Any) -> str:
    """CCLF5: an office visit line (99214), original, paid (denial code 1)."""
    values = {
        "CUR_CLM_UNIQ_ID": uniq,
        "CLM_LINE_NUM": line,
        "BENE_MBI_ID": mbi(1),
        "CLM_TYPE_CD": 71,
        "CLM_FROM_DT": "2026-04-02",
        "CLM_THRU_DT": "2026-04-02",
        "CLM_LINE_FROM_DT": "2026-04-02",
        "CLM_LINE_THRU_DT": "2026-04-02",
        "CLM_LINE_HCPCS_CD": "99214",
        "CLM_LINE_CVRD_PD_AMT": "50.00",
        "CLM_RNDRG_PRVDR_TAX_NUM": "123456789",
        "RNDRG_PRVDR_NPI_NUM": NPI,
        "CLM_CARR_PMT_DNL_CD": "1",
        "CLM_ADJSMT_TYPE_CD": "0",
        "CLM_EFCTV_DT": "2026-04-10",
        "CLM_CNTL_NUM": cntl,
    }
    return record("CCLF5", values | kw)


def dme(uniq: int, cntl: str, line: int = 1, **kw: Any) -> str:
    values = {
        "CUR_CLM_UNIQ_ID": uniq,
        "CLM_LINE_NUM": line,
        "BENE_MBI_ID": mbi(1),
        "CLM_TYPE_CD": 82,
        "CLM_LINE_FROM_DT": "2026-04-05",
        "CLM_LINE_HCPCS_CD": "E0601",
        "CLM_LINE_CVRD_PD_AMT": "85.33",
        "CLM_CARR_PMT_DNL_CD": "1",
        "CLM_ADJSMT_TYPE_CD": "0",
        "CLM_EFCTV_DT": "2026-04-10",
        "CLM_CNTL_NUM": cntl,
    }
    return record("CCLF6", values | kw)


def part_a_paid(uniq: int, mbi_id: str, claim_type: int, day: str, paid: str, **kw: Any) -> str:
    """CCLF1: a one-day claim of ``mbi_id`` of type ``claim_type`` on ``day``, paid ``paid``."""
    return part_a_header(
        uniq, BENE_MBI_ID=mbi_id, CLM_TYPE_CD=claim_type, CLM_FROM_DT=day, CLM_THRU_DT=day, CLM_PMT_AMT=paid, **kw
    )


def part_b_paid(uniq: int, cntl: str, mbi_id: str, day: str, paid: str, **kw: Any) -> str:
    """CCLF5: a visit line of ``mbi_id`` on ``day``, paid ``paid``."""
    dates = {"CLM_FROM_DT": day, "CLM_THRU_DT": day, "CLM_LINE_FROM_DT": day, "CLM_LINE_THRU_DT": day}
    return part_b(uniq, cntl, BENE_MBI_ID=mbi_id, CLM_LINE_CVRD_PD_AMT=paid, **(dates | kw))


def part_d(uniq: int, rx: int, **kw: Any) -> str:
    """CCLF7: a 30-day fill of prescription ``rx`` at pharmacy 1234567893, fill number 1."""
    values = {
        "CUR_CLM_UNIQ_ID": uniq,
        "BENE_MBI_ID": mbi(1),
        "CLM_LINE_NDC_CD": "00169413013",
        "CLM_TYPE_CD": 1,
        "CLM_LINE_FROM_DT": "2026-05-01",
        "PRVDR_SRVC_ID_QLFYR_CD": "01",
        "CLM_SRVC_PRVDR_GNRC_ID_NUM": NPI,
        "CLM_LINE_SRVC_UNIT_QTY": "3",
        "CLM_LINE_DAYS_SUPLY_QTY": "30",
        "CLM_LINE_BENE_PMT_AMT": "25.00",
        "CLM_ADJSMT_TYPE_CD": "0",
        "CLM_EFCTV_DT": "2026-05-02",
        "CLM_LINE_RX_SRVC_RFRNC_NUM": rx,
        "CLM_LINE_RX_FILL_NUM": "1",
    }
    return record("CCLF7", values | kw)


def beneficiary(mbi_id: str, **kw: Any) -> str:
    values = {
        "BENE_MBI_ID": mbi_id,
        "BENE_FIPS_STATE_CD": 24,
        "BENE_FIPS_CNTY_CD": 5,
        "BENE_ZIP_CD": "21201",
        "BENE_DOB": "1950-06-15",
        "BENE_SEX_CD": "2",
        "BENE_AGE": 76,
        "BENE_MDCR_STUS_CD": "10",
        "BENE_DUAL_STUS_CD": "NA",
        "BENE_1ST_NAME": "MARY",
        "BENE_LAST_NAME": "SMITH",
        "GEO_USPS_STATE_CD": "MD",
        "GEO_ZIP5_CD": "21201",
    }
    return record("CCLF8", values | kw)


def xref(previous: str, current: str, **kw: Any) -> str:
    """CCLF9: ``previous`` was replaced by ``current``."""
    values = {"HICN_MBI_XREF_IND": "M", "CRNT_NUM": current, "PRVS_NUM": previous, "PRVS_ID_EFCTV_DT": "2020-01-01"}
    return record("CCLF9", values | kw)


def benefit_a(uniq: int, **kw: Any) -> str:
    """CCLFA: the BE and demo codes of Part A claim ``uniq`` (no indicator set)."""
    values = {"CUR_CLM_UNIQ_ID": uniq, "BENE_MBI_ID": mbi(1), "CLM_TYPE_CD": 60, "CLM_ACTV_CARE_FROM_DT": "2026-03-01"}
    return record("CCLFA", values | kw)


def benefit_b(uniq: int, line: int = 1, **kw: Any) -> str:
    """CCLFB: the BE and demo codes of Part B line ``line`` of claim ``uniq``."""
    values = {"CUR_CLM_UNIQ_ID": uniq, "CLM_LINE_NUM": line, "BENE_MBI_ID": mbi(1), "CLM_TYPE_CD": 71}
    return record("CCLFB", values | kw)


def file_name(
    file_type: str, produced_at: datetime.datetime = DAY, aco: str = ACO, runout: bool = False, year: int = PY
) -> str:
    return make_name(
        aco=aco, file_number=file_type.removeprefix("CCLF"), year=year, produced_at=produced_at, runout=runout
    )


# --- CCLF0, by hand from the Information Packet ---------------------------------------------------

# Table 25, the header row: the four labels left-justified in 1-13, 15-34, 36-55 and 57-69, "|" at
# 14, 35 and 56.
CCLF0_HEADER_ROW = "File Number  |File Description    |Total Records Count |Record Length"
# Table 26, element 3: the file name CMS writes for each file type.
CCLF0_NAMES = {
    "CCLF1": "Part A Claims Header File",
    "CCLF2": "Part A Claims Revenue Center Detail File",
    "CCLF3": "Part A Procedure Code File",
    "CCLF4": "Part A Diagnosis Code File",
    "CCLF5": "Part B Physicians File",
    "CCLF6": "Part B DME File",
    "CCLF7": "Part D File",
    "CCLF8": "Beneficiary Demographics File",
    "CCLF9": "BENE XREF File",
    "CCLFA": "Part A BE and Demo Codes File",
    "CCLFB": "Part B BE and Demo Codes File",
}
# Each layout's record length: the end position of its last field in Appendix B.
RECORD_LENGTHS = {
    "CCLF1": 437,
    "CCLF2": 199,
    "CCLF3": 114,
    "CCLF4": 112,
    "CCLF5": 388,
    "CCLF6": 247,
    "CCLF7": 195,
    "CCLF8": 549,
    "CCLF9": 55,
    "CCLFA": 324,
    "CCLFB": 128,
}


def cclf0_row(file_type: str, count: int, length: int | None = None) -> str:
    """A Table 26 detail row: type left-justified in 1-7, "|" at 8, name in 9-51, "|" at 52, count
    right-justified in 53-63, "|" at 64, record length right-justified in 65-69."""
    length = RECORD_LENGTHS[file_type] if length is None else length
    return f"{file_type:<7}|{CCLF0_NAMES[file_type]:<43}|{count:>11}|{length:>5}"


def cclf0_text(counts: dict[str, int], newline: str = "\n") -> str:
    return "".join(row + newline for row in [CCLF0_HEADER_ROW, *(cclf0_row(t, n) for t, n in sorted(counts.items()))])


def write_package(
    folder: Path,
    files: dict[str, list[str]],
    *,
    produced_at: datetime.datetime = DAY,
    counts: dict[str, int] | None = None,
    cclf0: bool = True,
    newline: str = "\n",
    runout: bool = False,
    year: int = PY,
) -> dict[str, Path]:
    """Write each file's records (one a line) under its CMS name, and a CCLF0 giving each file's
    record count (``counts`` overrides, for a CCLF0 that disagrees with the files)."""
    folder.mkdir(parents=True, exist_ok=True)
    paths: dict[str, Path] = {}
    for file_type, lines in files.items():
        path = folder / file_name(file_type, produced_at, runout=runout, year=year)
        path.write_bytes("".join(line + newline for line in lines).encode("latin-1"))
        paths[file_type] = path
    if cclf0:
        summary = {t: len(lines) for t, lines in files.items()} if counts is None else counts
        path = folder / file_name("CCLF0", produced_at, runout=runout, year=year)
        path.write_bytes(cclf0_text(summary, newline).encode("latin-1"))
        paths["CCLF0"] = path
    return paths


def zip_folder(folder: Path, target: Path, prefix: str = "") -> Path:
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(folder.iterdir()):
            archive.write(path, prefix + path.name)
    return target


def ingest(path: Path) -> IngestRun:
    """Load a folder or zip as ``manage.py ingest_cclf`` does (no queue, no user)."""
    run = services.ingest_run_create(source=str(path), acting_user=None, queue=False)
    return services.ingest_run_execute(run_id=run.pk, path=path)


def row_counts() -> dict[str, int]:
    """Rows in every table a load writes: the per-file tables, the files, the MBI map and the
    beneficiaries."""
    tables: dict[str, type[Model]] = {
        **loader.TABLES,
        "files": CCLFFile,
        "mbi_map": MBIMap,
        "beneficiaries": Beneficiary,
    }
    return {name: model._default_manager.count() for name, model in tables.items()}


def errors_of(run: IngestRun) -> list[tuple[str, int | None, str, str, str]]:
    return [(e.file_name, e.line, e.field, e.value, e.reason) for e in run.errors.order_by("id")]


# --- one record of each file, every field written and expected by hand ----------------------------

D = datetime.date
M1 = "1AA0AA0AA01"  # mbi(1)


class Raw(str):
    """Text written into the field as is (``splice``), not through the fixed-width writer."""


# (field, value written, value expected after loading), every field of each layout. Numbers are
# zero-padded or right-justified by the writer; text is left-justified, so every text value below
# reaches the loader with trailing spaces that must be gone.
FIELDS: dict[str, list[tuple[str, Any, Any]]] = {
    "CCLF1": [
        ("CUR_CLM_UNIQ_ID", 42, 42),  # 0000000000042
        ("PRVDR_OSCAR_NUM", "210001", "210001"),
        ("BENE_MBI_ID", M1, M1),
        ("BENE_HIC_NUM", "", ""),
        ("CLM_TYPE_CD", 60, 60),
        ("CLM_FROM_DT", "2026-03-01", D(2026, 3, 1)),
        ("CLM_THRU_DT", "2026-03-05", D(2026, 3, 5)),
        ("CLM_BILL_FAC_TYPE_CD", "1", "1"),
        ("CLM_BILL_CLSFCTN_CD", "1", "1"),
        ("PRNCPL_DGNS_CD", "I5020", "I5020"),
        ("ADMTG_DGNS_CD", "R0602", "R0602"),
        ("CLM_MDCR_NPMT_RSN_CD", "", ""),
        ("CLM_PMT_AMT", "12345.67", Decimal("12345.67")),
        ("CLM_NCH_PRMRY_PYR_CD", "", ""),
        ("PRVDR_FAC_FIPS_ST_CD", "24", "24"),
        ("BENE_PTNT_STUS_CD", "01", "01"),
        ("DGNS_DRG_CD", "0291", "0291"),  # text: the leading zero stays
        ("CLM_OP_SRVC_TYPE_CD", "", ""),
        ("FAC_PRVDR_NPI_NUM", NPI, NPI),
        ("OPRTG_PRVDR_NPI_NUM", "", ""),
        ("ATNDG_PRVDR_NPI_NUM", NPI, NPI),
        ("OTHR_PRVDR_NPI_NUM", "", ""),
        ("CLM_ADJSMT_TYPE_CD", "0", "0"),
        ("CLM_EFCTV_DT", "2026-03-10", D(2026, 3, 10)),
        ("CLM_IDR_LD_DT", "2026-03-12", D(2026, 3, 12)),
        ("BENE_EQTBL_BIC_HICN_NUM", "", ""),
        ("CLM_ADMSN_TYPE_CD", "1", "1"),
        ("CLM_ADMSN_SRC_CD", "7", "7"),
        ("CLM_BILL_FREQ_CD", "1", "1"),
        ("CLM_QUERY_CD", "3", "3"),
        ("DGNS_PRCDR_ICD_IND", "0", "0"),
        ("CLM_MDCR_INSTNL_TOT_CHRG_AMT", "45000.00", Decimal("45000")),
        ("CLM_MDCR_IP_PPS_CPTL_IME_AMT", "-12.50", Decimal("-12.5")),
        ("CLM_OPRTNL_IME_AMT", "", None),  # blank amount -> NULL
        ("CLM_MDCR_IP_PPS_DSPRPRTNT_AMT", "0.00", Decimal("0")),
        ("CLM_HIPPS_UNCOMPD_CARE_AMT", "310.25", Decimal("310.25")),
        ("CLM_OPRTNL_DSPRPRTNT_AMT", Raw("000001000.00"), Decimal("1000")),  # zero-padded, left-justified
        ("CLM_BLG_PRVDR_OSCAR_NUM", "210001", "210001"),
        ("CLM_BLG_PRVDR_NPI_NUM", NPI, NPI),
        ("CLM_OPRTG_PRVDR_NPI_NUM", "", ""),
        ("CLM_ATNDG_PRVDR_NPI_NUM", NPI, NPI),
        ("CLM_OTHR_PRVDR_NPI_NUM", "", ""),
        ("CLM_CNTL_NUM", "A0000000001", "A0000000001"),
        ("CLM_ORG_CNTL_NUM", "", ""),
        ("CLM_CNTRCTR_NUM", "12302", "12302"),
    ],
    "CCLF2": [
        ("CUR_CLM_UNIQ_ID", 42, 42),
        ("CLM_LINE_NUM", 1, 1),  # 0000000001
        ("BENE_MBI_ID", M1, M1),
        ("BENE_HIC_NUM", "123456789A", "123456789A"),  # 10 characters in an 11-wide field
        ("CLM_TYPE_CD", 60, 60),
        ("CLM_LINE_FROM_DT", "2026-03-01", D(2026, 3, 1)),
        ("CLM_LINE_THRU_DT", "2026-03-05", D(2026, 3, 5)),
        ("CLM_LINE_PROD_REV_CTR_CD", "0250", "0250"),
        ("CLM_LINE_INSTNL_REV_CTR_DT", Raw("1000-01-01"), None),  # CMS's "missing" date -> NULL
        ("CLM_LINE_HCPCS_CD", "J1100", "J1100"),
        ("BENE_EQTBL_BIC_HICN_NUM", "", ""),
        ("PRVDR_OSCAR_NUM", "210001", "210001"),
        ("CLM_FROM_DT", "2026-03-01", D(2026, 3, 1)),
        ("CLM_THRU_DT", "2026-03-05", D(2026, 3, 5)),
        ("CLM_LINE_SRVC_UNIT_QTY", "2.5", Decimal("2.5")),  # written 2.5000
        ("CLM_LINE_CVRD_PD_AMT", "-3.25", Decimal("-3.25")),
        ("HCPCS_1_MDFR_CD", "JW", "JW"),
        ("HCPCS_2_MDFR_CD", "", ""),
        ("HCPCS_3_MDFR_CD", "", ""),
        ("HCPCS_4_MDFR_CD", "", ""),
        ("HCPCS_5_MDFR_CD", "", ""),
        ("CLM_REV_APC_HIPPS_CD", "", ""),
        ("CLM_FAC_PRVDR_OSCAR_NUM", "210001", "210001"),
    ],
    "CCLF3": [
        ("CUR_CLM_UNIQ_ID", 42, 42),
        ("BENE_MBI_ID", M1, M1),
        ("BENE_HIC_NUM", "", ""),
        ("CLM_TYPE_CD", 60, 60),
        ("CLM_VAL_SQNC_NUM", 1, 1),  # 01
        ("CLM_PRCDR_CD", "02HV33Z", "02HV33Z"),
        ("CLM_PRCDR_PRFRM_DT", "2026-03-02", D(2026, 3, 2)),
        ("BENE_EQTBL_BIC_HICN_NUM", "", ""),
        ("PRVDR_OSCAR_NUM", "210001", "210001"),
        ("CLM_FROM_DT", "2026-03-01", D(2026, 3, 1)),
        ("CLM_THRU_DT", "2026-03-05", D(2026, 3, 5)),
        ("DGNS_PRCDR_ICD_IND", "0", "0"),
        ("CLM_BLG_PRVDR_OSCAR_NUM", "210001", "210001"),
    ],
    "CCLF4": [
        ("CUR_CLM_UNIQ_ID", 42, 42),
        ("BENE_MBI_ID", M1, M1),
        ("BENE_HIC_NUM", "", ""),
        ("CLM_TYPE_CD", 60, 60),
        ("CLM_PROD_TYPE_CD", "P", "P"),
        ("CLM_VAL_SQNC_NUM", 2, 2),
        ("CLM_DGNS_CD", "E119", "E119"),
        ("BENE_EQTBL_BIC_HICN_NUM", "", ""),
        ("PRVDR_OSCAR_NUM", "210001", "210001"),
        ("CLM_FROM_DT", "2026-03-01", D(2026, 3, 1)),
        ("CLM_THRU_DT", "2026-03-05", D(2026, 3, 5)),
        ("CLM_POA_IND", "Y", "Y"),
        ("DGNS_PRCDR_ICD_IND", "0", "0"),
        ("CLM_BLG_PRVDR_OSCAR_NUM", "210001", "210001"),
    ],
    "CCLF5": [
        ("CUR_CLM_UNIQ_ID", 7001, 7001),
        ("CLM_LINE_NUM", 3, 3),
        ("BENE_MBI_ID", M1, M1),
        ("BENE_HIC_NUM", "", ""),
        ("CLM_TYPE_CD", 71, 71),
        ("CLM_FROM_DT", "2026-04-02", D(2026, 4, 2)),
        ("CLM_THRU_DT", "2026-04-03", D(2026, 4, 3)),
        ("RNDRG_PRVDR_TYPE_CD", "1", "1"),
        ("RNDRG_PRVDR_FIPS_ST_CD", "24", "24"),
        ("CLM_PRVDR_SPCLTY_CD", "11", "11"),
        ("CLM_FED_TYPE_SRVC_CD", "1", "1"),
        ("CLM_POS_CD", "11", "11"),
        ("CLM_LINE_FROM_DT", "2026-04-02", D(2026, 4, 2)),
        ("CLM_LINE_THRU_DT", "2026-04-02", D(2026, 4, 2)),
        ("CLM_LINE_HCPCS_CD", "99214", "99214"),
        ("CLM_LINE_CVRD_PD_AMT", "-12.50", Decimal("-12.50")),  # X(15) in the packet, a signed amount
        ("CLM_LINE_PRMRY_PYR_CD", "", ""),
        ("CLM_LINE_DGNS_CD", "E119", "E119"),
        ("CLM_RNDRG_PRVDR_TAX_NUM", "123456789", "123456789"),
        ("RNDRG_PRVDR_NPI_NUM", NPI, NPI),
        ("CLM_CARR_PMT_DNL_CD", Raw(" 1"), "1"),  # a right-justified code is read without its blank
        ("CLM_PRCSG_IND_CD", "A", "A"),
        ("CLM_ADJSMT_TYPE_CD", Raw(" 0"), "0"),
        ("CLM_EFCTV_DT", "2026-04-10", D(2026, 4, 10)),
        ("CLM_IDR_LD_DT", "2026-04-11", D(2026, 4, 11)),
        ("CLM_CNTL_NUM", "B0000000001", "B0000000001"),
        ("BENE_EQTBL_BIC_HICN_NUM", "", ""),
        ("CLM_LINE_ALOWD_CHRG_AMT", Raw("00000000000075.10"), Decimal("75.10")),  # zero-padded amount
        ("CLM_LINE_SRVC_UNIT_QTY", "1", Decimal("1")),
        ("HCPCS_1_MDFR_CD", "25", "25"),
        ("HCPCS_2_MDFR_CD", "", ""),
        ("HCPCS_3_MDFR_CD", "", ""),
        ("HCPCS_4_MDFR_CD", "", ""),
        ("HCPCS_5_MDFR_CD", "", ""),
        ("CLM_DISP_CD", "01", "01"),
        ("CLM_DGNS_1_CD", "E119", "E119"),
        ("CLM_DGNS_2_CD", "I10", "I10"),
        ("CLM_DGNS_3_CD", "", ""),
        ("CLM_DGNS_4_CD", "", ""),
        ("CLM_DGNS_5_CD", "", ""),
        ("CLM_DGNS_6_CD", "", ""),
        ("CLM_DGNS_7_CD", "", ""),
        ("CLM_DGNS_8_CD", "", ""),
        ("DGNS_PRCDR_ICD_IND", "0", "0"),
        ("CLM_DGNS_9_CD", "", ""),
        ("CLM_DGNS_10_CD", "", ""),
        ("CLM_DGNS_11_CD", "", ""),
        ("CLM_DGNS_12_CD", "Z6841", "Z6841"),
        ("HCPCS_BETOS_CD", "M1B", "M1B"),
        ("CLM_RNDRG_PRVDR_NPI_NUM", NPI, NPI),
        ("CLM_RFRG_PRVDR_NPI_NUM", "", ""),
        ("CLM_CNTRCTR_NUM", "12502", "12502"),
    ],
    "CCLF6": [
        ("CUR_CLM_UNIQ_ID", 8001, 8001),
        ("CLM_LINE_NUM", 1, 1),
        ("BENE_MBI_ID", M1, M1),
        ("BENE_HIC_NUM", "", ""),
        ("CLM_TYPE_CD", 82, 82),
        ("CLM_FROM_DT", "2026-04-05", D(2026, 4, 5)),
        ("CLM_THRU_DT", "", None),
        ("CLM_FED_TYPE_SRVC_CD", "P", "P"),
        ("CLM_POS_CD", "12", "12"),
        ("CLM_LINE_FROM_DT", "2026-04-05", D(2026, 4, 5)),
        ("CLM_LINE_THRU_DT", "2026-05-04", D(2026, 5, 4)),
        ("CLM_LINE_HCPCS_CD", "E0601", "E0601"),
        ("CLM_LINE_CVRD_PD_AMT", "85.33", Decimal("85.33")),
        ("CLM_PRMRY_PYR_CD", "", ""),
        ("PAYTO_PRVDR_NPI_NUM", NPI, NPI),
        ("ORDRG_PRVDR_NPI_NUM", "", ""),
        ("CLM_CARR_PMT_DNL_CD", "0", "0"),  # denied
        ("CLM_PRCSG_IND_CD", "", ""),
        ("CLM_ADJSMT_TYPE_CD", "0", "0"),
        ("CLM_EFCTV_DT", "2026-04-10", D(2026, 4, 10)),
        ("CLM_IDR_LD_DT", "", None),
        ("CLM_CNTL_NUM", "D0000000001", "D0000000001"),
        ("BENE_EQTBL_BIC_HICN_NUM", "", ""),
        ("CLM_LINE_ALOWD_CHRG_AMT", "110.00", Decimal("110")),
        ("CLM_DISP_CD", "01", "01"),
        ("CLM_BLG_PRVDR_NPI_NUM", NPI, NPI),
        ("CLM_RFRG_PRVDR_NPI_NUM", "", ""),
    ],
    "CCLF7": [
        ("CUR_CLM_UNIQ_ID", 9001, 9001),
        ("BENE_MBI_ID", M1, M1),
        ("BENE_HIC_NUM", "", ""),
        ("CLM_LINE_NDC_CD", "00169413013", "00169413013"),
        ("CLM_TYPE_CD", 1, 1),  # 01
        ("CLM_LINE_FROM_DT", "2026-05-01", D(2026, 5, 1)),
        ("PRVDR_SRVC_ID_QLFYR_CD", "01", "01"),
        ("CLM_SRVC_PRVDR_GNRC_ID_NUM", NPI, NPI),
        ("CLM_DSPNSNG_STUS_CD", "C", "C"),
        ("CLM_DAW_PROD_SLCTN_CD", "0", "0"),
        ("CLM_LINE_SRVC_UNIT_QTY", "3", Decimal("3")),
        ("CLM_LINE_DAYS_SUPLY_QTY", Raw("000000030"), Decimal("30")),  # 9(09) in the packet
        ("PRVDR_PRSBNG_ID_QLFYR_CD", "01", "01"),
        ("CLM_PRSBNG_PRVDR_GNRC_ID_NUM", NPI, NPI),
        ("CLM_LINE_BENE_PMT_AMT", "-4.00", Decimal("-4")),
        ("CLM_ADJSMT_TYPE_CD", "0", "0"),
        ("CLM_EFCTV_DT", "2026-05-02", D(2026, 5, 2)),
        ("CLM_IDR_LD_DT", "2026-05-03", D(2026, 5, 3)),
        ("CLM_LINE_RX_SRVC_RFRNC_NUM", 123456, 123456),  # 000000123456
        ("CLM_LINE_RX_FILL_NUM", "1", "1"),
        ("CLM_PHRMCY_SRVC_TYPE_CD", "01", "01"),
    ],
    "CCLF8": [
        ("BENE_MBI_ID", M1, M1),
        ("BENE_HIC_NUM", "", ""),
        ("BENE_FIPS_STATE_CD", 24, 24),
        ("BENE_FIPS_CNTY_CD", 5, 5),  # 005
        ("BENE_ZIP_CD", "21201", "21201"),
        ("BENE_DOB", "1950-06-15", D(1950, 6, 15)),
        ("BENE_SEX_CD", "2", "2"),
        ("BENE_RACE_CD", "1", "1"),
        ("BENE_AGE", 76, 76),  # 076
        ("BENE_MDCR_STUS_CD", "10", "10"),
        ("BENE_DUAL_STUS_CD", "NA", "NA"),
        ("BENE_DEATH_DT", Raw("9999-12-31"), None),  # CMS's other "missing" date
        ("BENE_RNG_BGN_DT", "2026-01-01", D(2026, 1, 1)),
        ("BENE_RNG_END_DT", "2026-12-31", D(2026, 12, 31)),
        ("BENE_1ST_NAME", "MARY", "MARY"),
        ("BENE_MIDL_NAME", "", ""),
        ("BENE_LAST_NAME", "MUÑOZ", "MUÑOZ"),  # Latin-1, one byte a character
        ("BENE_ORGNL_ENTLMT_RSN_CD", "0", "0"),
        ("BENE_ENTLMT_BUYIN_IND", "3", "3"),
        ("BENE_PART_A_ENRLMT_BGN_DT", "2015-06-01", D(2015, 6, 1)),
        ("BENE_PART_B_ENRLMT_BGN_DT", "2016-01-01", D(2016, 1, 1)),
        ("BENE_LINE_1_ADR", "12 MAIN ST", "12 MAIN ST"),
        ("BENE_LINE_2_ADR", "APT 3", "APT 3"),
        ("BENE_LINE_3_ADR", "", ""),
        ("BENE_LINE_4_ADR", "", ""),
        ("BENE_LINE_5_ADR", "", ""),
        ("BENE_LINE_6_ADR", "", ""),
        ("GEO_ZIP_PLC_NAME", "BALTIMORE", "BALTIMORE"),
        ("GEO_USPS_STATE_CD", "MD", "MD"),
        ("GEO_ZIP5_CD", "21201", "21201"),
        ("GEO_ZIP4_CD", "1234", "1234"),
    ],
    "CCLF9": [
        ("HICN_MBI_XREF_IND", "M", "M"),
        ("CRNT_NUM", mbi(9), mbi(9)),
        ("PRVS_NUM", mbi(8), mbi(8)),
        ("PRVS_ID_EFCTV_DT", "2020-01-01", D(2020, 1, 1)),
        ("PRVS_ID_OBSLT_DT", "2025-12-31", D(2025, 12, 31)),
        ("BENE_RRB_NUM", "", ""),
    ],
    # The BE and demo codes of the CCLF1 claim 42 and of the CCLF5 line 7001/3 above.
    "CCLFA": [
        ("CUR_CLM_UNIQ_ID", 42, 42),
        ("BENE_MBI_ID", M1, M1),
        ("BENE_HIC_NUM", "", ""),
        ("CLM_TYPE_CD", 60, 60),
        ("CLM_ACTV_CARE_FROM_DT", "2026-03-01", D(2026, 3, 1)),
        ("CLM_NGACO_PBPMT_SW", "N", "N"),
        ("CLM_NGACO_PDSCHRG_HCBS_SW", "", ""),
        ("CLM_NGACO_SNF_WVR_SW", "Y", "Y"),
        ("CLM_NGACO_TLHLTH_SW", "N", "N"),
        ("CLM_NGACO_CPTATN_SW", "", ""),
        ("CLM_DEMO_1ST_NUM", "91", "91"),
        ("CLM_DEMO_2ND_NUM", "", ""),
        ("CLM_DEMO_3RD_NUM", "", ""),
        ("CLM_DEMO_4TH_NUM", "", ""),
        ("CLM_DEMO_5TH_NUM", "", ""),
        ("CLM_PBP_INCLSN_AMT", "1250.00", Decimal("1250")),
        ("CLM_PBP_RDCTN_AMT", "250.00", Decimal("250")),
        ("CLM_NGACO_CMG_WVR_SW", "", ""),
        ("CLM_INSTNL_PER_DIEM_AMT", "", None),
        ("CLM_MDCR_IP_BENE_DDCTBL_AMT", "1632.00", Decimal("1632")),
        ("CLM_MDCR_COINSRNC_AMT", "0.00", Decimal("0")),
        ("CLM_BLOOD_LBLTY_AMT", "", None),
        ("CLM_INSTNL_PRFNL_AMT", "12.34", Decimal("12.34")),
        ("CLM_NCVRD_CHRG_AMT", Raw("0000000000000045.00"), Decimal("45")),  # zero-padded, 19 wide
        ("CLM_MDCR_DDCTBL_AMT", "", None),
        ("CLM_RLT_COND_CD", "62", "62"),
        ("CLM_OPRTNL_OUTLR_AMT", "-3.50", Decimal("-3.5")),
        ("CLM_MDCR_NEW_TECH_AMT", "", None),
        ("CLM_ISLET_ISOLN_AMT", "", None),
        ("CLM_SQSTRTN_RDCTN_AMT", "20.41", Decimal("20.41")),
        ("CLM_1_REV_CNTR_ANSI_RSN_CD", "45", "45"),
        ("CLM_1_REV_CNTR_ANSI_GRP_CD", "CO", "CO"),
        ("CLM_MIPS_PMT_AMT", "", None),
    ],
    "CCLFB": [
        ("CUR_CLM_UNIQ_ID", 7001, 7001),
        ("CLM_LINE_NUM", 3, 3),
        ("BENE_MBI_ID", M1, M1),
        ("BENE_HIC_NUM", "", ""),
        ("CLM_TYPE_CD", 71, 71),
        ("CLM_LINE_NGACO_PBPMT_SW", "", ""),
        ("CLM_LINE_NGACO_PDSCHRG_HCBS_SW", "N", "N"),
        ("CLM_LINE_NGACO_SNF_WVR_SW", "", ""),
        ("CLM_LINE_NGACO_TLHLTH_SW", "Y", "Y"),
        ("CLM_LINE_NGACO_CPTATN_SW", "N", "N"),
        ("CLM_DEMO_1ST_NUM", "77", "77"),
        ("CLM_DEMO_2ND_NUM", "", ""),
        ("CLM_DEMO_3RD_NUM", "", ""),
        ("CLM_DEMO_4TH_NUM", "", ""),
        ("CLM_DEMO_5TH_NUM", "", ""),
        ("CLM_PBP_INCLSN_AMT", "62.50", Decimal("62.5")),
        ("CLM_PBP_RDCTN_AMT", "12.50", Decimal("12.5")),
        ("CLM_NGACO_CMG_WVR_SW", "N", "N"),
        ("CLM_MDCR_DDCTBL_AMT", "", None),
        ("CLM_SQSTRTN_RDCTN_AMT", "1.00", Decimal("1")),
        ("CLM_LINE_CARR_HPSA_SCRCTY_CD", "", ""),
    ],
}
MODELS: dict[str, type[models.CCLFRow]] = {
    "CCLF1": models.PartAClaim,
    "CCLF2": models.PartARevenueLine,
    "CCLF3": models.PartAProcedure,
    "CCLF4": models.PartADiagnosis,
    "CCLF5": models.PartBLine,
    "CCLF6": models.DMELine,
    "CCLF7": models.PartDEvent,
    "CCLF8": models.BeneficiarySnapshot,
    "CCLF9": models.MBIXref,
    "CCLFA": models.PartABenefitCodes,
    "CCLFB": models.PartBBenefitCodes,
}


def written(file_type: str) -> str:
    rows = FIELDS[file_type]
    line = record(file_type, {f: w for f, w, _ in rows if not isinstance(w, Raw)})
    for f, w, _ in rows:
        if isinstance(w, Raw):
            line = splice(line, file_type, f, w)
    return line
