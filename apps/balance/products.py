"""The GLP-1 products the portal recognises on CCLF7 fills, by NDC: the reference table carried in the
repository (``reference/glp1/ndcs.csv``, one row per package NDC with the FDA NDC Directory entry it was
taken from; see ``reference/glp1/README.md``). ``use`` is ``obesity`` for weight-management products and
``diabetes`` for the type 2 diabetes ones; ``bridge_covered`` marks the four products the Medicare GLP-1
Bridge covers (Wegovy injection and tablet, Zepbound, Foundayo)."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from django.conf import settings

TABLE = Path(settings.BASE_DIR) / "reference" / "glp1" / "ndcs.csv"


@dataclass(frozen=True)
class Product:
    ndc: str
    product: str
    generic: str
    form: str
    strength: str
    use: str
    bridge_covered: bool
    source: str


@cache
def by_ndc() -> dict[str, Product]:
    """Every recognised package NDC (11 digits, no hyphens) and its product."""
    with TABLE.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    table: dict[str, Product] = {}
    for row in rows:
        ndc = row["ndc"].strip()
        if len(ndc) != 11 or not ndc.isdigit():
            raise ValueError(f"{TABLE.name}: NDC {ndc!r} is not 11 digits")
        table[ndc] = Product(
            ndc=ndc,
            product=row["product"].strip(),
            generic=row["generic"].strip(),
            form=row["form"].strip(),
            strength=row["strength"].strip(),
            use=row["use"].strip(),
            bridge_covered=row["bridge_covered"].strip().lower() == "true",
            source=row["source"].strip(),
        )
    return table


def bridge_products() -> list[str]:
    """The names of the Bridge-covered products, in table order without repeats."""
    return list(dict.fromkeys(p.product for p in by_ndc().values() if p.bridge_covered))
