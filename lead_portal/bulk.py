"""Writing a computation's rows in bulk: COPY on PostgreSQL, batched INSERTs elsewhere, and fresh planner
statistics after. Shared by every app whose step writes results (alignment, risk, quality, money).
``BackgroundWriter`` writes a run's rows in one transaction while the run computes the next ones."""

from __future__ import annotations

import json
import queue
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from django.db import connection, models, transaction

from lead_portal.jobs import own_connection_thread

BATCH = 5000


def copy_rows(
    model: type[models.Model], names: Sequence[str], rows: Iterable[tuple[Any, ...]], *, json_fields: Sequence[str] = ()
) -> None:
    """Write ``rows`` (values in the order of ``names``; ``json_fields`` as JSON text) into the model's
    table. The rows must be ready before the COPY starts: nothing may query the database inside it."""
    if connection.vendor == "postgresql":
        table = model._meta.db_table
        with connection.cursor() as cursor, cursor.copy(f"COPY {table} ({', '.join(names)}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
        return
    decode = {i for i, name in enumerate(names) if name in json_fields}
    objs = (
        model(**{name: json.loads(v) if i in decode else v for i, (name, v) in enumerate(zip(names, row, strict=True))})
        for row in rows
    )
    while batch := [o for _, o in zip(range(BATCH), objs, strict=False)]:
        model._default_manager.bulk_create(batch)


def analyze(model: type[models.Model], *, column: str | None = None) -> None:
    """Refresh the planner's statistics of a table a run has just filled (PostgreSQL). Without it the
    new run's id is unknown to them: PostgreSQL then expects one row for it and joins the claims to tens
    of thousands of beneficiaries one index probe at a time. Sampling takes a fraction of a second, and
    inside the run's transaction it sees the rows just written.

    With ``column`` (the run's column, for a table every reader reads one run of through an index led
    by it), only that column, from a sample of 3,000 rows instead of 30,000: what the planner needs is
    how many rows the new run has (a tenth of the time on a table of millions of rows)."""
    if connection.vendor != "postgresql":
        return
    table = model._meta.db_table
    if column is None:
        with connection.cursor() as cursor:
            cursor.execute(f"ANALYZE {table}")
        return
    with transaction.atomic(), connection.cursor() as cursor:  # the setting ends with the statement
        cursor.execute("SET LOCAL default_statistics_target = 10")
        field = model._meta.get_field(column)
        if not isinstance(field, models.Field):
            raise TypeError(f"{column} is not a column of {table}")
        cursor.execute(f"ANALYZE {table} ({field.column})")
        cursor.execute("SET LOCAL default_statistics_target TO DEFAULT")


class _Abandoned(Exception):
    pass


_COMMIT, _ABANDON = object(), object()


class BackgroundWriter:
    """A run's writes (``write(function)``: ``copy_rows``, ``analyze``, saving the run row), done in one
    transaction on a database connection of its own, in a thread, in the order given, while the caller
    computes what comes next: on two cores the server parses and indexes one batch of rows while numpy
    computes the next. ``commit()`` waits for every write and commits them together, or raises the first
    write's error (nothing was written then); leaving the ``with`` block without ``commit()`` rolls back.

    Only on PostgreSQL and outside a transaction (another connection could not see the caller's
    uncommitted rows, nor the caller the writer's). Elsewhere the writes run in ``commit()``, in one
    transaction on the caller's connection. Either way readers see all of a run's rows or none."""

    def __init__(self) -> None:
        self._pending: list[Callable[[], object]] = []
        self._queue: queue.SimpleQueue[object] = queue.SimpleQueue()
        self._error: BaseException | None = None
        self._done = False
        self._thread = own_connection_thread(self._run, "background-writer")

    @property
    def concurrent(self) -> bool:
        return self._thread is not None

    def _run(self) -> None:
        try:
            with transaction.atomic():
                while (item := self._queue.get()) is not _COMMIT:
                    if item is _ABANDON:
                        raise _Abandoned
                    item()  # type: ignore[operator]
        except _Abandoned:
            pass
        except BaseException as exc:  # handed to the caller by commit()
            self._error = exc

    def write(self, function: Callable[[], object]) -> None:
        if self._done:
            raise RuntimeError("The writer has finished.")
        if self._thread is None:
            self._pending.append(function)
        else:
            self._queue.put(function)

    def commit(self) -> None:
        self._done = True
        if self._thread is None:
            with transaction.atomic():
                for function in self._pending:
                    function()
            self._pending.clear()
            return
        self._queue.put(_COMMIT)
        self._thread.join()
        if self._error is not None:
            raise self._error

    def abandon(self) -> None:
        if self._done:
            return
        self._done = True
        self._pending.clear()
        if self._thread is not None:
            self._queue.put(_ABANDON)
            self._thread.join()

    def __enter__(self) -> BackgroundWriter:
        return self

    def __exit__(self, *exc: object) -> None:
        self.abandon()
