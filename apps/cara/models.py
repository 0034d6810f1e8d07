"""CARA episodes (docs/cara.md).

- ``EpisodeParameters``: per PY, the first episode date (payment episodes start on or after it) and
  the reconciliation period.
- ``EpisodeDefinition``: a trigger (inpatient MS-DRGs or procedure HCPCS), a post-discharge window of
  30, 60 or 90 days, the claim categories counted and the trigger exclusions. The defaults of a PY are
  CMS's catalogue (``aco`` empty); an ACO's Maximal Flexibility variant names the default it departs from.
- ``EpisodeRun``: the episodes step of a pipeline run, with every episode of the run's beneficiaries
  (``Episode``) and the portal-wide baselines per definition and base year (``EpisodeBaseline``).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models

from .catalogue import ALL_CATEGORIES, CLAIM_CATEGORIES, WINDOWS

DEFAULT_FIRST_EPISODE_DATE = dt.date(2028, 1, 1)


class EpisodeParameters(models.Model):
    performance_year = models.PositiveSmallIntegerField(unique=True)
    first_episode_date = models.DateField(
        default=DEFAULT_FIRST_EPISODE_DATE,
        help_text="Episodes that start on or after this date count for payment (assumption: 2028-01-01; one "
        "source says 2027).",
    )
    reconciliation_months = models.PositiveSmallIntegerField(
        default=3, help_text="Length of a reconciliation period in months (assumption: quarterly)."
    )

    class Meta:
        ordering = ["performance_year"]
        verbose_name_plural = "episode parameters"

    def __str__(self) -> str:
        return f"CARA parameters PY{self.performance_year}"


class TriggerKind(models.TextChoices):
    INPATIENT = "inpatient", "Inpatient stay (MS-DRG)"
    PROCEDURE = "procedure", "Procedure (HCPCS)"


class EpisodeDefinition(models.Model):
    class Design(models.TextChoices):
        DEFAULT = "default", "Default"
        FLEXIBLE = "flexible", "Maximal Flexibility"

    performance_year = models.PositiveSmallIntegerField()
    code = models.SlugField(max_length=40, help_text="The episode type, e.g. hip_knee.")
    name = models.CharField(max_length=120)
    design = models.CharField(max_length=10, choices=Design.choices, default=Design.DEFAULT)
    aco = models.ForeignKey(
        "acos.ACO", on_delete=models.CASCADE, null=True, blank=True, related_name="episode_definitions",
        help_text="The ACO of a Maximal Flexibility variant; empty for CMS's defaults.",
    )  # fmt: skip
    based_on = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="variants",
        help_text="The default a Maximal Flexibility variant departs from.",
    )  # fmt: skip
    trigger_kind = models.CharField(max_length=10, choices=TriggerKind.choices, default=TriggerKind.INPATIENT)
    trigger_codes = models.JSONField(default=list, help_text="MS-DRGs (3 digits) or HCPCS codes (5 characters).")
    window_days = models.PositiveSmallIntegerField(default=90, choices=[(w, f"{w} days") for w in WINDOWS])
    included_categories = models.JSONField(default=list, help_text="Claim categories counted in the cost.")
    excluded_diagnoses = models.JSONField(
        default=list,
        blank=True,
        help_text="ICD-10 prefixes: a trigger whose principal diagnosis starts so is no episode.",
    )
    active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["performance_year", "aco_id", "code", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["performance_year", "code"],
                condition=models.Q(aco__isnull=True),
                name="episodedefinition_one_default_per_type",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.get_design_display()}, PY{self.performance_year})"

    def clean(self) -> None:
        errors: dict[str, Any] = {}
        codes = [str(c).strip() for c in self.trigger_codes or []]
        if not codes:
            errors["trigger_codes"] = "Give at least one trigger code."
        elif self.trigger_kind == TriggerKind.INPATIENT and not all(len(c) == 3 and c.isdigit() for c in codes):
            errors["trigger_codes"] = "An MS-DRG is three digits, e.g. 470."
        elif self.trigger_kind == TriggerKind.PROCEDURE and not all(len(c) == 5 and c.isalnum() for c in codes):
            errors["trigger_codes"] = "A HCPCS code is five letters or digits, e.g. 92928."
        unknown = [c for c in self.included_categories or [] if c not in CLAIM_CATEGORIES]
        if unknown or not self.included_categories:
            errors["included_categories"] = f"Choose among: {', '.join(ALL_CATEGORIES)}."
        if self.design == self.Design.FLEXIBLE and (self.aco_id is None or self.based_on_id is None):
            errors["based_on"] = "A Maximal Flexibility variant belongs to an ACO and departs from a default."
        if errors:
            raise ValidationError(errors)


class EpisodeRun(models.Model):
    class Status(models.TextChoices):
        RUNNING = "running", "Computing"
        SUCCEEDED = "succeeded", "Done"
        FAILED = "failed", "Failed"

    performance_year = models.PositiveSmallIntegerField()
    alignment_run = models.ForeignKey("alignment.AlignmentRun", on_delete=models.CASCADE, related_name="episode_runs")
    risk_run = models.ForeignKey(
        "risk.RiskRun", on_delete=models.SET_NULL, null=True, blank=True, related_name="episode_runs"
    )
    through = models.DateField(null=True, blank=True, help_text="Claims counted through this date.")
    first_episode_date = models.DateField(help_text="The PY's first episode date when the run was computed.")
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.RUNNING, db_index=True)
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    counts = models.JSONField(default=dict, blank=True)
    timings = models.JSONField(default=dict, blank=True)
    message = models.TextField(blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"Episodes PY{self.performance_year} #{self.pk} ({self.status})"


class Attribution(models.TextChoices):
    OPERATING = "operating", "Operating physician"
    ATTENDING = "attending", "Attending physician"
    RENDERING = "rendering", "Rendering provider"


class Episode(models.Model):
    """One episode: its trigger, anchor and window, the Preferred Provider it is attributed to, and its
    cost (netted paid amounts of claims that began in the window), split into components."""

    run = models.ForeignKey(EpisodeRun, on_delete=models.CASCADE, related_name="episodes")
    definition = models.ForeignKey(EpisodeDefinition, on_delete=models.PROTECT, related_name="+")
    aco = models.ForeignKey(
        "acos.ACO", on_delete=models.CASCADE, null=True, blank=True, related_name="+",
        help_text="The ACO the beneficiary is aligned to in the run's alignment; empty when none.",
    )  # fmt: skip
    mbi = models.CharField("MBI", max_length=11)
    trigger_claim_id = models.BigIntegerField(help_text="CUR_CLM_UNIQ_ID of the trigger.")
    trigger_code = models.CharField(max_length=5, help_text="The MS-DRG or HCPCS that triggered the episode.")
    start_date = models.DateField(help_text="Admission (inpatient trigger) or the procedure's date.")
    anchor_end = models.DateField(help_text="Discharge (inpatient trigger); the procedure's date otherwise.")
    end_date = models.DateField(help_text="The last day of the post-discharge window.")
    year = models.PositiveSmallIntegerField(help_text="The year the episode starts.")
    attributed_npi = models.CharField(max_length=10, blank=True)
    attribution = models.CharField(max_length=10, choices=Attribution.choices, blank=True)
    preferred_provider = models.ForeignKey(
        "acos.PreferredProvider", on_delete=models.SET_NULL, null=True, blank=True, related_name="episodes",
        help_text="The ACO's Preferred Provider with the attributed NPI, when it is one.",
    )  # fmt: skip
    index_cents = models.BigIntegerField(default=0)
    readmission_cents = models.BigIntegerField(default=0)
    post_acute_cents = models.BigIntegerField(default=0, help_text="Skilled nursing facility and home health.")
    professional_cents = models.BigIntegerField(default=0)
    other_cents = models.BigIntegerField(default=0, help_text="Hospital outpatient, DME and hospice.")
    readmissions = models.PositiveSmallIntegerField(default=0)
    closed = models.BooleanField(default=False, help_text="The window ended on or before the claims' run-through.")
    payment = models.BooleanField(default=False, help_text="Starts on or after the PY's first episode date.")
    risk_score = models.FloatField(null=True, blank=True, help_text="The beneficiary's risk score of the start year.")

    class Meta:
        ordering = ["run", "mbi", "start_date", "trigger_claim_id"]
        indexes = [
            models.Index(fields=["run", "aco", "definition"]),
            models.Index(fields=["run", "preferred_provider"]),
            models.Index(fields=["run", "mbi"]),
        ]

    def __str__(self) -> str:
        return f"{self.definition.code} {self.mbi} {self.start_date}"

    @property
    def cost_dollars(self) -> str:
        """The total cost as the pages show money: $27,500.00."""
        return f"${self.cost_cents / 100:,.2f}"

    @property
    def cost_cents(self) -> int:
        return (
            self.index_cents
            + self.readmission_cents
            + self.post_acute_cents
            + self.professional_cents
            + self.other_cents
        )


class EpisodeBaseline(models.Model):
    """Portal-wide baseline of a definition over closed episodes that started in one base year (``year``)
    or in all three (``year`` empty): volume, mean cost, and the mean cost per unit of risk (each episode's
    cost divided by the beneficiary's risk score of its start year, over the episodes with a score)."""

    run = models.ForeignKey(EpisodeRun, on_delete=models.CASCADE, related_name="baselines")
    definition = models.ForeignKey(EpisodeDefinition, on_delete=models.PROTECT, related_name="+")
    year = models.PositiveSmallIntegerField(null=True, blank=True)
    episodes = models.PositiveIntegerField(default=0)
    mean_cost_cents = models.BigIntegerField(null=True, blank=True)
    scored_episodes = models.PositiveIntegerField(default=0)
    mean_risk = models.FloatField(null=True, blank=True)
    mean_cost_per_risk_cents = models.BigIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["run", "definition", "year"]
        constraints = [
            models.UniqueConstraint(
                fields=["run", "definition", "year"],
                condition=models.Q(year__isnull=False),
                name="episodebaseline_unique_year",
            ),
            models.UniqueConstraint(
                fields=["run", "definition"],
                condition=models.Q(year__isnull=True),
                name="episodebaseline_unique_pooled",
            ),
        ]

    def __str__(self) -> str:
        return f"Baseline {self.definition.code} {self.year or 'base years'}"


# --- EBRAs: episode-based risk arrangements with Preferred Providers (docs/cara.md, "Arrangements") ----------


class ArrangementStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    OFFERED = "offered", "Offered to the Preferred Provider"
    DECLINED = "declined", "Declined by the Preferred Provider"
    ACCEPTED = "accepted", "Accepted by the Preferred Provider"
    SUBMITTED = "submitted", "Submitted to CMS"
    CHANGES_REQUESTED = "changes_requested", "Changes requested by CMS"
    APPROVED = "approved", "Approved by CMS"
    DENIED = "denied", "Denied by CMS"
    ACTIVE = "active", "Active"
    TERMINATED = "terminated", "Terminated"
    WITHDRAWN = "withdrawn", "Withdrawn"


class QualityLink(models.TextChoices):
    # CMS's default is Q484 (risk-standardized admissions for patients with multiple chronic conditions);
    # the portal's closest measure is UAMCC, computed for the Preferred Provider's attributed beneficiaries.
    UAMCC = "uamcc", "Unplanned admissions for patients with multiple chronic conditions (UAMCC)"


class Arrangement(models.Model):
    """An EBRA between an ACO and one of its Preferred Providers: the episode types with their target
    prices (``ArrangementTerm``), the effective period, the performance adjustment and its quality measure,
    and the repayment limit. Its CMS review is a ``ReviewCase`` of kind ``cara_arrangement`` (versions of the
    terms, comments, the decision); every move of the whole lifecycle is an ``ArrangementEvent``."""

    aco = models.ForeignKey("acos.ACO", on_delete=models.CASCADE, related_name="cara_arrangements")
    preferred_provider = models.ForeignKey(
        "acos.PreferredProvider", on_delete=models.PROTECT, related_name="cara_arrangements"
    )
    performance_year = models.PositiveSmallIntegerField()
    status = models.CharField(
        max_length=20, choices=ArrangementStatus.choices, default=ArrangementStatus.DRAFT, db_index=True
    )
    effective_start = models.DateField()
    effective_end = models.DateField()
    performance_adjustment_pct = models.DecimalField(
        "performance adjustment (%)", max_digits=5, decimal_places=2, default=Decimal("50"),
        help_text="The share of the reconciliation amount that depends on the quality measure, 10–100%.",
    )  # fmt: skip
    quality_measure = models.CharField(max_length=16, choices=QualityLink.choices, default=QualityLink.UAMCC)
    repayment_limit_pct = models.DecimalField(
        "repayment limit (%)", max_digits=5, decimal_places=2, default=Decimal("20"),
        help_text="A period's repayment is at most this share of the period's total target price.",
    )  # fmt: skip
    review = models.OneToOneField(
        "reviews.ReviewCase", on_delete=models.PROTECT, null=True, blank=True, related_name="cara_arrangement"
    )
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    terminated_on = models.DateField(null=True, blank=True)
    termination_reason = models.TextField(blank=True)

    class Meta:
        ordering = ["aco", "-created_at", "-pk"]
        indexes = [models.Index(fields=["aco", "performance_year", "status"])]

    def __str__(self) -> str:
        return f"EBRA {self.pk} with {self.preferred_provider.name}"

    @property
    def title(self) -> str:
        return f"EBRA with {self.preferred_provider.name} (PY{self.performance_year})"

    @property
    def owner(self) -> Any:
        return self.aco


class ArrangementTerm(models.Model):
    """One episode type of an EBRA and its target price: the baseline mean cost (frozen when the term is
    set) × (1 − discount) or × (1 + premium), in whole cents."""

    class Adjustment(models.TextChoices):
        DISCOUNT = "discount", "Discount"
        PREMIUM = "premium", "Premium"

    arrangement = models.ForeignKey(Arrangement, on_delete=models.CASCADE, related_name="terms")
    definition = models.ForeignKey(EpisodeDefinition, on_delete=models.PROTECT, related_name="+")
    baseline_cents = models.BigIntegerField(help_text="Portal-wide mean cost of the type over the base years.")
    baseline_run = models.ForeignKey(EpisodeRun, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    adjustment = models.CharField(max_length=8, choices=Adjustment.choices, default=Adjustment.DISCOUNT)
    rate_pct = models.DecimalField("discount or premium (%)", max_digits=5, decimal_places=2, default=Decimal("0"))
    target_cents = models.BigIntegerField()

    class Meta:
        ordering = ["arrangement", "definition__code"]
        constraints = [
            models.UniqueConstraint(fields=["arrangement", "definition"], name="arrangementterm_unique_definition")
        ]

    def __str__(self) -> str:
        return f"{self.definition.code} target {self.target_cents}"


class ArrangementEvent(models.Model):
    """One move of an EBRA's lifecycle: who, when, from which status to which, and why."""

    arrangement = models.ForeignKey(Arrangement, on_delete=models.CASCADE, related_name="events")
    from_status = models.CharField(max_length=20, choices=ArrangementStatus.choices, blank=True)
    to_status = models.CharField(max_length=20, choices=ArrangementStatus.choices)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(auto_now_add=True)
    reason = models.TextField(blank=True)

    class Meta:
        ordering = ["arrangement", "at", "pk"]

    def __str__(self) -> str:
        return f"EBRA {self.arrangement_id}: {self.from_status} → {self.to_status}"


class ProviderMembership(models.Model):
    """A person of a Preferred Provider (a TIN-NPI pair): a Preferred Provider user sees only the EBRAs
    with that TIN and NPI, the episodes attributed to it under an active EBRA, and its statements."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="provider_memberships")
    tin = models.CharField("TIN", max_length=9)
    npi = models.CharField("NPI", max_length=10)
    name = models.CharField(max_length=200, help_text="The Preferred Provider's name as its people know it.")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["user", "tin", "npi"]
        constraints = [models.UniqueConstraint(fields=["user", "tin", "npi"], name="providermembership_unique")]

    def __str__(self) -> str:
        return f"{self.user} for {self.tin}/{self.npi}"


class Reconciliation(models.Model):
    """One EBRA's reconciliation for one period (docs/cara.md, "Reconciliation"): over the closed payment
    episodes of the EBRA's types attributed to its Preferred Provider that started in the period,
    Σ(target − actual), times the performance adjustment from the quality measure's result, capped below by
    the repayment limit. Positive: CMS pays the Preferred Provider and charges the ACO's settlement;
    negative: the Preferred Provider repays and the ACO's settlement is credited."""

    arrangement = models.ForeignKey(Arrangement, on_delete=models.CASCADE, related_name="reconciliations")
    period_start = models.DateField()
    period_end = models.DateField()
    episode_run = models.ForeignKey(EpisodeRun, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    episodes = models.PositiveIntegerField(default=0, help_text="Closed episodes counted.")
    open_episodes = models.PositiveIntegerField(default=0, help_text="Episodes of the period still open.")
    target_cents = models.BigIntegerField(default=0)
    actual_cents = models.BigIntegerField(default=0)
    difference_cents = models.BigIntegerField(default=0, help_text="Σ(target − actual).")
    measure = models.CharField(max_length=16, choices=QualityLink.choices, default=QualityLink.UAMCC)
    measure_rate = models.FloatField(null=True, blank=True)
    measure_denominator = models.FloatField(null=True, blank=True)
    quality_points = models.FloatField(null=True, blank=True, help_text="0–100 from the measure's decile table.")
    adjustment_factor = models.DecimalField(max_digits=7, decimal_places=6, default=Decimal("1"))
    adjusted_cents = models.BigIntegerField(default=0)
    repayment_cap_cents = models.BigIntegerField(default=0)
    capped = models.BooleanField(default=False)
    amount_cents = models.BigIntegerField(
        default=0, help_text="Positive: paid to the Preferred Provider; negative: repaid by it."
    )
    final = models.BooleanField(default=False, help_text="No episode of the period is still open.")
    lines = models.JSONField(default=list, blank=True, help_text="The episodes counted, for the statement.")
    computed_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["arrangement", "period_start"]
        constraints = [
            models.UniqueConstraint(fields=["arrangement", "period_start"], name="reconciliation_unique_period")
        ]

    def __str__(self) -> str:
        return f"EBRA {self.arrangement_id} {self.period_start}–{self.period_end}"


class DesignProposal(models.Model):
    """An ACO's Maximal Flexibility variant of a default definition, under CMS review (``ReviewCase`` of kind
    ``cara_design``; the proposed fields are its content). Approval creates the variant's
    ``EpisodeDefinition`` (``definition``)."""

    aco = models.ForeignKey("acos.ACO", on_delete=models.CASCADE, related_name="cara_designs")
    performance_year = models.PositiveSmallIntegerField()
    based_on = models.ForeignKey(EpisodeDefinition, on_delete=models.PROTECT, related_name="proposals")
    review = models.OneToOneField("reviews.ReviewCase", on_delete=models.PROTECT, related_name="cara_design")
    definition = models.OneToOneField(
        EpisodeDefinition, on_delete=models.SET_NULL, null=True, blank=True, related_name="proposal"
    )

    class Meta:
        ordering = ["aco", "-pk"]

    def __str__(self) -> str:
        return self.review.title

    @property
    def owner(self) -> Any:
        return self.aco


class CaraDocument(models.Model):
    """A contracting template (an EBRA's, or a prospective one's for a Preferred Provider and episode types)
    or a reconciliation statement, as XLSX or PDF, built in the background and stamped with data vintage."""

    class Kind(models.TextChoices):
        TEMPLATE = "template", "Contracting template"
        STATEMENT = "statement", "Reconciliation statement"

    class Format(models.TextChoices):
        XLSX = "xlsx", "Excel workbook (XLSX)"
        PDF = "pdf", "PDF"

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        BUILDING = "building", "Building"
        READY = "ready", "Ready"
        FAILED = "failed", "Failed"

    kind = models.CharField(max_length=10, choices=Kind.choices)
    format = models.CharField(max_length=4, choices=Format.choices)
    aco = models.ForeignKey("acos.ACO", on_delete=models.CASCADE, related_name="cara_documents")
    arrangement = models.ForeignKey(
        Arrangement, on_delete=models.CASCADE, null=True, blank=True, related_name="documents"
    )
    preferred_provider = models.ForeignKey(
        "acos.PreferredProvider", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    reconciliation = models.ForeignKey(
        Reconciliation, on_delete=models.CASCADE, null=True, blank=True, related_name="documents"
    )
    params = models.JSONField(default=dict, blank=True, help_text="A prospective template's types and rates.")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED, db_index=True)
    file = models.FileField(upload_to="cara/", blank=True)
    vintage = models.JSONField(default=dict, blank=True)
    message = models.TextField(blank=True)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.pk} ({self.format})"
