"""Words as people read them: names keep their capitals inside a sentence, "(optional)" is said once,
the CSV help points where the header row is, a semicolon is named, and a code takes the article it
is read with ("an RHC")."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from django.test import Client
from django.urls import reverse

from apps.accounts.models import User
from apps.acos.models import ACO
from apps.benefits.forms import WithdrawForm
from apps.medicaid.arrangements.forms import WithdrawForm as ArrangementWithdrawForm
from apps.performance.models import PipelineStep
from apps.reviews.registry import get as review_kind
from lead_portal.text import in_sentence

ClientFor = Callable[[User | None], Client]


def text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


@pytest.mark.parametrize(
    ("label", "expected"),
    [
        ("Rural add-on", "rural add-on"),
        ("Quality measures", "quality measures"),
        ("ACO summaries", "ACO summaries"),
        ("CARA episodes", "CARA episodes"),
        ("GLP-1 access (BALANCE)", "GLP-1 access (BALANCE)"),
        ("BE/BEI implementation plan", "BE/BEI implementation plan"),
        ("Medicaid partnership arrangement", "Medicaid partnership arrangement"),
        ("List change request", "list change request"),
        ("", ""),
    ],
)
def test_in_sentence_keeps_names_and_abbreviations(label: str, expected: str) -> None:
    assert in_sentence(label) == expected


@pytest.mark.django_db
def test_review_messages_name_the_kind_with_its_capitals() -> None:
    from apps.benefits.services import BENEFIT_PLAN_KIND
    from apps.medicaid.arrangements.services import ARRANGEMENT_KIND

    assert in_sentence(review_kind(BENEFIT_PLAN_KIND).label) == "BE/BEI implementation plan"
    assert in_sentence(review_kind(ARRANGEMENT_KIND).label) == "Medicaid partnership arrangement"
    assert in_sentence(PipelineStep.Name.SUMMARIES.label) == "ACO summaries"


@pytest.mark.django_db
def test_a_withdraw_reason_says_optional_once(aco: ACO, admin: User) -> None:
    from django.template import Context, Template

    template = Template("{% load portal %}{% field form.reason %}")
    for form in (WithdrawForm(), ArrangementWithdrawForm()):
        label = text(template.render(Context({"form": form})))
        assert label.count("(optional)") == 1, label
        assert "Why withdraw (optional)" in label


@pytest.mark.django_db
def test_the_participant_upload_page_reads_right(aco: ACO, admin: User, client_for: ClientFor) -> None:
    response = client_for(admin).get(reverse("acos:participants_upload", kwargs={"aco_id": aco.aco_id}))
    html = response.content.decode()
    page = text(html)
    # The header row is printed above the file field.
    assert html.index("aco_id,performance_year,tin") < html.index('type="file"')
    assert "header row shown above" in page and "shown below" not in page
    assert ";;" not in page and "; ;" not in page
    assert "separate CCNs with semicolons ( ; )" in page
