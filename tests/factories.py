"""Data builders for the tests. Each factory makes one valid row with as little as possible;
tests say what matters to them through keyword arguments."""

from __future__ import annotations

from typing import Any

import factory
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from apps.accounts.models import User
from apps.acos.models import ACO, Election, ListChangeRequest, Membership, ParticipantTIN, PreferredProvider
from apps.reviews.models import ReviewCase, ReviewState, ReviewVersion

PASSWORD = "correct horse battery staple 42"


class UserFactory(factory.django.DjangoModelFactory[User]):
    class Meta:
        model = User
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.org")
    first_name = "Test"
    last_name = factory.Sequence(lambda n: f"Person {n}")
    password = factory.django.Password(PASSWORD)


class CMSUserFactory(UserFactory):
    username = factory.Sequence(lambda n: f"cms{n}")
    cms_role = User.CMSRole.REVIEWER


class ACOFactory(factory.django.DjangoModelFactory[ACO]):
    class Meta:
        model = ACO

    # L0101 upwards: the demo data owns L0001 and L0002.
    aco_id = factory.Sequence(lambda n: f"L{n + 101:04d}")
    legal_name = factory.Sequence(lambda n: f"Test Health Partners {n} ACO, LLC")
    states = factory.LazyFunction(lambda: ["MD"])
    primary_contact_email = factory.LazyAttribute(lambda a: f"contact@{a.aco_id.lower()}.example")


class MembershipFactory(factory.django.DjangoModelFactory[Membership]):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    aco = factory.SubFactory(ACOFactory)
    role = Membership.Role.ADMIN


class ElectionFactory(factory.django.DjangoModelFactory[Election]):
    class Meta:
        model = Election

    aco = factory.SubFactory(ACOFactory)
    performance_year = 2027


class ParticipantFactory(factory.django.DjangoModelFactory[ParticipantTIN]):
    class Meta:
        model = ParticipantTIN

    aco = factory.SubFactory(ACOFactory)
    performance_year = 2027
    tin = factory.Sequence(lambda n: f"{700000000 + n:09d}")
    legal_name = factory.Sequence(lambda n: f"Family Practice {n}")
    practice_zip = "21201"  # Baltimore, MD: in the RUCA table (RUCA 1, urban)


class PreferredProviderFactory(factory.django.DjangoModelFactory[PreferredProvider]):
    class Meta:
        model = PreferredProvider

    aco = factory.SubFactory(ACOFactory)
    performance_year = 2027
    tin = factory.Sequence(lambda n: f"{800000000 + n:09d}")
    # The textbook valid NPI: 24 (prefix 80840) + 23 (doubled 1,3,5,7,9 -> 2,6,1,5,9) + 20 (2,4,6,8)
    # = 67; 10 - 7 = check digit 3.
    npi = "1234567893"
    name = factory.Sequence(lambda n: f"Specialist Group {n}")
    specialty_code = "06"


class ReviewCaseFactory(factory.django.DjangoModelFactory[ReviewCase]):
    class Meta:
        model = ReviewCase

    kind = "list_change"
    title = factory.Sequence(lambda n: f"Change {n}")
    state = ReviewState.SUBMITTED
    content = factory.LazyFunction(dict)
    created_by = factory.SubFactory(UserFactory)


def change_request_create(
    *,
    aco: ACO,
    created_by: User,
    operations: list[dict[str, Any]],
    performance_year: int = 2027,
    list_type: str = ListChangeRequest.ListType.PARTICIPANTS,
    state: str = ReviewState.SUBMITTED,
) -> ListChangeRequest:
    """A list change request as ``services.list_change`` leaves it after the deadline (submitted,
    version 1), built directly so a test does not depend on the calendar."""
    content = {
        "aco_id": aco.aco_id,
        "performance_year": performance_year,
        "list_type": list_type,
        "operations": operations,
    }
    case = ReviewCaseFactory.create(content=content, state=state, created_by=created_by)
    ReviewVersion.objects.create(case=case, number=1, content=content, submitted_by=created_by)
    return ListChangeRequest.objects.create(
        aco=aco, performance_year=performance_year, list_type=list_type, review=case, summary=case.title
    )


def add_participant_op(tin: str, legal_name: str = "Added Clinic") -> dict[str, Any]:
    """One "add" operation in the shape ``services`` stores in a change request."""
    return {
        "op": "add",
        "key": [tin],
        "row": {
            "tin": tin,
            "legal_name": legal_name,
            "ccns": [],
            "practice_zip": "21201",
            "facility_type": "",
            "new_to_aco": False,
        },
    }


def totp_device_for(user: User) -> TOTPDevice:
    """A confirmed authenticator for ``user``. One per user per test: django-otp refuses a code
    from a 30-second window it already accepted on the same device."""
    return TOTPDevice.objects.create(user=user, name="Test authenticator", confirmed=True)


def totp_code(device: TOTPDevice) -> str:
    return f"{totp(device.bin_key):06d}"


def alignment_run(performance_year: int = 2027, **fields: Any) -> Any:
    """A finished (succeeded) alignment run."""
    from django.utils import timezone

    from apps.alignment.models import AlignmentRun

    fields.setdefault("status", AlignmentRun.Status.SUCCEEDED)
    fields.setdefault("finished_at", timezone.now())
    return AlignmentRun.objects.create(performance_year=performance_year, **fields)


def aligned(run: Any, aco: ACO, mbi: str, **fields: Any) -> Any:
    """One aligned beneficiary of ``run`` (claims step 1 through TIN 111000001 unless told)."""
    from apps.alignment.models import AlignedBeneficiary

    fields.setdefault("alignment_type", "claims")
    fields.setdefault("step", "1")
    fields.setdefault("tin", "111000001")
    fields.setdefault("unit_kind", "tin")
    fields.setdefault("first_name", "Ada")
    fields.setdefault("last_name", "Lovelace")
    return AlignedBeneficiary.objects.create(run=run, aco=aco, mbi=mbi, **fields)


def pipeline_run(performance_year: int = 2027, **fields: Any) -> Any:
    """A finished (succeeded) pipeline run with all its steps done."""
    from django.utils import timezone

    from apps.performance.models import PipelineRun, PipelineStep

    fields.setdefault("status", PipelineRun.Status.SUCCEEDED)
    fields.setdefault("started_at", timezone.now())
    fields.setdefault("finished_at", timezone.now())
    fields.setdefault("percent", 100)
    fields.setdefault("stage", "Done")
    run = PipelineRun.objects.create(performance_year=performance_year, **fields)
    for order, name in enumerate(PipelineStep.Name.values, start=1):
        PipelineStep.objects.create(
            run=run, name=name, order=order, status=PipelineStep.Status.SUCCEEDED, attempts=1, seconds=1.0
        )
    return run


def performance_summary(aco: ACO, run: Any = None, *, expenditure: str = "9000000", **engine_fields: Any) -> Any:
    """A ``PerformanceSummary`` of ``aco`` built the way the pipeline builds one (engine + snapshot), from
    a made-up year: 1,000 A&D beneficiaries aligned all year at a published $1,000 PBPM benchmark, and 20
    ESRD beneficiaries at $8,000, with ``expenditure`` spread evenly over months and categories."""
    from decimal import Decimal

    from apps.performance import engine, snapshot
    from apps.performance.models import Category, Cohort, PerformanceSummary

    run = run or pipeline_run()
    py = run.performance_year
    corridors = engine.bands_from([[0, 15, 100], [15, 35, 50], [35, 50, 25], [50, None, 10]])
    params = engine.Parameters(performance_year=py, risk_option="global", corridors=corridors, **engine_fields)
    total = Decimal(expenditure)
    cohorts = [
        engine.CohortInput("aged_disabled", 12_000, total * Decimal("0.85"), published_pbpm=Decimal("1000")),
        engine.CohortInput("esrd", 240, total * Decimal("0.15"), published_pbpm=Decimal("8000")),
    ]
    settlement = engine.settle(cohorts, params, tqs=80.0)
    months = [snapshot.MonthRow(py, m, 1020, total / 12, {"aged_disabled": 1000, "esrd": 20}) for m in range(1, 13)]
    categories = [(c.value, str(c.label), total / len(Category)) for c in Category]
    data = snapshot.build(
        performance_year=py,
        generated_at="2027-12-31T00:00:00+00:00",
        aco={
            "aco_id": aco.aco_id,
            "name": aco.legal_name,
            "risk_option": "global",
            "risk_option_label": "Global",
            "capitation": "none",
            "capitation_label": "None",
            "newly_entering": False,
        },
        vintage={
            "pipeline_run": run.pk,
            "alignment_run": None,
            "quality_run": None,
            "data_version": 0,
            "files": ["P.A9999.ACO.ZC1Y27.D280102.T0415300"],
            "latest_file_date": "2028-01-02",
            "claims_through": f"{py}-12",
            "as_of": None,
        },
        alignment={
            "total": 1020,
            "claims": 1000,
            "voluntary": 20,
            "high_needs": 300,
            "high_needs_share_pct": 29.4,
            "high_needs_line_pct": 40.0,
            "minimum": {
                "category": "Standard ACO",
                "met": False,
                "total_minimum": 5000,
                "claims_minimum": 3000,
                "message": "Below the Standard ACO minimums: 3,980 more aligned and 2,000 more claims-aligned "
                "beneficiaries needed.",
            },
        },
        settlement=settlement,
        months=months,
        categories=categories,
        quality={
            "tqs": 80.0,
            "scored_measures": 4,
            "withhold_pct": 3.0,
            "withhold": snapshot.money(settlement.withhold),
            "earned_back": snapshot.money(settlement.earned_back),
            "measures": [
                {"measure": "acr", "label": "ACR", "rate": 14.2, "points": 80.0, "scored": True},
                {"measure": "dah", "label": "DAH", "rate": 340.0, "points": 70.0, "scored": True},
            ],
        },
        parameters={"risk_option": "global", "quality_withhold_pct": 3.0, "sequestration_pct": 2.0},
        cohort_labels={c.value: str(c.label) for c in Cohort},
    )
    return PerformanceSummary.objects.create(run=run, aco=aco, performance_year=py, data=data)


def cclf8_beneficiary(mbi: str, **fields: Any) -> Any:
    """A beneficiary row as the CCLF8 loader leaves it (its ingest run, file and snapshot included), with
    ``fields`` (zip_code, state, death_date, ...) set on it."""
    import datetime as dt

    from django.utils import timezone

    from apps.claims.models import Beneficiary, BeneficiarySnapshot, CCLFFile, IngestRun

    ingest = IngestRun.objects.create(source="test")
    file = CCLFFile.objects.create(
        run=ingest, name=f"CCLF8 {mbi}", file_type="CCLF8", produced_at=timezone.now(), performance_year=2027,
        sha256=mbi.ljust(64, "0"), records=1, size=1,
    )  # fmt: skip
    snapshot = BeneficiarySnapshot.objects.create(file=file, current_mbi=mbi, bene_mbi_id=mbi)
    fields.setdefault("birth_date", dt.date(1950, 1, 1))
    return Beneficiary.objects.create(mbi=mbi, snapshot=snapshot, as_of=timezone.now(), **fields)


# --- Medicaid partner states (helper A) -------------------------------------------------------------


def medicaid_state(code: str = "MD", status: str = "interested", **fields: Any) -> Any:
    """A partner state in ``status`` (written directly, without history), e.g. a selected Maryland."""
    from apps.medicaid.models import MedicaidState

    names = {"MD": "Maryland", "VA": "Virginia", "WV": "West Virginia", "PA": "Pennsylvania", "NC": "North Carolina"}
    defaults: dict[str, Any] = {"name": names.get(code, f"State {code}"), "delivery_system": "managed_care"}
    defaults.update(fields)
    return MedicaidState.objects.create(code=code, status=status, **defaults)


def medicaid_milestone(state: Any = None, title: str = "Framework design", **fields: Any) -> Any:
    """A planning-phase milestone (model-wide when ``state`` is None)."""
    import datetime as dt

    from apps.medicaid.models import Milestone

    defaults: dict[str, Any] = {"start": dt.date(2026, 9, 1), "end": dt.date(2027, 6, 30), "status": "in_progress"}
    defaults.update(fields)
    return Milestone.objects.create(state=state, title=title, **defaults)


def framework_document(state: Any, uploaded_by: User, title: str = "Framework", data: bytes = b"framework") -> Any:
    """A framework document (text) of ``state``, version 1."""
    from django.core.files.base import ContentFile

    from apps.medicaid.models import FrameworkDocument

    document = FrameworkDocument(
        state=state,
        title=title,
        version=1,
        original_name="framework.txt",
        size=len(data),
        content_type="text/plain",
        uploaded_by=uploaded_by,
    )
    document.file.save("framework.txt", ContentFile(data), save=False)
    document.save()
    return document


# The dual-eligible world (PY2027; tests/medicaid and the browser test): four beneficiaries aligned to
# ``aco`` and one to ``other_aco``.
DUAL_FULL = "1EG4TE5MK71"  # code 02 (QMB Plus): full-benefit dual, aligned all year
DUAL_PARTIAL = "1EG4TE5MK72"  # code 01 (QMB only): partial-benefit dual, no effective date (all year)
NOT_DUAL = "1EG4TE5MK74"  # code NA: not dual, died 2027-06-15
DUAL_FULL_LATE = "2EG4TE5MK75"  # code 08: full-benefit dual added mid-year (effective 2027-04-01)
OTHER_ACO_DUAL = "3EG4TE5MK76"  # code 04: full-benefit dual of the other ACO
OLD_MBI = "9EG4TE5MK79"  # an earlier MBI of DUAL_FULL (CCLF9 crosswalk)


def dual_world(aco: ACO, other_aco: ACO) -> Any:
    """Claims rows written straight into the tables (as the loader leaves them), hand-worked in
    tests/medicaid/test_duals_services.py. Returns the alignment run."""
    import datetime as dt
    from decimal import Decimal

    from django.utils import timezone

    from apps.claims.models import CCLFFile, DMELine, IngestRun, MBIMap, PartAClaim, PartARevenueLine, PartBLine

    d = dt.date.fromisoformat
    run = alignment_run(2027)
    aligned(run, aco, DUAL_FULL, effective_from=d("2027-01-01"), first_name="Ada", last_name="Full")
    aligned(run, aco, DUAL_PARTIAL, first_name="Ben", last_name="Partial")
    aligned(run, aco, NOT_DUAL, effective_from=d("2027-01-01"), first_name="Cy", last_name="None")
    aligned(run, aco, DUAL_FULL_LATE, effective_from=d("2027-04-01"), first_name="Dee", last_name="Late",
            cohort="high_needs")  # fmt: skip
    aligned(run, other_aco, OTHER_ACO_DUAL, first_name="Eve", last_name="Elsewhere")
    cclf8_beneficiary(DUAL_FULL, dual_status="02")
    cclf8_beneficiary(DUAL_PARTIAL, dual_status="01")
    cclf8_beneficiary(NOT_DUAL, dual_status="NA", death_date=d("2027-06-15"))
    cclf8_beneficiary(DUAL_FULL_LATE, dual_status="08")
    cclf8_beneficiary(OTHER_ACO_DUAL, dual_status="04")
    MBIMap.objects.create(mbi=OLD_MBI, current_mbi=DUAL_FULL, hops=1)
    MBIMap.objects.create(mbi=DUAL_FULL, current_mbi=DUAL_FULL)

    ingest = IngestRun.objects.create(source="duals")
    files = {
        file_type: CCLFFile.objects.create(
            run=ingest,
            name=f"claims {file_type}",
            file_type=file_type,
            produced_at=timezone.now(),
            performance_year=2027,
            sha256=str(n) * 64,
            records=1,
            size=1,
        )  # fmt: skip
        for n, file_type in enumerate(("CCLF1", "CCLF2", "CCLF5", "CCLF6"), start=1)
    }

    def part_a(uniq: int, mbi: str, kind: int, day: str, paid: str, current: bool = True) -> None:
        PartAClaim.objects.create(
            file=files["CCLF1"], current_mbi=mbi, bene_mbi_id=mbi, is_current=current, cur_clm_uniq_id=uniq,
            clm_type_cd=kind, clm_from_dt=d(day), clm_thru_dt=d(day), clm_pmt_amt=Decimal(paid),
        )  # fmt: skip

    def revenue(uniq: int, mbi: str, code: str, current: bool = True) -> None:
        PartARevenueLine.objects.create(
            file=files["CCLF2"], current_mbi=mbi, is_current=current, cur_clm_uniq_id=uniq, clm_line_num=1,
            clm_type_cd=40, clm_line_prod_rev_ctr_cd=code,
        )  # fmt: skip

    def part_b(mbi: str, day: str, paid: str, denied: bool = False, current: bool = True, dme: bool = False) -> None:
        model = DMELine if dme else PartBLine
        model.objects.create(
            file=files["CCLF6" if dme else "CCLF5"], current_mbi=mbi, is_current=current, is_denied=denied,
            clm_line_from_dt=d(day),
            clm_from_dt=d(day), clm_line_cvrd_pd_amt=Decimal(paid),
        )  # fmt: skip

    # DUAL_FULL
    part_a(1, DUAL_FULL, 60, "2027-03-02", "10000.00")  # an inpatient stay
    part_a(2, DUAL_FULL, 60, "2027-03-02", "9000.00", current=False)  # its replaced version: nothing
    part_a(3, DUAL_FULL, 40, "2027-05-10", "500.00")  # an ED visit (revenue center 0450)
    revenue(3, DUAL_FULL, "0450")
    part_a(4, DUAL_FULL, 40, "2027-07-01", "200.00")  # a clinic visit (0510): spending, not ED
    revenue(4, DUAL_FULL, "0510")
    part_b(DUAL_FULL, "2027-02-01", "100.00")
    part_b(DUAL_FULL, "2027-02-01", "80.00", denied=True)  # denied: nothing
    part_b(DUAL_FULL, "2027-08-15", "50.00", dme=True)
    part_b(DUAL_FULL, "2026-12-20", "700.00")  # the year before: nothing
    # DUAL_PARTIAL
    part_b(DUAL_PARTIAL, "2027-09-20", "300.00")
    part_a(5, DUAL_PARTIAL, 40, "2027-10-05", "400.00")  # its only ED line is a replaced one: not ED
    revenue(5, DUAL_PARTIAL, "0456", current=False)
    revenue(5, DUAL_PARTIAL, "0300")
    # NOT_DUAL
    part_a(6, NOT_DUAL, 60, "2027-06-01", "20000.00")
    part_a(7, NOT_DUAL, 40, "2027-06-10", "1000.00")  # two ED lines, one visit
    revenue(7, NOT_DUAL, "0450")
    revenue(7, NOT_DUAL, "0451")
    # DUAL_FULL_LATE
    part_b(DUAL_FULL_LATE, "2027-03-10", "999.00")  # before the effective date: nothing
    part_a(8, DUAL_FULL_LATE, 20, "2027-11-20", "5000.00")  # a SNF stay: spending, not an admission
    part_b(DUAL_FULL_LATE, "2028-01-05", "60.00")  # the next year: nothing
    # OTHER_ACO_DUAL
    part_b(OTHER_ACO_DUAL, "2027-04-04", "40.00")
    claim_facts()
    return run


def claim_facts() -> int:
    """The narrow claim facts of every wide CCLF row, for worlds built row by row with the ORM (the loader
    writes them with the rows it loads; ``create`` does not)."""
    from django.db import connection

    from apps.claims import loader

    with connection.cursor() as cursor:
        return loader.rebuild_facts(cursor)
