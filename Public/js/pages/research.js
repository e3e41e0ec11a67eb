// Research: upload an OHLCV CSV or pick a dataset, pick a strategy and fill the form its parameter schema generates,
// run a backtest and watch its progress pushed on the `backtests` topic; then the statistics, the price with the
// trades' entries and exits on it, the equity curve with the drawdown under it, the sortable trade list, the run's
// configuration, and the earlier runs (cached ones marked), two of which can be compared side by side.
import { api, APIError } from "../api.js";
import { lineChart } from "../chart.js";
import { formatNumber, h, setText } from "../ui.js";

const HEADLINE = [
  ["return_pct", "Return %"], ["buy_and_hold_return_pct", "Buy & hold %"], ["sharpe_ratio", "Sharpe"],
  ["sortino_ratio", "Sortino"], ["max_drawdown_pct", "Max drawdown %"], ["trade_count", "Trades"],
  ["win_rate_pct", "Win rate %"], ["profit_factor", "Profit factor"], ["equity_final", "Final equity"],
  ["sqn", "SQN"],
];

const TITLES = new Map(HEADLINE);
// Higher is better for every headline statistic (drawdowns are negative) except the trade count, which is neither.
const NEUTRAL = new Set(["trade_count"]);
// [field, title, kind]
const TRADE_COLUMNS = [
  ["size", "Size", "int"], ["entry_time", "Entered", "time"], ["exit_time", "Exited", "time"],
  ["entry_price", "Entry", "num"], ["exit_price", "Exit", "num"], ["pnl", "PnL", "num"],
  ["return_pct", "Return %", "num"], ["duration_days", "Days", "num"], ["commission", "Commission", "num"],
];

/** A statistic: numbers formatted, text (dates, durations) as it is. */
function formatStat(value) {
  return typeof value === "number" || value === null || value === undefined ? formatNumber(value) : String(value);
}

const STAGE = { queued: 0, running: 1, completed: 2, failed: 2, cancelled: 2 };

export function researchPage({ state, toast }) {
  const datasetSelect = h("select", { id: "research-dataset", "aria-label": "Dataset" });
  const strategySelect = h("select", { id: "research-strategy", "aria-label": "Strategy" });
  const fields = h("div", { class: "form-grid", id: "research-params" });
  const fileInput = h("input", { type: "file", accept: ".csv,text/csv", id: "research-file" });
  const tickerInput = h("input", { type: "text", id: "research-ticker", placeholder: "Ticker", value: "GOOG" });
  const cashInput = h("input", { type: "number", id: "research-cash", value: "10000", min: "1", step: "any" });
  const commissionInput = h("input", { type: "number", id: "research-commission", value: "0.002", min: "0", step: "any" });
  const progress = h("progress", { id: "research-progress", max: "1", value: "0" });
  // The recorded market (the engine's tickers, prices bots report) as datasets: a snapshot of its daily candles.
  const marketSelect = h("select", { id: "research-market", "aria-label": "Recorded market" });
  const status = h("p", { class: "muted", id: "research-status" }, "Pick a dataset and a strategy.");
  const stats = h("table", { class: "stat-table", id: "research-stats" });
  const priceChart = lineChart("Price");
  const priceNote = h("p", { class: "muted", id: "research-price-note" }, "");
  const equity = lineChart("Equity");
  const drawdown = lineChart("Drawdown");
  const trades = h("tbody", { id: "research-trades" });
  const tradesNote = h("p", { class: "muted", id: "research-trades-note" }, "");
  const config = h("pre", { class: "config", id: "research-config" }, "");
  const compareStats = h("table", { class: "stat-table", id: "research-compare" });
  const compareChart = lineChart("Equity compared", { sharedScale: true });
  const compareNote = h("p", { class: "muted", id: "research-compare-note" }, "Tick two runs in the list to compare them.");
  const comparing = []; // up to two run ids, the older pick first
  let tradeOrder = { key: "entry_time", direction: 1 };
  const runs = h("tbody", { id: "research-runs" });
  const sweepAxes = h("div", { class: "form-grid", id: "research-sweep-axes" });
  const maximizeSelect = h(
    "select", { id: "research-maximize", "aria-label": "Maximize" },
    ...["sharpe_ratio", "return_pct", "sqn", "sortino_ratio", "calmar_ratio", "win_rate_pct"].map((key) =>
      h("option", { value: key }, key)),
  );
  const heatmap = h("table", { class: "heatmap", id: "research-heatmap" });
  const sweepStatus = h("p", { class: "muted", id: "research-sweep-status" }, "");
  let sweep = null; // the sweep on show
  let strategies = [];
  let current = null; // the run on show: {id, status, progress, cached, result?}

  function parameterField(name, schema) {
    const attributes = { name, id: `param-${name}`, "aria-label": name, title: schema.description ?? "" };
    let input;
    if (schema.type === "boolean") {
      input = h("input", { ...attributes, type: "checkbox", checked: schema.default ? true : undefined });
    } else {
      input = h("input", {
        ...attributes, type: "number", value: String(schema.default ?? ""), min: schema.minimum, max: schema.maximum,
        step: schema.type === "integer" ? "1" : "any",
      });
    }
    return h("label", {}, h("span", {}, name), input);
  }

  function showForm() {
    const strategy = strategies.find((s) => s.name === strategySelect.value);
    const properties = strategy?.parameters?.properties ?? {};
    fields.replaceChildren(...Object.entries(properties).map(([name, schema]) => parameterField(name, schema)));
    // A sweep over the first two numeric parameters: "from, to, step" each.
    const numeric = Object.entries(properties).filter(([, schema]) => schema.type !== "boolean").slice(0, 2);
    sweepAxes.replaceChildren(
      ...numeric.map(([name, schema]) => {
        const start = Number(schema.default ?? schema.minimum ?? 1);
        const step = schema.type === "integer" ? Math.max(1, Math.round(start / 2)) : start / 2;
        return h(
          "label", {}, h("span", {}, `${name}: from, to, step`),
          h("input", {
            type: "text", id: `sweep-${name}`, name, value: `${start}, ${start + 4 * step}, ${step}`,
            "aria-label": `${name} range`,
          }),
        );
      }),
    );
  }

  function grid() {
    const axes = {};
    for (const input of sweepAxes.querySelectorAll("input")) {
      const [from, to, step] = input.value.split(",").map(Number);
      const values = [];
      for (let v = from; v <= to + 1e-9 && values.length < 100; v += step > 0 ? step : Infinity) values.push(Number(v.toFixed(6)));
      axes[input.name] = values;
    }
    return axes;
  }

  async function runSweep() {
    try {
      const job = await api("/api/v1/sweeps", {
        method: "POST",
        body: {
          dataset_id: Number(datasetSelect.value), strategy: strategySelect.value, params: params(), grid: grid(),
          maximize: maximizeSelect.value, cash: Number(cashInput.value), commission: Number(commissionInput.value),
          exclusive_orders: true,
        },
      });
      sweep = job.status === "completed" && job.result ? job : { ...job };
      renderSweep();
    } catch (error) {
      toast.error(error instanceof APIError ? error.message : String(error));
    }
  }

  async function refreshSweep() {
    if (!sweep) return;
    const latest = state.backtests.get(sweep.id);
    if (!latest || sweep.result) return;
    if (latest.status === "completed") sweep = await api(`/api/v1/sweeps/${sweep.id}`);
    else sweep = { ...sweep, ...latest };
    renderSweep();
  }

  function renderSweep() {
    if (!sweep) return;
    setText(sweepStatus, `Sweep ${sweep.id}: ${sweep.cached ? `${sweep.status} (cached)` : sweep.status} · ` +
      `${Math.round((sweep.progress ?? 0) * 100)}%`);
    sweepStatus.dataset.status = sweep.status ?? "";
    const map = sweep.result?.heatmap;
    if (!map || !map.cells) return heatmap.replaceChildren();
    const scores = map.cells.flat().filter((v) => v !== null);
    const low = Math.min(...scores);
    const high = Math.max(...scores);
    heatmap.replaceChildren(
      h("tr", {}, h("th", {}, `${map.rows} ↓ ${map.columns} →`), ...map.column_values.map((c) => h("th", {}, String(c)))),
      ...map.cells.map((row, r) =>
        h(
          "tr", {},
          h("th", {}, String(map.row_values[r])),
          ...row.map((value, c) => {
            const cell = h(
              "td",
              {
                class: "num", dataset: { row: String(map.row_values[r]), column: String(map.column_values[c]) },
                title: "Use these parameters",
                onclick: () => {
                  const rowInput = fields.querySelector(`input[name="${map.rows}"]`);
                  const columnInput = fields.querySelector(`input[name="${map.columns}"]`);
                  if (rowInput) rowInput.value = String(map.row_values[r]);
                  if (columnInput) columnInput.value = String(map.column_values[c]);
                },
              },
              value === null ? "–" : formatNumber(value),
            );
            if (value !== null && high > low) {
              const t = (value - low) / (high - low);
              cell.style.backgroundColor = `rgba(${Math.round(220 * (1 - t))}, ${Math.round(180 * t)}, 90, 0.45)`;
            }
            return cell;
          }),
        ),
      ),
    );
  }

  function params() {
    const values = {};
    for (const input of fields.querySelectorAll("input")) {
      values[input.name] = input.type === "checkbox" ? input.checked : Number(input.value);
    }
    return values;
  }

  async function loadDatasets(select) {
    const list = await api("/api/v1/datasets");
    datasetSelect.replaceChildren(
      ...list.data.map((d) => h("option", { value: String(d.id) }, `${d.name} · ${d.ticker} · ${d.bar_count} bars`)),
    );
    if (select) datasetSelect.value = String(select);
  }

  async function loadRuns() {
    const list = await api("/api/v1/backtests?limit=50");
    for (const run of list.data) if (!state.backtests.has(run.id)) state.backtests.set(run.id, run);
    update();
  }

  async function loadMarket() {
    const list = await api("/api/v1/datasets/market?interval=1d");
    marketSelect.replaceChildren(
      ...list.data.map((m) => h(
        "option", { value: JSON.stringify([m.ticker, m.exchange]) }, `${m.exchange} · ${m.ticker} · ${m.bar_count} days`)),
    );
  }

  async function snapshotMarket() {
    if (!marketSelect.value) return toast.error("No recorded market yet.");
    const [ticker, exchange] = JSON.parse(marketSelect.value);
    try {
      const query = new URLSearchParams({ ticker, exchange, interval: "1d" });
      const dataset = await api(`/api/v1/datasets/market?${query}`, { method: "POST" });
      toast.show(`Stored ${dataset.bar_count} daily bars of ${ticker}`, "dataset");
      await loadDatasets(dataset.id);
    } catch (error) {
      toast.error(error.message);
    }
  }

  async function upload() {
    const file = fileInput.files?.[0];
    if (!file) return toast.error("Choose a CSV file first.");
    const name = encodeURIComponent(file.name.replace(/\.csv$/i, ""));
    const ticker = encodeURIComponent(tickerInput.value || "DATA");
    const response = await fetch(`/api/v1/datasets?name=${name}&ticker=${ticker}`, {
      method: "POST", credentials: "same-origin", headers: { "Content-Type": "text/csv" }, body: await file.text(),
    });
    const body = await response.json();
    if (!response.ok) return toast.error(body.error?.message ?? "upload failed");
    toast.show(`Stored ${body.bar_count} bars of ${body.ticker}`, "dataset");
    await loadDatasets(body.id);
  }

  async function run() {
    try {
      const job = await api("/api/v1/backtests", {
        method: "POST",
        body: {
          dataset_id: Number(datasetSelect.value), strategy: strategySelect.value, params: params(),
          cash: Number(cashInput.value), commission: Number(commissionInput.value), exclusive_orders: true,
        },
      });
      await show(job.id, job);
    } catch (error) {
      toast.error(error instanceof APIError ? error.message : String(error));
    }
  }

  /** The run `id`, as known (the POST's answer) or as its latest pushed event tells it, whichever is further on. */
  async function show(id, known) {
    let run = known ?? state.backtests.get(id) ?? { id };
    const latest = state.backtests.get(id);
    if (latest && STAGE[latest.status] > STAGE[run.status]) run = { ...run, ...latest };
    if (run.status === "completed" && !run.result) run = await api(`/api/v1/backtests/${id}`);
    current = run;
    renderCurrent();
  }

  /** The run's strategy and parameters as a paper bot (stopped; start it from the Bots page). */
  async function runAsBot() {
    if (!current?.request) return;
    const dataset = [...datasetSelect.options].find((o) => Number(o.value) === current.request.dataset_id);
    const ticker = dataset?.textContent.split(" · ")[1] ?? "BTC/USDT";
    try {
      const bot = await api("/api/v1/bots", {
        method: "POST",
        body: {
          name: `${current.request.strategy} from run ${current.id}`, ticker, exchange: "paper",
          strategy: current.request.strategy, config: current.request.params ?? {},
        },
      });
      toast.show(`Created bot ${bot.name}`, "bot");
      location.hash = `#/bots/${bot.id}`;
    } catch (error) {
      toast.error(error.message);
    }
  }

  function renderCurrent() {
    if (!current) return;
    progress.value = current.progress ?? 0;
    const label = current.cached ? `${current.status} (cached)` : current.status;
    setText(status, `Run ${current.id}: ${label}` + (current.error ? ` – ${current.error}` : ""));
    status.dataset.status = current.status ?? "";
    setText(config, current.request ? JSON.stringify(current.request, null, 2) : "");
    const result = current.result;
    if (!result) return;
    stats.replaceChildren(...statRows(result.stats ?? {}));
    const points = result.equity ?? [];
    equity.draw([{ label: "Equity", points: points.map((p) => ({ t: Date.parse(p.time), v: p.equity })) }]);
    drawdown.draw([{ label: "Drawdown %", points: points.map((p) => ({ t: Date.parse(p.time), v: -p.drawdown_pct })) }]);
    renderTrades();
    drawPrice(current).catch((error) => setText(priceNote, error.message));
  }

  /** Every statistic, the headline ones first. */
  function statRows(values) {
    const keys = [...HEADLINE.map(([key]) => key), ...Object.keys(values).filter((k) => !TITLES.has(k)).sort()];
    return keys.map((key) =>
      h("tr", { dataset: { key } }, h("th", {}, TITLES.get(key) ?? key), h("td", { class: "num" }, formatStat(values[key]))),
    );
  }

  /** The dataset's closes over the run's range, with each trade's entry (▲ long, ▼ short) and exit (●). */
  async function drawPrice(run) {
    const request = run.request;
    if (!request) return;
    const query = new URLSearchParams({ points: "800" });
    if (request.from) query.set("from", request.from);
    if (request.to) query.set("to", request.to);
    let bars;
    try {
      bars = await api(`/api/v1/datasets/${request.dataset_id}/bars?${query}`);
    } catch (error) {
      priceChart.draw([]);
      return setText(priceNote, error instanceof APIError && error.status === 404 ? "The dataset was deleted." : error.message);
    }
    if (current?.id !== run.id) return;
    const tradeList = run.result?.trades ?? [];
    const markers = [];
    for (const trade of tradeList.slice(0, 500)) {
      const side = trade.size < 0 ? "short" : "long";
      markers.push({
        t: Date.parse(trade.entry_time), v: trade.entry_price, kind: `entry-${side}`,
        title: `${side} ${Math.abs(trade.size)} @ ${formatNumber(trade.entry_price)}`,
      });
      markers.push({
        t: Date.parse(trade.exit_time), v: trade.exit_price, kind: "exit",
        title: `exit @ ${formatNumber(trade.exit_price)} · PnL ${formatNumber(trade.pnl)}`,
      });
    }
    priceChart.draw([{ label: "Close", points: bars.times.map((t, i) => ({ t, v: bars.close[i] })) }], markers);
    setText(priceNote, tradeList.length > 500 ? `The first 500 of ${tradeList.length} trades are marked.` : "");
  }

  function renderTrades() {
    const list = [...(current?.result?.trades ?? [])];
    const { key, direction } = tradeOrder;
    list.sort((a, b) => {
      const x = a[key];
      const y = b[key];
      return (typeof x === "string" ? String(x).localeCompare(String(y)) : (x ?? -Infinity) - (y ?? -Infinity)) * direction;
    });
    for (const th of tradeHead.querySelectorAll("th")) {
      th.dataset.order = th.dataset.key === key ? (direction > 0 ? "asc" : "desc") : "";
    }
    trades.replaceChildren(
      ...list.slice(0, 500).map((trade) =>
        h(
          "tr", {},
          ...TRADE_COLUMNS.map(([field, , kind]) =>
            h("td", { class: kind === "time" ? "" : "num" },
              kind === "time" ? String(trade[field] ?? "").slice(0, 16).replace("T", " ") : formatNumber(trade[field], kind === "int" ? 0 : 2))),
        ),
      ),
    );
    setText(tradesNote, list.length > 500 ? `${list.length} trades; the first 500 in this order are listed.` : `${list.length} trades.`);
  }

  function sortTrades(key) {
    tradeOrder = { key, direction: tradeOrder.key === key ? -tradeOrder.direction : 1 };
    renderTrades();
  }

  const tradeHead = h(
    "tr", {},
    ...TRADE_COLUMNS.map(([key, title]) =>
      h("th", { class: "sortable", dataset: { key }, title: "Sort", onclick: () => sortTrades(key) }, title)),
  );

  function toggleCompare(id, on) {
    const at = comparing.indexOf(id);
    if (on && at < 0) comparing.push(id);
    if (!on && at >= 0) comparing.splice(at, 1);
    while (comparing.length > 2) comparing.shift();
    for (const box of runs.querySelectorAll("input[type=checkbox]")) box.checked = comparing.includes(Number(box.value));
    renderCompare().catch((error) => toast.error(error.message));
  }

  /** Two runs' statistics side by side (the better value of each marked) and their equity on one scale. */
  async function renderCompare() {
    if (comparing.length < 2) {
      compareStats.replaceChildren();
      compareChart.draw([]);
      return setText(compareNote, "Tick two runs in the list to compare them.");
    }
    const pair = await Promise.all(comparing.map((id) => api(`/api/v1/backtests/${id}`)));
    if (pair.some((run) => !run.result)) return setText(compareNote, "Both runs must be completed.");
    setText(compareNote, pair.map((run) => `Run ${run.id}: ${run.request.strategy} ${JSON.stringify(run.request.params ?? {})}`).join(" · "));
    const [a, b] = pair.map((run) => run.result.stats ?? {});
    compareStats.replaceChildren(
      h("tr", {}, h("th", {}, ""), ...pair.map((run) => h("th", { class: "num" }, `Run ${run.id}`))),
      ...HEADLINE.map(([key, title]) => {
        const better = (x, y) => !NEUTRAL.has(key) && typeof x === "number" && typeof y === "number" && x > y;
        return h(
          "tr", { dataset: { key } }, h("th", {}, title),
          h("td", { class: `num${better(a[key], b[key]) ? " better" : ""}` }, formatStat(a[key])),
          h("td", { class: `num${better(b[key], a[key]) ? " better" : ""}` }, formatStat(b[key])),
        );
      }),
    );
    compareChart.draw(pair.map((run) => ({
      label: `Run ${run.id}`, points: (run.result.equity ?? []).map((p) => ({ t: Date.parse(p.time), v: p.equity })),
    })));
  }

  function update() {
    refreshSweep().catch((error) => toast.error(error.message));
    const list = [...state.backtests.values()].sort((a, b) => b.id - a.id).slice(0, 50);
    runs.replaceChildren(
      ...list.map((run) =>
        h(
          "tr", { dataset: { id: String(run.id) }, onclick: () => show(run.id, run) },
          h("td", {}, h("input", {
            type: "checkbox", value: String(run.id), "aria-label": `Compare run ${run.id}`,
            checked: comparing.includes(run.id) ? true : undefined,
            onclick: (event) => {
              event.stopPropagation();
              toggleCompare(run.id, event.target.checked);
            },
          })),
          h("td", { class: "num" }, String(run.id)),
          h("td", {}, run.request?.strategy ?? ""),
          h("td", {}, JSON.stringify(run.request?.params ?? {})),
          h("td", { class: `status ${run.status}` }, run.cached ? `${run.status} · cached` : run.status),
          h("td", { class: "num" }, `${Math.round((run.progress ?? 0) * 100)}%`),
        ),
      ),
    );
    const latest = current && state.backtests.get(current.id);
    if (latest && (latest.status !== current.status || latest.progress !== current.progress)) {
      if (latest.status === "completed" && !current.result) {
        show(current.id, latest).catch((error) => toast.error(error.message));
      } else if (STAGE[latest.status] >= STAGE[current.status]) {
        current = { ...current, ...latest, result: current.result };
        renderCurrent();
      }
    }
  }

  strategySelect.addEventListener("change", showForm);
  api("/api/v1/strategies")
    .then((list) => {
      strategies = list.data;
      strategySelect.replaceChildren(...strategies.map((s) => h("option", { value: s.name, title: s.description }, s.name)));
      showForm();
    })
    .catch((error) => toast.error(error.message));
  loadDatasets().catch((error) => toast.error(error.message));
  loadMarket().catch((error) => toast.error(error.message));
  loadRuns().catch((error) => toast.error(error.message));

  const element = h(
    "section",
    { class: "page", id: "research-page" },
    h("h1", {}, "Research"),
    h(
      "div",
      { class: "columns" },
      h(
        "div",
        { class: "card" },
        h("h2", {}, "Data"),
        h("div", { class: "form-row" }, fileInput, tickerInput, h("button", { id: "research-upload", onclick: upload }, "Upload")),
        h("div", { class: "form-row" }, marketSelect,
          h("button", { id: "research-market-snapshot", onclick: snapshotMarket }, "Use recorded market")),
        h("label", {}, h("span", {}, "Dataset"), datasetSelect),
        h("h2", {}, "Strategy"),
        h("label", {}, h("span", {}, "Strategy"), strategySelect),
        fields,
        h("div", { class: "form-grid" }, h("label", {}, h("span", {}, "Cash"), cashInput),
          h("label", {}, h("span", {}, "Commission"), commissionInput)),
        h("button", { id: "research-run", class: "primary", onclick: run }, "Run backtest"),
        progress,
        status,
        h("button", { id: "research-as-bot", onclick: runAsBot }, "Run as a paper bot"),
      ),
      h("div", { class: "card" }, h("h2", {}, "Statistics"), stats, h("h2", {}, "Configuration"), config),
    ),
    h("div", { class: "card" }, h("h2", {}, "Price, entries and exits"), priceChart.element, priceNote),
    h("div", { class: "card" }, h("h2", {}, "Equity"), equity.element, h("h2", {}, "Drawdown"), drawdown.element),
    h(
      "div",
      { class: "card" },
      h("h2", {}, "Trades"),
      tradesNote,
      h("div", { class: "table-wrap" }, h("table", { id: "research-trade-table" }, h("thead", {}, tradeHead), trades)),
    ),
    h(
      "div",
      { class: "card" },
      h("h2", {}, "Sweep"),
      h("p", { class: "muted" }, "Every combination of the ranges below, ranked; click a cell to use its parameters."),
      sweepAxes,
      h("label", {}, h("span", {}, "Maximize"), maximizeSelect),
      h("button", { id: "research-sweep", onclick: runSweep }, "Run sweep"),
      sweepStatus,
      heatmap,
    ),
    h(
      "div",
      { class: "card" },
      h("h2", {}, "Runs"),
      h("table", { id: "research-run-list" },
        h("thead", {}, h("tr", {}, ...["Compare", "Run", "Strategy", "Parameters", "Status", "Progress"].map((t) => h("th", {}, t)))), runs),
    ),
    h("div", { class: "card", id: "research-compare-card" }, h("h2", {}, "Two runs side by side"), compareNote,
      compareStats, compareChart.element),
  );
  return { element, update, watches: ["backtests"] };
}
