// What the dashboard knows, kept current by the one stream of the tab. Pages read it and re-render on `changed`.
import { BoundedHistory } from "./tickwire.js";

const SERIES_POINTS = 300;
const SPARKLINE_POINTS = 60; // as the bundle's sparkline

/** Prices belong to an instrument: the same ticker on two exchanges is two prices. */
export function instrumentKey(ticker, exchange) {
  return `${exchange}|${ticker}`;
}

export class DashboardState extends EventTarget {
  constructor() {
    super();
    this.bots = new Map(); // id -> { bot, pnl, recent_orders, recent_logs, sparkline }
    this.bundleEventId = null;
    this.prices = new Map(); // instrumentKey -> last price
    this.priceSeries = new Map(); // instrumentKey -> [{t, v}]
    this.candles = new Map(); // instrumentKey|interval -> the latest pushed candle (forming or closed)
    this.liveness = new Map(); // bot id -> { bot_id, last_seen, stale, interval_seconds }
    this.equitySeries = new Map(); // bot id -> [{t, v}]
    this.logs = new Map(); // log id -> log (the activity feed; bounded below)
    this.happenings = new Map(); // key -> { key, type, timestamp, bot_id, message }: fills, trades, status (bounded)
    this.intraday = null;
    this.models = new Map(); // id -> { model, pnl (as listed), running }
    this.modelEvents = new Map(); // model id -> BoundedHistory of envelopes
    this.backtests = new Map(); // run id -> the run as its latest event tells it (no result)
  }

  changed(what) {
    this.dispatchEvent(new CustomEvent("changed", { detail: { what } }));
  }

  // --- Snapshots -------------------------------------------------------------------------------------------

  applyBundle(bundle) {
    this.bots = new Map(bundle.bots.map((entry) => [entry.bot.id, entry]));
    this.bundleEventId = Number(bundle.event_id);
    for (const entry of bundle.bots) {
      const key = instrumentKey(entry.bot.ticker, entry.bot.exchange);
      if (entry.pnl?.last_price != null && !this.prices.has(key)) this.prices.set(key, entry.pnl.last_price);
      for (const log of entry.recent_logs) this.logs.set(log.id, log);
    }
    this.#trimLogs();
    this.changed("bots");
  }

  /** The latest price of a bot's instrument (its own exchange's), or its PnL's. */
  priceOf(bot, pnl) {
    return this.prices.get(instrumentKey(bot.ticker, bot.exchange)) ?? pnl?.last_price;
  }

  /** The bundle as the page shows it now (cached so the next page load renders at once). */
  currentBundle(eventId) {
    return { event_id: String(eventId), generated_at: new Date().toISOString(), bots: [...this.bots.values()] };
  }

  addLogs(logs) {
    for (const log of logs) this.logs.set(log.id, log);
    this.#trimLogs();
    this.changed("logs");
  }

  // --- Events ----------------------------------------------------------------------------------------------

  apply(event) {
    const data = event.data;
    switch (event.type) {
      case "bot_created":
      case "bot_updated": {
        const entry = this.bots.get(data.id);
        if (event.type === "bot_created" || (entry && entry.bot.status !== data.status)) {
          this.addHappening({
            key: `status:${data.id}:${data.updated_at}`, type: "status", timestamp: data.updated_at, bot_id: data.id,
            message: event.type === "bot_created" ? `created, ${data.status}` : `${entry.bot.status} → ${data.status}`,
          });
        }
        if (entry) entry.bot = data;
        else {
          this.bots.set(data.id, { bot: data, pnl: emptyPnL(data), recent_orders: [], recent_logs: [], sparkline: [] });
        }
        return this.changed("bots");
      }
      case "bot_deleted":
        this.bots.delete(data.id);
        return this.changed("bots");
      case "order_filled":
        this.addHappening(fillHappening({
          order_id: data.order.id, bot_id: data.order.bot_id, side: data.order.side, quantity: data.fill.quantity,
          price: data.fill.price, fee: data.fill.fee ?? 0, timestamp: data.order.updated_at,
        }));
        return this.#applyOrder(data.order);
      case "trade_opened":
      case "trade_closed":
        return this.addHappening(tradeHappening(event.type === "trade_opened", data));
      case "order_update": return this.#applyOrder(data);
      case "pnl_update": {
        const entry = this.bots.get(data.bot_id);
        if (!entry) return;
        entry.pnl = data;
        pushPoint(this.equitySeries, data.bot_id, event.timestamp, data.equity ?? data.total_pnl);
        return this.changed("pnl");
      }
      case "equity_update": {
        const entry = this.bots.get(data.bot_id);
        if (!entry) return;
        entry.sparkline = [...(entry.sparkline ?? []), data.equity].slice(-SPARKLINE_POINTS);
        return this.changed("pnl");
      }
      case "price_update": {
        const key = instrumentKey(data.ticker, data.exchange);
        this.prices.set(key, data.price);
        pushPoint(this.priceSeries, key, data.timestamp, data.price);
        return this.changed("prices");
      }
      case "bot_seen":
      case "bot_stale":
      case "bot_alive":
        this.liveness.set(data.bot_id, data);
        if (event.type !== "bot_seen") {
          this.addHappening({
            key: `liveness:${event.id}`, type: "liveness", timestamp: event.timestamp, bot_id: data.bot_id,
            message: event.type === "bot_stale" ? "stale: no report within its heartbeat interval" : "reporting again",
          });
        }
        return this.changed("bots");
      case "candle":
        this.candles.set(`${instrumentKey(data.ticker, data.exchange)}|${data.interval}`, data);
        return this.changed("candles");
      case "log_created":
        this.logs.set(data.id, data);
        this.#trimLogs();
        if (data.bot_id != null) {
          const entry = this.bots.get(data.bot_id);
          if (entry) entry.recent_logs = [data, ...entry.recent_logs.filter((log) => log.id !== data.id)].slice(0, 50);
        }
        return this.changed("logs");
      case "intraday_snapshot":
        this.intraday = { ...data, event_id: event.id, timestamp: event.timestamp };
        return this.changed("intraday");
    }
    if (event.topic === "backtests") {
      if (data?.id !== undefined && data.request) {
        this.backtests.set(data.id, data);
        this.changed("backtests");
      }
      return;
    }
    if (event.topic.startsWith("models.")) this.applyModelEvent(Number(event.topic.slice(7)), event);
  }

  #applyOrder(order) {
    const entry = this.bots.get(order.bot_id);
    if (!entry) return;
    const orders = entry.recent_orders.filter((known) => known.id !== order.id);
    orders.unshift(order);
    orders.sort((a, b) => b.id - a.id);
    entry.recent_orders = orders.slice(0, 50);
    this.changed("orders");
  }

  /** Fills, trades, status and liveness changes beside the logs in the activity feed; keyed so that a loaded one and
   * a pushed one are the same item. */
  addHappening(...items) {
    for (const item of items) this.happenings.set(item.key, item);
    if (this.happenings.size > 500) {
      const keys = [...this.happenings.values()].sort((a, b) => Date.parse(a.timestamp) - Date.parse(b.timestamp))
        .slice(0, this.happenings.size - 500).map((item) => item.key);
      for (const key of keys) this.happenings.delete(key);
    }
    this.changed("logs");
  }

  applyModelEvent(modelId, event) {
    const history = this.#modelHistory(modelId);
    if (history.items.some((item) => item.id === event.id)) return;
    history.push(event);
    history.items.sort((a, b) => Number(a.id) - Number(b.id));
    const entry = this.models.get(modelId);
    if (entry) {
      if (event.type === "status" || event.type === "trade") entry.running = true;
      // A malformed agent answer is an error the session survives (`fatal: false`).
      if (event.type === "complete" || (event.type === "error" && event.data?.fatal !== false)) entry.running = false;
    }
    this.changed("models");
  }

  #modelHistory(modelId) {
    if (!this.modelEvents.has(modelId)) this.modelEvents.set(modelId, new BoundedHistory(100));
    return this.modelEvents.get(modelId);
  }

  #trimLogs() {
    if (this.logs.size <= 500) return;
    const ids = [...this.logs.keys()].sort((a, b) => a - b);
    for (const id of ids.slice(0, ids.length - 500)) this.logs.delete(id);
  }
}

/** An activity item of a fill, from `GET /fills` or an `order_filled` event. */
export function fillHappening(fill) {
  return {
    key: `fill:${fill.order_id}:${fill.timestamp}`, type: "fill", timestamp: fill.timestamp, bot_id: fill.bot_id,
    message: `filled ${fill.side} ${fill.quantity} @ ${fill.price}${fill.fee ? ` (fee ${fill.fee})` : ""}, order #${fill.order_id}`,
  };
}

/** An activity item of a trade opening or closing, from a `trade_*` event (or `GET /trades`, shaped alike). */
export function tradeHappening(opened, change) {
  const pnl = change.realized_pnl == null ? "" : `, realized ${change.realized_pnl >= 0 ? "+" : ""}${change.realized_pnl}`;
  return {
    key: `${opened ? "open" : "close"}:${change.bot_id}:${change.timestamp}`, type: "trade", timestamp: change.timestamp,
    bot_id: change.bot_id,
    message: `${opened ? "opened" : "closed"} ${change.direction} ${change.quantity} @ ${change.price}${pnl}`,
  };
}

function emptyPnL(bot) {
  return {
    bot_id: bot.id, ticker: bot.ticker, position_quantity: 0, realized_pnl: 0, unrealized_pnl: 0, total_pnl: 0,
    last_price: null, equity: null, cash: null,
  };
}

function pushPoint(seriesMap, key, timestamp, value) {
  if (value === null || value === undefined) return;
  if (!seriesMap.has(key)) seriesMap.set(key, []);
  const series = seriesMap.get(key);
  series.push({ t: Date.parse(timestamp), v: value });
  if (series.length > SERIES_POINTS) series.splice(0, series.length - SERIES_POINTS);
}
