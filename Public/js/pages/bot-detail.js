// One bot: its numbers, a candle chart of its instrument with its entries and exits, its equity and drawdown from the
// server's history (the chart after a reload is the chart before it), its trades, orders and activity log.
import { api } from "../api.js";
import { candleChart } from "../candles.js";
import { lineChart } from "../chart.js";
import { instrumentKey } from "../state.js";
import { formatNumber, formatPrice, formatSigned, formatTime, h, setText, trend } from "../ui.js";

const INTERVALS = ["1m", "5m", "15m", "1h", "1d"];
const SPAN = { "1m": 60_000, "5m": 300_000, "15m": 900_000, "1h": 3_600_000, "1d": 86_400_000 };

export function botDetailPage({ state, toast, botId }) {
  const title = h("h1", {}, `Bot #${botId}`);
  const subtitle = h("p", { class: "muted" });
  const stats = {};
  const statList = h(
    "dl",
    { class: "stats" },
    ["Status", "Position", "Avg entry", "Last price", "Realized", "Unrealized", "Fees", "Total PnL", "Starting cash",
      "Cash", "Equity"].map(
      (name) => {
        stats[name] = h("dd", { dataset: { stat: name } });
        return h("div", {}, h("dt", {}, name), stats[name]);
      },
    ),
  );
  const candles = candleChart("Candles");
  const intervalSelect = h(
    "select", { id: "candle-interval", "aria-label": "Candle interval", onchange: () => loadCandles() },
    ...INTERVALS.map((value) => h("option", { value }, value)),
  );
  const equityChart = lineChart("Equity");
  const drawdownChart = lineChart("Drawdown");
  const trades = h("tbody", { id: "bot-trades" });
  // The research core's statistics over the live history (the keys of a backtest's).
  const STATS = [
    ["return_pct", "Return %"], ["max_drawdown_pct", "Max drawdown %"], ["sharpe_ratio", "Sharpe"],
    ["win_rate_pct", "Win rate %"], ["trade_count", "Trades"], ["profit_factor", "Profit factor"],
    ["exposure_time_pct", "Exposure %"], ["equity_final", "Equity"],
  ];
  const statistics = h("dl", { class: "stats", id: "bot-statistics" });
  const orders = h("tbody");
  const logs = h("ol", { class: "feed", id: "bot-logs" });
  const missing = h("p", { class: "muted", hidden: true }, "This bot does not exist or is not yours.");

  // Control: the status (PATCH is idempotent) and a force exit. Stopping a bot that holds a position asks first.
  const controls = {};
  for (const [status, label] of [["ACTIVE", "Start"], ["STOP_ENTRIES", "Stop entries"], ["PAUSED", "Pause"], ["STOPPED", "Stop"]]) {
    controls[status] = h("button", { class: "small", dataset: { status }, onclick: () => setStatus(status) }, label);
  }
  const exitButton = h("button", { class: "small danger", id: "force-exit", onclick: () => forceExit() }, "Force exit");
  const confirmBox = h("div", { class: "confirm", id: "bot-confirm", hidden: true });
  const controlBar = h("div", { class: "controls", id: "bot-controls" }, ...Object.values(controls), exitButton, confirmBox);

  async function setStatus(status) {
    const entry = state.bots.get(botId);
    if (status === "STOPPED" && entry?.pnl?.position_quantity) {
      return ask(`It holds ${formatNumber(entry.pnl.position_quantity, 4)} ${entry.bot.ticker}.`, [
        ["Stop and keep the position", () => patchStatus("STOPPED")],
        ["Force exit, then stop", async () => { await forceExit(true); await patchStatus("STOPPED"); }],
      ]);
    }
    await patchStatus(status);
  }

  async function patchStatus(status) {
    try {
      await api(`/api/v1/bots/${botId}`, { method: "PATCH", body: { status } });
    } catch (error) {
      toast.error(error.message);
    }
  }

  /** Closes the open trade (the bot's net position) at market: all of it, or `quantity` of it. */
  async function forceExit(confirmed = false, quantity = null) {
    if (!confirmed) {
      const held = Math.abs(state.bots.get(botId)?.pnl?.position_quantity ?? 0);
      const choices = [["Close all", () => forceExit(true)]];
      if (held) choices.push(["Close half", () => forceExit(true, held / 2)]);
      return ask("Cancel its working orders and close the position at market?", choices);
    }
    try {
      const query = quantity ? `?quantity=${quantity}` : "";
      const result = await api(`/api/v1/bots/${botId}/exit${query}`, { method: "POST" });
      toast.info(result.order ? `Closing with order #${result.order.id}` : "Nothing to close");
    } catch (error) {
      toast.error(error.message);
    }
  }

  function ask(question, choices) {
    confirmBox.replaceChildren(
      h("span", {}, question),
      ...choices.map(([label, action]) => h("button", {
        class: "small", onclick: async () => { confirmBox.hidden = true; await action(); },
      }, label)),
      h("button", { class: "small", onclick: () => (confirmBox.hidden = true) }, "Cancel"),
    );
    confirmBox.hidden = false;
  }
  let equityHistory = []; // [{t, v}] from the server, then live points appended
  let tradeList = [];
  let loadedFor = null; // the instrument the candles were loaded for
  let lastTick = null; // the newest pushed price drawn into the forming candle
  let lastPushed = null; // the newest candle event drawn

  // A manual order: market or limit, through the same API a bot process uses (paper bots fill on the next tick).
  const side = h("select", { id: "order-side" }, h("option", { value: "buy" }, "Buy"), h("option", { value: "sell" }, "Sell"));
  const type = h("select", { id: "order-type" }, h("option", { value: "market" }, "Market"), h("option", { value: "limit" }, "Limit"));
  const quantity = h("input", { id: "order-quantity", type: "number", step: "any", min: "0", required: true, value: "1" });
  const limitPrice = h("input", { id: "order-price", type: "number", step: "any", min: "0", placeholder: "limit only" });
  const orderForm = h(
    "form",
    { class: "card inline-form", id: "order-form", onsubmit: placeOrder },
    h("label", {}, "Side", side),
    h("label", {}, "Type", type),
    h("label", {}, "Quantity", quantity),
    h("label", {}, "Limit price", limitPrice),
    h("button", { type: "submit", class: "primary", id: "order-submit" }, "Place order"),
  );

  async function placeOrder(event) {
    event.preventDefault();
    const body = { side: side.value, type: type.value, quantity: Number(quantity.value) };
    if (type.value === "limit") body.price = Number(limitPrice.value);
    try {
      await api(`/api/v1/bots/${botId}/orders`, { method: "POST", body });
    } catch (error) {
      toast.error(error.message);
    }
  }

  async function cancel(orderId) {
    try {
      await api(`/api/v1/orders/${orderId}`, { method: "PATCH", body: { status: "CANCELED" } });
    } catch (error) {
      toast.error(error.message);
    }
  }

  // Orders and log lines older than the bundle's recent ones; the equity history and the trades.
  (async () => {
    try {
      const [orderPage, logPage, equity] = await Promise.all([
        api(`/api/v1/orders?bot_id=${botId}&limit=50`),
        api(`/api/v1/logs?bot_id=${botId}&limit=50`),
        api(`/api/v1/bots/${botId}/equity?points=600`),
      ]);
      equityHistory = equity.points.map((p) => ({ t: Date.parse(p.timestamp), v: p.equity }));
      await loadTrades();
      // The bundle may not be in yet (a reload): its recent orders and logs are merged once it is.
      const current = state.bots.get(botId);
      if (current) {
        const known = new Map(orderPage.data.map((order) => [order.id, order]));
        for (const order of current.recent_orders) known.set(order.id, order); // pushed ones are newer
        current.recent_orders = [...known.values()].sort((a, b) => b.id - a.id).slice(0, 50);
        const logIds = new Map(logPage.data.map((log) => [log.id, log]));
        for (const log of current.recent_logs) logIds.set(log.id, log);
        current.recent_logs = [...logIds.values()].sort((a, b) => b.id - a.id).slice(0, 50);
      }
      update();
    } catch (error) {
      if (error.status !== 404) toast.error(error.message);
    }
  })();

  async function loadCandles() {
    const entry = state.bots.get(botId);
    if (!entry) return;
    const { ticker, exchange } = entry.bot;
    loadedFor = instrumentKey(ticker, exchange);
    const query = new URLSearchParams({ ticker, exchange, interval: intervalSelect.value, limit: "1000" });
    const [page] = await Promise.all([api(`/api/v1/candles?${query}`), loadOverlays()]);
    candles.setCandles(page.data.map(candleOf));
    drawMarkers();
    // For scripts/bench-bot-page.py: the first frame with the candles drawn.
    if (!performance.getEntriesByName("bot-candles-painted").length) {
      requestAnimationFrame(() => performance.mark("bot-candles-painted"));
    }
  }

  /** The strategy's indicators, from the research core over the same candles (again when one closes). */
  async function loadOverlays() {
    const query = new URLSearchParams({ interval: intervalSelect.value, limit: "1000" });
    candles.setOverlays(await api(`/api/v1/bots/${botId}/indicators?${query}`));
  }

  async function loadTrades() {
    const [page, figures] = await Promise.all([
      api(`/api/v1/trades?bot_id=${botId}&limit=200`), api(`/api/v1/bots/${botId}/stats?interval=1m`),
    ]);
    tradeList = page.data;
    renderTrades();
    drawMarkers();
    statistics.replaceChildren(
      ...STATS.map(([key, title]) =>
        h("div", {}, h("dt", {}, title),
          h("dd", { dataset: { stat: key } }, formatNumber(figures[key], key === "trade_count" ? 0 : 2)))),
    );
  }

  let tradesDue = null;
  /** Fills arrive as events; the trades they make are read again at most twice a second. */
  function refreshTrades() {
    if (tradesDue) return;
    tradesDue = setTimeout(() => {
      tradesDue = null;
      loadTrades().catch((error) => toast.error(error.message));
    }, 500);
  }

  function drawMarkers() {
    const markers = [];
    for (const trade of tradeList) {
      markers.push({
        t: Date.parse(trade.opened_at), v: trade.entry_price, kind: `entry-${trade.direction}`,
        title: `${trade.direction} ${formatNumber(trade.size, 4)} @ ${formatPrice(trade.entry_price)}`,
      });
      if (!trade.is_open && trade.exit_price != null) {
        markers.push({
          t: Date.parse(trade.closed_at), v: trade.exit_price, kind: "exit",
          title: `exit @ ${formatPrice(trade.exit_price)} · PnL ${formatSigned(trade.pnl)}`,
        });
      }
    }
    candles.setMarkers(markers);
  }

  function renderTrades() {
    trades.replaceChildren(...tradeList.map((trade) => tradeRow(trade, trade.is_open
      ? h("button", { class: "small danger close-trade", onclick: () => forceExit() }, "Close")
      : "")));
  }

  function drawEquity(entry) {
    const live = state.equitySeries.get(botId) ?? [];
    const last = equityHistory.length ? equityHistory[equityHistory.length - 1].t : -Infinity;
    const points = equityHistory.concat(live.filter((p) => p.t > last));
    if (entry.pnl?.equity != null && points.length) points.push({ t: Date.now(), v: entry.pnl.equity });
    let peak = -Infinity;
    const drawdown = points.map((p) => {
      peak = Math.max(peak, p.v);
      return { t: p.t, v: peak > 0 ? ((p.v - peak) / peak) * 100 : 0 };
    });
    equityChart.draw([{ label: "Equity", points }]);
    drawdownChart.draw([{ label: "Drawdown %", points: drawdown }]);
  }

  function update() {
    const entry = state.bots.get(botId);
    missing.hidden = Boolean(entry);
    content.hidden = !entry;
    if (!entry) return;
    const { bot, pnl } = entry;
    setText(title, bot.name);
    setText(subtitle, `${bot.strategy} on ${bot.ticker} (${bot.exchange}) · config ${JSON.stringify(bot.config)}`);
    const price = state.priceOf(bot, pnl);
    setText(stats.Status, bot.status);
    stats.Status.className = `status ${bot.status.toLowerCase()}`;
    for (const [status, button] of Object.entries(controls)) button.disabled = bot.status === status;
    setText(stats.Position, formatNumber(pnl.position_quantity, 4));
    setText(stats["Avg entry"], pnl.position_quantity ? formatPrice(pnl.avg_entry_price) : "–");
    setText(stats["Last price"], formatPrice(price));
    setText(stats.Realized, formatSigned(pnl.realized_pnl));
    setText(stats.Unrealized, formatSigned(pnl.unrealized_pnl));
    setText(stats.Fees, pnl.fees == null ? "–" : `−${formatNumber(pnl.fees)}`);
    setText(stats["Total PnL"], formatSigned(pnl.total_pnl));
    stats["Total PnL"].className = trend(pnl.total_pnl);
    setText(stats["Starting cash"], pnl.starting_cash == null ? "–" : formatNumber(pnl.starting_cash));
    setText(stats.Cash, pnl.cash == null ? "–" : formatNumber(pnl.cash));
    setText(stats.Equity, pnl.equity == null ? "–" : formatNumber(pnl.equity));

    const key = instrumentKey(bot.ticker, bot.exchange);
    if (loadedFor !== key) loadCandles().catch((error) => toast.error(error.message));
    // Closed candles and the forming one come as `candle` events (at most one a second); every price in between
    // moves the forming candle here.
    const pushed = state.candles.get(`${key}|${intervalSelect.value}`);
    if (pushed && loadedFor === key && pushed !== lastPushed) {
      lastPushed = pushed;
      candles.upsert(candleOf(pushed));
      if (pushed.closed) loadOverlays().catch((error) => toast.error(error.message));
    }
    const series = state.priceSeries.get(key);
    const tick = series?.[series.length - 1];
    if (tick && loadedFor === key && tick !== lastTick) {
      lastTick = tick;
      candles.addTick(tick.t, tick.v, SPAN[intervalSelect.value]);
    }
    drawEquity(entry);

    // Rebuilt only when they change: prices tick several times a second, and a button under the pointer must stay.
    const orderKey = entry.recent_orders.map((o) => `${o.id}:${o.status}:${o.filled_quantity}`).join(",");
    if (orderKey !== renderedOrders) {
      if (renderedOrders !== null) refreshTrades();
      renderedOrders = orderKey;
      renderOrders(entry);
    }
    const logKey = entry.recent_logs.map((log) => log.id).join(",");
    if (logKey !== renderedLogs) {
      renderedLogs = logKey;
      logs.replaceChildren(...entry.recent_logs.map((log) => logItem(log)));
    }
  }

  let renderedOrders = null;
  let renderedLogs = null;
  function renderOrders(entry) {
    orders.replaceChildren(
      ...entry.recent_orders.map((order) =>
        h(
          "tr",
          { dataset: { orderId: order.id, status: order.status } },
          h("td", {}, `#${order.id}`),
          h("td", { class: order.side === "buy" ? "up" : "down" }, order.side.toUpperCase()),
          h("td", {}, order.type),
          h("td", { class: "num" }, formatNumber(order.quantity, 4)),
          h("td", { class: "num" }, formatNumber(order.filled_quantity, 4)),
          h("td", { class: "num" }, formatPrice(order.avg_fill_price ?? order.price)),
          h("td", {}, h("span", { class: `order-status ${order.status.toLowerCase()}` }, order.status)),
          h("td", { class: "muted" }, formatTime(order.updated_at)),
          h(
            "td",
            {},
            order.status === "NEW" || order.status === "PARTIALLY_FILLED"
              ? h("button", { class: "small danger cancel", onclick: () => cancel(order.id) }, "Cancel")
              : null,
          ),
        ),
      ),
    );
  }

  // A bot that is not there (or not the caller's) shows none of this.
  const content = h(
    "div", { id: "bot-detail-body" },
    subtitle,
    controlBar,
    statList,
    h("div", { class: "card" }, h("div", { class: "card-head" }, h("h2", {}, "Candles"), intervalSelect), candles.element),
    h("div", { class: "card" }, h("h2", {}, "Equity"), equityChart.element, h("h2", {}, "Drawdown"), drawdownChart.element),
    h("div", { class: "card" }, h("h2", {}, "Statistics (1-minute bars)"), statistics),
    h("div", { class: "card" }, h("h2", {}, "Trades"), h("div", { class: "table-wrap" }, h(
      "table", { id: "trades-table" },
      h("thead", {}, h("tr", {}, [...TRADE_COLUMNS, ""].map(
        (name) => h("th", { scope: "col", class: ["Size", "Entry", "Exit", "Fees", "PnL", "Return"].includes(name) ? "num" : "" }, name),
      ))),
      trades,
    ))),
    orderForm,
    h("div", { class: "columns" },
      h("div", { class: "card" }, h("h2", {}, "Orders"), h("div", { class: "table-wrap" }, h(
        "table",
        { id: "orders-table" },
        h("thead", {}, h("tr", {}, ["Order", "Side", "Type", "Qty", "Filled", "Price", "Status", "Updated", ""].map(
          (name) => h("th", { scope: "col" }, name),
        ))),
        orders,
      ))),
      h("div", { class: "card" }, h("h2", {}, "Activity"), logs),
    ),
  );

  const element = h(
    "section",
    { class: "page", id: "bot-detail-page" },
    h("p", {}, h("a", { href: "#/bots" }, "← All bots")),
    title,
    missing,
    content,
  );
  update();
  return { element, update, watches: ["bots", "orders", "pnl", "prices", "candles", "logs"] };
}

/** A candle as the API and the events give it, with times in milliseconds. */
function candleOf(candle) {
  return { ...candle, start: Date.parse(candle.start) };
}

export const TRADE_COLUMNS = ["Side", "Opened", "Closed", "Size", "Entry", "Exit", "Fees", "PnL", "Return"];

/** A round-trip trade's row (`TRADE_COLUMNS`), and `action` in a last cell. */
export function tradeRow(trade, action = "") {
  return h(
    "tr", { dataset: { tradeId: String(trade.id), open: String(trade.is_open) } },
    h("td", { class: trade.direction === "long" ? "up" : "down" }, trade.direction),
    h("td", {}, formatTime(trade.opened_at)),
    h("td", {}, trade.is_open ? h("span", { class: "badge" }, "open") : formatTime(trade.closed_at)),
    h("td", { class: "num" }, formatNumber(trade.size, 4)),
    h("td", { class: "num" }, formatPrice(trade.entry_price)),
    h("td", { class: "num" }, trade.exit_price == null ? "–" : formatPrice(trade.exit_price)),
    h("td", { class: "num" }, formatNumber(trade.fees)),
    h("td", { class: `num ${trend(trade.pnl)}` }, formatSigned(trade.pnl)),
    h("td", { class: `num ${trend(trade.return_pct)}` }, `${formatSigned(trade.return_pct)}%`),
    h("td", {}, action),
  );
}

/** A log line; `botName` names its bot (else `bot #id`). */
export function logItem(log, botName) {
  return h(
    "li",
    { class: `log ${log.level.toLowerCase()}`, dataset: { logId: log.id } },
    h("time", {}, formatTime(log.timestamp)),
    h("span", { class: "level" }, log.level),
    log.bot_id != null ? h("a", { href: `#/bots/${log.bot_id}`, class: "muted" }, botName ?? `bot #${log.bot_id}`) : null,
    h("span", { class: "message" }, log.message),
  );
}
