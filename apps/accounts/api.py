"""API pieces shared by every app: the exception handler and the access-log endpoint."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import serializers, status, viewsets
from rest_framework.authtoken.models import Token
from rest_framework.authtoken.views import ObtainAuthToken
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler
from rest_framework.views import set_rollback

from . import selectors
from .models import AccessLog
from .selectors import request_user


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """Services raise Django's ValidationError and PermissionDenied; the API answers 400 and 403
    with the same messages the pages show. Row errors keep line, field, value and reason."""
    if isinstance(exc, DjangoValidationError):
        row_errors = getattr(exc, "row_errors", None)
        if row_errors is not None:
            # Answered directly: DRF's ValidationError would turn every value into text, and a
            # row error's line is a number (as in the upload's 400 answer).
            set_rollback()
            return Response({"errors": [e.as_dict() for e in row_errors]}, status=status.HTTP_400_BAD_REQUEST)
        if hasattr(exc, "error_dict"):
            exc = ValidationError(exc.message_dict)
        else:
            exc = ValidationError({"non_field_errors": exc.messages})
    elif isinstance(exc, DjangoPermissionDenied):
        exc = PermissionDenied(str(exc) or None)
    return drf_exception_handler(exc, context)


class AccessLogSerializer(serializers.ModelSerializer[AccessLog]):
    class Meta:
        model = AccessLog
        fields = [
            "id",
            "at",
            "username",
            "action",
            "object_type",
            "object_id",
            "aco_code",
            "path",
            "ip_address",
            "detail",
        ]


class AccessLogViewSet(viewsets.ReadOnlyModelViewSet[AccessLog]):
    """Who viewed or exported which data (CMS admins only)."""

    serializer_class = AccessLogSerializer
    lookup_url_kwarg = "log_id"

    def get_queryset(self) -> Any:
        return selectors.access_log_list(
            user=request_user(self.request),
            aco_code=self.request.query_params.get("aco", ""),
            username=self.request.query_params.get("user", ""),
        )


class TokenView(ObtainAuthToken):
    """API tokens for ACO staff. CMS staff (who must pass TOTP) are refused: a token obtained
    with a password alone would skip the second factor. A CMS admin can issue them one in the
    administration pages."""

    def post(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        serializer = self.serializer_class(data=request.data, context={"request": request})
        serializer.is_valid(raise_exception=True)
        user = serializer.validated_data["user"]
        if user.requires_second_factor:
            raise PermissionDenied("CMS accounts sign in with a second factor; ask a CMS admin for an API token.")
        token, _ = Token.objects.get_or_create(user=user)
        return Response({"token": token.key})
