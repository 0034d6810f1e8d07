"""``lead_shard(mbi, count)``, the hash that splits a step into parts by beneficiary (``apps.claims.shards``).
PostgreSQL only: SQLite connections get a Python function of that name when they open."""

from django.db import migrations

from apps.claims.shards import POSTGRES_DDL, POSTGRES_DROP


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(POSTGRES_DDL)


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(POSTGRES_DROP)


class Migration(migrations.Migration):
    dependencies = [("claims", "0007_claim_facts")]

    operations = [migrations.RunPython(create, drop, elidable=False)]
