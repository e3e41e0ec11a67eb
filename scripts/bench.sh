#!/usr/bin/env bash
# REST benchmark: GET /api/v1/bots/page with 100 bots and 10,000 orders, and POST /api/v1/bots/{id}/orders
# throughput, measured with wrk against a real server on a fresh SQLite file. Prints p50/p99 and requests/s.
#
#   scripts/bench.sh            # release build (the one to record)
#   scripts/bench.sh --debug    # debug build, to check the script quickly
set -euo pipefail
cd "$(dirname "$0")/.."

config=release
[ "${1:-}" = "--debug" ] && config=debug
duration=${BENCH_DURATION:-10s}
port=${BENCH_PORT:-18990}

command -v wrk >/dev/null 2>&1 || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk; }

# TICKWIRE_BIN=path runs another binary (an A/B against an older build) instead of building this tree.
if [ -n "${TICKWIRE_BIN:-}" ]; then
  bin=$TICKWIRE_BIN
else
  swift build -c "$config" --product tickwire
  bin="$(swift build -c "$config" --show-bin-path)/tickwire"
fi

workdir=$(mktemp -d)
# BENCH_DATABASE=postgres://... runs the same benchmark on PostgreSQL (an empty database).
database=${BENCH_DATABASE:-$workdir/bench.db}
TICKWIRE_ADMIN_PASSWORD=bench-admin-password "$bin" serve --port "$port" --database "$database" --no-engine \
  --api-key-rate 1000000 --log-level warning >"$workdir/server.log" 2>&1 &
server_pid=$!
trap 'kill $server_pid 2>/dev/null; wait $server_pid 2>/dev/null; rm -rf "$workdir"' EXIT
for _ in $(seq 1 100); do curl -fsS "http://127.0.0.1:$port/ready" >/dev/null 2>&1 && break; sleep 0.1; done
# Every request authenticates with an API key, as a bot process would.
key=$("$bin" tokens create --database "$database" --user admin --name bench)
auth="Authorization: Bearer $key"
export TICKWIRE_TOKEN=$key

echo "== seeding 100 bots, 10,000 orders (half of them filled), 1,000 log lines, 100 prices"
python3 - "$port" "$key" <<'PY'
import http.client, json, sys
conn = http.client.HTTPConnection("127.0.0.1", int(sys.argv[1]))
def call(method, path, body):
    conn.request(method, path, json.dumps(body), {"Content-Type": "application/json", "Authorization": f"Bearer {sys.argv[2]}"})
    response = conn.getresponse(); data = response.read()
    assert response.status < 300, (response.status, data)
    return json.loads(data)
for b in range(100):
    bot = call("POST", "/api/v1/bots", {"name": f"bot-{b}", "ticker": f"T{b % 20}/USDT", "exchange": "binance",
                                         "strategy": "sma", "config": {"fast": 5, "slow": 20, "market": "margin"},
                                         "status": "ACTIVE"})
    for o in range(100):
        order = call("POST", f"/api/v1/bots/{bot['id']}/orders",
                     {"side": "buy" if o % 2 else "sell", "type": "limit", "quantity": 1, "price": 100 + o})
        if o % 2 == 0:
            call("PATCH", f"/api/v1/orders/{order['id']}", {"fill": {"quantity": 1, "price": 100 + o, "fee": 0.01}})
    call("POST", "/api/v1/logs", [{"bot_id": bot["id"], "level": "INFO", "message": f"tick {i}"} for i in range(10)])
call("POST", "/api/v1/prices", [{"ticker": f"T{t}/USDT", "exchange": "binance", "price": 150.0} for t in range(20)] * 5)
PY
curl -s -o /dev/null -H "$auth" -w "bundle: %{size_download} bytes plain, " "http://127.0.0.1:$port/api/v1/bots/page"
curl -s -o /dev/null -H "$auth" -w "%{size_download} bytes gzip\n" -H 'Accept-Encoding: gzip' "http://127.0.0.1:$port/api/v1/bots/page"

echo "== GET /api/v1/bots/page (1 wrk thread, 16 connections, $duration)"
wrk -t1 -c16 -d"$duration" --latency -H "$auth" "http://127.0.0.1:$port/api/v1/bots/page" | grep -E "Latency|50%|99%|Requests/sec|Non-2xx"

echo "== GET /api/v1/bots/page with Accept-Encoding: gzip"
wrk -t1 -c16 -d"$duration" --latency -H "$auth" -H 'Accept-Encoding: gzip' "http://127.0.0.1:$port/api/v1/bots/page" \
  | grep -E "Latency|50%|99%|Requests/sec|Non-2xx"

cat >"$workdir/orders.lua" <<'LUA'
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
local n = 0
request = function()
  n = n + 1
  local bot = (n % 100) + 1
  return wrk.format(nil, "/api/v1/bots/" .. bot .. "/orders",
    nil, '{"side":"buy","type":"limit","quantity":1,"price":101.5}')
end
LUA
echo "== POST /api/v1/bots/{id}/orders (1 wrk thread, 16 connections, $duration)"
wrk -t1 -c16 -d"$duration" --latency -H "$auth" -s "$workdir/orders.lua" "http://127.0.0.1:$port" \
  | grep -E "Latency|50%|99%|Requests/sec|Non-2xx"
echo "== machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), build: $config"
