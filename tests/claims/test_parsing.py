"""CCLF file names, the fixed-width writer, the vectorised record checks, the COPY rows and the
MBI chain rule: pure functions, no database."""

from __future__ import annotations

import datetime

import numpy as np
import pytest

from apps.claims.filenames import make_name, parse_name
from apps.claims.layouts import layout
from apps.claims.loader import cents, copy_lead, current_mbis, resolve_chains
from apps.claims.parsing import FileCheck, RecordError, check_matrix, copy_text, iter_blocks
from tests.claims.cclf_builders import mbi, part_b, splice, xref

# --- file names --------------------------------------------------------------------------------


def test_a_production_file_name_gives_its_parts() -> None:
    name = parse_name("P.L9001.ACO.ZC5Y27.D270115.T1230456")
    assert name is not None
    assert (name.environment, name.aco, name.kind, name.file_number, name.year) == ("P", "L9001", "Y", "5", 2027)
    assert name.file_type == "CCLF5"
    assert not name.is_test and not name.is_runout
    # D270115 = 2027-01-15; T1230456 = 12:30:45 and 6 tenths of a second.
    assert name.produced_at == datetime.datetime(2027, 1, 15, 12, 30, 45, 600_000)


def test_test_and_run_out_file_names_are_recognised() -> None:
    # Information Packet §4.2 and Appendix B: run-out files put "R" where monthly files put "Y".
    name = parse_name("some/folder/T.A1234.ACO.ZCBR26.D270402.T0000000")
    assert name is not None
    # ZCBR26: file number B, run-out of PY2026; the folder is not part of the name.
    assert (name.name, name.kind, name.file_type, name.year, name.is_test, name.is_runout) == (
        "T.A1234.ACO.ZCBR26.D270402.T0000000",
        "R",
        "CCLFB",
        2026,
        True,
        True,
    )
    monthly = parse_name("P.A1234.ACO.ZCAY27.D270101.T0100000")
    assert monthly is not None and (monthly.file_type, monthly.kind, monthly.is_runout) == ("CCLFA", "Y", False)


@pytest.mark.parametrize(
    "name",
    [
        "P.L9001.ACO.ZC5Y27.D270230.T1200000",  # 30 February
        "P.L9001.ACO.ZC5Y27.D270115.T2500000",  # hour 25
        "X.L9001.ACO.ZC5Y27.D270115.T1200000",  # neither P nor T
        "P.L9001.ACO.ZCCY27.D270115.T1200000",  # C is not a file number
        "P.L9001.ACO.ZC5Y27.D270115",  # no time
        "P.L9001.ACO.ZCR5Y27.D270402.T0415300",  # not CMS's run-out form (that is ZC5R27)
        "P.L9001.ACO.ZC5X27.D270115.T1200000",  # neither Y nor R
        "P.L9001.ACO.ZCY27.D270115.T1200000",  # the delivery's zip, not one of its files
        "acos.csv",
    ],
)
def test_other_names_are_not_cclf_files(name: str) -> None:
    assert parse_name(name) is None


def test_make_name_writes_what_parse_name_reads() -> None:
    at = datetime.datetime(2027, 1, 15, 12, 30, 45, 600_000)
    assert make_name(aco="L9001", file_number="5", year=2027, produced_at=at) == "P.L9001.ACO.ZC5Y27.D270115.T1230456"
    assert make_name(aco="L9001", file_number="0", year=2027, produced_at=at, test=True).startswith("T.L9001.ACO.ZC0")
    runout = make_name(aco="L9001", file_number="B", year=2026, produced_at=at, runout=True)
    assert runout == "P.L9001.ACO.ZCBR26.D270115.T1230456"


# --- the fixed-width writer --------------------------------------------------------------------


def test_records_are_written_at_the_layout_positions() -> None:
    # CCLF9 by hand: indicator (1), current MBI (2-12), previous MBI (13-23), effective date (24-33),
    # blank obsolete date (34-43) and blank RRB number (44-55).
    by_hand = "M" + "1AA0AA0AA02" + "1AA0AA0AA01" + "2020-01-01" + " " * 10 + " " * 12
    assert xref(mbi(1), mbi(2)) == by_hand
    line = part_b(7001, "B0000000001")
    assert len(line) == 388
    assert line[171:211] == "B0000000001" + " " * 29  # CLM_CNTL_NUM, positions 172-211
    assert line[102:117] == " " * 10 + "50.00"  # CLM_LINE_CVRD_PD_AMT, 103-117, right-justified
    assert line[0:13] == "0000000007001"  # CUR_CLM_UNIQ_ID 9(13), zero-padded
    assert line[239:263] == " " * 24  # CLM_LINE_SRVC_UNIT_QTY left blank


# --- record checks -----------------------------------------------------------------------------


def _check(lines: list[str], file_type: str, newline: str = "\n", block_bytes: int = 8 * 1024 * 1024) -> FileCheck:
    data = "".join(line + newline for line in lines).encode("latin-1")
    check = FileCheck()
    list(iter_blocks(data, layout(file_type), check, block_bytes=block_bytes))
    return check


def _field_errors(file_type: str, field: str, raw: str) -> list[RecordError]:
    base = part_b(7001, "B0000000001") if file_type == "CCLF5" else xref(mbi(1), mbi(2))
    matrix = np.frombuffer(splice(base, file_type, field, raw).encode("latin-1"), dtype=np.uint8).reshape(1, -1)
    _, errors, count = check_matrix(matrix, layout(file_type), 1)
    assert count == len(errors)
    return errors


@pytest.mark.parametrize(
    ("raw", "ok"),
    [
        ("2024-02-29", True),  # leap year
        ("2000-02-29", True),  # divisible by 400: leap
        ("2025-02-29", False),
        ("2025-02-30", False),
        ("2100-02-29", False),  # divisible by 100, not 400: not leap
        ("2025-04-31", False),  # April has 30 days
        ("2025-12-31", True),
        ("2025-13-01", False),
        ("2025-00-10", False),
        ("1849-12-31", False),  # before any Medicare beneficiary's birth: the checker's floor is 1850
        ("2025/01/01", False),
        ("20250101", False),
    ],
)
def test_dates_are_real_calendar_days(raw: str, ok: bool) -> None:
    errors = _field_errors("CCLF5", "CLM_FROM_DT", raw)
    expected = [] if ok else [RecordError(1, "CLM_FROM_DT", raw.ljust(10), "is not a date (YYYY-MM-DD)")]
    assert errors == expected


@pytest.mark.parametrize(
    ("raw", "ok"),
    [
        ("-12.50".rjust(15), True),
        ("12.50".rjust(15), True),
        ("0000000012.50", True),  # zero-padded
        ("12.50", True),  # left-justified: trailing spaces only
        ("7".rjust(15), True),
        ("12,50", False),
        ("1.2.3", False),
        ("--5", False),
        ("5-", False),
        ("- 5", False),
        ("1 2", False),
        ("-", False),
        ("$12.50", False),
    ],
)
def test_amounts_are_signed_decimals(raw: str, ok: bool) -> None:
    errors = _field_errors("CCLF5", "CLM_LINE_CVRD_PD_AMT", raw)
    # The value as it stands: the 15 characters of the field, blanks kept.
    expected = [] if ok else [RecordError(1, "CLM_LINE_CVRD_PD_AMT", raw.ljust(15), "is not a number")]
    assert errors == expected


def test_dates_cms_writes_for_missing_are_accepted() -> None:
    # Information Packet §3.6: 1000-01-01 and 9999-12-31 stand for a missing date.
    assert _field_errors("CCLF5", "CLM_IDR_LD_DT", "1000-01-01") == []
    assert _field_errors("CCLF5", "CLM_IDR_LD_DT", "9999-12-31") == []
    assert _field_errors("CCLF5", "CLM_IDR_LD_DT", "1000-01-02") == [
        RecordError(1, "CLM_IDR_LD_DT", "1000-01-02", "is not a date (YYYY-MM-DD)")
    ]


@pytest.mark.parametrize(
    ("raw", "ok"),
    [
        ("0000000000012", True),
        ("12".rjust(13), True),  # right-justified with blanks: the database reads 12
        ("12", True),  # left-justified
        ("000000000012A", False),
        ("1 2", False),
        ("-12", False),
        ("+12", False),
    ],
)
def test_whole_numbers_are_digits_padded_by_blanks_or_zeros(raw: str, ok: bool) -> None:
    errors = _field_errors("CCLF5", "CUR_CLM_UNIQ_ID", raw)
    assert errors == ([] if ok else [RecordError(1, "CUR_CLM_UNIQ_ID", raw.ljust(13), "is not a whole number")])


@pytest.mark.parametrize(
    ("field", "raw", "ok"),
    [
        ("CLM_ADJSMT_TYPE_CD", "1", True),  # written "1 "
        ("CLM_ADJSMT_TYPE_CD", " 1", True),  # right-justified: still code 1
        ("CLM_ADJSMT_TYPE_CD", "01", False),
        ("CLM_ADJSMT_TYPE_CD", "7", False),
        ("CLM_ADJSMT_TYPE_CD", " 7", False),
        ("CLM_TYPE_CD", "71", True),
        ("CLM_TYPE_CD", "72", False),
    ],
)
def test_coded_fields_take_known_codes_in_either_justification(field: str, raw: str, ok: bool) -> None:
    errors = _field_errors("CCLF5", field, raw)
    codes = "0, 1, 2" if field == "CLM_ADJSMT_TYPE_CD" else "71"
    assert errors == ([] if ok else [RecordError(1, field, raw.ljust(2), f"is not a known code ({codes})")])


def test_the_crosswalk_indicator_is_h_or_m() -> None:
    assert _field_errors("CCLF9", "HICN_MBI_XREF_IND", "X") == [
        RecordError(1, "HICN_MBI_XREF_IND", "X", "is not a known code (H, M)")
    ]
    # Blank says neither: the row cannot be used and is not guessed.
    assert _field_errors("CCLF9", "HICN_MBI_XREF_IND", "") == [
        RecordError(1, "HICN_MBI_XREF_IND", " ", "is not a known code (H, M)")
    ]
    assert _field_errors("CCLF9", "HICN_MBI_XREF_IND", "H") == []


def test_keys_are_required() -> None:
    assert _field_errors("CCLF5", "CLM_CNTL_NUM", "") == [RecordError(1, "CLM_CNTL_NUM", " " * 40, "is required")]
    assert _field_errors("CCLF9", "PRVS_NUM", "") == [RecordError(1, "PRVS_NUM", " " * 11, "is required")]
    blank_adjustment = _field_errors("CCLF5", "CLM_ADJSMT_TYPE_CD", "")
    assert blank_adjustment == [RecordError(1, "CLM_ADJSMT_TYPE_CD", "  ", "is required")]


def test_errors_name_the_file_line_across_blocks() -> None:
    lines = [xref(mbi(n), mbi(n + 50)) for n in range(1, 31)]
    lines[6] = splice(lines[6], "CCLF9", "PRVS_ID_EFCTV_DT", "2025-02-30")  # line 7
    lines[22] += "X"  # line 23: one character too many
    # 200-byte blocks hold three 56-byte lines: the errors are in the 3rd and 8th blocks.
    check = _check(lines, "CCLF9", block_bytes=200)
    assert (check.lines, check.good, check.error_count) == (30, 28, 2)
    assert check.errors == [
        RecordError(7, "PRVS_ID_EFCTV_DT", "2025-02-30", "is not a date (YYYY-MM-DD)"),
        RecordError(23, "record length", "56 characters", "a CCLF9 record is 55 characters long"),
    ]


def test_good_lines_of_every_block_are_handed_on_and_bad_ones_dropped() -> None:
    lines = [xref(mbi(n), mbi(n + 50)) for n in range(1, 11)]
    bad = splice(lines[4], "CCLF9", "PRVS_NUM", "")
    data = ("\n".join([*lines[:4], bad, *lines[5:]]) + "\n").encode()
    check = FileCheck()
    blocks = list(iter_blocks(data, layout("CCLF9"), check, block_bytes=120))
    handed_on = b"".join(b.data for b in blocks).decode().splitlines()
    assert handed_on == lines[:4] + lines[5:]
    assert [b.first_line for b in blocks] == [1, 3, 5, 7, 9]  # two 56-byte lines fit in 120 bytes
    assert sum(b.good for b in blocks) == 9


def test_crlf_line_ends_a_missing_last_newline_and_a_blank_last_line_are_accepted() -> None:
    lines = [xref(mbi(1), mbi(2)), xref(mbi(3), mbi(4))]
    crlf = _check(lines, "CCLF9", newline="\r\n")
    assert (crlf.lines, crlf.good, crlf.errors) == (2, 2, [])
    no_last_newline = FileCheck()
    blocks = list(iter_blocks("\n".join(lines).encode(), layout("CCLF9"), no_last_newline))
    assert (no_last_newline.lines, no_last_newline.errors) == (2, [])
    assert blocks[0].data == ("\n".join(lines) + "\n").encode()
    blank_end = _check([*lines, ""], "CCLF9")
    assert (blank_end.lines, blank_end.errors) == (2, [])
    # The CR is not part of the record handed on.
    data = "".join(line + "\r\n" for line in lines).encode()
    handed_on = b"".join(b.data for b in iter_blocks(data, layout("CCLF9"), FileCheck()))
    assert handed_on == ("\n".join(lines) + "\n").encode()


def test_an_empty_file_has_no_records() -> None:
    check = FileCheck()
    assert list(iter_blocks(b"", layout("CCLF5"), check)) == []
    assert (check.lines, check.errors) == (0, [])


# --- COPY rows (the PostgreSQL path), built without the database ---------------------------------


def _matrix(lines: list[str]) -> np.ndarray:
    return np.frombuffer("".join(lines).encode("latin-1"), dtype=np.uint8).reshape(len(lines), -1)


def test_copy_text_trims_text_and_writes_null_for_blank_dates_and_numbers() -> None:
    matrix = _matrix([xref(mbi(1), mbi(2))])
    lead = np.frombuffer(b"7\t", dtype=np.uint8).reshape(1, 2)
    text = copy_text(matrix, layout("CCLF9"), lead, np.ones((1, 2), dtype=bool))
    # file id; "M"; current; previous; effective date; blank obsolete date -> \N; blank RRB -> ''.
    assert text == b"7\tM\t1AA0AA0AA02\t1AA0AA0AA01\t2020-01-01\t\\N\t\n"


def test_copy_text_gives_up_on_tabs_and_backslashes() -> None:
    line = splice(xref(mbi(1), mbi(2)), "CCLF9", "BENE_RRB_NUM", "A\\B")
    lead = np.frombuffer(b"7\t", dtype=np.uint8).reshape(1, 2)
    assert copy_text(_matrix([line]), layout("CCLF9"), lead, np.ones((1, 2), dtype=bool)) is None


def test_copy_lead_maps_mbis_and_marks_cancellations_and_denials() -> None:
    lines = [
        part_b(1, "C1", BENE_MBI_ID=mbi(1), CLM_ADJSMT_TYPE_CD="0", CLM_CARR_PMT_DNL_CD="1"),
        part_b(2, "C2", BENE_MBI_ID=mbi(2), CLM_ADJSMT_TYPE_CD="1", CLM_CARR_PMT_DNL_CD="0"),
        part_b(3, "C3", BENE_MBI_ID=mbi(3), CLM_ADJSMT_TYPE_CD="2", CLM_CARR_PMT_DNL_CD="0"),
    ]
    # mbi(2) has a newer MBI; mbi(3) is in a cycle (mapped to nothing); mbi(1) is its own current.
    mapping = {mbi(2).encode(): mbi(9).encode(), mbi(3).encode(): b""}
    lead, keep = copy_lead(_matrix(lines), "CCLF5", 7, current_mbis(_matrix(lines), "CCLF5", mapping))
    rows = [bytes(lead[i][keep[i]]) for i in range(3)]
    # file id, current MBI, is_current (not a cancellation), is_denied (denial code 0)
    assert rows == [
        b"7\t1AA0AA0AA01\tt\tf\t",
        b"7\t1AA0AA0AA09\tf\tt\t",
        b"7\t\tt\tt\t",
    ]


# --- MBI chains --------------------------------------------------------------------------------


def test_chains_are_followed_to_the_newest_mbi_whatever_the_order_of_the_links() -> None:
    a, b, c, d = "A", "B", "C", "D"
    resolved, problems = resolve_chains([(c, d), (a, b), (b, c)])
    assert resolved == {a: (d, 3), b: (d, 2), c: (d, 1)}
    assert problems == {}


def test_a_cycle_is_reported_for_every_mbi_in_it_and_not_guessed() -> None:
    resolved, problems = resolve_chains([("X", "Y"), ("Y", "X"), ("W", "X"), ("P", "Q")])
    assert resolved == {"P": ("Q", 1)}
    # W leads into the cycle, so it has no current MBI either.
    assert set(problems) == {"X", "Y", "W"}
    assert "cycle" in problems["X"] and "X → Y → X" in problems["X"]


def test_self_links_are_ignored_and_conflicting_links_are_problems() -> None:
    resolved, problems = resolve_chains([("A", "A"), ("B", "C"), ("B", "C"), ("E", "F"), ("E", "G")])
    assert resolved == {"B": ("C", 1)}
    assert problems == {"E": "CCLF9 links E to both F and G"}


def test_amounts_become_whole_cents_as_the_database_rounds_them() -> None:
    """Hand-written CCLF amounts (right-justified, optional minus, at most one point) and the cents
    ``ROUND(amount * 100)`` gives: half a cent rounds away from zero."""
    texts = ["   80.00", "   -12.5", "       7", "   0.005", "        ", " 123.456", "  -0.005", "1.999999"]
    col = np.frombuffer("".join(texts).encode(), dtype=np.uint8).reshape(len(texts), 8)
    values, blank = cents(col)
    assert values[~blank].tolist() == [8000, -1250, 700, 1, 12346, -1, 200]
    assert blank.tolist() == [False, False, False, False, True, False, False, False]
