"""Panels other apps add to the ACO's home page and to a list change request's page. Apps that depend on
``acos`` (alignment, quality, money, planning...) register a function from their AppConfig.ready(); acos
never imports them."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest
from django.template.loader import render_to_string
from django.utils.safestring import SafeString, mark_safe

from apps.accounts.models import User

from .models import ACO, ListChangeRequest

# A panel returns (template name, context) or None to show nothing.
Panel = Callable[[ACO, int], tuple[str, dict[str, object]] | None]
HOME_PANELS: list[Panel] = []


def register_home_panel(panel: Panel) -> Panel:
    if panel not in HOME_PANELS:
        HOME_PANELS.append(panel)
    return panel


def render_home_panels(
    *, request: HttpRequest, aco: ACO, performance_year: int, base: dict[str, object]
) -> list[SafeString]:
    rendered = []
    for panel in HOME_PANELS:
        found = panel(aco, performance_year)
        if found is not None:
            template, context = found
            rendered.append(mark_safe(render_to_string(template, {**base, **context}, request=request)))  # noqa: S308
    return rendered


# A change-request panel returns (template name, context) or None; it gets the request and the viewing user.
ChangeRequestPanel = Callable[[ListChangeRequest, User], tuple[str, dict[str, object]] | None]
CHANGE_REQUEST_PANELS: list[ChangeRequestPanel] = []


def register_change_request_panel(panel: ChangeRequestPanel) -> ChangeRequestPanel:
    if panel not in CHANGE_REQUEST_PANELS:
        CHANGE_REQUEST_PANELS.append(panel)
    return panel


def render_change_request_panels(
    *, request: HttpRequest, change_request: ListChangeRequest, user: User, base: dict[str, object]
) -> list[SafeString]:
    rendered = []
    for panel in CHANGE_REQUEST_PANELS:
        found = panel(change_request, user)
        if found is not None:
            template, context = found
            rendered.append(mark_safe(render_to_string(template, {**base, **context}, request=request)))  # noqa: S308
    return rendered
