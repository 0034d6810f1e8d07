"""Forms of the lifestyle area. They only shape input; the rules live in ``lifestyle`` (shared with the
API and the CSV upload)."""

from __future__ import annotations

from typing import Any

from django import forms

from .lifestyle import MAX_MINUTES, MAX_UPLOAD_BYTES
from .models import LifestyleProgramme

DATE_HELP = "YYYY-MM-DD, for example 2027-03-15; not in the future."


def _date_field(label: str, help_text: str = DATE_HELP, *, required: bool = True) -> forms.CharField:
    return forms.CharField(
        label=label,
        max_length=10,
        required=required,
        help_text=help_text,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )


def _minutes_field() -> forms.CharField:
    return forms.CharField(
        label="Minutes",
        max_length=4,
        required=False,
        help_text=f"How long the session lasted, 1 to {MAX_MINUTES}.",
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )


class LifestyleEntryForm(forms.Form):
    """Enrol a beneficiary, record a session, or both at once (the rules of a CSV row)."""

    mbi = forms.CharField(
        label="MBI",
        max_length=11,
        help_text="One of the ACO's aligned beneficiaries; an earlier MBI is resolved to the current one.",
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
    programme = forms.ChoiceField(label="Programme", choices=LifestyleProgramme.choices, widget=forms.RadioSelect)
    enrolled_on = _date_field(
        "Enrolment date",
        "YYYY-MM-DD. Leave empty to record a session in the enrolment that covers the session's date.",
        required=False,
    )
    session_date = _date_field(
        "Session date", "YYYY-MM-DD, within the enrolment and not in the future. Empty: enrol only.", required=False
    )
    minutes = _minutes_field()


class LifestyleSessionForm(forms.Form):
    session_date = _date_field("Session date", "YYYY-MM-DD, within the enrolment and not in the future.")
    minutes = _minutes_field()


class LifestyleEndForm(forms.Form):
    ended_on = _date_field("End date", "YYYY-MM-DD: on or after the last session, not in the future.")


class LifestyleUploadForm(forms.Form):
    file = forms.FileField(
        label="CSV file",
        help_text="UTF-8 CSV with the header row mbi,programme,enrolled_on,session_date,minutes; at most 2 MB.",
    )

    def clean_file(self) -> Any:
        f = self.cleaned_data["file"]
        if f.size > MAX_UPLOAD_BYTES:
            raise forms.ValidationError("The file is larger than 2 MB.")
        if not f.name.lower().endswith(".csv"):
            raise forms.ValidationError("Upload a .csv file.")
        return f
