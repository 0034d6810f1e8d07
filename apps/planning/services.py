"""Every write of the what-if planner, and the figures it keeps: scenarios and their versions (checked like a
list change), the alignment preview of a version (``preview.alignment_preview``, kept as a JSON document
with the run it compares with), the money preview (``money.py``) and filing a version as the real list
change (``acos.services.list_change``: the usual checks, applied now or sent to CMS after the deadline)."""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Mapping
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count, Max, Sum
from django.utils import timezone

from apps.accounts.models import User
from apps.acos import selectors as aco_selectors
from apps.acos import services as aco_services
from apps.acos.lists import CCN_RE, TIN_RE, check_participant_row
from apps.acos.models import ACO, AlignmentApproach, ListChangeRequest, ModelParameters, ParticipantTIN, RiskOption
from apps.alignment import selectors as alignment_selectors
from apps.alignment.models import AlignedBeneficiary

from . import money
from .models import Scenario, ScenarioVersion
from .preview import NOT_ASSESSED, Changes, Move, Preview, alignment_preview

MAX_LINES = 200  # changes per field of one version


def _require_editor(*, aco: ACO, user: User) -> None:
    if not aco_selectors.user_can_edit_aco(user=user, aco=aco):
        raise PermissionDenied("Only the ACO's administrators can write scenarios.")


# ---------------------------------------------------------------------------------------------------
# Checking a version's changes
# ---------------------------------------------------------------------------------------------------
def _lines(text: str) -> list[tuple[int, list[str]]]:
    """Non-blank lines of ``text`` as (line number, comma-separated fields trimmed)."""
    return [(n, [f.strip() for f in line.split(",")]) for n, line in enumerate(text.splitlines(), 1) if line.strip()]


def changes_from_text(*, aco: ACO, performance_year: int, data: Mapping[str, Any]) -> dict[str, Any]:
    """A version's changes from the form's (or API's) text fields, checked; ValidationError with one message
    per problem, naming the field, the line and the value as typed. Fields: ``add_tins`` ("TIN, legal name,
    practice ZIP[, facility type[, CCN;CCN]]" per line), ``remove_tins`` (a TIN per line), ``add_ccns`` and
    ``remove_ccns`` ("CCN, TIN" per line), ``risk_option`` and ``alignment_approach`` (empty: keep)."""
    errors: dict[str, list[str]] = defaultdict(list)
    for key, value in data.items():
        if isinstance(value, str) and "\x00" in value:
            errors[str(key)].append("Contains a NUL character, which no list entry can hold.")
    if errors:
        raise ValidationError(dict(errors))
    mine = {
        tin: list(ccns or [])
        for tin, ccns in ParticipantTIN.objects.filter(aco=aco, performance_year=performance_year).values_list(
            "tin", "ccns"
        )
    }
    add_tins: list[dict[str, Any]] = []
    for field_name in ("add_tins", "remove_tins", "add_ccns", "remove_ccns"):
        if len(_lines(str(data.get(field_name) or ""))) > MAX_LINES:
            errors[field_name].append(f"At most {MAX_LINES} lines.")
    for n, fields in _lines(str(data.get("add_tins") or ""))[:MAX_LINES]:
        tin = fields[0]
        row = {
            "aco_id": aco.aco_id,
            "performance_year": str(performance_year),
            "tin": tin,
            "legal_name": fields[1] if len(fields) > 1 else "",
            "practice_zip": fields[2] if len(fields) > 2 else "",
            "facility_type": fields[3] if len(fields) > 3 else "",
            "ccns": fields[4] if len(fields) > 4 else "",
            "new_to_aco": "false",
        }
        cleaned, row_errors = check_participant_row(row, n, aco_id=aco.aco_id, performance_years={performance_year})
        for e in row_errors:
            errors["add_tins"].append(f"Line {n}, {e.field} {e.value!r}: {e.reason}.")
        if tin in mine:
            errors["add_tins"].append(f"Line {n}, TIN {tin!r}: is already on your list.")
        if cleaned is not None and tin not in mine:
            add_tins.append(
                {k: cleaned[k] for k in ("tin", "legal_name", "practice_zip", "facility_type", "ccns", "new_to_aco")}
            )
    remove_tins: list[str] = []
    for n, fields in _lines(str(data.get("remove_tins") or ""))[:MAX_LINES]:
        tin = fields[0]
        if not TIN_RE.fullmatch(tin):
            errors["remove_tins"].append(f"Line {n}, TIN {tin!r}: a TIN is 9 digits.")
        elif tin not in mine:
            errors["remove_tins"].append(f"Line {n}, TIN {tin!r}: is not on your list for PY{performance_year}.")
        else:
            remove_tins.append(tin)
    if len({r["tin"] for r in add_tins}) != len(add_tins) or len(set(remove_tins)) != len(remove_tins):
        errors["add_tins" if len({r["tin"] for r in add_tins}) != len(add_tins) else "remove_tins"].append(
            "The same TIN is listed twice."
        )
    kept = (set(mine) - set(remove_tins)) | {r["tin"] for r in add_tins}
    ccn_changes: dict[str, list[dict[str, str]]] = {}
    for field_name in ("add_ccns", "remove_ccns"):
        rows: list[dict[str, str]] = []
        for n, fields in _lines(str(data.get(field_name) or ""))[:MAX_LINES]:
            ccn, tin = fields[0].upper(), fields[1] if len(fields) > 1 else ""
            if not CCN_RE.fullmatch(ccn):
                errors[field_name].append(f"Line {n}, CCN {fields[0]!r}: a CCN is 6 letters or digits.")
            elif not TIN_RE.fullmatch(tin):
                errors[field_name].append(f"Line {n}, TIN {tin!r}: give the TIN whose row lists the CCN (9 digits).")
            elif field_name == "add_ccns" and tin not in kept:
                errors[field_name].append(f"Line {n}, TIN {tin!r}: is not on your list in this scenario.")
            elif field_name == "add_ccns" and ccn in mine.get(tin, []):
                errors[field_name].append(f"Line {n}, CCN {ccn!r}: TIN {tin} already lists it.")
            elif field_name == "remove_ccns" and ccn not in mine.get(tin, []):
                errors[field_name].append(f"Line {n}, CCN {ccn!r}: TIN {tin} does not list it.")
            elif field_name == "remove_ccns" and tin in remove_tins:
                errors[field_name].append(f"Line {n}, TIN {tin!r}: the scenario removes the TIN with its CCNs.")
            else:
                rows.append({"ccn": ccn, "tin": tin})
        ccn_changes[field_name] = rows
    both = {r["ccn"] for r in ccn_changes["add_ccns"]} & {r["ccn"] for r in ccn_changes["remove_ccns"]}
    if both:
        errors["add_ccns"].append(f"CCNs both added and removed: {', '.join(sorted(both))}.")
    risk_option = str(data.get("risk_option") or "")
    if risk_option and risk_option not in RiskOption.values:
        errors["risk_option"].append(f"Unknown risk option {risk_option!r}.")
    approach = str(data.get("alignment_approach") or "")
    if approach and approach not in AlignmentApproach.values:
        errors["alignment_approach"].append(f"Unknown alignment approach {approach!r}.")
    if errors:
        raise ValidationError({k: v for k, v in errors.items()})
    return {
        "add_tins": add_tins,
        "remove_tins": remove_tins,
        "add_ccns": ccn_changes["add_ccns"],
        "remove_ccns": ccn_changes["remove_ccns"],
        "risk_option": risk_option,
        "alignment_approach": approach,
    }


def text_of(version: ScenarioVersion) -> dict[str, str]:
    """A version's changes as the form's text fields (to start the next version from)."""
    return {
        "add_tins": "\n".join(
            ", ".join(
                [r["tin"], r.get("legal_name", ""), r.get("practice_zip", ""), r.get("facility_type", "")]
                + ([";".join(r.get("ccns") or [])] if r.get("ccns") else [])
            ).rstrip(", ")
            for r in version.add_tins
        ),
        "remove_tins": "\n".join(version.remove_tins),
        "add_ccns": "\n".join(f"{r['ccn']}, {r['tin']}" for r in version.add_ccns),
        "remove_ccns": "\n".join(f"{r['ccn']}, {r['tin']}" for r in version.remove_ccns),
        "risk_option": version.risk_option,
        "alignment_approach": version.alignment_approach,
        "note": version.note,
    }


def changes_of(version: ScenarioVersion) -> Changes:
    """The alignment preview's changes of a version (a CCN listed on an added TIN is a CCN added)."""
    return Changes(
        add_tins=frozenset(r["tin"] for r in version.add_tins),
        remove_tins=frozenset(version.remove_tins),
        add_ccns=frozenset(
            [r["ccn"] for r in version.add_ccns] + [c for r in version.add_tins for c in r.get("ccns") or []]
        ),
        remove_ccns=frozenset(r["ccn"] for r in version.remove_ccns),
        alignment_approach=version.alignment_approach or None,
    )


def changes_from_operations(operations: Iterable[Mapping[str, Any]]) -> Changes:
    """The alignment preview's changes of a Participant TIN list change request's operations: an added
    row's TIN and CCNs, a removed row's TIN, an edited row's CCNs added and dropped."""
    add_tins, remove_tins, add_ccns, remove_ccns = set(), set(), set(), set()
    for op in operations:
        row, before = op.get("row") or {}, op.get("before") or {}
        if op.get("op") == "add":
            add_tins.add(str(row.get("tin", "")))
            add_ccns |= {str(c) for c in row.get("ccns") or []}
        elif op.get("op") == "remove":
            remove_tins.add(str(before.get("tin") or op["key"][0]))
        elif op.get("op") == "update":
            new, old = set(row.get("ccns") or []), set(before.get("ccns") or [])
            add_ccns |= new - old
            remove_ccns |= old - new
    return Changes(
        add_tins=frozenset(t for t in add_tins if t),
        remove_tins=frozenset(t for t in remove_tins if t),
        add_ccns=frozenset(add_ccns - remove_ccns),
        remove_ccns=frozenset(remove_ccns - add_ccns),
    )


# ---------------------------------------------------------------------------------------------------
# The preview document
# ---------------------------------------------------------------------------------------------------
def _move(m: Move) -> dict[str, Any]:
    return {
        "mbi": m.mbi,
        "before": m.before.reason,
        "after": m.after.reason,
        "cohort": m.cohort,
        "high_needs": m.high_needs,
    }


def _minimums(aco: ACO, performance_year: int, run: Any, totals: tuple[int, int, int]) -> dict[str, Any]:
    status = alignment_selectors.minimums_status(aco=aco, performance_year=performance_year, run=run, totals=totals)
    return {
        "category": status.category_label,
        "total_minimum": status.total_minimum,
        "claims_minimum": status.claims_minimum,
        "met": status.met,
        "total_short": status.total_short,
        "claims_short": status.claims_short,
    }


def preview_document(result: Preview, *, aco: ACO) -> dict[str, Any]:
    """The preview's figures as kept with a version (and shown, exported, put in the PDF). Other ACOs keep
    their ids here; pages for the ACO label them "another ACO" (``other_aco_rows``)."""
    from apps.alignment.models import AlignmentRun

    run = AlignmentRun.objects.filter(pk=result.run_id).first() if result.run_id is not None else None
    before = (result.before.aligned, result.before.claims_aligned, result.before.high_needs)
    after = (result.after.aligned, result.after.claims_aligned, result.after.high_needs)
    return {
        "performance_year": result.performance_year,
        "run_id": result.run_id,
        "run_is_midyear": result.run_is_midyear,
        "approach_changes_nothing": result.approach_changes_nothing,
        "changed_tins": list(result.changed_tins),
        "changed_ccns": list(result.changed_ccns),
        "affected": result.affected,
        "gained_count": result.gained_count,
        "lost_count": result.lost_count,
        "changed_count": len(result.changed),
        "gained_from_other_acos": sum(result.gained_from.values()),
        "lost_to_other_acos": sum(result.lost_to.values()),
        "gained_not_assessed": result.gained_not_assessed,
        "gained_by_cohort": dict(result.gained_by_cohort),
        "lost_by_cohort": dict(result.lost_by_cohort),
        "before": {
            "aligned": before[0],
            "claims_aligned": before[1],
            "high_needs": before[2],
            "high_needs_share": round(result.before.high_needs_share, 4),
            "minimums": _minimums(aco, result.performance_year, run, before),
        },
        "after": {
            "aligned": after[0],
            "claims_aligned": after[1],
            "high_needs": after[2],
            "high_needs_share": round(result.after.high_needs_share, 4),
            "minimums": _minimums(aco, result.performance_year, run, after),
        },
        "other_acos": {k: {"gains": v.gains, "losses": v.losses} for k, v in result.other_acos.items()},
        "gained": [_move(m) for m in result.gained],
        "lost": [_move(m) for m in result.lost],
        "changed": [_move(m) for m in result.changed],
        "drift": result.drift,
        "seconds": result.seconds,
        "computed_at": timezone.now().isoformat(timespec="seconds"),
    }


def other_aco_rows(document: Mapping[str, Any], *, show_ids: bool) -> list[dict[str, Any]]:
    """The other ACOs' gains and losses, largest change first; for an ACO's own people each is "Another
    ACO 1, 2, …" (no other ACO's id or name reaches an ACO's page), for CMS its id."""
    rows = sorted(
        (document.get("other_acos") or {}).items(), key=lambda kv: (-(kv[1]["gains"] + kv[1]["losses"]), kv[0])
    )
    return [
        {
            "label": aco_id if show_ids else f"Another ACO {i}",
            "gains": v["gains"],
            "losses": v["losses"],
            "net": v["gains"] - v["losses"],
        }
        for i, (aco_id, v) in enumerate(rows, 1)
    ]


def version_preview(version: ScenarioVersion, *, refresh: bool = False) -> ScenarioVersion:
    """Compute (or, against a newer alignment run, recompute) and keep a version's preview. An error
    (no alignment run yet) is kept for the page, never raised."""
    scenario = version.scenario
    latest = alignment_selectors.latest_run(performance_year=scenario.performance_year)
    if not refresh and version.preview is not None and latest is not None and version.preview_run_id == latest.pk:
        return version
    if latest is None:
        version.preview, version.preview_run = None, None
        version.preview_error = f"No alignment run of PY{scenario.performance_year} has finished yet."
    else:
        try:
            result = alignment_preview(
                performance_year=scenario.performance_year, aco=scenario.aco, changes=changes_of(version)
            )
        except (ValidationError, ValueError) as exc:
            version.preview, version.preview_error = None, " ".join(getattr(exc, "messages", [str(exc)]))[:255]
        else:
            version.preview, version.preview_run_id, version.preview_error = (
                preview_document(result, aco=scenario.aco),
                result.run_id,
                "",
            )
    version.save(update_fields=["preview", "preview_run", "preview_error"])
    return version


# ---------------------------------------------------------------------------------------------------
# Scenarios and versions
# ---------------------------------------------------------------------------------------------------
@transaction.atomic
def scenario_create(
    *, aco: ACO, performance_year: int, name: str, data: Mapping[str, Any], acting_user: User
) -> Scenario:
    """A new scenario with its first version (checked as ``changes_from_text``)."""
    _require_editor(aco=aco, user=acting_user)
    name = (name or "").strip()
    if not name:
        raise ValidationError({"name": ["Give the scenario a name."]})
    changes = changes_from_text(aco=aco, performance_year=performance_year, data=data)
    scenario = Scenario.objects.create(
        aco=aco, performance_year=performance_year, name=name[:120], created_by=acting_user
    )
    _version_create(scenario, changes, note=str(data.get("note") or ""), acting_user=acting_user)
    return scenario


def _version_create(scenario: Scenario, changes: dict[str, Any], *, note: str, acting_user: User) -> ScenarioVersion:
    number = (scenario.versions.aggregate(n=Max("number"))["n"] or 0) + 1
    version = ScenarioVersion.objects.create(
        scenario=scenario, number=number, note=note[:2000], created_by=acting_user, **changes
    )
    scenario.save(update_fields=["updated_at"])
    return version


@transaction.atomic
def version_save(*, scenario: Scenario, data: Mapping[str, Any], acting_user: User) -> ScenarioVersion:
    """A new version of ``scenario`` (earlier versions stay as they were)."""
    _require_editor(aco=scenario.aco, user=acting_user)
    Scenario.objects.select_for_update().filter(pk=scenario.pk).first()
    changes = changes_from_text(aco=scenario.aco, performance_year=scenario.performance_year, data=data)
    if "name" in data and str(data["name"]).strip():
        scenario.name = str(data["name"]).strip()[:120]
        scenario.save(update_fields=["name", "updated_at"])
    return _version_create(scenario, changes, note=str(data.get("note") or ""), acting_user=acting_user)


@transaction.atomic
def scenario_delete(*, scenario: Scenario, acting_user: User) -> None:
    _require_editor(aco=scenario.aco, user=acting_user)
    if scenario.versions.filter(filed_at__isnull=False).exists():
        raise ValidationError("A scenario with a filed version is kept: the filed change links to it.")
    scenario.delete()


# ---------------------------------------------------------------------------------------------------
# Filing
# ---------------------------------------------------------------------------------------------------
def filing_operations(version: ScenarioVersion) -> list[dict[str, Any]]:
    """The Participant TIN list operations of a version, as the list change takes them."""
    scenario = version.scenario
    fields = aco_services.LIST_FIELDS["participants"]
    existing = {
        row["tin"]: dict(row)
        for row in ParticipantTIN.objects.filter(aco=scenario.aco, performance_year=scenario.performance_year).values(
            *fields
        )
    }
    ccn_adds: dict[str, list[str]] = defaultdict(list)
    ccn_drops: dict[str, set[str]] = defaultdict(set)
    for r in version.add_ccns:
        ccn_adds[r["tin"]].append(r["ccn"])
    for r in version.remove_ccns:
        ccn_drops[r["tin"]].add(r["ccn"])
    ops: list[dict[str, Any]] = []
    for row in version.add_tins:
        data = {f: row.get(f, "" if f != "new_to_aco" else False) for f in fields}
        data["ccns"] = list(dict.fromkeys([*(row.get("ccns") or []), *ccn_adds.pop(row["tin"], [])]))
        ops.append({"op": "add", "key": [row["tin"]], "row": data})
    for tin in version.remove_tins:
        if tin in existing:
            ops.append({"op": "remove", "key": [tin], "before": existing[tin]})
    for tin in sorted(set(ccn_adds) | set(ccn_drops)):
        before = existing.get(tin)
        if before is None:
            continue
        ccns = [c for c in before["ccns"] or [] if c not in ccn_drops.get(tin, set())]
        ccns += [c for c in ccn_adds.get(tin, []) if c not in ccns]
        if ccns != list(before["ccns"] or []):
            ops.append({"op": "update", "key": [tin], "row": {**before, "ccns": ccns}, "before": before})
    return ops


@transaction.atomic
def version_file(*, version: ScenarioVersion, acting_user: User) -> aco_services.ListChangeOutcome:
    """File a version as the real change: its list operations through the normal list change (applied now
    before the PY's list deadline, else a change request for CMS), and its election change while elections
    are open (after the deadline the election is not filed, and the outcome says so). The version keeps
    the link to what it became. Nothing is written when the checks fail (the outcome's errors say why)."""
    scenario = version.scenario
    _require_editor(aco=scenario.aco, user=acting_user)
    ScenarioVersion.objects.select_for_update().filter(pk=version.pk).first()
    version.refresh_from_db()
    if version.filed_at is not None:
        raise ValidationError(f"Version {version.number} was already filed.")
    latest = scenario.latest_version()
    if latest is not None and latest.pk != version.pk:
        raise ValidationError(f"Only the latest version (version {latest.number}) can be filed.")
    if version.is_empty:
        raise ValidationError("This version changes nothing: there is nothing to file.")
    ops = filing_operations(version)
    outcome = aco_services.list_change(
        aco=scenario.aco,
        performance_year=scenario.performance_year,
        list_type="participants",
        ops=ops,
        acting_user=acting_user,
    )
    if outcome.errors:
        transaction.set_rollback(True)
        return outcome
    words = [outcome.message] if ops else []
    election = {
        k: v for k, v in (("risk_option", version.risk_option), ("alignment_approach", version.alignment_approach)) if v
    }
    if election:
        if aco_selectors.list_is_locked(performance_year=scenario.performance_year):
            words.append(
                "The election change was not filed: "
                + aco_selectors.elections_closed_message(performance_year=scenario.performance_year)
            )
        else:
            aco_services.election_save(
                aco=scenario.aco, performance_year=scenario.performance_year, data=election, acting_user=acting_user
            )
            words.append("Election updated.")
    version.filed_at = timezone.now()
    version.filed_by = acting_user
    version.filed_request = outcome.change_request
    version.filed_outcome = " ".join(words)[:255]
    version.save(update_fields=["filed_at", "filed_by", "filed_request", "filed_outcome"])
    return outcome


def version_for_request(change_request: ListChangeRequest) -> ScenarioVersion | None:
    return change_request.scenario_versions.select_related("scenario").first()


# ---------------------------------------------------------------------------------------------------
# Money
# ---------------------------------------------------------------------------------------------------
def money_baseline(*, aco: ACO, performance_year: int) -> money.Baseline | None:
    """The baseline of the money preview: the ACO's latest performance summary of the PY (None: none yet)."""
    from apps.performance import selectors as performance_selectors

    summary = performance_selectors.summary_latest(aco=aco, performance_year=performance_year)
    if summary is None:
        return None
    run = summary.run
    counts = dict(
        AlignedBeneficiary.objects.filter(run_id=run.alignment_run_id, aco=aco)
        .values_list("cohort")
        .annotate(n=Count("id"))
        .values_list("cohort", "n")
    )
    params = ModelParameters.objects.filter(performance_year=performance_year).first()
    corridors = params.corridors if params is not None else {}
    return money.baseline_from_summary(summary.data, run_id=run.pk, beneficiaries=counts, corridors=corridors)


def population_change(*, baseline: money.Baseline, document: Mapping[str, Any], aco: ACO) -> money.PopulationChange:
    """The preview's gains and losses per cohort, with the lost beneficiaries' own PY spending in the
    summary's pipeline run (``BeneficiarySpendingFact``)."""
    from apps.performance.models import BeneficiarySpendingFact

    lost = [m["mbi"] for m in document.get("lost", [])]
    spending: dict[str, float] = {}
    if lost:
        spending = {
            cohort: float(total or 0)
            for cohort, total in BeneficiarySpendingFact.objects.filter(run_id=baseline.run_id, aco=aco, mbi__in=lost)
            .values_list("cohort")
            .annotate(t=Sum("total"))
            .values_list("cohort", "t")
        }
    gained = dict(document.get("gained_by_cohort", {}))
    return money.PopulationChange(
        gained={k: int(v) for k, v in gained.items()},
        lost={k: int(v) for k, v in document.get("lost_by_cohort", {}).items() if k != NOT_ASSESSED},
        lost_spending=spending,
    )


SLIDER_RANGES = {
    "trend_pct": (-2.0, 8.0, 0.1),
    "tqs": (0.0, 100.0, 1.0),
    "risk_growth_pct": (-5.0, 5.0, 0.1),
    "spending": (-15.0, 15.0, 0.5),
}


def _number(value: Any, default: float, low: float, high: float) -> float:
    try:
        number = float(str(value).strip())
    except (TypeError, ValueError):
        return default
    if number != number or number in (float("inf"), float("-inf")):  # NaN or infinite
        return default
    return min(max(number, low), high)


def assumptions_from(params: Mapping[str, Any], baseline: money.Baseline, risk_option: str | None) -> money.Assumptions:
    """The sliders' values from a query string (out-of-range values are brought within range; unreadable
    ones fall back to the defaults: never an error)."""
    default = money.default_assumptions(baseline, risk_option)
    lo, hi, _ = SLIDER_RANGES["spending"]
    spending = {c.cohort: _number(params.get(f"spending_{c.cohort}"), 0.0, lo, hi) for c in baseline.cohorts}
    return money.Assumptions(
        trend_pct=_number(params.get("trend_pct"), default.trend_pct, *SLIDER_RANGES["trend_pct"][:2]),
        tqs=_number(params.get("tqs"), default.tqs, *SLIDER_RANGES["tqs"][:2]),
        risk_growth_pct=_number(params.get("risk_growth_pct"), 0.0, *SLIDER_RANGES["risk_growth_pct"][:2]),
        spending_change_pct=spending,
        risk_option=risk_option,
    )


def money_preview(
    *, version: ScenarioVersion, params: Mapping[str, Any]
) -> tuple[money.Baseline, money.Baseline, money.Assumptions, money.Outcome, money.Outcome] | None:
    """(baseline, scenario population, assumptions, today's outcome, the scenario's outcome) under the
    sliders' values in ``params``; None without a performance summary or a preview."""
    scenario = version.scenario
    baseline = money_baseline(aco=scenario.aco, performance_year=scenario.performance_year)
    if baseline is None or not version.preview:
        return None
    after = money.with_population(
        baseline, population_change(baseline=baseline, document=version.preview, aco=scenario.aco)
    )
    assumptions = assumptions_from(params, baseline, version.risk_option or None)
    today = money.outlook(baseline, money.Assumptions(**{**assumptions.__dict__, "risk_option": None}))
    return baseline, after, assumptions, today, money.outlook(after, assumptions)


def scenarios_for(*, aco: ACO, performance_year: int) -> Any:
    return (
        Scenario.objects.filter(aco=aco, performance_year=performance_year)
        .annotate(version_count=Count("versions"))
        .select_related("created_by")
    )


def mbi_names(mbis: Iterable[str]) -> dict[str, str]:
    """Names of beneficiaries (for the ACO's own lists of gains and losses)."""
    from apps.claims.models import Beneficiary

    wanted = [m for m in mbis if re.fullmatch(r"[0-9A-Z]{11}", m or "")]
    return {
        mbi: f"{first} {last}".strip().title()
        for mbi, first, last in Beneficiary.objects.filter(mbi__in=wanted).values_list("mbi", "first_name", "last_name")
    }
