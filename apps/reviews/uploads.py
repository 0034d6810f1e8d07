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


def bytes_match_extension(ext: str, data: bytes) -> bool:
    """Do the file's bytes match its extension? (A renamed executable is not a PDF.) Knows pdf, png,
    jpg/jpeg, docx, xlsx, txt and csv; anything else does not match."""
    if ext == "pdf":
        return data.startswith(b"%PDF-")
    if ext == "png":
        return data.startswith(b"\x89PNG\r\n\x1a\n")
    if ext in ("jpg", "jpeg"):
        return data.startswith(b"\xff\xd8\xff")
    if ext in ("docx", "xlsx"):
        if not data.startswith(b"PK\x03\x04"):
            return False
        try:
            names = zipfile.ZipFile(io.BytesIO(data)).namelist()
        except zipfile.BadZipFile:
            return False
        folder = "word/" if ext == "docx" else "xl/"
        return "[Content_Types].xml" in names and any(n.startswith(folder) for n in names)
    if ext in ("txt", "csv"):
        if b"\x00" in data:
            return False
        try:
            data.decode("utf-8")
        except UnicodeDecodeError:
            return False
        return True
    return False
