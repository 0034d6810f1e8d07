"""Reading an answer as text (HTML, JSON, CSV, XLSX, PDF, and the headers that name a download) and
finding secrets in it."""

from __future__ import annotations

import html
import io
import json
import re
import zipfile
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from tests.leaks.world import Secret

UNICODE_ESCAPE = re.compile(r"\\u([0-9a-fA-F]{4})")
TAG = re.compile(r"<[^>]+>")
# Headers that carry words of the answer (a download's file name); the rest are the server's own.
TEXT_HEADERS = ("Content-Disposition", "Location", "HX-Redirect", "HX-Trigger")


@dataclass(frozen=True)
class Leak:
    role: str
    url: str
    kind: str  # of the answer: html, json, csv, xlsx, pdf, text
    secret: Secret
    context: str

    def __str__(self) -> str:
        return f"{self.role} GET {self.url} ({self.kind}): {self.secret.what} {self.secret.text!r} in …{self.context}…"


def _unescape(text: str) -> str:
    """HTML entities and JSON/JavaScript \\uXXXX escapes (``json_script`` writes ``<`` as ``\\u003C``)."""
    return UNICODE_ESCAPE.sub(lambda m: chr(int(m.group(1), 16)), html.unescape(text))


def xlsx_text(data: bytes) -> str:
    """Every XML part of the workbook (shared strings, inline strings, sheets, properties) as text."""
    parts = []
    with zipfile.ZipFile(io.BytesIO(data)) as book:
        for name in book.namelist():
            if name.endswith((".xml", ".rels")):
                parts.append(html.unescape(TAG.sub(" ", book.read(name).decode("utf-8", "replace"))))
    return "\n".join(parts)


def pdf_text(data: bytes) -> str:
    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(data))
    pages = [page.extract_text() or "" for page in reader.pages]
    meta: Mapping[str, Any] = reader.metadata or {}
    return "\n".join([*pages, *(str(v) for v in meta.values())])


def body_of(response: Any) -> bytes:
    if getattr(response, "streaming", False):
        data = b"".join(response.streaming_content)
        response.close()
        return data
    return bytes(response.content)


def text_of(response: Any) -> tuple[str, str]:
    """(kind, text) of an answer: what a person or a program reading it would see."""
    data = body_of(response)
    headers = "\n".join(f"{h}: {response[h]}" for h in TEXT_HEADERS if response.has_header(h))
    content_type = response.get("Content-Type", "")
    if data.startswith(b"%PDF"):
        return "pdf", headers + "\n" + pdf_text(data)
    if data.startswith(b"PK\x03\x04"):
        return "xlsx", headers + "\n" + xlsx_text(data)
    text = data.decode("utf-8", "replace")
    if "json" in content_type:
        try:
            text = json.dumps(json.loads(text), ensure_ascii=False)
        except ValueError:
            pass
        return "json", headers + "\n" + text
    kind = "csv" if "csv" in content_type else "html" if "html" in content_type else "text"
    return kind, headers + "\n" + _unescape(text)


def find(text: str, secrets: list[Secret]) -> list[tuple[Secret, str]]:
    found = []
    for secret in secrets:
        match = secret.pattern.search(text)
        if match:
            start, end = max(0, match.start() - 80), min(len(text), match.end() + 80)
            found.append((secret, " ".join(text[start:end].split())))
    return found
