"""Every URL of the portal, from the URL resolver, and how to fill in its keywords for one ACO.

Shared by the tenancy matrix (tests/test_tenancy_matrix.py: who may reach a URL) and the leak scanner
(tests/leaks/: what the answer contains). A page or endpoint added by any app joins both without anyone
listing it; a route whose URL has a keyword this file does not know fails
``test_every_url_keyword_is_registered``: add a builder to ``KWARG_VALUES`` that returns a value
belonging to the given ACO (making the row when the world has none), and, when the keyword takes a few
values that each answer something different (a format, a chart), list them in ``KWARG_CHOICES``.
"""

from __future__ import annotations

import datetime as dt
import itertools
import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from django.core.files.base import ContentFile
from django.urls import URLPattern, URLResolver, get_resolver
from django.urls.resolvers import RoutePattern

from apps.acos.models import ACO

# Django's admin is skipped: it has its own staff-only login (is_staff) and sits behind the second
# factor (tests/accounts/test_auth.py checks /admin/ sends unverified staff to /accounts/verify/).
# Static files are served by WhiteNoise's middleware, not by URL patterns, so they never show up.
SKIP_PREFIXES = ("admin/",)

# Reachable without signing in, by design.
PUBLIC = {
    "accounts:login",
    "accounts:logout",
    "api_token",  # exchanges a username and password for an API token
}
# Any signed-in person; what they show is scoped by the selectors (tested in tests/acos/).
SIGNED_IN = {
    "home",
    "aco_switch",
    "accounts:verify",
    "accounts:mfa_setup",
    "api_aco_list",
    "api_schema",  # the API's shape, no data: signed-in users only (SERVE_PERMISSIONS)
    "api_docs",
    "api_quality_measures",  # the measure catalogue: no ACO data
    "api_token_logout",  # revokes the caller's own API token (token-authenticated only)
    "api_token_logout_all",  # revokes all the caller's own API tokens
}

KWARG_RE = re.compile(r"<(?:[^>:]+:)?([^>]+)>")


@dataclass(frozen=True)
class Route:
    route: str  # "acos/<str:aco_id>/participants/<int:row_id>/edit/"
    name: str  # "acos:participant_edit" (the route itself when unnamed)
    kwargs: tuple[str, ...]
    methods: frozenset[str]  # the HTTP methods the view answers (GET, POST, PUT, PATCH, DELETE)
    buildable: bool  # False for regex routes, which this file cannot fill in

    @property
    def is_api(self) -> bool:
        return self.route.startswith("api/")

    @property
    def aco_scoped(self) -> bool:
        return "aco_id" in self.kwargs


def _methods(callback: Any) -> frozenset[str]:
    actions = getattr(callback, "actions", None)  # a DRF viewset bound to {"get": "list", ...}
    if actions:
        return frozenset(m.upper() for m in actions)
    view_class = getattr(callback, "view_class", None) or getattr(callback, "cls", None)
    if view_class is not None:
        names = ("get", "post", "put", "patch", "delete")
        return frozenset(m.upper() for m in names if m in view_class.http_method_names and hasattr(view_class, m))
    return frozenset({"GET", "POST"})  # a function view: it may take either


def _walk(resolver: URLResolver, prefix: str = "", namespace: str = "", buildable: bool = True) -> Iterator[Route]:
    for entry in resolver.url_patterns:
        is_route = isinstance(entry.pattern, RoutePattern)
        if isinstance(entry, URLResolver):
            ns = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            yield from _walk(entry, prefix + str(entry.pattern), ns, buildable and is_route)
        elif isinstance(entry, URLPattern):
            route = prefix + str(entry.pattern)
            name = f"{namespace}{entry.name}" if entry.name else route
            yield Route(
                route=route,
                name=name,
                kwargs=tuple(KWARG_RE.findall(route)),
                methods=_methods(entry.callback),
                buildable=buildable and is_route,
            )


# A Preferred Provider user's own pages and endpoints (apps/cara/views_provider.py, api_provider.py): no
# ``aco_id``; only Preferred Provider users get in, and only to their own EBRAs' objects. Everyone else (an
# ACO's people, CMS staff, other signed-in people) gets 404.
PROVIDER_NAMES = ("cara_provider:", "api_provider_")


def is_provider_route(route: Route) -> bool:
    return route.name.startswith(PROVIDER_NAMES)


ROUTES = [r for r in _walk(get_resolver()) if not r.route.startswith(SKIP_PREFIXES)]
ACO_ROUTES = [r for r in ROUTES if r.aco_scoped]
OTHER_ROUTES = [r for r in ROUTES if not r.aco_scoped]
PROVIDER_ROUTES = [r for r in OTHER_ROUTES if is_provider_route(r)]
CMS_ONLY_ROUTES = [r for r in OTHER_ROUTES if r.name not in PUBLIC | SIGNED_IN and not is_provider_route(r)]
SIGNED_IN_ROUTES = [r for r in OTHER_ROUTES if r.name in SIGNED_IN]


# --- keyword values: each returns a value that belongs to ``aco`` -------------------------------


def _first_pk(qs: Any, what: str, aco: ACO) -> int:
    pk = qs.order_by("id").values_list("pk", flat=True).first()
    if pk is None:
        raise LookupError(f"the world has no {what} of ACO {aco.aco_id}")
    return int(pk)


def _row(aco: ACO, route: Route) -> int:
    from apps.acos.models import ParticipantTIN, PreferredProvider

    if "preferred" in route.name:
        return _first_pk(PreferredProvider.objects.filter(aco=aco), "preferred provider", aco)
    return _first_pk(ParticipantTIN.objects.filter(aco=aco), "Participant TIN", aco)


def _performance_year(aco: ACO, route: Route) -> int:
    """The ACO's latest election (the year whose election page exists)."""
    from apps.acos.models import Election

    year = Election.objects.filter(aco=aco).order_by("-performance_year").values_list("performance_year", flat=True)
    return year.first() or 2028


def _run(aco: ACO, route: Route) -> int:
    """Ingest and alignment runs are CMS-only: any run will do (an ACO user must get 404 whatever it is)."""
    from apps.alignment.models import AlignmentRun
    from apps.claims.models import IngestRun

    if route.name.startswith("alignment:"):
        return _first_pk(AlignmentRun.objects.all(), "alignment run", aco)
    run = IngestRun.objects.order_by("id").first() or IngestRun.objects.create(source="matrix.zip")
    return run.pk


def _pipeline_run(aco: ACO, route: Route) -> int:
    """Pipeline runs are CMS-only too: any run will do."""
    from apps.performance.models import PipelineRun

    return (PipelineRun.objects.order_by("id").first() or PipelineRun.objects.create(performance_year=2027)).pk


def _log(aco: ACO, route: Route) -> int:
    from apps.accounts.models import AccessLog

    log = AccessLog.objects.order_by("id").first() or AccessLog.objects.create(
        username="someone", action="view", object_type="participants", aco_code=aco.aco_id, path="/"
    )
    return log.pk


def _mbi(aco: ACO, route: Route) -> str:
    """A beneficiary aligned to the ACO in the latest successful run."""
    from apps.alignment.models import AlignedBeneficiary, AlignmentRun

    row = (
        AlignedBeneficiary.objects.filter(aco=aco, run__status=AlignmentRun.Status.SUCCEEDED)
        .order_by("-run__finished_at", "-run_id", "mbi")
        .first()
    )
    if row is None:
        raise LookupError(f"the world has no aligned beneficiary of ACO {aco.aco_id}")
    return row.mbi


def _export(aco: ACO, route: Route) -> int:
    from apps.alignment.models import AlignmentExport

    return _first_pk(AlignmentExport.objects.filter(aco=aco), "alignment export", aco)


def _report(aco: ACO, route: Route) -> int:
    """A ready performance report of the ACO, from its first summary (made on first use)."""
    from apps.performance.models import PerformanceReport, PerformanceSummary

    report = PerformanceReport.objects.filter(aco=aco).order_by("id").first()
    if report is None:
        summary = PerformanceSummary.objects.filter(aco=aco).order_by("id").first()
        if summary is None:
            raise LookupError(f"the world has no performance summary of ACO {aco.aco_id}")
        report = PerformanceReport.objects.create(
            summary=summary, aco=aco, performance_year=summary.performance_year, format="csv", status="ready"
        )
        report.file.save("matrix.csv", ContentFile(b"section,table,item,measure,value,unit,estimate\n"))
    return report.pk


def _plan(aco: ACO, route: Route) -> int:
    """A BE/BEI implementation plan of the ACO."""
    from apps.benefits.models import ImplementationPlan

    return _first_pk(ImplementationPlan.objects.filter(selection__aco=aco), "implementation plan", aco)


def _attachment(aco: ACO, route: Route) -> int:
    """A file attached to that plan."""
    from apps.benefits.models import PlanAttachment

    plan = _plan(aco, route)
    return _first_pk(PlanAttachment.objects.filter(plan_id=plan), "plan attachment", aco)


def _medicaid_state(aco: ACO, route: Route) -> str:
    """The ACO's first state as a selected Medicaid partner state (made on first use)."""
    from apps.medicaid.models import MedicaidState

    code = str(aco.states[0])
    MedicaidState.objects.get_or_create(
        code=code, defaults={"name": f"State {code}", "status": "selected", "delivery_system": "managed_care"}
    )
    return code


def _medicaid_document(aco: ACO, route: Route) -> int:
    """A framework document of that state (ACOs see it: the state is selected); made on first use."""
    from apps.accounts.models import User
    from apps.medicaid.models import FrameworkDocument, MedicaidState

    state = MedicaidState.objects.get(code=_medicaid_state(aco, route))
    document = FrameworkDocument.objects.filter(state=state).order_by("id").first()
    if document is None:
        uploader = User.objects.filter(memberships__aco=aco).order_by("id").first() or User.objects.order_by("id")[0]
        document = FrameworkDocument(
            state=state, title="Matrix", original_name="matrix.txt", size=6, content_type="text/plain",
            uploaded_by=uploader,
        )  # fmt: skip
        document.file.save("matrix.txt", ContentFile(b"matrix"), save=False)
        document.save()
    return document.pk


def _medicaid_milestone(aco: ACO, route: Route) -> int:
    """A planning milestone of that state (milestone pages and endpoints are CMS-only)."""
    from apps.medicaid.models import MedicaidState, Milestone

    state = MedicaidState.objects.get(code=_medicaid_state(aco, route))
    milestone, _ = Milestone.objects.get_or_create(
        state=state, title="Matrix", defaults={"start": dt.date(2026, 9, 1), "end": dt.date(2026, 12, 31)}
    )
    return milestone.pk


def _is_cara(route: Route) -> bool:
    """CARA's routes (the ACO's EBRA, design and document pages, CMS's, the Preferred Provider's): their
    ``arrangement_id`` is an EBRA and their ``document_id`` a CARA document, not Medicaid's."""
    return route.name.startswith(("cara", "api_cara", "api_provider"))


def _arrangement(aco: ACO, route: Route) -> int:
    from apps.medicaid.models import PartnershipArrangement

    if _is_cara(route):
        return cara_rows(aco).arrangement.pk
    return _first_pk(PartnershipArrangement.objects.filter(aco=aco), "partnership arrangement", aco)


def _document(aco: ACO, route: Route) -> int:
    if _is_cara(route):
        return cara_rows(aco).document.pk
    return _medicaid_document(aco, route)


def _optout(aco: ACO, route: Route) -> int:
    """An open data-sharing opt-out of the ACO (medicaid:optout_revoke)."""
    from apps.medicaid.models import DataSharingOptOut

    return _first_pk(DataSharingOptOut.objects.filter(aco=aco, revoked_at__isnull=True), "open opt-out", aco)


def _care_gap(aco: ACO, route: Route) -> int:
    """A care gap on the ACO's worklist (made on first use, when the world's quality runs found none)."""
    from apps.quality.models import CareGapItem

    item = CareGapItem.objects.filter(aco=aco).order_by("id").first()
    if item is None:
        item = CareGapItem.objects.create(
            aco=aco, performance_year=2027, mbi="1EG4TE5MK73", kind="follow_up", opening_claim_id=1,
            gap_type="tfu_open", measure="tfu", opened_on=dt.date(2027, 6, 1), due_date=dt.date(2027, 6, 15),
        )  # fmt: skip
    return item.pk


def _change_request(aco: ACO, route: Route) -> int:
    from apps.acos.models import ListChangeRequest

    return _first_pk(ListChangeRequest.objects.filter(aco=aco), "list change request", aco)


# --- CARA: an active EBRA with a Preferred Provider user, an episode, a reconciliation, a statement ----------

CARA_PY = 2028  # the first year episodes count for payment (docs/cara.md)


@dataclass(frozen=True)
class CaraRows:
    arrangement: Any  # apps.cara.models.Arrangement, active
    user: Any  # its Preferred Provider user (a ProviderMembership with the EBRA's TIN and NPI)
    episode: Any  # attributed to the Preferred Provider under the EBRA
    reconciliation: Any
    document: Any  # the reconciliation's statement, ready to download
    proposal: Any  # a Maximal Flexibility design proposal of the ACO, submitted to CMS


def npi_for(stem: str) -> str:
    """A ten-digit NPI passing the Luhn check (the 80840 prefix), from a nine-digit stem."""
    digits = [int(d) for d in "80840" + stem]
    total = 0
    for i, d in enumerate(reversed(digits)):
        if i % 2 == 0:
            d *= 2
            d = d - 9 if d > 9 else d
        total += d
    return stem + str((10 - total % 10) % 10)


def cara_rows(aco: ACO) -> CaraRows:
    """The ACO's matrix CARA rows, made on first use: its first EBRA that is not a draft (else a new active
    one, PY2028, with a Preferred Provider of its own and that Preferred Provider's user), and under it an
    episode, a reconciliation with a ready statement, and a design proposal. Make them before any snapshot
    (the tenancy matrix's world does)."""
    from django.utils import timezone

    from apps.accounts.models import User
    from apps.cara.models import (
        Arrangement,
        ArrangementEvent,
        ArrangementTerm,
        CaraDocument,
        DesignProposal,
        Episode,
        EpisodeRun,
        ProviderMembership,
        Reconciliation,
    )
    from apps.cara.services import ensure_catalogue
    from apps.reviews.models import ReviewCase

    arrangement = Arrangement.objects.filter(aco=aco).exclude(status="draft").order_by("id").first()
    definition = ensure_catalogue(CARA_PY)[0]
    if arrangement is None:
        from apps.acos.models import PreferredProvider

        tin = f"7{aco.pk % 100_000_000:08d}"
        npi = npi_for(f"7{aco.pk % 100_000_000:08d}")
        pp = PreferredProvider.objects.create(
            aco=aco, performance_year=CARA_PY, tin=tin, npi=npi, name=f"Matrix Specialist {aco.pk}",
            specialty_code="20",
        )  # fmt: skip
        creator = User.objects.filter(memberships__aco=aco).order_by("id").first() or User.objects.create(
            username=f"matrix.creator.{aco.pk}"
        )
        arrangement = Arrangement.objects.create(
            aco=aco, preferred_provider=pp, performance_year=CARA_PY, status="active",
            effective_start=dt.date(CARA_PY, 1, 1), effective_end=dt.date(CARA_PY, 12, 31), created_by=creator,
        )  # fmt: skip
        ArrangementTerm.objects.create(
            arrangement=arrangement, definition=definition, baseline_cents=2_000_000, rate_pct=5, target_cents=1_900_000
        )
        for before, after in (("", "draft"), ("draft", "offered"), ("approved", "active")):
            ArrangementEvent.objects.create(arrangement=arrangement, from_status=before, to_status=after, actor=creator)
    pp = arrangement.preferred_provider
    membership = ProviderMembership.objects.filter(tin=pp.tin, npi=pp.npi).order_by("id").first()
    if membership is None:
        user = User.objects.create(username=f"pp.{pp.npi}", first_name="Pat", last_name=f"Provider {pp.npi}")
        membership = ProviderMembership.objects.create(user=user, tin=pp.tin, npi=pp.npi, name=pp.name)
    term = arrangement.terms.order_by("id").first()
    assert term is not None
    run = (
        EpisodeRun.objects.filter(performance_year=arrangement.performance_year, status="succeeded")
        .order_by("-finished_at", "-pk")
        .first()
    )
    if run is None:
        from tests.factories import alignment_run

        run = EpisodeRun.objects.create(
            performance_year=arrangement.performance_year, alignment_run=alignment_run(arrangement.performance_year),
            through=dt.date(arrangement.performance_year, 6, 30), first_episode_date=arrangement.effective_start,
            status="succeeded", finished_at=timezone.now(),
        )  # fmt: skip
    start = arrangement.effective_start + dt.timedelta(days=31)
    episode = Episode.objects.filter(
        run=run, aco=aco, preferred_provider=pp, definition=term.definition, start_date__gte=arrangement.effective_start
    ).order_by("id").first() or Episode.objects.create(
        run=run, definition=term.definition, aco=aco, mbi="1EG4TE5MK73", trigger_claim_id=1, trigger_code="470",
        start_date=start, anchor_end=start + dt.timedelta(days=3), end_date=start + dt.timedelta(days=93),
        year=start.year, attributed_npi=pp.npi, attribution="operating", preferred_provider=pp,
        index_cents=1_500_000, closed=True, payment=True,
    )  # fmt: skip
    reconciliation = Reconciliation.objects.filter(arrangement=arrangement).order_by("id").first()
    if reconciliation is None:
        reconciliation = Reconciliation.objects.create(
            arrangement=arrangement, period_start=arrangement.effective_start,
            period_end=arrangement.effective_start + dt.timedelta(days=89), episode_run=run, episodes=1,
            target_cents=term.target_cents, actual_cents=episode.cost_cents,
            difference_cents=term.target_cents - episode.cost_cents,
        )  # fmt: skip
    document = CaraDocument.objects.filter(reconciliation=reconciliation, status="ready").order_by("id").first()
    if document is None:
        document = CaraDocument(
            kind="statement", format="pdf", aco=aco, arrangement=arrangement, preferred_provider=pp,
            reconciliation=reconciliation, status="ready", requested_by=arrangement.created_by,
        )  # fmt: skip
        document.file.save("matrix-statement.pdf", ContentFile(b"%PDF-1.4\n%%EOF\n"), save=False)
        document.save()
    proposal = DesignProposal.objects.filter(aco=aco).order_by("id").first()
    if proposal is None:
        case = ReviewCase.objects.create(
            kind="cara_design", title=f"{definition.name}: a Maximal Flexibility variant", state="submitted",
            content={"window_days": 60}, created_by=arrangement.created_by,
        )  # fmt: skip
        proposal = DesignProposal.objects.create(aco=aco, performance_year=CARA_PY, based_on=definition, review=case)
    return CaraRows(arrangement, membership.user, episode, reconciliation, document, proposal)


@dataclass(frozen=True)
class Glp1Rows:
    run: Any  # the PY2027 GLP-1 run the ACO's pages read
    beneficiary: Any  # the ACO's aligned beneficiary (``_mbi``) in it, likely eligible
    enrolment: Any  # that beneficiary's lifestyle enrolment
    session: Any  # one session of it


def glp1_rows(aco: ACO) -> Glp1Rows:
    """The ACO's matrix GLP-1 rows, made on first use: a successful PY2027 GLP-1 run over the latest alignment
    run (made there if it has none) in which the ACO's aligned beneficiary is likely eligible, and that
    beneficiary's lifestyle enrolment with one session. Make them before any snapshot (the matrix's world
    does)."""
    from django.utils import timezone

    from apps.alignment.models import AlignedBeneficiary
    from apps.balance.models import Glp1Beneficiary, Glp1Run, LifestyleEnrolment, LifestyleSession

    mbi = _mbi(aco, ACO_ROUTES[0])
    aligned_row = AlignedBeneficiary.objects.filter(aco=aco, mbi=mbi).order_by("-run__finished_at", "-run_id").first()
    assert aligned_row is not None
    run = (
        Glp1Run.objects.filter(performance_year=2027, status="succeeded", beneficiaries__aco=aco)
        .order_by("-finished_at", "-pk")
        .first()
    )
    if run is None:
        run = Glp1Run.objects.create(
            performance_year=2027, alignment_run=aligned_row.run, as_of=dt.date(2027, 6, 30),
            through=dt.date(2027, 6, 30), status="succeeded", finished_at=timezone.now(),
        )  # fmt: skip
    beneficiary = Glp1Beneficiary.objects.filter(run=run, aco=aco).order_by("id").first() or (
        Glp1Beneficiary.objects.create(
            run=run, aco=aco, mbi=mbi, tin=aligned_row.tin, npi=aligned_row.npi, status="likely",
            criterion="BMI 35–39.9 (Z68.36 on 2027-03-01): BMI 35 or more", age=70, part_d_active=True,
            bmi_code="Z6836", bmi_date=dt.date(2027, 3, 1), bmi_claim_id=1, bmi_source=5, bmi_class=35,
        )
    )  # fmt: skip
    enrolment = LifestyleEnrolment.objects.filter(aco=aco).order_by("id").first() or (
        LifestyleEnrolment.objects.create(aco=aco, mbi=beneficiary.mbi, programme="nutrition",
                                          enrolled_on=dt.date(2027, 3, 1))
    )  # fmt: skip
    session = enrolment.sessions.order_by("id").first() or LifestyleSession.objects.create(
        enrolment=enrolment, session_date=dt.date(2027, 3, 15), minutes=45
    )
    return Glp1Rows(run, beneficiary, enrolment, session)


def _scenario(aco: ACO, route: Route) -> int:
    """A what-if scenario of the ACO with one version (made when the world has none)."""
    from apps.planning.models import Scenario, ScenarioVersion

    scenario = Scenario.objects.filter(aco=aco).order_by("id").first()
    if scenario is None:
        scenario = Scenario.objects.create(aco=aco, performance_year=2027, name=f"{aco.aco_id} what-if")
        ScenarioVersion.objects.create(scenario=scenario, number=1)
    return int(scenario.pk)


# URL keyword -> a value that belongs to the ACO. New apps register their keywords here.
KWARG_VALUES: dict[str, Callable[[ACO, Route], object]] = {
    "aco_id": lambda aco, r: aco.aco_id,
    "row_id": _row,
    "request_id": _change_request,
    "performance_year": _performance_year,
    "measure": lambda aco, r: "acr",
    "log_id": _log,
    "run_id": _run,
    "pipeline_run_id": _pipeline_run,
    "mbi": _mbi,
    "export_id": _export,
    "report_id": _report,  # a ready performance report (reports:download)
    "chart": lambda aco, r: "months",  # a dashboard chart's CSV (performance:money_data)
    "plan_id": _plan,  # a BE/BEI implementation plan
    "attachment_id": _attachment,  # a file attached to that plan
    "fmt": lambda aco, r: "csv",  # the rural add-on and full-dual exports
    "state_code": _medicaid_state,  # a selected Medicaid partner state the ACO serves
    "document_id": _document,  # a Medicaid framework document of that state; CARA's: the EBRA's statement
    "milestone_id": _medicaid_milestone,  # a planning milestone of that state
    "arrangement_id": _arrangement,  # a Medicaid partnership arrangement; CARA's: the ACO's EBRA (cara_rows)
    "episode_id": lambda aco, r: cara_rows(aco).episode.pk,  # an episode under that EBRA
    "reconciliation_id": lambda aco, r: cara_rows(aco).reconciliation.pk,  # that EBRA's reconciliation
    "proposal_id": lambda aco, r: cara_rows(aco).proposal.pk,  # a CARA design proposal of the ACO
    "optout_id": _optout,  # an open data-sharing opt-out (medicaid:optout_revoke)
    "gap_id": _care_gap,  # a care gap on the worklist (quality:care_gap_detail)
    "enrolment_id": lambda aco, r: glp1_rows(aco).enrolment.pk,  # a GLP-1 lifestyle enrolment of the ACO
    "session_id": lambda aco, r: glp1_rows(aco).session.pk,  # a session of that enrolment
    "scenario_id": _scenario,  # a what-if scenario of the ACO
    "number": lambda aco, r: 1,  # its first version
}


def _measures(aco: ACO, route: Route) -> Sequence[object]:
    from apps.quality.models import MeasureDefinition

    codes = MeasureDefinition.objects.order_by("code").values_list("code", flat=True).distinct()
    return list(codes) or ["acr"]


def _charts(aco: ACO, route: Route) -> Sequence[object]:
    from apps.performance.charts import CHART_SLUGS

    return sorted(CHART_SLUGS)


def _exports(aco: ACO, route: Route) -> Sequence[object]:
    from apps.alignment.models import AlignmentExport

    return list(AlignmentExport.objects.filter(aco=aco).order_by("id").values_list("pk", flat=True))


def _reports(aco: ACO, route: Route) -> Sequence[object]:
    from apps.performance.models import PerformanceReport

    return list(PerformanceReport.objects.filter(aco=aco).order_by("id").values_list("pk", flat=True))


def _mbis(aco: ACO, route: Route) -> Sequence[object]:
    """One beneficiary of each kind of explanation in the latest run: how aligned (claims step, voluntary,
    mid-year), cohort and High Needs, and who competed (the ACO alone, TINs or CCNs in no ACO, another ACO)."""
    from apps.alignment.models import AlignedBeneficiary

    latest = AlignedBeneficiary.objects.filter(aco=aco, mbi=_mbi(aco, route)).values_list("run_id", flat=True)[0]
    shapes: dict[tuple[object, ...], str] = {}
    rows = AlignedBeneficiary.objects.filter(aco=aco, run_id=latest).order_by("mbi")
    for row in rows.only("mbi", "alignment_type", "step", "added_midyear", "cohort", "high_needs", "explanation"):
        explanation = row.explanation or {}
        competitors = tuple((c.get("kind"), c.get("key") == aco.aco_id) for c in explanation.get("competitors") or [])
        voluntary = explanation.get("voluntary") or {}
        shape = (
            row.alignment_type, row.step, row.added_midyear, row.cohort, row.high_needs, competitors,
            voluntary.get("record_aco_id", aco.aco_id) == aco.aco_id,
        )  # fmt: skip
        shapes.setdefault(shape, row.mbi)
    return sorted(shapes.values())


# Keywords whose every value answers something else (a format, a chart, each report): a scanner that
# reads what the answers contain requests each; the matrix, which checks who gets in, needs one.
KWARG_CHOICES: dict[str, Callable[[ACO, Route], Sequence[object]]] = {
    "fmt": lambda aco, r: ["csv", "xlsx"],
    "chart": _charts,
    "measure": _measures,
    "export_id": _exports,
    "report_id": _reports,
    "mbi": _mbis,
}


def schema_path(route: Route) -> str:
    """The route as the OpenAPI schema writes it: ``/api/acos/{aco_id}/participants/``."""
    return "/" + KWARG_RE.sub(lambda m: "{" + m.group(1) + "}", route.route)


API_ROUTES_BY_SCHEMA_PATH = {schema_path(r): r for r in ROUTES if r.is_api}


def url_for(route: Route, aco: ACO, **override: object) -> str:
    """The route's URL with every keyword filled in for ``aco`` (``override`` wins)."""

    def value(match: re.Match[str]) -> str:
        name = match.group(1)
        if name in override:
            return str(override[name])
        if name not in KWARG_VALUES:
            raise LookupError(f"{route.name}: register URL keyword {name!r} in tests/routes.py KWARG_VALUES")
        return str(KWARG_VALUES[name](aco, route))

    return "/" + KWARG_RE.sub(value, route.route)


def urls_for(route: Route, aco: ACO) -> list[str]:
    """Every URL of the route for ``aco``: one per combination of the keywords' ``KWARG_CHOICES``."""
    choosing = [k for k in route.kwargs if k in KWARG_CHOICES]
    options = [KWARG_CHOICES[k](aco, route) for k in choosing]
    return [url_for(route, aco, **dict(zip(choosing, combo, strict=True))) for combo in itertools.product(*options)]
