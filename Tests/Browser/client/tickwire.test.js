// Tests of Public/js/tickwire.js, run in Chromium by test_client_library.py. Browser APIs the client uses
// (EventSource, WebSocket, fetch, timers) are replaced by scripted fakes injected through `env`, so every state
// transition can be driven and checked without a server; the dashboard tests cover the real server.
import {
  BoundedHistory, ConditionalFetcher, TTLCache, TickwireClient, backoffDelay,
} from "/js/tickwire.js";

const results = [];
const tests = [];
const test = (name, body) => tests.push({ name, body });
function assertEqual(actual, expected, message = "") {
  const a = JSON.stringify(actual);
  const e = JSON.stringify(expected);
  if (a !== e) throw new Error(`${message} expected ${e}, got ${a}`);
}
const tick = () => new Promise((resolve) => setTimeout(resolve, 0));

/** Fake timers: `advance(ms)` runs what is due, in order. */
function clock() {
  let now = 0;
  let next = 1;
  const timers = new Map();
  return {
    setTimeout: (fn, ms) => (timers.set(next, { fn, at: now + ms }), next++),
    clearTimeout: (id) => timers.delete(id),
    async advance(ms) {
      const end = now + ms;
      for (;;) {
        const due = [...timers.entries()].filter(([, t]) => t.at <= end).sort((a, b) => a[1].at - b[1].at)[0];
        if (!due) break;
        timers.delete(due[0]);
        now = due[1].at;
        due[1].fn();
        await tick();
      }
      now = end;
    },
    pending: () => [...timers.values()].map((t) => t.at - now),
  };
}

/** A scripted EventSource: the test opens, fails or feeds each instance. */
function fakeEventSources() {
  const made = [];
  class FakeEventSource {
    constructor(url) {
      this.url = url;
      this.listeners = {};
      this.closed = false;
      made.push(this);
    }
    addEventListener(type, fn) {
      (this.listeners[type] ??= []).push(fn);
    }
    close() {
      this.closed = true;
    }
    open() {
      this.onopen?.();
    }
    fail() {
      for (const fn of this.listeners.error ?? []) fn(new Event("error"));
    }
    emit(type, data, id) {
      for (const fn of this.listeners[type] ?? []) fn({ type, data: JSON.stringify(data), lastEventId: id });
    }
  }
  return { FakeEventSource, made };
}

const envelope = (id, topic, type, data = {}) => ({ id: String(id), topic, type, timestamp: "2026-11-23T00:00:00Z", data });

function client(options = {}, shared = {}) {
  const timers = shared.timers ?? clock();
  const sources = shared.sources ?? fakeEventSources();
  const restStatus = { value: 200 };
  const c = new TickwireClient({
    topics: ["bots", "orders"],
    pollInterval: 1000,
    ...options,
    env: {
      EventSource: sources.FakeEventSource,
      fetch: async () => {
        if (restStatus.value === 0) throw new TypeError("network");
        return { status: restStatus.value, ok: restStatus.value < 300 };
      },
      setTimeout: timers.setTimeout,
      clearTimeout: timers.clearTimeout,
      random: () => 0.5,
      isOnline: () => true,
      location: { href: "http://tickwire.test/" },
      window: null,
      ...options.env,
    },
  });
  return { c, timers, sources, restStatus };
}

test("backoff doubles from 1 s, is capped at 30 s and jittered within [half, full] of the ceiling", () => {
  assertEqual([0, 1, 2, 3, 4, 5, 6, 10].map((n) => backoffDelay(n, { random: () => 1 })),
    [1000, 2000, 4000, 8000, 16000, 30000, 30000, 30000]);
  assertEqual(backoffDelay(3, { random: () => 0 }), 4000);
  assertEqual(backoffDelay(0, { random: () => 0 }), 1000, "never below the minimum");
  for (let i = 0; i < 200; i++) {
    const d = backoffDelay(4);
    if (d < 8000 || d > 16000) throw new Error(`jitter out of range: ${d}`);
  }
});

test("one stream for every topic, resuming after the last event id", async () => {
  const { c, sources } = client({ lastEventId: 41 });
  c.start();
  assertEqual(sources.made.length, 1);
  const url = new URL(sources.made[0].url);
  assertEqual(url.pathname, "/api/v1/stream");
  assertEqual(url.searchParams.get("topics"), "bots,orders");
  assertEqual(url.searchParams.get("last_event_id"), "41");
  assertEqual(c.state, "connecting");
  sources.made[0].open();
  assertEqual(c.state, "live");
  c.stop();
});

test("events reach handlers by type, topic and '*'; duplicates and older ids are dropped", async () => {
  const { c, sources } = client();
  const seen = { type: [], topic: [], all: [] };
  c.on("order_filled", (e) => seen.type.push(e.id));
  c.on("orders", (e) => seen.topic.push(e.id));
  c.on("*", (e) => seen.all.push(e.id));
  c.start();
  const s = sources.made[0];
  s.open();
  s.emit("order_update", envelope(5, "orders", "order_update"));
  s.emit("order_filled", envelope(6, "orders", "order_filled"));
  s.emit("order_filled", envelope(6, "orders", "order_filled"));
  s.emit("bot_updated", envelope(4, "bots", "bot_updated"));
  s.emit("bot_updated", envelope(7, "bots", "bot_updated"));
  assertEqual(seen.type, ["6"]);
  assertEqual(seen.topic, ["5", "6"]);
  assertEqual(seen.all, ["5", "6", "7"]);
  assertEqual(c.lastEventId, 7);
  assertEqual(c.stats.duplicates, 2);
  c.stop();
});

test("server log lines (no id) reach handlers without moving the position", async () => {
  const { c, sources } = client({ topics: ["admin.logs"] });
  const lines = [];
  c.on("server_log", (e) => lines.push(e.data.message));
  c.start();
  const s = sources.made[0];
  s.open();
  s.emit("log_created", envelope(8, "logs", "log_created"));
  s.emit("server_log", { topic: "admin.logs", type: "server_log", data: { message: "disk full" } });
  assertEqual(lines, ["disk full"]);
  assertEqual(c.lastEventId, 8);
  assertEqual(c.stats.duplicates, 0);
  c.stop();
});

test("a model-session 'error' event is an event, not a connection failure", async () => {
  const { c, sources } = client({ topics: ["models.1"] });
  const errors = [];
  c.on("error", (e) => errors.push(e.data.message));
  c.start();
  sources.made[0].open();
  sources.made[0].emit("error", envelope(3, "models.1", "error", { message: "agent crashed" }));
  assertEqual(errors, ["agent crashed"]);
  assertEqual(c.state, "live");
  c.stop();
});

test("a lost stream goes reconnecting and resumes from the last id with backoff", async () => {
  const { c, sources, timers, restStatus } = client();
  const states = [];
  c.addEventListener("state", () => states.push(c.state));
  c.start();
  sources.made[0].open();
  sources.made[0].emit("bot_created", envelope(10, "bots", "bot_created"));
  restStatus.value = 0; // the server is gone
  sources.made[0].fail();
  await tick();
  assertEqual(c.state, "reconnecting");
  assertEqual(sources.made[0].closed, true);
  await timers.advance(999);
  assertEqual(sources.made.length, 1, "no retry before the backoff");
  await timers.advance(1);
  assertEqual(sources.made.length, 2);
  assertEqual(new URL(sources.made[1].url).searchParams.get("last_event_id"), "10");
  sources.made[1].fail();
  await tick();
  await timers.advance(1499);
  assertEqual(sources.made.length, 2, "second retry waits longer");
  await timers.advance(1);
  assertEqual(sources.made.length, 3);
  restStatus.value = 200;
  sources.made[2].open();
  assertEqual(states, ["connecting", "live", "reconnecting", "live"]);
  c.stop();
});

test("streams failing while REST answers fall back to polling, and return to live when streaming works", async () => {
  const { c, sources, timers } = client({ pollAfterFailures: 3 });
  let polls = 0;
  c.addPoller(async () => polls++);
  c.start();
  for (let attempt = 0; attempt < 3; attempt++) {
    sources.made[attempt].fail();
    await tick();
    await tick();
    if (attempt < 2) {
      assertEqual(c.state, "connecting");
      await timers.advance(30_000);
    }
  }
  assertEqual(c.state, "polling");
  assertEqual(polls, 1, "polls at once");
  await timers.advance(1000);
  assertEqual(polls >= 2, true, "and then every pollInterval");
  await timers.advance(30_000); // the stream is retried meanwhile
  const latest = sources.made[sources.made.length - 1];
  latest.open();
  assertEqual(c.state, "live");
  const pollsWhenLive = polls;
  await timers.advance(5000);
  assertEqual(polls, pollsWhenLive, "polling stops once live");
  c.stop();
});

test("reset is passed on with the server's position; revocation stops the client and reports it", async () => {
  const { c, sources } = client({ lastEventId: 3 });
  const resets = [];
  let unauthorized = null;
  c.on("reset", (e) => resets.push(e.data.reason));
  c.addEventListener("unauthorized", (e) => (unauthorized = e.detail.reason));
  c.start();
  sources.made[0].open();
  sources.made[0].emit("reset", { reason: "too_old", last_event_id: "900" });
  assertEqual(resets, ["too_old"]);
  assertEqual(c.lastEventId, 900);
  sources.made[0].emit("close", { reason: "revoked" });
  assertEqual(unauthorized, "revoked");
  assertEqual(c.state, "offline");
  assertEqual(sources.made.length, 1, "no reconnect with revoked credentials");
});

test("a failure answered 401 by REST means signed out, not polling", async () => {
  const { c, sources, restStatus } = client();
  let unauthorized = null;
  c.addEventListener("unauthorized", (e) => (unauthorized = e.detail.reason));
  c.start();
  restStatus.value = 401;
  sources.made[0].fail();
  await tick();
  await tick();
  assertEqual(unauthorized, "auth_required");
  assertEqual(c.state, "offline");
});

test("adding topics reopens the SSE stream from the last id", async () => {
  const { c, sources } = client();
  c.start();
  sources.made[0].open();
  sources.made[0].emit("bot_created", envelope(20, "bots", "bot_created"));
  c.addTopics(["models.7", "bots"]);
  assertEqual(sources.made.length, 2);
  assertEqual(sources.made[0].closed, true);
  const url = new URL(sources.made[1].url);
  assertEqual(url.searchParams.get("topics"), "bots,models.7,orders");
  assertEqual(url.searchParams.get("last_event_id"), "20");
  c.addTopics(["bots"]);
  assertEqual(sources.made.length, 2, "nothing new, no reconnect");
  c.stop();
});

// BroadcastChannel and Web Locks answer asynchronously: wait (real time) until a condition holds, at most 3 s.
async function until(condition, what) {
  const deadline = performance.now() + 3000;
  while (!condition()) {
    if (performance.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}
const settle = () => new Promise((resolve) => setTimeout(resolve, 50));

test("tabs sharing a name open one stream: the leader relays events, a late tab gets what it missed", async () => {
  const name = "share-test-" + Math.random();
  const first = client({ shareAcrossTabs: name, lastEventId: 10 });
  first.c.start();
  await until(() => first.c.tabRole === "leader", "the first tab to lead");
  assertEqual(first.sources.made.length, 1);
  first.sources.made[0].open();
  first.sources.made[0].emit("bot_created", envelope(11, "bots", "bot_created"));
  first.sources.made[0].emit("order_update", envelope(12, "orders", "order_update"));

  // A second tab that loaded its snapshot at position 10: it opens no stream and is sent 11 and 12.
  const second = client({ shareAcrossTabs: name, lastEventId: 10, topics: ["orders"] }, { sources: first.sources });
  const seen = [];
  second.c.on("*", (event) => seen.push(event.id));
  second.c.start();
  await until(() => second.c.state === "live", "the follower to mirror live");
  assertEqual(second.c.tabRole, "follower");
  assertEqual(first.sources.made.length, 1, "still one stream");
  assertEqual(seen, ["12"], "only its own topics");
  first.sources.made[0].emit("order_filled", envelope(13, "orders", "order_filled"));
  await until(() => seen.length === 2, "the relayed event");
  assertEqual(seen, ["12", "13"]);

  // The leader tab closes: the follower takes the lock and opens the stream from the last id it saw.
  first.c.stop();
  await until(() => second.c.tabRole === "leader", "the follower to take over");
  assertEqual(first.sources.made.length, 2);
  assertEqual(new URL(first.sources.made[1].url).searchParams.get("last_event_id"), "13");
  assertEqual(new URL(first.sources.made[1].url).searchParams.get("topics"), "orders");
  second.c.stop();
});

test("a tab whose position is older than the leader's relay buffer is told to reset", async () => {
  const name = "share-reset-" + Math.random();
  const first = client({ shareAcrossTabs: name, lastEventId: 500 });
  first.c.start();
  await until(() => first.c.tabRole === "leader", "the first tab to lead");
  first.sources.made[0].open();
  const second = client({ shareAcrossTabs: name, lastEventId: 20 }, { sources: first.sources });
  const resets = [];
  second.c.on("reset", (event) => resets.push(event.data.reason));
  second.c.start();
  await until(() => resets.length > 0, "a reset");
  await settle();
  assertEqual(resets, ["tab_share"]);
  assertEqual(second.c.lastEventId, 500);
  first.c.stop();
  second.c.stop();
});

test("a stream token provider: the URL carries the token, renewed at 80 % of its life and after auth_expired", async () => {
  const timers = clock();
  let issued = 0;
  const { c, sources } = client({
    streamToken: async (topics) => {
      issued++;
      return { token: `t${issued}:${topics.join(",")}`, expiresAt: 100_000 };
    },
    env: { now: () => 0 },
  }, { timers });
  c.start();
  await tick();
  await tick();
  assertEqual(sources.made.length, 1);
  assertEqual(new URL(sources.made[0].url).searchParams.get("token"), "t1:bots,orders");
  sources.made[0].open();
  sources.made[0].emit("bot_created", envelope(12, "bots", "bot_created"));
  await timers.advance(79_999);
  assertEqual(sources.made.length, 1, "not renewed before 80 % of its life");
  await timers.advance(1);
  await tick();
  await tick();
  assertEqual(sources.made.length, 2, "reopened with the next token");
  assertEqual(sources.made[0].closed, true);
  const renewed = new URL(sources.made[1].url).searchParams;
  assertEqual([renewed.get("token"), renewed.get("last_event_id")], ["t2:bots,orders", "12"]);
  sources.made[1].open();
  sources.made[1].emit("close", { reason: "auth_expired" });
  await timers.advance(0);
  await tick();
  await tick();
  assertEqual(c.state === "offline", false, "an expired stream token is not a sign-out");
  assertEqual(new URL(sources.made[2].url).searchParams.get("token"), "t3:bots,orders");
  c.stop();
});

test("a client with a cache drops the entries tagged with each event's topic, and all of them on reset", async () => {
  const storage = new Map();
  const fakeStorage = {
    getItem: (k) => storage.get(k) ?? null, setItem: (k, v) => storage.set(k, String(v)),
    removeItem: (k) => storage.delete(k), key: (i) => [...storage.keys()][i] ?? null,
    get length() { return storage.size; },
  };
  const cache = new TTLCache({ storage: fakeStorage, prefix: "t:" });
  cache.set("page", { bots: 1 }, { topics: ["bots"] });
  cache.set("orders", [1], { topics: ["orders"] });
  const { c, sources } = client({ cache });
  c.start();
  sources.made[0].open();
  sources.made[0].emit("bot_updated", envelope(3, "bots", "bot_updated"));
  assertEqual(cache.get("page"), undefined, "the bots entry is gone");
  assertEqual(cache.get("orders"), [1], "the orders entry stays");
  cache.set("page", { bots: 2 }, { topics: ["bots"] });
  sources.made[0].emit("bot_updated", envelope(4, "bots", "bot_updated"));
  assertEqual(cache.get("page"), undefined, "an entry written back is dropped by the next event too");
  sources.made[0].emit("reset", { reason: "pruned", last_event_id: "9" });
  assertEqual(cache.get("orders"), undefined, "a reset drops everything");
  c.stop();
});

test("TTLCache: values expire, topics invalidate, storage errors are harmless", () => {
  let now = 1000;
  localStorage.clear();
  const cache = new TTLCache({ prefix: "test:", now: () => now });
  cache.set("bundle", { a: 1 }, { ttl: 500, topics: ["bots"] });
  cache.set("models", [1], { ttl: 5000, topics: ["models"] });
  assertEqual(cache.get("bundle"), { a: 1 });
  now += 500;
  assertEqual(cache.get("bundle"), undefined, "expired");
  cache.set("bundle", { a: 2 }, { ttl: 500, topics: ["bots"] });
  cache.invalidate("bots");
  assertEqual(cache.get("bundle"), undefined, "invalidated by a bots event");
  assertEqual(cache.get("models"), [1]);
  const broken = new TTLCache({ storage: { getItem() { throw new Error("denied"); }, setItem() { throw new Error("full"); } } });
  broken.set("x", 1);
  assertEqual(broken.get("x"), undefined);
  localStorage.clear();
});

test("BoundedHistory keeps the newest items", () => {
  const history = new BoundedHistory(3);
  for (let i = 1; i <= 5; i++) history.push(i);
  assertEqual(history.items, [3, 4, 5]);
});

test("ConditionalFetcher sends If-None-Match and reuses the body on 304", async () => {
  const calls = [];
  const fetcher = new ConditionalFetcher(async (url, init) => {
    calls.push(init.headers["If-None-Match"] ?? null);
    if (calls.length === 1) {
      return { status: 200, ok: true, headers: new Headers({ ETag: '"7"' }), json: async () => ({ v: 1 }) };
    }
    return { status: 304, ok: false, headers: new Headers(), json: async () => { throw new Error("no body"); } };
  });
  assertEqual(await fetcher.get("/api/v1/bots/page"), { changed: true, body: { v: 1 }, status: 200 });
  assertEqual(await fetcher.get("/api/v1/bots/page"), { changed: false, body: { v: 1 }, status: 304 });
  assertEqual(calls, [null, '"7"']);
});

for (const { name, body } of tests) {
  try {
    await body();
    results.push({ name, ok: true });
  } catch (error) {
    results.push({ name, ok: false, error: String(error?.stack ?? error) });
  }
}
window.testResults = results;
document.body.textContent = results.map((r) => `${r.ok ? "ok" : "FAIL"} ${r.name}${r.ok ? "" : "\n" + r.error}`).join("\n");
