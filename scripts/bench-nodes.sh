#!/usr/bin/env bash
# Cross-node latency: two release servers on one PostgreSQL database; subscribers on node B, events published
# through node A. Needs a PostgreSQL (eval "$(scripts/postgres.sh start)" gives one; its URL is read from
# TICKWIRE_TEST_POSTGRES_URL).
#   scripts/bench-nodes.sh sse|ws SUBSCRIBERS RATE SECONDS      (build first: swift build -c release)
set -euo pipefail
cd "$(dirname "$0")/.."
transport=${1:?sse or ws}; subscribers=${2:?subscribers}; rate=${3:?events per second}; duration=${4:?seconds}
admin=${TICKWIRE_TEST_POSTGRES_URL:?start a PostgreSQL with scripts/postgres.sh first}
bin=${TICKWIRE_BIN:-.build/release/tickwire}
bench=${TICKWIRE_BENCH_BIN:-.build/release/tickwire-bench}
ulimit -n 20000
db=tw_bench_$$
psql "$admin" -qc "CREATE DATABASE $db" >/dev/null
url="${admin%/*}/$db"
logs=$(mktemp -d)
TICKWIRE_ADMIN_PASSWORD=bench-admin-pw "$bin" serve --port 18700 --database "$url" --log-level error --no-engine \
  --api-key-rate 1000000 >"$logs/a.log" 2>&1 &
a=$!
for _ in $(seq 100); do curl -fsS http://127.0.0.1:18700/ready >/dev/null 2>&1 && break; sleep 0.1; done
"$bin" serve --port 18701 --database "$url" --log-level error --no-engine --api-key-rate 1000000 >"$logs/b.log" 2>&1 &
b=$!
trap 'kill $a $b 2>/dev/null; wait $a $b 2>/dev/null; psql "$admin" -qc "DROP DATABASE $db WITH (FORCE)"; rm -rf "$logs"' EXIT
for _ in $(seq 100); do curl -fsS http://127.0.0.1:18701/ready >/dev/null 2>&1 && break; sleep 0.1; done
key=$("$bin" tokens create --database "$url" --user admin --name bench)
TICKWIRE_TOKEN=$key "$bench" stream --port 18701 --publish-port 18700 --transport "$transport" \
  --subscribers "$subscribers" --rate "$rate" --duration "$duration" --server-pid "$b"
