"""What people read: every time in the portal's zone with the zone named, money with its sign and
cents, rates with their unit and two decimals at most, whole points, codes in words; the same helpers
behind the template filters, the exports and the reports. Expected values are worked by hand
(America/New_York: EST is UTC−5 until 14 Mar 2027, EDT UTC−4 after)."""

from __future__ import annotations

import datetime as dt
import io
import re
import zipfile
from pathlib import Path

import pytest
from django.conf import settings
from django.template import Context, Template
from django.utils import timezone

from lead_portal import formatting
from lead_portal.exports import csv_cell, xlsx_workbook, xlsx_write

UTC = dt.UTC
TEMPLATES = Path(settings.BASE_DIR) / "templates"


def test_the_portal_runs_on_eastern_time() -> None:
    assert settings.TIME_ZONE == "America/New_York"


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        (dt.datetime(2026, 12, 5, 19, 3, tzinfo=UTC), "5 Dec 2026 14:03 EST"),
        (dt.datetime(2026, 12, 6, 3, 30, tzinfo=UTC), "5 Dec 2026 22:30 EST"),  # the evening before, in ET
        (dt.datetime(2027, 7, 4, 16, 30, tzinfo=UTC), "4 Jul 2027 12:30 EDT"),
        (dt.datetime(2026, 12, 5, 19, 3), "5 Dec 2026 14:03 EST"),  # naive: stored UTC
        ("2026-12-05T23:28:59+00:00", "5 Dec 2026 18:28 EST"),  # a snapshot's generated_at
        (dt.date(2027, 1, 1), "1 Jan 2027"),
        ("2027-01-01", "1 Jan 2027"),
        (None, "—"),
        ("", "—"),
    ],
)
def test_a_time_is_eastern_and_names_its_zone(value: object, shown: str) -> None:
    assert formatting.when(value) == shown  # type: ignore[arg-type]


def test_a_time_stays_in_the_portal_zone_whatever_zone_is_active() -> None:
    with timezone.override("UTC"):
        assert formatting.when(dt.datetime(2026, 12, 5, 19, 3, 27, tzinfo=UTC), seconds=True) == (
            "5 Dec 2026 14:03:27 EST"
        )
        assert formatting.clock(dt.datetime(2026, 12, 5, 19, 3, tzinfo=UTC)) == "14:03 EST"


def test_a_sentence_writes_the_date_in_full() -> None:
    # No leading zero on the day; the same in the list deadline, care-gap and claims-data sentences.
    assert formatting.long_date(dt.date(2026, 10, 31)) == "October 31, 2026"
    assert formatting.long_date(dt.date(2027, 6, 1)) == "June 1, 2027"


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        (150000, "$150,000.00"),
        ("150000.00", "$150,000.00"),  # a plan's cost estimate as the form keeps it
        (-4625.15, "\u2212$4,625.15"),
        (0.004, "$0.00"),
        (-0.004, "$0.00"),  # no minus on a sum that rounds to nothing
        (None, "—"),
        ("", "—"),
        ("n/a", "—"),
    ],
)
def test_money(value: object, shown: str) -> None:
    assert formatting.money(value) == shown


def test_money_whole_dollars() -> None:
    assert formatting.money(48000.4, cents=False) == "$48,000"


def test_rates_points_shares_and_counts() -> None:
    assert formatting.rate(9.887134, "% of index stays readmitted") == "9.89% of index stays readmitted"
    assert formatting.rate(32.08556149, "admissions per 100 person-years") == "32.09 admissions per 100 person-years"
    assert formatting.rate(351.0, "days per beneficiary") == "351 days per beneficiary"
    assert formatting.rate(None, "days") == "—"
    assert formatting.points(100.0) == "100 points"
    assert formatting.points(1) == "1 point"
    assert formatting.points(None) == "—"
    assert formatting.number(100.0, 0) == "100"
    assert formatting.number(9.8871) == "9.89"
    assert formatting.number(-32.9) == "\u221232.9"
    assert formatting.percent(29.4375) == "29.4%"
    assert formatting.percent(29.4375, 2) == "29.44%"
    assert formatting.count(1020) == "1,020"


def test_sex_codes_in_words() -> None:
    assert [formatting.sex(c) for c in ("1", "2", "0", 1, "", None, "9")] == [
        "Male",
        "Female",
        "Unknown",
        "Male",
        "—",
        "—",
        "9",
    ]


def test_the_filters_are_built_into_every_template() -> None:
    """No {% load %}: the same filters everywhere."""
    html = Template(
        "{{ at|when }} | {{ at|when:'seconds' }} | {{ at|clock }} | {{ cost|usd }} | {{ cost|usd:'whole' }} | "
        "{{ share|pct }} | {{ n|count }} | {{ r|rate:unit }} | {{ p|points }} | {{ r|num }} | {{ s|sex }}"
    ).render(
        Context(
            {
                "at": dt.datetime(2026, 12, 5, 19, 3, 27, tzinfo=UTC),
                "cost": "150000.00",
                "share": 9.8871,
                "n": 1020,
                "r": 9.8871,
                "unit": "% of patients with diabetes",
                "p": 100.0,
                "s": "2",
            }
        )
    )
    assert html == (
        "5 Dec 2026 14:03 EST | 5 Dec 2026 14:03:27 EST | 14:03 EST | $150,000.00 | $150,000 | 9.9% | 1,020 | "
        "9.89% of patients with diabetes | 100 points | 9.89 | Female"
    )


# --- every template -------------------------------------------------------------------------------
def template_sources() -> list[tuple[str, str]]:
    return [(str(p.relative_to(TEMPLATES)), p.read_text(encoding="utf-8")) for p in sorted(TEMPLATES.rglob("*.html"))]


def test_no_template_writes_a_time_without_its_zone() -> None:
    """A time of day goes through |when or |clock: Django's |date and |time filters with an hour or
    minute format (H, G, g, h, i, s, A, P) print it without the zone."""
    offenders = [
        f"{name}: {match.group(0)}"
        for name, text in template_sources()
        for match in re.finditer(r"""\|(?:date|time):["']([^"']*)["']""", text)
        if re.search(r"[HGghisAaP]", match.group(1))
    ]
    assert not offenders, "\n".join(offenders)


def test_no_template_formats_money_by_hand() -> None:
    """Money is |usd (sign, separators, cents), not "$" before a bare number."""
    offenders = [
        f"{name}: {match.group(0)}"
        for name, text in template_sources()
        for match in re.finditer(r"\$\{\{[^}]*\}\}", text)
    ]
    assert not offenders, "\n".join(offenders)


def test_no_template_shows_a_raw_sex_code() -> None:
    offenders = [
        f"{name}: {match.group(0)}"
        for name, text in template_sources()
        for match in re.finditer(r"\{\{\s*[\w.]*\.sex\s*(\|(?!sex)[^}]*)?\}\}", text)
    ]
    assert not offenders, "\n".join(offenders)


# --- exports --------------------------------------------------------------------------------------
def test_a_csv_time_is_eastern_and_named() -> None:
    assert csv_cell(dt.datetime(2026, 12, 5, 19, 3, 27, tzinfo=UTC)) == "5 Dec 2026 14:03:27 EST"
    assert csv_cell(dt.date(2027, 1, 1)) == dt.date(2027, 1, 1)  # a date stays a date


def test_an_xlsx_time_is_eastern_and_named() -> None:
    raw = io.BytesIO()
    book = xlsx_workbook(raw)
    sheet = book.add_worksheet("Times")
    xlsx_write(sheet, 0, 0, dt.datetime(2027, 7, 4, 16, 30, tzinfo=UTC))
    book.close()
    with zipfile.ZipFile(io.BytesIO(raw.getvalue())) as z:
        assert "4 Jul 2027 12:30:00 EDT" in z.read("xl/sharedStrings.xml").decode()


def test_a_time_django_renders_itself_names_the_zone_too() -> None:
    """The admin's lists and a bare {{ value }} use Django's DATETIME_FORMAT: the portal's names the zone."""
    html = Template("{{ at }}").render(Context({"at": dt.datetime(2026, 12, 5, 19, 3, tzinfo=UTC)}))
    assert html == "5 Dec 2026 14:03 EST"


def test_a_table_cell_writes_whole_numbers_with_separators_and_leaves_the_rest() -> None:
    from django.template import engines

    template = engines["django"].from_string("{% include 'includes/data_table.html' %}")
    from apps.acos.presentation import DataTable

    table = DataTable("t", "Counts", ["Category", "Beneficiaries", "Share"], [["Metropolitan", 1228, "71.1%"]])
    html = template.render({"table": table})
    assert "<td>1,228</td>" in html and "<td>71.1%</td>" in html
