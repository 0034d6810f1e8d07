"""Forms for the partner-state pages. They only shape input: the rules (codes, transitions, the
two-state limit, planning-phase dates, document types) live in ``services``, whose
``ValidationError`` the views put back on these forms with ``add_service_errors``."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.core.exceptions import ValidationError

from ..models import STATE_TRANSITIONS, DeliverySystem, MedicaidState, Milestone, StateStatus


class StateForm(forms.Form):
    code = forms.CharField(
        label="State code",
        max_length=2,
        help_text="The two-letter USPS code, e.g. MD.",
        widget=forms.TextInput(attrs={"autocomplete": "off", "size": 3}),
    )
    name = forms.CharField(label="State name", max_length=60)
    delivery_system = forms.ChoiceField(
        label="Medicaid delivery system", choices=DeliverySystem.choices, widget=forms.RadioSelect
    )
    medicaid_agency = forms.CharField(label="State Medicaid agency", max_length=200, required=False)
    notes = forms.CharField(label="Notes", required=False, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args: Any, editing: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if editing:
            del self.fields["code"]  # the code is the state's identity


class SometimesRequiredField(forms.CharField):
    """Required in some cases only (the service decides), so not labelled "optional": an empty
    value passes the form and the service says when it is needed."""

    def validate(self, value: Any) -> None:
        if value not in self.empty_values:
            super().validate(value)


class StatusChangeForm(forms.Form):
    use_required_attribute = False

    to_status = forms.ChoiceField(label="New status", widget=forms.RadioSelect)
    reason = SometimesRequiredField(
        label="Reason",
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Required to mark a state not selected or to reopen a decision; kept in the history.",
    )

    def __init__(self, *args: Any, state: MedicaidState, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = cast(forms.ChoiceField, self.fields["to_status"])
        field.choices = [(s, StateStatus(s).label) for s in STATE_TRANSITIONS.get(state.status, ())]


class MilestoneForm(forms.Form):
    title = forms.CharField(label="Milestone", max_length=120)
    state = forms.ChoiceField(label="State", required=False, help_text="Leave as “Model-wide” for the whole model.")
    start = forms.DateField(label="Start", widget=forms.DateInput(attrs={"type": "date"}))
    end = forms.DateField(label="End", widget=forms.DateInput(attrs={"type": "date"}))
    status = forms.ChoiceField(label="Status", choices=Milestone.Status.choices)
    notes = forms.CharField(label="Notes", required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args: Any, states: list[MedicaidState], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = cast(forms.ChoiceField, self.fields["state"])
        field.choices = [("", "Model-wide")] + [(s.code, str(s)) for s in states]

    def values(self) -> dict[str, Any]:
        return dict(self.cleaned_data)


class DocumentForm(forms.Form):
    title = forms.CharField(
        label="Title",
        max_length=160,
        help_text="A new file with the title of an existing document becomes its next version.",
    )
    file = forms.FileField(label="File", help_text="PDF, Word (.docx), Excel (.xlsx), text or CSV; at most 10 MB.")


class ConfirmForm(forms.Form):
    """An empty form: a POST with a CSRF token is the confirmation."""


def add_service_errors(form: forms.Form, exc: ValidationError) -> None:
    """Put a service's ``ValidationError`` on the form: per field where the form has the field."""
    if hasattr(exc, "error_dict"):
        for key, errors in exc.message_dict.items():
            target = key if key in form.fields else None
            for message in errors:
                form.add_error(target, message)
    else:
        for message in exc.messages:
            form.add_error(None, message)


def error_text(exc: ValidationError) -> str:
    return " ".join(exc.messages)
