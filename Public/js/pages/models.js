// Trading models (seed 004): which are running (a pulsing dot), start and stop sessions, and each model's live
// session events with an icon per type. Toasts for trades, completions and errors come from app.js.
import { api } from "../api.js";
import { formatTime, h, setText } from "../ui.js";

// Plain symbols rather than emoji, so they render with the fonts of any machine.
export const EVENT_ICONS = {
  connected: "⇄", status: "ℹ", trade: "⇅", session_complete: "✓", complete: "⚑", error: "⚠",
};

function icon(event) {
  if (event.type !== "trade") return EVENT_ICONS[event.type] ?? "•";
  return { buy: "▲", sell: "▼", hold: "■" }[String(event.data?.action).toLowerCase()] ?? EVENT_ICONS.trade;
}

export function describeModelEvent(event) {
  const data = event.data ?? {};
  if (event.type === "trade") {
    const action = String(data.action ?? "").toUpperCase();
    return `${action} ${data.ticker ?? ""} ${data.message ?? data.reasoning ?? ""}`.trim();
  }
  return data.message ?? data.reason ?? event.type;
}

export function modelsPage({ state, toast, selectedId, loadModels }) {
  const list = h("ul", { class: "model-list", id: "model-list" });
  const feed = h("ol", { class: "feed model-feed", id: "model-feed" });
  const feedTitle = h("h2", {}, "Select a model");
  const controls = h("div", { class: "form-actions" });
  const name = h("input", { id: "model-name", required: true, maxlength: 100, placeholder: "Momentum agent" });
  const ticker = h("input", { id: "model-ticker", required: true, value: "BTC/USDT" });

  async function create(event) {
    event.preventDefault();
    try {
      const model = await api("/api/v1/models", {
        method: "POST",
        body: { name: name.value.trim(), policy: "rule_based", config: { ticker: ticker.value.trim() } },
      });
      name.value = "";
      await loadModels();
      location.hash = `#/models/${model.id}`;
    } catch (error) {
      toast.error(error.message);
    }
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

  // Models created elsewhere (another tab, the API) since the page loaded, then the selected model's history.
  loadModels()
    .then(() => selectedId && state.models.has(selectedId) ? api(`/api/v1/models/${selectedId}/events?limit=100`) : null)
    .then((body) => {
      for (const event of body?.data ?? []) state.applyModelEvent(selectedId, event);
      update();
    })
    .catch((error) => toast.error(error.message));

  let renderedList = null;
  function update() {
    const models = [...state.models.values()].sort((a, b) => a.model.id - b.model.id);
    // The list (with its buttons) is rebuilt only when a model or its running state changes, not per event.
    const key = models.map(({ model, running }) => `${model.id}:${model.name}:${running}`).join(",");
    if (key !== renderedList) {
      renderedList = key;
      renderList(models);
    }
    renderFeed();
  }

  function renderList(models) {
    list.replaceChildren(
      ...models.map(({ model, running }) =>
        h(
          "li",
          { class: model.id === selectedId ? "selected" : "", dataset: { modelId: model.id } },
          h("span", { class: running ? "dot live" : "dot", title: running ? "running" : "idle" }),
          h("a", { href: `#/models/${model.id}` }, model.name),
          h("span", { class: "muted" }, model.config?.ticker ?? ""),
          running
            ? h("button", { class: "small", onclick: () => session(model.id, "stop") }, "Stop")
            : h("button", { class: "small primary", onclick: () => session(model.id, "start") }, "Start"),
        ),
      ),
    );
  }

  function renderFeed() {
    const selected = selectedId && state.models.get(selectedId);
    if (!selected) return;
    setText(feedTitle, `${selected.model.name}: session events`);
    const events = state.modelEvents.get(selectedId)?.items ?? [];
    feed.replaceChildren(
      ...[...events].reverse().map((event) =>
        h(
          "li",
          { class: `model-event type-${event.type}`, dataset: { eventId: event.id, type: event.type } },
          h("span", { class: "icon", "aria-hidden": "true" }, icon(event)),
          h("time", {}, formatTime(event.timestamp)),
          h("span", { class: "type" }, event.type),
          h("span", { class: "message" }, describeModelEvent(event)),
        ),
      ),
    );
  }

  const element = h(
    "section",
    { class: "page", id: "models-page" },
    h("h1", {}, "Trading models"),
    h(
      "form",
      { class: "card inline-form", onsubmit: create },
      h("label", {}, "Name", name),
      h("label", {}, "Ticker", ticker),
      h("button", { type: "submit", class: "primary" }, "Create model"),
    ),
    h(
      "div",
      { class: "columns" },
      h("div", { class: "card" }, h("h2", {}, "Models"), list),
      h("div", { class: "card" }, feedTitle, controls, feed),
    ),
  );
  update();
  return { element, update, watches: ["models"] };
}
