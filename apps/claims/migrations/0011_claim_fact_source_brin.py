"""PostgreSQL only: a BRIN index on the claim facts' ``source``. The loader writes a file's facts in one
COPY, so within a service year's partition the rows of each CCLF file lie together; the index keeps, per
32 pages, the smallest and largest source there, and a step that reads the Part A headers or revenue lines
(a tenth of the rows) reads only the pages that hold them instead of the whole partition. It costs a few
pages, nothing on COPY for the pages not yet summarised, and the loader summarises the new pages at the end
of each load (``loader.summarize_fact_index``). Created on the partitioned table, it is created on every
partition, and on each partition the loader adds later."""

from django.db import migrations

NAME = "claims_claimfact_source_brin"


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {NAME} ON claims_claimfact USING brin (source) WITH (pages_per_range = 32)"
        )


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP INDEX IF EXISTS {NAME}")


class Migration(migrations.Migration):
    dependencies = [("claims", "0010_claim_fact_diagnoses")]

    operations = [migrations.RunPython(create, drop, elidable=False)]
