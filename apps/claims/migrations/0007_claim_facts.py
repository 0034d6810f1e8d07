"""Narrow claim facts (``ClaimFact``). On PostgreSQL the table is partitioned by service year and its codes
are ``char(n)`` (fixed-width binary COPY), and it has no index: steps read whole partitions, and the
loader's updates join the few changed rows by hashing (an index would cost the load more than it saves);
elsewhere Django's own table. Facts of claims loaded before
this migration are cut from their wide rows."""

from django.db import migrations, models

PARTITIONED = """
CREATE TABLE claims_claimfact (
    source smallint NOT NULL CHECK (source >= 0),
    row_id bigint NOT NULL,
    service_year smallint NOT NULL CHECK (service_year >= 0),
    claim_id bigint,
    current_mbi char(11) NOT NULL,
    from_date date,
    thru_date date,
    claim_type smallint,
    tin char(10) NOT NULL,
    ccn char(6) NOT NULL,
    npi char(10) NOT NULL,
    specialty char(2) NOT NULL,
    hcpcs char(5) NOT NULL,
    pos char(2) NOT NULL,
    revenue_center char(4) NOT NULL,
    bill_type char(2) NOT NULL,
    allowed_cents bigint NOT NULL,
    paid_cents bigint,
    is_current boolean NOT NULL,
    is_denied boolean NOT NULL
) PARTITION BY LIST (service_year)
"""


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(PARTITIONED)
    else:
        schema_editor.create_model(apps.get_model("claims", "ClaimFact"))


def drop(apps, schema_editor):
    schema_editor.execute("DROP TABLE claims_claimfact")


def backfill(apps, schema_editor):
    from apps.claims import loader

    with schema_editor.connection.cursor() as cursor:
        loader.rebuild_facts(cursor)


class Migration(migrations.Migration):
    dependencies = [
        ("claims", "0006_heartbeat"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="ClaimFact",
                    fields=[
                        (
                            "pk",
                            models.CompositePrimaryKey(
                                "source",
                                "row_id",
                                "service_year",
                                blank=True,
                                editable=False,
                                primary_key=True,
                                serialize=False,
                            ),
                        ),
                        ("source", models.PositiveSmallIntegerField(help_text="CCLF file number: 1, 2, 5 or 6.")),
                        (
                            "row_id",
                            models.BigIntegerField(
                                help_text="The id of the wide row (PartAClaim, PartARevenueLine, PartBLine, DMELine)."
                            ),
                        ),
                        ("service_year", models.PositiveSmallIntegerField()),
                        ("claim_id", models.BigIntegerField(help_text="CUR_CLM_UNIQ_ID.", null=True)),
                        ("current_mbi", models.CharField(blank=True, max_length=11)),
                        (
                            "from_date",
                            models.DateField(
                                help_text="The line's from-date (the claim's for a CCLF1 header).", null=True
                            ),
                        ),
                        ("thru_date", models.DateField(null=True)),
                        ("claim_type", models.SmallIntegerField(help_text="CLM_TYPE_CD.", null=True)),
                        ("tin", models.CharField(blank=True, help_text="Rendering TIN (CCLF5).", max_length=10)),
                        (
                            "ccn",
                            models.CharField(blank=True, help_text="PRVDR_OSCAR_NUM (CCLF1, CCLF2).", max_length=6),
                        ),
                        (
                            "npi",
                            models.CharField(
                                blank=True,
                                help_text="Rendering NPI (CCLF5), pay-to NPI (CCLF6), attending NPI (CCLF1).",
                                max_length=10,
                            ),
                        ),
                        (
                            "specialty",
                            models.CharField(blank=True, help_text="CLM_PRVDR_SPCLTY_CD (CCLF5).", max_length=2),
                        ),
                        ("hcpcs", models.CharField(blank=True, max_length=5)),
                        (
                            "pos",
                            models.CharField(blank=True, help_text="Place of service (CCLF5, CCLF6).", max_length=2),
                        ),
                        (
                            "revenue_center",
                            models.CharField(blank=True, help_text="CLM_LINE_PROD_REV_CTR_CD (CCLF2).", max_length=4),
                        ),
                        (
                            "bill_type",
                            models.CharField(
                                blank=True,
                                help_text="Facility type and service classification (CCLF1): '71' is an RHC.",
                                max_length=2,
                            ),
                        ),
                        (
                            "allowed_cents",
                            models.BigIntegerField(default=0, help_text="CLM_LINE_ALOWD_CHRG_AMT (CCLF5, CCLF6)."),
                        ),
                        (
                            "paid_cents",
                            models.BigIntegerField(
                                help_text="CLM_PMT_AMT (CCLF1), CLM_LINE_CVRD_PD_AMT (CCLF2, CCLF5, CCLF6); NULL when empty.",
                                null=True,
                            ),
                        ),
                        ("is_current", models.BooleanField(default=False)),
                        ("is_denied", models.BooleanField(default=False)),
                    ],
                    options={
                        "verbose_name": "claim fact",
                    },
                ),
            ],
        ),
        migrations.RunPython(create, drop),
        migrations.RunPython(backfill, migrations.RunPython.noop),
    ]
