"""Files people attach to what CMS reviews (BE/BEI plan attachments, Medicaid framework documents):
a safe name to keep, and whether the bytes are what the extension says."""

from __future__ import annotations

import io
import re
import unicodedata
import zipfile

_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def clean_file_name(name: str, *, default: str) -> str:
    """The file's own name only: no folders, no control characters, at most 120 characters
    (``default`` when nothing is left)."""
    name = unicodedata.normalize("NFC", name or "")
    name = re.split(r"[\\/]", name)[-1]
    name = _CONTROL.sub("", name)
    name = re.sub(r"\s+", " ", name).strip().lstrip(".")
    if len(name) > 120:
        stem, dot, ext = name.rpartition(".")
        name = (stem[: 119 - len(ext)] + dot + ext) if dot else name[:120]
    return name or default


# What a browser or a viewer would take for a web page: refused in the first KB of a PDF or an
# image (browsers sniff about 512 bytes; a PDF reader would ignore them, a browser would not).
_MARKUP = re.compile(rb"<\s*(?:!doctype|html|head|body|script|iframe|object|embed|svg|meta|a\s|img\s)", re.IGNORECASE)
_PDF_HEADER = re.compile(rb"%PDF-[12]\.[0-9]")
SNIFF_BYTES = 1024


def content_problem(ext: str, data: bytes) -> str:
    """Why the file's bytes are not a file of its extension ("" when they are). Knows pdf, png,
    jpg/jpeg, docx, xlsx, txt and csv; anything else is refused.

    * pdf: starts with ``%PDF-1.x`` (or 2.x), ends with ``%%EOF`` (within the last KB, as readers
      look for it), and has no HTML or script in its first KB (``%PDF-1.4`` then a web page is a
      web page to a browser);
    * png, jpeg: their signatures, and no HTML in the first KB;
    * docx, xlsx: a zip with ``[Content_Types].xml`` and the ``word/`` or ``xl/`` part;
    * txt, csv: UTF-8 text without NUL bytes.
    """
    head = data[:SNIFF_BYTES]
    if ext == "pdf":
        if not _PDF_HEADER.match(data):
            return "does not start with a PDF header (%PDF-1.x)"
        if b"%%EOF" not in data[-SNIFF_BYTES:]:
            return "does not end with %%EOF (a PDF cut short, or not a PDF)"
        if _MARKUP.search(head):
            return "holds HTML or script after its PDF header"
        return ""
    if ext in ("png", "jpg", "jpeg"):
        signature = b"\x89PNG\r\n\x1a\n" if ext == "png" else b"\xff\xd8\xff"
        if not data.startswith(signature):
            return f"does not start with the {ext.upper()} signature"
        if _MARKUP.search(head):
            return "holds HTML or script after its image signature"
        return ""
    if ext in ("docx", "xlsx"):
        if not data.startswith(b"PK\x03\x04"):
            return "is not a zip (an Office file is one)"
        try:
            names = zipfile.ZipFile(io.BytesIO(data)).namelist()
        except zipfile.BadZipFile:
            return "is a damaged zip"
        folder = "word/" if ext == "docx" else "xl/"
        if "[Content_Types].xml" not in names or not any(n.startswith(folder) for n in names):
            return f"is a zip without the parts of a .{ext} file"
        return ""
    if ext in ("txt", "csv"):
        if b"\x00" in data:
            return "holds NUL bytes (binary, not text)"
        try:
            data.decode("utf-8")
        except UnicodeDecodeError as exc:
            return f"is not UTF-8 text (byte {exc.start})"
        return ""
    return f"is of a type not accepted (.{ext})"


def bytes_match_extension(ext: str, data: bytes) -> bool:
    """Do the file's bytes match its extension? (A renamed executable is not a PDF; see
    ``content_problem`` for what is checked.)"""
    return not content_problem(ext, data)
