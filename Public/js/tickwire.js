// Tickwire browser client: one multiplexed, resumable stream per tab, shared by every widget.
//
//   import { TickwireClient } from "/js/tickwire.js";
//   const client = new TickwireClient({ topics: ["bots", "orders", "logs"] });
//   client.on("order_filled", (event) => ...);   // an event type, a topic, or "*" for everything
//   client.addEventListener("state", () => badge.textContent = client.state);
//   client.start();
//
// States: connecting (first attempt), live (stream open), reconnecting (stream lost, retrying with exponential
// backoff and jitter from 1 s to 30 s), polling (the server answers REST but streams keep failing: registered
// pollers refresh views while the stream is retried), offline (the browser has no network, or the client stopped).
// Every event carries a log position; the client remembers the last one and resumes after it, so a reconnect
// misses nothing, and drops anything at or below it, so nothing is applied twice. A `reset` event (the position
// is older than the server keeps) is passed on so views refetch their snapshot.
//
// With `shareAcrossTabs: "some-name"` the tabs of a browser that use the same name share one connection: they elect
// a leader with the Web Locks API; the leader holds the stream and relays every event, state change and reset over a
// BroadcastChannel; the others open no connection at all. A tab that joins asks the leader for what it missed since
// its own position (the leader keeps the last 2,000 events it relayed; older than that, the joiner gets a `reset`).
// When the leader tab closes, its lock passes to another tab, which opens the stream from its own last event id.

export const STATES = Object.freeze(["connecting", "live", "reconnecting", "polling", "offline"]);

// The event types Tickwire emits. EventSource only delivers named events to listeners registered by name, so a
// deployment that publishes its own types through POST /api/v1/events lists them in `extraTypes`.
export const EVENT_TYPES = Object.freeze([
  "bot_created", "bot_updated", "bot_deleted", "bot_seen", "bot_stale", "bot_alive", "trade_opened", "trade_closed",
  "equity_update", "order_update", "order_filled", "log_created", "pnl_update",
  "price_update", "candle", "system", "intraday_snapshot", "connected", "status", "trade", "session_complete", "complete",
  "error", "dataset_created", "dataset_deleted", "backtest_queued", "backtest_progress", "backtest_completed",
  "backtest_failed", "backtest_cancelled", "sweep_queued", "sweep_progress", "sweep_completed", "sweep_failed",
  "sweep_cancelled", "server_log",
]);

/** Delay before reconnect attempt `attempt` (0-based): doubling from `min` to `max`, with jitter so that clients
 *  dropped together do not return together; never below `min`. */
export function backoffDelay(attempt, { min = 1000, max = 30000, random = Math.random } = {}) {
  const ceiling = Math.min(max, min * 2 ** Math.min(attempt, 30));
  return Math.max(min, Math.round(ceiling * (0.5 + random() * 0.5)));
}

/** The last `limit` items, newest last (seed 004 keeps 100 events per view). */
export class BoundedHistory {
  constructor(limit = 100) {
    this.limit = limit;
    this.items = [];
  }
  push(item) {
    this.items.push(item);
    if (this.items.length > this.limit) this.items.splice(0, this.items.length - this.limit);
    return item;
  }
  clear() {
    this.items = [];
  }
  get length() {
    return this.items.length;
  }
}

/** A small cache in localStorage: entries expire after their TTL and are dropped when an event arrives on a topic
 *  they are tagged with (unless the page writes the updated value back). A full or unavailable storage degrades
 *  to no cache. */
export class TTLCache {
  constructor({ storage = globalThis.localStorage, prefix = "tickwire:", now = () => Date.now() } = {}) {
    this.storage = storage;
    this.prefix = prefix;
    this.now = now;
  }
  get(key) {
    try {
      const text = this.storage?.getItem(this.prefix + key);
      if (!text) return undefined;
      const entry = JSON.parse(text);
      if (entry.expires <= this.now()) {
        this.storage.removeItem(this.prefix + key);
        return undefined;
      }
      return entry.value;
    } catch {
      return undefined;
    }
  }
  set(key, value, { ttl = 60_000, topics = [] } = {}) {
    try {
      this.storage?.setItem(this.prefix + key, JSON.stringify({ value, topics, expires: this.now() + ttl }));
      if (this.#index) for (const topic of topics) this.#tagged(topic).add(this.prefix + key);
    } catch {
      // Quota exceeded or storage disabled: caching is an optimisation only.
    }
  }
  delete(key) {
    try {
      this.storage?.removeItem(this.prefix + key);
    } catch {}
  }
  /** Drops every entry tagged with `topic`. An index of the tags (read once from storage, then kept as entries are
   *  set) makes this cheap enough to run on every pushed event. */
  invalidate(topic) {
    if (!this.#index) {
      this.#index = new Map();
      for (const key of this.#keys()) {
        try {
          for (const tag of JSON.parse(this.storage.getItem(key))?.topics ?? []) this.#tagged(tag).add(key);
        } catch {}
      }
    }
    const keys = this.#index.get(topic);
    if (!keys?.size) return;
    for (const key of keys) {
      try {
        this.storage.removeItem(key);
      } catch {}
    }
    keys.clear();
  }
  #index = null; // topic -> keys tagged with it
  #tagged(topic) {
    if (!this.#index.has(topic)) this.#index.set(topic, new Set());
    return this.#index.get(topic);
  }
  clear() {
    for (const key of this.#keys()) this.storage.removeItem(key);
    this.#index = null;
  }
  #keys() {
    const keys = [];
    try {
      for (let i = 0; i < (this.storage?.length ?? 0); i++) {
        const key = this.storage.key(i);
        if (key?.startsWith(this.prefix)) keys.push(key);
      }
    } catch {}
    return keys;
  }
}

/** GET with `If-None-Match`: returns `{ changed, body, status }`; an unchanged resource costs a 304 and no parse. */
export class ConditionalFetcher {
  constructor(fetchImpl = globalThis.fetch.bind(globalThis)) {
    this.fetch = fetchImpl;
    this.seen = new Map();
  }
  async get(url) {
    const previous = this.seen.get(url);
    const headers = { Accept: "application/json" };
    if (previous) headers["If-None-Match"] = previous.etag;
    const response = await this.fetch(url, { headers, credentials: "same-origin" });
    if (response.status === 304 && previous) return { changed: false, body: previous.body, status: 304 };
    if (!response.ok) throw Object.assign(new Error(`GET ${url}: ${response.status}`), { status: response.status });
    const body = await response.json();
    const etag = response.headers.get("ETag");
    if (etag) this.seen.set(url, { etag, body });
    return { changed: true, body, status: response.status };
  }
}

/** A `streamToken` provider for `TickwireClient`: `POST /api/v1/auth/stream-token` with the bearer's token. */
export function streamTokenFrom(baseUrl, bearer, fetchImpl = globalThis.fetch.bind(globalThis)) {
  return async (topics) => {
    const response = await fetchImpl(baseUrl + "/api/v1/auth/stream-token", {
      method: "POST",
      headers: { Authorization: `Bearer ${await bearer()}`, "Content-Type": "application/json" },
      body: JSON.stringify({ topics }),
    });
    if (!response.ok) throw new Error(`stream token: ${response.status}`);
    const body = await response.json();
    return { token: body.access_token, expiresAt: Date.parse(body.expires_at) };
  };
}

export class TickwireClient extends EventTarget {
  /**
   * @param {object} options
   * @param {string[]} [options.topics] topics of the one stream (more can be added later)
   * @param {"sse"|"websocket"} [options.transport]
   * @param {number|null} [options.lastEventId] resume after this position (e.g. a cached snapshot's `event_id`)
   * @param {{min:number,max:number}} [options.backoff] reconnect delays in ms (default 1 s to 30 s)
   * @param {number} [options.pollAfterFailures] consecutive stream failures, with REST answering, before polling
   * @param {number} [options.pollInterval] ms between polls while polling
   * @param {string[]} [options.extraTypes] custom event types to listen for over SSE
   * @param {string} [options.shareAcrossTabs] share one connection with the other tabs using this name
   * @param {TTLCache} [options.cache] a cache whose entries tagged with a topic are dropped as that topic's events
   *   arrive (a page that keeps an entry current writes it back)
   * @param {string} [options.baseUrl] the server, for a dashboard on another origin (default: this page's)
   * @param {() => Promise<string>} [options.bearer] an API key or access token for the REST calls the client makes
   *   (and, over WebSocket, its `auth` message): for pages that sign in without the session cookie
   * @param {(topics: string[]) => Promise<{token: string, expiresAt: number}>} [options.streamToken] a stream token
   *   for the SSE URL (`?token=`): asked before each connection and again before the one in use expires, so the
   *   stream is reopened with a fresh URL (from its last event) instead of being closed for `auth_expired`;
   *   `streamTokenFrom(baseUrl, bearer)` makes one
   * @param {object} [options.env] injectable browser APIs (tests): fetch, EventSource, WebSocket, setTimeout,
   *   clearTimeout, random, isOnline, location, window
   */
  constructor(options = {}) {
    super();
    const env = options.env ?? {};
    this.env = {
      fetch: env.fetch ?? globalThis.fetch.bind(globalThis),
      EventSource: env.EventSource ?? globalThis.EventSource,
      WebSocket: env.WebSocket ?? globalThis.WebSocket,
      setTimeout: env.setTimeout ?? globalThis.setTimeout.bind(globalThis),
      clearTimeout: env.clearTimeout ?? globalThis.clearTimeout.bind(globalThis),
      random: env.random ?? Math.random,
      now: env.now ?? (() => Date.now()),
      isOnline: env.isOnline ?? (() => globalThis.navigator?.onLine !== false),
      location: env.location ?? globalThis.location,
      window: env.window ?? globalThis.window,
      BroadcastChannel: env.BroadcastChannel ?? globalThis.BroadcastChannel,
      locks: env.locks ?? globalThis.navigator?.locks,
    };
    this.shareName = options.shareAcrossTabs ?? null;
    this.baseUrl = options.baseUrl ?? "";
    this.bearer = options.bearer ?? null;
    this.cache = options.cache ?? null;
    this.streamToken = options.streamToken ?? null;
    this.transport = options.transport ?? "sse";
    this.topics = new Set(options.topics ?? []);
    this.lastEventId = options.lastEventId ?? null;
    this.backoff = { min: 1000, max: 30_000, ...options.backoff };
    this.pollAfterFailures = options.pollAfterFailures ?? 3;
    this.pollInterval = options.pollInterval ?? 3000;
    this.types = [...EVENT_TYPES, ...(options.extraTypes ?? [])];
    this.state = "offline";
    this.stats = { received: 0, duplicates: 0, resets: 0, connects: 0, failures: 0, polls: 0 };
    this.#handlers = new Map();
    this.#pollers = new Set();
  }

  #handlers;
  #pollers;
  #running = false;
  #connection = null; // { close() }
  #attempt = 0; // consecutive failed attempts
  #everLive = false;
  #retryTimer = null;
  #pollTimer = null;
  #onlineListeners = null;
  #share = null; // { channel, role: "follower" | "leader", release, buffer, evictedUpTo, id }
  #token = null; // the stream token in use: { token, expiresAt, renewAt }
  #renewTimer = null;

  // --- Subscribing -------------------------------------------------------------------------------------------

  /** Calls `handler(event)` for events whose type or topic is `key` ("*" for all). Returns the unsubscribe. */
  on(key, handler) {
    if (!this.#handlers.has(key)) this.#handlers.set(key, new Set());
    this.#handlers.get(key).add(handler);
    return () => this.#handlers.get(key)?.delete(handler);
  }

  /** `poll()` runs every `pollInterval` while the client is polling; it refreshes a view over REST. */
  addPoller(poll) {
    this.#pollers.add(poll);
    return () => this.#pollers.delete(poll);
  }

  /** Adds topics to the stream. Over SSE this reopens the stream after the last event seen (nothing is lost);
   *  over WebSocket it sends a `subscribe`. */
  addTopics(topics) {
    const added = topics.filter((topic) => !this.topics.has(topic));
    if (added.length === 0) return;
    for (const topic of added) this.topics.add(topic);
    if (this.#share?.role === "follower") return this.#share.channel.postMessage({ kind: "topics", topics: added });
    if (!this.#running || !this.#connection) return;
    if (this.#connection.subscribe) this.#connection.subscribe(added);
    else this.#reconnectNow();
  }

  // --- Lifecycle ---------------------------------------------------------------------------------------------

  start() {
    if (this.#running) return;
    this.#running = true;
    const window = this.env.window;
    if (window?.addEventListener) {
      const online = () => this.#reconnectNow();
      const offline = () => {
        this.#closeConnection();
        this.#setState("offline");
      };
      window.addEventListener("online", online);
      window.addEventListener("offline", offline);
      this.#onlineListeners = { online, offline };
    }
    if (this.shareName && this.env.BroadcastChannel && this.env.locks) this.#joinTabs();
    else this.#connect();
  }

  /** Whether this tab holds the shared stream ("leader"), follows another tab ("follower"), or shares nothing. */
  get tabRole() {
    return this.#share?.role ?? "alone";
  }

  stop() {
    this.#running = false;
    if (this.#share) {
      this.#share.channel.close();
      this.#share.release?.();
      this.#share = null;
    }
    this.#closeConnection();
    this.#clearTimers();
    if (this.#onlineListeners && this.env.window?.removeEventListener) {
      this.env.window.removeEventListener("online", this.#onlineListeners.online);
      this.env.window.removeEventListener("offline", this.#onlineListeners.offline);
    }
    this.#setState("offline");
  }

  // --- Connection --------------------------------------------------------------------------------------------

  #connect() {
    if (!this.#running) return;
    if (!this.env.isOnline()) return this.#setState("offline");
    if (this.state !== "polling") this.#setState(this.#everLive ? "reconnecting" : "connecting");
    this.stats.connects++;
    if (this.transport !== "websocket" && this.streamToken) return this.#openWithStreamToken();
    this.#connection = this.transport === "websocket" ? this.#openWebSocket() : this.#openEventSource();
  }

  /** SSE with `?token=`: a token valid for a while yet (a new one otherwise), and a timer that reopens the stream
   *  with the next one when 80 % of its life has passed. */
  async #openWithStreamToken() {
    let cancelled = false;
    const pending = { close: () => (cancelled = true) };
    this.#connection = pending;
    const now = this.env.now();
    if (!this.#token || this.#token.renewAt <= now) {
      try {
        const issued = await this.streamToken([...this.topics].sort());
        const expiresAt = typeof issued.expiresAt === "number" ? issued.expiresAt : Date.parse(issued.expiresAt);
        this.#token = { token: issued.token, expiresAt, renewAt: now + (expiresAt - now) * 0.8 };
        this.stats.tokens = (this.stats.tokens ?? 0) + 1;
      } catch (error) {
        if (cancelled || this.#connection !== pending) return;
        console.warn("tickwire: no stream token", error);
        return this.#failed();
      }
    }
    if (cancelled || this.#connection !== pending || !this.#running) return;
    this.#connection = this.#openEventSource(this.#token.token);
    this.env.clearTimeout(this.#renewTimer);
    this.#renewTimer = this.env.setTimeout(() => {
      this.#token = null;
      this.#reconnectNow();
    }, Math.max(1000, this.#token.renewAt - this.env.now()));
  }

  /** What REST calls of the client send to authenticate: the bearer's token, else the session cookie. */
  async #authorization() {
    if (!this.bearer) return { credentials: "same-origin" };
    return { headers: { Authorization: `Bearer ${await this.bearer()}` } };
  }

  #openEventSource(token = null) {
    const url = new URL(this.baseUrl + "/api/v1/stream", this.env.location?.href ?? "http://localhost/");
    url.searchParams.set("topics", [...this.topics].sort().join(","));
    if (this.lastEventId !== null) url.searchParams.set("last_event_id", String(this.lastEventId));
    if (token) url.searchParams.set("token", token);
    const source = new this.env.EventSource(url.toString(), { withCredentials: !token });
    let closed = false;
    const close = () => {
      closed = true;
      source.close();
    };
    source.onopen = () => !closed && this.#opened();
    const deliver = (message) => {
      if (closed) return;
      try {
        this.#receive(JSON.parse(message.data));
      } catch (error) {
        console.warn("tickwire: unreadable event", error);
      }
    };
    for (const type of this.types) if (type !== "error") source.addEventListener(type, deliver);
    source.addEventListener("reset", (message) => !closed && this.#reset(JSON.parse(message.data)));
    source.addEventListener("close", (message) => {
      if (closed) return;
      close();
      this.#serverClosed(JSON.parse(message.data).reason);
    });
    // `error` is both a model-session event type (a MessageEvent with data) and the EventSource failure signal.
    source.addEventListener("error", (event) => {
      if (closed) return;
      if (typeof event.data === "string") return deliver(event);
      close();
      this.#failed();
    });
    return { close };
  }

  #openWebSocket() {
    const base = new URL(this.baseUrl + "/api/v1/ws/app", this.env.location?.href ?? "http://localhost/");
    base.protocol = base.protocol === "https:" ? "wss:" : "ws:";
    const socket = new this.env.WebSocket(base.toString());
    let closed = false;
    const send = (message) => socket.readyState === 1 && socket.send(JSON.stringify(message));
    socket.onopen = async () => {
      // Without the session cookie (another origin), the first message authenticates.
      if (this.bearer) send({ type: "auth", token: await this.bearer() });
      const message = { type: "subscribe", topics: [...this.topics].sort() };
      if (this.lastEventId !== null) message.since = String(this.lastEventId);
      send(message);
    };
    socket.onmessage = (message) => {
      if (closed) return;
      let body;
      try {
        body = JSON.parse(message.data);
      } catch {
        return;
      }
      if (body.topic !== undefined && (body.id !== undefined || body.type === "server_log")) return this.#receive(body);
      if (body.type === "subscribed" && this.state !== "live") return this.#opened();
      if (body.type === "reset") return this.#reset(body);
      if (body.type === "error") console.warn("tickwire: server refused a message", body.code, body.message);
    };
    socket.onclose = (event) => {
      if (closed) return;
      closed = true;
      if (event.code === 1008 && ["revoked", "auth_expired", "auth_required"].includes(event.reason)) {
        return this.#serverClosed(event.reason);
      }
      if (this.state === "live" && event.code !== 1006) return this.#serverClosed(event.reason || "closed");
      this.#failed();
    };
    return {
      close: () => {
        closed = true;
        socket.close(1000, "bye");
      },
      subscribe: (topics) => send({ type: "subscribe", topics }),
    };
  }

  #opened() {
    this.#attempt = 0;
    this.#everLive = true;
    this.#stopPolling();
    this.#setState("live");
  }

  /** The server ended the stream on purpose. Credentials gone: tell the page. Otherwise resume at once. */
  #serverClosed(reason) {
    this.#connection = null;
    if (reason === "auth_expired" && this.streamToken) {
      // The stream token ran out before it was renewed (a suspended tab): another one, and on from the last event.
      this.#token = null;
      this.#setState("reconnecting");
      return this.#scheduleRetry(0);
    }
    if (["revoked", "auth_expired", "auth_required"].includes(reason)) {
      if (this.#share?.role === "leader") this.#share.channel.postMessage({ kind: "unauthorized", reason });
      this.#running = false;
      this.#setState("offline");
      this.dispatchEvent(new CustomEvent("unauthorized", { detail: { reason } }));
      return;
    }
    this.#setState("reconnecting");
    this.#scheduleRetry(backoffDelay(0, { ...this.backoff, random: this.env.random }));
  }

  /** A connection attempt failed or a live stream dropped. Ask the REST API why, then retry or fall back. */
  async #failed() {
    this.#connection = null;
    this.stats.failures++;
    const attempt = this.#attempt++;
    if (!this.#running) return;
    if (!this.env.isOnline()) return this.#setState("offline");
    let rest = "down";
    try {
      const response = await this.env.fetch(this.baseUrl + "/api/v1/auth/me", await this.#authorization());
      rest = response.status === 401 ? "unauthorized" : response.ok ? "up" : "down";
    } catch {
      rest = "down";
    }
    if (!this.#running) return;
    if (rest === "unauthorized") return this.#serverClosed("auth_required");
    if (rest === "up" && this.#attempt >= this.pollAfterFailures) this.#startPolling();
    else if (this.state !== "polling") this.#setState(this.#everLive ? "reconnecting" : "connecting");
    this.#scheduleRetry(backoffDelay(attempt, { ...this.backoff, random: this.env.random }));
  }

  #scheduleRetry(delay) {
    this.env.clearTimeout(this.#retryTimer);
    this.#retryTimer = this.env.setTimeout(() => this.#connect(), delay);
  }

  #reconnectNow() {
    if (!this.#running) return;
    this.#closeConnection();
    this.#attempt = 0;
    this.env.clearTimeout(this.#retryTimer);
    this.#connect();
  }

  #closeConnection() {
    this.#connection?.close();
    this.#connection = null;
  }

  // --- Polling fallback --------------------------------------------------------------------------------------

  #startPolling() {
    if (this.state === "polling") return;
    this.#setState("polling");
    const tick = async () => {
      if (this.state !== "polling") return;
      this.stats.polls++;
      await Promise.allSettled([...this.#pollers].map((poll) => poll()));
      if (this.state === "polling") this.#pollTimer = this.env.setTimeout(tick, this.pollInterval);
    };
    tick();
  }

  #stopPolling() {
    this.env.clearTimeout(this.#pollTimer);
    this.#pollTimer = null;
  }

  #clearTimers() {
    this.env.clearTimeout(this.#retryTimer);
    this.env.clearTimeout(this.#renewTimer);
    this.#stopPolling();
  }

  // --- Sharing one stream between tabs ------------------------------------------------------------------------

  static RELAY_BUFFER = 2000;

  #joinTabs() {
    const channel = new this.env.BroadcastChannel(this.shareName);
    const share = { channel, role: "follower", buffer: [], evictedUpTo: null, id: Math.random().toString(36).slice(2) };
    this.#share = share;
    channel.onmessage = (message) => this.#share === share && this.#onTabMessage(message.data);
    this.#setState("connecting");
    channel.postMessage({ kind: "hello", from: share.id, since: this.lastEventId, topics: [...this.topics] });
    // Held until this tab stops or closes; then the browser hands it to the next tab waiting.
    this.env.locks.request(this.shareName, () => new Promise((release) => {
      if (this.#share !== share) return release();
      share.release = release;
      share.role = "leader";
      share.evictedUpTo = this.lastEventId;
      this.#stopPolling();
      this.#connect();
    }));
  }

  #relay(event) {
    const share = this.#share;
    share.channel.postMessage({ kind: "event", event });
    share.buffer.push(event);
    if (share.buffer.length > TickwireClient.RELAY_BUFFER) share.evictedUpTo = Number(share.buffer.shift().id);
  }

  #onTabMessage(message) {
    const share = this.#share;
    if (share.role === "leader") {
      if (message.kind === "topics") return this.addTopics(message.topics);
      if (message.kind !== "hello") return;
      this.addTopics(message.topics);
      const since = message.since === null ? null : Number(message.since);
      if (since !== null && share.evictedUpTo !== null && since < share.evictedUpTo) {
        share.channel.postMessage({ kind: "reset", to: message.from, body: { reason: "tab_share", last_event_id: String(this.lastEventId ?? 0) } });
      } else {
        const events = since === null ? [] : share.buffer.filter((event) => Number(event.id) > since);
        share.channel.postMessage({ kind: "replay", to: message.from, events });
      }
      return share.channel.postMessage({ kind: "state", state: this.state });
    }
    switch (message.kind) {
      case "event":
        if (this.topics.has(message.event.topic)) this.#receive(message.event);
        else if (Number(message.event.id) > (this.lastEventId ?? -1)) this.lastEventId = Number(message.event.id);
        return;
      case "replay":
        if (message.to === share.id) for (const event of message.events) if (this.topics.has(event.topic)) this.#receive(event);
        return;
      case "reset":
        if (message.to === "*" || message.to === share.id) this.#reset(message.body);
        return;
      case "state":
        if (message.state === "polling") this.#startPolling();
        else {
          this.#stopPolling();
          this.#setState(message.state);
        }
        return;
      case "unauthorized":
        return this.#serverClosed(message.reason);
    }
  }

  // --- Events ------------------------------------------------------------------------------------------------

  #receive(event) {
    // The server's own log lines (`admin.logs`) have no position in the log: passed on, never counted as one.
    if (event.id === undefined) return this.#dispatchAll(event);
    const id = Number(event.id);
    if (this.lastEventId !== null && id <= this.lastEventId) {
      this.stats.duplicates++;
      return;
    }
    this.lastEventId = id;
    this.stats.received++;
    if (this.#share?.role === "leader") this.#relay(event);
    this.cache?.invalidate(event.topic);
    this.#dispatchAll(event);
  }

  #dispatchAll(event) {
    this.#dispatch(event.type, event);
    if (event.topic !== event.type) this.#dispatch(event.topic, event);
    this.#dispatch("*", event);
  }

  #reset(body) {
    this.stats.resets++;
    this.lastEventId = Number(body.last_event_id);
    if (this.#share?.role === "leader") {
      this.#share.buffer = [];
      this.#share.evictedUpTo = this.lastEventId;
      this.#share.channel.postMessage({ kind: "reset", to: "*", body });
    }
    this.cache?.clear();
    const event = { id: body.last_event_id, topic: "reset", type: "reset", data: body };
    this.#dispatch("reset", event);
  }

  #dispatch(key, event) {
    for (const handler of this.#handlers.get(key) ?? []) {
      try {
        handler(event);
      } catch (error) {
        console.error("tickwire: handler failed", error);
      }
    }
  }

  #setState(state) {
    if (this.state === state) return;
    this.state = state;
    if (this.#share?.role === "leader") this.#share.channel.postMessage({ kind: "state", state });
    this.dispatchEvent(new CustomEvent("state", { detail: { state } }));
  }
}
