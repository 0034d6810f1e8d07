"""Reference data the lists are checked against, carried in the project's ``reference/`` folder:
US states, CMS provider specialty codes, and the ZIP codes of the USDA RUCA 2010 table."""

from __future__ import annotations

import csv
from functools import lru_cache
from pathlib import Path

REFERENCE_DIR = Path(__file__).resolve().parent.parent.parent / "reference"

US_STATES: dict[str, str] = {
    "AL": "Alabama",
    "AK": "Alaska",
    "AZ": "Arizona",
    "AR": "Arkansas",
    "CA": "California",
    "CO": "Colorado",
    "CT": "Connecticut",
    "DE": "Delaware",
    "DC": "District of Columbia",
    "FL": "Florida",
    "GA": "Georgia",
    "HI": "Hawaii",
    "ID": "Idaho",
    "IL": "Illinois",
    "IN": "Indiana",
    "IA": "Iowa",
    "KS": "Kansas",
    "KY": "Kentucky",
    "LA": "Louisiana",
    "ME": "Maine",
    "MD": "Maryland",
    "MA": "Massachusetts",
    "MI": "Michigan",
    "MN": "Minnesota",
    "MS": "Mississippi",
    "MO": "Missouri",
    "MT": "Montana",
    "NE": "Nebraska",
    "NV": "Nevada",
    "NH": "New Hampshire",
    "NJ": "New Jersey",
    "NM": "New Mexico",
    "NY": "New York",
    "NC": "North Carolina",
    "ND": "North Dakota",
    "OH": "Ohio",
    "OK": "Oklahoma",
    "OR": "Oregon",
    "PA": "Pennsylvania",
    "PR": "Puerto Rico",
    "RI": "Rhode Island",
    "SC": "South Carolina",
    "SD": "South Dakota",
    "TN": "Tennessee",
    "TX": "Texas",
    "UT": "Utah",
    "VT": "Vermont",
    "VA": "Virginia",
    "WA": "Washington",
    "WV": "West Virginia",
    "WI": "Wisconsin",
    "WY": "Wyoming",
}


@lru_cache(maxsize=1)
def specialty_codes() -> dict[str, str]:
    with open(REFERENCE_DIR / "specialty_codes.csv", newline="", encoding="utf-8") as fh:
        return {row["code"]: row["description"] for row in csv.DictReader(fh)}


@lru_cache(maxsize=1)
def ruca_zip_codes() -> frozenset[str]:
    with open(REFERENCE_DIR / "rural" / "ruca2010_zip.csv", newline="", encoding="utf-8") as fh:
        return frozenset(row["zip"] for row in csv.DictReader(fh))


def npi_is_valid(npi: str) -> bool:
    """NPI check digit: the Luhn algorithm over the card-issuer prefix 80840 followed by the
    first nine digits must give the tenth digit (CMS NPI check-digit specification)."""
    if len(npi) != 10 or not npi.isdigit():
        return False
    digits = [int(c) for c in "80840" + npi[:9]]
    total = 0
    # Double every second digit counting from the right of the payload (the check digit's left).
    for i, d in enumerate(reversed(digits)):
        if i % 2 == 0:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return (10 - total % 10) % 10 == int(npi[9])
