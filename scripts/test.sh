#!/usr/bin/env bash
# The one test run behind `make test`: lint (ruff), format check, types (mypy), then pytest in three
# parts: the fast suite on SQLite, the integration tests against real PostgreSQL and Redis, and the
# browser tests in Debian's Chromium.
#
# Every stage runs even when an earlier one fails, so one run shows every problem; the exit status
# is non-zero if any stage failed. Set FAIL_FAST=1 to stop at the first failure.
#
# Environment:
#   REQUIRE_SERVICES=1   PostgreSQL/Redis not reachable is a failure (CI), not a skip
#   REQUIRE_BROWSER=1    /usr/bin/chromium missing is a failure (CI), not a skip
#   TEST_DATABASE_URL    PostgreSQL for the integration tests (default postgresql://postgres@127.0.0.1:5432/lead_portal;
#                        pytest-django creates and drops test_lead_portal next to it)
#   TEST_REDIS_URL       Redis for the integration tests (default redis://127.0.0.1:6379/15)
#   CHROMIUM             browser for the e2e tests (default /usr/bin/chromium)
#   PYTEST_ARGS          extra arguments for every pytest run (e.g. "-x -k alignment")
#   PYTEST_WORKERS       run the fast suite in parallel with pytest-xdist (e.g. "auto" or "2")
set -uo pipefail

cd "$(dirname "$0")/.."
ROOT=$(pwd)
VENV=${VENV:-$ROOT/.venv}
BIN=$VENV/bin
PY=$BIN/python

REQUIRE_SERVICES=${REQUIRE_SERVICES:-0}
REQUIRE_BROWSER=${REQUIRE_BROWSER:-0}
FAIL_FAST=${FAIL_FAST:-0}
TEST_DATABASE_URL=${TEST_DATABASE_URL:-postgresql://postgres@127.0.0.1:5432/lead_portal}
TEST_REDIS_URL=${TEST_REDIS_URL:-redis://127.0.0.1:6379/15}
CHROMIUM=${CHROMIUM:-/usr/bin/chromium}
read -r -a EXTRA <<<"${PYTEST_ARGS:-}"

if [[ ! -x $PY ]]; then
    echo "scripts/test.sh: no virtual environment at $VENV; run 'make venv' (or 'make test')." >&2
    exit 2
fi

if [[ -t 1 ]]; then
    BOLD=$'\e[1m' RED=$'\e[31m' GREEN=$'\e[32m' YELLOW=$'\e[33m' RESET=$'\e[0m'
else
    BOLD='' RED='' GREEN='' YELLOW='' RESET=''
fi

START=$(date +%s)
SUMMARY=()
FAILED=0

now() { date +%s; }
banner() { printf '\n%s==> %s%s\n' "$BOLD" "$*" "$RESET"; }
notice() {
    # A skip must be seen: a framed block, not a line lost in the log.
    printf '\n%s%s\n' "$YELLOW" "########################################################################"
    printf '#  %s\n' "$@"
    printf '%s%s\n\n' "########################################################################" "$RESET"
}
record() { # record STAGE STATUS SECONDS [DETAIL]
    SUMMARY+=("$(printf '%-22s %-8s %5ss  %s' "$1" "$2" "$3" "${4:-}")")
    if [[ $2 == FAIL ]]; then
        FAILED=1
        if [[ $FAIL_FAST == 1 ]]; then finish; fi
    fi
}
finish() {
    local total=$(($(now) - START))
    printf '\n%s==> Summary%s\n' "$BOLD" "$RESET"
    local line
    for line in "${SUMMARY[@]}"; do
        case $line in
            *" FAIL "*) printf '%s%s%s\n' "$RED" "$line" "$RESET" ;;
            *" SKIP "*) printf '%s%s%s\n' "$YELLOW" "$line" "$RESET" ;;
            *) printf '%s%s%s\n' "$GREEN" "$line" "$RESET" ;;
        esac
    done
    printf '\nTotal wall time: %dm%02ds\n' $((total / 60)) $((total % 60))
    if [[ $FAILED != 0 ]]; then
        printf '%sFAILED%s\n' "$RED$BOLD" "$RESET"
        exit 1
    fi
    printf '%sOK%s\n' "$GREEN$BOLD" "$RESET"
    exit 0
}

# run_tool STAGE COMMAND...: a lint/type stage, any non-zero exit fails it.
run_tool() {
    local stage=$1
    shift
    banner "$stage: $*"
    local t0 rc=0
    t0=$(now)
    "$@" || rc=$?
    if [[ $rc == 0 ]]; then
        record "$stage" PASS $(($(now) - t0))
    else
        record "$stage" FAIL $(($(now) - t0)) "exit $rc"
    fi
}

# count_test_files SUBSET: how many test files belong to a subset by where they live
# (fast: everything under tests/ but tests/e2e and tests/integration).
count_test_files() {
    case $1 in
        fast) find tests -name 'test_*.py' -type f -not -path 'tests/e2e/*' -not -path 'tests/integration/*' ;;
        *) find "tests/$1" -name 'test_*.py' -type f ;;
    esac 2>/dev/null | wc -l
}

# run_pytest STAGE SUBSET ENV... -- PYTEST_ARGS...
# Exit code 5 (no tests collected) passes only while the subset has no tests yet: if the subset's
# folder already holds test files and none was collected, the tests are probably missing their
# marker (or failed to be collected), and the stage fails.
run_pytest() {
    local stage=$1 subset=$2
    shift 2
    local envs=()
    while [[ $1 != -- ]]; do
        envs+=("$1")
        shift
    done
    shift
    banner "$stage: pytest $*"
    local t0 rc
    t0=$(now)
    env "${envs[@]}" "$PY" -m pytest "$@" "${EXTRA[@]}"
    rc=$?
    local dt=$(($(now) - t0))
    if [[ $rc == 0 ]]; then
        record "$stage" PASS $dt
    elif [[ $rc == 5 ]]; then
        local n
        n=$(count_test_files "$subset")
        if ((n > 0)); then
            echo "${RED}$stage: no tests collected, but there are $n test file(s) for this subset" \
                "(tests/$subset): are they missing their pytest marker?${RESET}"
            record "$stage" FAIL $dt "no tests collected although $n test file(s) exist"
        else
            notice "NO TESTS YET: $stage collected no tests (pytest exit 5); counted as passed."
            record "$stage" PASS $dt "no tests yet"
        fi
    else
        record "$stage" FAIL $dt "pytest exit $rc"
    fi
}

# --- lint and types --------------------------------------------------------------------------------
run_tool "ruff check" "$BIN/ruff" check .
run_tool "ruff format --check" "$BIN/ruff" format --check --output-format concise .
run_tool "mypy" "$BIN/mypy" .

# --- fast suite: SQLite, eager Celery, no services -------------------------------------------------
mkdir -p var
FAST_ENV=("DATABASE_URL=sqlite:///$ROOT/var/test.sqlite3" "REDIS_URL=")
FAST_ARGS=(-m "not integration and not e2e")
if [[ -n ${PYTEST_WORKERS:-} ]]; then
    FAST_ARGS+=(-n "$PYTEST_WORKERS")
fi
run_pytest "pytest (fast)" fast "${FAST_ENV[@]}" -- "${FAST_ARGS[@]}"

# --- integration: real PostgreSQL and Redis ------------------------------------------------------
banner "integration: probing PostgreSQL ($TEST_DATABASE_URL) and Redis ($TEST_REDIS_URL)"
t0=$(now)
if probe_out=$(TEST_DATABASE_URL=$TEST_DATABASE_URL TEST_REDIS_URL=$TEST_REDIS_URL "$PY" - 2>&1 <<'EOF'
import os
import sys

problems = []
try:
    import psycopg
    from psycopg.conninfo import conninfo_to_dict, make_conninfo

    # Connect to the maintenance database: the one named in the URL need not exist yet
    # (pytest-django creates test_<name> from there).
    info = conninfo_to_dict(os.environ["TEST_DATABASE_URL"])
    info["dbname"] = "postgres"
    with psycopg.connect(make_conninfo(**info), connect_timeout=3) as conn:
        conn.execute("SELECT 1")
except Exception as exc:  # any failure means "not reachable"
    problems.append(f"PostgreSQL: {exc.__class__.__name__}: {exc}".strip())
try:
    import redis

    redis.Redis.from_url(os.environ["TEST_REDIS_URL"], socket_connect_timeout=3, socket_timeout=3).ping()
except Exception as exc:
    problems.append(f"Redis: {exc.__class__.__name__}: {exc}".strip())
print("\n".join(problems))
sys.exit(1 if problems else 0)
EOF
); then
    echo "PostgreSQL and Redis answer."
    run_pytest "pytest (integration)" integration \
        "DATABASE_URL=$TEST_DATABASE_URL" "REDIS_URL=$TEST_REDIS_URL" -- -m integration
else
    mapfile -t lines <<<"$probe_out"
    if [[ $REQUIRE_SERVICES == 1 ]]; then
        notice "FAILED: PostgreSQL/Redis not reachable and REQUIRE_SERVICES=1" "${lines[@]}"
        record "pytest (integration)" FAIL $(($(now) - t0)) "services not reachable (REQUIRE_SERVICES=1)"
    else
        notice "SKIPPED integration tests: PostgreSQL/Redis not reachable" "${lines[@]}" \
            "(set REQUIRE_SERVICES=1 to make this a failure)"
        record "pytest (integration)" SKIP $(($(now) - t0)) "PostgreSQL/Redis not reachable"
    fi
fi

# --- e2e: Playwright driving Debian's Chromium --------------------------------------------------------
t0=$(now)
if [[ -x $CHROMIUM ]] && "$CHROMIUM" --version >/dev/null 2>&1; then
    echo "Browser: $("$CHROMIUM" --version 2>/dev/null)"
    # Playwright's sync API runs an event loop in the test thread; Django refuses ORM calls from such
    # a thread unless told it is safe (it is: tests run one at a time).
    run_pytest "pytest (e2e)" e2e "${FAST_ENV[@]}" "CHROMIUM=$CHROMIUM" \
        "DJANGO_ALLOW_ASYNC_UNSAFE=true" -- -m e2e
else
    if [[ $REQUIRE_BROWSER == 1 ]]; then
        notice "FAILED: $CHROMIUM not found (or does not run) and REQUIRE_BROWSER=1" \
            "install it with: apt-get install -y chromium"
        record "pytest (e2e)" FAIL $(($(now) - t0)) "no browser (REQUIRE_BROWSER=1)"
    else
        notice "SKIPPED e2e (browser) tests: $CHROMIUM not found" \
            "install it with: apt-get install -y chromium   (REQUIRE_BROWSER=1 makes this a failure)"
        record "pytest (e2e)" SKIP $(($(now) - t0)) "$CHROMIUM not found"
    fi
fi

finish
