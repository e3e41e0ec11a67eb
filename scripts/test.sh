#!/usr/bin/env bash
# The whole test suite, from a fresh machine: installs what the tests need, builds once, then runs every stage on
# that build: the Swift tests (SQLite and PostgreSQL, the server tests again on PostgreSQL, a database restart), the
# research reference check (backtesting.py and TA-Lib), the kill -9 crash test on both databases, schemathesis, the
# browser tests and the Autobahn WebSocket suite (fast groups). Every stage runs whatever the previous ones gave;
# the closing lines count what each runner itself reported, and the script fails if anything failed.
set -euo pipefail
cd "$(dirname "$0")/.."

log() { printf '\n== %s\n' "$*"; }

# --- System and Python tools (idempotent; skipped when already present) ---------------------------------------
need_apt=()
dpkg -s libsqlite3-dev >/dev/null 2>&1 || need_apt+=(libsqlite3-dev)
dpkg -s zlib1g-dev >/dev/null 2>&1 || need_apt+=(zlib1g-dev)
command -v curl >/dev/null 2>&1 || need_apt+=(curl)
command -v chromium >/dev/null 2>&1 || need_apt+=(chromium)
command -v chromedriver >/dev/null 2>&1 || need_apt+=(chromium-driver)
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || need_apt+=(postgresql)
if [ ${#need_apt[@]} -gt 0 ]; then
  log "installing ${need_apt[*]}"
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need_apt[@]}"
fi
if ! python3 -c "import schemathesis" >/dev/null 2>&1; then
  log "installing schemathesis"
  python3 -m pip install -q "schemathesis>=4,<5"
fi

# The browser tests' and the examples' environment: selenium, and websockets for the example agent.
if [ ! -x .venv-browser/bin/python ] || ! .venv-browser/bin/python -c "import selenium, websockets" >/dev/null 2>&1
then
  log "installing selenium and websockets in .venv-browser"
  python3 -m venv .venv-browser
  .venv-browser/bin/pip install -q "selenium>=4.20,<5" "websockets>=13,<16"
fi
# The Python client as a user installs it (again each run: it is part of this tree).
.venv-browser/bin/pip install -q --force-reinstall --no-deps ./clients/python

if [ ! -x .venv-research/bin/python ] || ! .venv-research/bin/python -c "import backtesting, talib" >/dev/null 2>&1; then
  log "installing backtesting.py 0.6.6 and TA-Lib in .venv-research"
  python3 -m venv .venv-research
  .venv-research/bin/pip install -q "backtesting==0.6.6" "TA-Lib>=0.6,<0.9" pandas numpy
fi

# --- One build for tests and the server ------------------------------------------------------------------------
log "swift build --build-tests"
swift build --build-tests

# --- Every stage records its own result; the closing line adds up what each runner itself reported -----------
results=$(mktemp -d)
summary=()
total_executed=0
total_failed=0
# record NAME EXECUTED FAILED [SKIPPED]
record() {
  total_executed=$(( total_executed + $2 ))
  total_failed=$(( total_failed + $3 ))
  summary+=("$(printf '%-34s %5d executed, %3d failed%s' "$1" "$2" "$3" "${4:+, $4 skipped}")")
}
# swift_stage NAME [ENV=VALUE ...] -- SWIFT TEST ARGUMENTS: counted from Swift Testing's xunit output; a run that
# exits non-zero without a counted failure (a crash, a timeout) counts as one failure.
swift_stage() {
  local name=$1; shift
  local environment=()
  while [ "$1" != "--" ]; do environment+=("$1"); shift; done
  shift
  local rc=0
  env "${environment[@]}" timeout 900 swift test --skip-build --xunit-output "$results/$name.xml" "$@" 2>&1 \
    | tee "$results/$name.log" || rc=$?
  read -r executed failed skipped < <(python3 scripts/count-tests.py xunit "$results/$name-swift-testing.xml")
  if [ "$rc" -ne 0 ] && [ "$failed" -eq 0 ]; then failed=1; fi
  record "$name" "$executed" "$failed" "$skipped"
}

# Style is part of the build: any difference from `swift format` (configured in .swift-format) fails the run.
log "swift format lint --strict"
format_status=0
swift format lint --strict --recursive Sources Tests Plugins Package.swift || format_status=1
record "swift format lint" 1 "$format_status"

# A private PostgreSQL cluster: the store tests run against it as well as SQLite. If it cannot start, the run
# stops here rather than going on without the PostgreSQL cases.
log "starting a private PostgreSQL"
postgres_environment=$(scripts/postgres.sh start "${TICKWIRE_TEST_PG_PORT:-55439}")
eval "$postgres_environment"
[ -n "${TICKWIRE_TEST_POSTGRES_URL:-}" ] || { echo "test.sh: PostgreSQL did not start"; exit 1; }
trap 'scripts/postgres.sh stop "$TICKWIRE_PG_DIR"' EXIT

log "swift test"
swift_stage swift-tests TICKWIRE_TEST_POSTGRES_URL="$TICKWIRE_TEST_POSTGRES_URL" --

# The server tests again, every one on a fresh PostgreSQL database (REST, SSE, WebSocket, auth, engine routes).
log "swift test: server tests on PostgreSQL"
swift_stage server-tests-postgres TICKWIRE_TEST_SERVER_POSTGRES_URL="$TICKWIRE_TEST_POSTGRES_URL" -- \
  --filter TickwireServerTests

# PostgreSQL stopped and started while two nodes take writes and stream them: alone, since it restarts the server
# every other test uses. It takes about 20 s; a hang fails the stage after 15 minutes instead of holding the run.
log "swift test: a database restart under load"
swift_stage database-restart TICKWIRE_TEST_PG_RESTART=1 -- --filter DatabaseRestartTests

# --- The research core beside the reference libraries (backtesting.py, TA-Lib), both run here on GOOG ----------
log "research: backtesting.py and TA-Lib against tickwire backtest and tickwire indicators"
research_status=0
.venv-research/bin/python Tests/Research/reference_check.py "$(swift build --show-bin-path)/tickwire" \
  || research_status=1
record "research reference check" 1 "$(( research_status != 0 ))"

# --- kill -9 under load, on SQLite and PostgreSQL: nothing acknowledged is lost, the log stays contiguous --------
log "crash test: kill -9 while writers post orders and logs"
crash_dir=$(mktemp -d)
psql=$(ls /usr/lib/postgresql/*/bin/psql | sort -V | tail -1)
"$psql" "$TICKWIRE_TEST_POSTGRES_URL" -qc "CREATE DATABASE tickwire_crash" >/dev/null
for database in "$crash_dir/crash.db" "${TICKWIRE_TEST_POSTGRES_URL%/*}/tickwire_crash"; do
  crash_status=0
  timeout 300 python3 Tests/Crash/crash_test.py "$(swift build --show-bin-path)/tickwire" "$database" \
    "${TICKWIRE_TEST_CRASH_PORT:-18941}" || crash_status=1
  case "$database" in postgres*) label=PostgreSQL ;; *) label=SQLite ;; esac
  record "crash test ($label)" 1 "$crash_status"
done
rm -rf "$crash_dir"

# --- Schemathesis against the served OpenAPI document ----------------------------------------------------------
workdir=$(mktemp -d)
port=${TICKWIRE_TEST_PORT:-18931}
server_pid=""
cleanup() {
  [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null && wait "$server_pid" 2>/dev/null || true
  rm -rf "$workdir" "$results"
  scripts/postgres.sh stop "$TICKWIRE_PG_DIR"
}
trap cleanup EXIT

log "schemathesis against http://127.0.0.1:$port"
tickwire="$(swift build --show-bin-path)/tickwire"
# The first start creates the admin; schemathesis then calls every route as that admin through an API key (and
# checks, without it, that every protected route answers 401).
TICKWIRE_ADMIN_PASSWORD=schemathesis-admin "$tickwire" serve --port "$port" --database "$workdir/schemathesis.db" \
  --log-level warning --api-key-rate 100000 >"$workdir/server.log" 2>&1 &
server_pid=$!
for _ in $(seq 1 100); do
  curl -fsS "http://127.0.0.1:$port/ready" >/dev/null 2>&1 && break
  sleep 0.1
done
api_key=$("$tickwire" tokens create --database "$workdir/schemathesis.db" --user admin --name schemathesis)
status=0
schemathesis run "http://127.0.0.1:$port/api/v1/openapi.yaml" --url "http://127.0.0.1:$port" \
  --header "Authorization: Bearer $api_key" \
  --exclude-path-regex '^/(api/v1/(stream|ws/)|events/|api/trading/stream/)' \
  --checks all --max-examples "${SCHEMATHESIS_EXAMPLES:-60}" --seed 20261123 --no-color || status=$?
if ! kill -0 "$server_pid" 2>/dev/null; then
  echo "the server died during the schemathesis run:"; tail -50 "$workdir/server.log"; status=1
fi
record "schemathesis" 1 "$(( status != 0 ))"

# --- The dashboard in headless Chromium (screenshots in artifacts/screenshots) ----------------------------------
log "browser tests (headless Chromium)"
(cd Tests/Browser && TICKWIRE_BIN="$tickwire" ../../.venv-browser/bin/python -m unittest discover -v -p 'test_*.py') \
  2>&1 | tee "$workdir/browser.log" || true
read -r executed failed skipped < <(python3 scripts/count-tests.py unittest "$workdir/browser.log")
record "browser tests" "$executed" "$failed" "$skipped"

# --- The examples under examples/, each against a real server ----------------------------------------------------
log "examples and the Python client (the external agent, the example bot)"
(cd Tests/Examples && TICKWIRE_BIN="$tickwire" ../../.venv-browser/bin/python -m unittest discover -v -p 'test_*.py') \
  2>&1 | tee "$workdir/examples.log" || true
read -r executed failed skipped < <(python3 scripts/count-tests.py unittest "$workdir/examples.log")
record "examples" "$executed" "$failed" "$skipped"

# --- WebSocket conformance (Autobahn fast groups) ---------------------------------------------------------------
log "autobahn (fast groups)"
autobahn_status=0
scripts/autobahn.sh "$(swift build --show-bin-path)/tickwire" || autobahn_status=$?
record "autobahn (fast groups)" 1 "$(( autobahn_status != 0 ))"

# The closing lines: each stage as its runner counted it (skipped tests are not counted as run), then the totals.
# The format lint, schemathesis, Autobahn, the research check and each crash test count as one test each.
log "summary"
printf '%s\n' "${summary[@]}"
echo "tickwire: $(( total_executed - total_failed )) passed, $total_failed failed"
[ "$total_failed" -eq 0 ] || exit 1
