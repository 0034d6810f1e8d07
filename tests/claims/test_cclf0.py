"""CCLF0, the package summary, read from text written by hand from the CCLF Information Packet
(Table 25: the header row; Table 26: one detail row per file), never from the project's writer.

Positions, 1-based as in the packet: header labels at 1-13, 15-34, 36-55, 57-69 with "|" at 14, 35,
56; detail rows with the file type at 1-7, "|" at 8, the file name at 9-51, "|" at 52, the record
count right-justified at 53-63, "|" at 64, the record length right-justified at 65-69, a blank
filler at 70.
"""

from __future__ import annotations

import pytest

from apps.claims.fixedwidth import format_cclf0
from apps.claims.parsing import RecordError
from apps.claims.summary import read_cclf0

HEADER = "File Number  |File Description    |Total Records Count |Record Length"
#         1234567|9........................................51|53.......63|65.69
CCLF1 = "CCLF1  |Part A Claims Header File                  |       1203|  437"
CCLF5 = "CCLF5  |Part B Physicians File                     |      88412|  388"
CCLFB = "CCLFB  |Part B BE and Demo Codes File              |         17|  128"
TABLES = "CCLF Information Packet Tables 25 and 26"


def test_the_hand_written_rows_have_their_delimiters_where_the_packet_says() -> None:
    assert len(HEADER) == 69 and [i + 1 for i, c in enumerate(HEADER) if c == "|"] == [14, 35, 56]
    for row in (CCLF1, CCLF5, CCLFB):
        assert len(row) == 69 and [i + 1 for i, c in enumerate(row) if c == "|"] == [8, 52, 64]


def test_a_summary_as_cms_writes_it_gives_each_files_count_and_length() -> None:
    text = "\n".join([HEADER, CCLF1, CCLF5, CCLFB]) + "\n"
    summary = read_cclf0(text.encode())
    assert summary.errors == []
    assert summary.expected == {"CCLF1": (1203, 437), "CCLF5": (88412, 388), "CCLFB": (17, 128)}


def test_crlf_a_blank_filler_empty_last_lines_and_no_last_newline_are_fine() -> None:
    # CRLF line ends, CCLF1 with Table 26's blank filler at 70, two empty lines at the end.
    text = "\r\n".join([HEADER, CCLF1 + " ", CCLF5, CCLFB]) + "\r\n\r\n\n"
    summary = read_cclf0(text.encode())
    assert summary.errors == []
    assert summary.expected == {"CCLF1": (1203, 437), "CCLF5": (88412, 388), "CCLFB": (17, 128)}
    no_newline = "\n".join([HEADER, CCLF1])
    assert read_cclf0(no_newline.encode()).expected == {"CCLF1": (1203, 437)}


def test_the_writer_writes_exactly_the_hand_written_rows() -> None:
    assert format_cclf0({"CCLF1": 1203, "CCLF5": 88412, "CCLFB": 17}) == "\n".join([HEADER, CCLF1, CCLF5, CCLFB]) + "\n"


def test_detail_rows_at_the_header_positions_are_named_as_such() -> None:
    # The layout this project wrote before: detail values in the header's columns.
    old = "CCLF5        |Part B physicians   |               88412|          388"
    summary = read_cclf0(f"{HEADER}\n{old}\n".encode())
    assert summary.expected == {}
    assert summary.errors == [
        RecordError(
            2,
            "record",
            old,
            f"is laid out like the header row (| at 14, 35 and 56); a detail row has | at 8, 52 and 64 ({TABLES})",
        )
    ]


def test_a_missing_header_row_is_an_error_and_the_row_is_read_as_a_detail() -> None:
    summary = read_cclf0(f"{CCLF1}\n".encode())
    assert summary.expected == {"CCLF1": (1203, 437)}
    assert summary.errors == [
        RecordError(
            1,
            "header",
            CCLF1,
            "the header row is missing: CCLF0 starts with "
            f"'File Number|File Description|Total Records Count|Record Length' ({TABLES}); this row is read as a "
            "detail row",
        )
    ]


def test_a_wrong_header_label_is_shown_as_it_stands() -> None:
    header = "File Number  |File Desc           |Total Records Count |Record Length"
    summary = read_cclf0(f"{header}\n{CCLF1}\n".encode())
    assert summary.errors == [
        RecordError(1, "FileDescriptionLabel", "File Desc           ", f"should be 'File Description' ({TABLES})")
    ]
    assert summary.expected == {"CCLF1": (1203, 437)}


@pytest.mark.parametrize(
    ("row", "error"),
    [
        (
            "CCLFC  |Part C                                     |         17|  128",
            RecordError(2, "FileType", "CCLFC  ", "is not a CCLF file type (CCLF1-CCLF9, CCLFA, CCLFB)"),
        ),
        (
            "CCLF1  |Part A Claims Header File                  |     12O3  |  437",
            RecordError(2, "NumberOfRecords", "     12O3  ", "is not a whole number"),
        ),
        (
            "CCLF1  |Part A Claims Header File                  |       1203|  4 7",
            RecordError(2, "RecordLength", "  4 7", "is not a whole number"),
        ),
        (
            "CCLF1  |Part A Claims Header File                   |      1203|  437",
            RecordError(
                2,
                "record",
                "CCLF1  |Part A Claims Header File                   |      1203|  437",
                f"has no | at position 52 ({TABLES})",
            ),
        ),
        (
            CCLF1 + "X",
            RecordError(
                2, "record length", "70 characters", "a CCLF0 row is 69 characters long (70 with its blank filler)"
            ),
        ),
        ("", RecordError(2, "record", "", "is an empty line: no record")),
    ],
    ids=["unknown-type", "count-not-a-number", "length-not-a-number", "delimiter-moved", "too-long", "empty-line"],
)
def test_bad_detail_rows_say_what_and_where(row: str, error: RecordError) -> None:
    summary = read_cclf0(f"{HEADER}\n{row}\n{CCLF5}\n".encode())
    assert summary.errors == [error]
    assert summary.expected == {"CCLF5": (88412, 388)}


def test_a_file_listed_twice_is_an_error() -> None:
    summary = read_cclf0(f"{HEADER}\n{CCLF1}\n{CCLF1}\n".encode())
    assert summary.errors == [RecordError(3, "FileType", "CCLF1  ", "is listed twice (also on line 2)")]


def test_an_empty_summary_is_an_error() -> None:
    assert read_cclf0(b"\n\n").errors == [RecordError(None, "CCLF0", "", f"the summary file is empty ({TABLES})")]
