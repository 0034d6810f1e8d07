"""Medicaid integration planning (docs/medicaid.md).

CMS side: the states CMS considers as partners (``MedicaidState``) with every status change kept
(``StateStatusChange``), the planning milestones (``Milestone``) and each state's framework documents
(``FrameworkDocument``).

ACO side, in a selected state: partnership arrangements with the state Medicaid agency or Medicaid
managed care organizations (``PartnershipArrangement``). An arrangement's content, versions,
transitions and comments are a ``ReviewCase`` of kind ``medicaid_arrangement``: the one review
workflow also used by list changes and BE/BEI implementation plans.

Dual eligibles: a ``DualRun`` per pipeline run reads each aligned beneficiary's CCLF8 dual status code
and their claims into ``DualBeneficiary`` rows; beneficiaries who declined data sharing
(``DataSharingOptOut``) never appear in what is shared with a Medicaid partner.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.validators import RegexValidator
from django.db import models

from apps.reviews.models import ReviewCase

if TYPE_CHECKING:
    from apps.acos.models import ACO

# The planning phase, when CMS works out the framework with up to two states.
PLANNING_START = dt.date(2026, 3, 1)
PLANNING_END = dt.date(2027, 12, 31)
MAX_SELECTED_STATES = 2

STATE_CODE_VALIDATOR = RegexValidator(r"^[A-Z]{2}$", "A state is its two-letter USPS code, e.g. NC.")


class StateStatus(models.TextChoices):
    INTERESTED = "interested", "Interested"
    UNDER_CONSIDERATION = "under_consideration", "Under consideration"
    SELECTED = "selected", "Selected"
    NOT_SELECTED = "not_selected", "Not selected"


# Where a state may go from each status. A decision can be reopened (back to under consideration).
STATE_TRANSITIONS: dict[str, tuple[str, ...]] = {
    StateStatus.INTERESTED: (StateStatus.UNDER_CONSIDERATION, StateStatus.NOT_SELECTED),
    StateStatus.UNDER_CONSIDERATION: (StateStatus.SELECTED, StateStatus.NOT_SELECTED, StateStatus.INTERESTED),
    StateStatus.SELECTED: (StateStatus.UNDER_CONSIDERATION,),
    StateStatus.NOT_SELECTED: (StateStatus.UNDER_CONSIDERATION,),
}


class DeliverySystem(models.TextChoices):
    FEE_FOR_SERVICE = "ffs", "Fee-for-service"
    MANAGED_CARE = "managed_care", "Managed care"


class MedicaidState(models.Model):
    code = models.CharField(max_length=2, unique=True, validators=[STATE_CODE_VALIDATOR])
    name = models.CharField(max_length=60)
    status = models.CharField(max_length=20, choices=StateStatus.choices, default=StateStatus.INTERESTED, db_index=True)
    delivery_system = models.CharField(max_length=12, choices=DeliverySystem.choices)
    medicaid_agency = models.CharField("state Medicaid agency", max_length=200, blank=True)
    notes = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"

    @property
    def is_selected(self) -> bool:
        return self.status == StateStatus.SELECTED


class StateStatusChange(models.Model):
    """Every status change of a state: who, when and why. Never updated."""

    state = models.ForeignKey(MedicaidState, on_delete=models.CASCADE, related_name="status_changes")
    from_status = models.CharField(max_length=20, choices=StateStatus.choices, blank=True)
    to_status = models.CharField(max_length=20, choices=StateStatus.choices)
    reason = models.TextField(blank=True)
    changed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    changed_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["state", "changed_at", "id"]

    def __str__(self) -> str:
        return f"{self.state_id}: {self.from_status or '-'} -> {self.to_status}"


class Milestone(models.Model):
    """A step of the planning phase, for one state or (state empty) for the whole model."""

    class Status(models.TextChoices):
        PLANNED = "planned", "Planned"
        IN_PROGRESS = "in_progress", "In progress"
        DONE = "done", "Done"

    state = models.ForeignKey(MedicaidState, null=True, blank=True, on_delete=models.CASCADE, related_name="milestones")
    title = models.CharField(max_length=120)
    start = models.DateField()
    end = models.DateField()
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.PLANNED)
    notes = models.TextField(blank=True)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["start", "end", "id"]
        constraints = [
            models.CheckConstraint(condition=models.Q(end__gte=models.F("start")), name="milestone_end_after_start")
        ]

    def __str__(self) -> str:
        return self.title


class FrameworkDocument(models.Model):
    """A state's framework document. A new upload with the same title is its next version."""

    state = models.ForeignKey(MedicaidState, on_delete=models.CASCADE, related_name="documents")
    title = models.CharField(max_length=160)
    version = models.PositiveSmallIntegerField(default=1)
    file = models.FileField(upload_to="medicaid/%Y/%m/")
    original_name = models.CharField(max_length=200)
    size = models.PositiveIntegerField()
    content_type = models.CharField(max_length=100)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["state", "title", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["state", "title", "version"], name="framework_document_unique_version")
        ]

    def __str__(self) -> str:
        return f"{self.title} v{self.version}"


class PartnerType(models.TextChoices):
    STATE_AGENCY = "state_agency", "State Medicaid agency"
    MCO = "mco", "Medicaid managed care organization"


class AgreementStatus(models.TextChoices):
    PLANNED = "planned", "Planned"
    NEGOTIATING = "negotiating", "In negotiation"
    SIGNED = "signed", "Signed"
    ACTIVE = "active", "In effect"
    ENDED = "ended", "Ended"


# The care-coordination strategies an arrangement describes (docs/medicaid.md).
STRATEGIES: dict[str, str] = {
    "integrated_care_plans": "Integrated care plans",
    "primary_care_connection": "Connection to primary care",
    "risk_stratification": "Risk stratification",
    "nursing_facility_transitions": "Transitions from long-stay nursing facilities",
}

# The arrangement's content keys (``PartnershipArrangement.review.content``), in page order.
ARRANGEMENT_FIELDS: dict[str, str] = {
    "partner_type": "Partner type",
    "partner_name": "Partner",
    "agreement_status": "Agreement status",
    "start_date": "Start date",
    "end_date": "End date",
    "roles": "Roles and responsibilities",
    "strategies": "Care-coordination strategies",
    "data_sharing": "Data-sharing agreement",
    "contacts": "Contacts",
}


class PartnershipArrangement(models.Model):
    """An ACO's arrangement with a Medicaid partner in a selected state. Its content lives in
    ``review.content`` (keys in ``ARRANGEMENT_FIELDS``), so submission, versions, the audit trail and
    comments are the review workflow's."""

    aco = models.ForeignKey("acos.ACO", on_delete=models.CASCADE, related_name="medicaid_arrangements")
    state = models.ForeignKey(MedicaidState, on_delete=models.PROTECT, related_name="arrangements")
    review = models.OneToOneField(ReviewCase, on_delete=models.PROTECT, related_name="medicaid_arrangement")

    class Meta:
        ordering = ["-review__created_at"]
        indexes = [models.Index(fields=["aco", "state"])]

    def __str__(self) -> str:
        return self.review.title

    @property
    def status(self) -> str:
        return self.review.state

    @property
    def content(self) -> dict[str, Any]:
        return self.review.content

    @property
    def owner(self) -> ACO:
        return self.aco


class DataSharingOptOut(models.Model):
    """A beneficiary who declined to have their data shared with the ACO's Medicaid partners. Revoking
    keeps the row (``revoked_at``); at most one open opt-out per ACO and beneficiary."""

    class Source(models.TextChoices):
        BENEFICIARY = "beneficiary", "Told the ACO"
        FORM = "form", "Signed form"
        MEDICARE = "medicare", "Through 1-800-MEDICARE"

    aco = models.ForeignKey("acos.ACO", on_delete=models.CASCADE, related_name="data_sharing_opt_outs")
    mbi = models.CharField("MBI", max_length=11, help_text="The current MBI (an old one is resolved on entry).")
    declined_on = models.DateField()
    source = models.CharField(max_length=12, choices=Source.choices, default=Source.BENEFICIARY)
    note = models.CharField(max_length=300, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["-declined_on", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["aco", "mbi"], condition=models.Q(revoked_at__isnull=True), name="optout_one_open_per_mbi"
            )
        ]

    def __str__(self) -> str:
        return f"{self.aco_id} {self.mbi}"


class DualGroup(models.TextChoices):
    FULL = "full", "Full-benefit dual"
    PARTIAL = "partial", "Partial-benefit dual"
    NONE = "none", "Not dual"


class DualRun(models.Model):
    """Dual-eligible analytics of a performance year over one alignment run."""

    class Status(models.TextChoices):
        RUNNING = "running", "Computing"
        SUCCEEDED = "succeeded", "Done"
        FAILED = "failed", "Failed"

    performance_year = models.PositiveSmallIntegerField()
    alignment_run = models.ForeignKey("alignment.AlignmentRun", on_delete=models.CASCADE, related_name="dual_runs")
    through = models.DateField(null=True, blank=True, help_text="Claims counted through this date.")
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.RUNNING, db_index=True)
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    counts = models.JSONField(default=dict, blank=True)
    message = models.TextField(blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"Dual eligibles PY{self.performance_year} #{self.pk} ({self.status})"


class DualBeneficiary(models.Model):
    """One aligned beneficiary of a dual run: dual status and their use of care in the PY."""

    run = models.ForeignKey(DualRun, on_delete=models.CASCADE, related_name="beneficiaries")
    aco = models.ForeignKey("acos.ACO", on_delete=models.CASCADE, related_name="+")
    mbi = models.CharField("MBI", max_length=11)
    dual_code = models.CharField("BENE_DUAL_STUS_CD", max_length=2, blank=True)
    dual_group = models.CharField(max_length=8, choices=DualGroup.choices)
    member_months = models.PositiveSmallIntegerField(default=0)
    spending = models.DecimalField(max_digits=12, decimal_places=2, default=Decimal("0.00"))
    admissions = models.PositiveIntegerField(default=0)
    ed_visits = models.PositiveIntegerField(default=0)
    last_admission = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["run", "aco", "mbi"]
        verbose_name_plural = "dual beneficiaries"
        constraints = [models.UniqueConstraint(fields=["run", "mbi"], name="dualbeneficiary_unique_mbi")]
        indexes = [models.Index(fields=["run", "aco", "dual_group"])]

    def __str__(self) -> str:
        return f"{self.mbi} {self.dual_group}"
