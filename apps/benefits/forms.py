"""Forms for the BE/BEI pages. They only shape input: every rule (required fields, formats,
caps, eligibility) lives in ``services`` (shared with the API), whose ``ValidationError`` the
views put back on these forms."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.core.exceptions import ValidationError

from lead_portal.text import TEXT_LIMIT, LimitedCharField

from .models import PLAN_FIELDS, BenefitItem
from .services import py_range

# Plan content (docs/benefits.md, "The implementation plan"): key -> (label, hint). In page order.
PLAN_SECTIONS: dict[str, tuple[str, str]] = {
    "target_population": ("Target population", "Who the benefit is for (conditions, settings, numbers)."),
    "eligibility": ("Eligibility criteria", "How a beneficiary qualifies and how the ACO checks it."),
    "services": ("Services or products", "What beneficiaries receive."),
    "products": (
        "Products",
        "Eligible hemp products only: at most 0.3% delta-9 THC by dry weight, at most 3 mg THC per serving, "
        "taken by mouth.",
    ),
    "dosing": ("Dosing", "Amount per serving and the most a beneficiary may take a day."),
    "frequency": ("Frequency", "How often a beneficiary may receive the products or the consultation."),
    "delivery": ("Delivery", "Who delivers it, where and how often."),
    "cost_estimate": ("Cost estimate (dollars a year)", "A number, for example 125000.00."),
    "funding_source": ("Funding source", "How the ACO will cover the cost."),
    "safeguards": ("Safeguards against abuse and coercion", ""),
    "monitoring": ("Monitoring and oversight", "Who checks the benefit is used as planned, and how often."),
    "start_date": ("Start date", "The first day the ACO offers it."),
}
GENERAL_SECTION = ("general", "The plan as a whole")


def plan_sections(item: BenefitItem) -> list[str]:
    """The item's plan fields in page order (``BenefitItem.plan_fields``: SA adds three)."""
    return item.plan_fields()


def section_label(key: str) -> str:
    if key == GENERAL_SECTION[0]:
        return GENERAL_SECTION[1]
    return PLAN_SECTIONS.get(key, (PLAN_FIELDS.get(key, key.replace("_", " ").capitalize()), ""))[0]


class PlanField(LimitedCharField):
    """Required to submit (so not labelled "optional"), but a draft may leave it empty: the
    services decide what is missing when the plan is submitted."""

    def validate(self, value: Any) -> None:
        if value not in self.empty_values:
            super().validate(value)


class PlanForm(forms.Form):
    use_required_attribute = False

    """The plan's fields for one item. Every field is optional here: a draft may be partial
    (autosave); ``services.plan_submit`` says what is missing."""

    def __init__(self, *args: Any, item: BenefitItem, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for key in plan_sections(item):
            label, hint = PLAN_SECTIONS.get(key, (PLAN_FIELDS.get(key, key), ""))
            if key == "start_date":
                py = item.performance_year
                widget: forms.Widget = forms.DateInput(
                    attrs={"type": "date", "min": f"{py}-01-01", "max": f"{py}-12-31"}
                )
                hint = f"{hint} A day in PY{py}: {py_range(py)}."
            elif key == "cost_estimate":
                widget = forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"})
            else:
                widget = forms.Textarea(attrs={"rows": 3})
            self.fields[key] = PlanField(label=label, help_text=hint, widget=widget, strip=True, max_length=TEXT_LIMIT)

    def content(self) -> dict[str, str]:
        """The fields that were posted (a partial post leaves the others as they are)."""
        return {key: self.cleaned_data.get(key, "") for key in self.fields if key in self.data}


def initial_content(content: dict[str, Any]) -> dict[str, str]:
    """The stored content as form values (numbers and dates as text)."""
    return {key: "" if value is None else str(value) for key, value in content.items()}


def add_service_errors(form: forms.Form, exc: ValidationError) -> None:
    """Put a service's ``ValidationError`` on the form: per field where the form has the field."""
    if hasattr(exc, "error_dict"):
        for key, errors in exc.message_dict.items():
            target = key if key in form.fields else None
            for message in errors:
                form.add_error(target, message if target else f"{section_label(key)}: {message}")
    else:
        for message in exc.messages:
            form.add_error(None, message)


def error_text(exc: ValidationError) -> str:
    if hasattr(exc, "error_dict"):
        return " ".join(
            f"{section_label(key) if key != '__all__' else ''}{': ' if key != '__all__' else ''}{message}"
            for key, errors in exc.message_dict.items()
            for message in errors
        )
    return " ".join(exc.messages)


class ReviewActionForm(forms.Form):
    use_required_attribute = False
    # Not labelled "optional": only "Start review" goes without one (the service insists).
    reason = PlanField(
        label="Reason",
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Required to request changes, approve or deny: the ACO sees it with the decision.",
    )


class WithdrawForm(forms.Form):
    reason = forms.CharField(label="Why withdraw", required=False, widget=forms.Textarea(attrs={"rows": 2}))


class CommentForm(forms.Form):
    section = forms.ChoiceField(label="Section")
    body = forms.CharField(label="Comment", widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args: Any, sections: list[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        section = cast(forms.ChoiceField, self.fields["section"])
        section.choices = [(GENERAL_SECTION[0], GENERAL_SECTION[1])] + [(key, section_label(key)) for key in sections]


class AttachmentForm(forms.Form):
    file = forms.FileField(
        label="Attach a file",
        help_text="PDF, Word (.docx), Excel (.xlsx), PNG, JPEG, text or CSV; at most 5 MB.",
    )


class DeliveryForm(forms.Form):
    mbi = forms.CharField(label="MBI", max_length=11, help_text="The beneficiary's Medicare Beneficiary Identifier.")
    delivered_on = forms.DateField(label="Date delivered", widget=forms.DateInput(attrs={"type": "date"}))
    amount = forms.DecimalField(
        label="Amount (dollars)",
        min_value=0,
        max_digits=10,
        decimal_places=2,
        widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}),
    )
    quantity = forms.IntegerField(label="Quantity", min_value=1, initial=1)
    note = forms.CharField(label="Note", required=False, max_length=500)

    def clean_mbi(self) -> str:
        return str(self.cleaned_data["mbi"]).strip().upper()
