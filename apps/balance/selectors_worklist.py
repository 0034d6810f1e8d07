"""Reading the GLP-1 outreach worklist (docs/balance.md, "Outreach worklist"): an ACO's likely-eligible and
needs-confirmation beneficiaries of a GLP-1 run, each with the ACO's outreach (status, assignee, note) joined
by MBI, filtered and sorted; the lifestyle programmes of a page of rows; the ACO's people an outreach may be
assigned to; a beneficiary's outreach and its history. Everything is scoped to the ACO: another ACO's beneficiary,
outreach or lifestyle enrolment is simply not found."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db.models import Case, CharField, Count, IntegerField, OuterRef, Q, QuerySet, Subquery, Value, When
from django.db.models.functions import Coalesce

from apps.accounts.models import User
from apps.acos.models import ACO

from .models import (
    EligibilityStatus,
    Glp1Beneficiary,
    Glp1Run,
    LifestyleProgramme,
    Outreach,
    OutreachChange,
    OutreachStatus,
)
from .selectors_lifestyle import participation

# The statuses the worklist shows: the people the ACO can help start therapy.
WORKLIST_STATUSES = (EligibilityStatus.LIKELY, EligibilityStatus.CONFIRM)
STATUS_FILTERS = [("", "Likely eligible or to confirm"), *[(s.value, s.label) for s in WORKLIST_STATUSES]]
ASSIGNEE_ME, ASSIGNEE_NONE = "me", "none"

_STATUS_RANK = Case(
    When(status=EligibilityStatus.LIKELY, then=Value(0)),
    default=Value(1),
    output_field=IntegerField(),
)
_OUTREACH_RANK = Case(
    *[When(outreach_status=s, then=Value(i)) for i, s in enumerate(OutreachStatus.values)],
    default=Value(0),
    output_field=IntegerField(),
)
# Sort keys: (label, ordering). The default puts the likely eligible first, the highest BMI class first.
SORTS: dict[str, tuple[str, tuple[str, ...]]] = {
    "priority": ("Likely eligible first, highest BMI", ("status_rank", "-bmi_class", "last_name", "first_name", "mbi")),
    "name": ("Name", ("last_name", "first_name", "mbi")),
    "mbi": ("MBI", ("mbi",)),
    "tin": ("TIN and NPI", ("tin", "npi", "last_name", "first_name", "mbi")),
    "bmi": ("BMI class, highest first", ("-bmi_class", "-bmi_date", "mbi")),
    "bmi_date": ("BMI code date, latest first", ("-bmi_date", "mbi")),
    "age": ("Age, oldest first", ("-age", "mbi")),
    "outreach": ("Outreach status", ("outreach_rank", "status_rank", "mbi")),
}
DEFAULT_SORT = "priority"


def assignees(*, aco: ACO) -> QuerySet[User]:
    """The people an outreach of the ACO may be assigned to: its active users (administrators and analysts)."""
    return User.objects.filter(memberships__aco=aco, is_active=True).distinct().order_by("first_name", "last_name")


def _with_outreach(qs: QuerySet[Glp1Beneficiary], aco: ACO) -> QuerySet[Glp1Beneficiary]:
    """Each row with the ACO's outreach to the beneficiary (no outreach row: not contacted)."""
    outreach = Outreach.objects.filter(aco=aco, mbi=OuterRef("mbi"))
    return qs.annotate(
        outreach_status=Coalesce(
            Subquery(outreach.values("status")[:1]), Value(OutreachStatus.NOT_CONTACTED), output_field=CharField()
        ),
        outreach_assignee_id=Subquery(outreach.values("assignee_id")[:1], output_field=IntegerField()),
        outreach_note=Coalesce(Subquery(outreach.values("note")[:1]), Value(""), output_field=CharField()),
        status_rank=_STATUS_RANK,
    ).annotate(outreach_rank=_OUTREACH_RANK)


def worklist(
    *,
    aco: ACO,
    run: Glp1Run,
    user: User | None = None,
    status: str = "",
    tin: str = "",
    npi: str = "",
    outreach: str = "",
    assignee: str = "",
    search: str = "",
    sort: str = DEFAULT_SORT,
) -> QuerySet[Glp1Beneficiary]:
    """The ACO's likely-eligible and needs-confirmation beneficiaries of ``run``, with their outreach.

    ``status`` one eligibility status of the worklist (else both); ``tin``/``npi`` the aligning TIN (or CCN)
    and NPI; ``outreach`` an outreach status; ``assignee`` "me" (``user``), "none" or a username of the ACO;
    ``search`` the start of an MBI, or of a last or first name; ``sort`` a key of ``SORTS``."""
    wanted = [status] if status in WORKLIST_STATUSES else list(WORKLIST_STATUSES)
    qs = _with_outreach(Glp1Beneficiary.objects.filter(run=run, aco=aco, status__in=wanted), aco)
    if tin.strip():
        qs = qs.filter(tin=tin.strip())
    if npi.strip():
        qs = qs.filter(npi=npi.strip())
    if outreach in OutreachStatus.values:
        qs = qs.filter(**{"outreach_status": outreach})
    if assignee == ASSIGNEE_ME and user is not None:
        qs = qs.filter(**{"outreach_assignee_id": user.pk})
    elif assignee == ASSIGNEE_NONE:
        qs = qs.filter(**{"outreach_assignee_id__isnull": True})
    elif assignee:
        person = assignees(aco=aco).filter(username=assignee).first()
        qs = qs.filter(**{"outreach_assignee_id": person.pk}) if person else qs.none()
    word = search.strip()
    if word:
        qs = qs.filter(
            Q(mbi__startswith=word.upper()) | Q(last_name__istartswith=word) | Q(first_name__istartswith=word)
        )
    return qs.order_by(*SORTS.get(sort, SORTS[DEFAULT_SORT])[1])


def worklist_units(*, aco: ACO, run: Glp1Run) -> list[str]:
    """The aligning TINs (or CCNs) of the ACO's worklist in ``run``."""
    qs = Glp1Beneficiary.objects.filter(run=run, aco=aco, status__in=WORKLIST_STATUSES).exclude(tin="")
    return list(qs.values_list("tin", flat=True).distinct().order_by("tin"))


def worklist_npis(*, aco: ACO, run: Glp1Run, tin: str = "") -> list[str]:
    """The aligning NPIs of the ACO's worklist in ``run`` (of one TIN when given)."""
    qs = Glp1Beneficiary.objects.filter(run=run, aco=aco, status__in=WORKLIST_STATUSES).exclude(npi="")
    if tin:
        qs = qs.filter(tin=tin)
    return list(qs.values_list("npi", flat=True).distinct().order_by("npi"))


def worklist_counts(*, aco: ACO, run: Glp1Run) -> dict[str, int]:
    """How many of the ACO's beneficiaries of ``run`` are likely eligible and to confirm."""
    counts = {s.value: 0 for s in WORKLIST_STATUSES}
    rows = (
        Glp1Beneficiary.objects.filter(run=run, aco=aco, status__in=WORKLIST_STATUSES)
        .values("status")
        .annotate(n=Count("id"))
        .order_by()
    )
    counts.update({row["status"]: row["n"] for row in rows})
    return counts


# The worklist's narrow column names each programme briefly (the full names: ``LifestyleProgramme``).
PROGRAMME_SHORT: dict[str, str] = {
    LifestyleProgramme.COACHING: "Coaching",
    LifestyleProgramme.NUTRITION: "Nutrition",
    LifestyleProgramme.CDP_REWARD: "CDP Reward",
}


def lifestyle_programmes(*, aco: ACO, mbis: Iterable[str]) -> dict[str, list[tuple[str, str]]]:
    """The lifestyle programmes each of a page of rows is or was enrolled in with the ACO, as (short label, full
    label) pairs, by MBI (an MBI in none is absent). One ``participation`` call: one query per 500 MBIs."""
    labels = dict(LifestyleProgramme.choices)
    return {
        mbi: [
            (PROGRAMME_SHORT.get(code, labels.get(code, code)), str(labels.get(code, code)))
            for code in found["programmes"]
        ]
        for mbi, found in participation(aco=aco, mbis=mbis).items()
    }


def beneficiary_lifestyle(*, aco: ACO, mbi: str) -> dict[str, Any]:
    """One beneficiary's lifestyle participation with the ACO (enrolments current or ended), for the GLP-1 page and
    its API: ``enrolled``, ``programmes`` (codes, in the order of ``LifestyleProgramme``), ``programme_labels``,
    ``sessions`` attended and ``last_session`` (None: none yet)."""
    found = participation(aco=aco, mbis=[mbi]).get(mbi)
    labels = dict(LifestyleProgramme.choices)
    codes = list(found["programmes"]) if found else []
    return {
        "enrolled": found is not None,
        "programmes": codes,
        "programme_labels": [str(labels.get(code, code)) for code in codes],
        "sessions": found["sessions"] if found else 0,
        "last_session": found["last_session"] if found else None,
    }


def users_by_id(ids: set[int | None]) -> dict[int, User]:
    """The assignees of a page of rows, by id (one query)."""
    wanted = {i for i in ids if i is not None}
    return {u.pk: u for u in User.objects.filter(pk__in=wanted)} if wanted else {}


def outreach_get(*, aco: ACO, mbi: str) -> Outreach | None:
    return Outreach.objects.filter(aco=aco, mbi=mbi).select_related("assignee", "updated_by").first()


def outreach_changes(*, aco: ACO, mbi: str) -> QuerySet[OutreachChange]:
    """Every change of the ACO's outreach to the beneficiary, newest first."""
    return OutreachChange.objects.filter(outreach__aco=aco, outreach__mbi=mbi).select_related("by", "assignee")
