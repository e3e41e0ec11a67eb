// The intraday cycle's latest snapshot: the strongest BUY and SELL signals with confidence bars.
import { api } from "../api.js";
import { formatPrice, formatTime, h, setText } from "../ui.js";

export function intradayPage({ state, toast }) {
  const buys = h("ol", { class: "signals buy", id: "intraday-buy" });
  const sells = h("ol", { class: "signals sell", id: "intraday-sell" });
  const caption = h("p", { class: "muted" }, "Waiting for the first cycle…");

  if (!state.intraday) {
    api("/api/v1/intraday?limit=120")
      .then((body) => {
        if (body.snapshot && !state.intraday) {
          state.intraday = { ...body.snapshot, event_id: body.event_id };
          update();
        }
      })
      .catch((error) => toast.error(error.message));
  }

  function signal(item) {
    const bar = h("span", { class: "bar" });
    bar.style.width = `${Math.round(item.confidence * 100)}%`; // CSSOM, allowed by the content security policy
    return h(
      "li",
      { dataset: { ticker: item.ticker } },
      h("span", { class: "ticker" }, item.ticker),
      h("span", { class: "num" }, formatPrice(item.price)),
      h("span", { class: "confidence", title: `confidence ${item.confidence}` }, bar),
      h("span", { class: "num" }, `${Math.round(item.confidence * 100)}%`),
    );
  }

  function update() {
    const snapshot = state.intraday;
    if (!snapshot) return;
    const signals = (snapshot.signals ?? []).slice(0, 120);
    buys.replaceChildren(...signals.filter((s) => s.action === "BUY").slice(0, 20).map(signal));
    sells.replaceChildren(...signals.filter((s) => s.action === "SELL").slice(0, 20).map(signal));
    const at = snapshot.generated_at ?? snapshot.timestamp;
    setText(caption, `${snapshot.buy ?? 0} buy and ${snapshot.sell ?? 0} sell signals` + (at ? ` · cycle at ${formatTime(at)}` : ""));
  }

  const element = h(
    "section",
    { class: "page", id: "intraday-page" },
    h("h1", {}, "Intraday signals"),
    caption,
    h(
      "div",
      { class: "columns" },
      h("div", { class: "card" }, h("h2", { class: "up" }, "Top BUY"), buys),
      h("div", { class: "card" }, h("h2", { class: "down" }, "Top SELL"), sells),
    ),
  );
  update();
  return { element, update, watches: ["intraday"] };
}
