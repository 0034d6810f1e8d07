from __future__ import annotations

from typing import Any

from django import forms

MAX_UPLOAD_BYTES = 2 * 1024 * 1024 * 1024


class PackageUploadForm(forms.Form):
    file = forms.FileField(
        label="CCLF package (.zip)",
        help_text="A zip of one or more CCLF packages (monthly or run-out): CCLF0 and CCLF1–CCLF9, CCLFA, CCLFB "
        "with their CMS file names.",
    )

    def clean_file(self) -> Any:
        f = self.cleaned_data["file"]
        if not f.name.lower().endswith(".zip"):
            raise forms.ValidationError("Upload the package as a .zip file.")
        if f.size > MAX_UPLOAD_BYTES:
            raise forms.ValidationError("The file is larger than 2 GB; load it with manage.py ingest_cclf.")
        return f
