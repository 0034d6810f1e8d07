"""Forms only shape input; the rules live in ``voluntary`` (shared with uploads and the API)."""

from __future__ import annotations

from typing import Any

from django import forms

from apps.acos.lists import RowError
from apps.claims.models import VoluntaryAlignment


class VoluntaryAlignmentForm(forms.Form):
    mbi = forms.CharField(label="MBI", max_length=11, help_text="The beneficiary's Medicare Beneficiary Identifier.")
    tin = forms.CharField(
        label="TIN", max_length=9, help_text="9 digits, no dash: one of this ACO's Participant TINs for the year."
    )
    npi = forms.CharField(label="NPI", max_length=10, help_text="10 digits: the clinician the beneficiary chose.")
    signed_date = forms.CharField(
        label="Date signed",
        max_length=10,
        help_text="YYYY-MM-DD, for example 2026-05-01.",
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )
    channel = forms.ChoiceField(
        label="How the beneficiary chose",
        choices=VoluntaryAlignment.Channel.choices,
        widget=forms.RadioSelect,
    )


class VoluntaryUploadForm(forms.Form):
    file = forms.FileField(label="CSV file", help_text="UTF-8 CSV with the header row shown above; at most 5 MB.")

    def clean_file(self) -> Any:
        f = self.cleaned_data["file"]
        if f.size > 5 * 1024 * 1024:
            raise forms.ValidationError("The file is larger than 5 MB.")
        if not f.name.lower().endswith(".csv"):
            raise forms.ValidationError("Upload a .csv file.")
        return f


def sentence(reason: str) -> str:
    """A row check's reason ("is not an MBI …") as a sentence for a form."""
    text = reason.strip()
    return f"{text[:1].upper()}{text[1:]}{'' if text.endswith('.') else '.'}"


def attach_row_errors(form: forms.Form, errors: list[RowError]) -> None:
    """Row check results onto the form: next to their field, or in the summary (a duplicate)."""
    for error in errors:
        name = error.field if error.field in form.fields else None
        form.add_error(name, sentence(error.reason))
