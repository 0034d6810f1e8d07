"""Template helpers for the CMS Design System markup."""

from __future__ import annotations

import copy
from typing import Any

from django import forms, template
from django.utils.html import format_html
from django.utils.safestring import SafeString

from lead_portal.text import in_sentence as _in_sentence

register = template.Library()


@register.inclusion_tag("includes/field.html")
def field(bound: forms.BoundField) -> dict[str, Any]:
    """A form field with label, hint and inline error wired up for screen readers."""
    widget = bound.field.widget
    described = []
    if bound.help_text:
        described.append(f"{bound.auto_id}_hint")
    # A text area's length limit is shown and counted, never enforced by the browser's maxlength (which
    # cuts pasted text without a word); the server refuses a longer text and says by how much.
    text_limit = None
    if isinstance(widget, forms.Textarea):
        limit = widget.attrs.get("data-maxlength") or widget.attrs.get("maxlength")
        if limit:
            text_limit = int(limit)
            widget = copy.copy(widget)
            widget.attrs = {k: v for k, v in widget.attrs.items() if k != "maxlength"}
            widget.attrs["data-maxlength"] = str(text_limit)
            described.append(f"{bound.auto_id}_limit")
    if bound.errors:
        described.append(f"{bound.auto_id}_error")
    attrs: dict[str, Any] = {}
    if described:
        attrs["aria-describedby"] = " ".join(described)
    if bound.errors:
        attrs["aria-invalid"] = "true"
    kind = "field"
    if isinstance(widget, forms.CheckboxInput):
        kind = "checkbox"
        attrs["class"] = "ds-c-choice"
    elif isinstance(widget, forms.RadioSelect | forms.CheckboxSelectMultiple):
        kind = "choices"
    else:
        css = "ds-c-field"
        if bound.errors:
            css += " ds-c-field--error"
        attrs["class"] = css
    return {
        "bound": bound,
        "kind": kind,
        "widget_html": bound.as_widget(widget=widget, attrs=attrs),
        "text_limit": f"{text_limit:,}" if text_limit else "",
    }


@register.simple_tag(takes_context=True)
def query(context: dict[str, Any], **kwargs: Any) -> str:
    """The current query string with some parameters replaced (for paging and filters)."""
    params = context["request"].GET.copy()
    for key, value in kwargs.items():
        if value in (None, ""):
            params.pop(key, None)
        else:
            params[key] = value
    encoded = params.urlencode()
    return f"?{encoded}" if encoded else "?"


@register.filter
def yesno_badge(value: bool) -> SafeString:
    return format_html(
        '<span class="ds-c-badge ds-c-badge--{}">{}</span>', "success" if value else "info", "Yes" if value else "No"
    )


@register.filter
def in_sentence(label: str) -> str:
    """A label inside a sentence: "Rural add-on" → "rural add-on", "ACO summaries" unchanged."""
    return _in_sentence(str(label))
