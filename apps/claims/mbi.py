"""The CMS Medicare Beneficiary Identifier format (11 characters).

Positions 1: digit 1–9; 2, 5, 8, 9: letter; 3, 6: letter or digit; 4, 7, 10, 11: digit.
Letters exclude S, L, O, I, B and Z.
"""

import re

_L = "AC-HJKMNP-RT-Y"
MBI_RE = re.compile(rf"^[1-9][{_L}][{_L}0-9][0-9][{_L}][{_L}0-9][0-9][{_L}][{_L}][0-9][0-9]$")


def mbi_is_valid(value: str) -> bool:
    return bool(MBI_RE.match(value))
