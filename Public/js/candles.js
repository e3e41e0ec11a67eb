// A candlestick chart drawn as SVG: candles with their volume (prices counted) under them, a price axis, a time axis,
// trade markers, a crosshair that reads out the candle under the pointer, wheel to zoom and drag to pan.
import { formatPrice, svg } from "./ui.js";

const WIDTH = 720;
const HEIGHT = 300;
const AXIS = 58; // right-hand price labels
const VOLUME = 40; // volume band at the bottom
const TIME = 16; // time labels
const TOP = 8;

export function candleChart(title) {
  const element = svg("svg", { viewBox: `0 0 ${WIDTH} ${HEIGHT}`, class: "chart candles", role: "img", "aria-label": title });
  const grid = svg("g", { class: "grid" });
  const bodies = svg("g", { class: "bodies" });
  const volumes = svg("g", { class: "volumes" });
  const markerLayer = svg("g", { class: "markers" });
  const overlayLayer = svg("g", { class: "overlays" });
  const cross = svg("g", { class: "crosshair", visibility: "hidden" });
  const crossX = svg("line", { y1: TOP, y2: HEIGHT - TIME });
  const crossY = svg("line", { x1: 0, x2: WIDTH - AXIS });
  const readout = svg("text", { x: 6, y: 14, class: "readout" });
  cross.append(crossX, crossY);
  element.append(grid, volumes, bodies, overlayLayer, markerLayer, cross, readout);

  let candles = [];
  let markers = [];
  let overlays = { times: [], series: {} }; // the strategy's indicators: values aligned with `times` (candle starts)
  let view = null; // {from, to}: indices of the visible candles; null follows the newest
  const visibleDefault = 120;
  let layout = null;

  function range() {
    const count = candles.length;
    if (!view) return { from: Math.max(0, count - visibleDefault), to: count };
    return { from: Math.max(0, Math.min(view.from, count - 2)), to: Math.min(count, Math.max(view.to, 2)) };
  }

  function draw() {
    for (const layer of [grid, bodies, volumes, overlayLayer, markerLayer]) layer.replaceChildren();
    const { from, to } = range();
    const shown = candles.slice(from, to);
    if (shown.length === 0) {
      readout.textContent = "No candles yet";
      layout = null;
      return;
    }
    let low = Infinity;
    let high = -Infinity;
    let maxVolume = 0;
    for (const c of shown) {
      low = Math.min(low, c.low);
      high = Math.max(high, c.high);
      maxVolume = Math.max(maxVolume, c.volume);
    }
    const pad = (high - low) * 0.05 || Math.abs(high) * 0.001 || 1;
    low -= pad;
    high += pad;
    const plotWidth = WIDTH - AXIS;
    const priceBottom = HEIGHT - TIME - VOLUME;
    const step = plotWidth / Math.max(shown.length, 1);
    const x = (i) => (i + 0.5) * step;
    const y = (v) => TOP + (1 - (v - low) / (high - low)) * (priceBottom - TOP);
    layout = { from, shown, step, y, low, high, priceBottom };

    // Price axis: five labels and grid lines.
    for (let k = 0; k <= 4; k += 1) {
      const value = low + ((high - low) * k) / 4;
      grid.append(
        svg("line", { x1: 0, x2: plotWidth, y1: y(value).toFixed(1), y2: y(value).toFixed(1) }),
        svg("text", { x: WIDTH - 4, y: (y(value) + 4).toFixed(1), "text-anchor": "end", class: "axis" }, formatPrice(value)),
      );
    }
    // Time axis: the first, middle and last candle's time.
    for (const i of [0, Math.floor(shown.length / 2), shown.length - 1]) {
      const date = new Date(shown[i].start);
      grid.append(svg("text", {
        x: Math.min(Math.max(x(i), 30), plotWidth - 30).toFixed(1), y: HEIGHT - 3, "text-anchor": "middle", class: "axis",
      }, `${date.toISOString().slice(5, 10)} ${date.toISOString().slice(11, 16)}`));
    }
    const width = Math.max(1, step * 0.7);
    shown.forEach((c, i) => {
      const up = c.close >= c.open;
      const cls = up ? "candle up" : "candle down";
      const top = y(Math.max(c.open, c.close));
      const bottom = y(Math.min(c.open, c.close));
      const group = svg("g", { class: cls });
      group.append(
        svg("line", { x1: x(i).toFixed(1), x2: x(i).toFixed(1), y1: y(c.high).toFixed(1), y2: y(c.low).toFixed(1) }),
        svg("rect", {
          x: (x(i) - width / 2).toFixed(1), y: top.toFixed(1), width: width.toFixed(1), height: Math.max(1, bottom - top).toFixed(1),
        }),
      );
      bodies.append(group);
      if (maxVolume > 0) {
        const h = (c.volume / maxVolume) * (VOLUME - 4);
        volumes.append(svg("rect", {
          class: cls, x: (x(i) - width / 2).toFixed(1), y: (HEIGHT - TIME - h).toFixed(1), width: width.toFixed(1), height: h.toFixed(1),
        }));
      }
    });
    // Overlays: each indicator as a line through the candles it has a value for, on the price scale.
    const index = new Map(overlays.times.map((t, k) => [t, k]));
    Object.entries(overlays.series).sort().forEach(([label, values], n) => {
      let d = "";
      let pen = "M";
      shown.forEach((c, i) => {
        const v = values[index.get(c.start)];
        if (v == null || v < low || v > high) {
          pen = "M";
          return;
        }
        d += `${pen}${x(i).toFixed(1)},${y(v).toFixed(1)}`;
        pen = "L";
      });
      const line = svg("path", { d, class: `overlay overlay-${n % 3}`, "data-label": label });
      line.append(svg("title", {}, label));
      overlayLayer.append(line, svg("text", { x: 6, y: 30 + 13 * n, class: `overlay-label overlay-${n % 3}` }, label));
    });
    // Markers: at the candle holding their time.
    const firstStart = shown[0].start;
    const span = shown.length > 1 ? shown[1].start - shown[0].start : 60_000;
    for (const marker of markers) {
      const i = Math.floor((marker.t - firstStart) / span);
      if (i < 0 || i >= shown.length) continue;
      const cx = x(i);
      const cy = y(marker.v);
      const shape = marker.kind === "exit" || marker.kind === "hold"
        ? svg("circle", { cx: cx.toFixed(1), cy: cy.toFixed(1), r: marker.kind === "hold" ? "2.5" : "4" })
        : svg("path", {
          d: marker.kind === "entry-short"
            ? `M${(cx - 5).toFixed(1)},${(cy - 9).toFixed(1)}h10l-5,8z`
            : `M${(cx - 5).toFixed(1)},${(cy + 9).toFixed(1)}h10l-5,-8z`,
        });
      shape.setAttribute("class", `marker ${marker.kind}`);
      if (marker.title) shape.append(svg("title", {}, marker.title));
      markerLayer.append(shape);
    }
    if (!pointerInside) readout.textContent = describe(shown[shown.length - 1]);
  }

  function describe(c) {
    const date = new Date(c.start).toISOString().replace("T", " ").slice(0, 16);
    return `${date} UTC  O ${formatPrice(c.open)}  H ${formatPrice(c.high)}  L ${formatPrice(c.low)}  C ${formatPrice(c.close)}  n ${c.volume}`;
  }

  // Pointer: crosshair and readout; wheel zooms around the pointer; drag pans.
  let pointerInside = false;
  let drag = null;
  function plotX(event) {
    const box = element.getBoundingClientRect();
    return ((event.clientX - box.left) / box.width) * WIDTH;
  }
  element.addEventListener("pointermove", (event) => {
    pointerInside = true;
    if (!layout) return;
    const px = plotX(event);
    const box = element.getBoundingClientRect();
    const py = ((event.clientY - box.top) / box.height) * HEIGHT;
    if (drag) {
      const moved = Math.round((drag.x - px) / layout.step);
      const width = drag.view.to - drag.view.from;
      const from = Math.max(0, Math.min(candles.length - width, drag.view.from + moved));
      view = from + width >= candles.length ? null : { from, to: from + width };
      draw();
      return;
    }
    const i = Math.floor(px / layout.step);
    const c = layout.shown[i];
    if (!c) return;
    cross.setAttribute("visibility", "visible");
    crossX.setAttribute("x1", ((i + 0.5) * layout.step).toFixed(1));
    crossX.setAttribute("x2", ((i + 0.5) * layout.step).toFixed(1));
    crossY.setAttribute("y1", py.toFixed(1));
    crossY.setAttribute("y2", py.toFixed(1));
    readout.textContent = describe(c);
  });
  element.addEventListener("pointerleave", () => {
    pointerInside = false;
    drag = null;
    cross.setAttribute("visibility", "hidden");
    draw();
  });
  element.addEventListener("pointerdown", (event) => {
    drag = { x: plotX(event), view: range() };
    element.setPointerCapture?.(event.pointerId);
  });
  element.addEventListener("pointerup", () => { drag = null; });
  element.addEventListener("wheel", (event) => {
    if (!layout) return;
    event.preventDefault();
    const { from, to } = range();
    const width = to - from;
    const next = Math.max(10, Math.min(candles.length, Math.round(width * (event.deltaY > 0 ? 1.25 : 0.8))));
    const anchor = from + Math.floor(plotX(event) / layout.step);
    const start = Math.max(0, Math.min(candles.length - next, Math.round(anchor - (anchor - from) * (next / width))));
    view = start + next >= candles.length ? null : { from: start, to: start + next };
    draw();
  }, { passive: false });

  return {
    element,
    /** `list`: candles oldest first (`start` in ms). */
    setCandles(list) {
      candles = list;
      draw();
    },
    /** A pushed candle: replaces the one with the same start, or is appended when newer. */
    upsert(candle) {
      const last = candles[candles.length - 1];
      if (last && last.start === candle.start) candles[candles.length - 1] = candle;
      else if (!last || candle.start > last.start) candles.push(candle);
      else return;
      draw();
    },
    /** A price as it is pushed (every tick): moves the forming candle, or opens the next one of `span` ms. */
    addTick(t, price, span) {
      const last = candles[candles.length - 1];
      if (!last || t < last.start) return;
      if (t < last.start + span) {
        candles[candles.length - 1] = {
          ...last, high: Math.max(last.high, price), low: Math.min(last.low, price), close: price, volume: last.volume + 1,
        };
      } else {
        const start = t - (t % span);
        candles.push({ start, open: price, high: price, low: price, close: price, volume: 1 });
      }
      draw();
    },
    /** `{times, series}` as `GET /bots/{id}/indicators` answers it. */
    setOverlays(value) {
      overlays = value;
      draw();
    },
    setMarkers(list) {
      markers = list;
      draw();
    },
    get count() { return candles.length; },
  };
}
