"""API shapes for the quality catalogue and CAHPS/eCQM results. Serializers only shape data: the
row checks live in ``services``."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from .models import MeasureDefinition, QualitySubmission
from .selectors import measure_phase


class MeasureDefinitionSerializer(serializers.ModelSerializer[MeasureDefinition]):
    """A catalogue entry with how it counts in its year: ``phase`` (an eCQM follows the year's eCQM
    phase) and ``counts_in_score``. Needs ``phases`` ({year: eCQM phase}) in the context."""

    deciles = serializers.ListField(
        child=serializers.FloatField(), read_only=True, help_text="9 cut points (10th to 90th percentile), ascending."
    )
    phase = serializers.SerializerMethodField(help_text="optional, reporting, performance or not_scored")
    phase_label = serializers.SerializerMethodField()
    counts_in_score = serializers.SerializerMethodField(help_text="Its points go into the Total Quality Score.")

    class Meta:
        model = MeasureDefinition
        fields = [
            "performance_year",
            "code",
            "name",
            "description",
            "direction",
            "data_source",
            "unit",
            "deciles",
            "scored",
            "phase",
            "phase_label",
            "counts_in_score",
            "benchmark_source",
            "updated_at",
        ]
        read_only_fields = fields

    def _phase(self, obj: MeasureDefinition) -> tuple[str, str]:
        year_phase = self.context["phases"][obj.performance_year]
        return measure_phase(data_source=obj.data_source, scored=obj.scored, phase=year_phase)

    def get_phase(self, obj: MeasureDefinition) -> str:
        return self._phase(obj)[0]

    def get_phase_label(self, obj: MeasureDefinition) -> str:
        return self._phase(obj)[1]

    def get_counts_in_score(self, obj: MeasureDefinition) -> bool:
        return obj.counts_in_score(self.context["phases"][obj.performance_year])


class QualitySubmissionSerializer(serializers.ModelSerializer[QualitySubmission]):
    aco_id = serializers.CharField(source="aco.aco_id", read_only=True)
    submitted_by = serializers.SerializerMethodField()
    current = serializers.SerializerMethodField(help_text="False once a newer result superseded it.")
    rate = serializers.DecimalField(
        max_digits=7, decimal_places=2, read_only=True, allow_null=True, help_text="100 × numerator / denominator."
    )

    class Meta:
        model = QualitySubmission
        fields = [
            "id",
            "aco_id",
            "performance_year",
            "measure",
            "numerator",
            "denominator",
            "score",
            "rate",
            "current",
            "source",
            "submitted_by",
            "submitted_at",
            "superseded_at",
        ]
        read_only_fields = fields

    def get_submitted_by(self, obj: QualitySubmission) -> str | None:
        return obj.submitted_by.username if obj.submitted_by else None

    def get_current(self, obj: QualitySubmission) -> bool:
        return obj.superseded_at is None


class SubmissionUploadSerializer(serializers.Serializer[Any]):
    file = serializers.FileField(help_text="CSV: aco_id,performance_year,measure,numerator,denominator,score")
    performance_year = serializers.IntegerField(
        required=False, help_text="The year of the results (default: ``?py=``, else the current or next year)."
    )


class SubmissionUploadResultSerializer(serializers.Serializer[Any]):
    loaded = serializers.IntegerField()
    message = serializers.CharField()
    submissions = QualitySubmissionSerializer(many=True)
