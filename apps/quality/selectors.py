"""Reads of the quality catalogue and of an ACO's CAHPS/eCQM results. ACO-scoped reads take an ACO
already resolved through the user's scope (``apps.acos.selectors.aco_get_for_user``)."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import QuerySet

from apps.acos.models import ACO, ECQMPhase, ModelParameters

from .models import DataSource, MeasureDefinition, QualitySubmission

# How a measure's result counts in a year, as the pages say it.
PHASE_LABELS: dict[str, str] = {
    ECQMPhase.OPTIONAL: "optional: not scored",
    ECQMPhase.REPORTING: "pay for reporting: reported counts",
    ECQMPhase.PERFORMANCE: "pay for performance: scored",
}
NOT_SCORED = "not scored"


def ecqm_phase(*, performance_year: int) -> str:
    """The year's eCQM phase (model parameters); optional for a year CMS has not configured."""
    phase = ModelParameters.objects.filter(performance_year=performance_year).values_list("ecqm_phase", flat=True)
    return phase.first() or ECQMPhase.OPTIONAL


def measure_phase(*, data_source: str, scored: bool, phase: str) -> tuple[str, str]:
    """(phase, label) of a measure in a year whose eCQM phase is ``phase``: an eCQM follows the
    year's phase; any other measure is paid for performance when it is scored."""
    if not scored:
        return "not_scored", NOT_SCORED
    if data_source == DataSource.ECQM:
        return phase, PHASE_LABELS[phase]
    return ECQMPhase.PERFORMANCE, PHASE_LABELS[ECQMPhase.PERFORMANCE]


def measure_catalogue(*, performance_year: int | None = None) -> QuerySet[MeasureDefinition]:
    """The catalogue (every signed-in user may read it), one year's or all."""
    qs = MeasureDefinition.objects.all()
    if performance_year is not None:
        qs = qs.filter(performance_year=performance_year)
    return qs.order_by("performance_year", "code")


def ecqm_phases(*, years: set[int]) -> dict[int, str]:
    """The eCQM phase of each of ``years`` (optional where not configured)."""
    found = dict(
        ModelParameters.objects.filter(performance_year__in=years).values_list("performance_year", "ecqm_phase")
    )
    return {year: found.get(year, ECQMPhase.OPTIONAL) for year in years}


@dataclass(frozen=True)
class MeasureResult:
    """One uploadable measure of an ACO's year: its definition (if the catalogue has the year), how it
    counts, and the current result (None before the first upload)."""

    code: str
    name: str
    phase: str
    phase_label: str
    unit: str
    direction: str
    current: QualitySubmission | None


def submissions_current(*, aco: ACO, performance_year: int) -> list[MeasureResult]:
    """The ACO's current CAHPS and eCQM results for the year, one entry per uploadable measure."""
    phase = ecqm_phase(performance_year=performance_year)
    definitions = {
        d.code: d
        for d in MeasureDefinition.objects.filter(
            performance_year=performance_year, code__in=QualitySubmission.Measure.values
        )
    }
    current = {
        s.measure: s
        for s in QualitySubmission.objects.filter(
            aco=aco, performance_year=performance_year, superseded_at__isnull=True
        ).select_related("submitted_by")
    }
    out = []
    for code, label in QualitySubmission.Measure.choices:
        definition = definitions.get(code)
        source = DataSource.SURVEY if code == QualitySubmission.Measure.CAHPS else DataSource.ECQM
        key, phase_label = measure_phase(
            data_source=definition.data_source if definition else source,
            scored=definition.scored if definition else True,
            phase=phase,
        )
        out.append(
            MeasureResult(
                code=code,
                name=definition.name if definition else label,
                phase=key,
                phase_label=phase_label,
                unit=definition.unit if definition else "",
                direction=definition.get_direction_display() if definition else "",
                current=current.get(code),
            )
        )
    return out


def submissions_history(*, aco: ACO, performance_year: int) -> QuerySet[QualitySubmission]:
    """Every result the ACO has had for the year, current and superseded, newest first."""
    return (
        QualitySubmission.objects.filter(aco=aco, performance_year=performance_year)
        .select_related("submitted_by")
        .order_by("-submitted_at", "measure", "-pk")
    )
