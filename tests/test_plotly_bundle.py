"""The Plotly bundle the pages load: a partial one, small, holding every trace type the chart code draws.

The trace types are read from the chart code itself (``go.Bar(``, ``go.Waterfall(``, ``"type": "bar"``),
so a chart with a new trace type fails here until the bundle holds it, instead of drawing nothing in
the browser."""

from __future__ import annotations

import re
from pathlib import Path

import plotly.graph_objects as go
from django.conf import settings
from django.contrib.staticfiles import finders
from plotly.basedatatypes import BaseTraceType

ROOT = Path(settings.BASE_DIR)
CHART_SCRIPTS = ROOT / "templates" / "includes" / "chart_scripts.html"
MAX_BUNDLE_BYTES = 2_000_000  # the full bundle is 4.8 MB; the partial one about 1.3 MB

# Every trace type Plotly knows, by its class in plotly.graph_objects (Bar -> "bar").
TRACE_CLASSES = {
    name: cls
    for name in dir(go)
    if isinstance(cls := getattr(go, name), type) and issubclass(cls, BaseTraceType) and cls is not BaseTraceType
}
TRACE_TYPES = {cls().type for cls in TRACE_CLASSES.values()}


def chart_sources() -> list[Path]:
    """The modules that build Plotly figures (the ``charts.py`` room of each app, and any other that
    imports plotly)."""
    return sorted(p for p in (ROOT / "apps").rglob("*.py") if "plotly" in p.read_text(encoding="utf-8"))


def traces_used() -> set[str]:
    used: set[str] = set()
    for path in chart_sources():
        text = path.read_text(encoding="utf-8")
        used |= {TRACE_CLASSES[name]().type for name in re.findall(r"\bgo\.(\w+)\(", text) if name in TRACE_CLASSES}
        # Traces written as dicts or through update_traces: "type": "bar", type="bar".
        for value in re.findall(r"""(?:["']type["']\s*:\s*|\btype\s*=\s*)["'](\w+)["']""", text):
            if value in TRACE_TYPES:
                used.add(value)
    return used


def bundle_path() -> Path:
    match = re.search(r"""\{% static ['"](vendor/plotly/[^'"]+)['"] %\}""", CHART_SCRIPTS.read_text(encoding="utf-8"))
    assert match, "includes/chart_scripts.html loads no Plotly bundle"
    found = finders.find(match.group(1))
    assert found, f"{match.group(1)} is not among the static files (npm ci installs it)"
    return Path(str(found))


def bundle_traces(text: str) -> set[str]:
    """The trace modules a plotly.js bundle registers."""
    return set(re.findall(r'moduleType:"trace",name:"(\w+)"', text))


def test_the_chart_code_is_found_and_uses_known_traces() -> None:
    used = traces_used()
    assert {"bar", "scatter", "waterfall"} <= used, used


def test_the_bundle_holds_every_trace_type_the_portal_draws() -> None:
    registered = bundle_traces(bundle_path().read_text(encoding="utf-8"))
    missing = traces_used() - registered
    assert not missing, f"the Plotly bundle lacks the trace types {sorted(missing)}: choose a bundle that has them"


def test_the_bundle_is_a_partial_one() -> None:
    path = bundle_path()
    assert path.stat().st_size < MAX_BUNDLE_BYTES, f"{path.name} is {path.stat().st_size:,} bytes"
    registered = bundle_traces(path.read_text(encoding="utf-8"))
    assert "scatter3d" not in registered and "choroplethmap" not in registered


def test_every_page_loads_plotly_through_the_one_include() -> None:
    offenders = [
        str(p.relative_to(ROOT))
        for p in (ROOT / "templates").rglob("*.html")
        if p != CHART_SCRIPTS
        and ("vendor/plotly" in (text := p.read_text(encoding="utf-8")) or "plotly.min.js" in text)
    ]
    assert not offenders, f"load Plotly with {{% include 'includes/chart_scripts.html' %}}: {offenders}"
