#!/usr/bin/env bash
# WebSocket conformance: the Autobahn TestSuite (fuzzingclient) against /api/v1/ws/echo, which is served like
# /api/v1/ws/app: sockets without per-message deflate in the channel pipeline (WebSocketConnectionHandler; groups 1-11),
# sockets that negotiate it on hummingbird-websocket (groups 12 and 13).
#
#   scripts/autobahn.sh BINARY          fast groups (all but 12.* and 13.*, about a minute); the test command runs this
#   scripts/autobahn.sh BINARY --full   every group, permessage-deflate included (about 20 minutes)
#
# Passes when no case is FAILED (OK, NON-STRICT, INFORMATIONAL and UNIMPLEMENTED are accepted); prints the counts.
# The suite is Python 2 only: it runs in a virtualenv made from pyenv's Python 2.7.
set -euo pipefail
binary=${1:?usage: autobahn.sh BINARY [--full]}
mode=${2:-fast}
cd "$(dirname "$0")/.."

python2=${AUTOBAHN_PYTHON2:-$(ls -d /root/.pyenv/versions/2.7*/bin/python 2>/dev/null | head -1)}
[ -x "$python2" ] || { echo "autobahn: no Python 2.7 found (set AUTOBAHN_PYTHON2)"; exit 1; }
venv=${AUTOBAHN_VENV:-${TMPDIR:-/tmp}/tickwire-autobahn-venv}
if [ ! -x "$venv/bin/wstest" ]; then
  echo "autobahn: installing the suite into $venv"
  "$python2" -m pip install -q virtualenv >/dev/null 2>&1
  "$python2" -m virtualenv -q "$venv" >/dev/null
  "$venv/bin/pip" install -q autobahntestsuite >/dev/null 2>&1
fi

workdir=$(mktemp -d)
port=${AUTOBAHN_PORT:-18932}
"$binary" serve --port "$port" --database "$workdir/autobahn.db" --web-socket-echo --log-level error \
  >"$workdir/server.log" 2>&1 &
server_pid=$!
trap 'kill $server_pid 2>/dev/null; wait $server_pid 2>/dev/null; rm -rf "$workdir"' EXIT
for _ in $(seq 1 100); do curl -fsS "http://127.0.0.1:$port/ready" >/dev/null 2>&1 && break; sleep 0.1; done

exclude='["12.*", "13.*"]'
[ "$mode" = "--full" ] && exclude='[]'
cat >"$workdir/spec.json" <<SPEC
{"outdir": "$workdir/reports", "servers": [{"agent": "tickwire", "url": "ws://127.0.0.1:$port/api/v1/ws/echo"}],
 "cases": ["*"], "exclude-cases": $exclude, "exclude-agent-cases": {}}
SPEC
(cd "$workdir" && "$venv/bin/wstest" -m fuzzingclient -s spec.json >"$workdir/wstest.log" 2>&1) || true
python3 - "$workdir/reports/index.json" <<'PY'
import collections, json, sys
try:
    cases = json.load(open(sys.argv[1]))["tickwire"]
except Exception as error:
    print(f"autobahn: no report ({error})"); sys.exit(1)
counts = collections.Counter(case["behavior"] for case in cases.values())
failed = sorted(name for name, case in cases.items() if case["behavior"] == "FAILED")
print("autobahn: " + ", ".join(f"{k} {v}" for k, v in sorted(counts.items())) + f" of {len(cases)} cases")
for behavior in ("NON-STRICT", "INFORMATIONAL"):
    names = sorted(name for name, case in cases.items() if case["behavior"] == behavior)
    if names: print(f"autobahn: {behavior} cases: " + " ".join(names))
if failed:
    print("autobahn: FAILED cases: " + " ".join(failed)); sys.exit(1)
PY
