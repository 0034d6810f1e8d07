"""Maximal Flexibility designs (docs/cara.md, "Maximal Flexibility variants"): an ACO's own variant of one
of CMS's default episode definitions, reviewed by CMS. Every write (one transaction each, with the acting
user), the reads scoped to the ACO, and the review kind ``cara_design``.

An ACO administrator of a Global-risk ACO whose PY election includes CARA proposes a variant of one of the
PY's defaults: its own name, trigger (inpatient MS-DRGs or procedure HCPCS), trigger codes, a window of 30,
60 or 90 days, the claim categories counted and the excluded diagnoses (ICD-10 prefixes). The proposal is a
``DesignProposal`` whose fields are its review case's content; the workflow is the one review workflow
(``apps.reviews``): versions, the diff between the last two submissions, comments from both sides. CMS
reviewers start the review, request changes, approve or deny; approval creates the variant's
``EpisodeDefinition`` (design Maximal Flexibility), which the next episodes step builds beside the defaults.

Content (``review.content``, keys in ``FIELDS``):

    name                  text, at most 120 characters
    trigger_kind          inpatient | procedure
    trigger_codes         [MS-DRG (3 digits) | HCPCS (5 letters or digits)]
    window_days           30 | 60 | 90
    included_categories   [claim category keys, ``catalogue.CLAIM_CATEGORIES``]
    excluded_diagnoses    [ICD-10 code or prefix, without the dot]
    rationale             text (optional): why the ACO proposes it

Every save keeps the content whole and well formed (a form starts from the default's values); submission
also asks that the variant differ from its default.
"""

from __future__ import annotations

import re
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.http import Http404
from django.urls import NoReverseMatch, reverse
from django.utils.text import slugify

from apps.accounts.models import User
from apps.acos import selectors as aco_selectors
from apps.acos.models import ACO, Membership
from apps.reviews import registry
from apps.reviews import services as review_services
from apps.reviews.models import ReviewCase, ReviewComment, ReviewState

from .arrangements import cara_refusal
from .catalogue import CLAIM_CATEGORIES, WINDOWS, diagnosis_text
from .models import DesignProposal, EpisodeDefinition, TriggerKind

KIND = "cara_design"
S = ReviewState
EDITABLE_STATES = (S.DRAFT, S.CHANGES_REQUESTED)
WITHDRAWABLE_STATES = (S.DRAFT, S.SUBMITTED)
# Proposals whose name another proposal of the ACO may not reuse.
LIVE_STATES = (S.DRAFT, S.SUBMITTED, S.IN_REVIEW, S.CHANGES_REQUESTED, S.APPROVED)

FIELDS: dict[str, str] = {
    "name": "Name",
    "trigger_kind": "Trigger",
    "trigger_codes": "Trigger codes",
    "window_days": "Window",
    "included_categories": "Claim categories",
    "excluded_diagnoses": "Excluded diagnoses",
    "rationale": "Why this design",
}
# The fields that make the episode: a variant must differ from its default in at least one.
DESIGN_FIELDS = ("trigger_kind", "trigger_codes", "window_days", "included_categories", "excluded_diagnoses")
MAX_NAME = 120
MAX_RATIONALE = 5000
MAX_CODES = 100
MAX_EXCLUSIONS = 50
# An ICD-10 code or the start of one, without the dot: a letter, a digit, then up to five letters or digits.
ICD10_PREFIX = re.compile(r"^[A-Z][0-9][0-9A-Z]{0,5}$")
SEPARATORS = re.compile(r"[\s,;]+")

# What the API and the pages may ask, by name; who may is the services' and the workflow's business.
ACO_ACTIONS = ("submit", "withdraw")
ACTIONS = (*ACO_ACTIONS, *review_services.REVIEW_ACTIONS)


def field_label(key: str) -> str:
    return FIELDS.get(key, key.replace("_", " ").capitalize())


# --- content ---------------------------------------------------------------------------------------------


def _items(value: Any) -> list[str]:
    """A list of codes from a list, or from text separated by commas, semicolons or blanks."""
    if value is None:
        return []
    if isinstance(value, str):
        return [v for v in SEPARATORS.split(value.strip()) if v]
    if isinstance(value, list | tuple):
        return [str(v).strip() for v in value if str(v).strip()]
    raise ValidationError("send a list of codes, or codes separated by commas.")


def _quoted(values: list[str]) -> str:
    return ", ".join(f"\u201c{v}\u201d" for v in values)


def _clean_codes(value: Any, kind: str) -> list[str]:
    codes = list(dict.fromkeys(c.upper() for c in _items(value)))
    if not codes:
        raise ValidationError("give at least one trigger code.")
    if len(codes) > MAX_CODES:
        raise ValidationError(f"give at most {MAX_CODES} codes; there are {len(codes)}.")
    if kind == TriggerKind.INPATIENT:
        bad = [c for c in codes if not (len(c) == 3 and c.isdigit())]
        if bad:
            noun = "MS-DRG" if len(bad) == 1 else "MS-DRGs"
            verb = "is" if len(bad) == 1 else "are"
            raise ValidationError(f"{noun} {_quoted(bad)} {verb} not three digits (e.g. 470).")
    elif kind == TriggerKind.PROCEDURE:
        bad = [c for c in codes if not (len(c) == 5 and c.isalnum() and c.isascii())]
        if bad:
            noun = "HCPCS code" if len(bad) == 1 else "HCPCS codes"
            verb = "is" if len(bad) == 1 else "are"
            raise ValidationError(f"{noun} {_quoted(bad)} {verb} not five letters or digits (e.g. 92928).")
    return codes


def _clean_window(value: Any) -> int:
    text = str(value if value is not None else "").strip()
    if not text:
        raise ValidationError("choose 30, 60 or 90 days.")
    try:
        days = int(text)
    except ValueError:
        raise ValidationError(f"\u201c{text}\u201d is not a number of days; choose 30, 60 or 90.") from None
    if days not in WINDOWS:
        raise ValidationError(f"\u201c{text}\u201d days is not possible; choose 30, 60 or 90 days.")
    return days


def _clean_categories(value: Any) -> list[str]:
    chosen = list(dict.fromkeys(c.lower() for c in _items(value)))
    unknown = [c for c in chosen if c not in CLAIM_CATEGORIES]
    if unknown:
        noun = "is not a claim category" if len(unknown) == 1 else "are not claim categories"
        raise ValidationError(f"{_quoted(unknown)} {noun}; choose among: {', '.join(CLAIM_CATEGORIES)}.")
    if not chosen:
        raise ValidationError("choose at least one claim category.")
    return [c for c in CLAIM_CATEGORIES if c in chosen]  # in the catalogue's order


def _clean_exclusions(value: Any) -> list[str]:
    typed = _items(value)
    prefixes = list(dict.fromkeys(p.replace(".", "").upper() for p in typed))
    bad = [t for t in typed if not ICD10_PREFIX.match(t.replace(".", "").upper())]
    if bad:
        noun = "is not an ICD-10 code or prefix" if len(bad) == 1 else "are not ICD-10 codes or prefixes"
        raise ValidationError(
            f"{_quoted(bad)} {noun} (a letter, a digit, then up to five letters or digits, e.g. S72)."
        )
    if len(prefixes) > MAX_EXCLUSIONS:
        raise ValidationError(f"give at most {MAX_EXCLUSIONS} exclusions; there are {len(prefixes)}.")
    return prefixes


def _clean_text(value: Any, limit: int, *, required: bool) -> str:
    text = "" if value is None else str(value).strip()
    if required and not text:
        raise ValidationError("required.")
    if len(text) > limit:
        raise ValidationError(f"at most {limit:,} characters; this has {len(text):,}.")
    return text


def clean_content(data: dict[str, Any]) -> dict[str, Any]:
    """The whole content in its stored form, or ValidationError naming every field that is wrong, each
    message with the field's label and the value as typed (the rules of ``EpisodeDefinition.clean``)."""
    errors: dict[str, list[str]] = {}
    cleaned: dict[str, Any] = {}

    def attempt(key: str, clean: Any) -> None:
        try:
            cleaned[key] = clean()
        except ValidationError as exc:
            errors.setdefault(key, []).extend(f"{field_label(key)}: {m}" for m in exc.messages)

    for key in data:
        if key not in FIELDS:
            errors.setdefault(key, []).append(f"\u201c{key}\u201d is not part of an episode design.")
    attempt("name", lambda: _clean_text(data.get("name"), MAX_NAME, required=True))
    kind = str(data.get("trigger_kind") or "").strip()
    if kind not in TriggerKind.values:
        shown = f"\u201c{kind}\u201d is not a trigger; choose" if kind else "choose"
        errors["trigger_kind"] = [
            f"{field_label('trigger_kind')}: {shown} an inpatient stay (MS-DRG) or a procedure (HCPCS)."
        ]
    else:
        cleaned["trigger_kind"] = kind
        attempt("trigger_codes", lambda: _clean_codes(data.get("trigger_codes"), kind))
    attempt("window_days", lambda: _clean_window(data.get("window_days")))
    attempt("included_categories", lambda: _clean_categories(data.get("included_categories")))
    attempt("excluded_diagnoses", lambda: _clean_exclusions(data.get("excluded_diagnoses")))
    attempt("rationale", lambda: _clean_text(data.get("rationale"), MAX_RATIONALE, required=False))
    if errors:
        raise ValidationError(errors)
    return cleaned


def default_content(definition: EpisodeDefinition) -> dict[str, Any]:
    """A default's fields as a design's content: where a proposal starts."""
    return {
        "name": f"{definition.name} (variant)"[:MAX_NAME],
        "trigger_kind": definition.trigger_kind,
        "trigger_codes": [str(c).strip() for c in definition.trigger_codes],
        "window_days": definition.window_days,
        "included_categories": [c for c in CLAIM_CATEGORIES if c in (definition.included_categories or [])],
        "excluded_diagnoses": [str(p).replace(".", "").strip().upper() for p in definition.excluded_diagnoses or []],
        "rationale": "",
    }


def _normal(key: str, value: Any) -> Any:
    """A design field as compared with the default's: codes as the episodes step compares them."""
    if key == "trigger_codes":
        return sorted({str(c).strip().lstrip("0") or "0" for c in value or []})
    if key in ("included_categories", "excluded_diagnoses"):
        return sorted(set(value or []))
    return value


def differences(content: dict[str, Any], default: EpisodeDefinition) -> list[str]:
    """The design fields in which the content departs from its default."""
    base = default_content(default)
    return [k for k in DESIGN_FIELDS if _normal(k, content.get(k)) != _normal(k, base[k])]


def display(key: str, value: Any) -> str:
    """A content value in words, for the pages and the diff: labels, never raw codes of the portal."""
    if value in (None, "", []):
        return "None" if key == "excluded_diagnoses" else "\u2014"
    if key == "trigger_kind":
        return str(dict(TriggerKind.choices).get(value, value))
    if key == "window_days":
        return f"{value} days after discharge"
    if key == "included_categories":
        return "; ".join(CLAIM_CATEGORIES.get(c, str(c)) for c in value)
    if key == "excluded_diagnoses":
        return ", ".join(diagnosis_text(v) for v in value)
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    return str(value)


def diff_display(key: str, value: Any) -> str:
    """A value in the version diff (``Window: 90 days → 60 days``)."""
    if key == "window_days" and value not in (None, ""):
        return f"{value} days"
    return display(key, value)


# --- who may ----------------------------------------------------------------------------------------------


def _require_admin(aco: ACO, user: User) -> None:
    if not aco_selectors.user_can_edit_aco(user=user, aco=aco):
        raise PermissionDenied("Only the ACO's administrators can change this.")


def _require_editable(proposal: DesignProposal, user: User) -> None:
    _require_admin(proposal.aco, user)
    if proposal.review.state not in EDITABLE_STATES:
        raise ValidationError(
            f"This design is {proposal.review.get_state_display().lower()}; it can only be changed as a draft or "
            "when CMS asks for changes."
        )


def _refuse_unless_cara(aco: ACO, performance_year: int) -> None:
    refusal = cara_refusal(aco=aco, performance_year=performance_year)
    if refusal:
        raise ValidationError(f"{refusal} Maximal Flexibility designs are for ACOs in CARA.")


def _check_name(aco: ACO, performance_year: int, name: str, proposal: DesignProposal | None = None) -> None:
    others = DesignProposal.objects.filter(aco=aco, performance_year=performance_year, review__state__in=LIVE_STATES)
    if proposal is not None:
        others = others.exclude(pk=proposal.pk)
    names = {str((p.review.content or {}).get("name", "")).strip().lower() for p in others.select_related("review")}
    if name.lower() in names:
        message = f"{field_label('name')}: \u201c{name}\u201d is already the name of another of the ACO's designs."
        raise ValidationError({"name": [message]})


def _title(name: str, default: EpisodeDefinition) -> str:
    return f"{name} (Maximal Flexibility variant of {default.name})"[:200]


# --- the proposal -----------------------------------------------------------------------------------------


def default_for(*, based_on: Any, performance_year: int | None = None) -> EpisodeDefinition:
    """One of CMS's active default definitions (of the PY when given), or ValidationError."""
    rows = EpisodeDefinition.objects.filter(aco__isnull=True, design=EpisodeDefinition.Design.DEFAULT, active=True)
    if performance_year is not None:
        rows = rows.filter(performance_year=performance_year)
    try:
        found = rows.filter(pk=int(based_on)).first()
    except (TypeError, ValueError):
        found = None
    if found is None:
        year = f"PY{performance_year} " if performance_year else ""
        raise ValidationError(
            {"based_on": [f"Based on: \u201c{based_on}\u201d is not one of CMS's {year}default episode types."]}
        )
    return found


@transaction.atomic
def design_create(
    *, aco: ACO, based_on: EpisodeDefinition, acting_user: User, data: dict[str, Any] | None = None
) -> DesignProposal:
    """A draft variant of a default: the default's fields, with ``data``'s in their place."""
    _require_admin(aco, acting_user)
    based_on = default_for(based_on=based_on.pk)
    py = based_on.performance_year
    _refuse_unless_cara(aco, py)
    content = clean_content({**default_content(based_on), **(data or {})})
    _check_name(aco, py, content["name"])
    case = review_services.case_create(
        kind=KIND, title=_title(content["name"], based_on), content=content, acting_user=acting_user
    )
    proposal = DesignProposal(aco=aco, performance_year=py, based_on=based_on, review=case)
    proposal.full_clean()
    proposal.save()
    return proposal


@transaction.atomic
def design_update(*, proposal: DesignProposal, acting_user: User, data: dict[str, Any]) -> DesignProposal:
    """Save the draft: the fields given replace theirs, the others stay."""
    _require_editable(proposal, acting_user)
    content = clean_content({**(proposal.review.content or {}), **data})
    _check_name(proposal.aco, proposal.performance_year, content["name"], proposal)
    case = review_services.case_update_draft(case=proposal.review, content=content, acting_user=acting_user)
    title = _title(content["name"], proposal.based_on)
    if case.title != title:
        case.title = title  # the e-mails and the review history name the variant
        case.save(update_fields=["title"])
    proposal.review = case
    return proposal


@transaction.atomic
def design_submit(*, proposal: DesignProposal, acting_user: User) -> DesignProposal:
    """Send to CMS: the ACO must still be in CARA, and the design must differ from its default."""
    _require_editable(proposal, acting_user)
    _refuse_unless_cara(proposal.aco, proposal.performance_year)
    content = clean_content(proposal.review.content or {})
    if not differences(content, proposal.based_on):
        raise ValidationError(
            f"The design is the same as CMS's default \u201c{proposal.based_on.name}\u201d: change its trigger, "
            "trigger codes, window, claim categories or excluded diagnoses before submitting it."
        )
    proposal.review = review_services.case_submit(case=proposal.review, acting_user=acting_user)
    return proposal


def design_withdraw(*, proposal: DesignProposal, acting_user: User, reason: str = "") -> DesignProposal:
    proposal.review = review_services.case_withdraw(case=proposal.review, acting_user=acting_user, reason=reason)
    return proposal


def design_review_act(*, proposal: DesignProposal, acting_user: User, action: str, reason: str = "") -> DesignProposal:
    """CMS: start the review, request changes, approve or deny (a reason for the last three)."""
    proposal.review = review_services.case_review_act(
        case=proposal.review, acting_user=acting_user, action=action, reason=reason
    )
    if proposal.review.state == S.APPROVED:
        proposal.refresh_from_db(fields=["definition"])
    return proposal


def design_act(*, proposal: DesignProposal, acting_user: User, action: str, reason: str = "") -> DesignProposal:
    """Any move by name (the API's transitions): submit and withdraw for the ACO, the review's for CMS."""
    if action == "submit":
        return design_submit(proposal=proposal, acting_user=acting_user)
    if action == "withdraw":
        return design_withdraw(proposal=proposal, acting_user=acting_user, reason=reason)
    if action in ("start", *review_services.REVIEW_ACTIONS):
        return design_review_act(proposal=proposal, acting_user=acting_user, action=action, reason=reason)
    raise ValidationError({"action": [f"Action: \u201c{action}\u201d is not one of {', '.join(ACTIONS)}."]})


ACTION_DONE = {
    "submit": "Design submitted to CMS. CMS reviewers have been notified.",
    "withdraw": "Design withdrawn.",
}


def design_comment(*, proposal: DesignProposal, acting_user: User, body: str, section: str = "") -> ReviewComment:
    """A comment on the design or one of its fields; the ACO's administrators and CMS reviewers comment."""
    if section and section not in FIELDS:
        raise ValidationError({"section": [f"Section: \u201c{section}\u201d is not a field of an episode design."]})
    return review_services.comment_add(case=proposal.review, acting_user=acting_user, body=body, section=section)


def available_actions(*, proposal: DesignProposal, user: User) -> list[str]:
    """The moves the user may make on the proposal now."""
    state = proposal.review.state
    actions: list[str] = []
    if aco_selectors.user_can_edit_aco(user=user, aco=proposal.aco):
        if state in EDITABLE_STATES:
            actions.append("submit")
        if state in WITHDRAWABLE_STATES:
            actions.append("withdraw")
    if user.can_review:
        if state == S.SUBMITTED:
            actions.append("start_review")
        if state in (S.SUBMITTED, S.IN_REVIEW):
            actions += ["request_changes", "approve", "deny"]
    return actions


# --- approval: the variant --------------------------------------------------------------------------------


def _variant_code(default: EpisodeDefinition, aco: ACO) -> str:
    """``<default code>-<ACO id>-<n>``: unique in the PY, at most 40 characters."""
    n = 1
    while True:
        suffix = f"-{slugify(aco.aco_id)}-{n}"
        code = f"{default.code[: 40 - len(suffix)]}{suffix}"
        if not EpisodeDefinition.objects.filter(performance_year=default.performance_year, code=code).exists():
            return code
        n += 1


def _on_approved(case: ReviewCase, user: User) -> None:
    """Create the variant from the version CMS approved (inside the approval's transaction)."""
    proposal = DesignProposal.objects.select_for_update().select_related("aco", "based_on").get(review=case)
    if proposal.definition_id is not None:
        return
    version = case.versions.order_by("-number").first()
    content = clean_content(version.content if version is not None else case.content)
    default = proposal.based_on
    variant = EpisodeDefinition(
        performance_year=proposal.performance_year,
        code=_variant_code(default, proposal.aco),
        name=content["name"],
        design=EpisodeDefinition.Design.FLEXIBLE,
        aco=proposal.aco,
        based_on=default,
        trigger_kind=content["trigger_kind"],
        trigger_codes=content["trigger_codes"],
        window_days=content["window_days"],
        included_categories=content["included_categories"],
        excluded_diagnoses=content["excluded_diagnoses"],
    )
    variant.full_clean()
    variant.save()
    proposal.definition = variant
    proposal.save(update_fields=["definition"])


# --- reads ------------------------------------------------------------------------------------------------


def default_catalogue(*, performance_year: int) -> QuerySet[EpisodeDefinition]:
    """CMS's active default definitions of the PY, in catalogue order: what a variant starts from."""
    return EpisodeDefinition.objects.filter(
        performance_year=performance_year, aco__isnull=True, design=EpisodeDefinition.Design.DEFAULT, active=True
    ).order_by("pk")


def aco_designs(*, aco: ACO, performance_year: int | None = None) -> QuerySet[DesignProposal]:
    rows = DesignProposal.objects.filter(aco=aco).select_related(
        "aco", "based_on", "definition", "review", "review__created_by", "review__decided_by"
    )
    if performance_year is not None:
        rows = rows.filter(performance_year=performance_year)
    return rows.order_by("-review__created_at", "-pk")


def aco_design_get(*, aco: ACO, proposal_id: Any) -> DesignProposal:
    """One of the ACO's proposals; another ACO's answers 404 exactly as a missing one does."""
    try:
        pk = int(proposal_id)
    except (TypeError, ValueError):
        raise Http404("No such design.") from None
    row = aco_designs(aco=aco).filter(pk=pk).first()
    if row is None:
        raise Http404("No such design.")
    return row


def comparison(proposal: DesignProposal) -> list[dict[str, Any]]:
    """The proposal beside its default, field by field, with what differs marked."""
    content = proposal.review.content or {}
    base = default_content(proposal.based_on)
    base["name"] = proposal.based_on.name
    changed = set(differences(content, proposal.based_on))
    return [
        {
            "key": key,
            "label": field_label(key),
            "default": display(key, base[key]),
            "proposed": display(key, content.get(key)),
            "differs": key in changed,
        }
        for key in ("name", *DESIGN_FIELDS)
    ]


def version_changes(proposal: DesignProposal) -> list[dict[str, str]]:
    """What changed between the last two submissions, in labels and words."""
    from apps.reviews.selectors import version_diff

    return [
        {
            "field": row["field"],
            "label": field_label(row["field"]),
            "old": diff_display(row["field"], row["old"]),
            "new": diff_display(row["field"], row["new"]),
        }
        for row in version_diff(case=proposal.review)
    ]


# --- the review kind --------------------------------------------------------------------------------------


def _of(case: ReviewCase) -> DesignProposal | None:
    return DesignProposal.objects.filter(review=case).select_related("aco").first()


def _can_act_for_aco(user: User, case: ReviewCase) -> bool:
    proposal = _of(case)
    return proposal is not None and aco_selectors.user_can_edit_aco(user=user, aco=proposal.aco)


def _aco_recipients(case: ReviewCase) -> list[str]:
    proposal = _of(case)
    if proposal is None:
        return []
    return sorted(
        set(
            Membership.objects.filter(aco=proposal.aco, user__is_active=True)
            .exclude(user__email="")
            .values_list("user__email", flat=True)
        )
    )


def _case_url(case: ReviewCase) -> str:
    proposal = _of(case)
    if proposal is None:
        return ""
    try:
        return reverse("cara_designs:detail", kwargs={"aco_id": proposal.aco.aco_id, "proposal_id": proposal.pk})
    except NoReverseMatch:
        return ""


def register_review_kind() -> None:
    """Register the ``cara_design`` review kind (called from ``apps.py``)."""
    registry.register(
        registry.ReviewKind(
            key=KIND,
            label="CARA Maximal Flexibility design",
            can_act_for_aco=_can_act_for_aco,
            aco_recipients=_aco_recipients,
            on_approved=_on_approved,
            url=_case_url,
        )
    )
