"""What-if scenarios: an ACO administrator's drafts of a list or election change for a PY, private to the
ACO, kept in versions (each save is a new version; nothing is overwritten), each with the alignment
preview computed when it was saved (or recomputed against a newer alignment run), and, once filed, the
list change it became."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models


class Scenario(models.Model):
    aco = models.ForeignKey("acos.ACO", on_delete=models.CASCADE, related_name="scenarios")
    performance_year = models.PositiveSmallIntegerField()
    name = models.CharField(max_length=120)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-updated_at", "-id"]
        indexes = [models.Index(fields=["aco", "performance_year"])]

    def __str__(self) -> str:
        return f"{self.aco.aco_id} PY{self.performance_year}: {self.name}"

    def latest_version(self) -> ScenarioVersion | None:
        return self.versions.order_by("-number").first()


class ScenarioVersion(models.Model):
    """One version of a scenario's changes. ``add_tins``: ``[{"tin", "legal_name", "practice_zip",
    "ccns": [...]}]``; ``remove_tins``: ``["<tin>", ...]``; ``add_ccns``/``remove_ccns``: ``[{"ccn",
    "tin"}]`` (the Participant TIN whose row lists the CCN); ``risk_option``/``alignment_approach``: the
    election's new value, or empty to keep it."""

    scenario = models.ForeignKey(Scenario, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    add_tins = models.JSONField(default=list, blank=True)
    remove_tins = models.JSONField(default=list, blank=True)
    add_ccns = models.JSONField(default=list, blank=True)
    remove_ccns = models.JSONField(default=list, blank=True)
    risk_option = models.CharField(max_length=16, blank=True, default="")
    alignment_approach = models.CharField(max_length=16, blank=True, default="")
    note = models.TextField(blank=True, default="")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    # The alignment preview's figures (``services.preview_document``) and the run they compare with.
    preview = models.JSONField(null=True, blank=True)
    preview_run = models.ForeignKey(
        "alignment.AlignmentRun", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    preview_error = models.CharField(max_length=255, blank=True, default="")
    # Filing: the list change it became (a change request after the deadline, else applied at once).
    filed_at = models.DateTimeField(null=True, blank=True)
    filed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    filed_request = models.ForeignKey(
        "acos.ListChangeRequest", on_delete=models.SET_NULL, null=True, blank=True, related_name="scenario_versions"
    )
    filed_outcome = models.CharField(max_length=255, blank=True, default="")

    class Meta:
        ordering = ["scenario", "-number"]
        constraints = [models.UniqueConstraint(fields=["scenario", "number"], name="scenario_version_unique_number")]

    def __str__(self) -> str:
        return f"{self.scenario} v{self.number}"

    @property
    def is_empty(self) -> bool:
        return not (
            self.add_tins
            or self.remove_tins
            or self.add_ccns
            or self.remove_ccns
            or self.risk_option
            or self.alignment_approach
        )

    def describe(self) -> list[str]:
        """The changes in words, one line each."""
        lines: list[str] = []
        for row in self.add_tins:
            ccns = f" with CCNs {', '.join(row.get('ccns') or [])}" if row.get("ccns") else ""
            lines.append(f"Add Participant TIN {row['tin']} {row.get('legal_name', '')}".rstrip() + ccns)
        lines += [f"Remove Participant TIN {tin}" for tin in self.remove_tins]
        lines += [f"Add CCN {r['ccn']} to TIN {r['tin']}" for r in self.add_ccns]
        lines += [f"Remove CCN {r['ccn']} from TIN {r['tin']}" for r in self.remove_ccns]
        labels: dict[str, Any] = {"global": "Global", "professional": "Professional"}
        if self.risk_option:
            lines.append(f"Risk option: {labels.get(self.risk_option, self.risk_option)}")
        if self.alignment_approach:
            lines.append(f"Alignment approach: {self.alignment_approach.capitalize()}")
        return lines
