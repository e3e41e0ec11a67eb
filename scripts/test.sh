#!/usr/bin/env bash
# The whole test suite, from a fresh machine: installs what the tests need, builds once, runs the Swift tests,
# then runs schemathesis and the Autobahn WebSocket suite (fast groups) against live servers built in the same step.
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

if [ ! -x .venv-browser/bin/python ] || ! .venv-browser/bin/python -c "import selenium" >/dev/null 2>&1; then
  log "installing selenium in .venv-browser"
  python3 -m venv .venv-browser
  .venv-browser/bin/pip install -q "selenium>=4.20,<5"
fi

if [ ! -x .venv-research/bin/python ] || ! .venv-research/bin/python -c "import backtesting, talib" >/dev/null 2>&1; then
  log "installing backtesting.py 0.6.6 and TA-Lib in .venv-research"
  python3 -m venv .venv-research
  .venv-research/bin/pip install -q "backtesting==0.6.6" "TA-Lib>=0.6,<0.9" pandas numpy
fi

# --- One build for tests and the server ------------------------------------------------------------------------
log "swift build --build-tests"
swift build --build-tests

# A private PostgreSQL cluster: the store tests run against it as well as SQLite.
log "starting a private PostgreSQL"
eval "$(scripts/postgres.sh start "${TICKWIRE_TEST_PG_PORT:-55439}")"
trap 'scripts/postgres.sh stop "$TICKWIRE_PG_DIR"' EXIT

log "swift test"
swift test --skip-build 2>&1 | tee "${TMPDIR:-/tmp}/tickwire-swift-test.log"
swift_tests=$(sed -n 's/.*Test run with \([0-9][0-9]*\) tests.* passed.*/\1/p' "${TMPDIR:-/tmp}/tickwire-swift-test.log" | tail -1)

# The server tests again, every one on a fresh PostgreSQL database (REST, SSE, WebSocket, auth, engine routes).
log "swift test: server tests on PostgreSQL"
TICKWIRE_TEST_SERVER_POSTGRES_URL="$TICKWIRE_TEST_POSTGRES_URL" swift test --skip-build --filter TickwireServerTests 2>&1 \
  | tee "${TMPDIR:-/tmp}/tickwire-swift-test-pg.log"
pg_tests=$(sed -n 's/.*Test run with \([0-9][0-9]*\) tests.* passed.*/\1/p' "${TMPDIR:-/tmp}/tickwire-swift-test-pg.log" | tail -1)

# PostgreSQL stopped and started while two nodes take writes and stream them: alone, since it restarts the server
# every other test uses.
log "swift test: a database restart under load"
# It takes about 20 s; a hang fails the run after 10 minutes instead of holding it for ever.
TICKWIRE_TEST_PG_RESTART=1 timeout 600 swift test --skip-build --filter DatabaseRestartTests 2>&1 \
  | tee "${TMPDIR:-/tmp}/tickwire-swift-test-restart.log"
restart_tests=$(sed -n 's/.*Test run with \([0-9][0-9]*\) tests.* passed.*/\1/p' "${TMPDIR:-/tmp}/tickwire-swift-test-restart.log" | tail -1)
swift_tests=$(( ${swift_tests:-0} + ${pg_tests:-0} + ${restart_tests:-0} ))

# --- The research core beside the reference libraries (backtesting.py, TA-Lib), both run here on GOOG ----------
log "research: backtesting.py and TA-Lib against tickwire backtest and tickwire indicators"
research_status=0
.venv-research/bin/python Tests/Research/reference_check.py "$(swift build --show-bin-path)/tickwire" \
  || research_status=1

# --- kill -9 under load, on SQLite and PostgreSQL: nothing acknowledged is lost, the log stays contiguous --------
log "crash test: kill -9 while writers post orders and logs"
crash_status=0
crash_dir=$(mktemp -d)
psql=$(ls /usr/lib/postgresql/*/bin/psql | sort -V | tail -1)
"$psql" "$TICKWIRE_TEST_POSTGRES_URL" -qc "CREATE DATABASE tickwire_crash" >/dev/null
for database in "$crash_dir/crash.db" "${TICKWIRE_TEST_POSTGRES_URL%/*}/tickwire_crash"; do
  timeout 300 python3 Tests/Crash/crash_test.py "$(swift build --show-bin-path)/tickwire" "$database" \
    "${TICKWIRE_TEST_CRASH_PORT:-18941}" || crash_status=1
done
rm -rf "$crash_dir"

# --- Schemathesis against the served OpenAPI document ----------------------------------------------------------
workdir=$(mktemp -d)
port=${TICKWIRE_TEST_PORT:-18931}
server_pid=""
cleanup() {
  [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null && wait "$server_pid" 2>/dev/null || true
  rm -rf "$workdir"
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

# --- The dashboard in headless Chromium (screenshots in artifacts/screenshots) ----------------------------------
log "browser tests (headless Chromium)"
browser_status=0
(cd Tests/Browser && TICKWIRE_BIN="$tickwire" ../../.venv-browser/bin/python -m unittest discover -v -p 'test_*.py') \
  2>&1 | tee "$workdir/browser.log" || true
grep -q '^OK' "$workdir/browser.log" || browser_status=1
browser_tests=$(sed -n 's/^Ran \([0-9][0-9]*\) tests\{0,1\} in.*/\1/p' "$workdir/browser.log" | tail -1)

# --- WebSocket conformance (Autobahn fast groups) ---------------------------------------------------------------
log "autobahn (fast groups)"
autobahn_status=0
scripts/autobahn.sh "$(swift build --show-bin-path)/tickwire" || autobahn_status=$?

# One closing line for the whole suite: the Swift and browser tests, plus schemathesis, Autobahn, the crash test and
# the research reference check counted as one each (a failing browser run counts as one failure).
failed=$(( (status != 0) + (autobahn_status != 0) + (browser_status != 0) + (crash_status != 0)
  + (research_status != 0) ))
passed=$(( ${swift_tests:-0} + 4 - (status != 0) - (autobahn_status != 0) - (crash_status != 0)
  - (research_status != 0) ))
[ "$browser_status" -eq 0 ] && passed=$(( passed + ${browser_tests:-0} ))
echo "tickwire: $passed passed, $failed failed"
[ "$failed" -eq 0 ] || exit 1
