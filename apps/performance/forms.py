"""Forms only shape input for the CMS pipeline pages; the rules (who may, which years) live in
``services``."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms

from apps.acos import selectors as aco_selectors
from apps.acos.models import ACO

from .models import Cohort


def _year_choices() -> list[tuple[int, str]]:
    return [(y, f"PY{y}") for y in aco_selectors.performance_years()]


class DollarsField(forms.DecimalField):
    """A dollar amount as people type it: "$1,043.27" is 1043.27."""

    def to_python(self, value: Any) -> Any:
        if isinstance(value, str):
            value = value.strip().removeprefix("$").replace(",", "").strip()
        return super().to_python(value)


class PipelineRunForm(forms.Form):
    performance_year = forms.TypedChoiceField(label="Performance year", coerce=int, choices=_year_choices)
    as_of = forms.DateField(
        label="Mid-year date",
        required=False,
        help_text="YYYY-MM-DD in the performance year: counts claims through this date and runs the Hybrid "
        "mid-year additions. Leave empty for the whole year.",
        input_formats=["%Y-%m-%d"],
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={"invalid": "Enter the date as YYYY-MM-DD."},
    )


class PublishedBenchmarkForm(forms.Form):
    aco = forms.ModelChoiceField(
        label="ACO",
        queryset=ACO.objects.order_by("aco_id"),
        to_field_name="aco_id",
        empty_label="Choose an ACO",
        error_messages={"required": "Choose an ACO.", "invalid_choice": "Choose an ACO."},
    )
    performance_year = forms.TypedChoiceField(label="Performance year", coerce=int, choices=_year_choices)
    cohort = forms.ChoiceField(
        label="Cohort",
        choices=Cohort.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose a cohort.", "invalid_choice": "Choose a cohort."},
    )
    pbpm = DollarsField(
        label="Benchmark PBPM ($)",
        min_value=Decimal("0.01"),
        max_digits=10,
        decimal_places=2,
        help_text="Dollars per beneficiary per month, as CMS published it, for example 1043.27.",
        error_messages={"required": "Enter the PBPM CMS published."},
        widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}),
    )
    source = forms.CharField(
        label="Source",
        max_length=200,
        help_text="Where CMS published it: the report and its date.",
        error_messages={"required": "Say where CMS published it."},
    )
