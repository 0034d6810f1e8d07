"""The performance pipeline and what it leaves behind (docs/money.md).

- ``PipelineRun``: one computation of a performance year on one data version, as a chain of steps
  (alignment → quality → rural add-on → dual eligibles → money → summaries), each a Celery task;
  ``PipelineStep`` records each step's state, attempts, timings and row counts, so a failed or
  interrupted run shows where and why.
- ``CostFact`` and ``MemberMonthFact``: the money step's set-based aggregates (expenditure by ACO,
  cohort, alignment type, month and service category; member-months by ACO, cohort, alignment type and
  month), for the performance year and its three base years: every money figure is a sum over these rows.
- ``CohortRiskFact``: the average risk score of the same beneficiaries by ACO, cohort, alignment type and
  score year (the PY and its base years), weighted by their member-months: what the risk-adjusted
  benchmark estimate reads.
- ``CapitationReductionFact``: what CMS withheld from the fee-for-service payments of the same claims
  because the provider is paid by capitation (CCLFA/CCLFB ``CLM_PBP_RDCTN_AMT``), by ACO, cohort, month
  and category of the performance year. Shown beside the settlement; never part of expenditure.
- ``BeneficiarySpendingFact``: each aligned beneficiary's performance-year expenditure by category, from
  the same claims as ``CostFact`` (the high-cost beneficiaries list ranks these rows).
- ``PublishedBenchmark``: a benchmark PBPM CMS published, entered by a CMS admin; it wins over the
  estimate.
- ``PerformanceSummary``: the snapshot per ACO that the dashboard, the CMS comparison, the API and
  the reports read (one JSON document, so a page is one indexed read).
- ``PerformanceReport``: a PDF, XLSX or CSV report built in the background from one snapshot.
"""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models


class Cohort(models.TextChoices):
    AGED_DISABLED = "aged_disabled", "Aged & Disabled"
    ESRD = "esrd", "ESRD"
    HIGH_NEEDS = "high_needs", "High Needs"


class AlignmentType(models.TextChoices):
    """How the beneficiaries were aligned (``AlignedBeneficiary.alignment_type``): benchmarks are set for
    each separately (docs/money.md)."""

    CLAIMS = "claims", "Claims-aligned"
    VOLUNTARY = "voluntary", "Voluntarily aligned"


class Category(models.TextChoices):
    """Service categories of expenditure (docs/money.md)."""

    INPATIENT = "inpatient", "Inpatient"
    OUTPATIENT = "outpatient", "Outpatient"
    SNF = "snf", "Skilled nursing facility"
    HOME_HEALTH = "home_health", "Home health"
    HOSPICE = "hospice", "Hospice"
    PROFESSIONAL = "professional", "Professional"
    DME = "dme", "Durable medical equipment"


class PipelineRun(models.Model):
    class Status(models.TextChoices):
        REQUESTED = "requested", "Waiting to start"
        RUNNING = "running", "Computing"
        SUCCEEDED = "succeeded", "Done"
        FAILED = "failed", "Failed"

    class Trigger(models.TextChoices):
        INGEST = "ingest", "After a claims load"
        COMMAND = "command", "Command line"
        PAGE = "page", "Started by a CMS admin"
        API = "api", "API"

    performance_year = models.PositiveSmallIntegerField()
    data_version = models.PositiveIntegerField(
        default=0, help_text="The last CCLF file (by id) loaded when the run started: which data it reflects."
    )
    as_of = models.DateField(null=True, blank=True, help_text="A mid-year run's date (empty: the whole PY).")
    trigger = models.CharField(max_length=8, choices=Trigger.choices, default=Trigger.COMMAND)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.REQUESTED, db_index=True)
    stage = models.CharField(max_length=80, blank=True, help_text="What the run is doing now.")
    percent = models.PositiveSmallIntegerField(default=0)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    alignment_run = models.ForeignKey(
        "alignment.AlignmentRun", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    quality_run = models.ForeignKey(
        "quality.QualityRun", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    risk_run = models.ForeignKey("risk.RiskRun", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    rural_run = models.ForeignKey("rural.RuralRun", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    dual_run = models.ForeignKey("medicaid.DualRun", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    episode_run = models.ForeignKey(
        "cara.EpisodeRun", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    glp1_run = models.ForeignKey("balance.Glp1Run", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    message = models.TextField(blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["performance_year", "status"])]

    def __str__(self) -> str:
        return f"Pipeline PY{self.performance_year} #{self.pk} ({self.status})"

    @property
    def is_finished(self) -> bool:
        return self.status in (self.Status.SUCCEEDED, self.Status.FAILED)

    @property
    def seconds(self) -> float | None:
        if self.started_at and self.finished_at:
            return (self.finished_at - self.started_at).total_seconds()
        return None


class PipelineStep(models.Model):
    class Name(models.TextChoices):
        RISK = "risk", "Risk scores"
        ALIGNMENT = "alignment", "Alignment"
        QUALITY = "quality", "Quality measures"
        RURAL = "rural", "Rural add-on"
        DUALS = "duals", "Dual eligibles"
        EPISODES = "episodes", "CARA episodes"
        GLP1 = "glp1", "GLP-1 access"
        MONEY = "money", "Money inputs"
        SUMMARIES = "summaries", "ACO summaries"

    class Status(models.TextChoices):
        WAITING = "waiting", "Waiting"
        RUNNING = "running", "Running"
        SUCCEEDED = "succeeded", "Done"
        FAILED = "failed", "Failed"

    run = models.ForeignKey(PipelineRun, on_delete=models.CASCADE, related_name="steps")
    name = models.CharField(max_length=12, choices=Name.choices)
    order = models.PositiveSmallIntegerField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.WAITING)
    attempts = models.PositiveSmallIntegerField(default=0)
    task_id = models.CharField(max_length=64, blank=True, help_text="The Celery task running the step now.")
    started_at = models.DateTimeField(null=True, blank=True)
    heartbeat_at = models.DateTimeField(
        null=True,
        blank=True,
        help_text="Last sign of life of the worker running the step (lead_portal.jobs): a running step whose "
        "heartbeat is older than JOB_STALE_SECONDS is taken over.",
    )
    finished_at = models.DateTimeField(null=True, blank=True)
    seconds = models.FloatField(null=True, blank=True)
    rows = models.PositiveIntegerField(default=0, help_text="Rows the step wrote.")
    shards_total = models.PositiveIntegerField(default=0, help_text="Per-ACO tasks the step fanned out to.")
    shards_done = models.PositiveIntegerField(default=0)
    message = models.TextField(blank=True)

    class Meta:
        ordering = ["run", "order"]
        constraints = [models.UniqueConstraint(fields=["run", "name"], name="pipeline_step_unique")]

    def __str__(self) -> str:
        return f"{self.run_id}:{self.name} ({self.status})"


class CostFact(models.Model):
    """Netted paid amounts of the run's aligned beneficiaries, by ACO, cohort, alignment type, month and
    category."""

    run = models.ForeignKey(PipelineRun, on_delete=models.CASCADE, related_name="cost_facts")
    aco = models.ForeignKey("acos.ACO", on_delete=models.CASCADE, related_name="+")
    cohort = models.CharField(max_length=13, choices=Cohort.choices)
    alignment_type = models.CharField(max_length=9, choices=AlignmentType.choices, default=AlignmentType.CLAIMS)
    year = models.PositiveSmallIntegerField()
    month = models.PositiveSmallIntegerField()
    category = models.CharField(max_length=12, choices=Category.choices)
    amount = models.DecimalField(max_digits=16, decimal_places=2)
    claims = models.PositiveIntegerField(default=0, help_text="Claim lines or headers summed.")

    class Meta:
        indexes = [models.Index(fields=["run", "aco"])]

    def __str__(self) -> str:
        return f"{self.aco_id} {self.cohort} {self.year}-{self.month:02d} {self.category} ${self.amount}"


class MemberMonthFact(models.Model):
    """Beneficiaries alive (and, in the performance year, aligned) in a month, by ACO, cohort and alignment
    type."""

    run = models.ForeignKey(PipelineRun, on_delete=models.CASCADE, related_name="member_months")
    aco = models.ForeignKey("acos.ACO", on_delete=models.CASCADE, related_name="+")
    cohort = models.CharField(max_length=13, choices=Cohort.choices)
    alignment_type = models.CharField(max_length=9, choices=AlignmentType.choices, default=AlignmentType.CLAIMS)
    year = models.PositiveSmallIntegerField()
    month = models.PositiveSmallIntegerField()
    members = models.PositiveIntegerField()

    class Meta:
        indexes = [models.Index(fields=["run", "aco"])]

    def __str__(self) -> str:
        return f"{self.aco_id} {self.cohort} {self.year}-{self.month:02d}: {self.members}"


class CohortRiskFact(models.Model):
    """The average risk score (``RiskScore.normalized_score`` of the pipeline's risk run) of the run's
    aligned beneficiaries of one ACO, cohort and alignment type in one score year (the PY or a base year),
    each beneficiary's score weighted by their member-months of that year (the same months as
    ``MemberMonthFact``; before any PY claims, the PY's months through December). Beneficiaries without
    a score of the year count in ``member_months`` but not in the average."""

    run = models.ForeignKey(PipelineRun, on_delete=models.CASCADE, related_name="risk_facts")
    aco = models.ForeignKey("acos.ACO", on_delete=models.CASCADE, related_name="+")
    cohort = models.CharField(max_length=13, choices=Cohort.choices)
    alignment_type = models.CharField(max_length=9, choices=AlignmentType.choices)
    year = models.PositiveSmallIntegerField(help_text="The score year.")
    beneficiaries = models.PositiveIntegerField(help_text="Aligned beneficiaries with member-months in the year.")
    scored = models.PositiveIntegerField(help_text="Of them, those with a risk score of the year.")
    member_months = models.PositiveIntegerField(help_text="Their member-months of the year.")
    scored_member_months = models.PositiveIntegerField(help_text="The member-months of those with a score.")
    average_risk = models.DecimalField(
        max_digits=10,
        decimal_places=6,
        null=True,
        blank=True,
        help_text="Σ score × member-months ÷ Σ member-months over those with a score; empty: nobody scored.",
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["run", "aco", "cohort", "alignment_type", "year"], name="cohort_risk_fact_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.aco_id} {self.cohort} {self.alignment_type} {self.year}: {self.average_risk}"


class CapitationReductionFact(models.Model):
    """CCLFA/CCLFB reduction amounts (PBP/AIPBP: what CMS withheld from a fee-for-service payment because
    the capitation payment covers the service) of the run's aligned beneficiaries in the performance
    year, by ACO, cohort, month and category. The claims are exactly those ``CostFact`` sums (see
    ``inputs.py``); their paid amounts there are already net of these reductions. The category says
    which file: the Part A categories come from CCLFA, professional and DME from CCLFB."""

    run = models.ForeignKey(PipelineRun, on_delete=models.CASCADE, related_name="capitation_reductions")
    aco = models.ForeignKey("acos.ACO", on_delete=models.CASCADE, related_name="+")
    cohort = models.CharField(max_length=13, choices=Cohort.choices)
    year = models.PositiveSmallIntegerField()
    month = models.PositiveSmallIntegerField()
    category = models.CharField(max_length=12, choices=Category.choices)
    amount = models.DecimalField(max_digits=16, decimal_places=2)
    claims = models.PositiveIntegerField(default=0, help_text="Claim headers or lines with a reduction.")

    class Meta:
        indexes = [models.Index(fields=["run", "aco"])]

    def __str__(self) -> str:
        return f"{self.aco_id} {self.cohort} {self.year}-{self.month:02d} {self.category} withheld ${self.amount}"


class BeneficiarySpendingFact(models.Model):
    """One aligned beneficiary's performance-year expenditure in a pipeline run, by service category: the
    very claims ``CostFact`` sums for the PY (same netting, same dates, same alignment effective date;
    see ``inputs.py``), so the rows of an ACO add up to its PY ``CostFact`` total, cohort by cohort and
    category by category. One row per beneficiary the run's alignment aligned, with or without claims
    (their spending is then $0). What the high-cost beneficiaries list ranks; the aligning unit, cohort
    and name are the alignment's, copied so the list is one indexed read."""

    run = models.ForeignKey(PipelineRun, on_delete=models.CASCADE, related_name="beneficiary_spending")
    aco = models.ForeignKey("acos.ACO", on_delete=models.CASCADE, related_name="+")
    mbi = models.CharField("MBI", max_length=11)
    cohort = models.CharField(max_length=13, choices=Cohort.choices)
    tin = models.CharField("aligning TIN or CCN", max_length=9, blank=True)
    unit_kind = models.CharField(max_length=3, blank=True, help_text="tin or ccn")
    last_name = models.CharField(max_length=40, blank=True)
    first_name = models.CharField(max_length=30, blank=True)
    # One column per ``Category`` (named after its value), and their sum.
    inpatient = models.DecimalField(max_digits=14, decimal_places=2, default=0)
    outpatient = models.DecimalField(max_digits=14, decimal_places=2, default=0)
    snf = models.DecimalField(max_digits=14, decimal_places=2, default=0)
    home_health = models.DecimalField(max_digits=14, decimal_places=2, default=0)
    hospice = models.DecimalField(max_digits=14, decimal_places=2, default=0)
    professional = models.DecimalField(max_digits=14, decimal_places=2, default=0)
    dme = models.DecimalField(max_digits=14, decimal_places=2, default=0)
    total = models.DecimalField(max_digits=14, decimal_places=2, default=0)
    claims = models.PositiveIntegerField(default=0, help_text="Claim lines or headers summed.")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["run", "mbi"], name="beneficiary_spending_unique_run_mbi")]
        indexes = [
            models.Index(fields=["run", "aco", "-total", "mbi"], name="bene_spending_rank"),
            models.Index(fields=["run", "aco", "tin"], name="bene_spending_tin"),
        ]

    def __str__(self) -> str:
        return f"{self.aco_id} {self.mbi} run {self.run_id}: ${self.total}"


class PublishedBenchmark(models.Model):
    """A benchmark PBPM CMS published for an ACO, year and cohort; it replaces the estimate."""

    aco = models.ForeignKey("acos.ACO", on_delete=models.CASCADE, related_name="published_benchmarks")
    performance_year = models.PositiveSmallIntegerField()
    cohort = models.CharField(max_length=13, choices=Cohort.choices)
    pbpm = models.DecimalField("benchmark PBPM ($)", max_digits=10, decimal_places=2, validators=[MinValueValidator(0)])
    source = models.CharField(max_length=200, blank=True, help_text="Where CMS published it (report, date).")
    entered_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    entered_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["aco", "performance_year", "cohort"]
        constraints = [
            models.UniqueConstraint(fields=["aco", "performance_year", "cohort"], name="published_benchmark_unique")
        ]

    def __str__(self) -> str:
        return f"{self.aco_id} PY{self.performance_year} {self.cohort} ${self.pbpm}"


class PerformanceSummary(models.Model):
    """Everything the dashboard shows for one ACO from one pipeline run (see ``snapshot.py``)."""

    run = models.ForeignKey(PipelineRun, on_delete=models.CASCADE, related_name="summaries")
    aco = models.ForeignKey("acos.ACO", on_delete=models.CASCADE, related_name="performance_summaries")
    performance_year = models.PositiveSmallIntegerField()
    created_at = models.DateTimeField(auto_now_add=True)
    data = models.JSONField()

    class Meta:
        ordering = ["-run_id", "aco"]
        constraints = [models.UniqueConstraint(fields=["run", "aco"], name="performance_summary_unique")]
        indexes = [models.Index(fields=["aco", "performance_year", "run"])]

    def __str__(self) -> str:
        return f"{self.aco_id} PY{self.performance_year} run {self.run_id}"


class PerformanceReport(models.Model):
    class Format(models.TextChoices):
        PDF = "pdf", "PDF"
        XLSX = "xlsx", "Excel (XLSX)"
        CSV = "csv", "CSV"

    class Status(models.TextChoices):
        REQUESTED = "requested", "Being built"
        READY = "ready", "Ready"
        FAILED = "failed", "Failed"

    summary = models.ForeignKey(PerformanceSummary, on_delete=models.CASCADE, related_name="reports")
    aco = models.ForeignKey("acos.ACO", on_delete=models.CASCADE, related_name="performance_reports")
    performance_year = models.PositiveSmallIntegerField()
    format = models.CharField(max_length=4, choices=Format.choices)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.REQUESTED)
    file = models.FileField(upload_to="reports/%Y/%m/", blank=True)
    size = models.PositiveIntegerField(default=0)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    created_at = models.DateTimeField(auto_now_add=True)
    queued_at = models.DateTimeField(
        null=True, blank=True, help_text="When the build was last queued again by the workers' sweep."
    )
    finished_at = models.DateTimeField(null=True, blank=True)
    seconds = models.FloatField(null=True, blank=True)
    message = models.TextField(blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["aco", "performance_year"])]

    def __str__(self) -> str:
        return f"{self.aco_id} PY{self.performance_year} {self.format} ({self.status})"

    @property
    def filename(self) -> str:
        aco_id = self.summary.data.get("aco", {}).get("aco_id", "aco")
        return f"LEAD_{aco_id}_PY{self.performance_year}_performance_run{self.summary.run_id}.{self.format}"
