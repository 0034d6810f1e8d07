"""API fuzzing: schemathesis against the portal's OpenAPI schema, in this process (WSGI), with an ACO
administrator's token. Shared by the bounded CI test (tests/fuzz/test_api_fuzz.py) and the longer run
(scripts/fuzz_api.py).

For every operation of the schema (drf-spectacular's generator: what the API says it answers), cases
are generated in both of schemathesis's modes (positive: values the schema allows; negative: values it
forbids), half of them with the path parameters of the administrator's own ACO (``tests/routes.py``
builds them, so a case reaches real rows rather than 404) and half as generated. Every path is also
asked ``OPTIONS`` and ``HEAD``, which the schema does not list. Counted:

* 5xx: any answer of 500 or more (the budget is zero);
* schema mismatches: answers the schema does not describe (an undocumented status code or content
  type, or a body that does not match the documented shape), as schemathesis's conformance checks
  find them.

Nothing is shrunk: a failing case is recorded with a reproduction (method, URL, body) and the run goes
on, so one run shows every problem within its budget.
"""

from __future__ import annotations

import json
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

# Operations that would end the fuzzer's own session: every later request would answer 401.
SKIP_OPERATIONS = {"POST /api/auth/logout/", "POST /api/auth/logout-all/"}


@dataclass(frozen=True)
class Finding:
    operation: str
    kind: str  # "5xx" or the conformance check that failed
    status: int
    request: str  # method, URL and body, enough to replay it
    detail: str

    def __str__(self) -> str:
        return f"{self.operation}: {self.kind} ({self.status}) {self.request}\n    {self.detail}"


@dataclass
class FuzzReport:
    operations: int = 0
    requests: int = 0
    seconds: float = 0.0
    request_seconds: float = 0.0  # answering and checking, the rest is generating
    statuses: Counter[int] = field(default_factory=Counter)
    server_errors: list[Finding] = field(default_factory=list)
    mismatches: list[Finding] = field(default_factory=list)
    unsent: list[Finding] = field(default_factory=list)  # cases the transport could not send
    stopped_early: bool = False

    def line(self) -> str:
        """The one summary line."""
        where = len({f.operation for f in self.mismatches})
        budget = " (time budget reached)" if self.stopped_early else ""
        budget += f" ({len(self.unsent)} cases could not be sent)" if self.unsent else ""
        return (
            f"API fuzz: {self.requests} requests, {self.operations} operations, "
            f"{len(self.server_errors)} 5xx, {len(self.mismatches)} schema mismatches (in {where} operations), "
            f"{self.seconds:.0f} s ({self.request_seconds:.0f} s answering and checking){budget}"
        )

    def details(self, limit: int = 40) -> str:
        kinds = Counter(f"{f.operation}: {f.kind}" for f in self.mismatches)
        first: dict[str, Finding] = {}
        for f in self.mismatches:
            first.setdefault(f"{f.operation}: {f.kind}", f)
        lines = [self.line(), f"statuses: {dict(sorted(self.statuses.items()))}"]
        lines += ["5xx:", *(str(f) for f in self.server_errors[:limit])]
        if self.unsent:
            lines += ["not sent:", *(str(f) for f in self.unsent[:limit])]
        lines += ["schema mismatches (operation: check x count, then the first one's reason):"]
        for key, count in kinds.most_common():
            f = first[key]
            lines.append(f"  {key} x{count} [{f.status}] {f.detail.splitlines()[0][:200] if f.detail else ''}")
        return "\n".join(lines)


def _request_text(case: Any, response: Any) -> str:
    """Method, URL and body of a case: enough to replay it."""
    from schemathesis.core import NotSet

    request = getattr(response, "request", None)
    url = getattr(request, "url", None) or case.formatted_path
    text = f"{case.method.upper()} {url}"
    if isinstance(case.body, bytes | bytearray):
        text += f" body=<{len(case.body)} bytes>"
    elif not isinstance(case.body, NotSet):
        text += f" body={json.dumps(case.body, default=str)[:300]}"
    return text


def _failure_kinds(case: Any, response: Any, checks: list[Callable[..., Any]]) -> list[tuple[str, str]]:
    from schemathesis.core.failures import FailureGroup

    try:
        case.validate_response(response, checks=checks)
    except FailureGroup as group:
        return [(type(f).__name__, f"{f.title}: {f.message}"[:400]) for f in group.exceptions]
    except AssertionError as failure:
        return [(type(failure).__name__, str(failure)[:400])]
    return []


def _operations(schema: Any) -> Iterator[Any]:
    for result in schema.get_all_operations():
        yield result.ok()


def own_path_values(aco: Any) -> Callable[[str, str], str | None]:
    """``fuzz``'s ``path_values`` for ``aco``: the value ``tests/routes.py`` builds for a path parameter
    of one of its own rows, or None where it builds none (the case keeps the generated value)."""
    from tests.routes import API_ROUTES_BY_SCHEMA_PATH, KWARG_VALUES

    def value(path: str, name: str) -> str | None:
        route = API_ROUTES_BY_SCHEMA_PATH.get(path)
        if route is None or name not in KWARG_VALUES:
            return None
        try:
            return str(KWARG_VALUES[name](aco, route))
        except LookupError:
            return None

    return value


def fuzz(
    *,
    app: Any,
    schema_document: dict[str, Any],
    headers: dict[str, str],
    path_values: Callable[[str, str], str | None],
    examples: int,
    time_budget: float,
    progress: Callable[[str], None] | None = None,
) -> FuzzReport:
    """Fuzz every operation of ``schema_document`` on the WSGI ``app``.

    ``path_values(path, name)`` gives a real value of a path parameter (the ACO's own), or None;
    ``examples`` cases per operation, mode and path flavour; the run stops starting operations once
    ``time_budget`` seconds have passed (the report says so)."""
    import hypothesis
    import schemathesis
    from hypothesis import HealthCheck, Phase, given
    from schemathesis.generation import GenerationMode
    from schemathesis.specs.openapi.checks import (
        content_type_conformance,
        response_schema_conformance,
        status_code_conformance,
    )

    checks = [status_code_conformance, content_type_conformance, response_schema_conformance]
    schema = schemathesis.openapi.from_dict(schema_document)
    schema.app = app
    report = FuzzReport()
    started = time.monotonic()
    seen_mismatch: set[tuple[str, str, int]] = set()

    def record(case: Any, operation: str) -> None:
        begun = time.monotonic()
        try:
            recorded(case, operation)
        finally:
            report.request_seconds += time.monotonic() - begun

    def recorded(case: Any, operation: str) -> None:
        try:
            response = case.call(headers=headers)
        except Exception as exc:  # schemathesis could not send the case (Django answers its own errors)
            report.unsent.append(Finding(operation, "not sent", 0, _request_text(case, None), repr(exc)[:400]))
            return
        report.requests += 1
        report.statuses[response.status_code] += 1
        if response.status_code >= 500:
            text = response.text[:300] if hasattr(response, "text") else ""
            report.server_errors.append(
                Finding(operation, "5xx", response.status_code, _request_text(case, response), text)
            )
            return
        for kind, detail in _failure_kinds(case, response, checks):
            key = (operation, kind, response.status_code)
            report.mismatches.append(
                Finding(operation, kind, response.status_code, _request_text(case, response), detail)
            )
            if key not in seen_mismatch and progress:
                progress(f"  mismatch {operation}: {kind} ({response.status_code})")
            seen_mismatch.add(key)

    def runner(operation: str) -> Callable[[Any], None]:
        def run(case: Any) -> None:
            record(case, operation)

        return run

    settings = hypothesis.settings(
        max_examples=examples,
        deadline=None,
        database=None,
        derandomize=True,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
        report_multiple_bugs=False,
    )
    paths_seen: set[str] = set()
    for operation in _operations(schema):
        label = operation.label
        if label in SKIP_OPERATIONS:
            continue
        if time.monotonic() - started > time_budget:
            report.stopped_early = True
            break
        report.operations += 1
        if progress:
            progress(f"{label}")
        names = [p.name for p in operation.path_parameters]
        real = {n: v for n in names if (v := path_values(operation.path, n)) is not None}
        flavours: list[dict[str, Any] | None] = [real, None] if names and len(real) == len(names) else [None]
        free = bool(operation.query or operation.headers or operation.cookies or operation.body)
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            for fixed in flavours:
                if fixed and not free and mode == GenerationMode.NEGATIVE:
                    continue  # nothing left to make invalid: hypothesis would only reject its tries
                try:
                    strategy = operation.as_strategy(generation_mode=mode, path_parameters=fixed or None)
                except Exception as exc:  # the schema cannot generate this mode for this operation
                    if progress:
                        progress(f"  {label}: no {mode.value} cases ({type(exc).__name__})")
                    continue

                try:
                    given(case=strategy)(settings(runner(label)))()
                except hypothesis.errors.Unsatisfiable:
                    pass
        for path in (operation.path,):
            if path in paths_seen:
                continue
            paths_seen.add(path)
            _other_methods(app, schema.get_full_path(path), path, real, headers, report)
    report.seconds = time.monotonic() - started
    return report


def _other_methods(
    app: Any, full_path: str, path: str, values: dict[str, Any], headers: dict[str, str], report: FuzzReport
) -> None:
    """``OPTIONS`` and ``HEAD``, which the schema does not list, on the ACO's own URL of the path."""
    from werkzeug.test import Client

    url = full_path
    for name, value in values.items():
        url = url.replace("{" + name + "}", str(value))
    if "{" in url:
        return
    client = Client(app)
    for method in ("OPTIONS", "HEAD"):
        response = client.open(url, method=method, headers=headers)
        report.requests += 1
        report.statuses[response.status_code] += 1
        if response.status_code >= 500:
            report.server_errors.append(
                Finding(
                    f"{method} {path}", "5xx", response.status_code, f"{method} {url}", response.get_data(True)[:300]
                )
            )
