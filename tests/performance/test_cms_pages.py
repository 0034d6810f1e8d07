"""The CMS pages of the performance pipeline: pipeline runs (start, follow, resume), every ACO compared,
and published benchmarks. CMS admins write, CMS reviewers read, ACO people get 404."""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Callable
from decimal import Decimal

import pytest
from django.test import Client

from apps.accounts.models import User
from apps.acos.models import ACO
from apps.performance.models import PerformanceSummary, PipelineRun, PipelineStep, PublishedBenchmark
from tests.factories import ACOFactory, performance_summary, pipeline_run

pytestmark = pytest.mark.django_db

Clients = Callable[[User | None], Client]


def failed_run() -> PipelineRun:
    """A run whose money step failed after alignment and quality succeeded."""
    run = pipeline_run(status=PipelineRun.Status.FAILED, percent=75, stage="Failed at Money inputs", message="boom")
    run.steps.filter(name=PipelineStep.Name.MONEY).update(
        status=PipelineStep.Status.FAILED, message="Money inputs failed: the disk is full"
    )
    run.steps.filter(name=PipelineStep.Name.SUMMARIES).update(status=PipelineStep.Status.WAITING, attempts=0)
    return run


# --------------------------------------------------------------------------------------------------
# Pipeline runs
# --------------------------------------------------------------------------------------------------
def test_a_cms_admin_starts_a_run_a_reviewer_cannot_and_aco_people_never_see_the_page(
    cms_admin: User, cms_reviewer: User, admin: User, client_for: Clients
) -> None:
    client = client_for(cms_admin)
    page = client.get("/performance/runs/").content.decode()
    assert "Start pipeline run" in page and "No pipeline run yet" in page

    response = client.post("/performance/runs/", {"performance_year": "2027", "as_of": "2026-07-01"})
    assert response.status_code == 400 and "must fall in 2027" in response.content.decode()
    response = client.post("/performance/runs/", {"performance_year": "2027", "as_of": "07/01/2027"})
    assert response.status_code == 400 and "Enter the date as YYYY-MM-DD." in response.content.decode()
    response = client.post("/performance/runs/", {"performance_year": "1999"})
    assert response.status_code == 400 and "Select a valid choice" in response.content.decode()
    assert not PipelineRun.objects.exists()

    response = client.post("/performance/runs/", {"performance_year": "2027", "as_of": "2027-06-30"})
    run = PipelineRun.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/performance/runs/{run.pk}/"
    assert (run.performance_year, run.as_of, run.trigger, run.created_by) == (
        2027,
        dt.date(2027, 6, 30),
        PipelineRun.Trigger.PAGE,
        cms_admin,
    )
    assert list(run.steps.values_list("name", flat=True)) == [
        "risk",
        "alignment",
        "quality",
        "rural",
        "duals",
        "episodes",
        "glp1",
        "money",
        "summaries",
    ]
    history = client.get("/performance/runs/").content.decode()
    assert f"Run {run.pk}" in history and "Started by a CMS admin" in history and "cms.admin" in history

    reviewer = client_for(cms_reviewer)
    page = reviewer.get("/performance/runs/").content.decode()
    assert f"Run {run.pk}" in page and "Start pipeline run" not in page
    assert reviewer.post("/performance/runs/", {"performance_year": "2027"}).status_code == 403
    assert reviewer.post("/performance/runs/", {}).status_code == 403  # refused before the body is read
    assert PipelineRun.objects.count() == 1

    aco_admin = client_for(admin)
    assert aco_admin.get("/performance/runs/").status_code == 404
    assert aco_admin.get(f"/performance/runs/{run.pk}/").status_code == 404
    assert aco_admin.post("/performance/runs/", {"performance_year": "2027"}).status_code == 404
    assert PipelineRun.objects.count() == 1


def test_a_running_run_refreshes_itself_and_a_finished_one_stops(cms_reviewer: User, client_for: Clients) -> None:
    run = pipeline_run(status=PipelineRun.Status.RUNNING, stage="Quality measures", percent=52, finished_at=None)
    run.steps.filter(name__in=["quality", "rural", "duals", "money", "summaries"]).update(
        status=PipelineStep.Status.WAITING
    )
    run.steps.filter(name="summaries").update(shards_total=4, shards_done=1)
    client = client_for(cms_reviewer)

    page = client.get(f"/performance/runs/{run.pk}/").content.decode()
    assert "<html" in page and f'hx-get="/performance/runs/{run.pk}/"' in page and 'hx-trigger="every 1s"' in page
    assert 'value="52"' in page and "Quality measures" in page
    assert "1 of 4" in page  # the summaries step's ACOs done of the total

    part = client.get(f"/performance/runs/{run.pk}/", HTTP_HX_REQUEST="true").content.decode()
    assert "<html" not in part and 'id="run-progress"' in part and "hx-trigger" in part

    PipelineRun.objects.filter(pk=run.pk).update(status=PipelineRun.Status.SUCCEEDED, stage="Done", percent=100)
    part = client.get(f"/performance/runs/{run.pk}/", HTTP_HX_REQUEST="true").content.decode()
    assert "hx-trigger" not in part and '<strong id="run-status">Done</strong>' in part
    assert client.get("/performance/runs/999999/").status_code == 404


def test_a_failed_run_says_which_step_and_why_and_only_an_admin_may_resume_it(
    cms_admin: User, cms_reviewer: User, client_for: Clients
) -> None:
    run = failed_run()
    reviewer = client_for(cms_reviewer)
    page = reviewer.get(f"/performance/runs/{run.pk}/").content.decode()
    assert "The money inputs step failed" in page and "Money inputs failed: the disk is full" in page
    assert "Resume run" not in page
    assert reviewer.post(f"/performance/runs/{run.pk}/resume/").status_code == 403
    run.refresh_from_db()
    assert run.status == PipelineRun.Status.FAILED

    client = client_for(cms_admin)
    assert f"Resume run {run.pk}" in client.get(f"/performance/runs/{run.pk}/").content.decode()
    response = client.post(f"/performance/runs/{run.pk}/resume/", follow=True)
    assert response.redirect_chain == [(f"/performance/runs/{run.pk}/", 302)]
    assert f"Pipeline run {run.pk} resumes where it stopped." in response.content.decode()
    run.refresh_from_db()
    money = run.steps.get(name=PipelineStep.Name.MONEY)
    assert (run.status, run.stage, run.finished_at) == (PipelineRun.Status.RUNNING, "Resuming: Money inputs", None)
    assert (money.status, money.message) == (PipelineStep.Status.WAITING, "")
    # What was done stays done.
    assert run.steps.get(name=PipelineStep.Name.ALIGNMENT).status == PipelineStep.Status.SUCCEEDED

    assert client.get(f"/performance/runs/{run.pk}/resume/").status_code == 405
    assert client.post("/performance/runs/999999/resume/").status_code == 404


def test_resuming_a_finished_run_says_there_is_nothing_to_resume(cms_admin: User, client_for: Clients) -> None:
    run = pipeline_run()
    response = client_for(cms_admin).post(f"/performance/runs/{run.pk}/resume/", follow=True)
    assert "This run has finished: there is nothing to resume." in response.content.decode()
    run.refresh_from_db()
    assert run.status == PipelineRun.Status.SUCCEEDED


def test_a_succeeded_run_links_to_each_acos_pages(aco: ACO, cms_reviewer: User, client_for: Clients) -> None:
    run = pipeline_run()
    performance_summary(aco, run)
    page = client_for(cms_reviewer).get(f"/performance/runs/{run.pk}/").content.decode()
    assert f'href="/acos/{aco.aco_id}/?py=2027"' in page
    assert "$3,392,995 (estimate)" in page  # the factory's year at $9,000,000 of expenditure
    assert "1,020" in page  # aligned


# --------------------------------------------------------------------------------------------------
# All ACOs compared
# --------------------------------------------------------------------------------------------------
@pytest.fixture
def three_acos() -> dict[str, ACO]:
    """Three ACOs of the factory's year (12,240 member-months; published benchmarks $1,000 A&D and
    $8,000 ESRD: $13,920,000, $1,137.25 PBPM) spending $6,120,000, $9,000,000 and $12,240,000: PBPMs of
    $500.00, $735.29 and $1,000.00, so settlements fall in that order. The middle one has no TQS."""
    acos = {
        name: ACOFactory.create(aco_id=aco_id)
        for name, aco_id in [("low", "L0201"), ("mid", "L0202"), ("high", "L0203")]
    }
    run = pipeline_run()
    performance_summary(acos["low"], run, expenditure="6120000")
    mid = performance_summary(acos["mid"], run, expenditure="9000000")
    mid.data["alignment"]["risk"] = {
        "years": [2027],
        "cohorts": [{"cohort": "all", "label": "All", "scores": {"2027": 1.0375}}],
    }
    mid.data["quality"]["tqs"] = None
    mid.save()
    performance_summary(acos["high"], run, expenditure="12240000")
    return acos


def _table(page: str) -> str:
    """The comparison table's HTML."""
    start = page.index('id="compare"')
    return page[start : page.index("</table>", start)]


def _order(page: str, aco_ids: list[str]) -> list[str]:
    table = _table(page)
    return sorted(aco_ids, key=lambda a: table.index(f">{a}</a>"))


def test_the_comparison_shows_every_acos_figures_as_estimates(
    three_acos: dict[str, ACO], cms_reviewer: User, client_for: Clients
) -> None:
    page = client_for(cms_reviewer).get("/performance/acos/?py=2027").content.decode()
    assert "are estimates by the portal's rule, not CMS determinations" in page
    table = _table(page)
    assert "$500.00" in table and "$735.29" in table and "$1,000.00" in table  # expenditure / 12,240
    assert table.count("$1,137.25") == 3  # $13,920,000 / 12,240, every ACO
    assert table.count("29.4%") == 3  # High Needs share
    assert table.count("12,240") == 3
    assert table.count("80.0") == 2  # the TQS; the middle ACO has none
    assert "Average risk score" in table and "1.038" in table  # the middle ACO's PY average (1.0375)
    assert f'href="/acos/{three_acos["low"].aco_id}/?py=2027"' in page  # drill-down to the ACO
    assert 'data-figure="settlement-figure"' in page and 'id="settlement-figure"' in page
    assert 'data-figure="pbpm-figure"' in page and 'id="pbpm-table"' in page  # each chart has its table


def test_the_comparison_sorts_on_the_server_by_any_column(
    three_acos: dict[str, ACO], cms_reviewer: User, client_for: Clients
) -> None:
    client = client_for(cms_reviewer)
    ids = [a.aco_id for a in three_acos.values()]
    low, mid, high = ids

    def order(sort: str) -> list[str]:
        return _order(client.get(f"/performance/acos/?py=2027&sort={sort}").content.decode(), ids)

    assert order("pbpm") == [low, mid, high]
    assert order("-pbpm") == [high, mid, low]
    assert order("settlement") == [high, mid, low]
    assert order("-settlement") == [low, mid, high]
    assert order("savings_pct") == [high, mid, low]
    assert order("-aco") == [high, mid, low]
    # The ACO without a TQS comes last whichever the direction; the others tie (80) in ACO order.
    assert order("tqs") == [low, high, mid]
    assert order("-tqs") == [low, high, mid]
    assert order("nonsense") == [low, mid, high]  # unknown: by ACO

    page = client.get("/performance/acos/?py=2027&sort=pbpm").content.decode()
    assert '<th scope="col" aria-sort="ascending"><a href="?py=2027&amp;sort=-pbpm"' in page  # a click turns it round
    assert 'href="?py=2027&amp;sort=settlement"' in page  # another column starts ascending


def test_the_comparison_reads_each_acos_latest_successful_run(
    aco: ACO, cms_reviewer: User, client_for: Clients
) -> None:
    old = pipeline_run()
    performance_summary(aco, old, expenditure="6120000")
    new = pipeline_run()
    performance_summary(aco, new, expenditure="12240000")
    broken = pipeline_run(status=PipelineRun.Status.FAILED)
    performance_summary(aco, broken, expenditure="9000000")
    other_year = pipeline_run(performance_year=2028)
    performance_summary(aco, other_year, expenditure="9000000")

    gone = ACOFactory.create()  # summarised by the old run only: its figures stay, marked with their run
    performance_summary(gone, old, expenditure="6120000")

    page = client_for(cms_reviewer).get("/performance/acos/?py=2027").content.decode()
    table = _table(page)
    assert "$1,000.00" in table and "$735.29" not in page
    assert table.count("$500.00") == 1  # the other ACO's, from the old run
    assert f'(latest: <a href="/performance/runs/{new.pk}/">run {new.pk}</a>' in page
    assert f'(from <a href="/performance/runs/{old.pk}/">run {old.pk}</a>)' in page
    assert PerformanceSummary.objects.count() == 5


def test_the_comparison_downloads_as_csv(three_acos: dict[str, ACO], cms_reviewer: User, client_for: Clients) -> None:
    response = client_for(cms_reviewer).get("/performance/acos/?py=2027&sort=-pbpm&format=csv")
    assert response["Content-Disposition"] == 'attachment; filename="lead-aco-comparison-py2027-estimates.csv"'
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0][:5] == ["ACO", "Name", "Pipeline run", "Claims through", "Aligned beneficiaries"]
    assert [r[0] for r in rows[1:]] == ["L0203", "L0202", "L0201"]
    header = rows[0]
    high = dict(zip(header, rows[1], strict=True))
    assert high["PBPM ($, estimate)"] == "1000.0" and high["Benchmark PBPM ($, estimate)"] == "1137.25"
    assert high["Member-months"] == "12240" and high["Claims through"] == "2027-12"
    assert dict(zip(header, rows[2], strict=True))["Total Quality Score"] == ""  # no TQS: empty, not "None"


def test_a_loss_shows_its_sign(aco: ACO, cms_reviewer: User, client_for: Clients) -> None:
    summary = performance_summary(aco, expenditure="16000000")  # above the $13,920,000 benchmark
    settlement = summary.data["settlement"]["estimated_settlement"]
    assert settlement < 0
    page = client_for(cms_reviewer).get("/performance/acos/?py=2027").content.decode()
    assert f"−${abs(settlement):,.0f}" in page


def test_the_comparison_says_so_before_any_run(cms_admin: User, admin: User, client_for: Clients) -> None:
    page = client_for(cms_admin).get("/performance/acos/?py=2027").content.decode()
    assert "No figures for PY2027 yet" in page and 'href="/performance/runs/"' in page
    assert 'id="compare"' not in page and "settlement-figure" not in page
    assert client_for(admin).get("/performance/acos/").status_code == 404


# --------------------------------------------------------------------------------------------------
# Published benchmarks
# --------------------------------------------------------------------------------------------------
def test_a_cms_admin_enters_replaces_and_removes_a_published_benchmark(
    aco: ACO, cms_admin: User, client_for: Clients
) -> None:
    client = client_for(cms_admin)
    assert (
        "No published benchmark is entered for PY2027"
        in client.get("/performance/benchmarks/?py=2027").content.decode()
    )
    body = {
        "aco": aco.aco_id,
        "performance_year": "2027",
        "cohort": "aged_disabled",
        "pbpm": "1043.27",
        "source": "PY2027 benchmark report, 2027-02-15",
    }
    response = client.post("/performance/benchmarks/", body, follow=True)
    assert response.redirect_chain == [("/performance/benchmarks/?py=2027", 302)]
    assert "It takes effect at the next pipeline run of PY2027." in response.content.decode()
    item = PublishedBenchmark.objects.get()
    assert (item.aco, item.performance_year, item.cohort, item.pbpm, item.entered_by) == (
        aco,
        2027,
        "aged_disabled",
        Decimal("1043.27"),
        cms_admin,
    )
    assert "$1,043.27" in response.content.decode()

    client.post("/performance/benchmarks/", {**body, "pbpm": " $1,100 "})  # as people type it
    assert PublishedBenchmark.objects.get().pbpm == Decimal("1100.00")  # replaced, not added

    response = client.post("/performance/benchmarks/", {"remove": str(item.pk)}, follow=True)
    assert "the next pipeline run estimates it again" in response.content.decode()
    assert not PublishedBenchmark.objects.exists()


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"aco": ""}, "Choose an ACO."),
        ({"aco": "Z9999"}, "Choose an ACO."),
        ({"cohort": "children"}, "Choose a cohort."),
        ({"performance_year": "1999"}, "Select a valid choice"),
        ({"pbpm": ""}, "Enter the PBPM CMS published."),
        ({"pbpm": "-5"}, "Ensure this value is greater than or equal to 0.01."),
        ({"pbpm": "0"}, "Ensure this value is greater than or equal to 0.01."),
        ({"pbpm": "10.555"}, "Ensure that there are no more than 2 decimal places."),
        ({"pbpm": "123456789"}, "Ensure that there are no more than 8 digits before the decimal point."),
        ({"pbpm": "lots"}, "Enter a number."),
        ({"pbpm": "NaN"}, "Enter a number."),
        ({"source": ""}, "Say where CMS published it."),
    ],
)
def test_a_published_benchmark_is_checked_before_anything_is_saved(
    aco: ACO, cms_admin: User, client_for: Clients, change: dict[str, str], message: str
) -> None:
    body = {"aco": aco.aco_id, "performance_year": "2027", "cohort": "esrd", "pbpm": "8000", "source": "report"}
    response = client_for(cms_admin).post("/performance/benchmarks/", {**body, **change})
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not PublishedBenchmark.objects.exists()


def test_a_reviewer_reads_published_benchmarks_but_cannot_change_them(
    aco: ACO, cms_admin: User, cms_reviewer: User, admin: User, client_for: Clients
) -> None:
    item = PublishedBenchmark.objects.create(
        aco=aco, performance_year=2027, cohort="esrd", pbpm=Decimal("8000"), source="report", entered_by=cms_admin
    )
    reviewer = client_for(cms_reviewer)
    page = reviewer.get("/performance/benchmarks/?py=2027").content.decode()
    assert "$8,000.00" in page and "ESRD" in page and "report" in page
    assert "Save benchmark" not in page and "Remove" not in page
    body = {"aco": aco.aco_id, "performance_year": "2027", "cohort": "esrd", "pbpm": "1", "source": "x"}
    assert reviewer.post("/performance/benchmarks/", body).status_code == 403
    assert reviewer.post("/performance/benchmarks/", {"remove": str(item.pk)}).status_code == 403
    assert PublishedBenchmark.objects.get().pbpm == Decimal("8000.00")
    assert client_for(admin).get("/performance/benchmarks/").status_code == 404
