"""The shape of the code: which modules may import which.

A tasks module imports its app's services (a task takes ids and calls one service), so nothing imports a
tasks module back: services queue a task by its registered name (each app's ``task_names``) through
``lead_portal.jobs.dispatch``, and Celery's autodiscovery imports the tasks modules.
"""

from __future__ import annotations

import ast
import importlib
import importlib.util
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("apps", "lead_portal")


def modules() -> Iterator[tuple[str, Path]]:
    """Every module of the portal's own packages, by dotted name."""
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            parts = list(path.relative_to(ROOT).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts.pop()
            yield ".".join(parts), path


def is_tasks_module(name: str) -> bool:
    parts = name.split(".")
    return parts[0] == "apps" and "tasks" in parts[2:]


def imported(name: str, path: Path) -> Iterator[tuple[int, str]]:
    """(line, module) for every module ``name`` imports: ``import``, ``from … import`` (relative ones
    resolved, and each imported name as a possible submodule), and ``import_module("…")`` with a literal."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                base = importlib.util.resolve_name("." * node.level + base, package)
            yield node.lineno, base
            for alias in node.names:
                yield node.lineno, f"{base}.{alias.name}"
        elif (
            isinstance(node, ast.Call)
            and getattr(node.func, "id", getattr(node.func, "attr", None)) in ("import_module", "__import__")
            and node.args
            and isinstance(node.args[0], ast.Constant)
            and isinstance(node.args[0].value, str)
        ):
            yield node.lineno, node.args[0].value


def test_nothing_imports_a_tasks_module() -> None:
    offenders = [
        f"{path.relative_to(ROOT)}:{line} imports {target}"
        for name, path in modules()
        for line, target in imported(name, path)
        if is_tasks_module(target) and target != name
    ]
    assert offenders == []


def test_the_import_check_sees_every_way_of_importing_a_tasks_module(tmp_path: Path) -> None:
    source = tmp_path / "services.py"
    source.write_text(
        "from .tasks import run_task\n"
        "from . import tasks\n"
        "from apps.claims.tasks import ingest_run_task\n"
        "import apps.quality.tasks\n"
        "def later():\n"
        "    from ..performance import tasks as performance_tasks\n"
        "    import_module('apps.reviews.tasks')\n"
    )
    found = {target for _, target in imported("apps.alignment.services", source) if is_tasks_module(target)}
    assert found == {
        "apps.alignment.tasks",
        "apps.alignment.tasks.run_task",
        "apps.claims.tasks",
        "apps.claims.tasks.ingest_run_task",
        "apps.quality.tasks",
        "apps.performance.tasks",
        "apps.reviews.tasks",
    }


def task_name_constants() -> dict[str, str]:
    """Every ``apps.<app>.task_names`` constant: its dotted place, and the task name it holds."""
    found: dict[str, str] = {}
    for name, _ in modules():
        if name.endswith(".task_names"):
            module = importlib.import_module(name)
            found |= {f"{name}.{k}": v for k, v in vars(module).items() if k.isupper() and isinstance(v, str)}
    return found


def test_every_task_is_registered_under_its_constant_and_the_name_celery_gave_it_before() -> None:
    """Messages already on a queue name the task by Celery's default ``module.function``: the explicit
    names keep it, and every task of the portal has its constant."""
    from lead_portal.celery import app

    app.autodiscover_tasks(force=True)
    registered = {name: task for name, task in app.tasks.items() if name.startswith("apps.")}
    constants = task_name_constants()
    assert sorted(constants.values()) == sorted(registered)
    for constant, name in constants.items():
        app_package = constant.rsplit(".", 2)[0]
        assert name.startswith(f"{app_package}.tasks."), constant
        task = registered[name]
        assert name == f"{task.run.__module__}.{task.run.__name__}", constant


@pytest.mark.parametrize(
    ("name", "queue"),
    [
        ("apps.alignment.tasks.alignment_run_task", "compute"),
        ("apps.alignment.tasks.alignment_export_task", "compute"),
        ("apps.claims.tasks.ingest_run_task", "compute"),
        ("apps.quality.tasks.quality_run_task", "compute"),
        ("apps.performance.tasks.pipeline_step_task", "compute"),
        ("apps.performance.tasks.aco_summary_task", "compute"),
        ("apps.performance.tasks.report_build_task", "default"),
        ("apps.cara.tasks.document_build_task", "default"),
        ("apps.reviews.tasks.review_transition_notify", "default"),
        ("apps.medicaid.tasks.state_selected_notify", "default"),
    ],
)
def test_a_task_queued_by_name_goes_to_its_queue(name: str, queue: str) -> None:
    from lead_portal import jobs
    from lead_portal.celery import app

    assert jobs.task(name).name == name
    assert app.amqp.router.route({}, name, args=(1,), kwargs={})["queue"].name == queue


def test_a_web_process_that_imported_no_tasks_module_queues_by_name() -> None:
    """The web process imports no tasks module of its own: the first task it queues has Celery's
    autodiscovery import them, and (eager here) runs it in-process as before."""
    script = (
        "import sys, django\n"
        "django.setup()\n"
        "from django.urls import get_resolver\n"
        "get_resolver().url_patterns\n"  # the URL conf, its views and their services, as in a web process
        "assert not [m for m in sys.modules if m.startswith('apps.') and m.endswith('.tasks')], 'imported'\n"
        "from lead_portal import jobs\n"
        "task = jobs.task('apps.performance.tasks.report_build_task')\n"
        "assert task.name == 'apps.performance.tasks.report_build_task' and task.acks_late\n"
        "assert 'apps.reviews.tasks' in sys.modules\n"
        "from celery.exceptions import NotRegistered\n"
        "try:\n"
        "    jobs.task('apps.performance.tasks.no_such_task')\n"
        "except NotRegistered:\n"
        "    print('ok')\n"
    )
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "lead_portal.settings.test"}
    env.pop("REDIS_URL", None)
    done = subprocess.run(  # noqa: S603 (fixed arguments: this interpreter and the script above)
        [sys.executable, "-c", script], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().endswith("ok")
