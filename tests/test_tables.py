"""Every data table of the portal sits in the one scroll wrapper: a region, labelled, focusable
(``<div class="portal-table-wrap" role="region" aria-label="…" tabindex="0">``), so a table wider
than the content column scrolls sideways inside it with its first column in view (static/css/portal.css)
instead of being cut off at the page's edge."""

from __future__ import annotations

import re
from pathlib import Path

from django.conf import settings

TEMPLATES = Path(settings.BASE_DIR) / "templates"
CSS = Path(settings.BASE_DIR) / "static" / "css" / "portal.css"
TAG = re.compile(r"<(/?)(div|table)\b([^>]*)>", re.IGNORECASE)


def attrs(text: str) -> dict[str, str]:
    return {k.lower(): v for k, v in re.findall(r"""([\w-]+)\s*=\s*["']([^"']*)["']""", text)}


def unwrapped_tables(source: str) -> list[str]:
    """Each table whose innermost enclosing <div> is not a labelled, focusable portal-table-wrap region,
    as "line N: why"."""
    problems = []
    open_divs: list[dict[str, str]] = []
    for match in TAG.finditer(source):
        closing, name, rest = match.group(1), match.group(2).lower(), match.group(3)
        if name == "div":
            if closing:
                if open_divs:
                    open_divs.pop()
            else:
                open_divs.append(attrs(rest))
            continue
        if closing:
            continue
        line = source.count("\n", 0, match.start()) + 1
        wrapper = open_divs[-1] if open_divs else {}
        if "portal-table-wrap" not in wrapper.get("class", "").split():
            problems.append(f"line {line}: not inside a portal-table-wrap")
        elif wrapper.get("role") != "region" or not wrapper.get("aria-label", "").strip():
            problems.append(f'line {line}: its wrapper needs role="region" and an aria-label')
        elif wrapper.get("tabindex") != "0":
            problems.append(f'line {line}: its wrapper needs tabindex="0"')
    return problems


def test_the_scan_finds_an_unwrapped_table() -> None:
    assert unwrapped_tables('<div class="x"><table><tr><td>1</td></tr></table></div>') == [
        "line 1: not inside a portal-table-wrap"
    ]
    assert unwrapped_tables('<div class="portal-table-wrap"><table></table></div>') == [
        'line 1: its wrapper needs role="region" and an aria-label'
    ]
    assert (
        unwrapped_tables(
            '<div class="portal-table-wrap" role="region" aria-label="Claims" tabindex="0">\n<table></table></div>'
        )
        == []
    )
    # A div closed before the table does not count as its wrapper.
    assert unwrapped_tables(
        '<div class="portal-table-wrap" role="region" aria-label="A" tabindex="0"></div><table></table>'
    ) == ["line 1: not inside a portal-table-wrap"]


def test_every_table_of_every_template_scrolls_in_the_labelled_wrapper() -> None:
    problems = [
        f"{path.relative_to(TEMPLATES)} {problem}"
        for path in sorted(TEMPLATES.rglob("*.html"))
        for problem in unwrapped_tables(path.read_text(encoding="utf-8"))
    ]
    assert not problems, "\n".join(problems)


def test_the_wrapper_scrolls_and_keeps_the_first_column_in_view() -> None:
    css = CSS.read_text(encoding="utf-8")
    assert re.search(r"\.portal-table-wrap\s*\{[^}]*overflow-x:\s*auto", css)
    sticky = re.search(r"\.portal-table-wrap[^{]*:first-child\s*\{([^}]*)\}", css)
    assert sticky and "position: sticky" in sticky.group(1) and "left: 0" in sticky.group(1)


def test_the_content_column_uses_the_page_width() -> None:
    """At 1366 px the design system's 1104 px container leaves the content column about 770 px."""
    css = CSS.read_text(encoding="utf-8")
    width = re.search(r"--site-max-width:\s*(\d+)rem", css)
    assert width and int(width.group(1)) * 16 >= 1366
    base = (TEMPLATES / "base.html").read_text(encoding="utf-8")
    assert re.search(r'<main id="main" class="[^"]*\bportal-main\b', base)
    assert re.search(r'<nav class="[^"]*\bportal-nav\b', base)
