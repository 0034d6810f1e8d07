"""Forms of the GLP-1 outreach worklist: they only shape input; the rules (assignees of the ACO, the note's
length, who may write) are the service's (``outreach.py``)."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.db.models import QuerySet

from apps.accounts.models import User
from lead_portal.text import LimitedCharField

from .models import OutreachStatus
from .outreach import NOTE_LIMIT


class AssigneeField(forms.ModelChoiceField):
    """A user of the ACO, shown by name."""

    def label_from_instance(self, obj: Any) -> str:
        return str(obj.display_name)


class OutreachForm(forms.Form):
    status = forms.ChoiceField(label="Outreach status", choices=OutreachStatus.choices)
    assignee = AssigneeField(
        label="Assigned to",
        queryset=User.objects.none(),
        required=False,
        empty_label="No one",
        to_field_name="username",
    )
    note = LimitedCharField(
        label="Note",
        max_length=NOTE_LIMIT,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Replaces the current note; every version is kept in the outreach history.",
    )

    def __init__(self, *args: Any, assignees: QuerySet[User], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(AssigneeField, self.fields["assignee"]).queryset = assignees
