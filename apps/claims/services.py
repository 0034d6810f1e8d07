"""Loading CCLF packages: one ``IngestRun`` per load, all files or none.

``ingest_run_create`` records the request (and queues the Celery task after commit);
``ingest_run_execute`` claims the run with a conditional UPDATE, so a redelivered task does
nothing twice, checks every record of every file (CCLF0 counts included) and loads them in one
transaction. Any error rolls the whole load back; the errors are then saved for the user to see.
"""

from __future__ import annotations

import logging
import mmap
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from queue import Queue
from threading import Thread
from typing import Any

from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import UploadedFile
from django.db import connection, transaction
from django.utils import timezone

from apps.accounts.models import User

from . import loader
from .layouts import layout
from .models import CCLFFile, IngestError, IngestRun, MBIMap
from .packages import Package, PackageFile, discover, opened, sha256_of
from .parsing import Block, FileCheck, RecordError, copy_text, iter_blocks
from .signals import ingest_succeeded

log = logging.getLogger(__name__)
PROGRESS_KEY = "ingest-progress-{}"


class LoadRejected(Exception):
    """Raised inside the load transaction to roll it back."""


def ingest_run_create(
    *, source: str, acting_user: User | None, upload: UploadedFile | None = None, queue: bool = True
) -> IngestRun:
    """Record a load request. Uploads are for CMS admins only."""
    if acting_user is not None and not acting_user.is_cms_admin:
        raise PermissionDenied("Only CMS admins load claims files.")
    run = IngestRun(source=source[:255], created_by=acting_user)
    if upload is not None:
        run.upload = upload
        run.source = upload.name[:255] if upload.name else source
    run.full_clean(exclude=["upload"])
    run.save()
    if queue:
        from .tasks import ingest_run_task

        transaction.on_commit(lambda: ingest_run_task.delay(run.pk))
    return run


def _claim(run_id: int) -> bool:
    """requested → running, once: a redelivered task finds the run already claimed."""
    return bool(
        IngestRun.objects.filter(pk=run_id, status=IngestRun.Status.REQUESTED).update(
            status=IngestRun.Status.RUNNING, started_at=timezone.now()
        )
    )


def progress_get(run: IngestRun) -> dict[str, Any]:
    """Live progress (from the cache while the load runs; from the row once it ends)."""
    if run.is_finished:
        return {"files": run.progress, "step": "", "percent": 100}
    live = cache.get(PROGRESS_KEY.format(run.pk))
    return live or {"files": run.progress, "step": "Waiting for a worker", "percent": 0}


class _Progress:
    def __init__(self, run: IngestRun) -> None:
        self.run = run
        self.files: dict[str, dict[str, int]] = {}
        self.step = ""

    def expect(self, name: str, expected: int) -> None:
        self.files[name] = {"expected": expected, "parsed": 0, "loaded": 0}

    def update(self, name: str, **values: int) -> None:
        self.files.setdefault(name, {"expected": 0, "parsed": 0, "loaded": 0}).update(values)
        self.push()

    def say(self, step: str) -> None:
        self.step = step
        self.push()

    def percent(self) -> int:
        expected = sum(f["expected"] for f in self.files.values()) or 1
        done = sum(f["parsed"] + f["loaded"] for f in self.files.values())
        return min(99, int(50 * done / expected))

    def push(self) -> None:
        cache.set(
            PROGRESS_KEY.format(self.run.pk),
            {"files": self.files, "step": self.step, "percent": self.percent()},
            timeout=24 * 3600,
        )


def _read_cclf0(pf: PackageFile) -> tuple[dict[str, tuple[int, int]], list[RecordError]]:
    """CCLF0: per file type, the record count and record length CMS says it sent."""
    cclf0 = layout("CCLF0")
    label, _, _, _, count_f, _, length_f = cclf0.fields
    expected: dict[str, tuple[int, int]] = {}
    errors: list[RecordError] = []
    text = pf.path.read_bytes().decode("latin-1")
    for n, raw in enumerate(text.splitlines(), start=1):
        line = raw.rstrip("\r")
        if not line.strip():
            continue
        file_type = line[label.slice].strip()
        count_text, length_text = line[count_f.slice].strip(), line[length_f.slice].strip()
        if n == 1 and not count_text.isdigit():
            continue  # the header line
        if not file_type.startswith("CCLF"):
            errors.append(RecordError(n, label.name, file_type, "is not a CCLF file number"))
        elif not count_text.isdigit():
            errors.append(RecordError(n, count_f.name, count_text, "is not a whole number"))
        elif not length_text.isdigit():
            errors.append(RecordError(n, length_f.name, length_text, "is not a whole number"))
        else:
            expected[file_type] = (int(count_text), int(length_text))
    return expected, errors


@dataclass
class _LoadState:
    mapping: dict[bytes, bytes]
    mbi: loader.MBIState | None = None
    file_ids: list[int] = field(default_factory=list)
    netted: set[int] = field(default_factory=set)


def _load_package(
    package: Package, progress: _Progress, errors: list[tuple[str, RecordError]], run: IngestRun, state: _LoadState
) -> dict[str, int]:
    """Check and load one package inside the caller's transaction. Returns rows loaded per file."""
    loaded: dict[str, int] = {}
    cclf0 = package.files.get("CCLF0")
    if cclf0 is None:
        errors.append((package.label, RecordError(None, "CCLF0", "", "the package has no CCLF0 summary file")))
        expected: dict[str, tuple[int, int]] = {}
    else:
        expected, cclf0_errors = _read_cclf0(cclf0)
        errors.extend((cclf0.path.name, e) for e in cclf0_errors)
    data_files = package.data_files()
    present = {pf.file_type for pf in data_files}
    for file_type in sorted(set(expected) - present):
        if file_type in loader.TABLES:
            errors.append(
                (
                    cclf0.path.name if cclf0 else package.label,
                    RecordError(None, "file", file_type, "is listed in CCLF0 but not in the package"),
                )
            )
    for pf in data_files:
        progress.expect(pf.path.name, expected.get(pf.file_type, (0, 0))[0])
    with connection.cursor() as cursor:
        loader.create_stage(cursor)
        for pf in data_files:
            file_layout = layout(pf.file_type)
            sha = sha256_of(pf.path)
            if CCLFFile.objects.filter(sha256=sha).exists():
                progress.update(pf.path.name, parsed=0, loaded=0, expected=0)
                loaded[pf.path.name] = -1  # identical bytes already loaded: nothing to do
                continue
            if pf.file_type not in expected and cclf0 is not None:
                errors.append((pf.path.name, RecordError(None, "file", pf.file_type, "is not listed in CCLF0")))
            elif cclf0 is not None and expected[pf.file_type][1] != file_layout.record_length:
                errors.append(
                    (
                        cclf0.path.name,
                        RecordError(
                            None,
                            "RecordLengthLabel",
                            str(expected[pf.file_type][1]),
                            f"{pf.file_type} records are {file_layout.record_length} characters long",
                        ),
                    )
                )
            check = FileCheck()
            record = CCLFFile.objects.create(
                run=run,
                name=pf.path.name,
                file_type=pf.file_type,
                produced_at=timezone.make_aware(pf.name.produced_at)
                if timezone.is_naive(pf.name.produced_at)
                else pf.name.produced_at,
                performance_year=pf.name.year,
                sha256=sha,
                records=0,
                size=pf.path.stat().st_size,
            )
            size = pf.path.stat().st_size
            fast = connection.vendor == "postgresql"
            columns = loader.copy_columns(pf.file_type)
            copied = 0
            staged = False
            expected_rows = expected.get(pf.file_type, (0, 0))[0]
            with (
                loader.bulk_mode(cursor, pf.file_type, expected_rows if not errors else 0) as bulk,
                open(pf.path, "rb") as fh,
            ):
                buffer: Any = mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ) if size else b""
                try:
                    prepare = partial(
                        _copy_text_for,
                        fast=fast,
                        errors=errors,
                        check=check,
                        file_type=pf.file_type,
                        file_id=record.pk,
                        mapping=state.mapping,
                    )

                    # Checking and cutting the next block (numpy, in a thread) overlaps with the
                    # database taking in the current one: two cores busy instead of one at a time.
                    for block, rows_text in _ahead(iter_blocks(buffer, file_layout, check), prepare):
                        if not errors and not check.error_count:
                            if rows_text is not None:
                                # PostgreSQL: COPY the checked rows, already in columns, into the table.
                                loader.copy_rows(cursor, pf.file_type, columns, rows_text, check.non_ascii)
                                copied += block.good
                            else:
                                loader.stage_lines(cursor, block.data)
                                staged = True
                        progress.update(pf.path.name, parsed=check.lines, loaded=copied)
                finally:
                    if size:
                        buffer.close()
                errors.extend((pf.path.name, e) for e in check.errors)
                if pf.file_type in expected and expected[pf.file_type][0] != check.lines:
                    errors.append(
                        (
                            pf.path.name,
                            RecordError(
                                None,
                                "record count",
                                str(check.lines),
                                f"CCLF0 says {expected[pf.file_type][0]} records; the file has {check.lines}",
                            ),
                        )
                    )
                if errors:
                    loader.clear_stage(cursor)
                    continue
                rows = copied
                if staged:
                    rows += loader.insert_from_stage(cursor, pf.file_type, record.pk, ascii_only=not check.non_ascii)
                record.records = rows
                record.save(update_fields=["records"])
                loaded[pf.path.name] = rows
                state.file_ids.append(record.pk)
                progress.update(pf.path.name, loaded=rows)
                if bulk and pf.file_type in loader.NATURAL_KEYS:
                    # Net now, before the indexes are built again: the superseded versions are
                    # rewritten without index upkeep.
                    progress.say(f"Netting {pf.file_type} claim versions")
                    loader.net_table(cursor, pf.file_type, [record.pk], [])
                    state.netted.add(record.pk)
                if pf.file_type == "CCLF9":
                    # Later files of the load map their MBIs with the crosswalk as it now stands.
                    state.mbi = loader.rebuild_mbi_map(cursor)
                    state.mapping = state.mbi.mapping
    return loaded


def _copy_text_for(
    block: Block,
    *,
    fast: bool,
    errors: list[tuple[str, RecordError]],
    check: FileCheck,
    file_type: str,
    file_id: int,
    mapping: dict[bytes, bytes],
) -> bytes | None:
    """The COPY rows of a block, or None when it must take the staged path (or nothing loads)."""
    if not fast or not block.good or errors or check.error_count:
        return None
    lead, keep = loader.copy_lead(block.matrix, file_type, file_id, mapping)
    return copy_text(block.matrix, layout(file_type), lead, keep)


def _ahead(blocks: Iterator[Block], prepare: Callable[[Block], bytes | None]) -> Iterator[tuple[Block, bytes | None]]:
    """Yield (block, prepare(block)) while a worker thread already reads and prepares the next
    block. numpy releases the GIL for the heavy work, so this runs truly in parallel."""
    sentinel: Any = object()
    queue: Queue[Any] = Queue(maxsize=2)

    def work() -> None:
        try:
            for block in blocks:
                queue.put((block, prepare(block)))
        except BaseException as exc:  # handed to the consumer, which re-raises it
            queue.put(exc)
        queue.put(sentinel)

    thread = Thread(target=work, name="cclf-prepare", daemon=True)
    thread.start()
    try:
        while (item := queue.get()) is not sentinel:
            if isinstance(item, BaseException):
                raise item
            yield item
    finally:
        thread.join(timeout=60)


def _current_mapping() -> dict[bytes, bytes]:
    return {m.encode(): c.encode() for m, c in MBIMap.objects.values_list("mbi", "current_mbi")}


def ingest_run_execute(*, run_id: int, path: Path | None = None, announce: bool = True) -> IngestRun:
    """Load the run's packages. ``path`` is the folder or zip (an upload's file if not given). A
    successful load is announced (``signals.ingest_succeeded``, which starts the pipeline) unless
    ``announce`` is false."""
    if not _claim(run_id):
        return IngestRun.objects.get(pk=run_id)
    run = IngestRun.objects.get(pk=run_id)
    progress = _Progress(run)
    errors: list[tuple[str, RecordError]] = []
    loaded: dict[str, int] = {}
    problems: dict[str, str] = {}
    source = path if path is not None else Path(run.upload.path)
    ignored: list[str] = []
    try:
        with opened(source) as folder:
            found = discover(folder)
            ignored = found.ignored
            if not found.packages:
                errors.append(
                    (
                        run.source,
                        RecordError(
                            None,
                            "file",
                            "",
                            "no CCLF files were found (names like P.<ACO>.ACO.ZC5Y27.D270115.T1200000)",
                        ),
                    )
                )
            else:
                with transaction.atomic():
                    state = _LoadState(mapping=_current_mapping())
                    for package in found.packages:
                        progress.say(f"Checking and loading {package.label}")
                        loaded.update(_load_package(package, progress, errors, run, state))
                    if errors:
                        raise LoadRejected()
                    if state.file_ids:
                        with connection.cursor() as cursor:
                            loader.after_load(cursor, state.file_ids, state.mbi, progress.say, state.netted)
                        problems = state.mbi.problems if state.mbi else {}
    except LoadRejected:
        pass
    except Exception as exc:  # an unexpected failure still ends the run with a reason
        log.exception("Ingest run %s failed", run_id)
        errors.append((run.source, RecordError(None, "load", type(exc).__name__, str(exc)[:255])))
    run = _finish(run, progress, errors, loaded, problems, ignored)
    if announce and run.status == IngestRun.Status.SUCCEEDED:
        years = sorted(set(run.files.values_list("performance_year", flat=True)))
        transaction.on_commit(lambda: ingest_succeeded.send(sender=IngestRun, run=run, performance_years=years))
    return run


def _finish(
    run: IngestRun,
    progress: _Progress,
    errors: list[tuple[str, RecordError]],
    loaded: dict[str, int],
    problems: dict[str, str],
    ignored: list[str],
) -> IngestRun:
    run.finished_at = timezone.now()
    run.progress = progress.files
    notes = []
    from .bundle import known_bundle_files  # the bundle module loads packages through this one

    ignored = [name for name in ignored if name not in known_bundle_files()]
    if ignored:
        notes.append(f"Ignored (not CCLF file names): {', '.join(ignored[:20])}")
    if errors:
        # The load was rolled back: files loaded before the error no longer hold any rows.
        for counts in run.progress.values():
            counts["loaded"] = 0
        IngestError.objects.bulk_create(
            IngestError(
                run=run,
                file_name=name[:255],
                line=e.line,
                field=e.field[:64],
                value=e.value[:255],
                reason=e.reason[:255],
            )
            for name, e in errors
        )
        run.status = IngestRun.Status.FAILED
        run.error_count = len(errors)
        run.message = f"Rejected: {len(errors)} problem(s) found; nothing was loaded. " + " ".join(notes)
    elif loaded and all(rows < 0 for rows in loaded.values()):
        run.status = IngestRun.Status.UNCHANGED
        run.message = "These files were already loaded (same bytes); nothing changed."
    else:
        run.status = IngestRun.Status.SUCCEEDED
        counts = ", ".join(f"{name}: {rows:,}" for name, rows in loaded.items() if rows >= 0)
        skipped = [name for name, rows in loaded.items() if rows < 0]
        run.message = f"Loaded {counts}."
        if skipped:
            run.message += f" Already loaded, skipped: {', '.join(skipped)}."
        if problems:
            sample = "; ".join(f"{m}: {p}" for m, p in list(problems.items())[:5])
            run.message += f" {len(problems)} MBI(s) could not be resolved and are left out: {sample}."
        if notes:
            run.message += " " + " ".join(notes)
    run.save()
    cache.delete(PROGRESS_KEY.format(run.pk))
    return run
