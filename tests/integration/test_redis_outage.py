"""Audit defect 6 on real services: the portal (gunicorn, production settings) on a Redis server of the
test's own as cache and broker. With that Redis stopped, the ACO overview, aligned beneficiaries and money
pages still answer 200 (the cache is an optimisation), and asking for an export answers with a clear
message and leaves no export waiting for a message that was never sent. Once Redis is back, the same
request is queued and a worker builds the file.
"""

from __future__ import annotations

import http.cookiejar
import re
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.sessions.backends.db import SessionStore

from apps.accounts.models import User
from apps.acos.models import ACO
from apps.alignment.models import AlignmentExport
from tests.factories import aligned, alignment_run, performance_summary
from tests.integration.private_services import RedisServer, start_web, start_worker, wait_until

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


class Browser:
    """Cookies, CSRF and redirects, as a person's browser; every answer is (status, body)."""

    def __init__(self, base: str, session_key: str) -> None:
        self.base = base
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar))
        host = urllib.parse.urlparse(base).hostname or "127.0.0.1"
        self.jar.set_cookie(http.cookiejar.Cookie(0, "sessionid", session_key, None, False, host, False, False, "/",
                                                  True, False, None, False, None, None, {}))  # fmt: skip

    def get(self, path: str) -> tuple[int, str]:
        return self._open(urllib.request.Request(self.base + path))  # noqa: S310 (our own server)

    def post(self, path: str, data: dict[str, str], *, form_page: str) -> tuple[int, str]:
        _, page = self.get(form_page)
        found = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)
        assert found, "no CSRF token on the form page"
        body = urllib.parse.urlencode({**data, "csrfmiddlewaretoken": found.group(1)}).encode()
        return self._open(urllib.request.Request(self.base + path, data=body, method="POST"))  # noqa: S310

    def _open(self, request: urllib.request.Request) -> tuple[int, str]:
        try:
            with self.opener.open(request, timeout=60) as response:
                return response.status, response.read().decode()
        except urllib.error.HTTPError as exc:
            return exc.code, exc.read().decode(errors="replace")


def signed_in(user: User) -> str:
    """A session of ``user`` in the database the server reads (what a login leaves)."""
    session = SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.create()
    assert session.session_key
    return session.session_key


def test_pages_serve_and_a_job_that_cannot_be_queued_says_so_while_redis_is_down(
    aco: ACO, admin: User, tmp_path: Path, settings: Any
) -> None:
    performance_summary(aco)
    run = alignment_run()
    aligned(run, aco, "1EG4TE5MK73", first_name="Grace", last_name="Hopper")
    pages = {
        "overview": f"/acos/{aco.aco_id}/?py=2027",
        "aligned beneficiaries": f"/acos/{aco.aco_id}/beneficiaries/?py=2027",
        "money": f"/acos/{aco.aco_id}/money/?py=2027",
    }
    exports = f"/acos/{aco.aco_id}/beneficiaries/exports/?py=2027"
    redis = RedisServer(tmp_path)
    redis.start()
    # The server signs sessions with its secret key: the same as this process's, to read the session.
    web, base = start_web(redis.url, settings.MEDIA_ROOT, tmp_path / "web.log", DJANGO_SECRET_KEY=settings.SECRET_KEY)
    worker = None
    try:
        browser = Browser(base, signed_in(admin))
        for name, path in pages.items():  # Redis up: the cache fills
            status, body = browser.get(path)
            assert status == 200 and aco.aco_id in body, (name, status, web.log())
        assert redis.client().dbsize() > 0

        redis.stop()
        timings = {}
        for name, path in pages.items():
            started = time.monotonic()
            status, body = browser.get(path)
            timings[name] = time.monotonic() - started
            assert status == 200, (name, status, body[-2000:], web.log())
        assert "Hopper" in browser.get(pages["aligned beneficiaries"])[1]
        assert "Estimated settlement" in browser.get(pages["money"])[1]
        status, body = browser.post(exports, {"format": "csv", "run": str(run.pk)}, form_page=exports)
        assert status == 200, (status, body[-2000:], web.log())
        assert "The export could not be started: the job queue is not answering." in body
        assert "please try again in a few minutes" in body
        export = AlignmentExport.objects.get()
        assert export.status == "failed" and "could not be started" in export.message  # listed as failed, why
        print("\nREDIS DOWN: " + ", ".join(f"{name} 200 in {s * 1000:.0f} ms" for name, s in timings.items()))

        redis.start()  # the same port, empty
        for name, path in pages.items():
            status, _ = browser.get(path)
            assert status == 200, (name, status, web.log())
        status, body = browser.post(exports, {"format": "xlsx", "run": str(run.pk)}, form_page=exports)
        assert status == 200 and "it appears below when ready" in body, (body[-2000:], web.log())
        queued = AlignmentExport.objects.get(format="xlsx")
        assert queued.status == "requested" and redis.client().llen("compute") == 1
        assert redis.client().dbsize() > 1  # the cache is written again

        worker = start_worker(redis.url, settings.MEDIA_ROOT, tmp_path / "worker.log", pool="solo")
        wait_until(
            lambda: AlignmentExport.objects.get(pk=queued.pk).status == "ready",
            seconds=120,
            what="the export built",
            log=worker.log,
        )
    finally:
        try:
            if worker is not None:
                worker.stop()
            web.stop()
        finally:
            redis.stop()
    assert AlignmentExport.objects.filter(status="requested").count() == 0
