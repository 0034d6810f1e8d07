"""A URL under /api/ that matches no route answers the API's JSON 404, never the HTML page."""

from __future__ import annotations

import pytest
from django.test import Client


@pytest.mark.django_db
@pytest.mark.parametrize(
    "path",
    [
        "/api/alignment/runs/abc/",  # the run id is not a number: no route matches
        "/api/acos/L0001/participants/not-a-row/",
        "/api/no-such-thing/",
    ],
)
def test_unmatched_api_url_answers_json_404(client: Client, path: str) -> None:
    response = client.get(path)
    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"detail": "Not found."}


@pytest.mark.django_db
def test_unmatched_page_url_answers_the_html_404_page(client: Client) -> None:
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")
