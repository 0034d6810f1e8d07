"""Attachments are what their extension says (issue 16, defect 8, the PDF check): a "PDF" that is
``%PDF-1.4`` followed by a web page is refused, on BE/BEI plan attachments and Medicaid framework
documents alike (``apps.reviews.uploads``)."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from pytest_django.fixtures import Settings

from apps.accounts.models import User
from apps.acos.models import ACO
from apps.benefits import services as benefit_services
from apps.medicaid.states import services as state_services
from apps.reviews.uploads import bytes_match_extension, content_problem
from tests.benefits.builders import draft_plan
from tests.factories import medicaid_state

PDF = b"%PDF-1.7\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
HTML_PDF = b"%PDF-1.4\n<!DOCTYPE html><html><body><script>alert(document.cookie)</script></body></html>\n%%EOF\n"


@pytest.mark.parametrize(
    ("data", "problem"),
    [
        (HTML_PDF, "holds HTML or script after its PDF header"),
        (b"%PDF-1.4\n<script>fetch('/api/')</script>\n%%EOF", "holds HTML or script after its PDF header"),
        (b"%PDF-1.4\n< IFRAME src=x>\n%%EOF", "holds HTML or script after its PDF header"),
        (b"%PDF-1.4\n1 0 obj <<>> endobj\n", "does not end with %%EOF (a PDF cut short, or not a PDF)"),
        (b"%PDF-1.4\n%%EOF\n" + b"0" * 2048, "does not end with %%EOF (a PDF cut short, or not a PDF)"),
        (b"<html>%PDF-1.4 %%EOF", "does not start with a PDF header (%PDF-1.x)"),
        (b"%PDF-x\n%%EOF", "does not start with a PDF header (%PDF-1.x)"),
    ],
    ids=["html-page", "script", "iframe", "no-eof", "eof-not-at-the-end", "html-first", "no-version"],
)
def test_a_pdf_must_be_a_pdf_from_header_to_eof_without_html(data: bytes, problem: str) -> None:
    assert content_problem("pdf", data) == problem
    assert not bytes_match_extension("pdf", data)


def test_real_pdfs_pass_html_later_in_a_pdf_is_not_looked_for() -> None:
    assert content_problem("pdf", PDF) == ""
    assert content_problem("pdf", b"%PDF-2.0\n%%EOF") == ""
    # Past the first KB a browser does not sniff, and compressed streams hold any bytes.
    assert content_problem("pdf", b"%PDF-1.7\n" + b"0" * 2048 + b"<html>" + b"\n%%EOF\n") == ""


def test_images_keep_their_signature_check_and_refuse_html() -> None:
    assert content_problem("png", b"\x89PNG\r\n\x1a\n" + b"\x00" * 32) == ""
    assert (
        content_problem("png", b"\x89PNG\r\n\x1a\n<html><script>") == "holds HTML or script after its image signature"
    )
    assert content_problem("jpg", b"GIF89a") == "does not start with the JPG signature"


@pytest.mark.django_db
def test_a_framework_document_that_is_a_web_page_behind_a_pdf_header_is_refused(
    cms_admin: User, settings: Settings, tmp_path: object
) -> None:
    settings.MEDIA_ROOT = str(tmp_path)
    state = medicaid_state("MD")
    with pytest.raises(ValidationError) as refused:
        state_services.document_upload(
            state=state, acting_user=cms_admin, title="Framework", upload=SimpleUploadedFile("framework.pdf", HTML_PDF)
        )
    assert refused.value.message_dict == {"file": ["The file's contents are not a .pdf file."]}
    document = state_services.document_upload(
        state=state, acting_user=cms_admin, title="Framework", upload=SimpleUploadedFile("framework.pdf", PDF)
    )
    assert document.content_type == "application/pdf"


@pytest.mark.django_db
def test_a_plan_attachment_that_is_a_web_page_behind_a_pdf_header_is_refused(
    aco: ACO, admin: User, settings: Settings, tmp_path: object
) -> None:
    settings.MEDIA_ROOT = str(tmp_path)
    plan = draft_plan(aco, admin)
    with pytest.raises(ValidationError) as refused:
        benefit_services.attachment_add(plan=plan, upload=SimpleUploadedFile("budget.pdf", HTML_PDF), acting_user=admin)
    assert refused.value.message_dict == {"file": ["The file's contents are not a .pdf file."]}
    assert not plan.attachments.exists()
