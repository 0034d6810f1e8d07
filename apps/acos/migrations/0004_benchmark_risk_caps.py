"""Two money parameters of the risk-adjusted benchmark (docs/money.md): the cap on the risk ratio applied
to each base year's PBPM, and the cap on the voluntarily aligned benchmark around the claims-aligned one."""

from decimal import Decimal

import django.core.validators
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("acos", "0003_demo_clock")]

    operations = [
        migrations.AddField(
            model_name="modelparameters",
            name="risk_ratio_cap_pct",
            field=models.DecimalField(
                decimal_places=3,
                default=Decimal("3.000"),
                help_text="Assumption: the risk ratio (PY risk ÷ base-year risk) a base year's PBPM is multiplied "
                "by stays within 1 ± this %.",
                max_digits=6,
                validators=[django.core.validators.MinValueValidator(Decimal("0"))],
            ),
        ),
        migrations.AddField(
            model_name="modelparameters",
            name="voluntary_benchmark_cap_pct",
            field=models.DecimalField(
                decimal_places=3,
                default=Decimal("10.000"),
                help_text="The voluntarily aligned beneficiaries' benchmark PBPM stays within this % of the "
                "claims-aligned one of the same cohort, above or below.",
                max_digits=6,
                validators=[django.core.validators.MinValueValidator(Decimal("0"))],
            ),
        ),
    ]
