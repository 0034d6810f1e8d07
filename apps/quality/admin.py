"""Administration of the quality measure catalogue (CMS admins) and a read-only view of submitted
CAHPS/eCQM results (uploads go through the ACO's pages, the API or a dataset bundle)."""

from __future__ import annotations

import json
import re
from decimal import Decimal, InvalidOperation
from typing import Any

from django import forms
from django.contrib import admin
from django.http import HttpRequest

from .models import DECILE_CUT_POINTS, MeasureDefinition, QualitySubmission, validate_deciles


class DecilesField(forms.Field):
    """The decile table as text: 9 numbers separated by commas (or a JSON list)."""

    def prepare_value(self, value: Any) -> Any:
        if isinstance(value, list):
            return ", ".join(str(v) for v in value)
        if isinstance(value, str) and value.startswith("["):
            try:
                return ", ".join(str(v) for v in json.loads(value))
            except ValueError:
                return value
        return value

    def to_python(self, value: Any) -> list[float] | None:
        text = str(value or "").strip().strip("[]")
        if not text:
            return None
        points: list[float] = []
        for i, part in enumerate(re.split(r"[,;\s]+", text.strip(",; ")), start=1):
            try:
                number = Decimal(part)
            except InvalidOperation:
                raise forms.ValidationError(f"Cut point {i} ({part}) is not a number.", code="decile_number") from None
            if not number.is_finite():
                raise forms.ValidationError(f"Cut point {i} ({part}) is not a number.", code="decile_number")
            points.append(float(number))
        return points

    def validate(self, value: Any) -> None:
        super().validate(value)
        if value is not None:
            validate_deciles(value)


class MeasureDefinitionForm(forms.ModelForm):
    deciles = DecilesField(
        help_text=f"{DECILE_CUT_POINTS} cut points (10th to 90th percentile), ascending, separated by commas. "
        "For a lower-is-better measure a rate below the first cut point is the best decile.",
        widget=forms.TextInput(attrs={"size": 80}),
    )

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
            "benchmark_source",
        ]


@admin.register(MeasureDefinition)
class MeasureDefinitionAdmin(admin.ModelAdmin):
    form = MeasureDefinitionForm
    list_display = ("performance_year", "code", "name", "data_source", "direction", "scored", "updated_at")
    list_filter = ("performance_year", "data_source", "scored")
    search_fields = ("code", "name")
    ordering = ("performance_year", "code")


@admin.register(QualitySubmission)
class QualitySubmissionAdmin(admin.ModelAdmin):
    list_display = (
        "aco",
        "performance_year",
        "measure",
        "numerator",
        "denominator",
        "score",
        "source",
        "submitted_by",
        "submitted_at",
        "superseded_at",
    )
    list_filter = ("performance_year", "measure")
    search_fields = ("aco__aco_id", "source")
    list_select_related = ("aco", "submitted_by")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
