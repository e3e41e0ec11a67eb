// Admins: the live log tail of every bot, the server's own log, connected subscribers and event rates.
import { api } from "../api.js";
import { formatNumber, formatTime, h, setText } from "../ui.js";
import { logItem } from "./bot-detail.js";

const STATS_INTERVAL = 5000;
const SERVER_LINES = 300;
const LEVELS = ["trace", "debug", "info", "notice", "warning", "error", "critical"];

// The server's own log lines, pushed by `/events/admin/logs?source=server` (no ids: the tail is the process's
// memory). A reconnect sends the newest lines again, so lines are kept by their `seq`.
function serverLogPanel(toast) {
  const list = h("ol", { class: "feed", id: "server-log-tail" });
  const lines = new Map();
  let source = null;
  const level = h(
    "select",
    { id: "server-log-level", "aria-label": "Server log level", onchange: () => open() },
    LEVELS.map((name) => h("option", { value: name, selected: name === "info" }, name)),
  );
  function render() {
    const newest = [...lines.values()].sort((a, b) => b.seq - a.seq).slice(0, SERVER_LINES);
    list.replaceChildren(
      ...newest.map((line) =>
        h(
          "li",
          { class: `log ${line.level.toLowerCase()}`, dataset: { seq: line.seq } },
          h("time", {}, formatTime(line.timestamp)),
          h("span", { class: "level" }, line.level),
          h("span", { class: "muted" }, line.label),
          h("span", { class: "message" }, line.message),
          line.metadata
            ? h("span", { class: "muted" }, Object.entries(line.metadata).map(([k, v]) => `${k}=${v}`).join(" "))
            : null,
        ),
      ),
    );
  }
  function open() {
    source?.close();
    lines.clear();
    render();
    source = new EventSource(`/events/admin/logs?source=server&level=${level.value}`);
    source.onmessage = (message) => {
      const line = JSON.parse(message.data);
      if (line.source !== "server") return;
      lines.set(line.seq, line);
      if (lines.size > SERVER_LINES * 2) {
        for (const seq of [...lines.keys()].sort((a, b) => a - b).slice(0, lines.size - SERVER_LINES)) lines.delete(seq);
      }
      render();
    };
    source.addEventListener("close", (event) => {
      // The server ended the stream (shutting down, credentials revoked): EventSource reconnects by itself.
      if (JSON.parse(event.data).reason === "revoked") toast.error("Server log: signed out");
    });
  }
  open();
  const element = h(
    "div",
    { class: "card" },
    h("h2", {}, "Server log ", level),
    list,
  );
  return { element, close: () => source?.close() };
}

export function adminPage({ state, toast, user }) {
  if (user.role !== "admin") {
    return { element: h("section", { class: "page" }, h("h1", {}, "Admin"), h("p", {}, "Admins only.")) };
  }
  const tail = h("ol", { class: "feed", id: "admin-log-tail" });
  const numbers = {};
  const statList = h(
    "dl",
    { class: "stats", id: "admin-stats" },
    ["Subscribers", "Events/s", "Events published", "Slow consumers dropped", "Log position", "Uptime"].map((name) => {
      numbers[name] = h("dd", { dataset: { stat: name } }, "–");
      return h("div", {}, h("dt", {}, name), numbers[name]);
    }),
  );
  const topics = h("tbody");
  const serverLog = serverLogPanel(toast);
  let previous = null;
  let timer = null;

  // A reading every few seconds while the page is open: counters, not events, so there is nothing to push.
  async function readStats() {
    try {
      const stats = await api("/api/v1/admin/stats");
      const now = performance.now();
      if (previous) {
        const rate = (stats.events_published - previous.stats.events_published) / ((now - previous.at) / 1000);
        setText(numbers["Events/s"], formatNumber(rate, 1));
      }
      previous = { stats, at: now };
      setText(numbers.Subscribers, stats.subscribers);
      setText(numbers["Events published"], stats.events_published);
      setText(numbers["Slow consumers dropped"], stats.slow_consumer_drops);
      setText(numbers["Log position"], stats.head_event_id);
      setText(numbers.Uptime, `${Math.round(stats.uptime_seconds)} s`);
      topics.replaceChildren(
        ...Object.entries(stats.subscribers_by_topic)
          .sort()
          .map(([topic, count]) => h("tr", {}, h("td", {}, topic), h("td", { class: "num" }, count))),
      );
    } catch (error) {
      toast.error(error.message);
    }
    timer = setTimeout(readStats, STATS_INTERVAL);
  }
  readStats();
  api("/api/v1/logs?limit=100")
    .then((page) => state.addLogs(page.data))
    .catch((error) => toast.error(error.message));

  function update() {
    // An admin's `logs` subscription is not narrowed to an owner: it carries every user's lines.
    const logs = [...state.logs.values()].sort((a, b) => b.id - a.id).slice(0, 200);
    tail.replaceChildren(...logs.map((log) => logItem(log, state.bots.get(log.bot_id)?.bot.name)));
  }

  const element = h(
    "section",
    { class: "page", id: "admin-page" },
    h("h1", {}, "Admin"),
    statList,
    h(
      "div",
      { class: "columns" },
      h("div", { class: "card" }, h("h2", {}, "Live log tail (all users)"), tail),
      h(
        "div",
        { class: "card" },
        h("h2", {}, "Subscribers by topic"),
        h("table", {}, h("thead", {}, h("tr", {}, h("th", {}, "Topic"), h("th", {}, "Subscribers"))), topics),
      ),
    ),
    serverLog.element,
  );
  update();
  return { element, update, watches: ["logs", "bots"], dispose: () => {
    clearTimeout(timer);
    serverLog.close();
  } };
}
