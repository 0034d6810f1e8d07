"""Shards by beneficiary: a step whose rule is per beneficiary runs as ``count`` independent parts, each
reading only the beneficiaries (and their claims) whose current MBI hashes to its ``index``.

The hash is a SQL function, ``lead_shard(mbi, count)``, so each part's filter runs in the database next to
the other conditions of its reads (the part reads a ``count``-th of the rows, not everything and then
drops most). On PostgreSQL it is ``hashtext`` of the trimmed MBI (migration ``0008``); on SQLite a Python
function (CRC-32 of the trimmed MBI) registered on every connection. The two give different parts, and
that does not matter: what a step computes is the union of its parts, whatever the partition; what
matters is that every read of one part uses the same function, which it does, being the database's.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass
from typing import Any

from django.db.models import F, Func, IntegerField, QuerySet, Value

FUNCTION = "lead_shard"

# PostgreSQL: an inlinable SQL function (immutable, parallel safe); 0 ≤ result < count.
POSTGRES_DDL = f"""
CREATE OR REPLACE FUNCTION {FUNCTION}(mbi text, shard_count integer) RETURNS integer
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
AS $$ SELECT CAST(mod(CAST(hashtext(btrim(mbi)) AS bigint) + 2147483648, shard_count) AS integer) $$
"""
POSTGRES_DROP = f"DROP FUNCTION IF EXISTS {FUNCTION}(text, integer)"


def sqlite_shard(mbi: str | None, shard_count: int | None) -> int | None:
    """SQLite's ``lead_shard``: CRC-32 of the trimmed MBI, modulo the count."""
    if mbi is None or not shard_count:
        return None
    return zlib.crc32(mbi.strip().encode()) % int(shard_count)


def register_sqlite(sender: Any, connection: Any, **kwargs: Any) -> None:
    """``connection_created`` receiver: give every SQLite connection the ``lead_shard`` function."""
    if connection.vendor == "sqlite":
        connection.connection.create_function(FUNCTION, 2, sqlite_shard, deterministic=True)


@dataclass(frozen=True)
class Shard:
    """Part ``index`` of ``count`` (0 ≤ index < count)."""

    index: int
    count: int

    def __post_init__(self) -> None:
        if not (isinstance(self.index, int) and isinstance(self.count, int) and 0 <= self.index < self.count):
            raise ValueError(f"not a shard: {self.index} of {self.count}")

    def sql(self, column: str) -> str:
        """A SQL condition: ``column`` (an MBI expression) is in this part. Two integers are inlined."""
        return f"{FUNCTION}({column}, {self.count}) = {self.index}"

    def filter(self, queryset: QuerySet[Any], field: str) -> QuerySet[Any]:
        """``queryset`` narrowed to rows whose ``field`` (an MBI, or an annotation of one) is in this part."""
        key = Func(F(field), Value(self.count), function=FUNCTION, output_field=IntegerField())
        return queryset.annotate(_shard=key).filter(_shard=self.index)

    def __str__(self) -> str:
        return f"part {self.index + 1} of {self.count}"


def condition(shard: Shard | None, column: str) -> str:
    """``shard.sql(column)``, or an always-true condition for the whole (no shard)."""
    return "1 = 1" if shard is None else shard.sql(column)
