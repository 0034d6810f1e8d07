"""Alignment runs and their results: who is aligned to which ACO for a performance year, how,
and why (the explanation the engine gives)."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class AlignmentRun(models.Model):
    """One computation of alignment for a performance year over the claims loaded so far."""

    class Status(models.TextChoices):
        REQUESTED = "requested", "Waiting to start"
        RUNNING = "running", "Computing"
        SUCCEEDED = "succeeded", "Done"
        FAILED = "failed", "Failed"

    performance_year = models.PositiveSmallIntegerField()
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.REQUESTED, db_index=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    heartbeat_at = models.DateTimeField(
        null=True, blank=True, help_text="Last sign of life of the worker computing it (lead_portal.jobs)."
    )
    finished_at = models.DateTimeField(null=True, blank=True)
    data_version = models.PositiveIntegerField(
        default=0, help_text="The last CCLF file (by id) the run read: which data it reflects."
    )
    as_of = models.DateField(
        null=True,
        blank=True,
        help_text="For a mid-year (Hybrid) run: the date it is run as of. Empty: the prospective run.",
    )
    stage = models.CharField(max_length=80, blank=True, help_text="What the run is doing now.")
    percent = models.PositiveSmallIntegerField(default=0)
    counts = models.JSONField(default=dict, blank=True)
    timings = models.JSONField(default=dict, blank=True, help_text="Seconds per step.")
    message = models.TextField(blank=True)
    risk_run = models.ForeignKey(
        "risk.RiskRun",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="The risk scores the High Needs risk-score criteria used; empty: not evaluated.",
    )
    shards = models.PositiveSmallIntegerField(
        default=1,
        help_text="Parts by beneficiary the run is computed in (apps.claims.shards), one task each; 1: one task.",
    )

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"Alignment PY{self.performance_year} #{self.pk} ({self.status})"

    @property
    def is_finished(self) -> bool:
        return self.status in (self.Status.SUCCEEDED, self.Status.FAILED)

    @property
    def kind_label(self) -> str:
        return f"mid-year as of {self.as_of:%b %-d, %Y}" if self.as_of else "prospective"


class AlignmentShard(models.Model):
    """One part (by beneficiary) of a sharded alignment run: claimed by one worker, which aligns the part's
    beneficiaries and writes their rows; the run's own task waits for every part, runs parts nobody has
    taken yet, and then adds the run-wide figures."""

    class Status(models.TextChoices):
        REQUESTED = "requested", "Waiting to start"
        RUNNING = "running", "Computing"
        SUCCEEDED = "succeeded", "Done"
        FAILED = "failed", "Failed"

    run = models.ForeignKey(AlignmentRun, on_delete=models.CASCADE, related_name="parts")
    index = models.PositiveSmallIntegerField()
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.REQUESTED)
    started_at = models.DateTimeField(null=True, blank=True)
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    worker = models.CharField(max_length=200, blank=True, help_text="Host and process that computed it.")
    counts = models.JSONField(default=dict, blank=True)
    timings = models.JSONField(default=dict, blank=True, help_text="Seconds per step.")
    message = models.TextField(blank=True)

    class Meta:
        ordering = ["run", "index"]
        constraints = [models.UniqueConstraint(fields=["run", "index"], name="alignment_shard_unique")]

    def __str__(self) -> str:
        return f"Alignment run {self.run_id} part {self.index + 1}/{self.run.shards} ({self.status})"

    @property
    def seconds(self) -> float | None:
        if self.started_at is None or self.finished_at is None:
            return None
        return (self.finished_at - self.started_at).total_seconds()


class AlignedBeneficiary(models.Model):
    """One aligned beneficiary of a run, with a snapshot of who they are (for search and the ALR)."""

    class Type(models.TextChoices):
        CLAIMS = "claims", "Claims-based"
        VOLUNTARY = "voluntary", "Voluntary"

    class Cohort(models.TextChoices):
        AGED_DISABLED = "aged_disabled", "Aged & Disabled"
        ESRD = "esrd", "ESRD"
        HIGH_NEEDS = "high_needs", "High Needs"

    run = models.ForeignKey(AlignmentRun, on_delete=models.CASCADE, related_name="aligned")
    mbi = models.CharField("MBI", max_length=11)
    aco = models.ForeignKey("acos.ACO", on_delete=models.CASCADE, related_name="aligned_beneficiaries")
    alignment_type = models.CharField(max_length=9, choices=Type.choices)
    step = models.CharField(max_length=9, help_text="1, 2 or voluntary")
    tin = models.CharField("aligning TIN or CCN", max_length=9, blank=True)
    unit_kind = models.CharField(max_length=3, blank=True, help_text="tin or ccn")
    npi = models.CharField("aligning NPI", max_length=10, blank=True)
    effective_from = models.DateField(null=True)
    added_midyear = models.BooleanField(default=False)
    cohort = models.CharField(max_length=13, choices=Cohort.choices, default=Cohort.AGED_DISABLED)
    high_needs = models.BooleanField("High Needs", default=False)
    high_needs_criteria = models.JSONField(default=list, blank=True, help_text="Criteria met (codes).")
    first_name = models.CharField(max_length=30, blank=True)
    last_name = models.CharField(max_length=40, blank=True)
    birth_date = models.DateField(null=True)
    sex = models.CharField(max_length=1, blank=True)
    explanation = models.JSONField(default=dict)

    class Meta:
        ordering = ["run", "mbi"]
        constraints = [models.UniqueConstraint(fields=["run", "mbi"], name="aligned_unique_run_mbi")]
        indexes = [
            models.Index(fields=["run", "aco", "mbi"]),
            models.Index(fields=["run", "aco", "last_name", "first_name"]),
            models.Index(fields=["run", "aco", "tin"]),
        ]

    def __str__(self) -> str:
        return f"{self.mbi} → {self.aco_id} ({self.alignment_type})"


class HighNeedsHistory(models.Model):
    """Once High Needs, always High Needs (docs/alignment.md): the first run that found a beneficiary
    High Needs, and on which criteria. Later runs carry them forward."""

    mbi = models.CharField("MBI", max_length=11, primary_key=True)
    first_run = models.ForeignKey(AlignmentRun, null=True, on_delete=models.SET_NULL, related_name="+")
    first_met_on = models.DateField(help_text="The assessment date of the run that first found them High Needs.")
    criteria = models.JSONField(default=list)

    class Meta:
        verbose_name_plural = "High Needs history"

    def __str__(self) -> str:
        return f"{self.mbi} High Needs since {self.first_met_on}"


class AlignmentExport(models.Model):
    """An ALR-style list of an ACO's aligned beneficiaries from one run, built in the background."""

    class Format(models.TextChoices):
        CSV = "csv", "CSV"
        XLSX = "xlsx", "Excel (XLSX)"

    class Status(models.TextChoices):
        REQUESTED = "requested", "Waiting to start"
        RUNNING = "running", "Building"
        READY = "ready", "Ready"
        FAILED = "failed", "Failed"

    aco = models.ForeignKey("acos.ACO", on_delete=models.CASCADE, related_name="alignment_exports")
    run = models.ForeignKey(AlignmentRun, on_delete=models.CASCADE, related_name="exports")
    format = models.CharField(max_length=4, choices=Format.choices)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.REQUESTED)
    file = models.FileField(upload_to="exports/alignment/%Y/%m/", blank=True)
    row_count = models.PositiveIntegerField(default=0)
    message = models.TextField(blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"ALR export {self.aco_id} run {self.run_id} ({self.format}, {self.status})"

    @property
    def file_name(self) -> str:
        return f"alr-{self.aco.aco_id}-py{self.run.performance_year}-run{self.run_id}.{self.format}"
