"""Small helpers for the words the portal shows: a label inside a sentence, and the message for a
text longer than its field allows (the same wording on the pages, in the API and in the services)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator
from django.utils.deconstruct import deconstructible

# The longest text a free-text answer (a plan section, an arrangement's description) may have.
TEXT_LIMIT = 5000

# First words that keep their capital inside a sentence: names, not common nouns.
NAMES = frozenset({"Medicaid", "Medicare"})


def in_sentence(label: str) -> str:
    """A label as it reads inside a sentence: its first word in lower case, unless that word is an
    abbreviation ("ACO summaries", "BE/BEI implementation plan", "CARA episodes", "GLP-1 access") or a
    name ("Medicaid partnership arrangement"). "Rural add-on" becomes "rural add-on"."""
    first, sep, rest = label.partition(" ")
    if not first or not first[0].isupper() or first in NAMES or any(c.isupper() or c.isdigit() for c in first[1:]):
        return label
    return first[0].lower() + first[1:] + sep + rest


def too_long(limit: int, length: int) -> str:
    """What a person reads when a text is longer than allowed: the limit, the length and the excess."""
    return f"At most {limit:,} characters are allowed; this text has {length:,}. Shorten it by {length - limit:,}."


@deconstructible
class TextLimitValidator(MaxLengthValidator):
    """Django's length check with the portal's message (thousands separated, the excess named)."""

    def __call__(self, value: Any) -> None:
        length = len(value)
        if length > self.limit_value:
            raise ValidationError(too_long(self.limit_value, length), code="max_length")


class LimitedCharField(forms.CharField):
    """A text field whose length limit is said, never enforced by cutting. A browser's ``maxlength``
    cuts pasted text at the limit without a word, so a text area gets ``data-maxlength`` instead (the
    ``field`` template tag shows the limit and static/js/textlimit.js counts as one types), and a text
    that is too long is refused with ``too_long``'s message."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.validators = [
            TextLimitValidator(v.limit_value) if isinstance(v, MaxLengthValidator) else v for v in self.validators
        ]

    def widget_attrs(self, widget: forms.Widget) -> dict[str, Any]:
        attrs = super().widget_attrs(widget)
        if isinstance(widget, forms.Textarea) and "maxlength" in attrs:
            attrs["data-maxlength"] = attrs.pop("maxlength")
        return attrs


def add_form_errors(form: forms.Form, exc: ValidationError) -> None:
    """A service's ValidationError on ``form``: each field's messages on the field when the form has it, the
    rest (and a message without a field) on the form as a whole."""
    if hasattr(exc, "error_dict"):
        for name, errors in exc.message_dict.items():
            for e in errors:
                form.add_error(name if name in form.fields else None, e)
    else:
        for e in exc.messages:
            form.add_error(None, e)


# Characters the PDFs' standard fonts (WinAnsi) lack, and what the PDFs print instead.
_PDF_PLAIN = {"\u2212": "-", "≥": ">=", "≤": "<=", "→": "->", "Σ": "Sum "}


def pdf_text(text: object) -> str:
    """Text for the PDFs' standard fonts (WinAnsi): a plain hyphen for the true minus sign, ">=" for "≥",
    "->" for an arrow, "Sum " for "Σ"."""
    out = str(text)
    for char, plain in _PDF_PLAIN.items():
        out = out.replace(char, plain)
    return out
