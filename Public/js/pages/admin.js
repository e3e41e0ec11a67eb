// Admins: the live log tail of every bot, connected subscribers and event rates.
import { api } from "../api.js";
import { formatNumber, h, setText } from "../ui.js";
import { logItem } from "./bot-detail.js";

const STATS_INTERVAL = 5000;

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
  );
  update();
  return { element, update, watches: ["logs", "bots"], dispose: () => clearTimeout(timer) };
}
