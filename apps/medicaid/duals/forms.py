"""Forms of the data-sharing opt-outs. They only shape input; the rules live in ``services``
(shared with the API)."""

from __future__ import annotations

from typing import Any

from django import forms

from ..models import DataSharingOptOut


class OptOutForm(forms.Form):
    mbi = forms.CharField(
        label="MBI",
        max_length=11,
        help_text="The beneficiary's Medicare Beneficiary Identifier; an earlier MBI is resolved to the current one.",
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
    declined_on = forms.CharField(
        label="Date the beneficiary declined",
        max_length=10,
        help_text="YYYY-MM-DD, for example 2027-03-15; not in the future.",
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )
    source = forms.ChoiceField(
        label="How the ACO learned of it",
        choices=DataSharingOptOut.Source.choices,
        initial=DataSharingOptOut.Source.BENEFICIARY,
        widget=forms.RadioSelect,
    )
    note = forms.CharField(label="Note", max_length=300, required=False)


class OptOutUploadForm(forms.Form):
    file = forms.FileField(
        label="CSV file", help_text="UTF-8 CSV with the header row mbi,declined_on,source,note; at most 2 MB."
    )

    def clean_file(self) -> Any:
        f = self.cleaned_data["file"]
        if f.size > 2 * 1024 * 1024:
            raise forms.ValidationError("The file is larger than 2 MB.")
        if not f.name.lower().endswith(".csv"):
            raise forms.ValidationError("Upload a .csv file.")
        return f
