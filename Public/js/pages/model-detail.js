// One trading model: its portfolio's figures, a candle chart of its ticker with each decision as a marker (hover
// for the reason), its equity from the server's history, its round-trip trades, its sessions and its live events.
import { api } from "../api.js";
import { candleChart } from "../candles.js";
import { lineChart } from "../chart.js";
import { instrumentKey } from "../state.js";
import { formatNumber, formatSigned, formatTime, h, setText, trend } from "../ui.js";
import { TRADE_COLUMNS, tradeRow } from "./bot-detail.js";
import { describeModelEvent, eventIcon, portfolioOf } from "./models.js";

export function modelDetailPage({ state, toast, modelId, loadModels }) {
  const title = h("h1", {}, `Model #${modelId}`);
  const subtitle = h("p", { class: "muted" });
  const badge = h("span", { class: "badge model-live" });
  const toggle = h("button", { class: "small", id: "model-toggle" });
  const stats = {};
  const statList = h(
    "dl", { class: "stats", id: "model-stats" },
    ["P/L", "Value", "Return", "Max drawdown", "Win rate", "Trades", "Position", "Cash"].map((name) => {
      stats[name] = h("dd", { dataset: { stat: name } }, "–");
      return h("div", {}, h("dt", {}, name), stats[name]);
    }),
  );
  const candles = candleChart("Decisions");
  const equityChart = lineChart("Model equity");
  const trades = h("tbody", { id: "model-trades" });
  const sessions = h("tbody", { id: "model-sessions" });
  const feed = h("ol", { class: "feed model-feed", id: "model-feed" });
  const waiting = h("p", { class: "muted", id: "model-no-portfolio" }, "No portfolio yet: start a session to trade.");
  const missing = h("p", { class: "muted", hidden: true }, "This model does not exist or is not yours.");

  let equityHistory = [];
  let loadedFor = null;
  let lastPushed = null;
  let lastTick = null;
  let reloadDue = null;

  toggle.addEventListener("click", async () => {
    const running = state.models.get(modelId)?.running;
    try {
      await api(`/api/v1/models/${modelId}/${running ? "stop" : "start"}`, { method: "POST" });
      const entry = state.models.get(modelId);
      if (entry) entry.running = !running;
      update();
    } catch (error) {
      toast.error(error.message);
    }
  });

  async function loadHistory() {
    const [events, equity, tradePage, sessionPage] = await Promise.all([
      api(`/api/v1/models/${modelId}/events?limit=200`),
      api(`/api/v1/models/${modelId}/equity?points=600`),
      api(`/api/v1/models/${modelId}/trades?limit=100`),
      api(`/api/v1/models/${modelId}/sessions?limit=20`),
    ]);
    for (const event of events.data) state.applyModelEvent(modelId, event);
    equityHistory = equity.points.map((p) => ({ t: Date.parse(p.timestamp), v: p.equity }));
    renderTrades(tradePage.data);
    renderSessions(sessionPage.data);
    update();
  }

  /** Trades, sessions and equity again, shortly after a fill or a session's end (not per event). */
  function reloadSoon() {
    if (reloadDue) return;
    reloadDue = setTimeout(() => {
      reloadDue = null;
      loadHistory().catch((error) => toast.error(error.message));
    }, 500);
  }

  async function loadCandles(bot) {
    loadedFor = instrumentKey(bot.ticker, bot.exchange);
    const query = new URLSearchParams({ ticker: bot.ticker, exchange: bot.exchange, interval: "1m", limit: "500" });
    const page = await api(`/api/v1/candles?${query}`);
    candles.setCandles(page.data.map((c) => ({ ...c, start: Date.parse(c.start) })));
  }

  function renderTrades(list) {
    trades.replaceChildren(...list.map((trade) => tradeRow(trade)));
  }

  function renderSessions(list) {
    sessions.replaceChildren(...list.map((session) => h(
      "tr", { dataset: { sessionId: String(session.id), status: session.status } },
      h("td", {}, `#${session.id}`), h("td", {}, session.status), h("td", { class: "num" }, String(session.decisions)),
      h("td", {}, formatTime(session.started_at)), h("td", {}, session.ended_at ? formatTime(session.ended_at) : "–"),
      h("td", { class: "muted" }, session.summary ?? ""),
    )));
  }

  /** Each buy and sell (and hold) of the loaded events at its price, titled with its reason. */
  function decisionMarkers(events) {
    return events.filter((e) => e.type === "trade" && (e.data?.fill?.price ?? e.data?.price) != null).map((e) => ({
      t: Date.parse(e.timestamp), v: e.data.fill?.price ?? e.data.price,
      kind: { buy: "entry-long", sell: "entry-short" }[e.data.action] ?? "hold",
      title: describeModelEvent(e),
    }));
  }

  let seenEvents = 0;
  function update() {
    const entry = state.models.get(modelId);
    missing.hidden = Boolean(entry);
    content.hidden = !entry;
    if (!entry) return;
    const { model, running } = entry;
    setText(title, model.name);
    setText(subtitle, `${model.policy} · ${model.config?.ticker ?? "default ticker"} · config ${JSON.stringify(model.config)}`);
    setText(badge, running ? "live" : "idle");
    badge.className = `badge model-live ${running ? "live" : ""}`;
    setText(toggle, running ? "Stop session" : "Start session");
    toggle.className = running ? "small" : "small primary";

    const { botId, pnl } = portfolioOf(state, entry);
    waiting.hidden = botId != null;
    setText(stats["P/L"], pnl ? formatSigned(pnl.total_pnl) : "–");
    stats["P/L"].className = pnl ? trend(pnl.total_pnl) : "";
    setText(stats.Value, pnl?.equity == null ? "–" : formatNumber(pnl.equity));
    setText(stats.Return, pnl?.return_pct == null ? "–" : `${formatSigned(pnl.return_pct)}%`);
    setText(stats["Max drawdown"], pnl?.max_drawdown_pct == null ? "–" : `${formatNumber(pnl.max_drawdown_pct)}%`);
    setText(stats["Win rate"], pnl?.win_rate_pct == null ? "–" : `${formatNumber(pnl.win_rate_pct, 0)}%`);
    setText(stats.Trades, String(pnl?.trade_count ?? 0));
    setText(stats.Position, pnl ? formatNumber(pnl.position_quantity, 4) : "–");
    setText(stats.Cash, pnl?.cash == null ? "–" : formatNumber(pnl.cash));

    const bot = botId != null ? state.bots.get(botId)?.bot : null;
    if (bot) {
      const key = instrumentKey(bot.ticker, bot.exchange);
      if (loadedFor !== key) loadCandles(bot).catch((error) => toast.error(error.message));
      const pushed = state.candles.get(`${key}|1m`);
      if (pushed && loadedFor === key && pushed !== lastPushed) {
        lastPushed = pushed;
        candles.upsert({ ...pushed, start: Date.parse(pushed.start) });
      }
      const series = state.priceSeries.get(key);
      const tick = series?.[series.length - 1];
      if (tick && loadedFor === key && tick !== lastTick) {
        lastTick = tick;
        candles.addTick(tick.t, tick.v, 60_000);
      }
    }

    const events = state.modelEvents.get(modelId)?.items ?? [];
    if (events.length !== seenEvents) {
      const fresh = events.slice(seenEvents);
      seenEvents = events.length;
      if (fresh.some((e) => e.data?.fill || e.type === "complete" || e.type === "error")) reloadSoon();
      candles.setMarkers(decisionMarkers(events));
      feed.replaceChildren(...[...events].reverse().map((event) => h(
        "li", { class: `model-event type-${event.type}`, dataset: { eventId: event.id, type: event.type } },
        h("span", { class: "icon", "aria-hidden": "true" }, eventIcon(event)),
        h("time", {}, formatTime(event.timestamp)),
        h("span", { class: "type" }, event.type),
        h("span", { class: "message" }, describeModelEvent(event)),
      )));
    }
    const live = state.equitySeries.get(botId) ?? [];
    const last = equityHistory.length ? equityHistory[equityHistory.length - 1].t : -Infinity;
    const points = equityHistory.concat(live.filter((p) => p.t > last));
    equityChart.draw([{ label: "Equity", points }]);
  }

  const table = (id, headings, body) => h("div", { class: "table-wrap" }, h(
    "table", { id }, h("thead", {}, h("tr", {}, ...headings.map((name) => h("th", { scope: "col" }, name)))), body));
  const content = h(
    "div", {},
    h("div", { class: "controls" }, badge, toggle),
    statList, waiting,
    h("div", { class: "card" }, h("h2", {}, "Decisions on the market"), candles.element),
    h("div", { class: "card" }, h("h2", {}, "Equity"), equityChart.element),
    h("div", { class: "columns" },
      h("div", { class: "card" }, h("h2", {}, "Trades"),
        table("model-trades-table", [...TRADE_COLUMNS, ""], trades)),
      h("div", { class: "card" }, h("h2", {}, "Sessions"),
        table("model-sessions-table", ["Session", "Status", "Decisions", "Started", "Ended", "Summary"], sessions))),
    h("div", { class: "card" }, h("h2", {}, "Session events"), feed),
  );
  const element = h(
    "section", { class: "page", id: "model-detail-page" },
    h("p", {}, h("a", { href: "#/models" }, "← All models")), title, subtitle, missing, content,
  );
  loadModels().then(loadHistory).catch((error) => toast.error(error.message));
  update();
  return { element, update, watches: ["models", "bots", "pnl", "prices", "candles"] };
}
