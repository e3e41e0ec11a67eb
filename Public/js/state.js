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
    this.intraday = null;
    this.models = new Map(); // id -> { model, running, session }
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
        if (entry) entry.bot = data;
        else {
          this.bots.set(data.id, { bot: data, pnl: emptyPnL(data), recent_orders: [], recent_logs: [], sparkline: [] });
        }
        return this.changed("bots");
      }
      case "bot_deleted":
        this.bots.delete(data.id);
        return this.changed("bots");
      case "order_update":
      case "order_filled": {
        const entry = this.bots.get(data.bot_id);
        if (!entry) return;
        const orders = entry.recent_orders.filter((order) => order.id !== data.id);
        orders.unshift(data);
        orders.sort((a, b) => b.id - a.id);
        entry.recent_orders = orders.slice(0, 50);
        return this.changed("orders");
      }
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

  applyModelEvent(modelId, event) {
    const history = this.#modelHistory(modelId);
    if (history.items.some((item) => item.id === event.id)) return;
    history.push(event);
    history.items.sort((a, b) => Number(a.id) - Number(b.id));
    const entry = this.models.get(modelId);
    if (entry) {
      if (event.type === "status" || event.type === "trade") entry.running = true;
      if (event.type === "complete" || event.type === "error") entry.running = false;
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
