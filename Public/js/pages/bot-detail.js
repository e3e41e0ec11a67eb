// One bot: its numbers, a live price and equity chart, its orders (status changes and fills) and activity log.
import { api } from "../api.js";
import { lineChart } from "../chart.js";
import { formatNumber, formatPrice, formatSigned, formatTime, h, setText, trend } from "../ui.js";

export function botDetailPage({ state, toast, botId }) {
  const title = h("h1", {}, `Bot #${botId}`);
  const subtitle = h("p", { class: "muted" });
  const stats = {};
  const statList = h(
    "dl",
    { class: "stats" },
    ["Status", "Position", "Avg entry", "Last price", "Realized", "Unrealized", "Total PnL", "Cash", "Equity"].map(
      (name) => {
        stats[name] = h("dd", { dataset: { stat: name } });
        return h("div", {}, h("dt", {}, name), stats[name]);
      },
    ),
  );
  const chart = lineChart("Price and equity");
  const orders = h("tbody");
  const logs = h("ol", { class: "feed", id: "bot-logs" });
  const missing = h("p", { class: "muted", hidden: true }, "This bot does not exist or is not yours.");

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

  // Orders and log lines older than the bundle's recent ones, and the price history for the chart.
  (async () => {
    try {
      const entry = state.bots.get(botId);
      const ticker = entry?.bot.ticker;
      const [orderPage, logPage, priceHistory] = await Promise.all([
        api(`/api/v1/orders?bot_id=${botId}&limit=50`),
        api(`/api/v1/logs?bot_id=${botId}&limit=50`),
        ticker ? api(`/api/v1/prices/history?ticker=${encodeURIComponent(ticker)}&limit=300`) : null,
      ]);
      const current = state.bots.get(botId);
      if (!current) return;
      const known = new Map(orderPage.data.map((order) => [order.id, order]));
      for (const order of current.recent_orders) known.set(order.id, order); // pushed ones are newer
      current.recent_orders = [...known.values()].sort((a, b) => b.id - a.id).slice(0, 50);
      const logIds = new Map(logPage.data.map((log) => [log.id, log]));
      for (const log of current.recent_logs) logIds.set(log.id, log);
      current.recent_logs = [...logIds.values()].sort((a, b) => b.id - a.id).slice(0, 50);
      if (priceHistory && !state.priceSeries.has(ticker)) {
        state.priceSeries.set(ticker, priceHistory.data.map((p) => ({ t: Date.parse(p.timestamp), v: p.price })).reverse());
      }
      update();
    } catch (error) {
      if (error.status !== 404) toast.error(error.message);
    }
  })();

  function update() {
    const entry = state.bots.get(botId);
    missing.hidden = Boolean(entry);
    if (!entry) return;
    const { bot, pnl } = entry;
    setText(title, bot.name);
    setText(subtitle, `${bot.strategy} on ${bot.ticker} (${bot.exchange}) · config ${JSON.stringify(bot.config)}`);
    const price = state.prices.get(bot.ticker) ?? pnl.last_price;
    setText(stats.Status, bot.status);
    stats.Status.className = `status ${bot.status.toLowerCase()}`;
    setText(stats.Position, formatNumber(pnl.position_quantity, 4));
    setText(stats["Avg entry"], formatPrice(pnl.avg_entry_price));
    setText(stats["Last price"], formatPrice(price));
    setText(stats.Realized, formatSigned(pnl.realized_pnl));
    setText(stats.Unrealized, formatSigned(pnl.unrealized_pnl));
    setText(stats["Total PnL"], formatSigned(pnl.total_pnl));
    stats["Total PnL"].className = trend(pnl.total_pnl);
    setText(stats.Cash, pnl.cash == null ? "–" : formatNumber(pnl.cash));
    setText(stats.Equity, pnl.equity == null ? "–" : formatNumber(pnl.equity));

    chart.draw([
      { label: bot.ticker, points: state.priceSeries.get(bot.ticker) ?? [] },
      { label: "equity", points: state.equitySeries.get(botId) ?? [] },
    ]);

    // Rebuilt only when they change: prices tick several times a second, and a button under the pointer must stay.
    const orderKey = entry.recent_orders.map((o) => `${o.id}:${o.status}:${o.filled_quantity}`).join(",");
    if (orderKey !== renderedOrders) {
      renderedOrders = orderKey;
      renderOrders(entry);
    }
    const logKey = entry.recent_logs.map((log) => log.id).join(",");
    if (logKey !== renderedLogs) {
      renderedLogs = logKey;
      logs.replaceChildren(...entry.recent_logs.map(logItem));
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

  const element = h(
    "section",
    { class: "page", id: "bot-detail-page" },
    h("p", {}, h("a", { href: "#/bots" }, "← All bots")),
    title,
    subtitle,
    missing,
    statList,
    h("div", { class: "card" }, chart.element),
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
  update();
  return { element, update, watches: ["bots", "orders", "pnl", "prices", "logs"] };
}

export function logItem(log) {
  return h(
    "li",
    { class: `log ${log.level.toLowerCase()}`, dataset: { logId: log.id } },
    h("time", {}, formatTime(log.timestamp)),
    h("span", { class: "level" }, log.level),
    log.bot_id != null ? h("a", { href: `#/bots/${log.bot_id}`, class: "muted" }, `bot #${log.bot_id}`) : null,
    h("span", { class: "message" }, log.message),
  );
}
