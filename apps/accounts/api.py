"""API pieces shared by every app: the exception handler, the access-log endpoint and API tokens."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import authenticate, user_logged_in, user_logged_out
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from drf_spectacular.utils import OpenApiResponse, extend_schema
from knox.views import LoginView as KnoxLoginView
from rest_framework import serializers, status, viewsets
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView, set_rollback
from rest_framework.views import exception_handler as drf_exception_handler

from . import selectors, services
from .authentication import APITokenAuthentication
from .models import AccessLog, User
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


class TokenRequestSerializer(serializers.Serializer[Any]):
    username = serializers.CharField(max_length=150)
    password = serializers.CharField(max_length=4096, trim_whitespace=False, style={"input_type": "password"})


class TokenSerializer(serializers.Serializer[Any]):
    token = serializers.CharField(help_text="Send it as `Authorization: Token <token>`. Shown once, stored hashed.")
    expiry = serializers.DateTimeField(help_text="When the token stops working (sign in again for a new one).")


class TokenView(KnoxLoginView):
    """API tokens for ACO staff: a username and password give a new token for this client, which
    expires (``expiry``) and can be revoked; signing in from another client gives that client its
    own token. CMS staff (who must pass TOTP) are refused: a token obtained with a password alone
    would skip the second factor. A CMS admin can issue them one in the administration pages."""

    authentication_classes: list[Any] = []  # the credentials are the request body
    permission_classes = [AllowAny]

    @extend_schema(
        request=TokenRequestSerializer,
        responses={
            200: TokenSerializer,
            400: OpenApiResponse(description="Wrong username or password, or a field missing"),
            403: OpenApiResponse(description="CMS staff, a locked-out account, or too many live tokens"),
        },
    )
    def post(self, request: Request, format: str | None = None) -> Response:
        serializer = TokenRequestSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        # The request goes to authenticate(): django-axes counts failures and locks out as on the login page.
        user = authenticate(request=request, **serializer.validated_data)
        if getattr(request, "axes_locked_out", False):
            raise PermissionDenied("Too many failed sign-ins: this account is locked for a while. Try again later.")
        if not isinstance(user, User):
            raise ValidationError({"non_field_errors": ["Unable to sign in with that username and password."]})
        instance, token = services.api_token_issue(user=user)
        user_logged_in.send(sender=User, request=request._request, user=user)
        return Response({"token": token, "expiry": self.format_expiry_datetime(instance.expiry)})


class TokenLogoutView(APIView):
    """Revoke the token this request is made with (this client only)."""

    authentication_classes = [APITokenAuthentication]
    permission_classes = [IsAuthenticated]

    @extend_schema(request=None, responses={204: None})
    def post(self, request: Request, format: str | None = None) -> Response:
        services.api_token_revoke(token=request.auth)
        user_logged_out.send(sender=User, request=request._request, user=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class TokenLogoutAllView(APIView):
    """Revoke every API token of the signed-in person (every client)."""

    authentication_classes = [APITokenAuthentication]
    permission_classes = [IsAuthenticated]

    @extend_schema(request=None, responses={204: None})
    def post(self, request: Request, format: str | None = None) -> Response:
        services.api_token_revoke_all(user=request_user(request))
        user_logged_out.send(sender=User, request=request._request, user=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)
