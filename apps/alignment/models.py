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
    finished_at = models.DateTimeField(null=True, blank=True)
    data_version = models.PositiveIntegerField(
        default=0, help_text="The last CCLF file (by id) the run read: which data it reflects."
    )
    counts = models.JSONField(default=dict, blank=True)
    message = models.TextField(blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"Alignment PY{self.performance_year} #{self.pk} ({self.status})"


class AlignedBeneficiary(models.Model):
    class Type(models.TextChoices):
        CLAIMS = "claims", "Claims-based"
        VOLUNTARY = "voluntary", "Voluntary"

    run = models.ForeignKey(AlignmentRun, on_delete=models.CASCADE, related_name="aligned")
    mbi = models.CharField("MBI", max_length=11)
    aco = models.ForeignKey("acos.ACO", on_delete=models.CASCADE, related_name="aligned_beneficiaries")
    alignment_type = models.CharField(max_length=9, choices=Type.choices)
    step = models.CharField(max_length=9, help_text="1, 2 or voluntary")
    tin = models.CharField("aligning TIN or CCN", max_length=9, blank=True)
    unit_kind = models.CharField(max_length=3, blank=True, help_text="tin or ccn")
    npi = models.CharField("aligning NPI", max_length=10, blank=True)
    explanation = models.JSONField(default=dict)

    class Meta:
        ordering = ["run", "mbi"]
        constraints = [models.UniqueConstraint(fields=["run", "mbi"], name="aligned_unique_run_mbi")]
        indexes = [models.Index(fields=["run", "aco", "mbi"])]

    def __str__(self) -> str:
        return f"{self.mbi} → {self.aco_id} ({self.alignment_type})"
