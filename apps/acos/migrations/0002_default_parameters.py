"""Default model parameters for PY2027–PY2029 (docs/model.md). Values CMS has not published are the
documented assumptions; CMS admins change them in the administration pages."""

import datetime
from decimal import Decimal

from django.db import migrations

CORRIDORS = {
    "global": [[0, 15, 100], [15, 35, 50], [35, 50, 25], [50, None, 10]],
    "professional": [[0, 10, 60], [10, 15, 35], [15, 20, 15], [20, None, 5]],
}
ALL_STATES = [
    "AL", "AK", "AZ", "AR", "CA", "CO", "CT", "DE", "DC", "FL", "GA", "HI", "ID", "IL", "IN", "IA", "KS", "KY",
    "LA", "ME", "MD", "MA", "MI", "MN", "MS", "MO", "MT", "NE", "NV", "NH", "NJ", "NM", "NY", "NC", "ND", "OH",
    "OK", "OR", "PA", "PR", "RI", "SC", "SD", "TN", "TX", "UT", "VT", "VA", "WA", "WV", "WI", "WY",
]
# Assumption: hemp products within the BEI's limits are legal everywhere except Idaho, which bans
# any detectable THC. A CMS admin corrects the list per year.
SUBSTANCE_ACCESS_STATES = [s for s in ALL_STATES if s != "ID"]
ECQM_PHASE = {2027: "optional", 2028: "optional", 2029: "reporting"}


def load(apps, schema_editor):
    ModelParameters = apps.get_model("acos", "ModelParameters")
    for year in (2027, 2028, 2029):
        ModelParameters.objects.update_or_create(
            performance_year=year,
            defaults={
                "list_deadline": datetime.date(year - 1, 10, 31),
                "corridors": CORRIDORS,
                "ecqm_phase": ECQM_PHASE[year],
                "benefit_availability": {"part_d_premium_buydown": 2029},
                "substance_access_legal_states": SUBSTANCE_ACCESS_STATES,
                "rural_addon_pbpm": Decimal("8.00"),
            },
        )


def unload(apps, schema_editor):
    apps.get_model("acos", "ModelParameters").objects.filter(performance_year__in=(2027, 2028, 2029)).delete()


class Migration(migrations.Migration):
    dependencies = [("acos", "0001_initial")]
    operations = [migrations.RunPython(load, unload)]
