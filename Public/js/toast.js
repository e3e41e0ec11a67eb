// Toast notifications: a few at a time, each gone after a few seconds, announced to screen readers.
import { h } from "./ui.js";

const VISIBLE = 4;
const LIFETIME = 5000;

export class Toaster {
  constructor(container) {
    this.container = container;
  }
  show(text, kind = "info") {
    const item = h("div", { class: `toast ${kind}`, role: "status" }, text);
    this.container.append(item);
    while (this.container.children.length > VISIBLE) this.container.firstElementChild.remove();
    setTimeout(() => item.remove(), LIFETIME);
  }
  info(text) {
    this.show(text, "info");
  }
  error(text) {
    this.show(text, "error");
  }
}
