"""What the console log shows for a refused request: one line, no traceback, printed once.

Before, a read-only analyst opening an edit page printed Django's "Forbidden (Permission denied)"
with the whole traceback of ``PermissionDenied``, twice under DEBUG: once by Django's own "django"
console handler and once by the portal's root handler."""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable

import pytest
from _pytest.logging import LogCaptureHandler
from django.test import Client
from django.urls import reverse
from pytest_django.fixtures import Settings

from apps.accounts.models import User
from apps.acos.models import ACO
from lead_portal.log_filters import NoTracebackBelow500

pytestmark = pytest.mark.django_db
ClientFor = Callable[[User | None], Client]


def console_output(record: logging.LogRecord) -> list[str]:
    """What each configured handler on the record's way up to the root writes for it (the test
    runner's capture handlers left out), as the logging module decides: levels, filters, propagate."""
    written = []
    logger: logging.Logger | None = logging.getLogger(record.name)
    while logger is not None:
        for handler in logger.handlers:
            if isinstance(handler, LogCaptureHandler) or type(handler).__module__.startswith("_pytest"):
                continue
            if record.levelno >= handler.level and handler.filter(record):
                written.append(handler.format(record))
        logger = logger.parent if logger.propagate else None
    return written


def refused(caplog: pytest.LogCaptureFixture, path: str) -> logging.LogRecord:
    records = [r for r in caplog.records if r.name == "django.request" and path in r.getMessage()]
    assert len(records) == 1, [r.getMessage() for r in caplog.records]
    return records[0]


def test_a_403_page_logs_one_line_without_traceback(
    aco: ACO, analyst: User, client_for: ClientFor, caplog: pytest.LogCaptureFixture, settings: Settings
) -> None:
    settings.DEBUG = True  # Django's own console handler only writes under DEBUG: the doubled line
    path = reverse("acos:participant_add", kwargs={"aco_id": aco.aco_id})
    with caplog.at_level(logging.INFO):
        response = client_for(analyst).get(path)
    assert response.status_code == 403
    assert console_output(refused(caplog, path)) == [f"Forbidden (Permission denied): {path}"]


def test_a_403_from_the_api_logs_one_line(
    aco: ACO, analyst: User, client_for: ClientFor, caplog: pytest.LogCaptureFixture, settings: Settings
) -> None:
    settings.DEBUG = True
    path = f"/api/acos/{aco.aco_id}/participants/"
    with caplog.at_level(logging.INFO):
        response = client_for(analyst).post(path, {}, content_type="application/json")
    assert response.status_code == 403
    assert console_output(refused(caplog, path)) == [f"Forbidden: {path}"]


def test_a_server_error_keeps_its_traceback() -> None:
    try:
        raise RuntimeError("boom")
    except RuntimeError:
        info = sys.exc_info()
    record = logging.LogRecord("django.request", logging.ERROR, __file__, 1, "Internal Server Error: /x/", (), info)
    record.status_code = 500
    assert NoTracebackBelow500().filter(record)
    assert record.exc_info is info
    formatted = logging.Formatter().format(record)
    assert formatted.startswith("Internal Server Error: /x/\nTraceback") and "RuntimeError: boom" in formatted
