"""Audit defects 5 and 6 without real services: a job whose worker died is taken over or closed by the
workers' sweep, a stalled pipeline run offers Resume, a job the queue does not take is failed with the
reason (and the page or the API says so), and the portal's cache serves without Redis.

The real-service versions (a worker killed with SIGKILL, a Redis server stopped) are in
tests/integration/test_worker_recovery.py and tests/integration/test_redis_outage.py.

Times: ``JOB_STALE_SECONDS`` is 180 by default; "stale" below is a heartbeat 10 minutes old, "fresh" one
10 seconds old.
"""

from __future__ import annotations

import datetime as dt
import logging
import runpy
import socket
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone
from kombu.exceptions import OperationalError as BrokerError

from apps.accounts.models import User
from apps.acos.models import ACO
from apps.alignment import services as alignment_services
from apps.alignment.models import AlignmentExport, AlignmentRun
from apps.alignment.tasks import alignment_export_task
from apps.claims import services as claims_services
from apps.claims.models import IngestRun
from apps.performance import services
from apps.performance.models import PerformanceReport, PipelineRun, PipelineStep
from apps.performance.tasks import pipeline_step_task, report_build_task
from lead_portal import jobs
from lead_portal.celery import app
from tests.factories import aligned, alignment_run, performance_summary, pipeline_run

pytestmark = pytest.mark.django_db

Clients = Callable[[User | None], Client]
ROOT = Path(__file__).resolve().parents[2]
STALE = dt.timedelta(minutes=10)
FRESH = dt.timedelta(seconds=10)


def money_running(*, heartbeat_ago: dt.timedelta, attempts: int = 1, task_id: str = "dead-task") -> PipelineRun:
    """A run whose first four steps are done and whose money step a worker took (``task_id``)."""
    run = pipeline_run(status=PipelineRun.Status.RUNNING, stage="Money inputs", percent=78, finished_at=None)
    run.steps.filter(name="money").update(
        status=PipelineStep.Status.RUNNING,
        task_id=task_id,
        attempts=attempts,
        started_at=timezone.now() - heartbeat_ago,
        heartbeat_at=timezone.now() - heartbeat_ago,
        finished_at=None,
    )
    run.steps.filter(name="summaries").update(status=PipelineStep.Status.WAITING, attempts=0)
    return run


@pytest.fixture
def sent(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, tuple[Any, ...], str | None]]:
    """What the code under test queued (task name, args, task id) instead of a broker."""
    queued: list[tuple[str, tuple[Any, ...], str | None]] = []

    def send(name: str, *args: Any, what: str, task_id: str | None = None) -> None:
        queued.append((name, args, task_id))

    monkeypatch.setattr(jobs, "send", send)
    return queued


def broker_down(monkeypatch: pytest.MonkeyPatch, *tasks: Any) -> None:
    """Publishing ``tasks`` fails as it does with Redis stopped (kombu's OperationalError); Celery is not
    eager (as with a broker: the embedded mode has none to lose)."""
    monkeypatch.setitem(app.conf, "task_always_eager", False)

    def refuse(*args: Any, **kwargs: Any) -> None:
        raise BrokerError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    for task in tasks:
        monkeypatch.setattr(task, "apply_async", refuse)


# --------------------------------------------------------------------------------------------------
# A worker that died: the sweep
# --------------------------------------------------------------------------------------------------
def test_the_sweep_takes_over_a_step_whose_worker_stopped_heartbeating(sent: list[Any]) -> None:
    run = money_running(heartbeat_ago=STALE)
    assert services.pipeline_steps_take_over() == 1
    money = run.steps.get(name="money")
    # Queued again under a new task id: the dead worker's own message, redelivered hours later by the
    # broker, finds the step owned by another task and does nothing.
    [(name, args, task_id)] = sent
    assert (name, args) == (pipeline_step_task.name, (run.pk, "money"))
    assert task_id and task_id.startswith("takeover-") and money.task_id == task_id
    assert money.status == PipelineStep.Status.RUNNING and jobs.is_stale(money.heartbeat_at) is False
    assert money.message.startswith("Taken over: the worker running it stopped reporting (last heard from ")
    run.refresh_from_db()
    assert run.stage == "Money inputs: taken over from a stopped worker"
    # A second sweep (another worker's) finds nothing more to take.
    assert services.pipeline_steps_take_over() == 0 and len(sent) == 1


def test_the_sweep_leaves_a_step_whose_worker_is_alive_alone(sent: list[Any]) -> None:
    run = money_running(heartbeat_ago=FRESH)
    assert services.pipeline_steps_take_over() == 0
    assert sent == [] and run.steps.get(name="money").task_id == "dead-task"


def test_a_step_that_killed_its_worker_too_often_fails_with_the_reason(sent: list[Any], settings: Any) -> None:
    settings.JOB_MAX_ATTEMPTS = 3
    run = money_running(heartbeat_ago=STALE, attempts=3)
    assert services.pipeline_steps_take_over() == 0 and sent == []
    run.refresh_from_db()
    money = run.steps.get(name="money")
    assert run.status == money.status == "failed"
    assert "Money inputs failed: the worker running it stopped 3 times" in run.message
    assert "killed, or out of memory?" in money.message


def test_a_taken_over_steps_late_result_is_discarded() -> None:
    """The old task (a worker that only looked dead) finishing after the take-over changes nothing."""
    run = money_running(heartbeat_ago=STALE)
    step = run.steps.get(name="money")
    PipelineStep.objects.filter(pk=step.pk).update(task_id="takeover-1")
    assert services._succeed(step, rows=5, message="late", seconds=1.0) is False
    step.refresh_from_db()
    assert (step.status, step.task_id, step.rows) == ("running", "takeover-1", 0)


def test_a_heartbeat_stamps_its_rows() -> None:
    run = money_running(heartbeat_ago=STALE)
    rows = PipelineStep.objects.filter(run=run, name="money")
    jobs.Heartbeat(rows).beat()
    assert not jobs.is_stale(rows.get().heartbeat_at)


def test_a_load_left_running_by_a_dead_worker_is_failed_with_the_reason() -> None:
    long_ago = timezone.now() - STALE
    dead = IngestRun.objects.create(source="P.zip", status="running", started_at=long_ago, heartbeat_at=long_ago)
    alive = IngestRun.objects.create(source="Q.zip", status="running", started_at=long_ago, heartbeat_at=timezone.now())
    assert claims_services.ingest_runs_take_over() == 1
    dead.refresh_from_db()
    alive.refresh_from_db()
    assert dead.status == "failed" and dead.finished_at is not None
    assert "The process loading this package stopped" in dead.message and "Load the package again." in dead.message
    assert alive.status == "running"


def test_an_alignment_run_left_running_by_a_dead_worker_is_failed_with_the_reason(aco: ACO) -> None:
    long_ago = timezone.now() - STALE
    dead = alignment_run(status="running", finished_at=None, started_at=long_ago, heartbeat_at=long_ago)
    alive = alignment_run(status="running", finished_at=None, started_at=long_ago, heartbeat_at=timezone.now())
    done = alignment_run()
    export = AlignmentExport.objects.create(aco=aco, run=done, format="csv", status="running")
    AlignmentExport.objects.filter(pk=export.pk).update(created_at=timezone.now() - dt.timedelta(hours=2))
    assert alignment_services.alignment_jobs_take_over() == 2
    dead.refresh_from_db()
    alive.refresh_from_db()
    export.refresh_from_db()
    assert dead.status == "failed" and "The worker computing this run stopped" in dead.message
    assert alive.status == AlignmentRun.Status.RUNNING
    assert export.status == "failed" and "Request it again." in export.message


def test_a_report_still_waiting_long_after_it_was_queued_is_queued_again_once(aco: ACO, sent: list[Any]) -> None:
    summary = performance_summary(aco)
    waiting = PerformanceReport.objects.create(summary=summary, aco=aco, performance_year=2027, format="pdf")
    recent = PerformanceReport.objects.create(summary=summary, aco=aco, performance_year=2027, format="csv")
    PerformanceReport.objects.filter(pk=waiting.pk).update(created_at=timezone.now() - STALE)
    assert services.reports_take_over() == 1
    assert sent == [(report_build_task.name, (waiting.pk,), None)]
    assert services.reports_take_over() == 0  # not again until that stamp is stale too
    recent.refresh_from_db()
    assert recent.queued_at is None


def test_the_broker_gives_a_killed_workers_message_back_only_after_the_longest_task_could_run() -> None:
    """kill -9 leaves a message unacknowledged; Redis hands it out again after the visibility timeout.
    Shorter than a task's hard time limit, a task still running would be handed to a second worker; so it
    is longer than the longest one, and the sweep (minutes) does the recovering."""
    app.loader.import_default_modules()  # every app's tasks module
    limits = [t.time_limit for name, t in app.tasks.items() if name.startswith("apps.") and t.time_limit]
    assert max(limits) == 4 * 3600  # the CCLF load
    assert app.conf.broker_transport_options["visibility_timeout"] > max(limits)
    assert app.conf.task_ignore_result is True  # nothing reads results: no result store to wait on


# --------------------------------------------------------------------------------------------------
# A stalled run offers Resume
# --------------------------------------------------------------------------------------------------
def test_a_stalled_run_offers_resume_to_an_admin_and_resumes(
    cms_admin: User, cms_reviewer: User, client_for: Clients
) -> None:
    run = money_running(heartbeat_ago=STALE)
    page = client_for(cms_reviewer).get(f"/performance/runs/{run.pk}/").content.decode()
    assert "This run has stalled" in page and "has not reported for over 3 minutes" in page
    assert "Resume run" not in page  # reviewers read

    client = client_for(cms_admin)
    assert f"Resume run {run.pk}" in client.get(f"/performance/runs/{run.pk}/").content.decode()
    response = client.post(f"/performance/runs/{run.pk}/resume/", follow=True)
    assert f"Pipeline run {run.pk} resumes where it stopped." in response.content.decode()
    money = run.steps.get(name="money")
    assert (money.status, money.task_id) == (PipelineStep.Status.WAITING, "")
    api = client.get(f"/api/performance/runs/{run.pk}/").json()
    assert api["stalled"] == "" and "heartbeat_at" in api["steps"][0]


def test_a_run_no_worker_picked_up_is_stalled_too(cms_admin: User, client_for: Clients) -> None:
    run = pipeline_run(status=PipelineRun.Status.REQUESTED, finished_at=None, started_at=None, percent=0)
    run.steps.update(status=PipelineStep.Status.WAITING, attempts=0, finished_at=None)
    PipelineRun.objects.filter(pk=run.pk).update(created_at=timezone.now() - STALE)
    page = client_for(cms_admin).get(f"/performance/runs/{run.pk}/").content.decode()
    assert "No worker has taken the risk scores step for over 3 minutes." in page and "Resume run" in page


def test_a_run_that_is_working_is_not_resumed(cms_admin: User, client_for: Clients) -> None:
    run = money_running(heartbeat_ago=FRESH, task_id="live-task")
    client = client_for(cms_admin)
    assert "Resume run" not in client.get(f"/performance/runs/{run.pk}/").content.decode()
    response = client.post(f"/performance/runs/{run.pk}/resume/", follow=True)
    assert "This run is working (Money inputs): there is nothing to resume." in response.content.decode()
    assert run.steps.get(name="money").task_id == "live-task"  # not run twice


# --------------------------------------------------------------------------------------------------
# A job the queue does not take: failed with the reason, and said so
# --------------------------------------------------------------------------------------------------
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_report_that_cannot_be_queued_is_failed_and_the_page_says_so(
    aco: ACO,
    admin: User,
    client_for: Clients,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Real commits (``transaction=True``): the job is queued when its row commits, inside the request."""
    performance_summary(aco)
    broker_down(monkeypatch, report_build_task)
    client = client_for(admin)
    response = client.post(f"/acos/{aco.aco_id}/reports/", {"format": "pdf", "performance_year": "2027"})
    assert response.status_code == 302
    page = client.get(response["Location"]).content.decode()
    said = "The report could not be started: the job queue is not answering. Nothing was started; please try again"
    assert said in page
    report = PerformanceReport.objects.get()
    assert report.status == "failed" and report.message.startswith("The report could not be started")

    answer = client.post(f"/api/acos/{aco.aco_id}/performance/reports/", {"format": "csv", "performance_year": 2027})
    assert answer.status_code == 503 and answer.json()["detail"].startswith("The report could not be started")
    assert not PerformanceReport.objects.filter(status="requested").exists()


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_an_export_that_cannot_be_queued_is_failed_and_the_page_says_so(
    aco: ACO,
    admin: User,
    client_for: Clients,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    run = alignment_run()
    aligned(run, aco, "1EG4TE5MK73")
    broker_down(monkeypatch, alignment_export_task)
    client = client_for(admin)
    response = client.post(f"/acos/{aco.aco_id}/beneficiaries/exports/", {"format": "csv", "run": run.pk})
    assert response.status_code == 302
    page = client.get(response["Location"]).content.decode()
    assert "The export could not be started: the job queue is not answering." in page
    export = AlignmentExport.objects.get()
    assert export.status == "failed" and "Nothing was started" in export.message

    answer = client.post(f"/api/acos/{aco.aco_id}/alignment/exports/?run={run.pk}", {"format": "xlsx"})
    assert answer.status_code == 503, answer.content
    assert not AlignmentExport.objects.filter(status__in=("requested", "running")).exists()


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_pipeline_run_that_cannot_be_queued_is_failed_and_offers_resume(
    cms_admin: User, client_for: Clients, monkeypatch: pytest.MonkeyPatch
) -> None:
    broker_down(monkeypatch, pipeline_step_task)
    client = client_for(cms_admin)
    response = client.post("/performance/runs/", {"performance_year": "2027"}, follow=True)
    assert response.status_code == 200
    run = PipelineRun.objects.get()
    assert f"Pipeline run {run.pk} could not be started: the job queue is not answering." in response.content.decode()
    assert run.status == "failed" and "Resume starts it." in run.message
    assert f"Resume run {run.pk}" in client.get(f"/performance/runs/{run.pk}/").content.decode()


# --------------------------------------------------------------------------------------------------
# The cache: Redis away
# --------------------------------------------------------------------------------------------------
def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def portal_caches(redis_url: str, monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    """``CACHES`` exactly as the portal's settings make it for ``REDIS_URL``."""
    monkeypatch.setenv("REDIS_URL", redis_url)
    monkeypatch.setenv("DJANGO_SECRET_KEY", "cache-test-key-not-a-secret-0123456789-0123456789")
    caches: dict[str, Any] = runpy.run_path(str(ROOT / "lead_portal" / "settings" / "base.py"))["CACHES"]
    return caches


def test_pages_serve_without_the_cache_when_redis_is_away(
    aco: ACO,
    admin: User,
    client_for: Clients,
    settings: Any,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    performance_summary(aco)
    run = alignment_run()
    aligned(run, aco, "1EG4TE5MK73", first_name="Grace", last_name="Hopper")
    client = client_for(admin)
    settings.CACHES = portal_caches(f"redis://127.0.0.1:{closed_port()}/0", monkeypatch)
    with caplog.at_level(logging.WARNING, logger="lead_portal.cache"):
        for url in (f"/acos/{aco.aco_id}/?py=2027", f"/acos/{aco.aco_id}/money/?py=2027"):
            response = client.get(url)
            assert response.status_code == 200 and "Estimated settlement" in response.content.decode(), url
        response = client.get(f"/acos/{aco.aco_id}/beneficiaries/?py=2027")
        assert response.status_code == 200 and "Hopper" in response.content.decode()
    # Said once for the outage, not once per cache call.
    assert [r.getMessage() for r in caplog.records].count(caplog.records[0].getMessage()) == 1
    assert "serving without the cache" in caplog.records[0].getMessage()


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_an_upload_that_cannot_be_queued_is_failed_and_the_page_says_so(
    cms_admin: User, client_for: Clients, monkeypatch: pytest.MonkeyPatch
) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    from apps.claims.tasks import ingest_run_task

    broker_down(monkeypatch, ingest_run_task)
    client = client_for(cms_admin)
    upload = SimpleUploadedFile("package.zip", b"PK\x05\x06" + b"\0" * 18, content_type="application/zip")
    response = client.post("/claims/ingest/", {"file": upload}, follow=True)
    assert response.status_code == 200
    assert "The load could not be started: the job queue is not answering." in response.content.decode()
    run = IngestRun.objects.get()
    assert run.status == "failed" and "Nothing was started" in run.message


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_notification_the_queue_does_not_take_leaves_the_change_standing(
    aco: ACO, admin: User, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """Submitting a plan commits, then queues the e-mail to CMS: with the queue away the submission
    stands (no exception for the page to turn into a 500) and the lost e-mail is logged."""
    from apps.reviews import registry
    from apps.reviews import services as reviews
    from apps.reviews.models import ReviewCase
    from apps.reviews.tasks import review_transition_notify

    kind = registry.ReviewKind(
        key="outage_plan",
        label="Plan",
        can_act_for_aco=lambda user, case: user == admin,
        aco_recipients=lambda case: [admin.email],
        url=lambda case: f"/plans/{case.pk}/",
    )
    monkeypatch.setitem(registry._KINDS, kind.key, kind)
    broker_down(monkeypatch, review_transition_notify)
    draft = reviews.case_create(kind=kind.key, title="Plan", content={"aco_id": aco.aco_id}, acting_user=admin)
    with caplog.at_level(logging.ERROR, logger="lead_portal.jobs"):
        reviews.case_submit(case=draft, acting_user=admin)
    assert ReviewCase.objects.get(pk=draft.pk).state == "submitted"
    assert "not sent: the job queue is not answering" in caplog.text
    with pytest.raises(jobs.QueueUnavailable, match="^The report could not be started: the job queue"):
        jobs.send(review_transition_notify.name, 1, what="The report")
