"""Benefit Enhancements (BE) and Beneficiary Engagement Incentives (BEI), docs/benefits.md.

CMS's catalogue per performance year (``BenefitItem``), an ACO's choice of an item
(``BenefitSelection``), the implementation plan for it (``ImplementationPlan``, whose state,
content, versions, transitions and comments are a ``ReviewCase`` of kind ``benefit_plan``), files
attached to a plan, and the per-beneficiary log of what was delivered once the plan is approved.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models

from apps.reviews.models import ReviewCase

if TYPE_CHECKING:
    from apps.acos.models import ACO


# The implementation plan's content keys (``ImplementationPlan.review.content``), in page order,
# with their labels. Items list extra keys in ``BenefitItem.extra_plan_fields`` (Substance Access:
# products, dosing, frequency); every other key is required of every plan.
PLAN_FIELDS: dict[str, str] = {
    "target_population": "Target population",
    "eligibility": "Eligibility criteria",
    "services": "Services or products",
    "products": "Products",
    "dosing": "Dosing",
    "frequency": "Frequency",
    "delivery": "Delivery (who, where, how often)",
    "cost_estimate": "Cost estimate ($)",
    "funding_source": "Funding source",
    "safeguards": "Safeguards against abuse and coercion",
    "monitoring": "Monitoring and oversight",
    "start_date": "Start date",
}
ITEM_ONLY_FIELDS = ("products", "dosing", "frequency")
MAX_ATTACHMENT_BYTES = 5 * 1024 * 1024
ATTACHMENT_TYPES: dict[str, str] = {
    "pdf": "application/pdf",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "png": "image/png",
    "jpg": "image/jpeg",
    "jpeg": "image/jpeg",
    "txt": "text/plain",
    "csv": "text/csv",
}


@dataclass(frozen=True)
class ClaimsIndicator:
    """The columns of CMS's Benefit Enhancement files that say a claim used a BE: ``part_a`` of
    CCLFA (``apps.claims.models.PartABenefitCodes``, one row per Part A claim), ``part_b`` of CCLFB
    (``PartBBenefitCodes``, one row per Part B or DME claim line). "Y" means used; "N" or blank not."""

    part_a: str
    part_b: str


# The one place that says which catalogue item CMS flags on claims, and where (CCLF Information
# Packet, CCLFA/CCLFB layouts in reference/cclf/layouts.csv). Items not listed have no claims
# indicator: nothing on a claim says they were used.
CLAIMS_INDICATORS: dict[str, ClaimsIndicator] = {
    "snf_3day_waiver": ClaimsIndicator(part_a="clm_ngaco_snf_wvr_sw", part_b="clm_line_ngaco_snf_wvr_sw"),
    "telehealth": ClaimsIndicator(part_a="clm_ngaco_tlhlth_sw", part_b="clm_line_ngaco_tlhlth_sw"),
    "post_discharge_home_visits": ClaimsIndicator(
        part_a="clm_ngaco_pdschrg_hcbs_sw", part_b="clm_line_ngaco_pdschrg_hcbs_sw"
    ),
    "care_management_home_visits": ClaimsIndicator(part_a="clm_ngaco_cmg_wvr_sw", part_b="clm_ngaco_cmg_wvr_sw"),
}


class BenefitKind(models.TextChoices):
    BE = "be", "Benefit Enhancement"
    BEI = "bei", "Beneficiary Engagement Incentive"


class BenefitItem(models.Model):
    performance_year = models.PositiveSmallIntegerField()
    code = models.SlugField(max_length=64)
    name = models.CharField(max_length=120)
    kind = models.CharField(max_length=3, choices=BenefitKind.choices)
    description = models.TextField(blank=True)
    global_only = models.BooleanField(default=False, help_text="Only for ACOs taking Global (full) risk.")
    first_performance_year = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text="Not offered before this performance year."
    )
    legal_states_only = models.BooleanField(
        default=False, help_text="Offered only in states where it is legal (Substance Access)."
    )
    annual_cap_dollars = models.DecimalField(
        max_digits=8, decimal_places=2, null=True, blank=True, help_text="Per beneficiary per year."
    )
    annual_cap_count = models.PositiveIntegerField(null=True, blank=True, help_text="Per beneficiary per year.")
    extra_plan_fields = models.JSONField(default=list, blank=True, help_text="Plan fields this item also needs.")

    class Meta:
        ordering = ["performance_year", "kind", "name"]
        constraints = [
            models.UniqueConstraint(fields=["performance_year", "code"], name="benefit_item_unique_py_code"),
        ]

    def __str__(self) -> str:
        return f"PY{self.performance_year} {self.name}"

    @property
    def claims_indicator(self) -> ClaimsIndicator | None:
        """Where claims say they used this item (None: they don't)."""
        return CLAIMS_INDICATORS.get(self.code)

    def plan_fields(self) -> list[str]:
        """The content keys a plan for this item needs, in page order."""
        return [k for k in PLAN_FIELDS if k not in ITEM_ONLY_FIELDS or k in (self.extra_plan_fields or [])]


class BenefitSelection(models.Model):
    aco = models.ForeignKey("acos.ACO", on_delete=models.CASCADE, related_name="benefit_selections")
    performance_year = models.PositiveSmallIntegerField()
    item = models.ForeignKey(BenefitItem, on_delete=models.PROTECT, related_name="selections")
    selected_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    selected_at = models.DateTimeField(auto_now_add=True)
    restricted_states = models.JSONField(
        default=list,
        blank=True,
        help_text="Offered only in these of the ACO's states (when not all of them allow the item).",
    )
    withdrawn_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["aco", "performance_year", "item__name"]
        constraints = [models.UniqueConstraint(fields=["aco", "item"], name="benefit_selection_unique_aco_item")]
        indexes = [models.Index(fields=["aco", "performance_year"])]

    def __str__(self) -> str:
        return f"{self.aco_id} PY{self.performance_year} {self.item.code}"

    @property
    def is_active(self) -> bool:
        return self.withdrawn_at is None


class ImplementationPlan(models.Model):
    """The plan for one selection. Its content lives in ``review.content`` (keys in
    ``services.PLAN_FIELDS``)."""

    selection = models.OneToOneField(BenefitSelection, on_delete=models.CASCADE, related_name="plan")
    review = models.OneToOneField(ReviewCase, on_delete=models.PROTECT, related_name="benefit_plan")

    class Meta:
        ordering = ["-review__created_at"]

    def __str__(self) -> str:
        return f"Plan for {self.selection}"

    @property
    def aco(self) -> ACO:
        return self.selection.aco

    @property
    def item(self) -> BenefitItem:
        return self.selection.item

    @property
    def state(self) -> str:
        return self.review.state

    @property
    def content(self) -> dict[str, Any]:
        return self.review.content


class PlanAttachment(models.Model):
    plan = models.ForeignKey(ImplementationPlan, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(upload_to="benefits/%Y/%m/")
    original_name = models.CharField(max_length=200)
    size = models.PositiveIntegerField()
    content_type = models.CharField(max_length=100)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["plan", "uploaded_at", "id"]

    def __str__(self) -> str:
        return self.original_name


class Delivery(models.Model):
    """One benefit delivered to one beneficiary under an approved plan."""

    plan = models.ForeignKey(ImplementationPlan, on_delete=models.PROTECT, related_name="deliveries")
    aco = models.ForeignKey("acos.ACO", on_delete=models.CASCADE, related_name="benefit_deliveries")
    mbi = models.CharField("MBI", max_length=11)
    delivered_on = models.DateField()
    amount = models.DecimalField(
        max_digits=10, decimal_places=2, default=Decimal("0.00"), validators=[MinValueValidator(Decimal("0"))]
    )
    quantity = models.PositiveIntegerField(default=1, validators=[MinValueValidator(1)])
    note = models.CharField(max_length=500, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-delivered_on", "-id"]
        verbose_name_plural = "deliveries"
        indexes = [models.Index(fields=["plan", "mbi"]), models.Index(fields=["aco", "delivered_on"])]

    def __str__(self) -> str:
        return f"{self.mbi} {self.delivered_on}"
