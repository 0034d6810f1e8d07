"""Tenancy in one place. Every page or API endpoint under ``/acos/<aco_id>/`` goes through
these mixins: the ACO is looked up through the user's scope (another ACO answers 404, like a
missing one), and ``can_edit`` says whether the user may write. Services check the role again."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse

from apps.accounts.models import AccessLog
from apps.accounts.selectors import request_user
from apps.accounts.services import access_log_record

from . import selectors
from .models import ACO


def resolve_performance_year(value: Any) -> int:
    """The PY asked for (``?py=``) if the portal knows it, else the default PY."""
    years = selectors.performance_years()
    try:
        year = int(value)
    except (TypeError, ValueError):
        year = 0
    if year in years:
        return year
    default = selectors.default_performance_year()
    if default is None:
        raise Http404("No performance year is configured yet.")
    return default


class ACOScopedMixin(LoginRequiredMixin):
    """For class-based views whose URL carries ``aco_id``."""

    aco: ACO
    can_edit: bool
    request: HttpRequest
    write_methods: tuple[str, ...] = ("POST", "PUT", "PATCH", "DELETE")
    # Views that only show a form to editors set this: analysts get 403 for the GET too.
    editors_only = False

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        user = request_user(request)
        self.aco = selectors.aco_get_for_user(user=user, aco_id=kwargs["aco_id"])
        self.can_edit = selectors.user_can_edit_aco(user=user, aco=self.aco)
        if not self.can_edit and (self.editors_only or request.method in self.write_methods):
            if not getattr(self, "cms_may_write", False) or not user.can_review:
                raise PermissionDenied("Your role in this ACO is read-only.")
        self.performance_year = resolve_performance_year(request.GET.get("py") or kwargs.get("performance_year"))
        return super().dispatch(request, *args, **kwargs)  # type: ignore[return-value]

    def log(self, object_type: str, object_id: str, detail: str = "", action: str = AccessLog.Action.VIEW) -> None:
        """An access-log row: the user saw (or, with ``action``, exported) the ACO's beneficiary-level data."""
        access_log_record(
            request=self.request,
            action=action,
            object_type=object_type,
            object_id=object_id,
            aco_code=self.aco.aco_id,
            detail=detail,
        )

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context: dict[str, Any] = super().get_context_data(**kwargs)  # type: ignore[misc]
        context.update(
            aco=self.aco,
            can_edit=self.can_edit,
            performance_year=self.performance_year,
            performance_years=selectors.performance_years(),
            list_locked=selectors.list_is_locked(performance_year=self.performance_year),
            nav_current=getattr(self, "nav", ""),
        )
        return context


class CMSOnlyMixin(LoginRequiredMixin):
    """Pages for CMS staff; anyone else gets 404 (they need not know the page exists)."""

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if request.user.is_authenticated and not request.user.is_cms:
            raise Http404("Not found.")
        return super().dispatch(request, *args, **kwargs)  # type: ignore[return-value]
