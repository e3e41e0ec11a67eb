#!/usr/bin/env bash
# One row of BENCHMARKS.md's push-hub table: a fresh release server on SQLite, N subscribers, R events/s for D s.
#   scripts/bench-stream.sh sse|ws SUBSCRIBERS RATE SECONDS      (build first: swift build -c release)
set -euo pipefail
cd "$(dirname "$0")/.."
transport=${1:?sse or ws}; subscribers=${2:?subscribers}; rate=${3:?events per second}; duration=${4:?seconds}
bin=${TICKWIRE_BIN:-.build/release/tickwire}
bench=${TICKWIRE_BENCH_BIN:-.build/release/tickwire-bench}
dir=$(mktemp -d)
port=${BENCH_PORT:-18500}
ulimit -n 20000
TICKWIRE_ADMIN_PASSWORD=bench-admin-pw "$bin" serve --port "$port" --database "$dir/bench.db" --log-level error \
  --no-engine --api-key-rate 1000000 >"$dir/server.log" 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null; wait $pid 2>/dev/null; rm -rf "$dir"' EXIT
for _ in $(seq 100); do curl -fsS "http://127.0.0.1:$port/ready" >/dev/null 2>&1 && break; sleep 0.1; done
key=$("$bin" tokens create --database "$dir/bench.db" --user admin --name bench)
TICKWIRE_TOKEN=$key "$bench" stream --port "$port" --transport "$transport" --subscribers "$subscribers" \
  --rate "$rate" --duration "$duration" --server-pid "$pid"
echo "server stats: $(curl -s -H "Authorization: Bearer $key" "http://127.0.0.1:$port/api/v1/admin/stats")"
