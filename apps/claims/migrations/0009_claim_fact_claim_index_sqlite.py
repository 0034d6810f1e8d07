"""SQLite only: an index on the claim facts' (claim_id, source). Steps join a claim's lines to its header
facts by claim id; PostgreSQL hashes that join (its facts carry no index, by design: see 0007), while SQLite
only joins by index, and without one it searched every revenue line for each header (minutes for the
10,000-beneficiary demo; about a second with it)."""

from django.db import migrations

NAME = "claims_claimfact_claim"


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        schema_editor.execute(f"CREATE INDEX IF NOT EXISTS {NAME} ON claims_claimfact (claim_id, source)")


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        schema_editor.execute(f"DROP INDEX IF EXISTS {NAME}")


class Migration(migrations.Migration):
    dependencies = [("claims", "0008_lead_shard_function")]

    operations = [migrations.RunPython(create, drop, elidable=False)]
