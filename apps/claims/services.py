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
from django.db.models import Q
from django.utils import timezone

from apps.accounts.models import User
from lead_portal import jobs
from lead_portal.formatting import when

from . import loader, task_names
from .layouts import PRIOR_RECORD_LENGTHS, PRIOR_VERSION, layout
from .models import CCLFFile, IngestError, IngestRun, MBIMap
from .packages import ArchiveRefused, Package, discover, opened, sha256_of
from .parsing import Block, FileCheck, RecordError, copy_text, iter_blocks
from .signals import ingest_succeeded
from .summary import read_cclf0

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
        transaction.on_commit(partial(_queue, run.pk))
    return run


def _queue(run_id: int) -> None:
    """Queue the load after the commit; when the queue does not take it, the run is failed with the
    reason (never left waiting for a message that was never sent) and the caller hears why."""
    try:
        jobs.send(task_names.INGEST_RUN_TASK, run_id, what="The load")
    except jobs.QueueUnavailable as exc:
        IngestRun.objects.filter(pk=run_id, status=IngestRun.Status.REQUESTED).update(
            status=IngestRun.Status.FAILED, finished_at=timezone.now(), message=str(exc)
        )
        raise


def _claim(run_id: int) -> bool:
    """requested → running, once: a redelivered task finds the run already claimed."""
    now = timezone.now()
    return bool(
        IngestRun.objects.filter(pk=run_id, status=IngestRun.Status.REQUESTED).update(
            status=IngestRun.Status.RUNNING, started_at=now, heartbeat_at=now
        )
    )


def ingest_runs_take_over() -> int:
    """The workers' sweep (``lead_portal.jobs``): a load still running whose worker stopped heartbeating
    more than ``JOB_STALE_SECONDS`` ago was left by a process that died. A load is one transaction, so
    nothing of it was kept: the run is failed with that reason (loading the package again is safe; the
    same bytes twice are a no-op). Not loaded again by itself: a package that kills its worker (memory)
    would do so for ever."""
    cutoff = jobs.stale_before()
    stale = IngestRun.objects.filter(status=IngestRun.Status.RUNNING).filter(
        Q(heartbeat_at__lt=cutoff) | Q(heartbeat_at__isnull=True, started_at__lt=cutoff)
    )
    taken = 0
    for run_id, last in list(stale.values_list("pk", "heartbeat_at")):
        seen = when(last, seconds=True) if last else "never"
        taken += IngestRun.objects.filter(pk=run_id, status=IngestRun.Status.RUNNING, heartbeat_at=last).update(
            status=IngestRun.Status.FAILED,
            finished_at=timezone.now(),
            message=f"The process loading this package stopped (last heard from {seen}): nothing was loaded "
            "(a load is all or nothing). Load the package again.",
        )
    return taken


def progress_get(run: IngestRun) -> dict[str, Any]:
    """Live progress (from the cache while the load runs; from the row once it ends)."""
    if run.is_finished:
        return {"files": run.progress, "step": "", "percent": 100}
    live = cache.get(PROGRESS_KEY.format(run.pk))
    return live or {"files": run.progress, "step": "Waiting for a worker", "percent": 0}


class _Progress:
    def __init__(self, run: IngestRun) -> None:
        self.run = run
        self.files: dict[str, dict[str, int | None]] = {}
        self.step = ""

    def expect(self, name: str, expected: int) -> None:
        self.files[name] = {"expected": expected, "parsed": 0, "loaded": 0}

    def update(self, name: str, **values: int | None) -> None:
        self.files.setdefault(name, {"expected": 0, "parsed": 0, "loaded": 0}).update(values)
        self.push()

    def say(self, step: str) -> None:
        self.step = step
        self.push()

    def percent(self) -> int:
        expected = sum(f["expected"] or 0 for f in self.files.values()) or 1
        done = sum((f["parsed"] or 0) + (f["loaded"] or 0) for f in self.files.values())
        return min(99, int(50 * done / expected))

    def push(self) -> None:
        cache.set(
            PROGRESS_KEY.format(self.run.pk),
            {"files": self.files, "step": self.step, "percent": self.percent()},
            timeout=24 * 3600,
        )


# Error rows kept per load (each file keeps at most parsing.MAX_ERRORS_PER_FILE); the count of
# problems is always the real one.
MAX_STORED_ERRORS = 10_000


@dataclass
class _Problems:
    """Every problem of a load: the first ones as rows, and the real count."""

    rows: list[tuple[str, RecordError]] = field(default_factory=list)
    count: int = 0

    def add(self, name: str, errors: list[RecordError], count: int | None = None) -> None:
        self.count += len(errors) if count is None else count
        room = MAX_STORED_ERRORS - len(self.rows)
        self.rows.extend((name, e) for e in errors[: max(room, 0)])

    def __bool__(self) -> bool:
        return self.count > 0


@dataclass
class _LoadState:
    mapping: dict[bytes, bytes]
    mbi: loader.MBIState | None = None
    file_ids: list[int] = field(default_factory=list)
    netted: set[int] = field(default_factory=set)
    # The ingest report: packages, files not loaded and why, per-file notes.
    packages: list[dict[str, Any]] = field(default_factory=list)
    skipped: list[dict[str, str]] = field(default_factory=list)
    notes: list[dict[str, str]] = field(default_factory=list)
    partitions: set[int] = field(default_factory=set)  # claim-fact partitions known to exist


def _length_problem(file_type: str, length: int) -> str | None:
    """Why CCLF0's record length for a file cannot be read with today's layout, or None."""
    current = layout(file_type).record_length
    if length == current:
        return None
    if PRIOR_RECORD_LENGTHS.get(file_type) == length:
        return (
            f"CCLF0 gives {file_type} records of {length} characters: the layout {PRIOR_VERSION}. This portal "
            f"reads the current layout ({current} characters, CCLF Information Packet v38); ask for the "
            "package in the current layout"
        )
    return (
        f"CCLF0 gives {file_type} records of {length} characters; the current {file_type} layout is "
        f"{current} characters long (another layout version?)"
    )


def _load_package(
    package: Package, progress: _Progress, problems: _Problems, run: IngestRun, state: _LoadState
) -> dict[str, int]:
    """Check and load one package inside the caller's transaction. Returns rows loaded per file."""
    loaded: dict[str, int] = {}
    cclf0 = package.files.get("CCLF0")
    state.packages.append(
        {
            "label": package.label,
            "runout": package.is_runout,
            "performance_year": package.year,
            "produced_at": package.produced_at,
            "files": sorted(pf.path.name for pf in package.files.values()),
        }
    )
    if cclf0 is None:
        problems.add(package.label, [RecordError(None, "CCLF0", "", "the package has no CCLF0 summary file")])
        expected: dict[str, tuple[int, int]] = {}
    else:
        summary = read_cclf0(cclf0.path.read_bytes())
        expected = summary.expected
        problems.add(cclf0.path.name, summary.errors)
    data_files = package.data_files()
    present = {pf.file_type for pf in data_files}
    for file_type in sorted(set(expected) - present):
        problems.add(
            cclf0.path.name if cclf0 else package.label,
            [RecordError(None, "file", file_type, "is listed in CCLF0 but not in the package")],
        )
    for pf in data_files:
        progress.expect(pf.path.name, expected.get(pf.file_type, (0, 0))[0])
    with connection.cursor() as cursor:
        loader.create_stage(cursor)
        for pf in data_files:
            file_layout = layout(pf.file_type)
            sha = sha256_of(pf.path)
            empty = pf.path.stat().st_size == 0
            same = CCLFFile.objects.filter(name=pf.path.name, size=0) if empty else CCLFFile.objects.filter(sha256=sha)
            earlier = same.values_list("name", "run_id").first()
            if earlier is not None:
                progress.update(pf.path.name, parsed=0, loaded=0, expected=None)
                loaded[pf.path.name] = -1  # identical bytes already loaded: nothing to do
                state.skipped.append(
                    {
                        "name": pf.path.name,
                        "reason": f"already loaded (the same bytes as {earlier[0]}, load #{earlier[1]})",
                    }
                )
                continue
            length_problem = None
            if pf.file_type not in expected and cclf0 is not None:
                problems.add(pf.path.name, [RecordError(None, "file", pf.file_type, "is not listed in CCLF0")])
            elif cclf0 is not None:
                length_problem = _length_problem(pf.file_type, expected[pf.file_type][1])
                if length_problem:
                    problems.add(
                        cclf0.path.name,
                        [RecordError(None, "RecordLength", str(expected[pf.file_type][1]), length_problem)],
                    )
                    # Not read: its records would all be misplaced; the one error says why.
                    continue
            check = FileCheck()
            record = CCLFFile.objects.create(
                run=run,
                name=pf.path.name,
                file_type=pf.file_type,
                produced_at=timezone.make_aware(pf.name.produced_at)
                if timezone.is_naive(pf.name.produced_at)
                else pf.name.produced_at,
                performance_year=pf.name.year,
                runout=pf.name.is_runout,
                package=package.label[:64],
                sha256=sha,
                records=0,
                size=pf.path.stat().st_size,
            )
            size = pf.path.stat().st_size
            fast = connection.vendor == "postgresql"
            # The COPY path writes the ids of rows that feed claim facts itself (reserved up front, at
            # most one per record the file can hold), so the facts carry them too.
            first_id = None
            if fast and loader.has_facts(pf.file_type) and size:
                first_id = loader.reserve_ids(cursor, pf.file_type, size // file_layout.record_length + 1)
            reserved_end = first_id + size // file_layout.record_length + 1 if first_id is not None else 0
            columns = loader.copy_columns(pf.file_type, with_ids=first_id is not None)
            copied = 0
            staged = False
            expected_rows = expected.get(pf.file_type, (0, 0))[0]
            with (
                loader.bulk_mode(cursor, pf.file_type, expected_rows if not problems else 0) as bulk,
                open(pf.path, "rb") as fh,
            ):
                buffer: Any = mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ) if size else b""
                try:
                    prepare = _Prepare(
                        fast=fast,
                        problems=problems,
                        check=check,
                        file_type=pf.file_type,
                        file_id=record.pk,
                        mapping=state.mapping,
                        next_id=first_id,
                    )

                    # Checking and cutting the next block (numpy, in a thread) overlaps with the
                    # database taking in the current one: two cores busy instead of one at a time.
                    for block, prepared in _ahead(iter_blocks(buffer, file_layout, check), prepare):
                        if not problems and not check.error_count:
                            if prepared is not None:
                                # PostgreSQL: COPY the checked rows, already in columns, into the table,
                                # and their facts beside them.
                                rows_text, facts_text, years = prepared
                                loader.copy_rows(cursor, pf.file_type, columns, rows_text, check.non_ascii)
                                if facts_text is not None:
                                    loader.ensure_partitions(cursor, years - state.partitions)
                                    state.partitions |= years
                                    loader.copy_facts(cursor, facts_text)
                                copied += block.good
                            else:
                                loader.stage_lines(cursor, block.data)
                                staged = True
                        progress.update(pf.path.name, parsed=check.lines, loaded=copied)
                finally:
                    if size:
                        buffer.close()
                problems.add(pf.path.name, check.errors, check.error_count)
                prior = PRIOR_RECORD_LENGTHS.get(pf.file_type)
                if prior is not None and check.lines and check.prior_version == check.lines:
                    problems.add(
                        pf.path.name,
                        [
                            RecordError(
                                None,
                                "record length",
                                f"{prior} characters",
                                f"every record is {prior} characters long: the {pf.file_type} layout "
                                f"{PRIOR_VERSION}. This portal reads the current layout "
                                f"({file_layout.record_length} characters); the file was not read",
                            )
                        ],
                    )
                if pf.file_type in expected and expected[pf.file_type][0] != check.lines:
                    problems.add(
                        pf.path.name,
                        [
                            RecordError(
                                None,
                                "record count",
                                str(check.lines),
                                f"CCLF0 says {expected[pf.file_type][0]:,} records; the file has {check.lines:,}",
                            )
                        ],
                    )
                state.notes.extend({"file": pf.path.name, "note": note} for note in check.notes())
                if problems:
                    loader.clear_stage(cursor)
                    continue
                rows = copied
                if staged:
                    rows += loader.insert_from_stage(cursor, pf.file_type, record.pk, ascii_only=not check.non_ascii)
                    # Staged rows took their ids from the sequence, past any reserved for this file.
                    loader.insert_facts(cursor, pf.file_type, record.pk, min_id=reserved_end)
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
                    hicn = loader.count_hicn_links(cursor, record.pk)
                    if hicn:
                        state.notes.append(
                            {
                                "file": pf.path.name,
                                "note": f"{hicn:,} HICN link{'s' if hicn != 1 else ''} (indicator H) kept; "
                                "only MBI links (M) are used to merge beneficiaries",
                            }
                        )
                    # Later files of the load map their MBIs with the crosswalk as it now stands.
                    state.mbi = loader.rebuild_mbi_map(cursor)
                    state.mapping = state.mbi.mapping
    return loaded


class _Prepare:
    """The COPY rows of a block (and, for a file feeding claim facts, the facts' rows and their service
    years), or None when it must take the staged path (or nothing loads). Called for the blocks in
    order, in the preparing thread: the reserved ids are handed out block by block."""

    def __init__(
        self,
        *,
        fast: bool,
        problems: _Problems,
        check: FileCheck,
        file_type: str,
        file_id: int,
        mapping: dict[bytes, bytes],
        next_id: int | None,
    ) -> None:
        self.fast, self.problems, self.check = fast, problems, check
        self.file_type, self.file_id, self.mapping = file_type, file_id, mapping
        self.next_id = next_id

    def __call__(self, block: Block) -> tuple[bytes, bytes | None, set[int]] | None:
        if not self.fast or not block.good or self.problems or self.check.error_count:
            return None
        current = loader.current_mbis(block.matrix, self.file_type, self.mapping)
        lead, keep = loader.copy_lead(block.matrix, self.file_type, self.file_id, current, self.next_id)
        rows = copy_text(block.matrix, layout(self.file_type), lead, keep)
        if rows is None:
            return None
        facts: bytes | None = None
        years: set[int] = set()
        if self.next_id is not None:
            facts, years = loader.fact_rows(
                block.matrix,
                self.file_type,
                self.next_id,
                current,
                loader.starts_current(block.matrix, self.file_type),
            )
            self.next_id += block.matrix.shape[0]
        return rows, facts, years


def _ahead[T](blocks: Iterator[Block], prepare: Callable[[Block], T]) -> Iterator[tuple[Block, T]]:
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
    # While it loads, the run's heartbeat says a worker is on it (lead_portal.jobs).
    with jobs.Heartbeat(IngestRun.objects.filter(pk=run_id, status=IngestRun.Status.RUNNING)):
        return _load(run_id=run_id, path=path, announce=announce)


def _load(*, run_id: int, path: Path | None, announce: bool) -> IngestRun:
    run = IngestRun.objects.get(pk=run_id)
    progress = _Progress(run)
    problems = _Problems()
    loaded: dict[str, int] = {}
    unresolved: dict[str, str] = {}
    source = path if path is not None else Path(run.upload.path)
    state = _LoadState(mapping={})
    try:
        with opened(source) as folder:
            found = discover(folder)
            state.skipped.extend({"name": name, "reason": reason} for name, reason in found.skipped)
            if not found.packages:
                problems.add(
                    run.source,
                    [
                        RecordError(
                            None,
                            "file",
                            "",
                            "no CCLF files were found (names like P.<ACO>.ACO.ZC5Y27.D270115.T1200000, or "
                            "ZC5R26 for a run-out file)",
                        )
                    ],
                )
            else:
                with transaction.atomic():
                    state.mapping = _current_mapping()
                    with connection.cursor() as cursor:
                        loader.create_changed(cursor)
                    for package in found.packages:
                        progress.say(f"Checking and loading {package.label}")
                        loaded.update(_load_package(package, progress, problems, run, state))
                    if problems:
                        raise LoadRejected()
                    if state.file_ids:
                        with connection.cursor() as cursor:
                            loader.after_load(cursor, state.file_ids, state.mbi, progress.say, state.netted)
                        unresolved = state.mbi.problems if state.mbi else {}
    except LoadRejected:
        pass
    except ArchiveRefused as exc:  # a zip over its limits: refused before anything was extracted
        problems.add(exc.file_name, [RecordError(None, exc.field, exc.value, exc.reason)])
    except Exception as exc:  # an unexpected failure still ends the run with a reason
        log.exception("Ingest run %s failed", run_id)
        problems.add(run.source, [RecordError(None, "load", type(exc).__name__, str(exc)[:255])])
    run = _finish(run, progress, problems, loaded, unresolved, state)
    if announce and run.status == IngestRun.Status.SUCCEEDED:
        years = sorted(set(run.files.values_list("performance_year", flat=True)))
        transaction.on_commit(lambda: ingest_succeeded.send(sender=IngestRun, run=run, performance_years=years))
    return run


def _finish(
    run: IngestRun,
    progress: _Progress,
    problems: _Problems,
    loaded: dict[str, int],
    unresolved: dict[str, str],
    state: _LoadState,
) -> IngestRun:
    run.finished_at = timezone.now()
    run.progress = progress.files
    from .bundle import known_bundle_files  # the bundle module loads packages through this one

    bundle_files = known_bundle_files()
    skipped = [s for s in state.skipped if s["name"] not in bundle_files]
    run.report = {"packages": state.packages, "skipped": skipped, "notes": state.notes}
    not_loaded = (
        f" {len(skipped)} file{'s' if len(skipped) != 1 else ''} of the upload {'were' if len(skipped) != 1 else 'was'}"
        " not loaded (listed with the reason)."
        if skipped
        else ""
    )
    if problems:
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
                reason=e.reason[:1000],
            )
            for name, e in problems.rows
        )
        run.status = IngestRun.Status.FAILED
        run.error_count = problems.count
        shown = len(problems.rows)
        found = f"{problems.count:,} problem{'s' if problems.count != 1 else ''} found"
        if shown < problems.count:
            found += f" (the first {shown:,} are listed)"
        run.message = f"Rejected: {found}; nothing was loaded." + not_loaded
    elif loaded and all(rows < 0 for rows in loaded.values()):
        run.status = IngestRun.Status.UNCHANGED
        run.message = "These files were already loaded (same bytes); nothing changed."
    else:
        run.status = IngestRun.Status.SUCCEEDED
        files = [rows for rows in loaded.values() if rows >= 0]
        monthly = sum(1 for p in state.packages if not p["runout"])
        runouts = [p["label"] for p in state.packages if p["runout"]]
        kinds = [f"{monthly} monthly"] if monthly else []
        if runouts:
            kinds.append(f"{len(runouts)} run-out ({', '.join(runouts)})")
        run.message = (
            f"Loaded {len(files)} file{'s' if len(files) != 1 else ''}, {sum(files):,} "
            f"record{'s' if sum(files) != 1 else ''}, from "
            f"{len(state.packages)} package{'s' if len(state.packages) != 1 else ''}: {' and '.join(kinds)}."
        )
        if unresolved:
            sample = "; ".join(f"{m}: {p}" for m, p in list(unresolved.items())[:5])
            run.message += f" {len(unresolved)} MBI(s) could not be resolved and are left out: {sample}."
        run.message += not_loaded
    run.save()
    cache.delete(PROGRESS_KEY.format(run.pk))
    return run
