"""Forms only shape input; the row checks live in ``services`` (shared with the bundle and the API)."""

from __future__ import annotations

from typing import Any

from django import forms

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
