// A line chart drawn as SVG by the page itself: one or two series (price on the left axis, equity on the right).
import { formatPrice, svg } from "./ui.js";

const WIDTH = 640;
const HEIGHT = 220;
const PAD = { left: 8, right: 8, top: 14, bottom: 14 };

export function lineChart(title) {
  const element = svg("svg", {
    viewBox: `0 0 ${WIDTH} ${HEIGHT}`, class: "chart", role: "img", "aria-label": title,
  });
  const paths = [svg("path", { class: "line primary" }), svg("path", { class: "line secondary" })];
  const labels = [svg("text", { x: PAD.left, y: 12, class: "label primary" }), svg("text", {
    x: WIDTH - PAD.right, y: 12, class: "label secondary", "text-anchor": "end",
  })];
  element.append(...paths, ...labels);

  /** `series`: up to two arrays of `{t, v}` with their label. */
  function draw(series) {
    const all = series.flatMap((s) => s.points);
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
      for (const p of points) {
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
    });
  }
  return { element, draw };
}
