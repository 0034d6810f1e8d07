"""Forms only shape input; the row checks live in ``services`` (shared with the bundle and the API)."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.db.models import QuerySet

from apps.accounts.models import User
from lead_portal.text import LimitedCharField

from .models import MANUAL_CLOSE_REASONS, GapStatus
from .services import CLOSE_NOTE_LIMIT, NOTE_LIMIT

MAX_UPLOAD_BYTES = 1024 * 1024


class SubmissionUploadForm(forms.Form):
    file = forms.FileField(label="CSV file", help_text="UTF-8 CSV with the header row shown above; at most 1 MB.")

    def clean_file(self) -> Any:
        f = self.cleaned_data["file"]
        if f.size > MAX_UPLOAD_BYTES:
            raise forms.ValidationError("The file is larger than 1 MB.")
        if not f.name.lower().endswith(".csv"):
            raise forms.ValidationError("Upload a .csv file.")
        return f


class AssigneeField(forms.ModelChoiceField):
    """A user of the ACO, shown by name."""

    def label_from_instance(self, obj: Any) -> str:
        return str(obj.display_name)


class CareGapForm(forms.Form):
    """A care gap's work fields. The rules (reasons, assignees of the ACO, due-date range) are the
    service's; the form shapes the input and offers only the reasons a person may choose."""

    status = forms.ChoiceField(label="Status", choices=GapStatus.choices)
    close_reason = forms.ChoiceField(
        label="Why it is closed",
        choices=[("", "Choose a reason"), *[(r.value, r.label) for r in MANUAL_CLOSE_REASONS]],
        required=False,
        help_text="Needed when the status is Closed.",
    )
    close_note = LimitedCharField(
        label="Closing note",
        max_length=CLOSE_NOTE_LIMIT,
        required=False,
        help_text="Needed with “Other”.",
    )
    assignee = AssigneeField(
        label="Assigned to",
        queryset=User.objects.none(),
        required=False,
        empty_label="No one",
        to_field_name="username",
    )
    due_date = forms.DateField(label="Due date", required=False, widget=forms.DateInput(attrs={"type": "date"}))
    note = LimitedCharField(
        label="Add a note",
        max_length=NOTE_LIMIT,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Kept with your name and the time, in the gap's notes.",
    )

    def __init__(self, *args: Any, assignees: QuerySet[User], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(AssigneeField, self.fields["assignee"]).queryset = assignees
