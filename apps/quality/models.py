"""Quality results submitted by or for an ACO (CAHPS and the eCQMs), versioned: a new result
for the same ACO, year and measure supersedes the previous one, which is kept."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class QualitySubmission(models.Model):
    class Measure(models.TextChoices):
        CAHPS = "cahps", "CAHPS for ACOs"
        HBA1C = "hba1c_poor_control", "Diabetes: HbA1c poor control (>9%)"
        BP = "bp_control", "Controlling high blood pressure (<140/90)"

    aco = models.ForeignKey("acos.ACO", on_delete=models.CASCADE, related_name="quality_submissions")
    performance_year = models.PositiveSmallIntegerField()
    measure = models.CharField(max_length=24, choices=Measure.choices)
    numerator = models.PositiveIntegerField(null=True, blank=True)
    denominator = models.PositiveIntegerField(null=True, blank=True)
    score = models.DecimalField(max_digits=7, decimal_places=3, null=True, blank=True)
    source = models.CharField(max_length=255, blank=True)
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    submitted_at = models.DateTimeField(auto_now_add=True)
    superseded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["aco", "performance_year", "measure", "-submitted_at"]
        indexes = [models.Index(fields=["aco", "performance_year", "measure"])]

    def __str__(self) -> str:
        return f"{self.aco_id} PY{self.performance_year} {self.measure}"
