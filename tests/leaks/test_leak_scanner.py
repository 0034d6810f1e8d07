"""The leak scanner: nothing of ACO B in any answer to ACO A.

Our tenancy matrix (tests/test_tenancy_matrix.py) checks that another ACO's URLs answer 404; this
checks what our own answers contain. In a world where every name of B carries B's marker word and
every identifier of B is one nothing else uses (tests/leaks/world.py), each person of ACO A (its
administrator and its read-only analyst) requests

* every page of A (every route of the URL resolver with an ``aco_id``, and the pages any signed-in
  person sees), each keyword with every value that answers something else (both export formats, every
  chart, every measure, every export and report A has);
* every API operation of A that reads (GET in the OpenAPI schema, from drf-spectacular's generator);
* so every export and report (CSV, XLSX read from its XML parts, PDF read with pypdf), through their
  download URLs,

and no body or download file name may hold B's marker word, its ACO id, a TIN, CCN or NPI on B's lists
and not on A's, the MBI or surname of a beneficiary of B, B's money figures as the pages write them,
the portal-wide aligned total or the message of a run made for all ACOs at once (``SECRET_KINDS``).

The control runs the same scan on B's own answers and must find every kind. A URL added to the portal
joins the scan by itself (a new URL keyword is registered once in tests/routes.py, for the matrix and
the scanner alike).

A **Preferred Provider user** of A (CARA) is scanned too: every page and API read of ``/provider/`` for each
of its EBRA's objects (the EBRA, its episodes one by one, its statements as PDF and XLSX) and the pages any
signed-in person sees must hold nothing of B, nor of A beyond the EBRA's counterpart (A's legal name and id):
no other Preferred Provider's name, NPI or TIN, no Participant TIN or practice name of A, no beneficiary of A
outside its own episodes, no money figure or contact of A (``PROVIDER_SECRET_KINDS``). The control reads the
answers of A's other Preferred Provider's user with the same secrets and finds that provider's own name,
NPI and beneficiaries.

CCLF file names: the portal receives ONE feed for all LEAD ACOs (the operator's, ``P.LEAD0.ACO...``),
so the file names in a snapshot's vintage name the portal's own feed, not another ACO, and are not a
leak; a feed named after an ACO (``P.Z8275.ACO...``) would be caught here by B's ACO id.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from django.test import Client

from apps.accounts.models import User
from apps.acos.models import ACO
from tests.leaks.scan import Leak, find, text_of
from tests.leaks.world import (
    SECRET_KINDS,
    LeakWorld,
    Provider,
    Secret,
    secrets_of_b,
    secrets_of_provider,
    world_in_transaction,
)
from tests.routes import ACO_ROUTES, PROVIDER_ROUTES, SIGNED_IN_ROUTES, schema_path, url_for, urls_for

pytestmark = pytest.mark.django_db

# Pages any signed-in person sees that are not about ACO data, or that answer the person's own set-up.
NOT_SCANNED = {
    "accounts:mfa_setup",  # the person's own authenticator set-up
    "api_docs",  # Swagger UI's HTML shell (the schema itself is scanned)
    "aco_switch",  # a redirect that switches the session's ACO: nothing to read
}


@pytest.fixture(scope="module")
def leak_world(
    django_db_setup: None, django_db_blocker: Any, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[LeakWorld]:
    with django_db_blocker.unblock(), world_in_transaction(Path(tmp_path_factory.mktemp("leak-bundle"))) as world:
        yield world


@pytest.fixture
def secrets(leak_world: LeakWorld) -> list[Secret]:
    return secrets_of_b(leak_world)


def _client(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _schema_get_paths() -> list[str]:
    from drf_spectacular.generators import SchemaGenerator

    schema = SchemaGenerator().get_schema(request=None, public=True)
    return sorted(path for path, operations in schema["paths"].items() if "get" in operations)


API_BY_SCHEMA_PATH = {schema_path(r): r for r in ACO_ROUTES + SIGNED_IN_ROUTES if r.is_api}


def _targets(aco: ACO) -> list[tuple[str, str]]:
    """(what, url) of everything the ACO's people can read: pages from the resolver, API reads from the
    schema."""
    targets: list[tuple[str, str]] = []
    for route in ACO_ROUTES + SIGNED_IN_ROUTES:
        if route.is_api or "GET" not in route.methods or route.name in NOT_SCANNED:
            continue
        targets += [(route.name, url) for url in urls_for(route, aco)]
    for path in _schema_get_paths():
        api = API_BY_SCHEMA_PATH.get(path)
        if api is None:
            continue  # CMS-only (no aco_id, not for every signed-in person): A's people get 403/404 there
        targets += [(api.name, url) for url in urls_for(api, aco)]
    return targets


def _scan(client: Client, role: str, targets: list[tuple[str, str]], secrets: list[Secret]) -> dict[str, Any]:
    leaks: list[Leak] = []
    refused: list[str] = []
    kinds: dict[str, int] = {}
    for _name, url in targets:
        response = client.get(url)
        if response.status_code == 403 and role == "analyst":
            kinds["refused write form"] = kinds.get("refused write form", 0) + 1  # read-only: by design
            continue
        if response.status_code >= 400:
            refused.append(f"{url} answered {response.status_code}")
            continue
        kind, text = text_of(response)
        kinds[kind] = kinds.get(kind, 0) + 1
        leaks += [Leak(role, url, kind, secret, context) for secret, context in find(text, secrets)]
    return {"leaks": leaks, "refused": refused, "kinds": kinds}


def test_every_api_read_of_an_aco_is_in_the_scan() -> None:
    """The schema's GET operations with an ``aco_id`` are all routes the scan can fill in."""
    paths = [p for p in _schema_get_paths() if "{aco_id}" in p]
    assert paths, "the OpenAPI schema lists no ACO endpoint"
    assert [p for p in paths if p not in API_BY_SCHEMA_PATH] == []


def test_the_scanner_finds_b_in_bs_own_answers(leak_world: LeakWorld, secrets: list[Secret]) -> None:
    """The control: the same scan of B's own answers, as B's administrator, finds every kind of secret,
    in every kind of answer (HTML, JSON, CSV, XLSX, PDF): a clean scan of A means A's answers hold none,
    not that the reader missed them or the identifiers are not what the portal writes."""
    result = _scan(_client(leak_world.b.admin), "B's admin", _targets(leak_world.b.aco), secrets)
    assert not result["refused"]
    found = {leak.secret.kind for leak in result["leaks"]}
    # Every kind the world gives B; the portal-wide figures are CMS's to see, not B's either.
    portal = {"portal_total", "portal_message"}
    assert found == {s.kind for s in secrets} - portal
    assert found == set(SECRET_KINDS) - portal
    answers = {leak.kind for leak in result["leaks"]}
    assert answers >= {"html", "json", "csv", "xlsx", "pdf"}


@pytest.mark.parametrize("role", ["admin", "analyst"])
def test_nothing_of_b_in_any_answer_to_a(
    role: str, leak_world: LeakWorld, secrets: list[Secret], record_property: Callable[[str, object], None]
) -> None:
    user = leak_world.a.admin if role == "admin" else leak_world.a.analyst
    targets = _targets(leak_world.a.aco)
    started = time.monotonic()
    result = _scan(_client(user), role, targets, secrets)
    seconds = time.monotonic() - started
    summary = (
        f"{role}: {len(targets)} answers read in {seconds:.1f} s {dict(sorted(result['kinds'].items()))}, "
        f"{len(secrets)} identifiers and figures of B looked for, {len(result['leaks'])} found"
    )
    record_property("leak_scan", summary)
    print(summary)
    problems = [f"{len(result['leaks'])} leaks of ACO B into ACO A's answers:", *map(str, result["leaks"])]
    if result["refused"]:
        problems += ["A's own people were refused (the scan could not read these):", *result["refused"]]
    assert not result["leaks"] and not result["refused"], "\n".join(problems)


# --- Preferred Provider users ---------------------------------------------------------------------


def _provider_targets(me: Provider) -> list[tuple[str, str]]:
    """(what, url) of everything a Preferred Provider user reads: their pages and API reads for their EBRA,
    each of its episodes and statements, and the pages any signed-in person sees."""
    from apps.cara.models import CaraDocument

    aco = me.arrangement.aco
    values: dict[str, list[object]] = {
        "arrangement_id": [me.arrangement.pk],
        "episode_id": [e.pk for e in me.episodes],
        "reconciliation_id": list(me.arrangement.reconciliations.values_list("pk", flat=True)),
        "document_id": list(
            CaraDocument.objects.filter(reconciliation__arrangement=me.arrangement).values_list("pk", flat=True)
        ),
    }
    targets: list[tuple[str, str]] = []
    for route in PROVIDER_ROUTES:
        if "GET" not in route.methods:
            continue
        combos: list[dict[str, object]] = [{}]
        for key in route.kwargs:
            combos = [{**c, key: v} for c in combos for v in values[key]]
        targets += [(route.name, url_for(route, aco, **combo)) for combo in combos]
    for route in SIGNED_IN_ROUTES:
        if route.is_api and route.name not in ("api_aco_list", "api_quality_measures"):
            continue
        if "GET" in route.methods and route.name not in NOT_SCANNED:
            targets += [(route.name, url) for url in urls_for(route, aco)]
    return targets


def test_every_preferred_provider_read_is_in_the_scan() -> None:
    """The schema's GET operations under /api/provider/ are all routes the provider scan requests."""
    paths = [p for p in _schema_get_paths() if p.startswith("/api/provider/")]
    assert paths, "the OpenAPI schema lists no Preferred Provider endpoint"
    provider_paths = {schema_path(r) for r in PROVIDER_ROUTES if r.is_api}
    assert [p for p in paths if p not in provider_paths] == []


def test_the_provider_scanner_finds_another_providers_own_answers(leak_world: LeakWorld) -> None:
    """The control: A's other Preferred Provider's user, read with the first one's secrets, shows its own
    name, NPI and beneficiaries, in pages, JSON and its statements (PDF, XLSX)."""
    other = leak_world.providers["pp2"]
    result = _scan(
        _client(other.user), "A's other Preferred Provider", _provider_targets(other), _pp_secrets(leak_world)
    )
    assert not result["refused"], result["refused"]
    found = {leak.secret.kind for leak in result["leaks"]}
    assert found >= {"other_pp", "aco_mbi"}, found
    assert {leak.kind for leak in result["leaks"]} >= {"html", "json", "pdf", "xlsx"}


def _pp_secrets(world: LeakWorld) -> list[Secret]:
    return secrets_of_provider(world, "pp")


def test_nothing_of_others_in_any_answer_to_a_preferred_provider_user(
    leak_world: LeakWorld, record_property: Callable[[str, object], None]
) -> None:
    me = leak_world.providers["pp"]
    assert me.episodes, "the leak world gave the Preferred Provider no episode"
    targets = _provider_targets(me)
    secrets = _pp_secrets(leak_world)
    started = time.monotonic()
    result = _scan(_client(me.user), "Preferred Provider user", targets, secrets)
    seconds = time.monotonic() - started
    summary = (
        f"Preferred Provider user: {len(targets)} answers read in {seconds:.1f} s "
        f"{dict(sorted(result['kinds'].items()))}, {len(secrets)} identifiers and figures looked for, "
        f"{len(result['leaks'])} found"
    )
    record_property("leak_scan_provider", summary)
    print(summary)
    assert result["kinds"].get("pdf") and result["kinds"].get("xlsx"), "the statements were not read"
    problems = [f"{len(result['leaks'])} leaks into a Preferred Provider user's answers:", *map(str, result["leaks"])]
    if result["refused"]:
        problems += ["The Preferred Provider user was refused (the scan could not read these):", *result["refused"]]
    assert not result["leaks"] and not result["refused"], "\n".join(problems)
