"""A Part B fact carries its line's and claim's diagnosis codes (``ClaimFact.diagnoses``), so the risk
step reads them from the facts instead of the wide CCLF5 rows; the facts of lines loaded before this
migration take them from their wide rows. The column is added by one ALTER TABLE on both databases: on
PostgreSQL the partitions take it without a rewrite, and on SQLite the table is not rebuilt (a rebuild
would drop the SQLite-only index of 0009)."""

from django.db import migrations, models


def backfill(apps, schema_editor):
    from apps.claims import loader

    part_b = loader.TABLES["CCLF5"]._meta.db_table
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(
            f"""
            UPDATE {loader.FACTS} SET diagnoses = {loader.diagnoses_sql("CCLF5", "t")}
            FROM {part_b} t
            WHERE {loader.FACTS}.source = {loader.FACT_SOURCES["CCLF5"]} AND {loader.FACTS}.row_id = t.id
            """  # noqa: S608 (table and column names from the models and the loader)
        )


class Migration(migrations.Migration):
    dependencies = [
        ("claims", "0009_claim_fact_claim_index_sqlite"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[
                migrations.RunSQL(
                    "ALTER TABLE claims_claimfact ADD COLUMN diagnoses text NOT NULL DEFAULT ''",
                    "ALTER TABLE claims_claimfact DROP COLUMN diagnoses",
                ),
            ],
            state_operations=[
                migrations.AddField(
                    model_name="claimfact",
                    name="diagnoses",
                    field=models.TextField(
                        blank=True,
                        default="",
                        help_text=(
                            "CCLF5: the line's diagnosis code and the claim's twelve, trimmed, in file order, the "
                            "empty ones left out, joined by commas; empty for the other sources."
                        ),
                    ),
                ),
            ],
        ),
        migrations.RunPython(backfill, migrations.RunPython.noop),
    ]
