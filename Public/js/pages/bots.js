// The bots page: every bot with live status, position, PnL and last price; create, edit, toggle, delete.
// Rows are keyed by bot id and updated in place, so a price tick rewrites a few cells, not the table.
import { api } from "../api.js";
import { formatNumber, formatPrice, formatSigned, h, setText, trend } from "../ui.js";

const STRATEGY_DEFAULTS = {
  sma_crossover: { fast: 5, slow: 20, quantity: 0.05 },
  rsi_reversion: { period: 14, oversold: 30, overbought: 70, quantity: 0.5 },
  grid: { levels: 5, spacing: 0.002, quantity: 1 },
  swing: { quantity: 1 },
  manual: {},
};

export function botsPage({ state, toast }) {
  const rows = new Map();
  const tbody = h("tbody");
  const empty = h("p", { class: "muted", hidden: true }, "No bots yet: create one above.");
  let editing = null;

  const form = {
    name: h("input", { id: "bot-name", name: "name", required: true, maxlength: 100, placeholder: "BTC trend" }),
    ticker: h("input", { id: "bot-ticker", name: "ticker", required: true, placeholder: "BTC/USDT" }),
    exchange: h("input", { id: "bot-exchange", name: "exchange", required: true, value: "paper" }),
    strategy: h(
      "select",
      { id: "bot-strategy", name: "strategy" },
      Object.keys(STRATEGY_DEFAULTS).map((name) => h("option", { value: name }, name)),
    ),
    config: h("textarea", { id: "bot-config", name: "config", rows: 2, spellcheck: "false" }),
    submit: h("button", { type: "submit", class: "primary", id: "bot-submit" }, "Create bot"),
    cancel: h("button", { type: "button", hidden: true, onclick: () => resetForm() }, "Cancel"),
  };
  form.config.value = JSON.stringify(STRATEGY_DEFAULTS.sma_crossover);
  form.strategy.addEventListener("change", () => {
    if (!editing) form.config.value = JSON.stringify(STRATEGY_DEFAULTS[form.strategy.value] ?? {});
  });

  function resetForm() {
    editing = null;
    form.name.value = "";
    form.ticker.value = "";
    form.exchange.value = "paper";
    form.strategy.value = "sma_crossover";
    form.config.value = JSON.stringify(STRATEGY_DEFAULTS.sma_crossover);
    form.submit.textContent = "Create bot";
    form.cancel.hidden = true;
  }

  async function submit(event) {
    event.preventDefault();
    let config;
    try {
      config = form.config.value.trim() ? JSON.parse(form.config.value) : {};
    } catch {
      return toast.error("Config is not valid JSON");
    }
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
    form.name.value = bot.name;
    form.ticker.value = bot.ticker;
    form.exchange.value = bot.exchange;
    form.strategy.value = bot.strategy in STRATEGY_DEFAULTS ? bot.strategy : "manual";
    form.config.value = JSON.stringify(bot.config ?? {});
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
      equity: h("td", { class: "num" }),
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
      h("td", {}, cells.name), cells.strategy, cells.ticker, h("td", {}, cells.status), cells.position,
      cells.price, cells.pnl, cells.equity, h("td", { class: "actions" }, toggle, editButton, remove),
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
    const ids = [...state.bots.keys()].sort((a, b) => a - b);
    for (const [id, current] of rows) {
      if (!state.bots.has(id)) {
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
      setText(current.cells.equity, pnl?.equity == null ? "–" : formatNumber(pnl.equity));
      setText(current.toggle, bot.status === "ACTIVE" ? "Stop" : "Start");
    }
    empty.hidden = ids.length > 0;
  }

  const element = h(
    "section",
    { class: "page", id: "bots-page" },
    h("h1", {}, "Bots"),
    h(
      "form",
      { class: "bot-form card", onsubmit: submit },
      h("label", {}, "Name", form.name),
      h("label", {}, "Ticker", form.ticker),
      h("label", {}, "Exchange", form.exchange),
      h("label", {}, "Strategy", form.strategy),
      h("label", { class: "wide" }, "Config (JSON)", form.config),
      h("div", { class: "form-actions" }, form.submit, form.cancel),
    ),
    h(
      "div",
      { class: "table-wrap" },
      h(
        "table",
        { id: "bots-table" },
        h(
          "thead",
          {},
          h(
            "tr",
            {},
            ["Bot", "Strategy", "Ticker", "Status", "Position", "Last price", "PnL", "Equity", ""].map((title) =>
              h("th", { scope: "col" }, title),
            ),
          ),
        ),
        tbody,
      ),
    ),
    empty,
  );
  update();
  return { element, update, watches: ["bots", "orders", "pnl", "prices"] };
}
