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
