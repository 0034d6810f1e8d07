"""The Content-Security-Policy (Django's own middleware, ``SECURE_CSP``): every response carries it,
the policy is strict (scripts only from the portal or with the request's nonce, no eval, no plugins,
no framing), and no template or script of ours needs more (audit, defect 8). The browser side (charts
drawn, Swagger UI and the admin working, no violation reported) is tests/e2e/test_csp.py."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from django.urls.resolvers import RoutePattern

from apps.accounts.models import User
from apps.acos.models import ACO

ROOT = Path(__file__).resolve().parent.parent
HEADER = "Content-Security-Policy"
KWARG = re.compile(r"<(?:[^>:]+:)?([^>]+)>")


def policy(header: str) -> dict[str, list[str]]:
    directives = {}
    for part in header.split(";"):
        name, *values = part.split()
        directives[name] = values
    return directives


def routes(resolver: URLResolver | None = None, prefix: str = "") -> Iterator[str]:
    """Every URL pattern (as a route string) the portal serves."""
    for entry in (resolver or get_resolver()).url_patterns:
        if isinstance(entry, URLResolver) and isinstance(entry.pattern, RoutePattern):
            yield from routes(entry, prefix + str(entry.pattern))
        elif isinstance(entry, URLPattern) and isinstance(entry.pattern, RoutePattern):
            yield prefix + str(entry.pattern)


def page_urls(aco: ACO) -> list[str]:
    """The GET-able URLs that need nothing but an ACO id: the pages, the API, the exports."""
    urls = []
    for route in routes():
        if route.startswith("admin/"):
            continue
        if set(KWARG.findall(route)) - {"aco_id"}:
            continue
        urls.append("/" + KWARG.sub(aco.aco_id, route))
    return urls


# --- the header ---------------------------------------------------------------------------------


@pytest.mark.django_db
def test_every_page_response_carries_the_policy(aco: ACO, admin: User, cms_admin: User, client_for: object) -> None:
    urls = page_urls(aco)
    assert len(urls) > 80, "the walk found the portal's pages"
    people = [Client(), client_for(admin), client_for(cms_admin)]  # type: ignore[operator]
    missing = []
    for client in people:
        client.raise_request_exception = False
        for url in urls:
            response = client.get(url)
            if HEADER not in response:
                missing.append(f"{response.status_code} {url}")
    # Errors and redirects too: Django's 404 page, the sign-in redirect, a static file.
    for url in ("/no/such/page/", "/api/no-such-endpoint/", "/static/js/charts.js"):
        response = Client().get(url)
        if HEADER not in response:
            missing.append(f"{response.status_code} {url}")
    assert missing == []


@pytest.mark.django_db
def test_the_policy_is_strict(client: Client) -> None:
    header = client.get("/accounts/login/")[HEADER]
    directives = policy(header)
    assert directives["default-src"] == ["'self'"]
    assert directives["object-src"] == ["'none'"]
    assert directives["frame-ancestors"] == ["'none'"]
    assert directives["base-uri"] == ["'self'"]
    assert directives["form-action"] == ["'self'"]
    for name in ("script-src", "style-src"):
        assert "'unsafe-inline'" not in directives[name], name
        assert "'unsafe-eval'" not in directives[name], name
    # Nothing from another origin: every source is a keyword, a nonce, a hash, or a data:/blob: image.
    for name, values in directives.items():
        for value in values:
            assert value.startswith("'") or (name == "img-src" and value in ("data:", "blob:")), (name, value)


@pytest.mark.django_db
def test_an_inline_script_carries_the_nonce_of_its_response(cms_admin: User, client_for: object) -> None:
    """Swagger UI (drf-spectacular's page, templates/drf_spectacular/swagger_ui.html) starts with an
    inline script and style: both carry the nonce the header allows, a new one per response."""
    client = client_for(cms_admin)  # type: ignore[operator]
    nonces = []
    for _ in range(2):
        response = client.get("/api/docs/")
        assert response.status_code == 200
        script_src = policy(response[HEADER])["script-src"]
        nonce = next(v for v in script_src if v.startswith("'nonce-"))[len("'nonce-") : -1]
        body = response.content.decode()
        inline = re.findall(r"<(script|style)(?![^>]*\bsrc=)([^>]*)>", body)
        assert inline and all(f'nonce="{nonce}"' in attrs for _, attrs in inline), inline
        nonces.append(nonce)
    assert nonces[0] != nonces[1]


@pytest.mark.django_db
def test_a_page_without_inline_code_gets_no_nonce(admin: User, aco: ACO, client_for: object) -> None:
    """The nonce is made only when a page uses one: the ACO pages load scripts from /static/ only."""
    response = client_for(admin).get(f"/acos/{aco.aco_id}/")  # type: ignore[operator]
    assert response.status_code == 200
    assert policy(response[HEADER])["script-src"] == ["'self'"]


# --- the sources --------------------------------------------------------------------------------

TEMPLATE_DIRS = [ROOT / "templates", *sorted((ROOT / "apps").glob("*/templates"))]
TAG = re.compile(r"<(script|style)\b([^>]*)>", re.IGNORECASE)
NONCE = re.compile(r"""nonce=(["'])\{\{ ?csp_nonce ?\}\}\1|\{% ?csp_nonce_attr ?%\}""")


def templates() -> list[Path]:
    return sorted(p for d in TEMPLATE_DIRS for p in d.rglob("*.html"))


def test_no_template_has_an_inline_script_or_style_without_the_nonce() -> None:
    problems = []
    for path in templates():
        text = path.read_text(encoding="utf-8")
        where = path.relative_to(ROOT)
        for tag, attrs in TAG.findall(text):
            if tag.lower() == "script" and ("src=" in attrs or 'type="application/json"' in attrs):
                continue  # a file from /static/, or data (json_script) the browser never runs
            if not NONCE.search(attrs):
                problems.append(f"{where}: <{tag}{attrs}> without the nonce")
        for match in re.finditer(r"\sstyle=|\son[a-z]+\s*=|javascript:", text):
            problems.append(f"{where}: {match.group().strip()} (inline code the policy refuses)")
    assert templates(), "found the templates"
    assert problems == []


def test_our_scripts_need_no_eval_and_set_no_style_attributes() -> None:
    scripts = sorted((ROOT / "static" / "js").rglob("*.js"))
    assert scripts
    for path in scripts:
        text = path.read_text(encoding="utf-8")
        for pattern in (r"\beval\(", r"new Function\(", r"setAttribute\(\s*['\"]style", r"\.innerHTML\s*="):
            assert not re.search(pattern, text), f"{path.relative_to(ROOT)}: {pattern}"


def test_the_template_scan_would_see_an_inline_script(tmp_path: Path) -> None:
    """The control: the scan's patterns find what they look for."""
    bad = '<script>alert(1)</script><div style="color:red" onclick="x()"></div>'
    good = '<script nonce="{{ csp_nonce }}">x()</script><script src="/static/a.js"></script>'
    assert [(t, a) for t, a in TAG.findall(bad) if not NONCE.search(a)] == [("script", "")]
    assert [(t, a) for t, a in TAG.findall(good) if "src=" not in a and not NONCE.search(a)] == []
    assert len(re.findall(r"\sstyle=|\son[a-z]+\s*=|javascript:", bad)) == 2
