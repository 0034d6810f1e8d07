"""Writing a computation's rows in bulk: COPY on PostgreSQL, batched INSERTs elsewhere, and fresh planner
statistics after. Shared by every app whose step writes results (alignment, risk, quality, money)."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from typing import Any

from django.db import connection, models

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


def analyze(model: type[models.Model]) -> None:
    """Refresh the planner's statistics of a table a run has just filled (PostgreSQL). Without it the
    new run's id is unknown to them: PostgreSQL then expects one row for it and joins the claims to tens
    of thousands of beneficiaries one index probe at a time. Sampling takes a fraction of a second, and
    inside the run's transaction it sees the rows just written."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(f"ANALYZE {model._meta.db_table}")
