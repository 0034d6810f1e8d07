"""``lead_portal.bulk.BackgroundWriter`` on PostgreSQL outside a transaction: the writes run in a thread
on a connection of their own, in one transaction, so another connection sees none of them until
``commit()`` and none at all when a write fails or the caller leaves without committing."""

from __future__ import annotations

import threading

import pytest
from django.db import connection

from apps.risk.models import RiskScore
from lead_portal import bulk
from tests.test_background_writer import RUN, scores, stored

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def test_the_writer_thread_commits_everything_at_once() -> None:
    assert connection.vendor == "postgresql"
    written = threading.Event()
    with bulk.BackgroundWriter() as writer:
        assert writer.concurrent
        writer.write(scores("1A00A00AA01", "1A00A00AA02"))
        writer.write(written.set)
        assert written.wait(30), writer._error
        # Written on the writer's connection, not committed: this connection sees nothing yet.
        assert stored() == []
        writer.write(scores("1A00A00AA03"))
        writer.commit()
    assert stored() == ["1A00A00AA01", "1A00A00AA02", "1A00A00AA03"]


def test_a_failing_write_rolls_back_the_writes_before_it() -> None:
    def broken() -> None:
        raise LookupError("the table went away")

    with bulk.BackgroundWriter() as writer:
        writer.write(scores("1A00A00AA01"))
        writer.write(broken)
        writer.write(scores("1A00A00AA02"))
        with pytest.raises(LookupError, match="the table went away"):
            writer.commit()
    assert stored() == []


def test_leaving_without_commit_rolls_back() -> None:
    written = threading.Event()
    with pytest.raises(RuntimeError, match="scoring failed"):
        with bulk.BackgroundWriter() as writer:
            writer.write(scores("1A00A00AA01"))
            writer.write(written.set)
            assert written.wait(30)
            raise RuntimeError("scoring failed")
    assert stored() == []
    assert not RiskScore.objects.filter(run_id=RUN).exists()
