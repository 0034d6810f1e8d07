"""The list checks (apps/acos/lists.py) and the NPI check digit: pure functions, no database.

Every bad input names its line (the header is line 1), its field and the reason the ACO sees."""

from __future__ import annotations

import pytest

from apps.acos.lists import MAX_ROWS, RowError, parse_list_csv
from apps.acos.reference import npi_is_valid

ACO_ID = "L0001"
YEARS = {2027, 2028}
P_HEADER = "aco_id,performance_year,tin,legal_name,ccns,practice_zip,facility_type,new_to_aco"
PP_HEADER = "aco_id,performance_year,tin,npi,name,specialty_code,capitation"

# A good participant row, column by column, and a good preferred-provider row.
GOOD_P = {
    "aco_id": ACO_ID,
    "performance_year": "2027",
    "tin": "111000001",
    "legal_name": "Harbor Family Medicine PA",
    "ccns": "",
    "practice_zip": "21201",  # Baltimore MD, RUCA 1
    "facility_type": "",
    "new_to_aco": "false",
}
GOOD_PP = {
    "aco_id": ACO_ID,
    "performance_year": "2027",
    "tin": "211000001",
    "npi": "1234567893",
    "name": "Ortho Specialists of Maryland",
    "specialty_code": "20",
    "capitation": "none",
}


def _csv(header: str, *rows: str) -> bytes:
    return ("\n".join([header, *rows]) + "\n").encode()


def _line(row: dict[str, str], header: str) -> str:
    return ",".join(row[c] for c in header.split(","))


def parse_participants(data: bytes) -> tuple[list[dict[str, object]], list[RowError]]:
    parsed = parse_list_csv(data, list_type="participants", aco_id=ACO_ID, performance_years=YEARS)
    return parsed.rows, parsed.errors


def parse_preferred(data: bytes) -> tuple[list[dict[str, object]], list[RowError]]:
    parsed = parse_list_csv(data, list_type="preferred_providers", aco_id=ACO_ID, performance_years=YEARS)
    return parsed.rows, parsed.errors


# --- NPI check digit ---------------------------------------------------------------------------
#
# Luhn over "80840" + the first nine digits. Counting from the right of that 14-digit payload, the
# 1st, 3rd, 5th ... digits are doubled (a result above 9 loses 9): those are NPI digits 9, 7, 5,
# 3, 1 and then the prefix's "4" (-> 8) and middle "0"; the prefix contributes 0+8+8+0+8 = 24.
# Check digit = (10 - total % 10) % 10.


@pytest.mark.parametrize(
    "npi",
    [
        # 24 + doubled(1,3,5,7,9) = 2+6+1+5+9 = 23 + plain(2,4,6,8) = 20 -> 67 -> 10-7 = 3
        "1234567893",
        # 24 + doubled(1) = 2 -> 26 -> 10-6 = 4
        "1000000004",
        # 24 + doubled(1) = 2 + doubled(digit 9 = 1) = 2 -> 28 -> 10-8 = 2
        "1000000012",
        # 24 + doubled(1) = 2 + doubled(digit 9 = 2) = 4 -> 30 -> (10-0) % 10 = 0
        "1000000020",
        # 24 + doubled(1) = 2 + plain(digit 8 = 1) = 1 -> 27 -> 10-7 = 3
        "1000000103",
    ],
)
def test_valid_npis_pass_the_check_digit(npi: str) -> None:
    assert npi_is_valid(npi)


@pytest.mark.parametrize(
    "npi",
    [
        "1234567890",  # right length, check digit should be 3 (see above)
        "1000000005",  # check digit should be 4
        "1000000021",  # check digit should be 0
        "123456789",  # nine digits
        "12345678931",  # eleven digits
        "12345678a3",  # not all digits
        "",
    ],
)
def test_invalid_npis_fail(npi: str) -> None:
    assert not npi_is_valid(npi)


# --- a good file -------------------------------------------------------------------------------


def test_good_participant_file_parses_with_clean_values() -> None:
    data = _csv(
        P_HEADER,
        _line(GOOD_P, P_HEADER),
        # Lower-case facility type and CCN are upper-cased; CCNs split on ';' with spaces trimmed;
        # new_to_aco is case-insensitive. 24293 is Lee County VA (RUCA 4).
        f"{ACO_ID},2028,111000003,Blue Ridge Rural Health Clinic, 493801 ;49380a,24293,rhc,TRUE",
    )
    rows, errors = parse_participants(data)
    assert errors == []
    assert rows == [
        {
            "performance_year": 2027,
            "tin": "111000001",
            "legal_name": "Harbor Family Medicine PA",
            "ccns": [],
            "practice_zip": "21201",
            "facility_type": "",
            "new_to_aco": False,
        },
        {
            "performance_year": 2028,
            "tin": "111000003",
            "legal_name": "Blue Ridge Rural Health Clinic",
            "ccns": ["493801", "49380A"],
            "practice_zip": "24293",
            "facility_type": "RHC",
            "new_to_aco": True,
        },
    ]


def test_good_preferred_file_pads_specialty_and_defaults_capitation() -> None:
    data = _csv(
        PP_HEADER,
        # specialty '6' is Cardiology, written without its leading zero; capitation empty = none.
        f"{ACO_ID},2027,211000002,1000000004,Chesapeake Cardiology,6,",
        f"{ACO_ID},2027,211000002,1000000012,Chesapeake Cardiology,06,NPCC",
    )
    rows, errors = parse_preferred(data)
    assert errors == []
    assert rows == [
        {
            "performance_year": 2027,
            "tin": "211000002",
            "npi": "1000000004",
            "name": "Chesapeake Cardiology",
            "specialty_code": "06",
            "capitation": "none",
        },
        {
            "performance_year": 2027,
            "tin": "211000002",
            "npi": "1000000012",
            "name": "Chesapeake Cardiology",
            "specialty_code": "06",
            "capitation": "npcc",
        },
    ]


def test_header_columns_may_come_in_any_order_and_bom_is_ignored() -> None:
    header = "tin,aco_id,performance_year,legal_name,practice_zip,ccns,facility_type,new_to_aco"
    data = ("\ufeff" + header + "\n" + f"111000001,{ACO_ID},2027,Harbor,21201,,,false\n").encode()
    rows, errors = parse_participants(data)
    assert errors == []
    assert [r["tin"] for r in rows] == ["111000001"]


# --- one bad value, one error: line, field and reason ------------------------------------------


@pytest.mark.parametrize(
    ("changes", "field", "value", "reason"),
    [
        ({"tin": "11100001"}, "tin", "11100001", "a TIN is exactly 9 digits"),  # 8 digits
        ({"tin": "11-1000001"}, "tin", "11-1000001", "a TIN is exactly 9 digits"),
        ({"tin": "1110000012"}, "tin", "1110000012", "a TIN is exactly 9 digits"),  # 10 digits
        ({"aco_id": "L0002"}, "aco_id", "L0002", "must be this ACO's id, L0001"),
        (
            {"performance_year": "2031"},
            "performance_year",
            "2031",
            "must be a performance year the portal knows (2027, 2028)",
        ),
        (
            {"performance_year": "PY27"},
            "performance_year",
            "PY27",
            "must be a performance year the portal knows (2027, 2028)",
        ),
        # 99999 is a 5-digit ZIP that the RUCA 2010 table does not list.
        ({"practice_zip": "99999"}, "practice_zip", "99999", "is not in the USDA RUCA ZIP table"),
        ({"practice_zip": "2120"}, "practice_zip", "2120", "a ZIP code is 5 digits"),
        ({"new_to_aco": "yes"}, "new_to_aco", "yes", "must be true or false"),
        ({"legal_name": ""}, "legal_name", "", "is required"),
        ({"facility_type": "HOSP", "ccns": "493801"}, "facility_type", "HOSP", "must be empty, CAH, RHC or FQHC"),
        # A facility without its CCN.
        ({"facility_type": "RHC"}, "ccns", "", "an RHC needs the CCN of at least one site"),
        ({"facility_type": "CAH"}, "ccns", "", "a CAH needs the CCN of at least one site"),
        ({"facility_type": "FQHC"}, "ccns", "", "an FQHC needs the CCN of at least one site"),
        # CCN format: 6 letters or digits.
        ({"facility_type": "RHC", "ccns": "49380"}, "ccns", "49380", "a CCN is 6 letters or digits"),
        ({"facility_type": "FQHC", "ccns": "39-801"}, "ccns", "39-801", "a CCN is 6 letters or digits"),
        ({"facility_type": "RHC", "ccns": "493801;493801"}, "ccns", "493801;493801", "lists the same CCN twice"),
        # A CCN on a TIN that is no facility.
        ({"ccns": "493801"}, "facility_type", "", "CCNs are only listed for CAH, RHC or FQHC sites"),
    ],
)
def test_bad_participant_value_is_reported_with_line_field_and_reason(
    changes: dict[str, str], field: str, value: str, reason: str
) -> None:
    bad = {**GOOD_P, "tin": "111000002", **changes}
    # The bad row is the second data row: line 3 (the header is line 1).
    rows, errors = parse_participants(_csv(P_HEADER, _line(GOOD_P, P_HEADER), _line(bad, P_HEADER)))
    assert errors == [RowError(3, field, value, reason)]
    assert [r["tin"] for r in rows] == ["111000001"]  # the good row alone; services refuse the file


@pytest.mark.parametrize(
    ("changes", "field", "value", "reason"),
    [
        # 1234567890: the check digit should be 3.
        ({"npi": "1234567890"}, "npi", "1234567890", "fails the NPI check digit (Luhn with prefix 80840)"),
        ({"npi": "123456789"}, "npi", "123456789", "an NPI is exactly 10 digits"),
        ({"npi": "12345678A3"}, "npi", "12345678A3", "an NPI is exactly 10 digits"),
        # 45 and 00 are not in reference/specialty_codes.csv (it jumps 44 -> 46 and starts at 01).
        ({"specialty_code": "45"}, "specialty_code", "45", "is not a known CMS provider specialty code"),
        ({"specialty_code": "0"}, "specialty_code", "00", "is not a known CMS provider specialty code"),
        ({"specialty_code": ""}, "specialty_code", "", "is not a known CMS provider specialty code"),
        ({"capitation": "full"}, "capitation", "full", "must be none, pcc, tcc, npcc or apo"),
        ({"tin": "21100000"}, "tin", "21100000", "a TIN is exactly 9 digits"),
        ({"name": ""}, "name", "", "is required"),
        ({"aco_id": ""}, "aco_id", "", "must be this ACO's id, L0001"),
        (
            {"performance_year": "2026"},
            "performance_year",
            "2026",
            "must be a performance year the portal knows (2027, 2028)",
        ),
    ],
)
def test_bad_preferred_value_is_reported_with_line_field_and_reason(
    changes: dict[str, str], field: str, value: str, reason: str
) -> None:
    bad = {**GOOD_PP, "npi": "1000000004", **changes}
    rows, errors = parse_preferred(_csv(PP_HEADER, _line(GOOD_PP, PP_HEADER), _line(bad, PP_HEADER)))
    assert errors == [RowError(3, field, value, reason)]
    assert [r["npi"] for r in rows] == ["1234567893"]


def test_every_problem_of_a_row_is_reported() -> None:
    bad = {**GOOD_P, "tin": "1", "practice_zip": "99999", "new_to_aco": "maybe"}
    _, errors = parse_participants(_csv(P_HEADER, _line(bad, P_HEADER)))
    assert [(e.line, e.field) for e in errors] == [(2, "tin"), (2, "practice_zip"), (2, "new_to_aco")]


# --- duplicates within the file ----------------------------------------------------------------


def test_duplicate_tin_in_the_file_names_both_lines() -> None:
    other = {**GOOD_P, "tin": "111000002"}
    again = {**GOOD_P, "legal_name": "Harbor Family Medicine (second entry)"}
    rows, errors = parse_participants(
        _csv(P_HEADER, _line(GOOD_P, P_HEADER), _line(other, P_HEADER), _line(again, P_HEADER))
    )
    # Line 2 holds 111000001 first; line 4 repeats it.
    assert errors == [RowError(4, "tin", "111000001", "duplicate TIN: already on line 2")]
    assert [r["tin"] for r in rows] == ["111000001", "111000002"]


def test_same_tin_for_two_performance_years_is_not_a_duplicate() -> None:
    next_year = {**GOOD_P, "performance_year": "2028"}
    rows, errors = parse_participants(_csv(P_HEADER, _line(GOOD_P, P_HEADER), _line(next_year, P_HEADER)))
    assert errors == []
    assert [(r["performance_year"], r["tin"]) for r in rows] == [(2027, "111000001"), (2028, "111000001")]


def test_duplicate_tin_and_npi_pair_is_refused_but_same_npi_under_another_tin_is_fine() -> None:
    other_tin = {**GOOD_PP, "tin": "211000009"}  # same NPI, another TIN: a second billing TIN
    again = {**GOOD_PP, "name": "Ortho again"}
    rows, errors = parse_preferred(
        _csv(PP_HEADER, _line(GOOD_PP, PP_HEADER), _line(other_tin, PP_HEADER), _line(again, PP_HEADER))
    )
    assert errors == [RowError(4, "npi", "1234567893", "duplicate TIN and NPI: already on line 2")]
    assert [(r["tin"], r["npi"]) for r in rows] == [("211000001", "1234567893"), ("211000009", "1234567893")]


# --- the file as a whole -----------------------------------------------------------------------


def test_missing_header_columns_are_named_and_no_row_is_read() -> None:
    header = "aco_id,performance_year,tin,legal_name,practice_zip,facility_type"
    rows, errors = parse_participants(_csv(header, f"{ACO_ID},2027,111000001,Harbor,21201,"))
    assert rows == []
    assert errors == [RowError(1, "header", header, "missing column(s): ccns, new_to_aco")]


def test_preferred_file_with_participant_header_is_refused() -> None:
    rows, errors = parse_preferred(_csv(P_HEADER, _line(GOOD_P, P_HEADER)))
    assert rows == []
    assert [(e.line, e.field, e.reason) for e in errors] == [
        (1, "header", "missing column(s): npi, name, specialty_code, capitation")
    ]


def test_blank_lines_are_skipped_and_do_not_shift_line_numbers() -> None:
    bad = {**GOOD_P, "tin": "12345"}
    # Line 1 header, line 2 good row, line 3 empty, line 4 a row of empty cells, line 5 the bad row.
    data = _csv(P_HEADER, _line(GOOD_P, P_HEADER), "", ",,,,,,,", _line(bad, P_HEADER))
    rows, errors = parse_participants(data)
    assert errors == [RowError(5, "tin", "12345", "a TIN is exactly 9 digits")]
    assert len(rows) == 1


def test_row_with_more_values_than_the_header_is_refused() -> None:
    rows, errors = parse_participants(_csv(P_HEADER, _line(GOOD_P, P_HEADER) + ",surplus"))
    assert rows == []
    assert errors == [RowError(2, "row", "surplus", "has more values than the header")]


def test_file_with_only_a_header_has_no_rows() -> None:
    rows, errors = parse_participants(_csv(P_HEADER))
    assert rows == []
    assert errors == [RowError(0, "file", "", "has no rows")]


def test_file_that_is_not_utf8_is_refused() -> None:
    data = _csv(P_HEADER).replace(b"aco_id", b"aco_\xe9d")  # Latin-1 é
    rows, errors = parse_participants(data)
    assert rows == []
    # The cell with the bad byte, named: the header's "aco_\xe9d".
    assert errors == [RowError(1, "header", "aco_\ufffdd", "is not UTF-8 text (byte 0xE9): save the file as UTF-8")]


def test_file_over_the_row_limit_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("apps.acos.lists.MAX_ROWS", 2)
    assert MAX_ROWS == 50_000  # the real limit; 2 here keeps the test small
    lines = [_line({**GOOD_P, "tin": f"11100000{i}"}, P_HEADER) for i in range(1, 4)]
    _, errors = parse_participants(_csv(P_HEADER, *lines))
    # The third data row (line 4) is one too many.
    assert errors == [RowError(4, "file", "", "has more than 2 rows")]


def test_an_unknown_facility_type_without_ccns_is_one_error_not_a_crash() -> None:
    # Found by the API fuzz: an unknown type and no CCN raised KeyError (a 500) looking up its article.
    row = {**GOOD_P, "facility_type": "XYZ", "ccns": ""}
    rows, errors = parse_participants(_csv(P_HEADER, _line(row, P_HEADER)))
    assert rows == []
    assert [(e.field, e.value) for e in errors] == [("facility_type", "XYZ")]
