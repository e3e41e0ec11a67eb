// Desktop notifications, opt-in per browser: trades closed, bots gone stale, and error log lines, shown even when the
// tab is in the background. Off until the user turns them on (and the browser grants the permission).
const KEY = "tickwire:notifications";

export function notificationsWanted() {
  return localStorage.getItem(KEY) === "on" && "Notification" in window && Notification.permission === "granted";
}

/** Turns notifications on (asking the browser) or off; resolves to whether they are on. */
export async function toggleNotifications() {
  if (notificationsWanted()) {
    localStorage.setItem(KEY, "off");
    return false;
  }
  if (!("Notification" in window)) return false;
  const permission = Notification.permission === "granted" ? "granted" : await Notification.requestPermission();
  localStorage.setItem(KEY, permission === "granted" ? "on" : "off");
  return permission === "granted";
}

/** The notification an event deserves, if any: its title and body. */
export function describeForNotification(event, botName) {
  const data = event.data ?? {};
  const bot = botName(data.bot_id) ?? `bot #${data.bot_id}`;
  switch (event.type) {
    case "trade_closed":
      return [`${bot}: ${data.direction} ${data.ticker} closed`, `at ${data.price}, realized ${Number(data.realized_pnl ?? 0).toFixed(2)}`];
    case "bot_stale":
      return [`${bot} is silent`, `no report for more than ${data.interval_seconds ?? "?"} s`];
    case "log_created":
      return data.level === "ERROR" ? [`${bot}: error`, data.message] : null;
    default:
      return null;
  }
}

/** Shows `event` as a desktop notification when notifications are on; returns the notification shown, if any. */
export function notify(event, botName) {
  if (!notificationsWanted()) return null;
  const described = describeForNotification(event, botName);
  if (!described) return null;
  const [title, body] = described;
  const shown = new Notification(title, { body, tag: `tickwire-${event.id}` });
  (window.tickwire.notified ??= []).push({ title, body });
  return shown;
}
