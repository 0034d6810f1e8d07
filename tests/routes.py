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


ROUTES = [r for r in _walk(get_resolver()) if not r.route.startswith(SKIP_PREFIXES)]
ACO_ROUTES = [r for r in ROUTES if r.aco_scoped]
OTHER_ROUTES = [r for r in ROUTES if not r.aco_scoped]
CMS_ONLY_ROUTES = [r for r in OTHER_ROUTES if r.name not in PUBLIC | SIGNED_IN]
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


def _arrangement(aco: ACO, route: Route) -> int:
    from apps.medicaid.models import PartnershipArrangement

    return _first_pk(PartnershipArrangement.objects.filter(aco=aco), "partnership arrangement", aco)


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


# URL keyword -> a value that belongs to the ACO. New apps register their keywords here.
KWARG_VALUES: dict[str, Callable[[ACO, Route], object]] = {
    "aco_id": lambda aco, r: aco.aco_id,
    "row_id": _row,
    "request_id": _change_request,
    "performance_year": _performance_year,
    "area": lambda aco, r: "glp1",
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
    "document_id": _medicaid_document,  # a framework document of that state
    "milestone_id": _medicaid_milestone,  # a planning milestone of that state
    "arrangement_id": _arrangement,  # a Medicaid partnership arrangement
    "optout_id": _optout,  # an open data-sharing opt-out (medicaid:optout_revoke)
    "gap_id": _care_gap,  # a care gap on the worklist (quality:care_gap_detail)
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
