"""The OpenAPI schema describes what the API really answers (lead_portal/schema.py): the 400, 403,
404 (and 401, 409) answers with their bodies, and the file types of downloads. The schema validates
with no warning; real answers of a few endpoints are checked against what the schema documents."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import jsonschema  # type: ignore[import-untyped]
import pytest
import yaml
from django.core.files.base import ContentFile
from django.core.management import call_command
from rest_framework.test import APIClient

from apps.accounts.models import User
from apps.acos.models import ACO
from tests.factories import ParticipantFactory, performance_summary

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
METHODS = ("get", "post", "put", "patch", "delete")


@pytest.fixture(scope="module")
def schema(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """Generated as CI and operators do, failing on any warning (drf-spectacular's validation)."""
    out = Path(tmp_path_factory.mktemp("schema")) / "schema.yaml"
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(out), stdout=io.StringIO())
    loaded: dict[str, Any] = yaml.safe_load(out.read_text())
    return loaded


def responses(schema: dict[str, Any], path: str, method: str) -> dict[str, Any]:
    result: dict[str, Any] = schema["paths"][path][method]["responses"]
    return result


def media(schema: dict[str, Any], path: str, method: str, code: str) -> list[str]:
    return sorted((responses(schema, path, method)[code].get("content") or {}).keys())


def json_schema(node: Any) -> Any:
    """OpenAPI 3.0's ``nullable`` as JSON Schema: ``null`` allowed beside the type."""
    if isinstance(node, list):
        return [json_schema(n) for n in node]
    if not isinstance(node, dict):
        return node
    node = {k: json_schema(v) for k, v in node.items()}
    if node.pop("nullable", False):
        if "type" in node:
            node["type"] = [node["type"], "null"]
        else:
            node = {"anyOf": [node, {"type": "null"}]}
    return node


def assert_documented(schema: dict[str, Any], path: str, method: str, response: Any) -> None:
    """The answer's status is documented for the operation, and its JSON body fits the schema."""
    documented = responses(schema, path, method)
    code = str(response.status_code)
    assert code in documented, f"{method.upper()} {path} answered {code}, documented {sorted(documented)}"
    content_type = response["Content-Type"].split(";")[0]
    assert content_type in (documented[code].get("content") or {}), (code, content_type)
    if content_type == "application/json":
        body_schema = documented[code]["content"][content_type]["schema"]
        root = json_schema({"components": schema["components"], "allOf": [body_schema]})
        jsonschema.validate(response.json(), root)


# --- the schema itself --------------------------------------------------------------------------


def test_every_operation_that_needs_sign_in_documents_403_and_404(schema: dict[str, Any]) -> None:
    missing = []
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            if method not in METHODS:
                continue
            codes = set(operation["responses"])
            secured = {} not in operation.get("security", [{}])
            if secured and not ({"403", "404"} <= codes or "401" in codes):
                missing.append(f"{method.upper()} {path}: {sorted(codes)}")
            if ("requestBody" in operation) and "400" not in codes:
                missing.append(f"{method.upper()} {path}: a body but no 400")
    assert missing == []


def test_writes_document_their_errors(schema: dict[str, Any]) -> None:
    codes = responses(schema, "/api/acos/{aco_id}/participants/", "post")
    assert {"200", "202", "400", "403", "404"} <= set(codes)
    assert media(schema, "/api/acos/{aco_id}/participants/", "post", "400") == ["application/json"]
    assert codes["400"]["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/ValidationError"}
    assert codes["403"]["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/Error"}
    # A CMS-only endpoint without path parameters answers ACO staff 404.
    assert "404" in responses(schema, "/api/alignment/runs/", "get")


def test_downloads_document_the_file_types_they_serve(schema: dict[str, Any]) -> None:
    report = "/api/acos/{aco_id}/performance/reports/{report_id}/download/"
    assert media(schema, report, "get", "200") == sorted(["application/pdf", XLSX, "text/csv"])
    assert media(schema, report, "get", "409") == ["application/json"]  # not ready yet
    export = "/api/acos/{aco_id}/alignment/exports/{export_id}/download/"
    assert media(schema, export, "get", "200") == sorted([XLSX, "text/csv"])
    body = responses(schema, export, "get")["200"]["content"]["text/csv"]["schema"]
    assert body == {"type": "string", "format": "binary"}


def test_api_tokens_are_documented(schema: dict[str, Any]) -> None:
    token = responses(schema, "/api/auth/token/", "post")
    assert set(token) == {"200", "400", "403", "415"}
    ref = token["200"]["content"]["application/json"]["schema"]["$ref"]
    assert set(schema["components"]["schemas"][ref.rsplit("/", 1)[1]]["properties"]) == {"token", "expiry"}
    assert schema["paths"]["/api/auth/token/"]["post"]["security"] == [{}]  # no sign-in needed
    for path in ("/api/auth/logout/", "/api/auth/logout-all/"):
        assert set(responses(schema, path, "post")) == {"204", "401"}
        assert schema["paths"][path]["post"]["security"] == [{"apiToken": []}]
    assert schema["components"]["securitySchemes"]["apiToken"]["name"] == "Authorization"


def test_path_parameters_take_what_the_url_matches(schema: dict[str, Any]) -> None:
    parameters = {
        p["name"]: p["schema"]
        for p in schema["paths"]["/api/acos/{aco_id}/participants/{row_id}/"]["get"]["parameters"]
        if p["in"] == "path"
    }
    assert parameters == {
        "aco_id": {"type": "string", "pattern": "^[^/]+$"},
        "row_id": {"type": "integer", "minimum": 0},
    }


# --- real answers -------------------------------------------------------------------------------


@pytest.mark.django_db
def test_real_error_answers_are_the_documented_ones(
    schema: dict[str, Any], aco: ACO, admin: User, analyst: User, outsider: User, open_lists: str
) -> None:
    def api(user: User) -> APIClient:
        client = APIClient()
        client.force_authenticate(user)
        return client

    participants = f"/api/acos/{aco.aco_id}/participants/"
    path = "/api/acos/{aco_id}/participants/"
    ParticipantFactory.create(aco=aco, performance_year=2027)
    assert_documented(schema, path, "get", api(admin).get(participants, {"py": 2027}))  # 200
    assert_documented(schema, path, "get", api(outsider).get(participants))  # 404: another ACO
    assert_documented(schema, path, "get", api(admin).get(participants, {"page": 99}))  # 404: past the end
    assert_documented(schema, path, "get", APIClient().get(participants))  # 403: not signed in
    assert_documented(schema, path, "post", api(analyst).post(participants, {}, format="json"))  # 403: read-only
    assert_documented(schema, path, "post", api(admin).post(participants, {"tin": "x"}, format="json"))  # 400

    summary = performance_summary(aco)
    report = summary.reports.create(aco=aco, performance_year=summary.performance_year, format="csv")
    download = f"/api/acos/{aco.aco_id}/performance/reports/{report.pk}/download/"
    report_path = "/api/acos/{aco_id}/performance/reports/{report_id}/download/"
    assert_documented(schema, report_path, "get", api(admin).get(download))  # 409: not ready
    report.file.save("r.csv", ContentFile(b"section,table\n"))
    report.status = "ready"
    report.save()
    assert_documented(schema, report_path, "get", api(admin).get(download))  # 200: text/csv

    token_path = "/api/auth/token/"
    assert_documented(schema, token_path, "post", APIClient().post(token_path, {"username": "x"}, format="json"))
    logout = APIClient().post("/api/auth/logout/")
    assert_documented(schema, "/api/auth/logout/", "post", logout)  # 401
    assert logout["WWW-Authenticate"] == "Token"


def test_lists_answered_whole_are_documented_as_arrays_and_paged_lists_as_pages(schema: dict[str, Any]) -> None:
    # The plans list answers a plain array (its own list() without paginate_queryset) ...
    plans = responses(schema, "/api/acos/{aco_id}/benefits/plans/", "get")["200"]["content"]["application/json"]
    assert plans["schema"]["type"] == "array"
    # ... the participants list answers a page (count, next, previous, results).
    rows = responses(schema, "/api/acos/{aco_id}/participants/", "get")["200"]["content"]["application/json"]
    assert rows["schema"]["$ref"].startswith("#/components/schemas/Paginated")


def test_state_changes_document_400_and_bodies_document_415(schema: dict[str, Any]) -> None:
    # A transition with no body can still be refused (the arrangement's state does not allow it).
    submit = responses(schema, "/api/acos/{aco_id}/medicaid/arrangements/{arrangement_id}/submit/", "post")
    assert "400" in submit
    assert "415" in responses(schema, "/api/acos/{aco_id}/participants/", "post")
