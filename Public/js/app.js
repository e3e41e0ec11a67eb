// The dashboard: sign-in, one stream for the whole tab, a hash router over the pages, the connection badge and
// toasts. Every page reads `DashboardState`, which the stream keeps current; nothing here polls unless the stream
// cannot be opened (then the client falls back to REST polling and says so in the badge).
import { api } from "./api.js";
import { DashboardState } from "./state.js";
import { ConditionalFetcher, TTLCache, TickwireClient } from "./tickwire.js";
import { frameScheduler, h } from "./ui.js";
import { Toaster } from "./toast.js";
import { activityPage } from "./pages/activity.js";
import { adminPage } from "./pages/admin.js";
import { botDetailPage } from "./pages/bot-detail.js";
import { botsPage } from "./pages/bots.js";
import { intradayPage } from "./pages/intraday.js";
import { modelDetailPage } from "./pages/model-detail.js";
import { describeModelEvent, modelsPage } from "./pages/models.js";
import { notificationsWanted, notify, toggleNotifications } from "./notify.js";
import { profitPage } from "./pages/profit.js";
import { researchPage } from "./pages/research.js";

const BUNDLE_TTL = 10 * 60_000;
const main = document.getElementById("main");
const badge = document.getElementById("connection");
const nav = document.getElementById("nav");
const userLabel = document.getElementById("user");
const logoutButton = document.getElementById("logout");
const notifyButton = document.getElementById("notify");
notifyButton.addEventListener("click", async () => showNotifyState(await toggleNotifications()));
function showNotifyState(on) {
  notifyButton.textContent = on ? "Notifications on" : "Notify me";
  notifyButton.setAttribute("aria-pressed", String(on));
}
const toast = new Toaster(document.getElementById("toasts"));
const params = new URLSearchParams(location.search);

let session = null; // { user, state, client, cache }
let page = null;

// Exposed for the browser tests and for debugging from the console.
// `states` is every connection state the badge has shown, in order.
const states = [];
window.tickwire = { states, get session() { return session; }, get page() { return page; } };

async function boot() {
  performance.mark("tickwire-boot");
  let me;
  try {
    me = await api("/api/v1/auth/me");
  } catch (error) {
    if (error.status === 401) return showLogin();
    return showFatal(error.message);
  }
  await startSession(me.user);
}

function showFatal(message) {
  main.replaceChildren(h("section", { class: "page" }, h("h1", {}, "Tickwire is unreachable"), h("p", {}, message)));
}

// --- Sign-in --------------------------------------------------------------------------------------------------

function showLogin(message) {
  session?.client.stop();
  session = null;
  nav.hidden = true;
  logoutButton.hidden = true;
  notifyButton.hidden = true;
  userLabel.textContent = "";
  setBadge("offline");
  const username = h("input", { id: "username", name: "username", autocomplete: "username", required: true });
  const password = h("input", {
    id: "password", name: "password", type: "password", autocomplete: "current-password", required: true,
  });
  const error = h("p", { class: "error", role: "alert" }, message ?? "");
  const submit = h("button", { type: "submit", class: "primary", id: "login-submit" }, "Sign in");
  const form = h(
    "form",
    { class: "card login", id: "login-form" },
    h("h1", {}, "Sign in to Tickwire"),
    h("label", {}, "Username", username),
    h("label", {}, "Password", password),
    submit,
    error,
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    submit.disabled = true;
    try {
      const body = await api("/api/v1/auth/login", {
        method: "POST", body: { username: username.value, password: password.value },
      });
      if (!location.hash || location.hash === "#/login") location.hash = "#/bots";
      await startSession(body.user);
    } catch (failure) {
      error.textContent = failure.status === 401 ? "Wrong username or password." : failure.message;
      submit.disabled = false;
    }
  });
  main.replaceChildren(form);
  username.focus();
}

logoutButton.addEventListener("click", async () => {
  try {
    await api("/api/v1/auth/logout", { method: "POST" });
  } catch {}
  session?.cache.clear();
  showLogin();
});

// --- The session: snapshot, then one stream from the snapshot's position ----------------------------------------

async function startSession(user) {
  const state = new DashboardState();
  const cache = new TTLCache({ prefix: `tickwire:${user.id}:` });
  const fetcher = new ConditionalFetcher();
  userLabel.textContent = `${user.username} (${user.role})`;
  nav.hidden = false;
  logoutButton.hidden = false;
  notifyButton.hidden = false;
  showNotifyState(notificationsWanted());
  for (const link of nav.querySelectorAll("[data-admin]")) link.hidden = user.role !== "admin";

  // Render from the cached bundle at once if there is one; the stream then replays what changed since it.
  const cached = cache.get("bots_page");
  let position;
  if (cached) {
    state.applyBundle(cached);
    position = Number(cached.event_id);
  } else {
    const { body } = await fetcher.get("/api/v1/bots/page");
    state.applyBundle(body);
    position = Number(body.event_id);
  }
  const models = await api("/api/v1/models?limit=100");
  for (const model of models.data) state.models.set(model.id, { model, pnl: model.pnl, running: false });
  await loadRunning(state);

  const topics = ["bots", "orders", "logs", "pnl", "prices", "candles", "intraday", "system", "backtests"];
  for (const id of state.models.keys()) topics.push(`models.${id}`);
  const client = new TickwireClient({
    topics, lastEventId: position, transport: params.get("transport") === "websocket" ? "websocket" : "sse",
    pollInterval: Number(params.get("poll_interval") ?? 3000),
    // Every tab of this user in this browser shares one connection (?share=0 to give a tab its own).
    shareAcrossTabs: params.get("share") === "0" ? null : `tickwire:${user.id}:${location.host}`,
    cache,
  });
  session = { user, state, client, cache, fetcher };

  client.on("*", (event) => state.apply(event));
  client.on("reset", () => refetchBundle());
  client.addEventListener("state", () => setBadge(client.state));
  client.addEventListener("unauthorized", () => showLogin("Your session ended; sign in again."));
  client.addPoller(() => pollBundle());
  client.addPoller(() => pollOtherViews());
  const botName = (id) => state.bots.get(id)?.bot.name;
  for (const type of ["trade_closed", "bot_stale", "log_created"]) client.on(type, (event) => notify(event, botName));
  client.on("trade", (event) => notifyModel(event));
  client.on("complete", (event) => notifyModel(event));
  client.on("error", (event) => notifyModel(event));

  // Keep the cached bundle current (written at most every 2 s) so the next page load renders at once.
  let saveTimer = null;
  state.addEventListener("changed", () => {
    if (saveTimer) return;
    saveTimer = setTimeout(() => {
      saveTimer = null;
      if (session?.state === state) cache.set("bots_page", state.currentBundle(client.lastEventId ?? position), {
        ttl: BUNDLE_TTL, topics: ["bots"],
      });
    }, 2000);
  });
  client.start();
  route();
}

async function loadRunning(state) {
  await Promise.all(
    [...state.models.keys()].map(async (id) => {
      const sessions = await api(`/api/v1/models/${id}/sessions?limit=1`);
      const entry = state.models.get(id);
      if (entry) entry.running = sessions.data[0]?.status === "running";
    }),
  );
}

async function loadModels() {
  if (!session) return;
  const models = await api("/api/v1/models?limit=100");
  for (const model of models.data) {
    const known = session.state.models.get(model.id);
    if (known) {
      // Its bot (made at its first session) and figures may be new.
      known.model = model;
      known.pnl = model.pnl;
      continue;
    }
    const sessions = await api(`/api/v1/models/${model.id}/sessions?limit=1`);
    session.state.models.set(model.id, { model, pnl: model.pnl, running: sessions.data[0]?.status === "running" });
  }
  session.client.addTopics(models.data.map((model) => `models.${model.id}`));
  session.state.changed("models");
}

async function refetchBundle() {
  if (!session) return;
  session.cache.delete("bots_page");
  const { body } = await session.fetcher.get("/api/v1/bots/page");
  session.state.applyBundle(body);
}

/** While polling: the bundle again if it changed (a 304 otherwise), and the activity feed. */
async function pollBundle() {
  if (!session) return;
  const { changed, body } = await session.fetcher.get("/api/v1/bots/page");
  if (changed) {
    session.state.applyBundle(body);
    for (const entry of body.bots) {
      for (const order of entry.recent_orders) session.state.apply({ type: "order_update", topic: "orders", data: order });
    }
  }
}

/** While polling: the views the bundle does not cover (activity, intraday, running models' session events). */
async function pollOtherViews() {
  if (!session) return;
  const { state, fetcher } = session;
  const requests = [
    fetcher.get("/api/v1/logs?limit=200").then(({ changed, body }) => changed && state.addLogs(body.data)),
    fetcher.get("/api/v1/intraday?limit=120").then(({ changed, body }) => {
      if (changed && body.snapshot) {
        state.intraday = { ...body.snapshot, event_id: body.event_id };
        state.changed("intraday");
      }
    }),
  ];
  for (const [id, entry] of state.models) {
    if (!entry.running && !state.modelEvents.has(id)) continue;
    requests.push(
      fetcher.get(`/api/v1/models/${id}/events?limit=100`).then(({ changed, body }) => {
        if (changed) for (const event of body.data) state.applyModelEvent(id, event);
      }),
    );
  }
  await Promise.allSettled(requests);
}

// --- Toasts for model sessions: at most one per type per second, with a count -----------------------------------

const pendingToasts = new Map();
function notifyModel(event) {
  if (!event.topic.startsWith("models.")) return;
  // A model trades every few seconds: its toasts show on the models page; elsewhere only its errors do.
  if (!location.hash.startsWith("#/models") && event.type !== "error") return;
  if (event.type === "trade" && String(event.data?.action).toLowerCase() === "hold") return; // not a trade
  const model = session?.state.models.get(Number(event.topic.slice(7)))?.model;
  const pending = pendingToasts.get(event.type) ?? { count: 0, last: null };
  pending.count++;
  pending.last = { event, model };
  if (pendingToasts.has(event.type)) return;
  pendingToasts.set(event.type, pending);
  setTimeout(() => {
    pendingToasts.delete(event.type);
    const { event: last, model: lastModel } = pending.last;
    const name = lastModel?.name ?? last.topic;
    const text = `${name}: ${describeModelEvent(last)}`;
    const prefix = pending.count > 1 ? `${pending.count} ${last.type} events · ` : "";
    if (last.type === "error") toast.error(prefix + text);
    else toast.show(prefix + text, last.type);
  }, 1000);
}

// --- Router ---------------------------------------------------------------------------------------------------

function route() {
  if (!session) return;
  page?.dispose?.();
  const [, name = "bots", id] = (location.hash || "#/bots").split("/");
  const context = { state: session.state, toast, user: session.user, loadModels };
  const pages = {
    bots: () => (id ? botDetailPage({ ...context, botId: Number(id) }) : botsPage(context)),
    activity: () => activityPage(context),
    intraday: () => intradayPage(context),
    models: () => (id ? modelDetailPage({ ...context, modelId: Number(id) }) : modelsPage(context)),
    admin: () => adminPage(context),
    research: () => researchPage(context),
    profit: () => profitPage(context),
  };
  page = (pages[name] ?? pages.bots)();
  const render = frameScheduler(() => page.update?.());
  const watches = new Set(page.watches ?? []);
  const listener = (event) => watches.has(event.detail.what) && render();
  session.state.addEventListener("changed", listener);
  const dispose = page.dispose;
  page.dispose = () => {
    dispose?.();
    session?.state.removeEventListener("changed", listener);
  };
  for (const link of nav.querySelectorAll("a")) {
    link.setAttribute("aria-current", link.getAttribute("href") === `#/${name}` ? "page" : "false");
  }
  main.replaceChildren(page.element);
  if (name === "bots" && !id && !performance.getEntriesByName("bots-painted").length) {
    requestAnimationFrame(() => performance.mark("bots-painted"));
  }
}

window.addEventListener("hashchange", route);
// Close the stream as the page goes away: an EventSource left to the browser can hold one of the six connections
// per host for seconds after a reload, and the next page load queues behind it.
window.addEventListener("pagehide", () => session?.client.stop());
window.addEventListener("pageshow", (event) => event.persisted && session?.client.start()); // back from bfcache

const BADGES = {
  connecting: "Connecting", live: "Live", reconnecting: "Reconnecting", polling: "Polling", offline: "Offline",
};
// While the stream is down the numbers on screen are old: they are dimmed (CSS on `data-connection`) and the badge
// says since when.
let staleSince = null;
let staleTimer = null;
function setBadge(state) {
  if (states[states.length - 1] !== state) states.push(state);
  const fresh = state === "live" || state === "polling";
  document.body.dataset.connection = state;
  if (fresh) {
    staleSince = null;
    clearInterval(staleTimer);
    staleTimer = null;
  } else if (staleSince === null) {
    staleSince = Date.now();
    staleTimer = setInterval(() => showBadge(badge.dataset.state), 1000);
  }
  badge.dataset.state = state;
  badge.className = `badge ${state}`;
  showBadge(state);
}

function showBadge(state) {
  const age = staleSince === null ? 0 : Math.floor((Date.now() - staleSince) / 1000);
  badge.textContent = (BADGES[state] ?? state) + (age >= 2 ? ` · updated ${age} s ago` : "");
}

boot();
