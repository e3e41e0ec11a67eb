// Trading models (seed 004): one card per model with a live badge, its portfolio's P/L, value, return, win rate,
// trade count and an equity sparkline, all kept current by pushed events; start and stop; a form to create one with
// its policy's parameters generated from the policy's schema. Toasts for trades, completions and errors come from
// app.js.
import { api } from "../api.js";
import { sparkline } from "../chart.js";
import { formatNumber, formatSigned, h, setText, trend } from "../ui.js";

// Plain symbols rather than emoji, so they render with the fonts of any machine.
export const EVENT_ICONS = {
  connected: "⇄", status: "ℹ", trade: "⇅", session_complete: "✓", complete: "⚑", error: "⚠",
};

export function eventIcon(event) {
  if (event.type !== "trade") return EVENT_ICONS[event.type] ?? "•";
  return { buy: "▲", sell: "▼", hold: "■" }[String(event.data?.action).toLowerCase()] ?? EVENT_ICONS.trade;
}

export function describeModelEvent(event) {
  const data = event.data ?? {};
  if (event.type === "trade") {
    const action = String(data.action ?? "").toUpperCase();
    const fill = data.fill ? ` · filled ${data.fill.quantity} @ ${data.fill.price}` : data.refused ? ` · refused: ${data.refused}` : "";
    return `${action} ${data.ticker ?? ""} ${data.message ?? data.reasoning ?? ""}${fill}`.trim();
  }
  return data.message ?? data.reason ?? event.type;
}

/** The bot holding a model's portfolio, as the dashboard knows it: its id from the model, or the bot made for it. */
export function portfolioOf(state, entry) {
  const id = entry.model.bot_id ?? [...state.bots.values()].find((e) => e.bot.config?.model_id === entry.model.id)?.bot.id;
  const bot = id != null ? state.bots.get(id) : null;
  return { botId: id ?? null, pnl: bot?.pnl ?? entry.pnl ?? null, sparkline: bot?.sparkline ?? [] };
}

// Model settings every policy shares (the policy's own parameters come from its schema).
const COMMON = [
  ["quantity", "Position size", { type: "number", default: 1, minimum: 0 }],
  ["max_decisions", "Decisions per session", { type: "integer", default: 20, minimum: 1, maximum: 10000 }],
  ["decision_interval_ms", "Decision interval (ms)", { type: "integer", default: 1000, minimum: 100 }],
  ["max_position", "Max position", { type: "number", minimum: 0 }],
  ["max_order_size", "Max order size", { type: "number", minimum: 0 }],
  ["max_daily_loss", "Max daily loss", { type: "number", minimum: 0 }],
];

export function modelsPage({ state, toast, loadModels }) {
  const cards = h("div", { class: "model-cards", id: "model-cards" });
  const empty = h("p", { class: "muted", hidden: true }, "No models yet: create one above.");
  let policies = [];
  const form = {
    name: h("input", { id: "model-name", required: true, maxlength: 100, placeholder: "Momentum agent" }),
    ticker: h("input", { id: "model-ticker", required: true, value: "BTC/USDT" }),
    policy: h("select", { id: "model-policy", onchange: () => showParams() }),
    market: h("select", { id: "model-market" },
      h("option", { value: "spot" }, "spot (a sell goes flat)"), h("option", { value: "margin" }, "margin (a sell goes short)")),
    params: h("div", { class: "form-grid", id: "model-params" }),
  };

  api("/api/v1/policies")
    .then((list) => {
      policies = list.data;
      form.policy.replaceChildren(...policies.map((p) => h("option", { value: p.name, title: p.description }, p.name)));
      form.policy.value = policies.some((p) => p.name === "rule_based") ? "rule_based" : policies[0]?.name ?? "";
      showParams();
    })
    .catch((error) => toast.error(error.message));

  /** The policy's parameters (its schema) and the settings every model has. */
  function showParams() {
    const properties = policies.find((p) => p.name === form.policy.value)?.parameters?.properties ?? {};
    const field = (name, title, schema) => h(
      "label", {}, h("span", {}, title),
      h("input", {
        name, id: `model-param-${name}`, "aria-label": name, type: "number", title: schema.description ?? title,
        value: schema.default === undefined ? "" : String(schema.default), min: schema.minimum, max: schema.maximum,
        step: schema.type === "integer" ? "1" : "any",
      }),
    );
    form.params.replaceChildren(
      ...Object.entries(properties).filter(([, schema]) => schema.type !== "boolean").map(([name, schema]) => field(name, name, schema)),
      ...COMMON.map(([name, title, schema]) => field(name, title, schema)),
    );
  }

  async function create(event) {
    event.preventDefault();
    const config = { ticker: form.ticker.value.trim(), market: form.market.value };
    for (const input of form.params.querySelectorAll("input")) {
      if (input.value !== "") config[input.name] = Number(input.value);
    }
    try {
      const model = await api("/api/v1/models", {
        method: "POST", body: { name: form.name.value.trim(), policy: form.policy.value, config },
      });
      form.name.value = "";
      await loadModels();
      location.hash = `#/models/${model.id}`;
    } catch (error) {
      toast.error(error.message);
    }
  }

  const rendered = new Map(); // model id -> card parts
  function card(entry) {
    const id = entry.model.id;
    const parts = {
      badge: h("span", { class: "badge model-live" }),
      figures: {},
      trend: sparkline(`equity of model ${id}`),
      button: h("button", { class: "small" }),
    };
    const dl = h("dl", { class: "model-figures" },
      ...["P/L", "Value", "Return", "Win rate", "Trades"].map((name) => {
        parts.figures[name] = h("dd", { dataset: { stat: name } }, "–");
        return h("div", {}, h("dt", {}, name), parts.figures[name]);
      }));
    parts.button.addEventListener("click", () => session(id, state.models.get(id)?.running ? "stop" : "start"));
    parts.element = h(
      "article", { class: "card model-card", dataset: { modelId: id } },
      h("header", {}, h("a", { href: `#/models/${id}`, class: "model-name" }, entry.model.name), parts.badge),
      h("p", { class: "muted" }, `${entry.model.policy} · ${entry.model.config?.ticker ?? "default ticker"}`),
      dl, parts.trend.element,
      h("div", { class: "form-actions" }, parts.button, h("a", { href: `#/models/${id}`, class: "small" }, "Open")),
    );
    return parts;
  }

  async function session(id, action) {
    try {
      await api(`/api/v1/models/${id}/${action}`, { method: "POST" });
      const entry = state.models.get(id);
      if (entry) entry.running = action === "start";
      update();
    } catch (error) {
      toast.error(error.message);
    }
  }

  loadModels().catch((error) => toast.error(error.message));

  function update() {
    const models = [...state.models.values()].sort((a, b) => a.model.id - b.model.id);
    for (const [id, parts] of rendered) {
      if (!state.models.has(id)) {
        parts.element.remove();
        rendered.delete(id);
      }
    }
    for (const entry of models) {
      let parts = rendered.get(entry.model.id);
      if (!parts) {
        parts = card(entry);
        rendered.set(entry.model.id, parts);
        cards.append(parts.element);
      }
      renderCard(entry, parts);
    }
    empty.hidden = models.length > 0;
  }

  function renderCard(entry, parts) {
    const { pnl, sparkline: points } = portfolioOf(state, entry);
    setText(parts.badge, entry.running ? "live" : "idle");
    parts.badge.className = `badge model-live ${entry.running ? "live" : ""}`;
    setText(parts.button, entry.running ? "Stop" : "Start");
    parts.button.className = entry.running ? "small" : "small primary";
    const figures = parts.figures;
    setText(figures["P/L"], pnl ? formatSigned(pnl.total_pnl) : "–");
    figures["P/L"].className = pnl ? trend(pnl.total_pnl) : "";
    setText(figures.Value, pnl?.equity == null ? "–" : formatNumber(pnl.equity));
    setText(figures.Return, pnl?.return_pct == null ? "–" : `${formatSigned(pnl.return_pct)}%`);
    figures.Return.className = pnl?.return_pct == null ? "" : trend(pnl.return_pct);
    setText(figures["Win rate"], pnl?.win_rate_pct == null ? "–" : `${formatNumber(pnl.win_rate_pct, 0)}%`);
    setText(figures.Trades, String(pnl?.trade_count ?? 0));
    parts.trend.draw(points);
  }

  const element = h(
    "section",
    { class: "page", id: "models-page" },
    h("h1", {}, "Trading models"),
    h(
      "details", { class: "card new-bot", id: "new-model" }, h("summary", {}, "New model"),
      h(
        "form", { class: "bot-form", onsubmit: create },
        h("label", {}, "Name", form.name), h("label", {}, "Ticker", form.ticker), h("label", {}, "Policy", form.policy),
        h("label", {}, "Market", form.market), h("div", { class: "wide" }, form.params),
        h("div", { class: "form-actions" }, h("button", { type: "submit", class: "primary", id: "model-submit" }, "Create model")),
      ),
    ),
    cards,
    empty,
  );
  update();
  return { element, update, watches: ["models", "bots", "pnl"] };
}
