// Activity across all of the user's bots, newest first: filtered by level, bot and a search, named by bot, and
// exported as CSV.
import { api } from "../api.js";
import { h } from "../ui.js";
import { logItem } from "./bot-detail.js";

const LEVELS = ["DEBUG", "INFO", "WARNING", "ERROR"];

export function activityPage({ state, toast }) {
  const list = h("ol", { class: "feed", id: "activity-feed" });
  const filter = h(
    "select",
    { id: "level-filter", "aria-label": "Minimum level" },
    h("option", { value: "" }, "All levels"),
    LEVELS.map((level) => h("option", { value: level }, `${level} and above`)),
  );
  const botFilter = h("select", { id: "bot-filter", "aria-label": "Bot" }, h("option", { value: "" }, "All bots"));
  const search = h("input", { type: "search", id: "activity-search", placeholder: "Search", "aria-label": "Search the activity" });
  const exportButton = h("button", { class: "small", id: "activity-export", onclick: () => exportCSV() }, "Export CSV");
  for (const control of [filter, botFilter]) control.addEventListener("change", () => update());
  search.addEventListener("input", () => update());

  api("/api/v1/logs?limit=200")
    .then((page) => state.addLogs(page.data))
    .catch((error) => toast.error(error.message));

  const name = (log) => state.bots.get(log.bot_id)?.bot.name;

  function shown() {
    const minimum = filter.value ? LEVELS.indexOf(filter.value) : 0;
    const bot = botFilter.value ? Number(botFilter.value) : null;
    const needle = search.value.trim().toLowerCase();
    return [...state.logs.values()]
      .filter((log) => LEVELS.indexOf(log.level) >= minimum)
      .filter((log) => bot === null || log.bot_id === bot)
      .filter((log) => !needle || `${log.message} ${name(log) ?? ""}`.toLowerCase().includes(needle))
      .sort((a, b) => b.id - a.id)
      .slice(0, 200);
  }

  function update() {
    const chosen = botFilter.value;
    const bots = [...state.bots.values()].map((e) => e.bot).sort((a, b) => a.name.localeCompare(b.name));
    if (botFilter.options.length !== bots.length + 1) {
      botFilter.replaceChildren(
        h("option", { value: "" }, "All bots"), ...bots.map((bot) => h("option", { value: String(bot.id) }, bot.name)));
      botFilter.value = chosen;
    }
    list.replaceChildren(...shown().map((log) => logItem(log, name(log))));
  }

  /** The lines on show, as a spreadsheet reads them (RFC 4180 quoting). */
  function exportCSV() {
    const quote = (value) => `"${String(value ?? "").replaceAll('"', '""')}"`;
    const rows = [["id", "timestamp", "level", "bot_id", "bot", "message"]].concat(
      shown().map((log) => [log.id, log.timestamp, log.level, log.bot_id ?? "", name(log) ?? "", log.message]));
    const text = rows.map((row) => row.map(quote).join(",")).join("\r\n") + "\r\n";
    const link = h("a", {
      href: URL.createObjectURL(new Blob([text], { type: "text/csv" })), download: "tickwire-activity.csv",
      id: "activity-download",
    });
    link.dataset.csv = text;
    document.body.append(link);
    link.click();
    setTimeout(() => link.remove(), 1000);
  }

  const element = h(
    "section",
    { class: "page", id: "activity-page" },
    h("div", { class: "page-head" }, h("h1", {}, "Activity"), filter, botFilter, search, exportButton),
    h("div", { class: "card" }, list),
  );
  update();
  return { element, update, watches: ["logs", "bots"] };
}
