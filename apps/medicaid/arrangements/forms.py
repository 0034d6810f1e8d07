"""Forms for the arrangement pages. They only shape input: every rule (required at submission,
formats, the state's delivery system) lives in ``services`` (shared with the API),
whose ``ValidationError`` the views put back on these forms."""

from __future__ import annotations

import re
from typing import Any, cast

from django import forms
from django.core.exceptions import ValidationError

from lead_portal.text import TEXT_LIMIT, LimitedCharField

from ..models import ARRANGEMENT_FIELDS, STRATEGIES, AgreementStatus, MedicaidState, PartnerType
from .services import CONTACT_KEYS, CONTACT_SIDES, DATA_SHARING_STATUSES, field_label

MIN_CONTACT_ROWS = 4
MAX_CONTACT_ROWS = 20
GENERAL_SECTION = ("general", "The arrangement as a whole")
CONTACT_LABELS = {
    "side": "Works for",
    "name": "Name",
    "organization": "Organization",
    "role": "Role",
    "email": "E-mail",
    "phone": "Phone",
}
_CONTACT_KEY = re.compile(r"^contact_(\d+)_")


class SubmitField(LimitedCharField):
    """Required to submit (so not labelled "optional"), but a draft may leave it empty."""

    def validate(self, value: Any) -> None:
        if value not in self.empty_values:
            super().validate(value)


def _blank(label: str) -> list[tuple[str, str]]:
    return [("", label)]


class ArrangementCreateForm(forms.Form):
    state = forms.ModelChoiceField(
        label="State",
        queryset=MedicaidState.objects.none(),
        empty_label="Choose a state",
        help_text="States this ACO serves that CMS selected for Medicaid integration.",
    )
    partner_type = forms.ChoiceField(label="Partner type", choices=_blank("Choose a type") + list(PartnerType.choices))
    partner_name = forms.CharField(label="Partner", max_length=200, help_text="The agency's or MCO's name.")

    def __init__(self, *args: Any, states: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ModelChoiceField, self.fields["state"]).queryset = states


class ArrangementForm(forms.Form):
    """Every content field; all optional here (a draft may be partial). Contacts are numbered rows
    ``contact_<n>_<key>``; blank rows are dropped."""

    use_required_attribute = False

    partner_type = SubmitField(
        label=field_label("partner_type"), widget=forms.Select(choices=_blank("Not chosen") + list(PartnerType.choices))
    )
    partner_name = SubmitField(label=field_label("partner_name"), max_length=200)
    agreement_status = SubmitField(
        label=field_label("agreement_status"),
        widget=forms.Select(choices=_blank("Not chosen") + list(AgreementStatus.choices)),
    )
    start_date = SubmitField(
        label=field_label("start_date"),
        required=False,
        help_text="Needed once the agreement is signed.",
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    end_date = SubmitField(
        label=field_label("end_date"),
        required=False,
        help_text="Leave empty for an open-ended agreement.",
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    roles = SubmitField(
        label=field_label("roles"),
        help_text="What the ACO does and what the Medicaid partner does.",
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=TEXT_LIMIT,
    )
    data_sharing_status = SubmitField(
        label="Data-sharing agreement status",
        widget=forms.Select(choices=_blank("Not chosen") + list(DATA_SHARING_STATUSES.items())),
    )
    data_sharing_signed_on = SubmitField(
        label="Data-sharing agreement signed on",
        required=False,
        help_text="Needed when the agreement is signed.",
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    data_sharing_description = SubmitField(
        label="What is shared and how opt-outs are honoured",
        help_text="The data exchanged, how often, and how beneficiaries who declined data sharing are left out.",
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=TEXT_LIMIT,
    )

    def __init__(self, *args: Any, contact_rows: int = MIN_CONTACT_ROWS, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for key, label in STRATEGIES.items():
            self.fields[f"strategy_{key}"] = SubmitField(
                label=label, required=False, widget=forms.Textarea(attrs={"rows": 3}), max_length=TEXT_LIMIT
            )
        if self.is_bound:
            numbers = [int(m.group(1)) for k in self.data if (m := _CONTACT_KEY.match(k))]
            contact_rows = max(contact_rows, max(numbers, default=-1) + 1)
        self.contact_rows = min(max(contact_rows, MIN_CONTACT_ROWS), MAX_CONTACT_ROWS)
        for n in range(self.contact_rows):
            for key in CONTACT_KEYS:
                name = f"contact_{n}_{key}"
                label = f"{CONTACT_LABELS[key]}"
                if key == "side":
                    self.fields[name] = forms.ChoiceField(
                        label=label, required=False, choices=_blank("Not chosen") + list(CONTACT_SIDES.items())
                    )
                elif key == "email":
                    # The service checks the address (and names the contact in its message).
                    self.fields[name] = forms.CharField(
                        label=label, required=False, max_length=200, widget=forms.EmailInput()
                    )
                else:
                    self.fields[name] = forms.CharField(label=label, required=False, max_length=200)
        # Which form row each stored contact came from (blank rows are dropped), for error messages.
        self.contact_row_of: list[int] = []

    @property
    def strategy_fields(self) -> list[forms.BoundField]:
        return [self[f"strategy_{key}"] for key in STRATEGIES]

    @property
    def contact_fieldsets(self) -> list[dict[str, Any]]:
        return [
            {"number": n + 1, "fields": [self[f"contact_{n}_{key}"] for key in CONTACT_KEYS]}
            for n in range(self.contact_rows)
        ]

    def content(self) -> dict[str, Any]:
        data = self.cleaned_data
        contacts = []
        self.contact_row_of = []
        for n in range(self.contact_rows):
            row = {key: str(data.get(f"contact_{n}_{key}") or "").strip() for key in CONTACT_KEYS}
            if any(row[k] for k in CONTACT_KEYS if k != "side"):
                contacts.append(row)
                self.contact_row_of.append(n)
        return {
            "partner_type": data.get("partner_type", ""),
            "partner_name": data.get("partner_name", ""),
            "agreement_status": data.get("agreement_status", ""),
            "start_date": data.get("start_date", ""),
            "end_date": data.get("end_date", ""),
            "roles": data.get("roles", ""),
            "strategies": {key: data.get(f"strategy_{key}", "") for key in STRATEGIES},
            "data_sharing": {
                "status": data.get("data_sharing_status", ""),
                "signed_on": data.get("data_sharing_signed_on", ""),
                "description": data.get("data_sharing_description", ""),
            },
            "contacts": contacts,
        }

    def form_field_for(self, key: str) -> str | None:
        """The form field showing a service error key (``data_sharing.status``, ``contacts.1.email``)."""
        if key in self.fields:
            return key
        parts = key.split(".")
        if parts[0] == "data_sharing" and len(parts) == 2:
            return f"data_sharing_{parts[1]}"
        if parts[0] == "strategies" and len(parts) == 2:
            return f"strategy_{parts[1]}"
        if parts[0] == "contacts" and len(parts) == 3 and parts[1].isdigit():
            index = int(parts[1])
            row = self.contact_row_of[index] if index < len(self.contact_row_of) else index
            name = f"contact_{row}_{parts[2]}"
            return name if name in self.fields else None
        return None

    def message_for(self, key: str, message: str) -> str:
        """The service numbers contacts as stored (blank rows dropped); say the row's number on screen."""
        parts = key.split(".")
        if parts[0] == "contacts" and len(parts) == 3 and parts[1].isdigit():
            index = int(parts[1])
            if index < len(self.contact_row_of):
                return message.replace(f"Contact {index + 1}:", f"Contact {self.contact_row_of[index] + 1}:", 1)
        return message


def initial_content(content: dict[str, Any]) -> tuple[dict[str, str], int]:
    """Stored content as form values, and how many contact rows to show (one spare, at least 4)."""
    initial: dict[str, str] = {
        key: str(content.get(key) or "")
        for key in ("partner_type", "partner_name", "agreement_status", "start_date", "end_date", "roles")
    }
    strategies = content.get("strategies") or {}
    for key in STRATEGIES:
        initial[f"strategy_{key}"] = str(strategies.get(key) or "")
    sharing = content.get("data_sharing") or {}
    for key in ("status", "signed_on", "description"):
        initial[f"data_sharing_{key}"] = str(sharing.get(key) or "")
    contacts = content.get("contacts") or []
    for n, contact in enumerate(contacts):
        for key in CONTACT_KEYS:
            initial[f"contact_{n}_{key}"] = str(contact.get(key) or "")
    return initial, max(MIN_CONTACT_ROWS, len(contacts) + 1)


def add_service_errors(form: forms.Form, exc: ValidationError) -> None:
    """Put a service's ``ValidationError`` on the form: on the field where the form shows it, else
    at the top (the messages already name their field)."""
    mapper = getattr(form, "form_field_for", None)
    wording = getattr(form, "message_for", None)
    if hasattr(exc, "error_dict"):
        for key, errors in exc.message_dict.items():
            target = mapper(key) if mapper else (key if key in form.fields else None)
            if target is None and key in form.fields:
                target = key
            for message in errors:
                form.add_error(target, wording(key, message) if wording else message)
    else:
        for message in exc.messages:
            form.add_error(None, message)


def error_text(exc: ValidationError) -> str:
    return " ".join(exc.messages)


def section_label(key: str) -> str:
    return GENERAL_SECTION[1] if key == GENERAL_SECTION[0] else ARRANGEMENT_FIELDS.get(key, key)


class ReviewActionForm(forms.Form):
    use_required_attribute = False
    # Not labelled "optional": only "Start review" goes without one (the service insists).
    reason = SubmitField(
        label="Reason",
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Required to request changes, approve or deny: the ACO sees it with the decision.",
    )


class WithdrawForm(forms.Form):
    reason = forms.CharField(label="Why withdraw", required=False, widget=forms.Textarea(attrs={"rows": 2}))


class CommentForm(forms.Form):
    section = forms.ChoiceField(
        label="Section",
        choices=[GENERAL_SECTION] + [(key, label) for key, label in ARRANGEMENT_FIELDS.items()],
    )
    body = forms.CharField(label="Comment", widget=forms.Textarea(attrs={"rows": 3}))
