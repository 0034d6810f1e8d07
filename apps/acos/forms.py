"""Forms only shape input; the rules live in ``services`` and ``lists`` (shared with the API)."""

from __future__ import annotations

from typing import Any

from django import forms

from lead_portal.uploads import MAX_CSV_UPLOAD_BYTES, MB

from .lists import RowError
from .models import ACO, STATE_CHOICES, Capitation, Election, FacilityType
from .reference import specialty_codes


class ProfileForm(forms.ModelForm):
    states = forms.MultipleChoiceField(
        label="States served",
        choices=STATE_CHOICES,
        widget=forms.SelectMultiple(attrs={"size": 8}),
        help_text="Hold Ctrl (Cmd on a Mac) to choose several.",
    )

    class Meta:
        model = ACO
        fields = [
            "legal_name",
            "doing_business_as",
            "states",
            "primary_contact_name",
            "primary_contact_email",
            "primary_contact_phone",
            "executive_name",
            "executive_email",
            "compliance_contact_name",
            "compliance_contact_email",
        ]


class ElectionForm(forms.ModelForm):
    class Meta:
        model = Election
        fields = ["risk_option", "alignment_approach", "capitation", "newly_entering", "cara_participation"]
        help_texts = {
            "capitation": "Total Care Capitation is only for Global risk.",
            "cara_participation": "CARA episode arrangements are only offered to Global-risk ACOs.",
        }


class ParticipantForm(forms.Form):
    tin = forms.CharField(label="TIN", max_length=9, help_text="9 digits, no dash.")
    legal_name = forms.CharField(max_length=200)
    practice_zip = forms.CharField(label="Practice ZIP code", max_length=5)
    facility_type = forms.ChoiceField(choices=FacilityType.choices, required=False)
    ccns = forms.CharField(
        label="CCNs",
        required=False,
        help_text="CMS Certification Numbers of RHC, FQHC or CAH sites, separated by semicolons (;).",
    )
    new_to_aco = forms.BooleanField(label="New to ACOs", required=False)


class PreferredProviderForm(forms.Form):
    tin = forms.CharField(label="TIN", max_length=9, help_text="9 digits, no dash.")
    npi = forms.CharField(label="NPI", max_length=10, help_text="10 digits.")
    name = forms.CharField(max_length=200)
    specialty_code = forms.ChoiceField(label="Specialty", choices=[])
    capitation = forms.ChoiceField(label="Capitation election", choices=Capitation.choices)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["specialty_code"].choices = [  # type: ignore[attr-defined]
            (code, f"{code} {name}") for code, name in specialty_codes().items()
        ]


LIST_FORMS: dict[str, type[forms.Form]] = {
    "participants": ParticipantForm,
    "preferred_providers": PreferredProviderForm,
}


def attach_row_errors(form: forms.Form, errors: list[RowError]) -> None:
    for error in errors:
        name = error.field if error.field in form.fields else None
        form.add_error(name, f"{error.reason}." if name else f"{error.field}: {error.reason}.")


class ListUploadForm(forms.Form):
    file = forms.FileField(label="CSV file", help_text="UTF-8 CSV with the header row shown above; at most 5 MB.")
    replace = forms.BooleanField(label="Replace the whole list (rows not in the file are removed)", required=False)

    def clean_file(self) -> Any:
        f = self.cleaned_data["file"]
        if f.size > MAX_CSV_UPLOAD_BYTES:
            raise forms.ValidationError(f"The file is larger than {MAX_CSV_UPLOAD_BYTES // MB} MB.")
        if not f.name.lower().endswith(".csv"):
            raise forms.ValidationError("Upload a .csv file.")
        return f


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(choices=[("approve", "Approve"), ("deny", "Deny")], widget=forms.RadioSelect)
    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), help_text="The ACO sees this with the decision.")


class WithdrawForm(forms.Form):
    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), required=False)
