"""Quality measures (docs/quality.md): the catalogue of measures per performance year with their decile
tables, and the results submitted by or for an ACO (CAHPS and the eCQMs), versioned: a new result for
the same ACO, year and measure supersedes the previous one, which is kept."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone

DECILE_CUT_POINTS = 9


class MeasureCode(models.TextChoices):
    ACR = "acr", "All-condition readmission (ACR)"
    UAMCC = "uamcc", "Unplanned admissions for patients with multiple chronic conditions (UAMCC)"
    DAH = "dah", "Days at home (DAH)"
    TFU = "tfu", "Timely follow-up after acute exacerbations of chronic conditions (TFU)"
    CAHPS = "cahps", "CAHPS for ACOs"
    HBA1C = "hba1c_poor_control", "Diabetes: HbA1c poor control (>9%)"
    BP = "bp_control", "Controlling high blood pressure (<140/90)"


class DataSource(models.TextChoices):
    CLAIMS = "claims", "Computed from claims"
    SURVEY = "survey", "Patient experience survey (uploaded)"
    ECQM = "ecqm", "Electronic clinical quality measure (uploaded)"


class Direction(models.TextChoices):
    HIGHER = "higher", "Higher is better"
    LOWER = "lower", "Lower is better"


# Where each measure's result comes from. The portal computes the claims measures itself; CAHPS and
# the eCQMs arrive as uploaded results, so only these three can be uploaded.
MEASURE_SOURCES: dict[str, str] = {
    MeasureCode.ACR: DataSource.CLAIMS,
    MeasureCode.UAMCC: DataSource.CLAIMS,
    MeasureCode.DAH: DataSource.CLAIMS,
    MeasureCode.TFU: DataSource.CLAIMS,
    MeasureCode.CAHPS: DataSource.SURVEY,
    MeasureCode.HBA1C: DataSource.ECQM,
    MeasureCode.BP: DataSource.ECQM,
}


def validate_deciles(value: Any) -> None:
    """A decile table is 9 cut points (the 10th … 90th percentiles), numbers, each larger than the one
    before. Cut points are stored ascending whatever the measure's direction: for a lower-is-better
    measure a rate below the first cut point is the best decile."""
    if not isinstance(value, list) or len(value) != DECILE_CUT_POINTS:
        raise ValidationError(
            "Give exactly %(n)s decile cut points.", code="decile_count", params={"n": DECILE_CUT_POINTS}
        )
    for i, point in enumerate(value, start=1):
        if isinstance(point, bool) or not isinstance(point, int | float | Decimal):
            raise ValidationError(
                "Cut point %(i)s (%(value)s) is not a number.", code="decile_number", params={"i": i, "value": point}
            )
    for i in range(1, len(value)):
        if value[i] <= value[i - 1]:
            raise ValidationError(
                "The cut points must go up: cut point %(i)s (%(value)s) is not larger than cut point %(p)s (%(prev)s).",
                code="decile_order",
                params={"i": i + 1, "value": value[i], "p": i, "prev": value[i - 1]},
            )


class MeasureDefinition(models.Model):
    """One quality measure in one performance year's catalogue, with the decile table its rate is
    scored against. CMS admins edit these in the administration pages."""

    performance_year = models.PositiveSmallIntegerField()
    code = models.CharField(max_length=24, choices=MeasureCode.choices)
    name = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    direction = models.CharField(max_length=8, choices=Direction.choices)
    data_source = models.CharField(max_length=8, choices=DataSource.choices)
    unit = models.CharField(max_length=60, help_text='How the rate reads, e.g. "% of index stays".')
    deciles = models.JSONField(
        validators=[validate_deciles],
        help_text="9 cut points (10th to 90th percentile), ascending, in the measure's unit.",
    )
    scored = models.BooleanField(
        default=True,
        help_text="Counts toward the Total Quality Score. An eCQM counts only in the pay-for-performance "
        "phase of the year (model parameters).",
    )
    benchmark_source = models.TextField(blank=True, help_text="Where the decile cut points come from.")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["performance_year", "code"]
        constraints = [
            models.UniqueConstraint(fields=["performance_year", "code"], name="measure_unique_py_code"),
        ]

    def __str__(self) -> str:
        return f"PY{self.performance_year} {self.code}"

    def clean(self) -> None:
        expected = MEASURE_SOURCES.get(self.code)
        if expected is not None and self.data_source != expected:
            raise ValidationError(
                {"data_source": f"{self.get_code_display()} is {DataSource(expected).label.lower()}."}
            )

    @property
    def is_ecqm(self) -> bool:
        return self.data_source == DataSource.ECQM

    def counts_in_score(self, ecqm_phase: str) -> bool:
        """Whether the measure's points go into the Total Quality Score in a year whose eCQM phase
        is ``ecqm_phase`` (``ECQMPhase`` values of the ACO app)."""
        return self.scored and (not self.is_ecqm or ecqm_phase == "performance")


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
    # One time for every row of a load, and the same time on the rows they supersede.
    submitted_at = models.DateTimeField(default=timezone.now, editable=False)
    superseded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["aco", "performance_year", "measure", "-submitted_at"]
        indexes = [models.Index(fields=["aco", "performance_year", "measure"])]
        constraints = [
            # At most one current result per ACO, year and measure; superseded ones are history.
            models.UniqueConstraint(
                fields=["aco", "performance_year", "measure"],
                condition=models.Q(superseded_at__isnull=True),
                name="quality_submission_one_current",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.aco_id} PY{self.performance_year} {self.measure}"

    @property
    def rate(self) -> Decimal | None:
        """100 × numerator / denominator, to 2 decimals (None without counts)."""
        if self.numerator is None or not self.denominator:
            return None
        return (Decimal(100) * self.numerator / self.denominator).quantize(Decimal("0.01"))

    @property
    def result(self) -> Decimal | None:
        """The measure's result: the score when one was given, else the rate from the counts."""
        return self.score if self.score is not None else self.rate


class QualityRun(models.Model):
    """One computation of the quality measures for a performance year, on the beneficiaries of one
    alignment run: claims measures for every ACO, scoring with the PY's catalogue, care gaps."""

    class Status(models.TextChoices):
        REQUESTED = "requested", "Waiting to start"
        RUNNING = "running", "Computing"
        SUCCEEDED = "succeeded", "Done"
        FAILED = "failed", "Failed"

    alignment_run = models.ForeignKey("alignment.AlignmentRun", on_delete=models.CASCADE, related_name="quality_runs")
    performance_year = models.PositiveSmallIntegerField()
    as_of = models.DateField(null=True, blank=True, help_text="Claims through this date (empty: the whole PY).")
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.REQUESTED, db_index=True)
    stage = models.CharField(max_length=80, blank=True)
    percent = models.PositiveSmallIntegerField(default=0)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    data_version = models.PositiveIntegerField(default=0)
    portal_acr_rate = models.FloatField(null=True, blank=True, help_text="Portal-wide ACR observed rate, %.")
    acr_strata = models.JSONField(default=list, blank=True)
    counts = models.JSONField(default=dict, blank=True)
    timings = models.JSONField(default=dict, blank=True)
    message = models.TextField(blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"Quality PY{self.performance_year} #{self.pk} ({self.status})"

    @property
    def is_finished(self) -> bool:
        return self.status in (self.Status.SUCCEEDED, self.Status.FAILED)


class MeasureResult(models.Model):
    """One ACO's figure on one measure in a quality run: claims-computed, or a CAHPS/eCQM submission."""

    class Source(models.TextChoices):
        CLAIMS = "claims", "Computed from claims"
        SUBMISSION = "submission", "Submitted result"

    run = models.ForeignKey(QualityRun, on_delete=models.CASCADE, related_name="results")
    aco = models.ForeignKey("acos.ACO", on_delete=models.CASCADE, related_name="measure_results")
    measure = models.CharField(max_length=24)
    source = models.CharField(max_length=10, choices=Source.choices, default=Source.CLAIMS)
    numerator = models.FloatField(null=True, blank=True)
    denominator = models.FloatField(null=True, blank=True)
    rate = models.FloatField(null=True, blank=True, help_text="Empty when the denominator is empty.")
    person_years = models.FloatField(null=True, blank=True)
    expected = models.FloatField(null=True, blank=True)
    expected_rate = models.FloatField(null=True, blank=True)
    risk_standardized_rate = models.FloatField(null=True, blank=True)
    score_rate = models.FloatField(null=True, blank=True, help_text="The rate the decile table scores.")
    decile = models.PositiveSmallIntegerField(null=True, blank=True)
    points = models.FloatField(null=True, blank=True)
    scored = models.BooleanField(default=False, help_text="Counts in the Total Quality Score.")
    note = models.CharField(max_length=200, blank=True, help_text="Why not scored, when it is not.")

    class Meta:
        ordering = ["run", "aco", "measure"]
        constraints = [models.UniqueConstraint(fields=["run", "aco", "measure"], name="measure_result_unique")]

    def __str__(self) -> str:
        return f"{self.aco_id} {self.measure} {self.rate}"


class QualityScore(models.Model):
    """An ACO's Total Quality Score in a run and the quality withhold it earns back (an estimate)."""

    run = models.ForeignKey(QualityRun, on_delete=models.CASCADE, related_name="scores")
    aco = models.ForeignKey("acos.ACO", on_delete=models.CASCADE, related_name="quality_scores")
    total_quality_score = models.FloatField()
    scored_measures = models.PositiveSmallIntegerField(default=0)
    withhold_rate = models.DecimalField(max_digits=6, decimal_places=4, null=True, blank=True)
    withhold_dollars = models.DecimalField(max_digits=14, decimal_places=2, null=True, blank=True)
    earned_back_dollars = models.DecimalField(max_digits=14, decimal_places=2, null=True, blank=True)
    note = models.CharField(max_length=200, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["run", "aco"], name="quality_score_unique")]

    def __str__(self) -> str:
        return f"{self.aco_id} TQS {self.total_quality_score:.1f}"


class MeasureMember(models.Model):
    """Who is in which figure and why: one row per (measure, role, claim or beneficiary)."""

    run = models.ForeignKey(QualityRun, on_delete=models.CASCADE, related_name="members")
    aco = models.ForeignKey("acos.ACO", on_delete=models.CASCADE, related_name="+")
    measure = models.CharField(max_length=24)
    mbi = models.CharField("MBI", max_length=11)
    role = models.CharField(max_length=12, help_text="denominator, numerator or event")
    source = models.CharField(max_length=10, blank=True)
    claim_id = models.BigIntegerField(null=True, blank=True)
    related_claim_id = models.BigIntegerField(null=True, blank=True)
    event_date = models.DateField(null=True, blank=True)
    value = models.FloatField(null=True, blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["run", "aco", "measure", "role", "mbi"]),
            models.Index(fields=["run", "aco", "mbi"]),
        ]

    def __str__(self) -> str:
        return f"{self.measure} {self.role} {self.mbi}"


class CareGap(models.Model):
    """An open opportunity for a care manager, with the claim that opened it."""

    class GapType(models.TextChoices):
        TFU_OPEN = "tfu_open", "Follow-up due (window still open)"
        TFU_MISSED = "tfu_missed", "Follow-up missed"
        READMISSION = "readmission", "Recent readmission"
        INDEX_STAY_FOLLOWUP = "index_stay_followup", "Recent discharge: 30-day readmission risk"

    run = models.ForeignKey(QualityRun, on_delete=models.CASCADE, related_name="gaps")
    aco = models.ForeignKey("acos.ACO", on_delete=models.CASCADE, related_name="+")
    # The worklist item this gap belongs to (set by the run once the gaps are stored).
    item = models.ForeignKey("CareGapItem", null=True, blank=True, on_delete=models.SET_NULL, related_name="gaps")
    mbi = models.CharField("MBI", max_length=11)
    gap_type = models.CharField(max_length=24, choices=GapType.choices)
    measure = models.CharField(max_length=24, blank=True)
    claim_id = models.BigIntegerField(null=True, blank=True)
    opened_on = models.DateField()
    due_date = models.DateField(null=True, blank=True)
    tin = models.CharField("aligning TIN or CCN", max_length=9, blank=True)
    first_name = models.CharField(max_length=30, blank=True)
    last_name = models.CharField(max_length=40, blank=True)

    class Meta:
        ordering = ["due_date", "mbi"]
        indexes = [
            models.Index(fields=["run", "aco", "due_date"]),
            models.Index(fields=["run", "aco", "gap_type"]),
        ]

    def __str__(self) -> str:
        return f"{self.mbi} {self.gap_type}"


# ---------------------------------------------------------------------------------------------------
# The worklist: care gaps as a care manager works them, across quality runs
# ---------------------------------------------------------------------------------------------------
class GapKind(models.TextChoices):
    """What a worklist item is about. A follow-up gap keeps its kind when its window runs out (its
    gap type goes from "follow-up due" to "follow-up missed"), so the work done on it stays with it."""

    FOLLOW_UP = "follow_up", "Follow-up after a discharge or emergency visit"
    INDEX_STAY = "index_stay", "Recent discharge: readmission risk"
    READMISSION = "readmission", "Recent readmission"


GAP_KIND_OF_TYPE: dict[str, str] = {
    CareGap.GapType.TFU_OPEN: GapKind.FOLLOW_UP,
    CareGap.GapType.TFU_MISSED: GapKind.FOLLOW_UP,
    CareGap.GapType.INDEX_STAY_FOLLOWUP: GapKind.INDEX_STAY,
    CareGap.GapType.READMISSION: GapKind.READMISSION,
}


class GapStatus(models.TextChoices):
    OPEN = "open", "Open"
    IN_PROGRESS = "in_progress", "In progress"
    CLOSED = "closed", "Closed"


class CloseReason(models.TextChoices):
    COMPLETED = "completed", "Care delivered (visit or follow-up done)"
    DECLINED = "declined", "Beneficiary declined"
    UNREACHABLE = "unreachable", "Could not reach the beneficiary"
    CARE_ELSEWHERE = "care_elsewhere", "Care received outside the ACO"
    NOT_APPLICABLE = "not_applicable", "Not applicable (hospice, moved away, died)"
    OTHER = "other", "Other reason"
    # Set by a quality run, never chosen by a person.
    CLOSED_BY_CLAIM = "closed_by_claim", "Closed by a later claim"
    NO_LONGER_FOUND = "no_longer_found", "No longer found by the quality run"


MANUAL_CLOSE_REASONS = [
    CloseReason.COMPLETED,
    CloseReason.DECLINED,
    CloseReason.UNREACHABLE,
    CloseReason.CARE_ELSEWHERE,
    CloseReason.NOT_APPLICABLE,
    CloseReason.OTHER,
]
MANUAL_CLOSE_REASON_CHOICES = [(r.value, r.label) for r in MANUAL_CLOSE_REASONS]
RUN_CLOSE_REASONS = [CloseReason.CLOSED_BY_CLAIM, CloseReason.NO_LONGER_FOUND]


class CareGapItem(models.Model):
    """One care gap on the ACO's worklist, with the work done on it: status, assignee, due date, notes.

    Quality runs recompute the gaps (``CareGap`` rows belong to one run); the item is keyed by what the
    gap is about, not by a run's row: the ACO, the performance year, the beneficiary, the kind of gap and
    the claim that opened it (a beneficiary may have two follow-ups due in a year). Each run finds its
    gaps' items (creating new ones) and refreshes what the run knows (gap type, names, TIN); an item the
    run no longer finds is closed by it, naming the later claim that closed it when there is one. The
    status, assignee, due date and notes are the care manager's and survive every run."""

    aco = models.ForeignKey("acos.ACO", on_delete=models.CASCADE, related_name="care_gap_items")
    performance_year = models.PositiveSmallIntegerField()
    mbi = models.CharField("MBI", max_length=11)
    kind = models.CharField(max_length=16, choices=GapKind.choices)
    opening_claim_id = models.BigIntegerField(help_text="The claim that opened the gap (CUR_CLM_UNIQ_ID).")
    # What the latest quality run that found the gap says about it.
    gap_type = models.CharField(max_length=24, choices=CareGap.GapType.choices)
    measure = models.CharField(max_length=24, blank=True)
    opened_on = models.DateField()
    window_ends = models.DateField(null=True, blank=True, help_text="The last day of the gap's window, if it has one.")
    tin = models.CharField("aligning TIN or CCN", max_length=9, blank=True)
    first_name = models.CharField(max_length=30, blank=True)
    last_name = models.CharField(max_length=40, blank=True)
    last_run = models.ForeignKey(QualityRun, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    # The care manager's work.
    status = models.CharField(max_length=12, choices=GapStatus.choices, default=GapStatus.OPEN, db_index=True)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="care_gaps_assigned"
    )
    due_date = models.DateField(null=True, blank=True)
    close_reason = models.CharField(max_length=16, choices=CloseReason.choices, blank=True)
    close_note = models.CharField(max_length=500, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    closed_by_run = models.ForeignKey(QualityRun, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    closing_claim_id = models.BigIntegerField(null=True, blank=True)
    closing_claim_date = models.DateField(null=True, blank=True)
    closing_claim_code = models.CharField(max_length=40, blank=True, help_text='e.g. "HCPCS 99214"')
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["due_date", "mbi", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["aco", "performance_year", "mbi", "kind", "opening_claim_id"], name="care_gap_item_key"
            ),
            models.CheckConstraint(
                condition=models.Q(status="closed") | models.Q(close_reason=""), name="care_gap_item_reason_if_closed"
            ),
        ]
        indexes = [
            models.Index(fields=["aco", "performance_year", "status", "due_date"]),
            models.Index(fields=["aco", "assignee", "status"]),
        ]

    def __str__(self) -> str:
        return f"{self.aco_id} PY{self.performance_year} {self.mbi} {self.kind} {self.opening_claim_id}"

    @property
    def is_closed(self) -> bool:
        return self.status == GapStatus.CLOSED

    @property
    def closed_by_a_run(self) -> bool:
        return self.is_closed and self.close_reason in RUN_CLOSE_REASONS

    # How the item was closed: cleared together when it opens again.
    CLOSURE_FIELDS = (
        "close_reason",
        "close_note",
        "closed_at",
        "closed_by",
        "closed_by_run",
        "closing_claim_id",
        "closing_claim_date",
        "closing_claim_code",
    )

    def reopen(self, status: str = GapStatus.OPEN) -> None:
        """Back to ``status`` (open or in progress), forgetting how it was closed (not saved)."""
        self.status, self.close_reason, self.close_note = status, "", ""
        self.closed_at, self.closed_by, self.closed_by_run = None, None, None
        self.closing_claim_id, self.closing_claim_date, self.closing_claim_code = None, None, ""


class CareGapEvent(models.Model):
    """The history of a worklist item: every change, who made it (empty: a quality run) and when."""

    class Kind(models.TextChoices):
        FOUND = "found", "Found by a quality run"
        GAP_CHANGED = "gap_changed", "Gap changed"
        STATUS = "status", "Status"
        ASSIGNED = "assigned", "Assignee"
        DUE_DATE = "due_date", "Due date"
        NOTE = "note", "Note"
        CLOSED = "closed", "Closed"
        REOPENED = "reopened", "Reopened"

    item = models.ForeignKey(CareGapItem, on_delete=models.CASCADE, related_name="events")
    at = models.DateTimeField(default=timezone.now, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    run = models.ForeignKey(QualityRun, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    kind = models.CharField(max_length=12, choices=Kind.choices)
    summary = models.CharField(max_length=300, help_text="What changed, as the history reads.")
    note = models.TextField(blank=True)
    changes = models.JSONField(default=dict, blank=True, help_text="{field: [before, after]}")

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.item_id} {self.kind} {self.at:%Y-%m-%d}"

    @property
    def who(self) -> str:
        if self.actor is not None:
            return self.actor.display_name
        return f"Quality run {self.run_id}" if self.run_id else "The portal"
