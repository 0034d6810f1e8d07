"""The OpenAPI schema says what the API really answers, in one place.

Every operation of the portal's API gets, unless it already documents them itself:

* **400** (a validation error: ``{"field": ["message"]}``, ``{"non_field_errors": [...]}``, row errors
  ``{"errors": [{"line", "field", "value", "reason"}]}`` or a list of messages) where the request is
  validated: a request body, query parameters other than the page number, or any operation that
  changes something (a transition the object's state does not allow is refused with the reason);
* **415** (``{"detail": ...}``) on operations that take a body, for a body of another media type;
* **403** (``{"detail": ...}``) on every operation that needs sign-in: not signed in, second factor
  not passed, or a role that may not do this;
* **404** (``{"detail": ...}``) on every operation that needs sign-in: a missing object, another ACO's
  object (answered exactly as a missing one), a CMS-only endpoint asked by ACO staff, or a page number
  past the end of a list;
* **401** instead of both on the views that authenticate by token only (revoking tokens): DRF answers
  401 with ``WWW-Authenticate: Token`` there, and they look nothing up;
* ``nullable`` on read-only fields that answer ``null`` (``default=None``, or a dotted source through
  a relation that may be empty or ending at a field that may be empty);
* path parameters limited to what the URL converters match (whole numbers for ``<int:>``, no ``/``
  for ``<str:>``); any other value matches no route and answers the same JSON 404
  (``lead_portal/errors.py``);
* a plain array, not a page, for list operations whose view answers the whole list itself (a ``list``
  of its own that neither calls ``paginate_queryset`` nor hands over to ``ListModelMixin.list``);
* for downloads (a view documenting ``application/octet-stream``), the file types it really serves:
  one per value of its model's ``Format`` choices (CSV ``text/csv``, XLSX, PDF).

New endpoints get all of this without a line of their own. A 409 (a report that is not ready yet) is
answered by one endpoint only, which documents it itself.
"""

from __future__ import annotations

import mimetypes
import re
from typing import Any

from django.core.exceptions import FieldDoesNotExist
from django.urls.converters import get_converters
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.plumbing import ResolvedComponent, build_bearer_security_scheme_object
from rest_framework import mixins, serializers
from rest_framework.permissions import AllowAny

OCTET_STREAM = "application/octet-stream"
ROUTE_PARAMETER = re.compile(r"<(?:(?P<converter>[^>:]+):)?(?P<name>\w+)>")  # path("…/<int:row_id>/")
REGEX_GROUP = re.compile(r"\(\?P<(?P<name>\w+)>(?P<regex>[^()]*)\)")  # re_path("…/(?P<row_id>[0-9]+)/")
BINARY = {"type": "string", "format": "binary"}
PAGE_PARAMETERS = {"page"}

ERROR = "Error"
VALIDATION_ERROR = "ValidationError"
ROW_ERROR = "RowError"

COMPONENTS: dict[str, dict[str, Any]] = {
    ERROR: {
        "type": "object",
        "description": "Why the request was refused.",
        "properties": {"detail": {"type": "string"}},
        "required": ["detail"],
    },
    ROW_ERROR: {
        "type": "object",
        "description": "One problem in an uploaded file: where it is and why.",
        "properties": {
            "line": {"type": "integer"},
            "field": {"type": "string"},
            "value": {"type": "string"},
            "reason": {"type": "string"},
        },
    },
    VALIDATION_ERROR: {
        "description": "What is wrong with the request, field by field (or row by row for an upload).",
        "oneOf": [
            {
                "type": "object",
                "properties": {
                    "non_field_errors": {"type": "array", "items": {"type": "string"}},
                    "errors": {"type": "array", "items": {"$ref": f"#/components/schemas/{ROW_ERROR}"}},
                },
                "additionalProperties": {},
            },
            {"type": "array", "items": {"type": "string"}},
        ],
    },
}

DESCRIPTIONS = {
    "400": "The request is not valid: what is wrong and where.",
    "401": "No valid API token (send `Authorization: Token <token>`).",
    "415": "The body is not of a media type this operation takes (JSON, a form, or a file upload).",
    "403": "Not signed in, the second factor not passed, or your role may not do this.",
    "404": (
        "Not found: no such object, or not one you may see (another ACO's data answers 404 exactly as a "
        "missing one; CMS-only endpoints answer 404 to ACO staff), or a page past the end of a list."
    ),
}


class APITokenScheme(OpenApiAuthenticationExtension):
    """The portal's django-rest-knox tokens: ``Authorization: Token <key>``."""

    target_class = "apps.accounts.authentication.APITokenAuthentication"
    name = "apiToken"

    def get_security_definition(self, auto_schema: AutoSchema) -> dict[str, Any]:
        definition: dict[str, Any] = build_bearer_security_scheme_object(
            header_name="Authorization",
            token_prefix="Token",  # noqa: S106 (the header's scheme word, not a secret)
        )
        definition["description"] = (
            "An API token from POST /api/auth/token/, sent as `Authorization: Token <token>`. Tokens expire "
            "(see `expiry`) and are revoked by POST /api/auth/logout/ (this one) or /api/auth/logout-all/."
        )
        return definition


class PortalAutoSchema(AutoSchema):
    """drf-spectacular's AutoSchema plus the answers every endpoint really gives (module docstring)."""

    def get_operation(
        self, path: str, path_regex: str, path_prefix: str, method: str, registry: Any
    ) -> dict[str, Any] | None:
        operation: dict[str, Any] | None = super().get_operation(path, path_regex, path_prefix, method, registry)
        if operation is None:
            return None
        self._document_url_values(operation, path_regex)
        responses: dict[str, Any] = operation["responses"]
        self._document_file_types(responses)
        if self._validates(operation, method) and not self._token_only():
            self._add_error(responses, "400", VALIDATION_ERROR)
        if "requestBody" in operation:
            self._add_error(responses, "415", ERROR)
        if self._needs_sign_in():
            if self._token_only():
                self._add_error(responses, "401", ERROR)
            else:
                self._add_error(responses, "403", ERROR)
                self._add_error(responses, "404", ERROR)
        for code in ("400", "403"):  # documented by the view without a body: the body it really has
            if code in responses and not responses[code].get("content"):
                self._add_error(responses, code, VALIDATION_ERROR if code == "400" else ERROR)
        operation["responses"] = dict(sorted(responses.items()))
        return operation

    @staticmethod
    def _document_url_values(operation: dict[str, Any], path_regex: str) -> None:
        """Path parameters take what the URL converter matches (``<int:>`` digits only, ``<str:>``
        no slash): any other value is no URL of the API at all (Django's 404 page, not the API's)."""
        converters = {m["name"]: m["regex"] for m in REGEX_GROUP.finditer(path_regex)}
        known = get_converters()
        for m in ROUTE_PARAMETER.finditer(path_regex):
            converter = known.get(m["converter"] or "str")
            if converter is not None:
                converters[m["name"]] = converter.regex
        for parameter in operation.get("parameters", []):
            regex = converters.get(parameter["name"]) if parameter.get("in") == "path" else None
            if regex is None:
                continue
            schema = parameter.setdefault("schema", {})
            if schema.get("type") == "integer" and regex == "[0-9]+":
                schema.setdefault("minimum", 0)
            elif schema.get("type") == "string":
                schema.setdefault("pattern", f"^{regex}$")

    def _get_serializer_field_meta(self, field: Any, direction: str) -> dict[str, Any]:
        """A read-only field can answer ``null`` where drf-spectacular would not say so: with
        ``default=None``, or with a dotted source through a relation that may be empty
        (``source="requested_by.username"`` when nobody is recorded). Say so (``nullable``)."""
        meta: dict[str, Any] = super()._get_serializer_field_meta(field, direction)
        if isinstance(field, serializers.Field) and field.read_only and self._may_be_null(field):
            meta["nullable"] = True
        return meta

    @staticmethod
    def _may_be_null(field: serializers.Field[Any, Any, Any, Any]) -> bool:
        if field.default is None:
            return True
        parts = (field.source or "").split(".")
        model = getattr(getattr(getattr(field, "parent", None), "Meta", None), "model", None)
        if len(parts) < 2:
            return False  # a plain model field: drf-spectacular reads its null itself
        for part in parts:  # the relations a dotted source walks through, and the field at its end
            if model is None:
                return False
            try:
                field_ = model._meta.get_field(part)
            except FieldDoesNotExist:
                return False
            if getattr(field_, "null", False):
                return True
            model = field_.related_model
        return False

    # --- what the view does ----------------------------------------------------------------------

    def _needs_sign_in(self) -> bool:
        return not all(isinstance(p, AllowAny) for p in self.view.get_permissions())

    def _token_only(self) -> bool:
        """Answers 401 rather than 403 when unauthenticated: DRF does so when the view's first
        authenticator names a scheme for ``WWW-Authenticate`` (token-only views)."""
        authenticators = self.view.get_authenticators()
        return bool(authenticators) and bool(authenticators[0].authenticate_header(self.view.request))

    def _get_paginator(self) -> Any:
        """No page for a list the view answers whole (its own ``list`` that does not paginate)."""
        own_list = getattr(type(self.view), "list", None)
        if own_list is not None and own_list is not mixins.ListModelMixin.list:
            names = own_list.__code__.co_names
            paginates = "paginate_queryset" in names or {"super", "list"} <= set(names)  # or ListModelMixin's
            if not paginates:
                return None
        return super()._get_paginator()

    @staticmethod
    def _validates(operation: dict[str, Any], method: str) -> bool:
        if "requestBody" in operation or method.upper() in {"POST", "PUT", "PATCH", "DELETE"}:
            return True
        return any(
            p.get("in") == "query" and p.get("name") not in PAGE_PARAMETERS for p in operation.get("parameters", [])
        )

    def _file_types(self) -> list[str]:
        """The file types a download serves: one per value of its model's ``Format`` choices."""
        serializer_class = getattr(self.view, "serializer_class", None)
        model = getattr(getattr(serializer_class, "Meta", None), "model", None)
        formats = getattr(model, "Format", None)
        types: list[str] = []
        for value in getattr(formats, "values", []):
            guessed, _ = mimetypes.guess_type(f"download.{value}")
            if guessed and guessed not in types:
                types.append(guessed)
        return types

    def _document_file_types(self, responses: dict[str, Any]) -> None:
        for code, response in responses.items():
            content = response.get("content") or {}
            if not code.startswith("2") or OCTET_STREAM not in content:
                continue
            types = self._file_types()
            if types:
                response["content"] = {t: {"schema": BINARY} for t in types}
                response.setdefault("description", "The file, as an attachment.")

    # --- the error bodies ------------------------------------------------------------------------

    def _add_error(self, responses: dict[str, Any], code: str, component: str) -> None:
        """Document ``code`` with its JSON error body; a description the view gave is kept."""
        for name, schema in COMPONENTS.items():
            self.registry.register_on_missing(
                ResolvedComponent(name=name, type=ResolvedComponent.SCHEMA, object=name, schema=schema)
            )
        response = responses.setdefault(code, {"description": DESCRIPTIONS[code]})
        response.setdefault("content", {"application/json": {"schema": {"$ref": f"#/components/schemas/{component}"}}})
