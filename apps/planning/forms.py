"""The scenario form: the changes as text, one per line, checked by ``services.changes_from_text``."""

from __future__ import annotations

from django import forms

from apps.acos.models import AlignmentApproach, RiskOption

KEEP = [("", "Keep the current election")]


class ScenarioForm(forms.Form):
    name = forms.CharField(max_length=120, label="Scenario name")
    add_tins = forms.CharField(
        required=False,
        label="Participant TINs to add",
        help_text=(
            "One per line: TIN, legal name, practice ZIP, and for a CAH, RHC or FQHC the facility type and its "
            "CCNs separated by semicolons. Example: 123456789, Valley Clinic, 05401"
        ),
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    remove_tins = forms.CharField(
        required=False,
        label="Participant TINs to remove",
        help_text="One TIN per line; its CCNs leave with it.",
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    add_ccns = forms.CharField(
        required=False,
        label="CCNs to add",
        help_text="One per line: CCN, the TIN whose row lists it. Example: 471234, 123456789",
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    remove_ccns = forms.CharField(
        required=False,
        label="CCNs to remove",
        help_text="One per line: CCN, the TIN whose row lists it.",
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    risk_option = forms.ChoiceField(required=False, choices=KEEP + list(RiskOption.choices), label="Risk option")
    alignment_approach = forms.ChoiceField(
        required=False, choices=KEEP + list(AlignmentApproach.choices), label="Alignment approach"
    )
    note = forms.CharField(required=False, max_length=2000, label="Note", widget=forms.Textarea(attrs={"rows": 2}))


class FileForm(forms.Form):
    confirm = forms.BooleanField(
        label="I have read the preview and want to file this version as the real list change",
        required=True,
    )
