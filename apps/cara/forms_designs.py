"""Forms of the Maximal Flexibility design pages. They only shape input: every rule (codes, window,
categories, exclusions, who may) lives in ``designs`` (shared with the API), whose ``ValidationError`` the
views put back on these forms."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError

from lead_portal.text import LimitedCharField

from .catalogue import CLAIM_CATEGORIES, WINDOWS
from .designs import FIELDS, MAX_NAME, MAX_RATIONALE, field_label
from .models import TriggerKind

GENERAL_SECTION = ("general", "The design as a whole")


class NeededField(LimitedCharField):
    """Needed (so not labelled "optional"), but the service says so, with the field's label."""

    def validate(self, value: Any) -> None:
        if value not in self.empty_values:
            super().validate(value)


class ListField(forms.Field):
    """The checked boxes as a list; which values are allowed, and that one is, is the service's to say."""

    def to_python(self, value: Any) -> list[str]:
        if value in self.empty_values:
            return []
        return [str(v) for v in value] if isinstance(value, list | tuple) else [str(value)]

    def validate(self, value: Any) -> None:
        return None


class DesignForm(forms.Form):
    """A design's fields. Choices are offered, not enforced here: the service names a bad value."""

    use_required_attribute = False

    name = NeededField(
        label=field_label("name"),
        max_length=MAX_NAME,
        help_text="How the variant is named on the ACO's pages and in arrangements.",
    )
    trigger_kind = NeededField(label=field_label("trigger_kind"), widget=forms.RadioSelect(choices=TriggerKind.choices))
    trigger_codes = NeededField(
        label=field_label("trigger_codes"),
        help_text="MS-DRGs (three digits, e.g. 469, 470) for an inpatient trigger, or HCPCS codes (five letters or "
        "digits, e.g. 27447) for a procedure; separate them with commas.",
    )
    window_days = NeededField(
        label="Window after discharge",
        widget=forms.RadioSelect(choices=[(str(w), f"{w} days") for w in WINDOWS]),
    )
    included_categories = ListField(
        label=field_label("included_categories"),
        help_text="The claims counted in an episode's cost (the trigger's own claim always counts).",
        widget=forms.CheckboxSelectMultiple(choices=list(CLAIM_CATEGORIES.items())),
    )
    excluded_diagnoses = forms.CharField(
        label=field_label("excluded_diagnoses"),
        required=False,
        help_text="ICD-10 codes or their first characters (e.g. S72 for fractures of the femur), separated by "
        "commas: a stay whose principal diagnosis starts so starts no episode.",
    )
    rationale = LimitedCharField(
        label=field_label("rationale"),
        required=False,
        max_length=MAX_RATIONALE,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="What the variant captures that the default does not; CMS reads it with the design.",
    )

    def content(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "name": data.get("name") or "",
            "trigger_kind": data.get("trigger_kind") or "",
            "trigger_codes": data.get("trigger_codes") or "",
            "window_days": data.get("window_days") or "",
            "included_categories": data.get("included_categories") or [],
            "excluded_diagnoses": data.get("excluded_diagnoses") or "",
            "rationale": data.get("rationale") or "",
        }


def initial_from(content: dict[str, Any]) -> dict[str, Any]:
    """A design's content as the form's initial values."""
    return {
        "name": content.get("name", ""),
        "trigger_kind": content.get("trigger_kind", ""),
        "trigger_codes": ", ".join(content.get("trigger_codes") or []),
        "window_days": str(content.get("window_days") or ""),
        "included_categories": list(content.get("included_categories") or []),
        "excluded_diagnoses": ", ".join(content.get("excluded_diagnoses") or []),
        "rationale": content.get("rationale", ""),
    }


def add_service_errors(form: forms.Form, exc: ValidationError) -> None:
    """A service's ``ValidationError`` on the form: on its field when the form has it, else at the top (the
    messages already name their field)."""
    if hasattr(exc, "error_dict"):
        for key, messages in exc.message_dict.items():
            for message in messages:
                form.add_error(key if key in form.fields else None, message)
    else:
        for message in exc.messages:
            form.add_error(None, message)


class ReviewActionForm(forms.Form):
    use_required_attribute = False
    # Not labelled "optional": only "Start review" goes without one (the service insists).
    reason = NeededField(
        label="Reason",
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Required to request changes, approve or deny: the ACO sees it with the decision.",
    )


class WithdrawForm(forms.Form):
    reason = forms.CharField(label="Why withdraw", required=False, widget=forms.Textarea(attrs={"rows": 2}))


class CommentForm(forms.Form):
    section = forms.ChoiceField(label="On", choices=[GENERAL_SECTION, *FIELDS.items()])
    body = forms.CharField(label="Comment", widget=forms.Textarea(attrs={"rows": 3}))


def section_label(key: str) -> str:
    return GENERAL_SECTION[1] if key in ("", GENERAL_SECTION[0]) else field_label(key)
