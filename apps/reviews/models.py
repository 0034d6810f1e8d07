"""The one review workflow: list change requests, BE/BEI implementation plans and Medicaid
partnership arrangements are all a ``ReviewCase`` of some registered kind.

A case carries its working content (editable only while it is a draft or changes were requested);
each submission freezes that content as an immutable ``ReviewVersion``; every state change is a
``ReviewTransition`` with who, when and why.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models


class ReviewState(models.TextChoices):
    DRAFT = "draft", "Draft"
    SUBMITTED = "submitted", "Submitted"
    IN_REVIEW = "in_review", "In review"
    CHANGES_REQUESTED = "changes_requested", "Changes requested"
    APPROVED = "approved", "Approved"
    DENIED = "denied", "Denied"
    WITHDRAWN = "withdrawn", "Withdrawn"


OPEN_STATES = (ReviewState.SUBMITTED, ReviewState.IN_REVIEW)
FINAL_STATES = (ReviewState.APPROVED, ReviewState.DENIED, ReviewState.WITHDRAWN)


class ReviewCase(models.Model):
    kind = models.CharField(max_length=48, db_index=True)
    title = models.CharField(max_length=200)
    state = models.CharField(max_length=20, choices=ReviewState.choices, default=ReviewState.DRAFT, db_index=True)
    content = models.JSONField(default=dict, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="review_cases")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="review_decisions",
    )
    decision_reason = models.TextField(blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["kind", "state", "submitted_at"])]

    def __str__(self) -> str:
        return f"{self.title} ({self.get_state_display()})"

    @property
    def is_final(self) -> bool:
        return self.state in FINAL_STATES


class ReviewVersion(models.Model):
    """What was submitted, frozen. Never updated after creation."""

    case = models.ForeignKey(ReviewCase, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    content = models.JSONField()
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT)
    submitted_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["case", "number"]
        constraints = [models.UniqueConstraint(fields=["case", "number"], name="review_version_unique_number")]

    def __str__(self) -> str:
        return f"{self.case_id} v{self.number}"


class ReviewTransition(models.Model):
    case = models.ForeignKey(ReviewCase, on_delete=models.CASCADE, related_name="transitions")
    from_state = models.CharField(max_length=20, choices=ReviewState.choices)
    to_state = models.CharField(max_length=20, choices=ReviewState.choices)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT)
    at = models.DateTimeField(auto_now_add=True)
    reason = models.TextField(blank=True)

    class Meta:
        ordering = ["case", "at", "id"]

    def __str__(self) -> str:
        return f"{self.case_id}: {self.from_state} → {self.to_state}"


class ReviewComment(models.Model):
    case = models.ForeignKey(ReviewCase, on_delete=models.CASCADE, related_name="comments")
    version = models.ForeignKey(ReviewVersion, null=True, blank=True, on_delete=models.SET_NULL)
    section = models.CharField(max_length=64, blank=True)
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT)
    at = models.DateTimeField(auto_now_add=True)
    body = models.TextField()

    class Meta:
        ordering = ["case", "at", "id"]

    def __str__(self) -> str:
        return f"Comment on {self.case_id} by {self.author_id}"
