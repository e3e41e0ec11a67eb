// DOM helpers shared by the pages. Text always goes through textContent (names and log lines come from users).

/** `h("td", { class: "num" }, "12.5")`: an element with attributes, listeners (`onclick`) and children. */
export function h(tag, attributes = {}, ...children) {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes ?? {})) {
    if (value === undefined || value === null || value === false) continue;
    if (name.startsWith("on")) element.addEventListener(name.slice(2), value);
    else if (name === "class") element.className = value;
    else if (name === "dataset") Object.assign(element.dataset, value);
    else element.setAttribute(name, value === true ? "" : value);
  }
  append(element, children);
  return element;
}

function append(element, children) {
  for (const child of children.flat()) {
    if (child === undefined || child === null || child === false) continue;
    element.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

/** SVG elements need their namespace. */
export function svg(tag, attributes = {}, ...children) {
  const element = document.createElementNS("http://www.w3.org/2000/svg", tag);
  for (const [name, value] of Object.entries(attributes)) element.setAttribute(name, value);
  append(element, children);
  return element;
}

export function setText(element, text) {
  const value = String(text);
  if (element.textContent !== value) element.textContent = value;
}

const numberFormats = new Map();
export function formatNumber(value, digits = 2) {
  if (value === null || value === undefined || Number.isNaN(value)) return "–";
  if (!numberFormats.has(digits)) {
    numberFormats.set(
      digits,
      new Intl.NumberFormat("en-US", { minimumFractionDigits: digits, maximumFractionDigits: digits }),
    );
  }
  return numberFormats.get(digits).format(value);
}

/** Prices keep their significant digits: 65,090.93 but 0.004512. */
export function formatPrice(value) {
  if (value === null || value === undefined) return "–";
  const magnitude = Math.abs(value);
  return formatNumber(value, magnitude >= 100 ? 2 : magnitude >= 1 ? 4 : 6);
}

export function formatSigned(value) {
  if (value === null || value === undefined) return "–";
  return (value > 0 ? "+" : "") + formatNumber(value);
}

/** `up`, `down` or `flat`, for colouring PnL. */
export function trend(value) {
  return value > 0 ? "up" : value < 0 ? "down" : "flat";
}

/** A time as the viewer reads it: in their zone (named), with the date when it is not today. */
export function formatTime(timestamp) {
  const date = new Date(timestamp);
  if (Number.isNaN(date.getTime())) return "";
  const today = date.toDateString() === new Date().toDateString();
  return date.toLocaleString("en-GB", {
    hour12: false, hour: "2-digit", minute: "2-digit", second: "2-digit", timeZoneName: "short",
    ...(today ? {} : { day: "2-digit", month: "short" }),
  });
}

/** Runs `render` at most once per animation frame however many events arrive. */
export function frameScheduler(render) {
  let pending = false;
  return () => {
    if (pending) return;
    pending = true;
    requestAnimationFrame(() => {
      pending = false;
      render();
    });
  };
}
