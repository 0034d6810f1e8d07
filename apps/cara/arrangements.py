"""EBRAs: every write of the lifecycle (one transaction each, with the acting user) and the reads scoped to
who asks (docs/cara.md, "Arrangements").

    draft → offered → accepted → submitted → approved → active → terminated
              ↘ declined            ↘ changes requested (edit, offer again) ↗
                                    ↘ denied
    withdrawn by the ACO from draft, offered, declined, accepted or submitted (before CMS starts)

Who does what:
- an **ACO administrator** drafts and edits (draft, declined, changes requested), offers, submits an
  accepted EBRA to CMS, withdraws, activates an approved one once its effective start has come, terminates;
- the **Preferred Provider's users** (``ProviderMembership`` with its TIN and NPI) accept or decline an offer;
- a **CMS reviewer** starts the review, requests changes, approves or denies (the review workflow,
  ``apps.reviews``: the submitted terms are its versions, with the diff and comments), and may terminate.

An EBRA is with one of the ACO's Preferred Providers of the PY that is not paid through NPCC or APO, for a
Global-risk ACO whose election for the PY includes CARA, inside the PY and on or after the first episode
date. Its terms freeze each type's baseline (the latest episode run's pooled base-year mean) and target.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q, QuerySet
from django.http import Http404
from django.urls import NoReverseMatch, reverse

from apps.accounts.models import User
from apps.acos import selectors as aco_selectors
from apps.acos.models import ACO, Capitation, Election, Membership, PreferredProvider, RiskOption
from apps.quality.engine import MEASURE_UAMCC, score_measure
from apps.quality.models import MeasureDefinition, MeasureMember
from apps.quality.selectors import latest_quality_run
from apps.reviews import registry
from apps.reviews import services as review_services
from apps.reviews.models import ReviewCase, ReviewState

from . import reconcile as math
from . import selectors
from .models import (
    Arrangement,
    ArrangementEvent,
    ArrangementStatus,
    ArrangementTerm,
    Episode,
    EpisodeBaseline,
    EpisodeDefinition,
    EpisodeRun,
    ProviderMembership,
    QualityLink,
    Reconciliation,
)
from .services import parameters_for

KIND = "cara_arrangement"
S = ArrangementStatus
EDITABLE = (S.DRAFT, S.DECLINED, S.CHANGES_REQUESTED)
WITHDRAWABLE = (S.DRAFT, S.OFFERED, S.DECLINED, S.ACCEPTED, S.SUBMITTED)
RECONCILED = (S.ACTIVE, S.TERMINATED)
ADJUSTMENT_RANGE = (Decimal(10), Decimal(100))
MAX_RATE = Decimal(50)
NOT_WITH = (Capitation.NPCC, Capitation.APO)


# --- who may ---------------------------------------------------------------------------------------------


def is_provider_user(user: User) -> bool:
    return user.is_authenticated and ProviderMembership.objects.filter(user=user).exists()


def provider_q(user: User, prefix: str = "preferred_provider__") -> Q:
    """Rows whose Preferred Provider (TIN and NPI) is one of the user's."""
    q = Q(pk__in=[])
    for tin, npi in ProviderMembership.objects.filter(user=user).values_list("tin", "npi"):
        q |= Q(**{f"{prefix}tin": tin, f"{prefix}npi": npi})
    return q


def is_party(user: User, arrangement: Arrangement) -> bool:
    pp = arrangement.preferred_provider
    return ProviderMembership.objects.filter(user=user, tin=pp.tin, npi=pp.npi).exists()


def _require_admin(arrangement_or_aco: Arrangement | ACO, user: User) -> None:
    aco = arrangement_or_aco.aco if isinstance(arrangement_or_aco, Arrangement) else arrangement_or_aco
    if not aco_selectors.user_can_edit_aco(user=user, aco=aco):
        raise PermissionDenied("Only the ACO's administrators can do this.")


def _require_party(arrangement: Arrangement, user: User) -> None:
    if not is_party(user, arrangement):
        raise PermissionDenied("Only the Preferred Provider's people can answer an offer.")


def _check(arrangement: Arrangement, *allowed: str) -> None:
    if arrangement.status not in allowed:
        raise ValidationError(
            f"This EBRA is {arrangement.get_status_display().lower()}; that action is not possible now."
        )


def _locked(arrangement: Arrangement) -> Arrangement:
    return Arrangement.objects.select_for_update().select_related("aco", "preferred_provider").get(pk=arrangement.pk)


def _move(arrangement: Arrangement, to: str, user: User, reason: str = "") -> None:
    ArrangementEvent.objects.create(
        arrangement=arrangement, from_status=arrangement.status, to_status=to, actor=user, reason=reason
    )
    arrangement.status = to
    arrangement.save(update_fields=["status", "updated_at"])


def _reason(reason: str, what: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": f"Give a reason {what}."})
    return reason[:2000]


# --- terms -----------------------------------------------------------------------------------------------


def _decimal(value: Any, label: str, low: Decimal, high: Decimal) -> Decimal:
    try:
        number = Decimal(str(value).strip().rstrip("%"))
    except (InvalidOperation, ValueError):
        raise ValidationError(f"{label}: enter a number, not “{value}”.") from None
    if not number.is_finite() or number < low or number > high:
        raise ValidationError(f"{label}: {number} is outside {low}–{high}%.")
    return number.quantize(Decimal("0.01"))


def _date(value: Any, label: str) -> dt.date:
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value).strip())
    except ValueError:
        raise ValidationError(f"{label}: enter a date as YYYY-MM-DD, not “{value}”.") from None


def definitions_for(*, aco: ACO, performance_year: int) -> QuerySet[EpisodeDefinition]:
    """The episode types an EBRA of the ACO may use: CMS's defaults and the ACO's approved variants."""
    return EpisodeDefinition.objects.filter(performance_year=performance_year, active=True).filter(
        Q(aco__isnull=True) | Q(aco=aco)
    )


def baselines_for(*, performance_year: int) -> tuple[EpisodeRun | None, dict[int, EpisodeBaseline]]:
    """The latest episode run's pooled base-year baselines, by definition."""
    run = selectors.latest_run(performance_year=performance_year)
    if run is None:
        return None, {}
    return run, {b.definition_id: b for b in EpisodeBaseline.objects.filter(run=run, year__isnull=True)}


def eligible_providers(*, aco: ACO, performance_year: int) -> QuerySet[PreferredProvider]:
    return aco_selectors.preferred_list(aco=aco, performance_year=performance_year).exclude(capitation__in=NOT_WITH)


def _clean_terms(
    *, aco: ACO, performance_year: int, data: dict[str, Any]
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The EBRA's fields and its terms, checked; ValidationError lists every problem."""
    errors: list[str] = []
    fields: dict[str, Any] = {}

    def attempt(key: str, fn: Any) -> None:
        try:
            fields[key] = fn()
        except ValidationError as exc:
            errors.extend(exc.messages)

    params = parameters_for(performance_year)
    attempt("effective_start", lambda: _date(data.get("effective_start"), "Effective from"))
    attempt("effective_end", lambda: _date(data.get("effective_end"), "Effective to"))
    attempt(
        "performance_adjustment_pct",
        lambda: _decimal(data.get("performance_adjustment_pct", 50), "Performance adjustment", *ADJUSTMENT_RANGE),
    )
    attempt(
        "repayment_limit_pct",
        lambda: _decimal(data.get("repayment_limit_pct", 20), "Repayment limit", Decimal(0), Decimal(100)),
    )
    measure = str(data.get("quality_measure") or QualityLink.UAMCC)
    if measure not in QualityLink.values:
        errors.append(f"Quality measure: choose {QualityLink.UAMCC.label}.")
    fields["quality_measure"] = measure
    start, end = fields.get("effective_start"), fields.get("effective_end")
    if start and end:
        if end < start:
            errors.append("Effective to: the end comes before the start.")
        if start.year != performance_year or end.year != performance_year:
            errors.append(f"Effective period: an EBRA of PY{performance_year} runs inside {performance_year}.")
        if start < params.first_episode_date:
            errors.append(
                f"Effective from: CARA episodes count for payment from {params.first_episode_date:%B %-d, %Y}."
            )
    run, baselines = baselines_for(performance_year=performance_year)
    allowed = {d.pk: d for d in definitions_for(aco=aco, performance_year=performance_year)}
    terms: list[dict[str, Any]] = []
    seen: set[int] = set()
    for i, raw in enumerate(data.get("terms") or [], start=1):
        try:
            definition = allowed[int(raw.get("definition"))]
        except (KeyError, TypeError, ValueError):
            errors.append(f"Episode type {i}: choose one of the PY{performance_year} episode types.")
            continue
        if definition.pk in seen:
            errors.append(f"{definition.name}: listed twice.")
            continue
        seen.add(definition.pk)
        adjustment = str(raw.get("adjustment") or "discount")
        if adjustment not in ArrangementTerm.Adjustment.values:
            errors.append(f"{definition.name}: choose a discount or a premium.")
            continue
        try:
            rate = _decimal(raw.get("rate_pct", 0), f"{definition.name}: {adjustment}", Decimal(0), MAX_RATE)
        except ValidationError as exc:
            errors.extend(exc.messages)
            continue
        baseline = baselines.get(definition.pk)
        if baseline is None or baseline.mean_cost_cents is None:
            errors.append(f"{definition.name}: no baseline yet (no closed base-year episodes); run the pipeline.")
            continue
        terms.append(
            {
                "definition": definition,
                "baseline_cents": baseline.mean_cost_cents,
                "baseline_run": run,
                "adjustment": adjustment,
                "rate_pct": rate,
                "target_cents": math.target_cents(baseline.mean_cost_cents, adjustment, rate),
            }
        )
    if not terms and not errors:
        errors.append("Episode types: choose at least one.")
    if errors:
        raise ValidationError(errors)
    return fields, terms


# An EBRA in one of these holds its Preferred Provider's episode types for its effective period.
LIVE = (S.OFFERED, S.ACCEPTED, S.SUBMITTED, S.CHANGES_REQUESTED, S.APPROVED, S.ACTIVE, S.TERMINATED)


def _check_overlap(
    *, provider: PreferredProvider, fields: dict[str, Any], terms: list[dict[str, Any]], exclude: int | None = None
) -> None:
    """One episode of a Preferred Provider is reconciled under one EBRA at most: no two live EBRAs with the
    same provider share an episode type over overlapping days."""
    codes = {t["definition"].pk: t["definition"].name for t in terms}
    others = (
        Arrangement.objects.filter(
            preferred_provider__tin=provider.tin,
            preferred_provider__npi=provider.npi,
            status__in=LIVE,
            effective_start__lte=fields["effective_end"],
            effective_end__gte=fields["effective_start"],
            terms__definition__in=list(codes),
        )
        .exclude(pk=exclude or 0)
        .distinct()
    )
    problems = []
    for other in others:
        end = other.terminated_on or other.effective_end
        if end < fields["effective_start"]:
            continue
        shared = sorted(codes[t.definition_id] for t in other.terms.all() if t.definition_id in codes)
        problems.append(
            f"{', '.join(shared)} with {provider.name} is already under EBRA {other.pk} "
            f"({other.get_status_display().lower()}) from {other.effective_start:%B %-d, %Y} to {end:%B %-d, %Y}."
        )
    if problems:
        raise ValidationError(problems)


def _check_party(aco: ACO, performance_year: int, provider_id: Any) -> PreferredProvider:
    provider = PreferredProvider.objects.filter(aco=aco, performance_year=performance_year, pk=provider_id).first()
    if provider is None:
        raise ValidationError(f"Preferred Provider: choose one of the ACO's PY{performance_year} Preferred Providers.")
    if provider.capitation in NOT_WITH:
        raise ValidationError(
            f"Preferred Provider: {provider.name} is paid through {provider.get_capitation_display()}; "
            "CARA arrangements are with Preferred Providers outside NPCC and APO."
        )
    return provider


def cara_refusal(*, aco: ACO, performance_year: int) -> str:
    """Why the ACO cannot enter EBRAs in the PY, or "" when it can."""
    election = Election.objects.filter(aco=aco, performance_year=performance_year).first()
    if election is None:
        return f"The ACO has no PY{performance_year} election."
    if election.risk_option != RiskOption.GLOBAL:
        return "CARA is for ACOs in the Global risk option."
    if not election.cara_participation:
        return f"The ACO's PY{performance_year} election does not include CARA."
    return ""


def _save_terms(arrangement: Arrangement, terms: list[dict[str, Any]]) -> None:
    arrangement.terms.all().delete()
    ArrangementTerm.objects.bulk_create(ArrangementTerm(arrangement=arrangement, **t) for t in terms)


@transaction.atomic
def arrangement_create(*, aco: ACO, acting_user: User, performance_year: int, data: dict[str, Any]) -> Arrangement:
    """A draft EBRA. ``data``: preferred_provider (id), effective_start, effective_end,
    performance_adjustment_pct, quality_measure, repayment_limit_pct and terms
    [{definition (id), adjustment (discount|premium), rate_pct}]."""
    _require_admin(aco, acting_user)
    refusal = cara_refusal(aco=aco, performance_year=performance_year)
    if refusal:
        raise ValidationError(refusal)
    provider = _check_party(aco, performance_year, data.get("preferred_provider"))
    fields, terms = _clean_terms(aco=aco, performance_year=performance_year, data=data)
    _check_overlap(provider=provider, fields=fields, terms=terms)
    arrangement = Arrangement.objects.create(
        aco=aco, preferred_provider=provider, performance_year=performance_year, created_by=acting_user, **fields
    )
    _save_terms(arrangement, terms)
    ArrangementEvent.objects.create(arrangement=arrangement, to_status=S.DRAFT, actor=acting_user)
    return arrangement


@transaction.atomic
def arrangement_update(*, arrangement: Arrangement, acting_user: User, data: dict[str, Any]) -> Arrangement:
    arrangement = _locked(arrangement)
    _require_admin(arrangement, acting_user)
    _check(arrangement, *EDITABLE)
    provider = _check_party(arrangement.aco, arrangement.performance_year, data.get("preferred_provider"))
    if arrangement.review_id is not None and provider.pk != arrangement.preferred_provider_id:
        raise ValidationError("Preferred Provider: an EBRA already submitted to CMS keeps its Preferred Provider.")
    fields, terms = _clean_terms(aco=arrangement.aco, performance_year=arrangement.performance_year, data=data)
    _check_overlap(provider=provider, fields=fields, terms=terms, exclude=arrangement.pk)
    for key, value in fields.items():
        setattr(arrangement, key, value)
    arrangement.preferred_provider = provider
    arrangement.save()
    _save_terms(arrangement, terms)
    return arrangement


def snapshot(arrangement: Arrangement) -> dict[str, Any]:
    """The terms as CMS reviews them (a review version's content), in words and dollars."""
    pp = arrangement.preferred_provider
    content: dict[str, Any] = {
        "preferred_provider": f"{pp.name} (TIN {pp.tin}, NPI {pp.npi})",
        "effective_period": f"{arrangement.effective_start.isoformat()} to {arrangement.effective_end.isoformat()}",
        "performance_adjustment": f"{arrangement.performance_adjustment_pct}% linked to "
        f"{arrangement.get_quality_measure_display()}",
        "repayment_limit": f"{arrangement.repayment_limit_pct}% of a period's total target price",
    }
    for term in arrangement.terms.select_related("definition").order_by("definition__code"):
        content[f"type:{term.definition.code}"] = (
            f"{term.definition.name} ({term.definition.get_design_display()}): baseline "
            f"${term.baseline_cents / 100:,.2f}, {term.get_adjustment_display().lower()} {term.rate_pct}%, "
            f"target ${term.target_cents / 100:,.2f}"
        )
    return content


SNAPSHOT_LABELS = {
    "preferred_provider": "Preferred Provider",
    "effective_period": "Effective period",
    "performance_adjustment": "Performance adjustment",
    "repayment_limit": "Repayment limit",
}


def snapshot_label(key: str) -> str:
    if key.startswith("type:"):
        return f"Episode type {key[5:]}"
    return SNAPSHOT_LABELS.get(key, key)


# --- the lifecycle ---------------------------------------------------------------------------------------


@transaction.atomic
def arrangement_offer(*, arrangement: Arrangement, acting_user: User) -> Arrangement:
    arrangement = _locked(arrangement)
    _require_admin(arrangement, acting_user)
    _check(arrangement, *EDITABLE)
    if not arrangement.terms.exists():
        raise ValidationError("Choose at least one episode type before offering the EBRA.")
    _check_overlap(
        provider=arrangement.preferred_provider,
        fields={"effective_start": arrangement.effective_start, "effective_end": arrangement.effective_end},
        terms=[{"definition": t.definition} for t in arrangement.terms.select_related("definition")],
        exclude=arrangement.pk,
    )
    _move(arrangement, S.OFFERED, acting_user)
    return arrangement


@transaction.atomic
def arrangement_accept(*, arrangement: Arrangement, acting_user: User) -> Arrangement:
    arrangement = _locked(arrangement)
    _require_party(arrangement, acting_user)
    _check(arrangement, S.OFFERED)
    _move(arrangement, S.ACCEPTED, acting_user)
    return arrangement


@transaction.atomic
def arrangement_decline(*, arrangement: Arrangement, acting_user: User, reason: str) -> Arrangement:
    arrangement = _locked(arrangement)
    _require_party(arrangement, acting_user)
    _check(arrangement, S.OFFERED)
    _move(arrangement, S.DECLINED, acting_user, _reason(reason, "for declining: the ACO sees it"))
    return arrangement


@transaction.atomic
def arrangement_submit(*, arrangement: Arrangement, acting_user: User) -> Arrangement:
    """Send the accepted terms to CMS: the review case's next version."""
    arrangement = _locked(arrangement)
    _require_admin(arrangement, acting_user)
    _check(arrangement, S.ACCEPTED)
    content = snapshot(arrangement)
    if arrangement.review is None:
        case = review_services.case_create(kind=KIND, title=arrangement.title, content=content, acting_user=acting_user)
        arrangement.review = case
        arrangement.save(update_fields=["review", "updated_at"])
    else:
        case = review_services.case_update_draft(case=arrangement.review, content=content, acting_user=acting_user)
    review_services.case_submit(case=case, acting_user=acting_user)
    _move(arrangement, S.SUBMITTED, acting_user)
    return arrangement


@transaction.atomic
def arrangement_withdraw(*, arrangement: Arrangement, acting_user: User, reason: str = "") -> Arrangement:
    arrangement = _locked(arrangement)
    _require_admin(arrangement, acting_user)
    _check(arrangement, *WITHDRAWABLE)
    if arrangement.status == S.SUBMITTED:
        review = arrangement.review
        if review is None or review.state != ReviewState.SUBMITTED:
            raise ValidationError("CMS has started its review; this EBRA can no longer be withdrawn.")
        review_services.case_withdraw(case=review, acting_user=acting_user, reason=reason)
    _move(arrangement, S.WITHDRAWN, acting_user, reason.strip())
    return arrangement


@transaction.atomic
def arrangement_review_act(
    *, arrangement: Arrangement, acting_user: User, action: str, reason: str = ""
) -> Arrangement:
    """CMS: start the review, request changes, approve or deny (``apps.reviews``), the EBRA following. An
    approved EBRA whose effective start has come is active at once."""
    arrangement = _locked(arrangement)
    if not acting_user.can_review:
        raise PermissionDenied("Only CMS reviewers can decide an EBRA.")
    _check(arrangement, S.SUBMITTED)
    if arrangement.review is None:
        raise ValidationError("This EBRA has no review case.")
    case = review_services.case_review_act(
        case=arrangement.review, acting_user=acting_user, action=action, reason=reason
    )
    if case.state == ReviewState.CHANGES_REQUESTED:
        _move(arrangement, S.CHANGES_REQUESTED, acting_user, reason.strip())
    elif case.state == ReviewState.DENIED:
        _move(arrangement, S.DENIED, acting_user, reason.strip())
    elif case.state == ReviewState.APPROVED:
        _move(arrangement, S.APPROVED, acting_user, reason.strip())
        if aco_selectors.portal_today() >= arrangement.effective_start:
            _move(arrangement, S.ACTIVE, acting_user, "The effective period had begun when CMS approved it.")
    if arrangement.status == S.ACTIVE:
        reconcile_arrangement(arrangement=arrangement)
    return arrangement


@transaction.atomic
def arrangement_activate(*, arrangement: Arrangement, acting_user: User) -> Arrangement:
    arrangement = _locked(arrangement)
    if not (acting_user.can_review or aco_selectors.user_can_edit_aco(user=acting_user, aco=arrangement.aco)):
        raise PermissionDenied("Only the ACO's administrators or CMS can activate an EBRA.")
    _check(arrangement, S.APPROVED)
    today = aco_selectors.portal_today()
    if today < arrangement.effective_start:
        raise ValidationError(f"The EBRA takes effect on {arrangement.effective_start:%B %-d, %Y}; activate it then.")
    _move(arrangement, S.ACTIVE, acting_user)
    reconcile_arrangement(arrangement=arrangement)
    return arrangement


@transaction.atomic
def arrangement_terminate(*, arrangement: Arrangement, acting_user: User, on: Any, reason: str) -> Arrangement:
    """End an approved or active EBRA on a day inside its effective period: episodes starting after it are
    not reconciled."""
    arrangement = _locked(arrangement)
    if not (acting_user.can_review or aco_selectors.user_can_edit_aco(user=acting_user, aco=arrangement.aco)):
        raise PermissionDenied("Only the ACO's administrators or CMS can terminate an EBRA.")
    _check(arrangement, S.APPROVED, S.ACTIVE)
    reason = _reason(reason, "for the termination: the Preferred Provider sees it")
    day = _date(on, "Terminated on")
    if not arrangement.effective_start <= day <= arrangement.effective_end:
        raise ValidationError(
            f"Terminated on: {day.isoformat()} is outside the effective period "
            f"({arrangement.effective_start.isoformat()} to {arrangement.effective_end.isoformat()})."
        )
    arrangement.terminated_on = day
    arrangement.termination_reason = reason
    arrangement.save(update_fields=["terminated_on", "termination_reason", "updated_at"])
    _move(arrangement, S.TERMINATED, acting_user, reason)
    reconcile_arrangement(arrangement=arrangement)
    return arrangement


# Every action by name, as pages and the API send it, and the role that sends it.
ACTIONS: dict[str, str] = {
    "offer": "aco",
    "submit": "aco",
    "withdraw": "aco",
    "activate": "aco",
    "terminate": "aco",
    "accept": "provider",
    "decline": "provider",
    "start_review": "cms",
    "request_changes": "cms",
    "approve": "cms",
    "deny": "cms",
}


def arrangement_act(
    *, arrangement: Arrangement, acting_user: User, action: str, reason: str = "", on: Any = None
) -> Arrangement:
    if action == "offer":
        return arrangement_offer(arrangement=arrangement, acting_user=acting_user)
    if action == "submit":
        return arrangement_submit(arrangement=arrangement, acting_user=acting_user)
    if action == "withdraw":
        return arrangement_withdraw(arrangement=arrangement, acting_user=acting_user, reason=reason)
    if action == "activate":
        return arrangement_activate(arrangement=arrangement, acting_user=acting_user)
    if action == "terminate":
        return arrangement_terminate(arrangement=arrangement, acting_user=acting_user, on=on, reason=reason)
    if action == "accept":
        return arrangement_accept(arrangement=arrangement, acting_user=acting_user)
    if action == "decline":
        return arrangement_decline(arrangement=arrangement, acting_user=acting_user, reason=reason)
    if action in review_services.REVIEW_ACTIONS or action == "start":
        return arrangement_review_act(arrangement=arrangement, acting_user=acting_user, action=action, reason=reason)
    raise ValidationError("Choose an action.")


ACTION_DONE: dict[str, str] = {
    "offer": "Offered to the Preferred Provider.",
    "submit": "Submitted to CMS.",
    "withdraw": "EBRA withdrawn.",
    "activate": "EBRA active.",
    "terminate": "EBRA terminated.",
    "accept": "Offer accepted; the ACO can now submit it to CMS.",
    "decline": "Offer declined; the ACO has been told why.",
    "start_review": "Review started.",
    "start": "Review started.",
    "request_changes": "Changes requested; the ACO has been notified.",
    "approve": "EBRA approved; the ACO has been notified.",
    "deny": "EBRA denied; the ACO has been notified.",
}


def available_actions(*, arrangement: Arrangement, user: User) -> list[str]:
    """The actions the user could take on the EBRA now (the pages show these buttons)."""
    out: list[str] = []
    status = arrangement.status
    if aco_selectors.user_can_edit_aco(user=user, aco=arrangement.aco):
        if status in EDITABLE:
            out += ["edit", "offer"]
        if status == S.ACCEPTED:
            out.append("submit")
        if status in WITHDRAWABLE and not (
            status == S.SUBMITTED and (arrangement.review is None or arrangement.review.state != ReviewState.SUBMITTED)
        ):
            out.append("withdraw")
        if status == S.APPROVED and aco_selectors.portal_today() >= arrangement.effective_start:
            out.append("activate")
    if status in (S.APPROVED, S.ACTIVE) and (
        user.can_review or aco_selectors.user_can_edit_aco(user=user, aco=arrangement.aco)
    ):
        out.append("terminate")
    if status == S.OFFERED and is_party(user, arrangement):
        out += ["accept", "decline"]
    if status == S.SUBMITTED and user.can_review and arrangement.review is not None:
        if arrangement.review.state == ReviewState.SUBMITTED:
            out.append("start_review")
        out.append("decide")
    return out


# --- reconciliation --------------------------------------------------------------------------------------


def provider_quality(*, arrangement: Arrangement, run: EpisodeRun) -> tuple[float | None, float | None, float | None]:
    """(rate, denominator, points) of the EBRA's measure for the Preferred Provider's attributed
    beneficiaries: those with an episode attributed to it in the run that started in the PY. UAMCC: admissions
    per 100 person-years over the ACO's UAMCC members among them, scored on the PY's decile table (lower is
    better). (None, None, None) when no quality run or no member."""
    py = arrangement.performance_year
    quality = latest_quality_run(performance_year=py)
    if quality is None:
        return None, None, None
    mbis = (
        Episode.objects.filter(run=run, aco=arrangement.aco, preferred_provider=arrangement.preferred_provider, year=py)
        .values("mbi")
        .distinct()
    )
    members = MeasureMember.objects.filter(run=quality, aco=arrangement.aco, measure=MEASURE_UAMCC, mbi__in=mbis)
    person_years = sum(v or 0.0 for v in members.filter(role="denominator").values_list("value", flat=True))
    if person_years <= 0:
        return None, None, None
    admissions = members.filter(role="numerator").count()
    rate = admissions / person_years * 100.0
    definition = MeasureDefinition.objects.filter(performance_year=py, code=MEASURE_UAMCC).first()
    points = score_measure(rate, definition.deciles, higher_is_better=False) if definition else None
    return rate, person_years, points


@transaction.atomic
def reconcile_arrangement(*, arrangement: Arrangement, run: EpisodeRun | None = None) -> list[Reconciliation]:
    """Recompute the EBRA's reconciliations from the PY's latest episode run: one per period that has begun
    by the claims' run-through. Only an active or terminated EBRA is reconciled."""
    arrangement = Arrangement.objects.select_related("aco", "preferred_provider").get(pk=arrangement.pk)
    if arrangement.status not in RECONCILED:
        return []
    run = run or selectors.latest_run(performance_year=arrangement.performance_year)
    if run is None or run.through is None:
        return []
    params = parameters_for(arrangement.performance_year)
    end = min(arrangement.effective_end, arrangement.terminated_on or arrangement.effective_end)
    terms = {t.definition_id: t for t in arrangement.terms.select_related("definition")}
    rate, denominator, points = provider_quality(arrangement=arrangement, run=run)
    kept: list[Reconciliation] = []
    for first, last in math.periods(arrangement.effective_start, end, params.reconciliation_months):
        if first > run.through:
            break
        episodes = list(
            Episode.objects.filter(
                run=run,
                aco=arrangement.aco,
                preferred_provider=arrangement.preferred_provider,
                definition_id__in=list(terms),
                payment=True,
                start_date__gte=first,
                start_date__lte=last,
            ).order_by("start_date", "mbi", "pk")
        )
        closed = [e for e in episodes if e.closed]
        outcome = math.reconcile(
            (math.Line(terms[e.definition_id].target_cents, e.cost_cents) for e in closed),
            adjustment_pct=arrangement.performance_adjustment_pct,
            points=None if points is None or points != points else points,
            repayment_limit_pct=arrangement.repayment_limit_pct,
        )
        lines = [
            {
                "episode": e.pk,
                "mbi": e.mbi,
                "type": terms[e.definition_id].definition.name,
                "start": e.start_date.isoformat(),
                "end": e.end_date.isoformat(),
                "trigger": e.trigger_code,
                "target_cents": terms[e.definition_id].target_cents,
                "actual_cents": e.cost_cents,
            }
            for e in closed
        ]
        row, _ = Reconciliation.objects.update_or_create(
            arrangement=arrangement,
            period_start=first,
            defaults={
                "period_end": last,
                "episode_run": run,
                "episodes": outcome.episodes,
                "open_episodes": len(episodes) - len(closed),
                "target_cents": outcome.target_cents,
                "actual_cents": outcome.actual_cents,
                "difference_cents": outcome.difference_cents,
                "measure": arrangement.quality_measure,
                "measure_rate": rate,
                "measure_denominator": denominator,
                "quality_points": None if points is None or points != points else points,
                "adjustment_factor": outcome.factor,
                "adjusted_cents": outcome.adjusted_cents,
                "repayment_cap_cents": outcome.repayment_cap_cents,
                "capped": outcome.capped,
                "amount_cents": outcome.amount_cents,
                "final": last <= run.through and len(episodes) == len(closed),
                "lines": lines,
            },
        )
        kept.append(row)
    arrangement.reconciliations.exclude(pk__in=[r.pk for r in kept]).delete()
    return kept


def reconcile_performance_year(*, performance_year: int, run: EpisodeRun | None = None) -> int:
    """Every active or terminated EBRA of the PY (the pipeline calls this after the episodes step)."""
    count = 0
    for arrangement in Arrangement.objects.filter(performance_year=performance_year, status__in=RECONCILED):
        count += len(reconcile_arrangement(arrangement=arrangement, run=run))
    return count


# --- reads -----------------------------------------------------------------------------------------------


def aco_arrangements(*, aco: ACO, performance_year: int | None = None) -> QuerySet[Arrangement]:
    rows = Arrangement.objects.filter(aco=aco).select_related("preferred_provider", "review")
    if performance_year is not None:
        rows = rows.filter(performance_year=performance_year)
    return rows.order_by("-created_at", "-pk")


def aco_arrangement_get(*, aco: ACO, arrangement_id: Any) -> Arrangement:
    try:
        pk = int(arrangement_id)
    except (TypeError, ValueError):
        raise Http404("No such EBRA.") from None
    row = aco_arrangements(aco=aco).filter(pk=pk).first()
    if row is None:
        raise Http404("No such EBRA.")
    return row


def provider_arrangements(*, user: User) -> QuerySet[Arrangement]:
    """A Preferred Provider user's EBRAs: those with its TIN and NPI, once offered (never a draft)."""
    return (
        Arrangement.objects.filter(provider_q(user))
        .exclude(status__in=(S.DRAFT,))
        .select_related("aco", "preferred_provider", "review")
        .order_by("-created_at", "-pk")
    )


def provider_arrangement_get(*, user: User, arrangement_id: Any) -> Arrangement:
    try:
        pk = int(arrangement_id)
    except (TypeError, ValueError):
        raise Http404("No such EBRA.") from None
    row = provider_arrangements(user=user).filter(pk=pk).first()
    if row is None:
        raise Http404("No such EBRA.")
    return row


def cms_arrangements(*, user: User) -> QuerySet[Arrangement]:
    if not user.is_cms:
        raise PermissionDenied("Only CMS staff see every ACO's EBRAs.")
    return Arrangement.objects.select_related("aco", "preferred_provider", "review").order_by("-created_at", "-pk")


# --- the review kind -------------------------------------------------------------------------------------


def _of(case: ReviewCase) -> Arrangement | None:
    return Arrangement.objects.filter(review=case).select_related("aco").first()


def _can_act_for_aco(user: User, case: ReviewCase) -> bool:
    arrangement = _of(case)
    return arrangement is not None and aco_selectors.user_can_edit_aco(user=user, aco=arrangement.aco)


def _aco_recipients(case: ReviewCase) -> list[str]:
    arrangement = _of(case)
    if arrangement is None:
        return []
    return sorted(
        set(
            Membership.objects.filter(aco=arrangement.aco, user__is_active=True)
            .exclude(user__email="")
            .values_list("user__email", flat=True)
        )
    )


def _case_url(case: ReviewCase) -> str:
    arrangement = _of(case)
    if arrangement is None:
        return ""
    try:
        return reverse(
            "cara:arrangement_detail", kwargs={"aco_id": arrangement.aco.aco_id, "arrangement_id": arrangement.pk}
        )
    except NoReverseMatch:
        return ""


def register_review_kinds() -> None:
    registry.register(
        registry.ReviewKind(
            key=KIND,
            label="CARA episode-based risk arrangement",
            can_act_for_aco=_can_act_for_aco,
            aco_recipients=_aco_recipients,
            url=_case_url,
        )
    )
