// Activity across all of the user's bots, newest first, with a level filter.
import { api } from "../api.js";
import { h } from "../ui.js";
import { logItem } from "./bot-detail.js";

const LEVELS = ["DEBUG", "INFO", "WARNING", "ERROR"];

export function activityPage({ state, toast }) {
  const list = h("ol", { class: "feed", id: "activity-feed" });
  const filter = h(
    "select",
    { id: "level-filter", "aria-label": "Minimum level" },
    h("option", { value: "" }, "All levels"),
    LEVELS.map((level) => h("option", { value: level }, `${level} and above`)),
  );
  filter.addEventListener("change", () => update());

  api("/api/v1/logs?limit=200")
    .then((page) => state.addLogs(page.data))
    .catch((error) => toast.error(error.message));

  function update() {
    const minimum = filter.value ? LEVELS.indexOf(filter.value) : 0;
    const logs = [...state.logs.values()]
      .filter((log) => LEVELS.indexOf(log.level) >= minimum)
      .sort((a, b) => b.id - a.id)
      .slice(0, 200);
    list.replaceChildren(...logs.map(logItem));
  }

  const element = h(
    "section",
    { class: "page", id: "activity-page" },
    h("div", { class: "page-head" }, h("h1", {}, "Activity"), filter),
    h("div", { class: "card" }, list),
  );
  update();
  return { element, update, watches: ["logs", "bots"] };
}
