// Activity across all of the user's bots, newest first: their log lines, fills, trades opened and closed, status and
// liveness changes; filtered by type, level, bot and a search, named by bot, and exported as CSV.
import { api } from "../api.js";
import { fillHappening, tradeHappening } from "../state.js";
import { formatTime, h } from "../ui.js";
import { logItem } from "./bot-detail.js";

const LEVELS = ["DEBUG", "INFO", "WARNING", "ERROR"];
const TYPES = [["log", "Logs"], ["fill", "Fills"], ["trade", "Trades"], ["status", "Status"], ["liveness", "Liveness"]];

export function activityPage({ state, toast }) {
  const list = h("ol", { class: "feed", id: "activity-feed" });
  const filter = h(
    "select",
    { id: "level-filter", "aria-label": "Minimum level" },
    h("option", { value: "" }, "All levels"),
    LEVELS.map((level) => h("option", { value: level }, `${level} and above`)),
  );
  const typeFilter = h(
    "select", { id: "type-filter", "aria-label": "Type" }, h("option", { value: "" }, "All types"),
    TYPES.map(([value, label]) => h("option", { value }, label)),
  );
  const botFilter = h("select", { id: "bot-filter", "aria-label": "Bot" }, h("option", { value: "" }, "All bots"));
  const search = h("input", { type: "search", id: "activity-search", placeholder: "Search", "aria-label": "Search the activity" });
  const exportButton = h("button", { class: "small", id: "activity-export", onclick: () => exportCSV() }, "Export CSV");
  for (const control of [filter, typeFilter, botFilter]) control.addEventListener("change", () => update());
  search.addEventListener("input", () => update());

  api("/api/v1/logs?limit=200")
    .then((page) => state.addLogs(page.data))
    .catch((error) => toast.error(error.message));
  Promise.all([api("/api/v1/fills?limit=100"), api("/api/v1/trades?limit=100")])
    .then(([fills, trades]) => {
      const items = fills.data.map(fillHappening);
      for (const trade of trades.data) {
        const side = { bot_id: trade.bot_id, direction: trade.direction };
        items.push(tradeHappening(true, { ...side, timestamp: trade.opened_at, quantity: trade.size, price: trade.entry_price }));
        if (!trade.is_open) {
          items.push(tradeHappening(false, {
            ...side, timestamp: trade.closed_at, quantity: trade.size, price: trade.exit_price, realized_pnl: trade.pnl,
          }));
        }
      }
      state.addHappening(...items);
    })
    .catch((error) => toast.error(error.message));

  const name = (log) => state.bots.get(log.bot_id)?.bot.name;

  /** Log lines and the other items alike: `{type, level, timestamp, bot_id, message, log?}`, newest first. */
  function shown() {
    const minimum = filter.value ? LEVELS.indexOf(filter.value) : 0;
    const bot = botFilter.value ? Number(botFilter.value) : null;
    const needle = search.value.trim().toLowerCase();
    const logs = [...state.logs.values()].map((log) => ({ ...log, type: "log", key: `log:${log.id}`, log }));
    const others = [...state.happenings.values()].map((item) => ({ ...item, level: "INFO" }));
    return logs.concat(others)
      .filter((item) => !typeFilter.value || item.type === typeFilter.value)
      .filter((item) => LEVELS.indexOf(item.level) >= minimum)
      .filter((item) => bot === null || item.bot_id === bot)
      .filter((item) => !needle || `${item.message} ${name(item) ?? ""}`.toLowerCase().includes(needle))
      .sort((a, b) => Date.parse(b.timestamp) - Date.parse(a.timestamp) || (b.id ?? 0) - (a.id ?? 0))
      .slice(0, 200);
  }

  function itemView(item) {
    if (item.log) return logItem(item.log, name(item));
    return h(
      "li", { class: `log happening ${item.type}`, dataset: { type: item.type } },
      h("time", {}, formatTime(item.timestamp)),
      h("span", { class: "level" }, item.type.toUpperCase()),
      item.bot_id != null ? h("a", { href: `#/bots/${item.bot_id}`, class: "muted" }, name(item) ?? `bot #${item.bot_id}`) : null,
      h("span", { class: "message" }, item.message),
    );
  }

  function update() {
    const chosen = botFilter.value;
    const bots = [...state.bots.values()].map((e) => e.bot).sort((a, b) => a.name.localeCompare(b.name));
    if (botFilter.options.length !== bots.length + 1) {
      botFilter.replaceChildren(
        h("option", { value: "" }, "All bots"), ...bots.map((bot) => h("option", { value: String(bot.id) }, bot.name)));
      botFilter.value = chosen;
    }
    list.replaceChildren(...shown().map(itemView));
  }

  /** The lines on show, as a spreadsheet reads them (RFC 4180 quoting). */
  function exportCSV() {
    const quote = (value) => `"${String(value ?? "").replaceAll('"', '""')}"`;
    const rows = [["id", "timestamp", "type", "level", "bot_id", "bot", "message"]].concat(
      shown().map((item) => [
        item.id ?? "", item.timestamp, item.type, item.level, item.bot_id ?? "", name(item) ?? "", item.message,
      ]));
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
    h("div", { class: "page-head" }, h("h1", {}, "Activity"), typeFilter, filter, botFilter, search, exportButton),
    h("div", { class: "card" }, list),
  );
  update();
  return { element, update, watches: ["logs", "bots"] };
}
