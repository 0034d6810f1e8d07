"""The inputs an alignment run read (beneficiaries, candidate service lines, voluntary records), kept beside
the run as numpy files in the portal's file storage: what the what-if preview re-runs the rule against, so
it answers "what would this run have said with other lists" from the run's own inputs, in well under a
second, instead of reading the claim facts again (two scans of the alignment years' partitions).

One file per part of the run (``AlignmentRun.shards``), written by the part that read them; text columns
as ASCII bytes (a quarter of their unicode size; a part whose text is not all ASCII is not kept, and the
preview reads the database instead). Only the latest successful run of each PY keeps its files: a
successful run deletes the other runs' of its PY. ``load`` answers None when any part's file is missing
(a run from before the files were kept, a part that was not kept, files cleared): the preview then reads
the database, which gives the same answer when the claims have not changed since the run."""

from __future__ import annotations

import io
import logging
from typing import Any

import numpy as np
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage

from . import engine

log = logging.getLogger(__name__)

FOLDER = "alignment/inputs"
KINDS = {"beneficiaries": engine.Beneficiaries, "services": engine.Services, "voluntary": engine.Voluntary}


def _year_folder(performance_year: int) -> str:
    return f"{FOLDER}/py{performance_year}"


def _folder(run: Any) -> str:
    """The run's folder: its id and the moment it was created, so files of another database's run with the
    same id (a test's, a restored backup's) sharing the storage are never taken for this run's."""
    return f"{_year_folder(run.performance_year)}/run-{run.pk}-{run.created_at:%Y%m%dT%H%M%S%f}"


def _name(run: Any, part: int) -> str:
    return f"{_folder(run)}/part-{part}.npz"


def _ascii_bytes(column: Any) -> Any:
    """A unicode column as bytes of the same width, or None when a character is not ASCII: the code points
    narrowed to one byte each (``astype`` encodes element by element, seconds for a million lines)."""
    width = max(column.dtype.itemsize // 4, 1)
    if column.size == 0 or column.dtype.itemsize == 0:
        return column.astype(f"S{width}")
    points = np.ascontiguousarray(column).view(np.uint32).reshape(column.size, width)
    if points.max(initial=0) >= 0x80:
        return None
    return points.astype(np.uint8).view(f"S{width}").reshape(column.shape)


def save(
    run: Any,
    part: int,
    *,
    beneficiaries: engine.Beneficiaries,
    services: engine.Services,
    voluntary: engine.Voluntary,
) -> bool:
    """Keep one part's inputs; False (nothing kept) when a text is not ASCII."""
    arrays: dict[str, Any] = {}
    for kind, value in (("beneficiaries", beneficiaries), ("services", services), ("voluntary", voluntary)):
        for name, column in vars(value).items():
            column = np.asarray(column)
            if column.dtype.kind == "U":
                column = _ascii_bytes(column)
                if column is None:
                    return False
            arrays[f"{kind}.{name}"] = column
    buffer = io.BytesIO()
    np.savez(buffer, **arrays)
    name = _name(run, part)
    if default_storage.exists(name):
        default_storage.delete(name)
    default_storage.save(name, ContentFile(buffer.getvalue()))
    return True


def load(run: Any) -> tuple[engine.Beneficiaries, engine.Services, engine.Voluntary] | None:
    """Every part's inputs of the run (an ``AlignmentRun``), concatenated, text columns as the ASCII bytes
    they were kept as (converting a million lines to text costs more than the reader's filtering on bytes:
    the preview cuts out its beneficiaries first); None when a part's file is missing or unreadable."""
    columns: dict[str, list[Any]] = {}
    for part in range(max(run.shards, 1)):
        name = _name(run, part)
        if not default_storage.exists(name):
            return None
        try:
            with default_storage.open(name, "rb") as handle, np.load(handle, allow_pickle=False) as data:
                for key in data.files:
                    columns.setdefault(key, []).append(data[key])
        except (OSError, ValueError):
            log.warning("Alignment run %s: the kept inputs of part %s are unreadable", run.pk, part)
            return None
    built = []
    for kind, cls in KINDS.items():
        fields = {k.split(".", 1)[1]: np.concatenate(v) for k, v in columns.items() if k.startswith(f"{kind}.")}
        built.append(cls(**fields))
    beneficiaries, services, voluntary = built
    return beneficiaries, services, voluntary


def prune(run: Any) -> None:
    """Delete the kept inputs of every other run of ``run``'s PY (only the latest successful run keeps them)."""
    year = _year_folder(run.performance_year)
    own = _folder(run).rsplit("/", 1)[1]
    try:
        folders, _ = default_storage.listdir(year)
    except (FileNotFoundError, NotADirectoryError):
        return
    for folder in folders:
        if folder == own:
            continue
        _, files = default_storage.listdir(f"{year}/{folder}")
        for name in files:
            default_storage.delete(f"{year}/{folder}/{name}")
        remove(f"{year}/{folder}")


def forget(run: Any) -> None:
    """Delete ``run``'s kept inputs (its preview then reads the database)."""
    folder = _folder(run)
    try:
        _, files = default_storage.listdir(folder)
    except (FileNotFoundError, NotADirectoryError):
        return
    for name in files:
        default_storage.delete(f"{folder}/{name}")
    remove(folder)


def remove(folder: str) -> None:
    """An emptied folder of the file system storage (other storages have no folders to remove)."""
    import contextlib
    import os

    with contextlib.suppress(NotImplementedError, OSError):
        os.rmdir(default_storage.path(folder))
