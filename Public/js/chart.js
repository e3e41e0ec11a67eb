// A line chart drawn as SVG by the page itself: one or two series (price on the left axis, equity on the right), and
// markers (a trade's entry and exit) on the first series' scale.
import { formatPrice, svg } from "./ui.js";

const WIDTH = 640;
const HEIGHT = 220;
const PAD = { left: 8, right: 8, top: 14, bottom: 14 };

/** With `sharedScale`, every series is drawn on one vertical scale (runs compared side by side). */
export function lineChart(title, { sharedScale = false } = {}) {
  const element = svg("svg", {
    viewBox: `0 0 ${WIDTH} ${HEIGHT}`, class: "chart", role: "img", "aria-label": title,
  });
  const paths = [svg("path", { class: "line primary" }), svg("path", { class: "line secondary" })];
  const labels = [svg("text", { x: PAD.left, y: 12, class: "label primary" }), svg("text", {
    x: WIDTH - PAD.right, y: 12, class: "label secondary", "text-anchor": "end",
  })];
  const markerLayer = svg("g", { class: "markers" });
  element.append(...paths, ...labels, markerLayer);

  /**
   * `series`: up to two arrays of `{t, v}` with their label. `markers`: `{t, v, kind, title}`, `kind` one of
   * `entry-long`, `entry-short`, `exit`, drawn as triangles (up, down) and circles.
   */
  function draw(series, markers = []) {
    const all = series.flatMap((s) => s.points);
    markerLayer.replaceChildren();
    if (all.length === 0) return;
    const t0 = Math.min(...all.map((p) => p.t));
    const t1 = Math.max(...all.map((p) => p.t));
    series.forEach((s, index) => {
      const points = s.points;
      if (points.length === 0) {
        paths[index].setAttribute("d", "");
        labels[index].textContent = "";
        return;
      }
      let low = Infinity;
      let high = -Infinity;
      for (const p of sharedScale ? all : points) {
        low = Math.min(low, p.v);
        high = Math.max(high, p.v);
      }
      const span = high - low || Math.abs(high) * 0.001 || 1;
      const x = (t) => PAD.left + ((t - t0) / (t1 - t0 || 1)) * (WIDTH - PAD.left - PAD.right);
      const y = (v) => PAD.top + (1 - (v - low) / span) * (HEIGHT - PAD.top - PAD.bottom);
      paths[index].setAttribute(
        "d",
        points.map((p, i) => `${i === 0 ? "M" : "L"}${x(p.t).toFixed(1)},${y(p.v).toFixed(1)}`).join(""),
      );
      labels[index].textContent = `${s.label} ${formatPrice(points[points.length - 1].v)}`;
      if (index === 0) drawMarkers(markers, x, y);
    });
  }

  function drawMarkers(markers, x, y) {
    for (const marker of markers) {
      const cx = x(marker.t);
      const cy = y(marker.v);
      if (!Number.isFinite(cx) || !Number.isFinite(cy)) continue;
      const shape =
        marker.kind === "exit"
          ? svg("circle", { cx: cx.toFixed(1), cy: cy.toFixed(1), r: "3.5" })
          : svg("path", {
            d: marker.kind === "entry-short"
              ? `M${(cx - 5).toFixed(1)},${(cy - 8).toFixed(1)}h10l-5,8z`
              : `M${(cx - 5).toFixed(1)},${(cy + 8).toFixed(1)}h10l-5,-8z`,
          });
      shape.setAttribute("class", `marker ${marker.kind}`);
      if (marker.title) shape.append(svg("title", {}, marker.title));
      markerLayer.append(shape);
    }
  }
  return { element, draw };
}

/** A small line of `values` (oldest first) with no axes, for a table cell; rising or falling overall by colour. */
export function sparkline(label) {
  const element = svg("svg", { viewBox: "0 0 100 24", class: "sparkline", role: "img", "aria-label": label });
  const path = svg("path", {});
  element.append(path);
  function draw(values) {
    if (!values || values.length < 2) {
      path.setAttribute("d", "");
      return;
    }
    const low = Math.min(...values);
    const high = Math.max(...values);
    const span = high - low || 1;
    const d = values
      .map((v, i) => `${i ? "L" : "M"}${((i / (values.length - 1)) * 100).toFixed(1)},${(22 - ((v - low) / span) * 20).toFixed(1)}`)
      .join("");
    path.setAttribute("d", d);
    const last = values[values.length - 1];
    element.setAttribute("class", `sparkline ${last > values[0] ? "up" : last < values[0] ? "down" : ""}`);
  }
  return { element, draw };
}
