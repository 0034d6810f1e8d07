"""Every read of partner states, milestones and framework documents, scoped to the user.

CMS staff (reviewers and admins) see every state, milestone and document. An ACO's people see the
states in their ACO's ``states`` list (another state's code answers 404, as a missing one does),
the milestones of those states plus the model-wide ones, and a state's framework documents only
once CMS has selected the state.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count, Prefetch, Q, QuerySet
from django.http import Http404

from apps.accounts.models import User
from apps.acos.models import ACO
from apps.acos.selectors import aco_list_for_user
from apps.reviews.models import ReviewState

from ..models import FrameworkDocument, MedicaidState, Milestone, StateStatusChange


def _require_cms(user: User) -> None:
    if not (user.is_authenticated and user.is_cms):
        raise Http404("Not found.")


def _codes(aco: ACO) -> list[str]:
    return [str(code).upper() for code in (aco.states or [])]


# --- CMS ---------------------------------------------------------------------------------------


def states_for_cms(*, user: User) -> QuerySet[MedicaidState]:
    """Every state, with its arrangement counts per review state (``n_<state>``) for the list."""
    _require_cms(user)
    counts = {
        f"n_{state}": Count("arrangements", filter=Q(arrangements__review__state=state), distinct=True)
        for state in ReviewState.values
    }
    return MedicaidState.objects.annotate(**counts).prefetch_related(
        Prefetch("status_changes", queryset=StateStatusChange.objects.select_related("changed_by"))
    )


def state_get_for_cms(*, user: User, code: str) -> MedicaidState:
    _require_cms(user)
    state = MedicaidState.objects.filter(code=(code or "").upper()).first()
    if state is None:
        raise Http404("No such state.")
    return state


def milestones_for_cms(*, user: User, state: MedicaidState | None = None) -> QuerySet[Milestone]:
    """Every milestone (or one state's, with the model-wide ones when ``state`` is given)."""
    _require_cms(user)
    qs = Milestone.objects.select_related("state", "updated_by")
    if state is not None:
        qs = qs.filter(Q(state=state) | Q(state__isnull=True))
    return qs


def milestone_get_for_cms(*, user: User, milestone_id: int) -> Milestone:
    _require_cms(user)
    milestone = Milestone.objects.select_related("state").filter(pk=milestone_id).first()
    if milestone is None:
        raise Http404("No such milestone.")
    return milestone


def documents_for_cms(*, user: User, state: MedicaidState) -> QuerySet[FrameworkDocument]:
    _require_cms(user)
    return FrameworkDocument.objects.filter(state=state).select_related("uploaded_by")


def document_get_for_cms(*, user: User, state: MedicaidState, document_id: int) -> FrameworkDocument:
    document = documents_for_cms(user=user, state=state).filter(pk=document_id).first()
    if document is None:
        raise Http404("No such document.")
    return document


def history_for(*, state: MedicaidState) -> QuerySet[StateStatusChange]:
    """A state's status changes, oldest first (the caller has already been allowed to see it)."""
    return StateStatusChange.objects.filter(state=state).select_related("changed_by").order_by("changed_at", "id")


# --- an ACO's people ---------------------------------------------------------------------------


def states_for_aco(*, aco: ACO) -> QuerySet[MedicaidState]:
    """The states CMS lists that the ACO serves (the ACO was already scoped to the user)."""
    return MedicaidState.objects.filter(code__in=_codes(aco))


def state_get_for_aco(*, aco: ACO, code: str) -> MedicaidState:
    code = (code or "").upper()
    state = states_for_aco(aco=aco).filter(code=code).first()
    if state is None:
        raise Http404("No such state.")
    return state


def milestones_for_aco(*, aco: ACO, state: MedicaidState | None = None) -> QuerySet[Milestone]:
    """The model-wide milestones and those of the ACO's states (of one state when ``state`` is given)."""
    qs = Milestone.objects.select_related("state")
    if state is not None:
        return qs.filter(Q(state__isnull=True) | Q(state=state))
    return qs.filter(Q(state__isnull=True) | Q(state__code__in=_codes(aco)))


def documents_for_aco(*, aco: ACO, state: MedicaidState) -> QuerySet[FrameworkDocument]:
    """A state's documents, once it is selected (none before: the framework is CMS's until then)."""
    if not state.is_selected or state.code not in _codes(aco):
        return FrameworkDocument.objects.none()
    return FrameworkDocument.objects.filter(state=state).select_related("uploaded_by")


def document_get_for_aco(*, aco: ACO, state: MedicaidState, document_id: int) -> FrameworkDocument:
    document = documents_for_aco(aco=aco, state=state).filter(pk=document_id).first()
    if document is None:
        raise Http404("No such document.")
    return document


# --- any user ------------------------------------------------------------------------------------


def visible_codes(*, user: User) -> set[str] | None:
    """The state codes a user may see: None for CMS staff (every state), else their ACOs' states."""
    if user.is_authenticated and user.is_cms:
        return None
    codes: set[str] = set()
    for aco in aco_list_for_user(user=user):
        codes.update(_codes(aco))
    return codes


@dataclass(frozen=True)
class TimelineRow:
    """One milestone as the Gantt chart, its table and its CSV show it."""

    title: str
    state_code: str  # "" for a model-wide milestone
    state_name: str
    start: str  # ISO dates
    end: str
    status: str
    status_label: str

    @property
    def group(self) -> str:
        return f"{self.state_name} ({self.state_code})" if self.state_code else "Model-wide"


def timeline_rows(milestones: QuerySet[Milestone]) -> list[TimelineRow]:
    """Model-wide milestones first, then each state's in state-code order; by start within a group."""
    rows = [
        TimelineRow(
            title=m.title,
            state_code=m.state.code if m.state else "",
            state_name=m.state.name if m.state else "",
            start=m.start.isoformat(),
            end=m.end.isoformat(),
            status=m.status,
            status_label=str(m.get_status_display()),
        )
        for m in milestones
    ]
    return sorted(rows, key=lambda r: (r.state_code != "", r.state_code, r.start, r.end, r.title))
