"""API tokens (django-rest-knox): sent as ``Authorization: Token <key>``, stored hashed, one per
client (each sign-in gets its own), expiring after ``REST_KNOX["TOKEN_TTL"]``, revocable one by one
or all at once (README, API)."""

from __future__ import annotations

from typing import Any

from knox.auth import TokenAuthentication
from rest_framework.exceptions import AuthenticationFailed


class APITokenAuthentication(TokenAuthentication):
    """knox's token authentication. A header whose token is not UTF-8 (knox decodes it as such)
    is an invalid token, answered like any other, not a server error."""

    def authenticate_credentials(self, token: bytes) -> tuple[Any, Any]:
        try:
            token.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise AuthenticationFailed("Invalid token.") from exc
        result: tuple[Any, Any] = super().authenticate_credentials(token)
        return result
