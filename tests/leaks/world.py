"""The leak scanner's world: two ACOs, A (the one whose answers are read) and B (whose identifiers and
figures must never appear in them), with data in every area, built the way the portal builds it.

* Claims, lists, voluntary records and quality files come from ``generate_cclf`` (a small deterministic
  bundle), with the CSV files rewritten so every name of each ACO carries its own marker word
  (``Quillmarsh`` for A, ``Zephyrwold`` for B) and the ACO ids are ones nothing else uses; every
  beneficiary gets a surname made from their MBI, so a beneficiary of B has a name found nowhere else.
* ``load_dataset`` loads it and ``run_pipeline`` computes everything (alignment, quality, rural, duals,
  money, one performance summary per ACO), so run objects carry the portal-wide figures a careless
  answer would show. Then B files voluntary records for two of A's beneficiaries (one leaves A for B,
  the other stays with A through A's TIN) and the pipeline runs again: A's churn, explanations and
  voluntary list have another ACO to (not) name.
* Through the services, for each ACO: a pending list change request, an approved BE/BEI plan with an
  attachment and a delivery, a submitted Medicaid partnership arrangement, a data-sharing opt-out, ALR
  exports (CSV, XLSX) and performance reports (PDF, XLSX, CSV).

``secrets_of_b`` then reads back from the database what belongs to B and not to A.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db import transaction
from django.test import TestCase, override_settings

from apps.accounts.models import User
from apps.acos.models import ACO, Membership, ParticipantTIN, PreferredProvider
from apps.alignment.models import AlignedBeneficiary, AlignmentExport, AlignmentRun
from apps.claims.models import Beneficiary, BeneficiarySnapshot, VoluntaryAlignment
from apps.performance.models import PerformanceReport, PerformanceSummary, PipelineRun
from tests.factories import (
    CMSUserFactory,
    MembershipFactory,
    add_participant_op,
    change_request_create,
    medicaid_state,
)

PY = 2027
TODAY = "2027-06-15"  # PY2027 under way: the default year of every page and endpoint
SEED = 7
BENEFICIARIES = 240

A_ID, B_ID = "Q3141", "Z8275"
A_WORD, B_WORD = "Quillmarsh", "Zephyrwold"
B_CCN = "368275"  # an Ohio FQHC (36xxxx) that nothing else lists

SYLLABLES = ["ka", "lo", "mu", "ne", "ri", "so", "tu", "vi", "xe", "zo", "be", "da", "fi", "go", "hu", "jy"]


def surname(mbi: str) -> str:
    """A made-up surname from the MBI, found nowhere else (e.g. ``Kalomunerisotuvixe...``)."""
    return "".join(SYLLABLES[ord(c) % len(SYLLABLES)] for c in mbi).capitalize()[:40]


@dataclass
class Side:
    aco: ACO
    word: str
    admin: User
    analyst: User


@dataclass
class Provider:
    """A Preferred Provider user (CARA) and its EBRA with its ACO, with episodes attributed to it."""

    user: User
    pp: PreferredProvider
    arrangement: Any  # apps.cara.models.Arrangement, active
    episodes: list[Any]  # apps.cara.models.Episode


@dataclass
class LeakWorld:
    a: Side
    b: Side
    cms: User
    pipeline_run: PipelineRun
    bundle: Path
    notes: list[str] = field(default_factory=list)
    # CARA: two Preferred Providers of A (``pp`` is the one whose user's answers are read, ``pp2`` the other)
    # and one of B, each with its user, an active EBRA, episodes, reconciliations and statements.
    providers: dict[str, Provider] = field(default_factory=dict)


# --- the bundle ------------------------------------------------------------------------------------


def _rewrite(path: Path, change: Any) -> None:
    with path.open(newline="") as f:
        rows = list(csv.DictReader(f))
    header = list(rows[0]) if rows else []
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=header, lineterminator="\n")
    writer.writeheader()
    for n, row in enumerate(rows, start=1):
        writer.writerow(change(row, n))
    path.write_text(out.getvalue())


def _bundle(folder: Path) -> Path:
    call_command(
        "generate_cclf",
        out=str(folder),
        beneficiaries=BENEFICIARIES,
        acos=2,
        seed=SEED,
        performance_year=PY,
        workers=1,
        stdout=io.StringIO(),
    )
    ids = {"L0001": A_ID, "L0002": B_ID}
    ccns_given: set[str] = set()
    words = {A_ID: A_WORD, B_ID: B_WORD}

    def aco_row(row: dict[str, str], n: int) -> dict[str, str]:
        row["aco_id"] = ids[row["aco_id"]]
        row["legal_name"] = f"{words[row['aco_id']]} Health Partners ACO, LLC"
        return row

    def participant(row: dict[str, str], n: int) -> dict[str, str]:
        row["aco_id"] = ids[row["aco_id"]]
        row["legal_name"] = f"{words[row['aco_id']]} Practice {n}, PC"
        if row["aco_id"] == B_ID and not row["ccns"] and B_CCN not in ccns_given:
            row.update(ccns=B_CCN, facility_type="FQHC")  # B lists a CCN too (the generated B lists none)
            ccns_given.add(B_CCN)
        return row

    def preferred(row: dict[str, str], n: int) -> dict[str, str]:
        row["aco_id"] = ids[row["aco_id"]]
        row["name"] = f"{words[row['aco_id']]} Specialist {n}, MD"
        return row

    def renamed(row: dict[str, str], n: int) -> dict[str, str]:
        row["aco_id"] = ids[row["aco_id"]]
        return row

    _rewrite(folder / "acos.csv", aco_row)
    _rewrite(folder / "participants.csv", participant)
    _rewrite(folder / "preferred_providers.csv", preferred)
    _rewrite(folder / "voluntary_alignments.csv", renamed)
    _rewrite(folder / "quality_submissions.csv", renamed)
    return folder


def _rename_beneficiaries() -> None:
    """Every beneficiary a surname of their own (CCLF8 rows and the current record)."""
    for bene in Beneficiary.objects.all():
        bene.last_name = surname(bene.mbi)
        bene.first_name = "Bene"
        bene.save(update_fields=["last_name", "first_name"])
    for snap in BeneficiarySnapshot.objects.all():
        snap.bene_last_name = surname(snap.bene_mbi_id)
        snap.bene_1st_name = "Bene"
        snap.save(update_fields=["bene_last_name", "bene_1st_name"])


# --- the people and the rest of each ACO's data ----------------------------------------------------


def _person(aco: ACO, word: str, role: str) -> User:
    name = word.lower()
    user: User = MembershipFactory.create(
        aco=aco,
        role=role,
        user__username=f"{name}.{role}",
        user__first_name=word,
        user__last_name=f"{role.title()}",
        user__email=f"{role}@{name}.example",
    ).user
    return user


def _profile(aco: ACO, word: str) -> None:
    aco.doing_business_as = f"{word} Care"
    aco.primary_contact_name = f"Dana {word}"
    aco.primary_contact_email = f"contact@{word.lower()}.example"
    aco.primary_contact_phone = "410-555-0142" if word == A_WORD else "304-555-0187"
    aco.executive_name = f"Marcus {word}"
    aco.executive_email = f"ceo@{word.lower()}.example"
    aco.save()


def _aligned_mbis(aco: ACO, run: AlignmentRun) -> list[str]:
    return list(AlignedBeneficiary.objects.filter(run=run, aco=aco).order_by("mbi").values_list("mbi", flat=True))


def _side_data(side: Side, cms: User, run: AlignmentRun, tin: str) -> None:
    """A change request, an approved BE/BEI plan with an attachment and a delivery, a submitted Medicaid
    arrangement, an opt-out, ALR exports and performance reports: each named with the side's word."""
    from apps.alignment import services as alignment_services
    from apps.benefits import services as benefits
    from apps.medicaid.arrangements import services as arrangements
    from apps.medicaid.duals import services as duals
    from apps.medicaid.models import MedicaidState
    from apps.performance import reports
    from tests.benefits.builders import FULL_PLAN

    aco, word, admin = side.aco, side.word, side.admin
    change_request_create(
        aco=aco, created_by=admin, operations=[add_participant_op(tin, legal_name=f"{word} Added Clinic")]
    )
    selection = benefits.selection_create(aco=aco, performance_year=PY, item_code="telehealth", acting_user=admin)
    plan = benefits.plan_for(selection=selection, acting_user=admin)
    content = dict(FULL_PLAN, target_population=f"{word} members with two or more chronic conditions.")
    plan = benefits.plan_save_draft(plan=plan, content=content, acting_user=admin)
    benefits.attachment_add(
        plan=plan,
        upload=SimpleUploadedFile(f"{word}-care-team.txt", f"{word} care team roster".encode(), "text/plain"),
        acting_user=admin,
    )
    plan = benefits.plan_submit(plan=plan, acting_user=admin)
    plan = benefits.plan_decide(plan=plan, acting_user=cms, approve=True, reason=f"{word}: meets the requirements.")
    mbis = _aligned_mbis(aco, run)
    benefits.delivery_record(
        plan=plan, mbi=mbis[0], delivered_on=dt.date(2027, 3, 2), amount=Decimal("45.00"),
        note=f"{word} video visit", acting_user=admin,
    )  # fmt: skip

    state = MedicaidState.objects.get(code=aco.states[0])
    arrangement = arrangements.arrangement_create(
        aco=aco, state=state, acting_user=admin, partner_type="mco", partner_name=f"{word} Medicaid Health Plan"
    )
    arrangement = arrangements.arrangement_save_draft(
        arrangement=arrangement,
        content={
            "roles": f"{word} coordinates care for full-benefit duals.",
            "strategies": {"risk_stratification": f"{word} shares its risk lists monthly."},
            "data_sharing": {"status": "drafted", "description": f"{word} data sharing agreement."},
            "contacts": [
                {"side": "aco", "name": f"Ada {word}", "email": f"ada@{word.lower()}.example"},
                {"side": "partner", "name": f"Pat {word}", "email": f"pat@{word.lower()}-plan.example"},
            ],
        },
        acting_user=admin,
    )
    arrangements.arrangement_submit(arrangement=arrangement, acting_user=admin)
    duals.optout_record(
        aco=aco, acting_user=admin, mbi=mbis[-1], declined_on=dt.date(2027, 2, 1), source="beneficiary",
        note=f"{word} call centre",
    )  # fmt: skip

    with TestCase.captureOnCommitCallbacks(execute=True):
        for fmt in ("csv", "xlsx"):
            alignment_services.alignment_export_request(aco=aco, run=run, fmt=fmt, acting_user=admin)
        for fmt in ("pdf", "xlsx", "csv"):
            reports.report_request(aco=aco, fmt=fmt, performance_year=PY, acting_user=admin)


def _b_records_a_beneficiaries(a: ACO, b: ACO) -> None:
    """Between two runs, B files voluntary records for two of A's claims-aligned beneficiaries: one
    designates a clinician of B (the beneficiary leaves A for B: A's churn says why), the other one
    of A's own Participant TINs (the record is in A's list, and names B)."""
    run = AlignmentRun.objects.filter(status=AlignmentRun.Status.SUCCEEDED).latest("id")
    mbis = list(
        AlignedBeneficiary.objects.filter(run=run, aco=a, alignment_type="claims")
        .order_by("mbi")
        .values_list("mbi", flat=True)[:2]
    )
    theirs = ParticipantTIN.objects.filter(aco=b, performance_year=PY).order_by("tin")[0].tin
    ours = ParticipantTIN.objects.filter(aco=a, performance_year=PY).order_by("tin")[0].tin
    for mbi, tin in zip(mbis, (theirs, ours), strict=True):
        VoluntaryAlignment.objects.create(
            mbi=mbi, aco=b, tin=tin, npi="1234567893", signed_date=dt.date(2026, 9, 1), channel="sva_form"
        )


@contextmanager
def world_in_transaction(folder: Path) -> Iterator[LeakWorld]:
    """The world, built inside a transaction rolled back at the end, with "today" in PY2027. A module of
    tests builds it once (a pytest fixture of module scope, inside ``django_db_blocker.unblock()``); each
    test's own writes, such as access-log rows, roll back to a savepoint inside it."""
    with override_settings(PORTAL_TODAY=TODAY):
        with transaction.atomic():
            world = build(folder)
            yield world
            transaction.set_rollback(True)
        cache.clear()


def build(folder: Path) -> LeakWorld:
    """Generate, load and compute the world (five to ten seconds)."""
    bundle = _bundle(folder)
    call_command("load_dataset", str(bundle), no_pipeline=True, stdout=io.StringIO())
    _rename_beneficiaries()
    a, b = ACO.objects.get(aco_id=A_ID), ACO.objects.get(aco_id=B_ID)
    for aco, word in ((a, A_WORD), (b, B_WORD)):
        _profile(aco, word)
    # Both ACOs of the generated bundle serve Ohio: CMS selected it for Medicaid integration.
    if not a.states or not b.states or a.states[0] != b.states[0]:
        raise AssertionError(f"the generated ACOs no longer share a state: {a.states} {b.states}")
    medicaid_state(str(a.states[0]), status="selected", name="Ohio")
    call_command("run_pipeline", performance_year=PY, stdout=io.StringIO())
    _b_records_a_beneficiaries(a, b)
    call_command("run_pipeline", performance_year=PY, stdout=io.StringIO())
    pipeline_run = PipelineRun.objects.filter(performance_year=PY, status=PipelineRun.Status.SUCCEEDED).latest("id")
    run = pipeline_run.alignment_run
    assert run is not None
    cms = CMSUserFactory.create(username="cms.leaks", cms_role=User.CMSRole.ADMIN)
    sides = []
    for aco, word, tin in ((a, A_WORD, "314159261"), (b, B_WORD, "827518281")):
        side = Side(
            aco=aco, word=word, admin=_person(aco, word, Membership.Role.ADMIN),
            analyst=_person(aco, word, Membership.Role.ANALYST),
        )  # fmt: skip
        _side_data(side, cms, run, tin)
        sides.append(side)
    not_ready = (
        AlignmentExport.objects.exclude(status="ready").count()
        + PerformanceReport.objects.exclude(status="ready").count()
    )
    assert not not_ready, "an export or report of the leak world was not built"
    world = LeakWorld(a=sides[0], b=sides[1], cms=cms, pipeline_run=pipeline_run, bundle=bundle)
    world.providers = _cara(sides[0], sides[1], run)
    return world


# --- CARA: Preferred Provider users --------------------------------------------------------------------


def _cara(a: Side, b: Side, run: AlignmentRun) -> dict[str, Provider]:
    """An active PY2027 EBRA for two Preferred Providers of A and one of B (written directly: the leak world's
    PY comes before the first episode date), each with a Preferred Provider user named after the provider,
    three episodes of the ACO's aligned beneficiaries attributed to it in the PY's episode run (the windows
    where the beneficiaries' claims are), its reconciliations and a statement in each format."""
    from apps.cara import arrangements
    from apps.cara.models import Arrangement, ArrangementEvent, ArrangementTerm, Episode, ProviderMembership
    from apps.cara.selectors import latest_run
    from apps.cara.services import ensure_catalogue
    from apps.claims.models import ClaimFact

    episode_run = latest_run(performance_year=PY)
    assert episode_run is not None, "the leak world's pipeline computed no episodes"
    definition = ensure_catalogue(PY)[0]
    out: dict[str, Provider] = {}
    taken: set[str] = set()
    plan = (("pp", a, 0), ("pp2", a, 1), ("pp_b", b, 0))
    for key, side, index in plan:
        pp = (
            PreferredProvider.objects.filter(aco=side.aco, performance_year=PY)
            .exclude(capitation__in=("npcc", "apo"))
            .order_by("npi")[index]
        )
        user = User.objects.create(
            username=f"provider.{pp.npi}",
            first_name="Pat",
            last_name=f"Provider {pp.npi}",
            email=f"{pp.npi}@pp.example",
        )
        ProviderMembership.objects.create(user=user, tin=pp.tin, npi=pp.npi, name=pp.name)
        arrangement = Arrangement.objects.create(
            aco=side.aco, preferred_provider=pp, performance_year=PY, status="active",
            effective_start=dt.date(PY, 1, 1), effective_end=dt.date(PY, 12, 31), created_by=side.admin,
        )  # fmt: skip
        ArrangementTerm.objects.create(
            arrangement=arrangement, definition=definition, baseline_cents=2_000_000, rate_pct=5,
            target_cents=1_900_000,
        )  # fmt: skip
        for before, after in (("", "draft"), ("draft", "offered"), ("offered", "accepted"), ("approved", "active")):
            actor = user if after == "accepted" else side.admin
            ArrangementEvent.objects.create(arrangement=arrangement, from_status=before, to_status=after, actor=actor)
        episodes = []
        for mbi in [m for m in _aligned_mbis(side.aco, run) if m not in taken][:3]:
            taken.add(mbi)
            first = (
                ClaimFact.objects.filter(current_mbi=mbi, service_year=PY, is_current=True, from_date__isnull=False)
                .order_by("from_date")
                .values_list("from_date", flat=True)
                .first()
            ) or dt.date(PY, 2, 1)
            episodes.append(
                Episode.objects.create(
                    run=episode_run,
                    definition=definition,
                    aco=side.aco,
                    mbi=mbi,
                    trigger_claim_id=1,
                    trigger_code="470",
                    start_date=first,
                    anchor_end=first + dt.timedelta(days=3),
                    end_date=first + dt.timedelta(days=93),
                    year=PY,
                    attributed_npi=pp.npi,
                    attribution="operating",
                    preferred_provider=pp,
                    index_cents=1_234_567,
                    closed=True,
                    payment=True,
                )  # fmt: skip
            )
        out[key] = Provider(user=user, pp=pp, arrangement=arrangement, episodes=episodes)
        with TestCase.captureOnCommitCallbacks(execute=True):
            reconciliations = arrangements.reconcile_arrangement(arrangement=arrangement, run=episode_run)
        _statements(reconciliations, user)
    return out


def _statements(reconciliations: list[Any], user: User) -> None:
    """A statement of the first reconciliation with episodes (else the first), in each format, built."""
    from apps.cara import documents

    if not reconciliations:
        return
    chosen = next((r for r in reconciliations if r.episodes), reconciliations[0])
    with TestCase.captureOnCommitCallbacks(execute=True):
        for fmt in ("pdf", "xlsx"):
            documents.statement_request(reconciliation=chosen, fmt=fmt, acting_user=user)


# --- what belongs to B -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Secret:
    text: str  # what must not appear
    kind: str  # which kind of thing (SECRET_KINDS)
    what: str  # whose and which, for the failure message
    pattern: re.Pattern[str]


SECRET_KINDS = {
    "word": "B's marker word (in every name, title, note, file name, e-mail and user name of B)",
    "aco_id": "B's ACO id",
    "tin": "a TIN on B's lists and not on A's",
    "ccn": "a CCN of a Participant TIN of B",
    "npi": "the NPI of a Preferred Provider of B and not of A",
    "mbi": "the MBI of a beneficiary of B",
    "surname": "the surname of a beneficiary of B",
    "money": "a money figure of B, as the portal writes amounts",
    "portal_total": "the portal-wide aligned total (A's and B's)",
    "portal_message": "the message of a computation run for every ACO at once (portal-wide figures)",
}


def _word_pattern(text: str) -> re.Pattern[str]:
    """The text on its own: not inside a longer identifier or number (``827518281`` is not found in
    ``1827518281``), case-insensitive."""
    return re.compile(rf"(?<![0-9A-Za-z]){re.escape(text)}(?![0-9A-Za-z])", re.IGNORECASE)


def _figure_pattern(text: str) -> re.Pattern[str]:
    """A figure on its own: not a part of a longer number (``1,234`` is not found in ``21,234.5``)."""
    return re.compile(rf"(?<![0-9.,]){re.escape(text)}(?![0-9]|[.,][0-9])")


def _money_forms(value: float) -> list[str]:
    """How the portal writes an amount ($1,234, $1,234.56, 1234.56 in exports), at five digits or more
    (a shorter figure would turn up by chance)."""
    forms = {f"{abs(value):,.0f}", f"{abs(value):,.2f}", f"{abs(value):.2f}"}
    return sorted(f for f in forms if len(f.replace(",", "").replace(".", "")) >= 5)


def secrets_of_b(world: LeakWorld) -> list[Secret]:
    """Everything of B that A must never be shown (``SECRET_KINDS``): B's marker word, its ACO id, the
    TINs, CCNs and NPIs on its lists and not on A's, the MBIs and surnames of its aligned and voluntary
    beneficiaries that are not A's too, its headline money figures, and the portal-wide aligned total
    (which is A's plus B's)."""
    a, b = world.a.aco, world.b.aco
    run = world.pipeline_run.alignment_run
    found: dict[str, Secret] = {}

    def add(text: object, kind: str, what: str = "", figure: bool = False) -> None:
        value = str(text).strip()
        if value and value not in found:
            pattern = _figure_pattern(value) if figure else _word_pattern(value)
            found[value] = Secret(value, kind, what or SECRET_KINDS[kind], pattern)

    add(B_WORD, "word")
    add(b.aco_id, "aco_id")
    mine_tins = set(ParticipantTIN.objects.filter(aco=a).values_list("tin", flat=True)) | set(
        PreferredProvider.objects.filter(aco=a).values_list("tin", flat=True)
    )
    mine_ccns = {c for ccns in ParticipantTIN.objects.filter(aco=a).values_list("ccns", flat=True) for c in ccns or []}
    mine_npis = set(PreferredProvider.objects.filter(aco=a).values_list("npi", flat=True))
    for tin, ccns in ParticipantTIN.objects.filter(aco=b).values_list("tin", "ccns"):
        if tin not in mine_tins:
            add(tin, "tin", "a Participant TIN of B")
        for ccn in ccns or []:
            if ccn not in mine_ccns:
                add(ccn, "ccn")
    for tin, npi in PreferredProvider.objects.filter(aco=b).values_list("tin", "npi"):
        if npi not in mine_npis:
            add(npi, "npi")
        if tin not in mine_tins:
            add(tin, "tin", "the TIN of a Preferred Provider of B")
    mine_mbis = set(AlignedBeneficiary.objects.filter(aco=a).values_list("mbi", flat=True)) | set(
        VoluntaryAlignment.objects.filter(aco=a).values_list("mbi", flat=True)
    )
    theirs = set(AlignedBeneficiary.objects.filter(aco=b).values_list("mbi", flat=True)) | set(
        VoluntaryAlignment.objects.filter(aco=b).values_list("mbi", flat=True)
    )
    for mbi in sorted(theirs - mine_mbis):
        add(mbi, "mbi")
        add(surname(mbi), "surname", f"the surname of beneficiary {mbi} of B")
    summary = PerformanceSummary.objects.get(run=world.pipeline_run, aco=b)
    settlement = summary.data["settlement"]
    for key in ("expenditure", "benchmark", "estimated_settlement", "gross_savings"):
        value = settlement.get(key)
        if isinstance(value, int | float):
            for form in _money_forms(float(value)):
                add(form, "money", f"B's {key.replace('_', ' ')} ({value:,.2f})", figure=True)
    if run is not None and run.counts.get("aligned"):
        total = int(run.counts["aligned"])
        for phrase in ("{:,} beneficiaries", "{:,} aligned beneficiaries"):
            add(phrase.format(total), "portal_total", f"the portal-wide aligned total ({total}: A's and B's)")
    for model in _run_models():
        for message in model.objects.exclude(message="").values_list("message", flat=True):
            add(message.rstrip("."), "portal_message", f"the message of a portal-wide {model._meta.verbose_name}")
    return list(found.values())


def _run_models() -> list[Any]:
    """Every kind of computation the portal runs for all ACOs at once: their messages are portal-wide."""
    from apps.medicaid.models import DualRun
    from apps.performance.models import PipelineStep
    from apps.quality.models import QualityRun
    from apps.rural.models import RuralRun

    models = [AlignmentRun, QualityRun, RuralRun, DualRun, PipelineRun, PipelineStep]
    return [m for m in models if any(f.name == "message" for f in m._meta.get_fields())]


# --- what a Preferred Provider user must not see ---------------------------------------------------


PROVIDER_SECRET_KINDS = {
    "other_pp": "the name, NPI or TIN of another Preferred Provider (of the same ACO or of another)",
    "aco_list": "a Participant TIN or practice name of the EBRA's ACO",
    "aco_mbi": "the MBI or surname of a beneficiary of the ACO with no episode of this Preferred Provider",
    "aco_money": "a money figure of the ACO, as the portal writes amounts",
    "aco_contact": "a contact of the ACO (names, e-mails and telephone of its profile)",
}


def secrets_of_provider(world: LeakWorld, key: str = "pp") -> list[Secret]:
    """Everything a Preferred Provider user of A (``world.providers[key]``) must never be shown: all of B
    (``secrets_of_b``), and of A everything but the EBRA's counterpart (A's legal name and ACO id, which the
    shared statement carries): the other Preferred Providers' names, NPIs and TINs, A's Participant TINs and
    practice names, the MBIs and surnames of A's beneficiaries with no episode of this Preferred Provider,
    A's money figures and contacts."""
    me = world.providers[key]
    a = world.a.aco
    own_mbis = {e.mbi for e in me.episodes}
    found: dict[str, Secret] = {s.text: s for s in secrets_of_b(world)}

    def add(text: object, kind: str, what: str, figure: bool = False) -> None:
        value = str(text).strip()
        if value and value not in found and value not in (me.pp.tin, me.pp.npi, me.pp.name):
            pattern = _figure_pattern(value) if figure else _word_pattern(value)
            found[value] = Secret(value, kind, what, pattern)

    for pp in PreferredProvider.objects.exclude(pk=me.pp.pk).exclude(npi=me.pp.npi):
        add(pp.name, "other_pp", f"the name of Preferred Provider {pp.npi}")
        add(pp.npi, "other_pp", f"the NPI of Preferred Provider {pp.name}")
        add(pp.tin, "other_pp", f"the TIN of Preferred Provider {pp.name}")
    for tin, name in ParticipantTIN.objects.filter(aco=a).values_list("tin", "legal_name"):
        add(tin, "aco_list", f"Participant TIN {tin} of A")
        add(name, "aco_list", f"the name of A's Participant TIN {tin}")
    mbis = set(AlignedBeneficiary.objects.filter(aco=a).values_list("mbi", flat=True)) | set(
        VoluntaryAlignment.objects.filter(aco=a).values_list("mbi", flat=True)
    )
    for mbi in sorted(mbis - own_mbis):
        add(mbi, "aco_mbi", f"the MBI of A's beneficiary {mbi}")
        add(surname(mbi), "aco_mbi", f"the surname of A's beneficiary {mbi}")
    settlement = PerformanceSummary.objects.get(run=world.pipeline_run, aco=a).data["settlement"]
    for name in ("expenditure", "benchmark", "estimated_settlement", "gross_savings"):
        value = settlement.get(name)
        if isinstance(value, int | float):
            for form in _money_forms(float(value)):
                add(form, "aco_money", f"A's {name.replace('_', ' ')} ({value:,.2f})", figure=True)
    for field_name in (
        "primary_contact_name",
        "primary_contact_email",
        "primary_contact_phone",
        "executive_name",
        "executive_email",
    ):
        add(getattr(a, field_name), "aco_contact", f"A's {field_name.replace('_', ' ')}")
    return list(found.values())
