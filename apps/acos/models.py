"""ACOs, who works for them, their yearly elections and lists, list change requests, and the
model parameters CMS sets for each performance year."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator, RegexValidator
from django.db import models

from apps.reviews.models import ReviewCase

from .reference import US_STATES

ACO_ID_VALIDATOR = RegexValidator(r"^[A-Z][0-9]{4}$", "A LEAD ACO id is a capital letter and 4 digits, e.g. L0001.")
TIN_VALIDATOR = RegexValidator(r"^[0-9]{9}$", "A TIN is exactly 9 digits.")
NPI_FORMAT_VALIDATOR = RegexValidator(r"^[0-9]{10}$", "An NPI is exactly 10 digits.")
ZIP_VALIDATOR = RegexValidator(r"^[0-9]{5}$", "A ZIP code is 5 digits.")
STATE_CHOICES = [(code, name) for code, name in US_STATES.items()]


class RiskOption(models.TextChoices):
    GLOBAL = "global", "Global"
    PROFESSIONAL = "professional", "Professional"


class AlignmentApproach(models.TextChoices):
    PROSPECTIVE = "prospective", "Prospective"
    HYBRID = "hybrid", "Hybrid"


class Capitation(models.TextChoices):
    NONE = "none", "None"
    PCC = "pcc", "Primary Care Capitation (PCC)"
    TCC = "tcc", "Total Care Capitation (TCC)"
    NPCC = "npcc", "Non-Primary Care Capitation (NPCC)"
    APO = "apo", "Advanced Payment Option (APO)"


class FacilityType(models.TextChoices):
    NONE = "", "None"
    CAH = "CAH", "Critical Access Hospital"
    RHC = "RHC", "Rural Health Clinic"
    FQHC = "FQHC", "Federally Qualified Health Center"


class ECQMPhase(models.TextChoices):
    OPTIONAL = "optional", "Optional"
    REPORTING = "reporting", "Pay for reporting"
    PERFORMANCE = "performance", "Pay for performance"


def _pct(default: str, help_text: str = "") -> models.DecimalField:
    return models.DecimalField(
        max_digits=6,
        decimal_places=3,
        default=Decimal(default),
        help_text=help_text,
        validators=[MinValueValidator(Decimal("0"))],
    )


class ModelParameters(models.Model):
    """Everything CMS sets per performance year. Values marked as assumptions in docs/model.md are
    here so a CMS admin can change them without a release."""

    performance_year = models.PositiveSmallIntegerField(primary_key=True)
    list_deadline = models.DateField(
        help_text="After this date Participant TIN and Preferred Provider list changes need CMS approval."
    )
    quality_withhold_pct = _pct("3.000", "Quality withhold, % of benchmark.")
    professional_savings_share_pct = _pct("50.000", "Professional option share of savings (some sources say 60).")
    professional_loss_share_pct = _pct("50.000", "Professional option share of losses.")
    corridors = models.JSONField(
        help_text='Risk corridors: {"global": [[from %, to % or null, ACO share %], ...], "professional": [...]}.'
    )
    minimum_standard_total = models.PositiveIntegerField(default=5000)
    minimum_standard_claims = models.PositiveIntegerField(default=3000)
    minimum_high_needs_total = models.PositiveIntegerField(default=800)
    minimum_high_needs_claims = models.PositiveIntegerField(default=500)
    minimum_newly_entering_total = models.PositiveIntegerField(default=1000)
    minimum_newly_entering_claims = models.PositiveIntegerField(
        default=600, help_text="Assumption: the published figure is cut off."
    )
    high_needs_aco_share_pct = _pct(
        "40.000", "An ACO is a High Needs ACO above this share of High Needs beneficiaries."
    )
    discount_higher_spending_pct = _pct("1.750", "Global benchmark discount for higher-spending ACOs.")
    discount_lower_spending_pct = _pct("3.000", "Global benchmark discount for lower-spending ACOs.")
    sequestration_pct = _pct("2.000")
    benchmark_trend_pct = _pct("3.000", "Assumption: yearly trend applied to base-year PBPMs.")
    risk_ratio_cap_pct = _pct(
        "3.000",
        "Assumption: the risk ratio (PY risk ÷ base-year risk) a base year's PBPM is multiplied by stays "
        "within 1 ± this %.",
    )
    voluntary_benchmark_cap_pct = _pct(
        "10.000",
        "The voluntarily aligned beneficiaries' benchmark PBPM stays within this % of the claims-aligned one "
        "of the same cohort, above or below.",
    )
    pcc_base_pct = _pct("4.000", "Assumption: PCC base payment, % of benchmark.")
    pcc_enhanced_target_pct = _pct("7.000", "Enhanced PCC = max(target % x benchmark - base, floor % x benchmark).")
    pcc_enhanced_floor_pct = _pct("2.000")
    rural_addon_pbpm = models.DecimalField(
        "rural add-on PBPM ($)",
        max_digits=8,
        decimal_places=2,
        default=Decimal("8.00"),
        help_text="Assumption: never reconciled at settlement.",
    )
    ecqm_phase = models.CharField(max_length=12, choices=ECQMPhase.choices, default=ECQMPhase.OPTIONAL)
    benefit_availability = models.JSONField(
        default=dict,
        blank=True,
        help_text='First performance year of each BE/BEI, e.g. {"part_d_premium_buydown": 2029}.',
    )
    substance_access_legal_states = models.JSONField(
        default=list, blank=True, help_text="States where the Substance Access BEI's hemp products are legal."
    )
    substance_access_annual_cap = models.DecimalField(max_digits=8, decimal_places=2, default=Decimal("500.00"))
    care_management_home_visit_cap = models.PositiveSmallIntegerField(default=20)
    glp1_net_price_monthly = models.DecimalField(max_digits=8, decimal_places=2, default=Decimal("245.00"))
    glp1_copay_monthly = models.DecimalField(max_digits=8, decimal_places=2, default=Decimal("50.00"))

    class Meta:
        ordering = ["performance_year"]
        verbose_name = "model parameters"
        verbose_name_plural = "model parameters"

    def __str__(self) -> str:
        return f"PY{self.performance_year} parameters"


class ACO(models.Model):
    aco_id = models.CharField("LEAD ACO id", max_length=5, unique=True, validators=[ACO_ID_VALIDATOR])
    legal_name = models.CharField(max_length=200)
    doing_business_as = models.CharField(max_length=200, blank=True)
    states = models.JSONField(default=list, help_text="Two-letter codes of the states served.")
    primary_contact_name = models.CharField(max_length=120, blank=True)
    primary_contact_email = models.EmailField(blank=True)
    primary_contact_phone = models.CharField(max_length=32, blank=True)
    executive_name = models.CharField(max_length=120, blank=True)
    executive_email = models.EmailField(blank=True)
    compliance_contact_name = models.CharField(max_length=120, blank=True)
    compliance_contact_email = models.EmailField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["aco_id"]
        verbose_name = "ACO"

    def __str__(self) -> str:
        return f"{self.aco_id} {self.legal_name}"


class Membership(models.Model):
    class Role(models.TextChoices):
        ADMIN = "admin", "ACO administrator"
        ANALYST = "analyst", "ACO analyst (read-only)"

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships")
    aco = models.ForeignKey(ACO, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=16, choices=Role.choices)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "aco"], name="membership_unique_user_aco")]

    def __str__(self) -> str:
        return f"{self.user} in {self.aco.aco_id} as {self.role}"

    @property
    def can_edit(self) -> bool:
        return self.role == self.Role.ADMIN


class Election(models.Model):
    """An ACO's choices for one performance year (docs/model.md)."""

    aco = models.ForeignKey(ACO, on_delete=models.CASCADE, related_name="elections")
    performance_year = models.PositiveSmallIntegerField()
    risk_option = models.CharField(max_length=16, choices=RiskOption.choices, default=RiskOption.GLOBAL)
    alignment_approach = models.CharField(
        max_length=16, choices=AlignmentApproach.choices, default=AlignmentApproach.PROSPECTIVE
    )
    capitation = models.CharField(
        "capitation election",
        max_length=8,
        choices=Capitation.choices,
        default=Capitation.NONE,
    )
    newly_entering = models.BooleanField("newly entering ACO", default=False)
    cara_participation = models.BooleanField("CARA participation", default=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["aco", "performance_year"]
        constraints = [models.UniqueConstraint(fields=["aco", "performance_year"], name="election_unique_aco_py")]

    def __str__(self) -> str:
        return f"{self.aco.aco_id} PY{self.performance_year}"


class ParticipantTIN(models.Model):
    """A whole TIN in the ACO for a performance year: every clinician billing under it is in."""

    aco = models.ForeignKey(ACO, on_delete=models.CASCADE, related_name="participants")
    performance_year = models.PositiveSmallIntegerField()
    tin = models.CharField("TIN", max_length=9, validators=[TIN_VALIDATOR])
    legal_name = models.CharField(max_length=200)
    practice_zip = models.CharField(max_length=5, validators=[ZIP_VALIDATOR])
    ccns = models.JSONField(
        "CCNs", default=list, blank=True, help_text="CMS Certification Numbers of RHC/FQHC/CAH sites."
    )
    facility_type = models.CharField(max_length=4, choices=FacilityType.choices, blank=True, default="")
    new_to_aco = models.BooleanField("new to ACOs", default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["aco", "performance_year", "tin"]
        verbose_name = "Participant TIN"
        constraints = [
            # A TIN participates in at most one LEAD ACO in a performance year.
            models.UniqueConstraint(fields=["performance_year", "tin"], name="participant_unique_py_tin"),
        ]
        indexes = [models.Index(fields=["aco", "performance_year"])]

    def __str__(self) -> str:
        return f"{self.tin} {self.legal_name}"


class PreferredProvider(models.Model):
    """A TIN-NPI pair the ACO works with; not used for alignment."""

    aco = models.ForeignKey(ACO, on_delete=models.CASCADE, related_name="preferred_providers")
    performance_year = models.PositiveSmallIntegerField()
    tin = models.CharField("TIN", max_length=9, validators=[TIN_VALIDATOR])
    npi = models.CharField("NPI", max_length=10, validators=[NPI_FORMAT_VALIDATOR])
    name = models.CharField(max_length=200)
    specialty_code = models.CharField(max_length=2)
    capitation = models.CharField(max_length=8, choices=Capitation.choices, default=Capitation.NONE)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["aco", "performance_year", "tin", "npi"]
        constraints = [
            models.UniqueConstraint(
                fields=["aco", "performance_year", "tin", "npi"], name="preferred_unique_aco_py_tin_npi"
            ),
        ]
        indexes = [models.Index(fields=["aco", "performance_year"])]

    def __str__(self) -> str:
        return f"{self.tin}/{self.npi} {self.name}"


class ListChangeRequest(models.Model):
    """A change to a list after the deadline, waiting for (or decided by) a CMS reviewer.
    The operations live in ``review.content`` and are applied only on approval."""

    class ListType(models.TextChoices):
        PARTICIPANTS = "participants", "Participant TINs"
        PREFERRED = "preferred_providers", "Preferred Providers"

    aco = models.ForeignKey(ACO, on_delete=models.CASCADE, related_name="change_requests")
    performance_year = models.PositiveSmallIntegerField()
    list_type = models.CharField(max_length=24, choices=ListType.choices)
    review = models.OneToOneField(ReviewCase, on_delete=models.PROTECT, related_name="list_change")
    summary = models.CharField(max_length=255)

    class Meta:
        ordering = ["-review__created_at"]

    def __str__(self) -> str:
        return f"{self.aco.aco_id} PY{self.performance_year}: {self.summary}"


class DemoClock(models.Model):
    """The demo's moment: the date the portal acts as if it were today, and the performance year its
    pages open on. One row at most, written by ``manage.py demo`` (the day after the last claims
    package it loaded), so the web and the workers, separate processes, read the same date.
    ``settings.PORTAL_TODAY``, when set, wins over it (``selectors.portal_today``)."""

    SINGLETON = 1

    id = models.PositiveSmallIntegerField(primary_key=True, default=SINGLETON, editable=False)
    today = models.DateField(help_text="The date the portal acts as if it were today.")
    performance_year = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text="The performance year pages open on (empty: the one under way)."
    )
    reason = models.CharField(max_length=255, blank=True, help_text="Why this date, in words.")
    set_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.CheckConstraint(condition=models.Q(id=1), name="demo_clock_one_row")]

    def __str__(self) -> str:
        return f"Demo: as of {self.today.isoformat()}"
