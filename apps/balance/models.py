"""GLP-1 access (BALANCE and the Medicare GLP-1 Bridge, docs/balance.md): the per-PY rules, each run of the
GLP-1 step with every aligned beneficiary's eligibility, therapy, adherence and cost, the fills it read, and
what the ACO records itself: outreach on its worklist and its beneficiaries' lifestyle programmes."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

from .parameters import DEFAULT_PARAMETERS, REASON_LABELS, Parameters


class Glp1Parameters(models.Model):
    """The GLP-1 rules of one performance year, when a CMS administrator sets them; a PY without a row uses
    ``DEFAULT_PARAMETERS``."""

    performance_year = models.PositiveSmallIntegerField(primary_key=True)
    bridge_start = models.DateField(default=DEFAULT_PARAMETERS.bridge_start)
    bridge_end = models.DateField(default=DEFAULT_PARAMETERS.bridge_end)
    minimum_age = models.PositiveSmallIntegerField(default=DEFAULT_PARAMETERS.minimum_age)
    bmi_alone = models.PositiveSmallIntegerField(
        "BMI qualifying alone", default=DEFAULT_PARAMETERS.bmi_alone, help_text="BMI at or above this qualifies."
    )
    bmi_with_major = models.PositiveSmallIntegerField(
        "BMI with HFpEF, uncontrolled hypertension or CKD 3a+", default=DEFAULT_PARAMETERS.bmi_with_major
    )
    bmi_with_other = models.PositiveSmallIntegerField(
        "BMI with prediabetes, prior MI, prior stroke or symptomatic PAD", default=DEFAULT_PARAMETERS.bmi_with_other
    )
    comorbidity_lookback_months = models.PositiveSmallIntegerField(
        default=DEFAULT_PARAMETERS.comorbidity_lookback_months,
        validators=[MinValueValidator(1), MaxValueValidator(60)],
        help_text="A comorbidity counts when coded on a claim within this many months before the date of interest.",
    )
    part_d_lookback_months = models.PositiveSmallIntegerField(
        default=DEFAULT_PARAMETERS.part_d_lookback_months,
        validators=[MinValueValidator(1), MaxValueValidator(36)],
        help_text="Part D enrolment is seen from a Part D fill within this many months.",
    )
    gap_days = models.PositiveSmallIntegerField(
        default=DEFAULT_PARAMETERS.gap_days, help_text="Days without supply that count as a discontinuation."
    )
    adherence_threshold = models.DecimalField(
        "adherence threshold (PDC)",
        max_digits=3,
        decimal_places=2,
        default=DEFAULT_PARAMETERS.adherence_threshold,
        validators=[MinValueValidator(0), MaxValueValidator(1)],
    )
    spending_window_months = models.PositiveSmallIntegerField(
        default=DEFAULT_PARAMETERS.spending_window_months,
        validators=[MinValueValidator(1), MaxValueValidator(24)],
        help_text="Part A/B spending is compared over this many months before and after therapy start.",
    )

    class Meta:
        verbose_name = "GLP-1 parameters"
        verbose_name_plural = "GLP-1 parameters"

    def __str__(self) -> str:
        return f"PY{self.performance_year} GLP-1 parameters"

    def as_parameters(self, *, net_price_monthly_cents: int, copay_monthly_cents: int) -> Parameters:
        return Parameters(
            bridge_start=self.bridge_start,
            bridge_end=self.bridge_end,
            minimum_age=self.minimum_age,
            bmi_alone=self.bmi_alone,
            bmi_with_major=self.bmi_with_major,
            bmi_with_other=self.bmi_with_other,
            comorbidity_lookback_months=self.comorbidity_lookback_months,
            part_d_lookback_months=self.part_d_lookback_months,
            gap_days=self.gap_days,
            adherence_threshold=float(self.adherence_threshold),
            spending_window_months=self.spending_window_months,
            net_price_monthly_cents=net_price_monthly_cents,
            copay_monthly_cents=copay_monthly_cents,
        )


class Glp1Run(models.Model):
    """One computation of the GLP-1 step for a performance year over one alignment run."""

    class Status(models.TextChoices):
        RUNNING = "running", "Computing"
        SUCCEEDED = "succeeded", "Done"
        FAILED = "failed", "Failed"

    performance_year = models.PositiveSmallIntegerField()
    alignment_run = models.ForeignKey("alignment.AlignmentRun", on_delete=models.CASCADE, related_name="glp1_runs")
    as_of = models.DateField(help_text="The date of interest: eligibility is judged, and therapy measured, on it.")
    through = models.DateField(null=True, blank=True, help_text="Part D fills read through this date.")
    parameters = models.JSONField(default=dict, blank=True, help_text="The rules the run applied.")
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.RUNNING, db_index=True)
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    counts = models.JSONField(default=dict, blank=True)
    timings = models.JSONField(default=dict, blank=True)
    message = models.TextField(blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = "GLP-1 run"

    def __str__(self) -> str:
        return f"GLP-1 PY{self.performance_year} #{self.pk} ({self.status})"


class EligibilityStatus(models.TextChoices):
    LIKELY = "likely", "Likely eligible"
    CONFIRM = "confirm", "Needs clinical confirmation"
    NOT_ELIGIBLE = "not_eligible", "Not eligible"
    TREATED = "treated", "Treated under the Bridge"
    PART_D = "part_d", "On a GLP-1 under Part D"


class BmiClass(models.IntegerChoices):
    """The class of a Z68 code, by its lower bound (docs/balance.md, "BMI")."""

    UNDER_27 = 0, "under 27"
    OVERWEIGHT = 27, "27–29.9"
    CLASS_1 = 30, "30–34.9"
    CLASS_2 = 35, "35–39.9"
    CLASS_3 = 40, "40 or more"


class Glp1Beneficiary(models.Model):
    """One aligned beneficiary of a GLP-1 run: eligibility on the date of interest with its evidence, and,
    once treated, therapy, adherence and cost. Evidence lists are JSON: ``comorbidities`` is a list of
    ``{"condition", "code", "date", "claim_id", "source"}`` (source: CCLF file number 4 or 5); ``reasons``
    the sentences saying why not eligible or what a clinician must confirm."""

    run = models.ForeignKey(Glp1Run, on_delete=models.CASCADE, related_name="beneficiaries")
    aco = models.ForeignKey("acos.ACO", on_delete=models.CASCADE, related_name="+")
    mbi = models.CharField("MBI", max_length=11)
    tin = models.CharField("aligning TIN or CCN", max_length=9, blank=True)
    npi = models.CharField("aligning NPI", max_length=10, blank=True)
    first_name = models.CharField(max_length=30, blank=True)
    last_name = models.CharField(max_length=40, blank=True)
    status = models.CharField(max_length=12, choices=EligibilityStatus.choices)
    criterion = models.CharField(max_length=120, blank=True, help_text="The access criterion met, in words.")
    reasons = models.JSONField(default=list, blank=True)
    reason_keys = models.JSONField(
        default=list, blank=True, help_text="The reasons as keys the pages group by (engine.REASON_LABELS)."
    )
    age = models.PositiveSmallIntegerField(null=True, blank=True)
    part_d_active = models.BooleanField("Part D fill seen", default=False)
    part_d_last_fill = models.DateField(null=True, blank=True)
    bmi_code = models.CharField("BMI code (Z68)", max_length=7, blank=True)
    bmi_date = models.DateField(null=True, blank=True)
    bmi_claim_id = models.BigIntegerField(null=True, blank=True)
    bmi_source = models.PositiveSmallIntegerField(null=True, blank=True, help_text="CCLF file number (4 or 5).")
    bmi_class = models.PositiveSmallIntegerField(choices=BmiClass.choices, null=True, blank=True)
    comorbidities = models.JSONField(default=list, blank=True)
    # Therapy (treated beneficiaries)
    therapy_start = models.DateField(null=True, blank=True)
    product = models.CharField(max_length=40, blank=True, help_text="The product of the first Bridge fill.")
    products = models.JSONField(default=list, blank=True, help_text="Every Bridge product filled, in order.")
    switched = models.BooleanField(default=False)
    fills = models.PositiveSmallIntegerField(default=0)
    days_supply = models.PositiveIntegerField(default=0)
    last_fill = models.DateField(null=True, blank=True)
    covered_through = models.DateField(null=True, blank=True, help_text="The last day the fills supply.")
    pdc = models.FloatField("PDC", null=True, blank=True, help_text="Proportion of days covered, start to as-of.")
    pdc_90 = models.FloatField("PDC, first 90 days", null=True, blank=True)
    pdc_180 = models.FloatField("PDC, first 180 days", null=True, blank=True)
    gaps = models.PositiveSmallIntegerField(default=0, help_text="Gaps in supply longer than the gap days.")
    discontinued_on = models.DateField(null=True, blank=True)
    months_supplied = models.PositiveSmallIntegerField(default=0)
    drug_cost_cents = models.BigIntegerField(default=0, help_text="Months supplied × the Bridge net price.")
    copay_cents = models.BigIntegerField(default=0, help_text="Months supplied × the Bridge copay.")
    patient_paid_cents = models.BigIntegerField(default=0, help_text="CLM_LINE_BENE_PMT_AMT of the fills.")
    spend_before_cents = models.BigIntegerField(null=True, blank=True)
    months_before = models.PositiveSmallIntegerField(default=0)
    spend_after_cents = models.BigIntegerField(null=True, blank=True)
    months_after = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["run", "aco", "mbi"]
        verbose_name = "GLP-1 beneficiary"
        constraints = [models.UniqueConstraint(fields=["run", "mbi"], name="glp1_beneficiary_unique_run_mbi")]
        indexes = [
            models.Index(fields=["run", "aco", "status"], name="glp1_bene_run_aco_status"),
            models.Index(fields=["run", "aco", "tin"], name="glp1_bene_run_aco_tin"),
        ]

    def __str__(self) -> str:
        return f"{self.mbi} ({self.get_status_display()})"

    @property
    def short_criterion(self) -> str:
        """For a list that shows the BMI beside it: the criterion met without the BMI evidence ("BMI 35 or
        more", "With prior stroke (Z86.73 on 1 Feb 2027)"), else what to confirm or why not, in the words the
        reasons are grouped by (``REASON_LABELS``)."""
        if self.criterion:
            rest = self.criterion[self.criterion.find(")") + 1 :].lstrip(": ").strip() or self.criterion
            return rest[:1].upper() + rest[1:]
        return "; ".join(REASON_LABELS.get(k, k) for k in self.reason_keys or [])


class Glp1Fill(models.Model):
    """A current (netted) CCLF7 fill of a GLP-1 product of an aligned beneficiary, as a run read it."""

    run = models.ForeignKey(Glp1Run, on_delete=models.CASCADE, related_name="fills")
    aco = models.ForeignKey("acos.ACO", on_delete=models.CASCADE, related_name="+")
    mbi = models.CharField("MBI", max_length=11)
    fill_date = models.DateField()
    ndc = models.CharField("NDC", max_length=11)
    product = models.CharField(max_length=40)
    bridge = models.BooleanField(help_text="A Bridge-covered product filled within the Bridge's dates.")
    days_supply = models.PositiveSmallIntegerField()
    claim_id = models.BigIntegerField(null=True, blank=True, help_text="CUR_CLM_UNIQ_ID.")
    patient_paid_cents = models.BigIntegerField(default=0)

    class Meta:
        ordering = ["run", "mbi", "fill_date"]
        verbose_name = "GLP-1 fill"
        indexes = [models.Index(fields=["run", "aco", "mbi"], name="glp1_fill_run_aco_mbi")]

    def __str__(self) -> str:
        return f"{self.mbi} {self.product} {self.fill_date}"


class OutreachStatus(models.TextChoices):
    NOT_CONTACTED = "not_contacted", "Not contacted"
    CONTACTED = "contacted", "Contacted"
    REFERRED = "referred", "Referred"
    STARTED = "started", "Started"
    DECLINED = "declined", "Declined"


class Outreach(models.Model):
    """An ACO's outreach to one beneficiary about GLP-1 therapy: kept across runs (a beneficiary with no row
    is "not contacted"); every change is kept in ``OutreachChange``."""

    aco = models.ForeignKey("acos.ACO", on_delete=models.CASCADE, related_name="glp1_outreach")
    mbi = models.CharField("MBI", max_length=11)
    status = models.CharField(max_length=14, choices=OutreachStatus.choices, default=OutreachStatus.NOT_CONTACTED)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    note = models.CharField(max_length=500, blank=True)
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        constraints = [models.UniqueConstraint(fields=["aco", "mbi"], name="glp1_outreach_unique_aco_mbi")]

    def __str__(self) -> str:
        return f"{self.mbi}: {self.get_status_display()}"


class OutreachChange(models.Model):
    """One change of an outreach record: who, when, and what it became."""

    outreach = models.ForeignKey(Outreach, on_delete=models.CASCADE, related_name="changes")
    at = models.DateTimeField(auto_now_add=True)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    status = models.CharField(max_length=14, choices=OutreachStatus.choices)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    note = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["-at", "-pk"]

    def __str__(self) -> str:
        return f"{self.outreach.mbi} → {self.status} ({self.at:%Y-%m-%d})"


class LifestyleProgramme(models.TextChoices):
    COACHING = "coaching", "Manufacturer coaching"
    NUTRITION = "nutrition", "Nutrition counselling"
    CDP_REWARD = "cdp_reward", "Chronic Disease Prevention Reward (BEI)"


class LifestyleEnrolment(models.Model):
    """A beneficiary's enrolment in a lifestyle programme, recorded by the ACO."""

    aco = models.ForeignKey("acos.ACO", on_delete=models.CASCADE, related_name="lifestyle_enrolments")
    mbi = models.CharField("MBI", max_length=11)
    programme = models.CharField(max_length=12, choices=LifestyleProgramme.choices)
    enrolled_on = models.DateField()
    ended_on = models.DateField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["aco", "mbi", "programme", "enrolled_on"]
        constraints = [
            models.UniqueConstraint(
                fields=["aco", "mbi", "programme", "enrolled_on"], name="lifestyle_enrolment_unique"
            ),
            models.CheckConstraint(
                condition=models.Q(ended_on__isnull=True) | models.Q(ended_on__gte=models.F("enrolled_on")),
                name="lifestyle_enrolment_ends_after_start",
            ),
        ]
        indexes = [models.Index(fields=["aco", "mbi"], name="lifestyle_enrolment_aco_mbi")]

    def __str__(self) -> str:
        return f"{self.mbi} {self.get_programme_display()} from {self.enrolled_on}"


class LifestyleSession(models.Model):
    """One session a beneficiary attended in a programme they are enrolled in."""

    enrolment = models.ForeignKey(LifestyleEnrolment, on_delete=models.CASCADE, related_name="sessions")
    session_date = models.DateField()
    minutes = models.PositiveSmallIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["enrolment", "session_date"]
        constraints = [
            models.UniqueConstraint(fields=["enrolment", "session_date"], name="lifestyle_session_unique_day")
        ]

    def __str__(self) -> str:
        return f"{self.enrolment.mbi} session {self.session_date}"
