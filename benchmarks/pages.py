"""Page latency under concurrent load: the ACO dashboard, the money page, the aligned beneficiary list and
a beneficiary's "why aligned" page, served by gunicorn on PostgreSQL, with 20 clients at once.

    .venv/bin/python benchmarks/pages.py --database-url postgresql://…/pipe_bench_100k [--clients 20]
        [--seconds 30] [--workers 4] [--aco L0001]

The database must hold a computed performance year (e.g. the one ``benchmarks/pipeline.py --keep-db NAME``
leaves behind: 100,000 beneficiaries). The script:

1. collects the static files and starts ``gunicorn lead_portal.wsgi`` (production settings, plain HTTP
   on 127.0.0.1, ``--workers`` sync workers) against that database;
2. signs an ACO administrator of ``--aco`` in (a user created for the run, removed after) through the
   real login form, so every request carries a real session, CSRF and all middleware;
3. runs ``--clients`` threads for ``--seconds``, each a user requesting the pages in turn on its own
   keep-alive connection and pausing ``--think`` seconds between pages (default 1 s, as a person reading;
   ``--think 0`` measures saturation instead), and records each response's latency (every response must
   be 200).

Prints one summary line: p50 / p95 per page and overall, requests per second; target p95 ≤ 150 ms.
"""

from __future__ import annotations

import argparse
import http.client
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
TARGET_P95_MS = 150.0
PASSWORD = "bench-pages-Password-1"  # noqa: S105 - a throwaway account on a benchmark database


def say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def django_env(database_url: str, static_root: Path) -> dict[str, str]:
    return dict(
        os.environ,
        DJANGO_SETTINGS_MODULE="lead_portal.settings.production",
        DJANGO_SECRET_KEY="benchmark-only-secret-key-0123456789-abcdefghijklmnop",  # noqa: S106 - throwaway
        DATABASE_URL=database_url,
        SECURE_SSL_REDIRECT="false",
        STATIC_ROOT=str(static_root),
        REDIS_URL=os.environ.get("BENCH_REDIS", "redis://127.0.0.1:6379/14"),
        DB_CONN_MAX_AGE="600",
        PYTHONWARNINGS="ignore",
    )


def manage(env: dict[str, str], *args: str) -> str:
    done = subprocess.run(  # noqa: S603
        [PYTHON, str(ROOT / "manage.py"), *args], env=env, cwd=ROOT, check=True, capture_output=True, text=True
    )
    return done.stdout


USER_SCRIPT = """
from apps.accounts.models import User
from apps.acos.models import ACO, Membership
import sys
name, aco_id, password, action = sys.argv[1:5]
if action == "create":
    user, _ = User.objects.get_or_create(username=name, defaults={"email": name + "@example.org"})
    user.set_password(password)
    user.save()
    Membership.objects.get_or_create(user=user, aco=ACO.objects.get(aco_id=aco_id), defaults={"role": "admin"})
else:
    User.objects.filter(username=name).delete()
"""


def account(env: dict[str, str], name: str, aco_id: str, action: str) -> None:
    subprocess.run(  # noqa: S603
        [PYTHON, "-c", "import django; django.setup(); exec(open(0).read())", name, aco_id, PASSWORD, action],
        input=USER_SCRIPT,
        env=env,
        cwd=ROOT,
        check=True,
        text=True,
    )


class Client:
    """One keep-alive HTTP connection with the session's cookies."""

    def __init__(self, port: int) -> None:
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        self.cookies: dict[str, str] = {}

    def request(self, method: str, path: str, body: str | None = None) -> tuple[int, str, dict[str, str]]:
        headers = {"Host": "127.0.0.1", "X-Forwarded-Proto": "https", "Connection": "keep-alive"}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        if body is not None:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
            headers["Referer"] = "https://127.0.0.1/accounts/login/"
        self.conn.request(method, path, body=body, headers=headers)
        response = self.conn.getresponse()
        text = response.read().decode(errors="replace")
        for header, value in response.getheaders():
            if header.lower() == "set-cookie":
                name, _, rest = value.partition("=")
                self.cookies[name] = rest.split(";", 1)[0]
        return response.status, text, dict(response.getheaders())


def sign_in(port: int, username: str) -> dict[str, str]:
    client = Client(port)
    status, page, _ = client.request("GET", "/accounts/login/")
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)
    if status != 200 or token is None:
        sys.exit(f"the login page answered {status}")
    form = urllib.parse.urlencode({"csrfmiddlewaretoken": token.group(1), "username": username, "password": PASSWORD})
    status, _, headers = client.request("POST", "/accounts/login/", form)
    if status != 302 or "sessionid" not in client.cookies:
        sys.exit(f"signing in answered {status} {headers.get('Location', '')}")
    return client.cookies


def wait_until_up(port: int, proc: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            sys.exit(f"gunicorn exited with {proc.returncode}:\n{log.read_text()[-3000:]}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            time.sleep(0.2)
    sys.exit("gunicorn did not start within 60 s")


def a_beneficiary(database_url: str, aco: str, py: int) -> str:
    """An MBI aligned to ``aco`` in the PY's latest successful alignment run (the 100th by MBI), whose
    "why aligned" page the clients read."""
    import psycopg

    with psycopg.connect(database_url) as conn:
        row = conn.execute(
            "SELECT ab.mbi FROM alignment_alignedbeneficiary ab JOIN acos_aco a ON a.id = ab.aco_id "
            "WHERE a.aco_id = %s AND ab.run_id = (SELECT max(id) FROM alignment_alignmentrun "
            "WHERE performance_year = %s AND status = 'succeeded' AND as_of IS NULL) "
            "ORDER BY ab.mbi LIMIT 1 OFFSET 100",
            [aco, py],
        ).fetchone()
    if row is None:
        sys.exit(f"no beneficiary aligned to {aco} in PY{py}: run the pipeline first")
    return str(row[0])


def percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(pct / 100 * (len(ordered) - 1))))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--aco", default="L0001")
    parser.add_argument("--performance-year", type=int, default=2027)
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=30)
    parser.add_argument("--workers", type=int, default=4, help="gunicorn sync workers")
    parser.add_argument("--think", type=float, default=1.0, help="seconds each client waits between pages")
    args = parser.parse_args()

    scratch = Path(tempfile.mkdtemp(prefix="bench-pages-"))
    env = django_env(args.database_url, scratch / "static")
    username = f"bench-pages-{os.getpid()}"
    port = free_port()
    log = scratch / "gunicorn.log"
    py = args.performance_year
    pages = {
        "dashboard": f"/acos/{args.aco}/?py={py}",
        "money": f"/acos/{args.aco}/money/?py={py}",
        "beneficiaries": f"/acos/{args.aco}/beneficiaries/?py={py}",
        "beneficiaries p.50": f"/acos/{args.aco}/beneficiaries/?py={py}&page=50&sort=name",
        "beneficiary": f"/acos/{args.aco}/beneficiaries/{a_beneficiary(args.database_url, args.aco, py)}/?py={py}",
    }
    say("Collecting static files and creating the benchmark account")
    manage(env, "collectstatic", "--noinput", "-v0")
    account(env, username, args.aco, "create")
    proc = None
    try:
        with log.open("wb") as out:
            proc = subprocess.Popen(  # noqa: S603
                [
                    str(Path(PYTHON).with_name("gunicorn")),
                    "lead_portal.wsgi",
                    f"--bind=127.0.0.1:{port}",
                    f"--workers={args.workers}",
                    "--worker-class=sync",
                    "--keep-alive=30",
                    "--access-logfile=-",
                ],
                env=env,
                cwd=ROOT,
                stdout=out,
                stderr=subprocess.STDOUT,
            )
        wait_until_up(port, proc, log)
        cookies = sign_in(port, username)
        # Warm every worker's connection and caches: each page a few times.
        warm = Client(port)
        warm.cookies = dict(cookies)
        for path in pages.values():
            for _ in range(args.workers * 2):
                status, _, _ = warm.request("GET", path)
                if status != 200:
                    sys.exit(f"{path} answered {status}")
        say(f"Loading: {args.clients} clients for {args.seconds:.0f} s against {args.workers} gunicorn workers")
        timings: dict[str, list[float]] = {name: [] for name in pages}
        errors: list[str] = []
        lock = threading.Lock()
        stop = time.monotonic() + args.seconds

        def client_loop(offset: int) -> None:
            client = Client(port)
            client.cookies = dict(cookies)
            names = list(pages)
            i = offset
            while time.monotonic() < stop:
                name = names[i % len(names)]
                i += 1
                started = time.perf_counter()
                status, _, _ = client.request("GET", pages[name])
                elapsed = (time.perf_counter() - started) * 1000
                with lock:
                    if status != 200:
                        errors.append(f"{name}: {status}")
                    timings[name].append(elapsed)
                if args.think:
                    time.sleep(args.think)

        threads = [threading.Thread(target=client_loop, args=(n,)) for n in range(args.clients)]
        begun = time.monotonic()
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        wall = time.monotonic() - begun
    finally:
        if proc is not None:
            proc.terminate()
            proc.wait(timeout=30)
        account(env, username, args.aco, "delete")
        shutil.rmtree(scratch, ignore_errors=True)
    if errors:
        sys.exit(f"{len(errors)} failed requests, e.g. {errors[:5]}")
    everything = [v for values in timings.values() for v in values]
    per_page = "; ".join(
        f"{name} p50 {statistics.median(v):.0f} ms p95 {percentile(v, 95):.0f} ms" for name, v in timings.items()
    )
    p95 = percentile(everything, 95)
    print(
        f"pages {args.clients} clients (think {args.think:g} s) x {args.seconds:.0f} s, {args.workers} gunicorn "
        f"workers: {len(everything):,} "
        f"requests ({len(everything) / wall:.0f}/s), all p50 {statistics.median(everything):.0f} ms p95 {p95:.0f} ms "
        f"({'within' if p95 <= TARGET_P95_MS else 'OVER'} the {TARGET_P95_MS:.0f} ms target); {per_page}"
    )


if __name__ == "__main__":
    main()
