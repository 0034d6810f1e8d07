"""``lead_portal.bulk.BackgroundWriter``: a run's writes land all together at ``commit()`` or not at all.
Here on the caller's connection (the fast suite: SQLite, or a test's transaction on PostgreSQL); the
writer thread with its own connection is tested in tests/integration/test_background_writer.py."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

import pytest

from apps.risk.models import RiskScore
from apps.risk.services import SCORE_COLUMNS, SCORE_JSON
from lead_portal import bulk

pytestmark = pytest.mark.django_db
RUN = 987_654  # no such run: the score rows' run is not a database constraint


def scores(*mbis: str) -> Callable[[], None]:
    """A write of one 2026 score row per MBI."""
    rows = [
        (RUN, mbi, 2026, "CMS-HCC Model V28", "CNA", 70, False, False, 1.0, 0.9, 0.4, "", "", "{}", "{}")
        for mbi in mbis
    ]
    return partial(bulk.copy_rows, RiskScore, SCORE_COLUMNS, rows, json_fields=SCORE_JSON)


def stored() -> list[str]:
    return list(RiskScore.objects.filter(run_id=RUN).order_by("mbi").values_list("mbi", flat=True))


def test_writes_wait_for_commit_and_land_in_order() -> None:
    with bulk.BackgroundWriter() as writer:
        assert not writer.concurrent
        writer.write(scores("1A00A00AA01"))
        writer.write(scores("1A00A00AA02", "1A00A00AA03"))
        assert stored() == []
        writer.commit()
    assert stored() == ["1A00A00AA01", "1A00A00AA02", "1A00A00AA03"]


def test_a_failing_write_keeps_nothing_and_raises_at_commit() -> None:
    def broken() -> None:
        raise LookupError("the table went away")

    with bulk.BackgroundWriter() as writer:
        writer.write(scores("1A00A00AA01"))
        writer.write(broken)
        with pytest.raises(LookupError, match="the table went away"):
            writer.commit()
    assert stored() == []


def test_leaving_without_commit_writes_nothing() -> None:
    with pytest.raises(RuntimeError, match="scoring failed"):
        with bulk.BackgroundWriter() as writer:
            writer.write(scores("1A00A00AA01"))
            raise RuntimeError("scoring failed")
    assert stored() == []
    with pytest.raises(RuntimeError, match="finished"):
        writer.write(scores("1A00A00AA02"))
