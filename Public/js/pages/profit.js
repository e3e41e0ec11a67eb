// Profit: every bot of the user together, by day, week or month in the browser's time zone (bars), the cumulative
// profit line, the instruments ranked, and the totals. Read from /api/v1/profit, again when fills are pushed.
import { api } from "../api.js";
import { lineChart } from "../chart.js";
import { formatNumber, formatSigned, h, setText, svg, trend } from "../ui.js";

const WIDTH = 720;
const HEIGHT = 200;

export function profitPage({ state, toast }) {
  const zone = Intl.DateTimeFormat().resolvedOptions().timeZone || "UTC";
  const group = h(
    "select", { id: "profit-group", "aria-label": "Group by", onchange: () => load() },
    ...["day", "week", "month"].map((value) => h("option", { value }, value)),
  );
  const totals = {};
  const totalList = h(
    "dl", { class: "stats", id: "profit-totals" },
    ["Profit", "Profit %", "Trades", "Win rate", "Fees", "Open trades"].map((name) => {
      totals[name] = h("dd", { dataset: { stat: name } }, "–");
      return h("div", {}, h("dt", {}, name), totals[name]);
    }),
  );
  const bars = svg("svg", { viewBox: `0 0 ${WIDTH} ${HEIGHT}`, class: "chart bars", role: "img", "aria-label": "Profit by period", id: "profit-bars" });
  const cumulative = lineChart("Cumulative profit");
  const periods = h("tbody", { id: "profit-periods" });
  const instruments = h("tbody", { id: "profit-instruments" });
  const note = h("p", { class: "muted" }, `Periods in ${zone}, by each trade's close.`);

  async function load() {
    try {
      const summary = await api(`/api/v1/profit?group=${group.value}&tz=${encodeURIComponent(zone)}`);
      render(summary);
    } catch (error) {
      toast.error(error.message);
    }
  }

  function render(summary) {
    const t = summary.totals;
    setText(totals.Profit, formatSigned(t.profit));
    totals.Profit.className = trend(t.profit);
    setText(totals["Profit %"], `${formatSigned(t.profit_pct)}%`);
    setText(totals.Trades, String(t.trade_count));
    setText(totals["Win rate"], `${formatNumber(t.win_rate_pct, 1)}%`);
    setText(totals.Fees, formatNumber(t.fees));
    setText(totals["Open trades"], String(t.open_trade_count));
    drawBars(summary.periods);
    let running = 0;
    cumulative.draw([{
      label: "Cumulative profit",
      points: summary.periods.map((p, index) => ({ t: index, v: (running += p.profit) })),
    }]);
    periods.replaceChildren(
      ...[...summary.periods].reverse().map((p) =>
        h(
          "tr", { dataset: { period: p.period } },
          h("td", {}, p.period),
          h("td", { class: `num ${trend(p.profit)}` }, formatSigned(p.profit)),
          h("td", { class: "num" }, `${formatSigned(p.profit_pct)}%`),
          h("td", { class: "num" }, String(p.trade_count)),
          h("td", { class: "num" }, `${formatNumber(p.win_rate_pct, 1)}%`),
        ),
      ),
    );
    instruments.replaceChildren(
      ...summary.instruments.map((i) =>
        h(
          "tr", { dataset: { ticker: i.ticker } },
          h("td", {}, i.ticker), h("td", { class: "muted" }, i.exchange),
          h("td", { class: `num ${trend(i.profit)}` }, formatSigned(i.profit)),
          h("td", { class: "num" }, String(i.trade_count)),
          h("td", { class: "num" }, `${formatNumber(i.win_rate_pct, 1)}%`),
          h("td", { class: "num" }, `${formatSigned(i.average_return_pct)}%`),
        ),
      ),
    );
  }

  function drawBars(list) {
    bars.replaceChildren();
    if (list.length === 0) {
      bars.append(svg("text", { x: 8, y: 20, class: "label" }, "No closed trades yet"));
      return;
    }
    const high = Math.max(0, ...list.map((p) => p.profit));
    const low = Math.min(0, ...list.map((p) => p.profit));
    const span = high - low || 1;
    const y = (v) => 10 + (1 - (v - low) / span) * (HEIGHT - 30);
    const step = Math.min(WIDTH / list.length, 60);
    bars.append(svg("line", { x1: 0, x2: WIDTH, y1: y(0), y2: y(0), class: "axis-line" }));
    list.forEach((p, index) => {
      const top = Math.min(y(p.profit), y(0));
      const bar = svg("rect", {
        x: (index * step + step * 0.15).toFixed(1), y: top.toFixed(1), width: (step * 0.7).toFixed(1),
        height: Math.max(1, Math.abs(y(p.profit) - y(0))).toFixed(1), class: p.profit >= 0 ? "bar up" : "bar down",
      });
      bar.append(svg("title", {}, `${p.period}: ${formatSigned(p.profit)} (${p.trade_count} trades)`));
      bars.append(bar);
      if (list.length <= 31) {
        bars.append(svg("text", { x: (index * step + step / 2).toFixed(1), y: HEIGHT - 4, "text-anchor": "middle", class: "axis" }, p.period.length > 7 ? p.period.slice(5) : p.period));
      }
    });
  }

  // Fills change the trades: read the summary again, at most every two seconds.
  let due = null;
  let seenOrders = null;
  function update() {
    const key = [...state.bots.values()].map((e) => `${e.bot.id}:${e.pnl?.realized_pnl ?? 0}`).join(",");
    if (key === seenOrders) return;
    const first = seenOrders === null;
    seenOrders = key;
    if (first || due) return;
    due = setTimeout(() => {
      due = null;
      load();
    }, 2000);
  }

  load();
  const element = h(
    "section", { class: "page", id: "profit-page" },
    h("div", { class: "card-head" }, h("h1", {}, "Profit"), group),
    note,
    totalList,
    h("div", { class: "card" }, h("h2", {}, "By period"), bars, h("h2", {}, "Cumulative"), cumulative.element),
    h("div", { class: "columns" },
      h("div", { class: "card" }, h("h2", {}, "Periods"), h("div", { class: "table-wrap" }, h("table", { id: "profit-period-table" },
        h("thead", {}, h("tr", {}, h("th", {}, "Period"), ...["Profit", "Profit %", "Trades", "Win rate"].map((t) => h("th", { class: "num" }, t)))),
        periods))),
      h("div", { class: "card" }, h("h2", {}, "Instruments"), h("div", { class: "table-wrap" }, h("table", { id: "profit-instrument-table" },
        h("thead", {}, h("tr", {}, h("th", {}, "Ticker"), h("th", {}, "Exchange"), ...["Profit", "Trades", "Win rate", "Avg return"].map((t) => h("th", { class: "num" }, t)))),
        instruments))),
    ),
  );
  return { element, update, watches: ["pnl"] };
}
