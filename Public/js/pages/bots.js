// The bots page: the portfolio's totals, then every bot with live status (and an error's reason), position, PnL,
// return and last price, sortable by any column and filtered by a search; create, edit, toggle, delete.
// Rows are keyed by bot id and updated in place, so a price tick rewrites a few cells, not the table.
import { api } from "../api.js";
import { sparkline } from "../chart.js";
import { formatNumber, formatPrice, formatSigned, formatTime, h, setText, trend } from "../ui.js";

// What every bot's config may carry besides its strategy's parameters (the schema gives those).
const COMMON = [
  ["quantity", "Quantity per order", 1], ["cash", "Starting cash", 100000],
];

export function botsPage({ state, toast, user }) {
  const admin = user?.role === "admin";
  const owners = new Map(); // user id -> username, for an admin's owner column
  const rows = new Map();
  const tbody = h("tbody");
  const totals = {};
  const summary = h(
    "dl", { class: "stats", id: "portfolio" },
    ["Equity", "Total PnL", "Return", "Fees", "Open positions", "Active", "Errors"].map((name) => {
      totals[name] = h("dd", { dataset: { stat: name } }, "–");
      return h("div", {}, h("dt", {}, name), totals[name]);
    }),
  );
  const search = h("input", { type: "search", id: "bot-search", placeholder: "Filter by name, ticker, strategy, status", "aria-label": "Filter bots" });
  search.addEventListener("input", () => update());
  const COLUMNS = [
    ["Bot", (e) => e.bot.name.toLowerCase()], ["Strategy", (e) => e.bot.strategy], ["Ticker", (e) => e.bot.ticker],
    ["Status", (e) => e.bot.status], ["Position", (e) => e.pnl?.position_quantity ?? 0],
    ["Last price", (e) => state.priceOf(e.bot, e.pnl) ?? 0], ["PnL", (e) => e.pnl?.total_pnl ?? 0],
    ["Return", (e) => returnPct(e.pnl)], ["Equity", (e) => e.pnl?.equity ?? 0],
    ["Max DD", (e) => e.pnl?.max_drawdown_pct ?? 0], ["Trades", (e) => e.pnl?.trade_count ?? 0],
    ["Win rate", (e) => e.pnl?.win_rate_pct ?? -1],
  ];
  // Admins see every user's bots: whose each one is comes last, where a user's own table has nothing.
  if (admin) COLUMNS.push(["Owner", (e) => owners.get(e.bot.owner_id) ?? ""]);
  let order = { column: null, direction: 1 };
  const headers = COLUMNS.map(([title], index) =>
    h("th", {
      scope: "col", class: `sortable${index >= 4 ? " num" : ""}`, dataset: { column: title },
      onclick: () => {
        order = { column: index, direction: order.column === index ? -order.direction : 1 };
        for (const th of headers) th.dataset.order = "";
        headers[index].dataset.order = order.direction > 0 ? "asc" : "desc";
        update();
      },
    }, title));
  const empty = h("p", { class: "muted", hidden: true }, "No bots yet: create one above.");
  let editing = null;

  // The strategy's parameters come from its schema (GET /api/v1/strategies), the same one the server validates with;
  // keys no field covers (heartbeat_seconds, fee_bps, ...) stay editable as JSON.
  let catalog = [];
  const params = h("div", { class: "form-grid", id: "bot-params" });
  const form = {
    name: h("input", { id: "bot-name", name: "name", required: true, maxlength: 100, placeholder: "BTC trend" }),
    ticker: h("input", { id: "bot-ticker", name: "ticker", required: true, placeholder: "BTC/USDT" }),
    exchange: h("input", { id: "bot-exchange", name: "exchange", required: true, value: "paper" }),
    strategy: h("select", { id: "bot-strategy", name: "strategy" }, h("option", { value: "manual" }, "manual")),
    market: h(
      "select", { id: "bot-market", name: "market" },
      h("option", { value: "spot" }, "spot (no shorts)"), h("option", { value: "margin" }, "margin (shorts allowed)"),
    ),
    config: h("textarea", { id: "bot-config", name: "config", rows: 2, spellcheck: "false", placeholder: "{}" }),
    submit: h("button", { type: "submit", class: "primary", id: "bot-submit" }, "Create bot"),
    cancel: h("button", { type: "button", hidden: true, onclick: () => resetForm() }, "Cancel"),
  };
  form.strategy.addEventListener("change", () => showParams({}));

  api("/api/v1/strategies")
    .then((list) => {
      catalog = list.data;
      form.strategy.replaceChildren(
        ...catalog.map((s) => h("option", { value: s.name, title: s.description ?? "" }, s.name)),
        h("option", { value: "manual", title: "Orders placed through the API only" }, "manual"),
      );
      if (!editing) form.strategy.value = catalog[0]?.name ?? "manual";
      showParams(editing ? state.bots.get(editing)?.bot.config ?? {} : {});
    })
    .catch((error) => toast.error(error.message));

  /** The fields of the chosen strategy's parameters and the common ones, filled from `values` or the defaults. */
  function showParams(values) {
    const properties = catalog.find((s) => s.name === form.strategy.value)?.parameters?.properties ?? {};
    const field = (name, title, schema) => {
      const attributes = { name, id: `bot-param-${name}`, "aria-label": name, title: schema.description ?? title };
      const value = values[name] ?? schema.default;
      const input = schema.type === "boolean"
        ? h("input", { ...attributes, type: "checkbox", checked: value ? true : undefined })
        : h("input", {
          ...attributes, type: "number", value: value === undefined ? "" : String(value), min: schema.minimum,
          max: schema.maximum, step: schema.type === "integer" ? "1" : "any",
        });
      return h("label", {}, h("span", {}, title), input);
    };
    params.replaceChildren(
      ...Object.entries(properties).map(([name, schema]) => field(name, name, schema)),
      ...COMMON.map(([name, title, fallback]) => field(name, title, { type: "number", default: fallback, minimum: 0 })),
    );
    form.market.value = values.market === "margin" ? "margin" : "spot";
    const covered = new Set([...Object.keys(properties), ...COMMON.map(([name]) => name), "market"]);
    const rest = Object.fromEntries(Object.entries(values).filter(([key]) => !covered.has(key)));
    form.config.value = Object.keys(rest).length ? JSON.stringify(rest) : "";
  }

  function resetForm() {
    editing = null;
    form.name.value = "";
    form.ticker.value = "";
    form.exchange.value = "paper";
    form.strategy.value = catalog[0]?.name ?? "manual";
    showParams({});
    form.submit.textContent = "Create bot";
    form.cancel.hidden = true;
  }

  async function submit(event) {
    event.preventDefault();
    let config;
    try {
      config = form.config.value.trim() ? JSON.parse(form.config.value) : {};
    } catch {
      return toast.error("Other config is not valid JSON");
    }
    for (const input of params.querySelectorAll("input")) {
      if (input.type === "checkbox") config[input.name] = input.checked;
      else if (input.value !== "") config[input.name] = Number(input.value);
    }
    config.market = form.market.value;
    const body = {
      name: form.name.value.trim(), ticker: form.ticker.value.trim(), exchange: form.exchange.value.trim(),
      strategy: form.strategy.value, config,
    };
    try {
      if (editing) {
        await api(`/api/v1/bots/${editing}`, { method: "PATCH", body });
        toast.info(`Saved ${body.name}`);
      } else {
        await api("/api/v1/bots", { method: "POST", body });
        toast.info(`Created ${body.name}`);
      }
      resetForm();
    } catch (error) {
      toast.error(error.message);
    }
  }

  function edit(bot) {
    editing = bot.id;
    newBot.open = true;
    form.name.value = bot.name;
    form.ticker.value = bot.ticker;
    form.exchange.value = bot.exchange;
    form.strategy.value = catalog.some((s) => s.name === bot.strategy) ? bot.strategy : "manual";
    showParams(bot.config ?? {});
    form.submit.textContent = "Save changes";
    form.cancel.hidden = false;
    form.name.focus();
  }

  function row(id) {
    const cells = {
      name: h("a", { href: `#/bots/${id}`, class: "bot-link" }),
      strategy: h("td"),
      ticker: h("td"),
      status: h("span", { class: "status" }),
      position: h("td", { class: "num" }),
      price: h("td", { class: "num price" }),
      pnl: h("td", { class: "num pnl" }),
      returnPct: h("td", { class: "num" }),
      equity: h("span", { class: "equity" }),
      drawdown: h("td", { class: "num drawdown" }),
      winRate: h("td", { class: "num win-rate" }),
      tradeCount: h("span", { class: "trade-count" }),
      open: h("span", { class: "badge open-trade", hidden: true }),
      trend: sparkline(`equity of bot ${id}`),
      owner: h("td", { class: "owner" }),
      reason: h("div", { class: "error-reason muted" }),
      seen: h("div", { class: "seen muted" }),
      stale: h("span", { class: "badge stale", hidden: true }, "stale"),
    };
    const toggle = h("button", { class: "small toggle", onclick: () => run(`/api/v1/bots/${id}/toggle`, "POST") });
    const editButton = h("button", { class: "small", onclick: () => edit(state.bots.get(id).bot) }, "Edit");
    const remove = h("button", { class: "small danger" }, "Delete");
    let armed = null;
    remove.addEventListener("click", () => {
      if (!armed) {
        remove.textContent = "Confirm";
        armed = setTimeout(() => ((armed = null), (remove.textContent = "Delete")), 3000);
        return;
      }
      clearTimeout(armed);
      run(`/api/v1/bots/${id}`, "DELETE");
    });
    const tr = h(
      "tr",
      { dataset: { botId: id } },
      h("td", {}, cells.name, cells.seen), cells.strategy, cells.ticker, h("td", {}, cells.status, cells.stale, cells.reason),
      cells.position,
      cells.price, cells.pnl, cells.returnPct, h("td", { class: "num" }, cells.equity, cells.trend.element),
      cells.drawdown, h("td", { class: "num" }, cells.tradeCount, cells.open), cells.winRate,
      ...(admin ? [cells.owner] : []), h("td", { class: "actions" }, toggle, editButton, remove),
    );
    return { tr, cells, toggle };
  }

  async function run(path, method) {
    try {
      await api(path, { method });
    } catch (error) {
      toast.error(error.message);
    }
  }

  function update() {
    const needle = search.value.trim().toLowerCase();
    const matches = (e) =>
      !needle || [e.bot.name, e.bot.ticker, e.bot.strategy, e.bot.status, e.bot.exchange, owners.get(e.bot.owner_id) ?? ""]
        .some((v) => v.toLowerCase().includes(needle));
    let ids = [...state.bots.keys()].sort((a, b) => a - b).filter((id) => matches(state.bots.get(id)));
    if (order.column !== null) {
      const key = COLUMNS[order.column][1];
      ids = ids.sort((a, b) => {
        const x = key(state.bots.get(a));
        const y = key(state.bots.get(b));
        return (typeof x === "string" ? x.localeCompare(y) : x - y) * order.direction || a - b;
      });
    }
    const shown = new Set(ids);
    for (const [id, current] of rows) {
      if (!shown.has(id)) {
        current.tr.remove();
        rows.delete(id);
      }
    }
    let previous = null;
    for (const id of ids) {
      let current = rows.get(id);
      if (!current) {
        current = row(id);
        rows.set(id, current);
      }
      // In place when already there (a tick moves no row); moved when the order changed.
      if (previous ? previous.nextSibling !== current.tr : tbody.firstChild !== current.tr) {
        if (previous) previous.after(current.tr);
        else tbody.prepend(current.tr);
      }
      previous = current.tr;
      const { bot, pnl } = state.bots.get(id);
      const price = state.priceOf(bot, pnl);
      setText(current.cells.name, bot.name);
      setText(current.cells.strategy, bot.strategy);
      setText(current.cells.ticker, bot.ticker);
      setText(current.cells.status, bot.status);
      current.cells.status.className = `status ${bot.status.toLowerCase()}`;
      setText(current.cells.position, formatNumber(pnl?.position_quantity ?? 0, 4));
      setText(current.cells.price, formatPrice(price));
      setText(current.cells.pnl, formatSigned(pnl?.total_pnl ?? 0));
      current.cells.pnl.className = `num pnl ${trend(pnl?.total_pnl ?? 0)}`;
      const ret = returnPct(pnl);
      setText(current.cells.returnPct, `${formatSigned(ret)}%`);
      current.cells.returnPct.className = `num ${trend(ret)}`;
      setText(current.cells.equity, pnl?.equity == null ? "–" : formatNumber(pnl.equity));
      current.cells.trend.draw(state.bots.get(id).sparkline);
      setText(current.cells.drawdown, pnl?.max_drawdown_pct == null ? "–" : `${formatNumber(pnl.max_drawdown_pct)}%`);
      setText(current.cells.tradeCount, String(pnl?.trade_count ?? 0));
      const quantity = pnl?.position_quantity ?? 0;
      setText(current.cells.open, quantity > 0 ? "1 long" : "1 short");
      current.cells.open.hidden = !quantity;
      if (admin) setText(current.cells.owner, owners.get(bot.owner_id) ?? (bot.owner_id == null ? "–" : `#${bot.owner_id}`));
      setText(current.cells.winRate, pnl?.win_rate_pct == null ? "–" : `${formatNumber(pnl.win_rate_pct, 0)}%`);
      setText(current.toggle, bot.status === "ACTIVE" ? "Stop" : "Start");
      // An ERROR says why: the bot's latest error line.
      const reason = bot.status === "ERROR"
        ? state.bots.get(id).recent_logs.find((log) => log.level === "ERROR")?.message ?? "see the bot's activity"
        : "";
      setText(current.cells.reason, reason);
      current.cells.reason.hidden = !reason;
      // An external process's last report; stale when it stayed silent past its heartbeat_seconds.
      const seen = state.liveness.get(id);
      setText(current.cells.seen, seen ? `seen ${formatTime(seen.last_seen)}` : "");
      current.cells.stale.hidden = !seen?.stale;
    }
    empty.hidden = state.bots.size > 0;
    renderTotals();
  }

  function renderTotals() {
    let equity = 0;
    let pnl = 0;
    let fees = 0;
    let cash = 0;
    let open = 0;
    let active = 0;
    let errors = 0;
    for (const { bot, pnl: figures } of state.bots.values()) {
      equity += figures?.equity ?? 0;
      pnl += figures?.total_pnl ?? 0;
      fees += figures?.fees ?? 0;
      cash += figures?.starting_cash ?? 0;
      if (figures?.position_quantity) open += 1;
      if (bot.status === "ACTIVE") active += 1;
      if (bot.status === "ERROR") errors += 1;
    }
    setText(totals.Equity, formatNumber(equity));
    setText(totals["Total PnL"], formatSigned(pnl));
    totals["Total PnL"].className = trend(pnl);
    setText(totals.Return, cash ? `${formatSigned((pnl / cash) * 100)}%` : "–");
    setText(totals.Fees, formatNumber(fees));
    setText(totals["Open positions"], String(open));
    setText(totals.Active, String(active));
    setText(totals.Errors, String(errors));
    totals.Errors.className = errors ? "down" : "";
  }

  // The form folds away when not in use: the bots come first on the screen.
  const newBot = h(
    "details", { class: "new-bot card", id: "new-bot" },
    h("summary", {}, "New bot"),
    h(
      "form",
      { class: "bot-form", onsubmit: submit },
      h("label", {}, "Name", form.name),
      h("label", {}, "Ticker", form.ticker),
      h("label", {}, "Exchange", form.exchange),
      h("label", {}, "Strategy", form.strategy),
      h("label", {}, "Market", form.market),
      h("div", { class: "wide" }, params),
      h("label", { class: "wide" }, "Other config (JSON)", form.config),
      h("div", { class: "form-actions" }, form.submit, form.cancel),
    ),
  );

  const element = h(
    "section",
    { class: "page", id: "bots-page" },
    h("h1", {}, "Bots"),
    summary,
    newBot,
    search,
    h(
      "div",
      { class: "table-wrap" },
      h("table", { id: "bots-table" }, h("thead", {}, h("tr", {}, ...headers, h("th", { scope: "col" }, ""))), tbody),
    ),
    empty,
  );
  if (admin) {
    api("/api/v1/users")
      .then((list) => {
        for (const account of list.data) owners.set(account.id, account.username);
        update();
      })
      .catch((error) => toast.error(error.message));
  }
  api("/api/v1/liveness")
    .then((list) => {
      for (const item of list.data) if (!state.liveness.has(item.bot_id)) state.liveness.set(item.bot_id, item);
      update();
    })
    .catch((error) => toast.error(error.message));
  update();
  return { element, update, watches: ["bots", "orders", "pnl", "prices"] };
}

/** Total PnL over the starting cash, in percent. */
function returnPct(pnl) {
  return pnl?.starting_cash ? (pnl.total_pnl / pnl.starting_cash) * 100 : 0;
}
