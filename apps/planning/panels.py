"""The what-if preview on a list change request's page: the scenario it was filed from (when it was), and,
while the request waits for a decision, the same alignment preview computed for its operations against the
latest alignment run, for the CMS reviewer (with the other ACOs' ids) and for the ACO (other ACOs as
"another ACO"). Kept in the cache per request and run: the page does not recompute it on every view."""

from __future__ import annotations

from typing import Any

from django.core.cache import cache
from django.core.exceptions import ValidationError

from apps.accounts.models import User
from apps.acos.models import ListChangeRequest
from apps.alignment import selectors as alignment_selectors

from . import services
from .presentation import preview_context
from .preview import alignment_preview

PENDING = ("draft", "submitted", "in_review")


def request_preview(change_request: ListChangeRequest) -> tuple[dict[str, Any] | None, str]:
    """(the preview document, "") or (None, why there is none)."""
    if change_request.list_type != ListChangeRequest.ListType.PARTICIPANTS:
        return None, "Preferred Providers do not take part in alignment: nothing to preview."
    run = alignment_selectors.latest_run(performance_year=change_request.performance_year)
    if run is None:
        return None, f"No alignment run of PY{change_request.performance_year} has finished yet."
    # Ids alone could name another database's rows (a restored backup, a test's): the times pin them down.
    stamp = f"{change_request.review.created_at.timestamp()}:{run.finished_at.timestamp() if run.finished_at else ''}"
    key = f"planning:request-preview:{change_request.pk}:{run.pk}:{stamp}"
    document = cache.get(key)
    if document is None:
        changes = services.changes_from_operations(change_request.review.content.get("operations", []))
        try:
            result = alignment_preview(
                performance_year=change_request.performance_year, aco=change_request.aco, changes=changes
            )
        except (ValidationError, ValueError) as exc:
            return None, " ".join(getattr(exc, "messages", [str(exc)]))
        document = services.preview_document(result, aco=change_request.aco)
        cache.set(key, document, 24 * 3600)
    return document, ""


def change_request_panel(change_request: ListChangeRequest, user: User) -> tuple[str, dict[str, Any]] | None:
    version = services.version_for_request(change_request)
    pending = change_request.review.state in PENDING
    if version is None and not pending:
        return None
    context: dict[str, Any] = {"scenario_version": version, "preview_pending": pending}
    if pending:
        document, why = request_preview(change_request)
        context.update(request_preview=document, request_preview_missing=why)
        if document:
            context.update(preview_context(document, show_ids=bool(user.is_cms)))
    return "planning/_change_request_panel.html", context
