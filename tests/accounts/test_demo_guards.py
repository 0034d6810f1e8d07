"""The demo commands and ``totp_code`` refuse to run unless DEBUG is on: they create accounts with
the published demo password and print second-factor keys and codes (audit, defect 7)."""

from __future__ import annotations

import io
import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from pytest_django.fixtures import Settings

from apps.accounts.models import User
from apps.acos.models import ACO
from tests.factories import CMSUserFactory, totp_code, totp_device_for

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parent.parent.parent
DEMO_COMMANDS = [("demo", ["--no-claims"]), ("medicaid_demo", []), ("benefits_demo", [])]


@pytest.mark.parametrize(("command", "args"), DEMO_COMMANDS, ids=[c for c, _ in DEMO_COMMANDS])
def test_demo_commands_refuse_without_debug_and_create_nothing(
    settings: Settings, command: str, args: list[str]
) -> None:
    settings.DEBUG = False
    out = io.StringIO()
    with pytest.raises(CommandError, match=rf"manage.py {command} refuses to run with DEBUG off"):
        call_command(command, *args, stdout=out, stderr=io.StringIO())
    assert not User.objects.exists()
    assert not ACO.objects.exists()
    assert out.getvalue() == ""  # no password, no second-factor key printed


def test_totp_code_refuses_without_debug(settings: Settings) -> None:
    user = CMSUserFactory.create(username="cms.someone")
    totp_device_for(user)
    settings.DEBUG = False
    out = io.StringIO()
    with pytest.raises(CommandError, match="manage.py totp_code refuses to run with DEBUG off"):
        call_command("totp_code", "cms.someone", stdout=out)
    assert out.getvalue() == ""


def test_totp_code_prints_the_code_in_a_debug_demo(settings: Settings) -> None:
    """The control: with DEBUG on (the demo) the command does its job."""
    user = CMSUserFactory.create(username="cms.someone")
    device = totp_device_for(user)
    settings.DEBUG = True
    out = io.StringIO()
    call_command("totp_code", "cms.someone", stdout=out)
    assert out.getvalue().strip() in {totp_code(device)}


def test_demo_under_production_settings_refuses_before_touching_the_database(tmp_path: Path) -> None:
    """As an operator would run it on a server: production settings, a fresh database."""
    database = tmp_path / "prod.sqlite3"
    env = {k: os.environ[k] for k in ("PATH", "HOME", "LANG", "TMPDIR") if k in os.environ}
    env.update(
        DJANGO_SETTINGS_MODULE="lead_portal.settings.production",
        DJANGO_SECRET_KEY=secrets.token_urlsafe(64),
        DATABASE_URL=f"sqlite:///{database}",
        REDIS_URL="",
    )
    result = subprocess.run(  # noqa: S603 (fixed arguments: this interpreter and the project's manage.py)
        [sys.executable, "manage.py", "demo", "--no-claims"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode != 0
    assert "manage.py demo refuses to run with DEBUG off" in result.stderr
    assert "lead-demo" not in result.stdout and "second factor key" not in result.stdout
    assert not database.exists() or database.stat().st_size == 0
