"""Logging filters of the portal's one console handler (``LOGGING`` in settings/base.py)."""

from __future__ import annotations

import logging


class NoTracebackBelow500(logging.Filter):
    """Keep a refused request to one line. Django logs a 403 (``PermissionDenied``) and a 400 with the
    exception attached, which prints a whole traceback for what is an answer, not a fault: a read-only
    member opening an edit page. Records of a response under 500 keep their message and lose the
    traceback; errors (500) keep theirs."""

    def filter(self, record: logging.LogRecord) -> bool:
        status = getattr(record, "status_code", None)
        if isinstance(status, int) and status < 500:
            record.exc_info = None
            record.exc_text = None
        return True
