"""The project carries its own account of the rules it implements (docs/), and points nowhere else.

A clone of the repository holds no design or domain notes from outside it: a README, a docstring or
a template that cites one leaves the reader with nothing. Every such pointer goes to docs/, and every
link into docs/ (from the README, from docs/ itself, from the code) reaches a file that exists."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
SKIP_DIRS = {".git", ".venv", "node_modules", "var", "staticfiles", "test-results", "__pycache__"}
TEXT_SUFFIXES = {".py", ".html", ".md", ".txt", ".js", ".css", ".toml", ".cfg", ".ini", ".sh", ".yml", ".yaml"}
# Notes that live outside the repository (built from parts, so this file does not name them itself).
OUTSIDE = [name + ".md" for name in ("DOMAIN", "DESIGN", "STYLE")] + ["../" + "shared", "/work/" + "shared"]


def project_text_files() -> list[Path]:
    files = []
    for path in ROOT.rglob("*"):
        parts = set(path.relative_to(ROOT).parts)
        if parts & SKIP_DIRS or any(p.startswith(".") and p != ".ci" for p in parts):
            continue
        if path.is_file() and (path.suffix in TEXT_SUFFIXES or path.name in {"Makefile", "run"}):
            files.append(path)
    return files


def test_nothing_points_outside_the_project() -> None:
    found = []
    for path in project_text_files():
        if path == Path(__file__).resolve():
            continue
        for number, line in enumerate(path.read_text(encoding="utf-8", errors="replace").splitlines(), start=1):
            found += [f"{path.relative_to(ROOT)}:{number}: {name}" for name in OUTSIDE if name in line]
    assert found == []


def test_the_readme_points_to_docs_for_each_area() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "(docs/README.md)" in readme
    for page in ("claims", "alignment", "quality", "money", "rural", "medicaid", "benefits"):
        assert f"(docs/{page}.md)" in readme, page


def markdown_links(path: Path) -> list[str]:
    return [m for m in re.findall(r"\]\(([^)#]+)(?:#[^)]*)?\)", path.read_text(encoding="utf-8")) if "://" not in m]


@pytest.mark.parametrize("path", [ROOT / "README.md", *sorted(DOCS.glob("*.md"))], ids=lambda p: p.name)
def test_every_relative_link_reaches_a_file(path: Path) -> None:
    missing = [link for link in markdown_links(path) if not (path.parent / link).resolve().exists()]
    assert missing == []


def test_the_docs_index_lists_every_page_and_names_the_cms_sources() -> None:
    index = (DOCS / "README.md").read_text(encoding="utf-8")
    for page in DOCS.glob("*.md"):
        if page.name != "README.md":
            assert f"]({page.name})" in index, page.name
    assert "CCLF Information Packet v38.0" in index
    assert "LEAD Model" in index and "42 CFR 425.400" in index


def test_every_docs_page_the_code_cites_exists() -> None:
    cited = set()
    for path in project_text_files():
        if path.suffix in {".py", ".html"}:
            cited |= set(re.findall(r"docs/([a-z_]+\.md)", path.read_text(encoding="utf-8", errors="replace")))
    assert cited, "the code cites docs/ pages"
    assert sorted(name for name in cited if not (DOCS / name).exists()) == []
