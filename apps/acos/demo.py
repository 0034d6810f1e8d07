"""The demo dataset: two ACOs with profiles, elections and lists, and one person per role.
Later releases add generated claims and everything computed from them."""

from __future__ import annotations

import os
from dataclasses import dataclass

from django.db import transaction
from django_otp.plugins.otp_totp.models import TOTPDevice

from apps.accounts.models import User
from apps.accounts.services import user_create

from . import services
from .models import ACO, Election
from .reference import npi_is_valid

DEMO_PASSWORD_DEFAULT = "lead-demo-2027!"  # noqa: S105 (demo accounts only; printed for the user)
# Fixed demo TOTP keys (hex, as django-otp stores them) so the printed set-up key stays the same.
DEMO_TOTP_KEYS = {
    "cms.reviewer": "3132333435363738393031323334353637383930",
    "cms.admin": "3938373635343332313039383736353433323130",
}


def npi_with_check_digit(stem: str) -> str:
    """Complete a 9-digit NPI stem with its check digit."""
    for digit in "0123456789":
        if npi_is_valid(stem + digit):
            return stem + digit
    raise ValueError(stem)


# The two ACOs of the generated claims bundle (apps/claims/generator_world.py names them after
# regions of Ohio, their market): names, an Ohio phone number (area codes of reference/places) and
# lists of Ohio practices, for the lists-only demo and for PY2028.
ACOS = [
    {
        "aco_id": "L0001",
        "legal_name": "Cuyahoga Valley Health Partners ACO, LLC",
        "doing_business_as": "Cuyahoga Valley ACO",
        "states": ["OH"],
        "primary_contact_name": "Dana Whitfield",
        "primary_contact_email": "dana.whitfield@cvhp.example",
        "primary_contact_phone": "330-555-0142",
        "executive_name": "Marcus Oyelaran",
        "executive_email": "m.oyelaran@cvhp.example",
        "election": {
            "risk_option": "global",
            "alignment_approach": "hybrid",
            "capitation": "pcc",
            "newly_entering": False,
            "cara_participation": True,
        },
        "participants": [
            ("111000001", "Akron Family Medicine", "", "44308", "", "false"),
            ("111000002", "Cuyahoga Falls Primary Care Group", "", "44221", "", "false"),
            ("111000003", "Millersburg Rural Health Clinic", "363801", "44654", "RHC", "true"),
            ("111000004", "Wayne County Community Health Center", "361801", "44691", "FQHC", "true"),
            ("111000005", "Cleveland Internal Medicine Associates", "", "44113", "", "false"),
        ],
        "preferred": [
            ("211000001", "100000001", "Akron Orthopaedic Specialists", "20", "none"),
            ("211000001", "100000002", "Akron Orthopaedic Specialists", "20", "none"),
            ("211000002", "100000003", "Summit Cardiology", "06", "npcc"),
            ("211000003", "100000004", "Cuyahoga Valley Nurse Practitioners", "50", "none"),
        ],
    },
    {
        "aco_id": "L0002",
        "legal_name": "Mid-State Accountable Care Organization, Inc.",
        "doing_business_as": "Mid-State ACO",
        "states": ["OH"],
        "primary_contact_name": "Priya Raman",
        "primary_contact_email": "praman@msaco.example",
        "primary_contact_phone": "740-555-0187",
        "executive_name": "Ellen Castle",
        "executive_email": "ecastle@msaco.example",
        "election": {
            "risk_option": "professional",
            "alignment_approach": "prospective",
            "capitation": "none",
            "newly_entering": True,
            "cara_participation": False,
        },
        "participants": [
            ("122000001", "Zanesville Family Practice", "", "43701", "", "true"),
            ("122000002", "Columbus Primary Care", "", "43215", "", "false"),
            ("122000003", "Athens Physicians Group", "", "45701", "", "true"),
        ],
        "preferred": [
            ("222000001", "100000011", "Muskingum Pulmonary Associates", "29", "none"),
        ],
    },
]


@dataclass
class DemoAccount:
    username: str
    role: str
    acos: str
    totp_key_hex: str = ""


def _csv(rows: list[str]) -> bytes:
    return ("\n".join(rows) + "\n").encode()


@transaction.atomic
def demo_load(*, password: str | None = None) -> list[DemoAccount]:
    """Create (or leave as they are) the demo ACOs, lists and accounts. Safe to run again."""
    password = password or os.environ.get("DEMO_PASSWORD", DEMO_PASSWORD_DEFAULT)
    accounts: list[DemoAccount] = []
    acos: dict[str, ACO] = {}
    profile_fields = [k for k in ACOS[0] if k not in ("aco_id", "election", "participants", "preferred")]
    for spec in ACOS:
        aco, created = ACO.objects.get_or_create(
            aco_id=spec["aco_id"], defaults={k: spec[k] for k in ("legal_name", *profile_fields) if k in spec}
        )
        acos[aco.aco_id] = aco
        if not created:
            # The ACO came from a dataset bundle: give it the demo contacts it lacks, keep its lists.
            blanks = {k: spec[k] for k in profile_fields if k != "legal_name" and not getattr(aco, k)}
            if blanks:
                ACO.objects.filter(pk=aco.pk).update(**blanks)
        for py in (2027, 2028):
            if not Election.objects.filter(aco=aco, performance_year=py).exists():
                Election.objects.create(aco=aco, performance_year=py, **spec["election"])  # type: ignore[arg-type]
            if aco.participants.filter(performance_year=py).exists():
                continue
            participants = ["aco_id,performance_year,tin,legal_name,ccns,practice_zip,facility_type,new_to_aco"] + [
                f"{aco.aco_id},{py},{tin},{name},{ccns},{zip_code},{ftype},{new}"
                for tin, name, ccns, zip_code, ftype, new in spec["participants"]
            ]
            preferred = ["aco_id,performance_year,tin,npi,name,specialty_code,capitation"] + [
                f"{aco.aco_id},{py},{tin},{npi_with_check_digit(stem[:9])},{name},{spec_code},{cap}"
                for tin, stem, name, spec_code, cap in spec["preferred"]
            ]
            for list_type, rows in (("participants", participants), ("preferred_providers", preferred)):
                outcome = services.list_import(aco=aco, performance_year=py, list_type=list_type, data=_csv(rows))
                if outcome.errors:
                    raise ValueError(f"Demo {list_type} list is invalid: {outcome.errors}")

    def person(username: str, first: str, last: str, cms_role: str = "") -> User:
        user = User.objects.filter(username=username).first()
        if user is None:
            user = user_create(
                username=username,
                password=password,
                email=f"{username}@lead-demo.example",
                first_name=first,
                last_name=last,
                cms_role=cms_role,
            )
        return user

    for aco_id, prefix, admin_name, analyst_name in (
        ("L0001", "cvhp", ("Dana", "Whitfield"), ("Omar", "Haddad")),
        ("L0002", "msaco", ("Priya", "Raman"), ("Lee", "Sutton")),
    ):
        admin = person(f"{prefix}.admin", *admin_name)
        analyst = person(f"{prefix}.analyst", *analyst_name)
        services.membership_set(user=admin, aco=acos[aco_id], role="admin")
        services.membership_set(user=analyst, aco=acos[aco_id], role="analyst")
        accounts += [
            DemoAccount(admin.username, "ACO administrator", aco_id),
            DemoAccount(analyst.username, "ACO analyst (read-only)", aco_id),
        ]
    both = person("network.admin", "Jordan", "Avery")
    services.membership_set(user=both, aco=acos["L0001"], role="admin")
    services.membership_set(user=both, aco=acos["L0002"], role="admin")
    accounts.append(DemoAccount(both.username, "ACO administrator", "L0001, L0002 (uses the ACO switcher)"))
    for username, role, label, names in (
        ("cms.reviewer", User.CMSRole.REVIEWER, "CMS reviewer", ("Renee", "Adair")),
        ("cms.admin", User.CMSRole.ADMIN, "CMS admin", ("Sam", "Okafor")),
    ):
        user = person(username, *names, cms_role=role)
        device, _ = TOTPDevice.objects.get_or_create(
            user=user, name="Demo authenticator", defaults={"key": DEMO_TOTP_KEYS[username], "confirmed": True}
        )
        accounts.append(DemoAccount(username, label, "all ACOs", totp_key_hex=device.key))
    return accounts
