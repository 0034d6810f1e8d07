"""The rural add-on (docs/rural.md): one computation per performance year over an alignment run, with
each Participant TIN's rurality, each ACO's eligibility, its beneficiaries by RUCA category and the
monthly payment lines. The add-on is never reconciled (never netted at settlement)."""

from __future__ import annotations

from decimal import Decimal

from django.db import models


class RuralRun(models.Model):
    """One computation of the rural add-on for a performance year, over one alignment run."""

    class Status(models.TextChoices):
        RUNNING = "running", "Computing"
        SUCCEEDED = "succeeded", "Done"
        FAILED = "failed", "Failed"

    performance_year = models.PositiveSmallIntegerField()
    alignment_run = models.ForeignKey("alignment.AlignmentRun", on_delete=models.CASCADE, related_name="rural_runs")
    as_of = models.DateField(
        null=True, blank=True, help_text="Payments through this date are actual; later ones projected."
    )
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.RUNNING, db_index=True)
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    counts = models.JSONField(default=dict, blank=True)
    message = models.TextField(blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"Rural add-on PY{self.performance_year} #{self.pk} ({self.status})"


class RuralTIN(models.Model):
    """A Participant TIN of the PY as the run saw it, and whether it is rural (null: ZIP unknown)."""

    run = models.ForeignKey(RuralRun, on_delete=models.CASCADE, related_name="tins")
    aco = models.ForeignKey("acos.ACO", on_delete=models.CASCADE, related_name="+")
    tin = models.CharField("TIN", max_length=9)
    legal_name = models.CharField(max_length=200)
    facility_type = models.CharField(max_length=4, blank=True)
    practice_zip = models.CharField(max_length=5)
    ruca = models.PositiveSmallIntegerField("RUCA", null=True)
    rural = models.BooleanField(null=True, help_text="Empty: the ZIP is not in the USDA RUCA table.")
    rule = models.CharField(max_length=200)

    class Meta:
        ordering = ["run", "aco", "tin"]
        verbose_name = "rural TIN"
        constraints = [models.UniqueConstraint(fields=["run", "tin"], name="ruraltin_unique_run_tin")]
        indexes = [models.Index(fields=["run", "aco"])]

    def __str__(self) -> str:
        return f"{self.tin} {self.rule}"


class RuralEligibility(models.Model):
    """Whether an ACO qualifies for the add-on in the run, why, and the PBPM rate of the PY."""

    run = models.ForeignKey(RuralRun, on_delete=models.CASCADE, related_name="eligibility")
    aco = models.ForeignKey("acos.ACO", on_delete=models.CASCADE, related_name="+")
    qualifies = models.BooleanField()
    reason = models.TextField()
    rate = models.DecimalField("PBPM rate ($)", max_digits=8, decimal_places=2, default=Decimal("0.00"))
    newly_entering = models.BooleanField(default=False)
    any_new_to_aco = models.BooleanField("providers new to ACOs", default=False)

    class Meta:
        ordering = ["run", "aco"]
        verbose_name_plural = "rural eligibility"
        constraints = [models.UniqueConstraint(fields=["run", "aco"], name="ruraleligibility_unique_run_aco")]

    def __str__(self) -> str:
        return f"{self.aco_id} {'qualifies' if self.qualifies else 'does not qualify'}"


class RuralBeneficiaries(models.Model):
    """How many of an ACO's aligned beneficiaries live in each RUCA category, and how many of them are
    aligned through a rural TIN."""

    run = models.ForeignKey(RuralRun, on_delete=models.CASCADE, related_name="categories")
    aco = models.ForeignKey("acos.ACO", on_delete=models.CASCADE, related_name="+")
    category = models.CharField(max_length=12, help_text="metropolitan, micropolitan, small town, rural or unknown")
    count = models.PositiveIntegerField(default=0)
    via_rural_tin = models.PositiveIntegerField("aligned through a rural TIN", default=0)

    class Meta:
        ordering = ["run", "aco", "category"]
        verbose_name_plural = "rural beneficiaries"
        constraints = [
            models.UniqueConstraint(fields=["run", "aco", "category"], name="ruralbeneficiaries_unique_category")
        ]

    def __str__(self) -> str:
        return f"{self.aco_id} {self.category}: {self.count}"


class RuralPaymentLine(models.Model):
    """One month of an ACO's add-on: member-months aligned through rural TINs × the PBPM rate."""

    class Kind(models.TextChoices):
        ACTUAL = "actual", "Actual"
        PROJECTED = "projected", "Projected"

    run = models.ForeignKey(RuralRun, on_delete=models.CASCADE, related_name="lines")
    aco = models.ForeignKey("acos.ACO", on_delete=models.CASCADE, related_name="+")
    month = models.DateField(help_text="The first of the month.")
    member_months = models.PositiveIntegerField(default=0)
    rate = models.DecimalField("PBPM rate ($)", max_digits=8, decimal_places=2)
    amount = models.DecimalField("amount ($)", max_digits=14, decimal_places=2)
    kind = models.CharField(max_length=9, choices=Kind.choices)

    class Meta:
        ordering = ["run", "aco", "month"]
        constraints = [models.UniqueConstraint(fields=["run", "aco", "month"], name="ruralpaymentline_unique_month")]

    def __str__(self) -> str:
        return f"{self.aco_id} {self.month:%Y-%m}: ${self.amount}"
