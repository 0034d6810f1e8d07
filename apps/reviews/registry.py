"""Kinds of review. The app that owns a reviewed thing registers how the workflow talks to it:
who on the ACO side may act on a case, whom to notify, and what approval does."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from apps.accounts.models import User

    from .models import ReviewCase


@dataclass(frozen=True)
class ReviewKind:
    key: str
    label: str
    # True when the user may edit, submit and withdraw the case for its ACO.
    can_act_for_aco: Callable[[User, ReviewCase], bool]
    # E-mail addresses of the ACO people to tell when CMS acts on the case.
    aco_recipients: Callable[[ReviewCase], list[str]]
    # Runs inside the approval's transaction; raising ValidationError refuses the approval.
    on_approved: Callable[[ReviewCase, User], None] | None = None
    # Where a person sees the case.
    url: Callable[[ReviewCase], str] | None = None


_KINDS: dict[str, ReviewKind] = {}


def register(kind: ReviewKind) -> None:
    _KINDS[kind.key] = kind


def get(key: str) -> ReviewKind:
    try:
        return _KINDS[key]
    except KeyError:
        raise LookupError(f"No review kind {key!r} is registered") from None
