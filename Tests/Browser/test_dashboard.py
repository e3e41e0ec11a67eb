"""The dashboard in a real headless Chromium against a real Tickwire server (SQLite, paper engine, demo accounts).

Run by scripts/test.sh; alone: `.venv-browser/bin/python -m unittest discover -s Tests/Browser -v` after a build.
Screenshots of every page land in artifacts/screenshots/ (TICKWIRE_SCREENSHOTS to change it).
"""

import time
import urllib.error
import unittest

from selenium.common.exceptions import ElementClickInterceptedException
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select

from harness import API, Server, badge, browser, login, page_errors, screenshot, wait


def attribute(driver, selector, name):
    """Read in the page: lists re-render on events, so element handles held by the test go stale."""
    return driver.execute_script(
        "const e = document.querySelector(arguments[0]); return e ? e.getAttribute(arguments[1]) : null",
        selector, name)


def click(driver, element):
    """Clicks `element` scrolled to the middle of the window, clear of the sticky header; on a page too short to
    scroll, a toast may still cover it, and the click is then the element's own."""
    driver.execute_script("arguments[0].scrollIntoView({block: 'center'})", element)
    try:
        element.click()
    except ElementClickInterceptedException:
        driver.execute_script("arguments[0].click()", element)


def row(driver, bot_id):
    rows = driver.find_elements(By.CSS_SELECTOR, f'#bots-table tr[data-bot-id="{bot_id}"]')
    return rows[0] if rows else None


class Dashboard(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.server = Server().start()
        cls.alice = API(cls.server, "alice")
        # Log lines need a bot of their author (only admins write system-wide lines).
        cls.log_bot = cls.alice.call("POST", "/api/v1/bots", {
            "name": "Log writer", "ticker": "BNB/USDT", "exchange": "binance", "strategy": "manual"})["id"]
        cls.driver = browser()
        login(cls.driver, cls.server, "alice")

    @classmethod
    def tearDownClass(cls):
        cls.driver.quit()
        cls.server.stop()

    def tearDown(self):
        self.assertEqual(page_errors(self.driver), [])

    def go(self, hash_path):
        self.driver.get(self.server.url + "/" + hash_path)
        wait(self.driver, lambda d: badge(d) == "live", message=f"{hash_path}: the stream never went live")

    def test_1_a_bot_created_through_the_api_appears_within_one_second(self):
        self.go("#/bots")
        screenshot(self.driver, "bots")
        started = time.monotonic()
        bot = self.alice.call("POST", "/api/v1/bots", {
            "name": "Pushed bot", "ticker": "ADA/USDT", "exchange": "binance", "strategy": "manual"})
        wait(self.driver, lambda d: row(d, bot["id"]), timeout=1.0, message="the new bot did not appear within 1 s")
        elapsed = time.monotonic() - started
        print(f"\n  bot row appeared {elapsed * 1000:.0f} ms after POST /api/v1/bots returned")
        self.assertIn("Pushed bot", row(self.driver, bot["id"]).text)
        # A toggle through the API changes the row's status in place.
        toggled = self.alice.call("POST", f"/api/v1/bots/{bot['id']}/toggle")["status"]
        status = lambda d: row(d, bot["id"]).find_element(By.CSS_SELECTOR, ".status").text
        wait(self.driver, lambda d: status(d) == toggled, timeout=2)

    def test_1b_create_edit_toggle_and_delete_from_the_page(self):
        self.go("#/bots")
        driver = self.driver
        driver.execute_script("document.getElementById('new-bot').open = true")  # the form is folded away
        driver.find_element(By.ID, "bot-name").send_keys("Form bot")
        driver.find_element(By.ID, "bot-ticker").send_keys("AVAX/USDT")
        exchange = driver.find_element(By.ID, "bot-exchange")
        exchange.clear()
        exchange.send_keys("binance")
        driver.find_element(By.CSS_SELECTOR, '#bot-strategy option[value="manual"]').click()
        driver.find_element(By.ID, "bot-submit").click()
        find = """return [...document.querySelectorAll('#bots-table tbody tr')]
                  .filter(r => r.querySelector('.bot-link').textContent === arguments[0]).map(r => r.dataset.botId)[0]"""
        bot_id = wait(driver, lambda d: d.execute_script(find, "Form bot"), timeout=3, message="not created")
        self.assertEqual(self.alice.call("GET", f"/api/v1/bots/{bot_id}")["ticker"], "AVAX/USDT")
        selector = f'#bots-table tr[data-bot-id="{bot_id}"]'
        click(driver, driver.find_element(By.CSS_SELECTOR, selector + " .actions button:nth-child(2)"))  # Edit
        name = driver.find_element(By.ID, "bot-name")
        name.clear()
        name.send_keys("Form bot renamed")
        driver.find_element(By.ID, "bot-submit").click()
        wait(driver, lambda d: d.execute_script(find, "Form bot renamed") == bot_id, timeout=3, message="not renamed")
        before = self.alice.call("GET", f"/api/v1/bots/{bot_id}")["status"]
        click(driver, driver.find_element(By.CSS_SELECTOR, selector + " .toggle"))
        wait(driver, lambda d: self.alice.call("GET", f"/api/v1/bots/{bot_id}")["status"] != before, timeout=3)
        delete = driver.find_element(By.CSS_SELECTOR, selector + " .danger")
        click(driver, delete)
        self.assertEqual(delete.text, "Confirm")
        click(driver, delete)
        wait(driver, lambda d: attribute(d, selector, "data-bot-id") is None, timeout=3, message="not deleted")

    def test_1c_the_create_form_is_built_from_the_strategy_schema(self):
        self.go("#/bots")
        driver = self.driver
        driver.execute_script("document.getElementById('new-bot').open = true")
        wait(driver, lambda d: d.find_elements(By.CSS_SELECTOR, '#bot-strategy option[value="rsi_reversion"]'), timeout=3)
        driver.find_element(By.CSS_SELECTOR, '#bot-strategy option[value="sma_crossover"]').click()
        fast = wait(driver, lambda d: d.find_elements(By.ID, "bot-param-fast"), timeout=2)[0]
        self.assertEqual(fast.get_attribute("value"), "5", "the schema's default")
        self.assertEqual(fast.get_attribute("min"), "1")
        fast.clear()
        fast.send_keys("7")
        driver.find_element(By.ID, "bot-name").send_keys("Schema bot")
        driver.find_element(By.ID, "bot-ticker").send_keys("ETH/USDT")
        click(driver, driver.find_element(By.ID, "bot-submit"))
        find = """return [...document.querySelectorAll('#bots-table tbody tr')]
                  .filter(r => r.querySelector('.bot-link').textContent === 'Schema bot').map(r => r.dataset.botId)[0]"""
        bot_id = wait(driver, lambda d: d.execute_script(find), timeout=3, message="not created")
        config = self.alice.call("GET", f"/api/v1/bots/{bot_id}")["config"]
        self.assertEqual((config["fast"], config["slow"], config["market"]), (7, 20, "spot"))
        screenshot(driver, "bot-form")
        self.alice.call("DELETE", f"/api/v1/bots/{bot_id}")

    def test_2_an_order_fill_changes_the_bot_row_and_the_detail_page(self):
        bot = self.alice.call("POST", "/api/v1/bots", {
            "name": "External scalper", "ticker": "XRP/USDT", "exchange": "binance", "strategy": "manual"})
        self.go("#/bots")
        wait(self.driver, lambda d: row(d, bot["id"]))
        position = lambda d: d.execute_script(
            f"return document.querySelector('#bots-table tr[data-bot-id=\"{bot['id']}\"] td:nth-child(5)').textContent")
        self.assertEqual(position(self.driver), "0.0000")
        order = self.alice.call("POST", f"/api/v1/bots/{bot['id']}/orders",
                                {"side": "buy", "type": "limit", "quantity": 2, "price": 0.5})
        self.alice.call("PATCH", f"/api/v1/orders/{order['id']}", {"fill": {"quantity": 2, "price": 0.5}})
        wait(self.driver, lambda d: position(d) == "2.0000", timeout=2, message="the fill did not reach the row")

        self.go(f"#/bots/{bot['id']}")
        status = lambda d: attribute(d, f'#orders-table tr[data-order-id="{order["id"]}"]', "data-status")
        wait(self.driver, lambda d: status(d) == "FILLED", timeout=3)
        # A second order, live on the detail page: NEW, then FILLED after the fill.
        second = self.alice.call("POST", f"/api/v1/bots/{bot['id']}/orders",
                                 {"side": "sell", "type": "limit", "quantity": 1, "price": 0.6})
        selector = f'#orders-table tr[data-order-id="{second["id"]}"]'
        wait(self.driver, lambda d: attribute(d, selector, "data-status"), timeout=2)
        self.assertEqual(attribute(self.driver, selector, "data-status"), "NEW")
        self.alice.call("PATCH", f"/api/v1/orders/{second['id']}", {"fill": {"quantity": 1, "price": 0.6}})
        wait(self.driver, lambda d: attribute(d, selector, "data-status") == "FILLED", timeout=2)
        wait(self.driver, lambda d: d.find_element(By.CSS_SELECTOR, '[data-stat="Position"]').text == "1.0000",
             timeout=2)
        # A limit order placed from the page, then canceled from the page.
        self.driver.find_element(By.CSS_SELECTOR, '#order-type option[value="limit"]').click()
        quantity = self.driver.find_element(By.ID, "order-quantity")
        quantity.clear()
        quantity.send_keys("3")
        self.driver.find_element(By.ID, "order-price").send_keys("0.25")
        self.driver.find_element(By.ID, "order-submit").click()
        newest = lambda d: d.execute_script(
            "const r = document.querySelector('#orders-table tbody tr'); return r && [r.dataset.orderId, r.dataset.status]")
        wait(self.driver, lambda d: newest(d) and int(newest(d)[0]) > second["id"], timeout=3, message="no new order")
        placed = self.alice.call("GET", f"/api/v1/orders/{newest(self.driver)[0]}")
        self.assertEqual((placed["type"], placed["quantity"], placed["price"]), ("limit", 3, 0.25))
        screenshot(self.driver, "bot-detail")
        self.driver.find_element(By.CSS_SELECTOR, f'#orders-table tr[data-order-id="{placed["id"]}"] .cancel').click()
        wait(self.driver, lambda d: newest(d)[1] == "CANCELED", timeout=3, message="not canceled")

    def test_2b_bots_list_totals_reasons_filter_and_sort(self):
        bot = self.alice.call("POST", "/api/v1/bots", {
            "name": "Zz failing", "ticker": "LINK/USDT", "exchange": "binance", "strategy": "manual"})
        self.alice.call("PATCH", f"/api/v1/bots/{bot['id']}", {"status": "ERROR"})
        self.alice.call("POST", "/api/v1/logs", {"bot_id": bot["id"], "level": "ERROR",
                                                 "message": "exchange rejected the API key"})
        self.go("#/bots")
        selector = f'#bots-table tr[data-bot-id="{bot["id"]}"] .error-reason'
        wait(self.driver, lambda d: d.find_elements(By.CSS_SELECTOR, selector)
             and d.find_element(By.CSS_SELECTOR, selector).text == "exchange rejected the API key", timeout=3,
             message="the ERROR has no reason beside it")
        errors = int(self.driver.find_element(By.CSS_SELECTOR, '#portfolio [data-stat="Errors"]').text)
        self.assertGreaterEqual(errors, 1)
        self.assertNotEqual(self.driver.find_element(By.CSS_SELECTOR, '#portfolio [data-stat="Equity"]').text, "–")
        names = lambda d: [e.text for e in d.find_elements(By.CSS_SELECTOR, "#bots-table tbody .bot-link")]
        click(self.driver, self.driver.find_element(By.CSS_SELECTOR, '#bots-table th[data-column="Bot"]'))
        wait(self.driver, lambda d: names(d) == sorted(names(d), key=str.lower), timeout=2)
        click(self.driver, self.driver.find_element(By.CSS_SELECTOR, '#bots-table th[data-column="Bot"]'))
        wait(self.driver, lambda d: names(d)[0] == "Zz failing", timeout=2, message="not sorted descending")
        self.driver.find_element(By.ID, "bot-search").send_keys("link/usdt")
        wait(self.driver, lambda d: names(d) == ["Zz failing"], timeout=2, message="the filter does not narrow")
        screenshot(self.driver, "bots")
        self.driver.set_window_size(390, 844)
        try:
            screenshot(self.driver, "bots-phone")
        finally:
            self.driver.set_window_size(1400, 1000)
        self.driver.find_element(By.ID, "bot-search").clear()

    def test_2d_bots_list_shows_each_bots_headline_figures_as_trades_close(self):
        bot = self.alice.call("POST", "/api/v1/bots", {
            "name": "Headline", "ticker": "DOT/USDT", "exchange": "binance", "strategy": "manual"})
        self.go("#/bots")
        wait(self.driver, lambda d: row(d, bot["id"]))
        cell = lambda d, name: d.execute_script(
            f"const r = document.querySelector('#bots-table tr[data-bot-id=\"{bot['id']}\"]');"
            f"return r && r.querySelector('{name}').textContent")
        hidden = lambda d, name: d.execute_script(
            f"return document.querySelector('#bots-table tr[data-bot-id=\"{bot['id']}\"] {name}').hidden")
        self.assertEqual(cell(self.driver, ".trade-count"), "0")
        self.assertEqual(cell(self.driver, ".win-rate"), "–")

        def fill(side, price):
            order = self.alice.call("POST", f"/api/v1/bots/{bot['id']}/orders",
                                    {"side": side, "type": "limit", "quantity": 1, "price": price})
            self.alice.call("PATCH", f"/api/v1/orders/{order['id']}", {"fill": {"quantity": 1, "price": price}})

        fill("buy", 10)
        wait(self.driver, lambda d: not hidden(d, ".open-trade"), timeout=2, message="no open-trade badge")
        self.assertEqual(cell(self.driver, ".open-trade"), "1 long")
        fill("sell", 12)
        fill("buy", 12)
        fill("sell", 11)
        wait(self.driver, lambda d: cell(d, ".trade-count") == "2", timeout=2, message="trades not counted")
        wait(self.driver, lambda d: cell(d, ".win-rate") == "50%", timeout=2, message="no win rate")
        self.assertTrue(hidden(self.driver, ".open-trade"))
        path = lambda d: d.execute_script(
            f"return document.querySelector('#bots-table tr[data-bot-id=\"{bot['id']}\"] .sparkline path')"
            ".getAttribute('d')")
        wait(self.driver, lambda d: path(d).count("L") >= 3, timeout=2, message="no sparkline of the equity points")
        # The same figures after a reload, from the bundle.
        self.driver.refresh()
        wait(self.driver, lambda d: row(d, bot["id"]) and cell(d, ".trade-count") == "2", timeout=5)
        self.assertEqual(cell(self.driver, ".win-rate"), "50%")
        self.assertGreaterEqual(path(self.driver).count("L"), 3)
        screenshot(self.driver, "bots-headline")

    def test_2c_a_silent_external_bot_is_flagged_stale(self):
        bot = self.alice.call("POST", "/api/v1/bots", {
            "name": "Heartbeat bot", "ticker": "ATOM/USDT", "exchange": "binance", "strategy": "external",
            "status": "ACTIVE", "config": {"heartbeat_seconds": 1}})
        self.go("#/bots")
        self.alice.call("POST", f"/api/v1/bots/{bot['id']}/heartbeat")
        selector = f'#bots-table tr[data-bot-id="{bot["id"]}"]'
        wait(self.driver, lambda d: d.find_element(By.CSS_SELECTOR, selector + " .seen").text.startswith("seen "),
             timeout=3, message="the report is not shown")
        # The server checks every 5 s: the badge shows within 1 + 5 s of silence.
        wait(self.driver, lambda d: d.find_element(By.CSS_SELECTOR, selector + " .badge.stale").is_displayed(),
             timeout=10, message="a silent bot is not flagged")
        self.alice.call("POST", f"/api/v1/bots/{bot['id']}/heartbeat")
        wait(self.driver, lambda d: not d.find_element(By.CSS_SELECTOR, selector + " .badge.stale").is_displayed(),
             timeout=3, message="a report does not clear the flag")
        self.alice.call("PATCH", f"/api/v1/bots/{bot['id']}", {"status": "STOPPED"})

    def test_3_a_model_session_shows_its_events_in_order_and_toasts(self):
        model = self.alice.call("POST", "/api/v1/models", {
            "name": "Quick agent", "policy": "rule_based",
            "config": {"ticker": "BTC/USDT", "max_decisions": 3, "decision_interval_ms": 200}})
        self.go(f"#/models/{model['id']}")
        wait(self.driver, lambda d: d.find_element(By.ID, "model-toggle").text == "Start session", timeout=5)
        click(self.driver, self.driver.find_element(By.ID, "model-toggle"))
        # Read in one script: the feed re-renders with every event, so element handles go stale.
        types = lambda d: d.execute_script(
            "return [...document.querySelectorAll('#model-feed li')].reverse().map(e => e.dataset.type)")
        wait(self.driver, lambda d: "complete" in types(d), timeout=15, message="the session never completed")
        self.assertEqual(types(self.driver),
                         ["status", "status", "trade", "trade", "trade", "session_complete", "complete"])
        ids = self.driver.execute_script(
            "return [...document.querySelectorAll('#model-feed li')].reverse().map(e => Number(e.dataset.eventId))")
        self.assertEqual(ids, sorted(set(ids)))
        wait(self.driver, lambda d: d.execute_script(
            "return [...document.querySelectorAll('#toasts .toast.complete')].some(t => t.textContent.includes('Quick agent'))"),
            timeout=3, message="no toast for the completed session")
        wait(self.driver, lambda d: d.find_element(By.CSS_SELECTOR, "#model-detail-page .badge.model-live").text == "idle",
             timeout=3)
        wait(self.driver, lambda d: d.find_elements(By.CSS_SELECTOR, '#model-sessions tr[data-status="completed"]'),
             timeout=3, message="the session is not listed")

    def test_3b_model_cards_show_each_models_portfolio_live(self):
        model = self.alice.call("POST", "/api/v1/models", {
            "name": "Busy trader", "policy": "momentum",
            "config": {"ticker": "BTC/USDT", "lookback": 1, "threshold": 0, "quantity": 0.01,
                       "max_decisions": 12, "decision_interval_ms": 150}})
        self.go("#/models")
        card = f'#model-cards article[data-model-id="{model["id"]}"]'
        wait(self.driver, lambda d: d.find_elements(By.CSS_SELECTOR, card), timeout=5)
        stat = lambda d, name: d.find_element(By.CSS_SELECTOR, f'{card} [data-stat="{name}"]').text
        self.assertEqual(stat(self.driver, "Value"), "–", "no portfolio before its first session")
        click(self.driver, self.driver.find_element(By.CSS_SELECTOR, f"{card} button"))
        wait(self.driver, lambda d: d.find_element(By.CSS_SELECTOR, f"{card} .badge").text == "live", timeout=5)
        wait(self.driver, lambda d: stat(d, "Value") != "–", timeout=10, message="the card shows no portfolio value")
        wait(self.driver, lambda d: int(stat(d, "Trades")) >= 1, timeout=20, message="no closed trade on the card")
        screenshot(self.driver, "models")
        self.driver.set_window_size(390, 844)
        try:
            screenshot(self.driver, "models-phone")
        finally:
            self.driver.set_window_size(1400, 1000)
        # The model page: decisions as markers on the candles, its trades and equity.
        self.go(f"#/models/{model['id']}")
        wait(self.driver, lambda d: len(d.find_elements(By.CSS_SELECTOR, "#model-detail-page svg.candles .marker")) >= 2,
             timeout=10, message="no decision markers")
        titles = self.driver.execute_script(
            "return [...document.querySelectorAll('#model-detail-page svg.candles .marker title')].map(t => t.textContent)")
        self.assertTrue(any("Momentum" in t for t in titles), titles)
        wait(self.driver, lambda d: d.find_elements(By.CSS_SELECTOR, "#model-trades tr"), timeout=10,
             message="no trades listed")
        wait(self.driver, lambda d: d.execute_script(
            "const p = document.querySelector('#model-detail-page svg[aria-label=\"Model equity\"] path.line.primary');"
            " return p && p.getAttribute('d')"), timeout=10, message="no equity curve")
        self.driver.execute_script("document.querySelector('svg.candles').scrollIntoView({block: 'center'})")
        screenshot(self.driver, "model-detail")

    def test_4_other_pages_render_live_data(self):
        self.alice.call("POST", "/api/v1/logs", {"bot_id": self.log_bot, "level": "WARNING", "message": "activity feed check"})
        self.go("#/activity")
        wait(self.driver, lambda d: "activity feed check" in d.find_element(By.ID, "activity-feed").text)
        self.driver.find_element(By.CSS_SELECTOR, '#level-filter option[value="ERROR"]').click()
        wait(self.driver, lambda d: "activity feed check" not in d.find_element(By.ID, "activity-feed").text)
        self.driver.find_element(By.CSS_SELECTOR, '#level-filter option[value=""]').click()
        screenshot(self.driver, "activity")
        self.go("#/intraday")
        wait(self.driver, lambda d: len(d.find_elements(By.CSS_SELECTOR, "#intraday-buy li")) > 0, timeout=5)
        screenshot(self.driver, "intraday")

    def test_4b_activity_names_bots_searches_and_exports(self):
        self.alice.call("POST", "/api/v1/logs", {"bot_id": self.log_bot, "level": "INFO", "message": "needle, \"quoted\""})
        self.alice.call("POST", "/api/v1/logs", {"bot_id": self.log_bot, "level": "INFO", "message": "haystack line"})
        self.go("#/activity")
        feed = lambda d: d.find_element(By.ID, "activity-feed").text
        wait(self.driver, lambda d: "haystack line" in feed(d), timeout=3)
        self.assertIn("Log writer", feed(self.driver), "the bot is named, not numbered")
        self.driver.find_element(By.ID, "activity-search").send_keys("needle")
        wait(self.driver, lambda d: "haystack line" not in feed(d) and "needle" in feed(d), timeout=2)
        self.driver.execute_script("document.getElementById('activity-export').click()")
        csv = wait(self.driver, lambda d: d.execute_script(
            "const a = document.getElementById('activity-download'); return a && a.dataset.csv"), timeout=2)
        lines = csv.strip().split("\r\n")
        self.assertEqual(lines[0], '"id","timestamp","type","level","bot_id","bot","message"')
        self.assertEqual(len(lines), 2)
        self.assertTrue(lines[1].endswith('"Log writer","needle, ""quoted"""'), lines[1])
        self.driver.find_element(By.ID, "activity-search").clear()
        self.driver.execute_script("document.getElementById('activity-search').dispatchEvent(new Event('input'))")
        # Fills and trades are in the feed beside the logs, loaded and pushed, and the type filter picks them.
        order = self.alice.call("POST", f"/api/v1/bots/{self.log_bot}/orders",
                                {"side": "buy", "type": "limit", "quantity": 3, "price": 2.5})
        self.alice.call("PATCH", f"/api/v1/orders/{order['id']}", {"fill": {"quantity": 3, "price": 2.5}})
        Select(self.driver.find_element(By.ID, "type-filter")).select_by_value("trade")
        wait(self.driver, lambda d: "opened long 3 @ 2.5" in feed(d), timeout=3, message="no pushed trade")
        self.assertNotIn("haystack line", feed(self.driver))
        Select(self.driver.find_element(By.ID, "type-filter")).select_by_value("fill")
        wait(self.driver, lambda d: f"filled buy 3 @ 2.5, order #{order['id']}" in feed(d), timeout=3)
        self.assertNotIn("opened long", feed(self.driver))
        self.driver.refresh()
        wait(self.driver, lambda d: f"order #{order['id']}" in feed(d), timeout=5, message="fills not loaded")
        screenshot(self.driver, "activity-types")
        Select(self.driver.find_element(By.ID, "type-filter")).select_by_value("")
        # The next test may open this same page without a reload.
        self.driver.find_element(By.ID, "activity-search").clear()
        self.driver.execute_script("document.getElementById('activity-search').dispatchEvent(new Event('input'))")

    def test_5_restart_shows_reconnecting_then_live_and_keeps_every_event_once(self):
        self.go("#/activity")
        self.driver.execute_script("window.tickwire.states.length = 0")
        self.server.kill()
        wait(self.driver, lambda d: badge(d) in ("reconnecting", "connecting"), timeout=5)
        screenshot(self.driver, "reconnecting")
        self.server.start()
        # Written right after the restart, before the page's next retry (backoff starts at 1 s).
        messages = [f"while away {i}" for i in range(12)]
        for message in messages:
            self.alice.call("POST", "/api/v1/logs", {"bot_id": self.log_bot, "level": "INFO", "message": message})
        wait(self.driver, lambda d: badge(d) == "live", timeout=40, message="the page never came back live")
        states = self.driver.execute_script("return window.tickwire.states")
        self.assertEqual(states[0], "reconnecting")
        self.assertEqual(states[-1], "live")
        feed = lambda d: d.execute_script(
            "return [...document.querySelectorAll('#activity-feed li .message')].map(e => e.textContent)")
        wait(self.driver, lambda d: all(m in feed(d) for m in messages), timeout=5)
        seen = [text for text in feed(self.driver) if text.startswith("while away")]
        self.assertEqual(sorted(seen), sorted(messages), "each event exactly once")
        ids = self.driver.execute_script(
            "return [...document.querySelectorAll('#activity-feed li[data-log-id]')].map(e => e.dataset.logId)")
        self.assertEqual(len(ids), len(set(ids)))
        stats = self.driver.execute_script("return window.tickwire.session.client.stats")
        print(f"\n  after the restart: {stats}")

    def test_6_admin_page_tails_logs_for_admins_only(self):
        admin = browser()
        try:
            login(admin, self.server, "ops")
            admin.get(self.server.url + "/#/admin")
            wait(admin, lambda d: d.find_element(By.CSS_SELECTOR, '[data-stat="Subscribers"]').text not in ("", "–"))
            self.alice.call("POST", "/api/v1/logs", {"bot_id": self.log_bot, "level": "ERROR", "message": "admin tail check"})
            wait(admin, lambda d: "admin tail check" in d.find_element(By.ID, "admin-log-tail").text, timeout=3)
            wait(admin, lambda d: "Log writer" in d.find_element(By.ID, "admin-log-tail").text, timeout=3,
                 message="the tail numbers bots instead of naming them")
            # The server's own log: its start-up line from the backlog, then a refused sign-in as it happens.
            server_log = lambda d: d.find_element(By.ID, "server-log-tail").text
            wait(admin, lambda d: "Tickwire listening" in server_log(d), timeout=5, message="no server log backlog")
            with self.assertRaises(urllib.error.HTTPError):
                self.alice.call("POST", "/api/v1/auth/login", {"username": "mallory", "password": "guess"}, auth=False)
            wait(admin, lambda d: "sign-in refused" in server_log(d) and '"mallory"' in server_log(d), timeout=3,
                 message="the refused sign-in did not reach the server log tail")
            screenshot(admin, "admin")
            Select(admin.find_element(By.ID, "server-log-level")).select_by_value("warning")
            wait(admin, lambda d: "sign-in refused" not in server_log(d) and "Tickwire listening" not in server_log(d),
                 timeout=3, message="the level filter kept lines below warning")
            # Every user's bots, each with its owner's name.
            admin.get(self.server.url + "/#/bots")
            owner = lambda d: d.execute_script(
                f"const r = document.querySelector('#bots-table tr[data-bot-id=\"{self.log_bot}\"] .owner');"
                " return r && r.textContent")
            wait(admin, lambda d: owner(d) == "alice", timeout=5, message="no owner column for admins")
            screenshot(admin, "bots-admin")
        finally:
            admin.quit()
        self.go("#/admin")
        self.assertIn("Admins only", self.driver.find_element(By.ID, "main").text)
        self.assertTrue(self.driver.find_element(By.CSS_SELECTOR, 'nav a[href="#/admin"]').get_attribute("hidden"))


    def test_8_research_uploads_runs_with_live_progress_and_answers_a_rerun_from_the_cache(self):
        import math
        import os
        import tempfile
        lines = ["Date,Open,High,Low,Close,Volume"]
        price = 100.0
        for day in range(400):
            price *= 1 + 0.03 * math.sin(day / 6) + 0.001
            date = time.strftime("%Y-%m-%d", time.gmtime(1_600_000_000 + day * 86_400))
            lines.append(f"{date},{price},{price * 1.01},{price * 0.99},{price * 1.002},{1000 + day}")
        folder = tempfile.mkdtemp(prefix="tickwire-research-")
        path = os.path.join(folder, "zigzag.csv")
        with open(path, "w") as handle:
            handle.write("\n".join(lines))
        self.go("#/research")
        wait(self.driver, lambda d: d.find_elements(By.CSS_SELECTOR, "#research-strategy option"))
        self.driver.find_element(By.ID, "research-file").send_keys(path)
        self.driver.find_element(By.ID, "research-ticker").clear()
        self.driver.find_element(By.ID, "research-ticker").send_keys("ZZ")
        click(self.driver, self.driver.find_element(By.ID, "research-upload"))
        wait(self.driver, lambda d: "zigzag" in d.find_element(By.ID, "research-dataset").text, timeout=5,
             message="the uploaded dataset is not offered")
        screenshot(self.driver, "research-upload")
        # The form comes from the strategy's parameter schema.
        wait(self.driver, lambda d: d.find_elements(By.ID, "param-fast"))
        fast = self.driver.find_element(By.ID, "param-fast")
        self.assertEqual(fast.get_attribute("min"), "1")
        fast.clear()
        fast.send_keys("7")
        click(self.driver, self.driver.find_element(By.ID, "research-run"))
        screenshot(self.driver, "research-progress")
        wait(self.driver, lambda d: attribute(d, "#research-status", "data-status") == "completed", timeout=15,
             message="the run did not complete")
        wait(self.driver, lambda d: d.find_elements(By.CSS_SELECTOR, '#research-stats tr[data-key="return_pct"]'))
        self.assertNotEqual(self.driver.find_element(By.CSS_SELECTOR, '#research-stats tr[data-key="trade_count"] td').text, "–")
        self.assertEqual(self.driver.execute_script(
            "return getComputedStyle(document.getElementById('research-stats')).display"), "table")
        self.assertIn('"fast": 7', self.driver.find_element(By.ID, "research-config").text)
        trades = self.driver.find_elements(By.CSS_SELECTOR, "#research-trades tr")
        self.assertTrue(trades, "no trades listed")
        self.assertTrue(attribute(self.driver, "#research-page svg path.line.primary", "d"), "no equity curve")
        # The price chart carries one entry and one exit marker per trade.
        wait(self.driver, lambda d: len(d.find_elements(By.CSS_SELECTOR, "#research-page svg .marker.exit")) == len(trades),
             message="the price chart does not mark every trade's exit")
        self.assertEqual(len(self.driver.find_elements(
            By.CSS_SELECTOR, "#research-page svg .marker.entry-long, #research-page svg .marker.entry-short")), len(trades))
        # Trades sort by a column, one way then the other.
        pnl_column = lambda d: [float(r.find_elements(By.TAG_NAME, "td")[5].text.replace(",", ""))
                                for r in d.find_elements(By.CSS_SELECTOR, "#research-trades tr")]
        click(self.driver, self.driver.find_element(By.CSS_SELECTOR, '#research-trade-table th[data-key="pnl"]'))
        self.assertEqual(pnl_column(self.driver), sorted(pnl_column(self.driver)))
        click(self.driver, self.driver.find_element(By.CSS_SELECTOR, '#research-trade-table th[data-key="pnl"]'))
        self.assertEqual(pnl_column(self.driver), sorted(pnl_column(self.driver), reverse=True))
        screenshot(self.driver, "research")
        # The same configuration again: answered from the cache at once.
        click(self.driver, self.driver.find_element(By.ID, "research-run"))
        wait(self.driver, lambda d: "cached" in d.find_element(By.ID, "research-status").text, timeout=5,
             message="the rerun was not answered from the cache")
        runs = self.driver.find_elements(By.CSS_SELECTOR, "#research-runs tr")
        self.assertGreaterEqual(len(runs), 2)
        # Another configuration, then the two runs side by side.
        fast = self.driver.find_element(By.ID, "param-fast")
        fast.clear()
        fast.send_keys("12")
        click(self.driver, self.driver.find_element(By.ID, "research-run"))
        wait(self.driver, lambda d: attribute(d, "#research-status", "data-status") == "completed"
             and '"fast": 12' in d.find_element(By.ID, "research-config").text, timeout=15)
        boxes = lambda d: d.find_elements(By.CSS_SELECTOR, "#research-runs input[type=checkbox]")
        wait(self.driver, lambda d: len(boxes(d)) >= 3)
        click(self.driver, boxes(self.driver)[0])
        click(self.driver, boxes(self.driver)[2])
        wait(self.driver, lambda d: d.find_elements(By.CSS_SELECTOR, '#research-compare tr[data-key="sharpe_ratio"]'),
             message="the runs are not compared")
        compared = self.driver.find_elements(By.CSS_SELECTOR, '#research-compare tr[data-key="return_pct"] td')
        self.assertEqual(len(compared), 2)
        self.assertNotEqual(compared[0].text, compared[1].text, "two different configurations, one return")
        self.assertEqual(len([p for p in self.driver.find_elements(By.CSS_SELECTOR, "#research-compare-card svg path.line")
                              if p.get_attribute("d")]), 2)
        screenshot(self.driver, "research-compare")
        # A sweep over fast × slow: live progress, then the heatmap; a cell fills the form.
        for name, value in (("fast", "4, 8, 2"), ("slow", "20, 30, 5")):
            field = self.driver.find_element(By.ID, f"sweep-{name}")
            field.clear()
            field.send_keys(value)
        click(self.driver, self.driver.find_element(By.ID, "research-sweep"))
        wait(self.driver, lambda d: attribute(d, "#research-sweep-status", "data-status") == "completed", timeout=20,
             message="the sweep did not complete")
        wait(self.driver, lambda d: len(d.find_elements(By.CSS_SELECTOR, "#research-heatmap td")) == 9)
        screenshot(self.driver, "research-sweep")
        click(self.driver, self.driver.find_element(By.CSS_SELECTOR, '#research-heatmap td[data-row="6"][data-column="25"]'))
        self.assertEqual(self.driver.find_element(By.ID, "param-fast").get_attribute("value"), "6")
        self.assertEqual(self.driver.find_element(By.ID, "param-slow").get_attribute("value"), "25")

    def test_9_bot_page_draws_candles_trades_and_the_equity_history(self):
        bot = self.alice.call("POST", "/api/v1/bots", {
            "name": "Candle trader", "ticker": "ADA/USDT", "exchange": "binance", "strategy": "manual"})
        ops = API(self.server, "ops")  # prices are recorded by admins (or keys with the prices scope)
        # Five minutes of prices ending now, two a minute; the same ticker on the paper exchange at another price.
        now = time.time()
        ticks = []
        for k in range(10):
            stamp = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(now - 300 + 30 * k)) + ".000Z"
            ticks.append({"ticker": "ADA/USDT", "exchange": "binance", "price": 1.0 + 0.01 * k, "timestamp": stamp})
        for side, quantity, price in (("buy", 10, 1.05), ("sell", 10, 1.09), ("buy", 4, 1.08)):
            order = self.alice.call("POST", f"/api/v1/bots/{bot['id']}/orders",
                                    {"side": side, "type": "market", "quantity": quantity})
            self.alice.call("PATCH", f"/api/v1/orders/{order['id']}",
                            {"status": "FILLED", "fill": {"quantity": quantity, "price": price, "fee": 0.01}})
        # The last tick after the fills, so that the fills' minute has a candle to carry their markers.
        ticks.append({"ticker": "ADA/USDT", "exchange": "binance", "price": 1.09})
        ops.call("POST", "/api/v1/prices", ticks)
        ops.call("POST", "/api/v1/prices", {"ticker": "ADA/USDT", "exchange": "paper", "price": 7.77})
        self.go(f"#/bots/{bot['id']}")
        candles = lambda d: len(d.find_elements(By.CSS_SELECTOR, "#bot-detail-page svg.candles g.candle"))
        wait(self.driver, lambda d: candles(d) >= 5, timeout=5, message="no candles drawn")
        rows = lambda d: d.find_elements(By.CSS_SELECTOR, "#bot-trades tr")
        wait(self.driver, lambda d: len(rows(d)) == 2, timeout=5, message="the trades are not listed")
        closed = self.driver.find_element(By.CSS_SELECTOR, '#bot-trades tr[data-open="false"]')
        self.assertIn("+0.38", closed.text, "10 × 0.04 − 0.02 of fees")
        wait(self.driver, lambda d: len(d.find_elements(By.CSS_SELECTOR, "svg.candles .marker.entry-long")) == 2,
             timeout=5, message="the entries are not marked")
        self.assertEqual(len(self.driver.find_elements(By.CSS_SELECTOR, "svg.candles .marker.exit")), 1)
        # Its own exchange's price, not the paper market's 7.77 for the same ticker.
        self.assertEqual(self.driver.find_element(By.CSS_SELECTOR, '[data-stat="Last price"]').text, "1.0900")
        self.assertEqual(self.driver.find_element(By.CSS_SELECTOR, '[data-stat="Fees"]').text, "−0.03")
        wait(self.driver, lambda d: d.find_element(By.CSS_SELECTOR, '#bot-statistics [data-stat="trade_count"]').text
             == "1", timeout=3, message="the live statistics are not shown")
        equity = lambda d: d.execute_script(
            "const p = document.querySelectorAll('#bot-detail-page svg[aria-label=Equity] path.line.primary')[0];"
            " return p && p.getAttribute('d')")
        wait(self.driver, lambda d: equity(d), timeout=5, message="no equity curve")
        # A pushed price moves the forming candle.
        ops.call("POST", "/api/v1/prices", {"ticker": "ADA/USDT", "exchange": "binance", "price": 1.234})
        wait(self.driver, lambda d: "C 1.2340" in d.find_element(By.CSS_SELECTOR, "svg.candles .readout").text,
             timeout=3, message="the forming candle did not move")
        self.driver.execute_script("document.querySelector('svg.candles').scrollIntoView({block: 'center'})")
        screenshot(self.driver, "bot-candles")
        # After a reload the equity chart comes from the server's history at once.
        self.driver.refresh()
        wait(self.driver, lambda d: equity(d), timeout=5, message="the equity history is gone after a reload")
        wait(self.driver, lambda d: len(rows(d)) == 2, timeout=5)
        newest = lambda d: d.execute_script(
            "const r = document.querySelector('#orders-table tbody tr');"
            " return r && r.textContent")
        # The open trade closes in part from its row: half of the 4 held.
        click(self.driver, self.driver.find_element(By.CSS_SELECTOR, '#bot-trades tr[data-open="true"] .close-trade'))
        click(self.driver, self.driver.find_element(By.XPATH, '//div[@id="bot-confirm"]/button[text()="Close half"]'))
        wait(self.driver, lambda d: "SELL" in (newest(d) or "") and "2.0000" in newest(d), timeout=3,
             message="no partial closing order")
        # Force exit asks first, then cancels that order and places the closing sell for the 4 held.
        click(self.driver, self.driver.find_element(By.ID, "force-exit"))
        click(self.driver, self.driver.find_element(By.XPATH, '//div[@id="bot-confirm"]/button[text()="Close all"]'))
        wait(self.driver, lambda d: "SELL" in (newest(d) or "") and "4.0000" in newest(d), timeout=3,
             message="no closing order")
        # Stopping a bot that holds a position asks what to do with it.
        status = lambda d: d.find_element(By.CSS_SELECTOR, '[data-stat="Status"]').text
        click(self.driver, self.driver.find_element(By.CSS_SELECTOR, '#bot-controls button[data-status="ACTIVE"]'))
        wait(self.driver, lambda d: status(d) == "ACTIVE", timeout=3)
        click(self.driver, self.driver.find_element(By.CSS_SELECTOR, '#bot-controls button[data-status="STOPPED"]'))
        keep = self.driver.find_element(By.XPATH, '//div[@id="bot-confirm"]/button[text()="Stop and keep the position"]')
        click(self.driver, keep)
        wait(self.driver, lambda d: status(d) == "STOPPED", timeout=3)
        self.driver.set_window_size(390, 844)
        try:
            wait(self.driver, lambda d: candles(d) >= 5, timeout=5)
            self.driver.execute_script("window.scrollTo(0, 0)")
            screenshot(self.driver, "bot-candles-phone")
        finally:
            self.driver.set_window_size(1400, 1000)

    def test_9d_the_candle_chart_overlays_the_strategys_indicators(self):
        bot = self.alice.call("POST", "/api/v1/bots", {
            "name": "Crossover", "ticker": "AVAX/USDT", "exchange": "binance", "strategy": "sma_crossover",
            "config": {"fast": 2, "slow": 3}})
        ops = API(self.server, "ops")
        now = time.time()
        ops.call("POST", "/api/v1/prices", [
            {"ticker": "AVAX/USDT", "exchange": "binance", "price": 30 + (k % 4),
             "timestamp": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(now - 600 + 60 * k)) + ".000Z"}
            for k in range(10)])
        self.go(f"#/bots/{bot['id']}")
        line = lambda d, label: d.execute_script(
            f"const p = document.querySelector('svg.candles path.overlay[data-label=\"{label}\"]');"
            " return p && p.getAttribute('d')")
        wait(self.driver, lambda d: (line(d, "sma 2") or "").count("L") >= 5, timeout=5, message="no fast SMA overlay")
        self.assertGreaterEqual((line(self.driver, "sma 3") or "").count("L"), 4, "no slow SMA overlay")
        self.driver.execute_script("document.querySelector('svg.candles').scrollIntoView({block: 'center'})")
        screenshot(self.driver, "bot-overlays")

    def test_9b_profit_page_sums_every_bot_and_follows_new_trades(self):
        bot = self.alice.call("POST", "/api/v1/bots", {
            "name": "Profit maker", "ticker": "DOGE/USDT", "exchange": "binance", "strategy": "manual"})

        def round_trip(entry, exit):
            for side, price in (("buy", entry), ("sell", exit)):
                order = self.alice.call("POST", f"/api/v1/bots/{bot['id']}/orders",
                                        {"side": side, "type": "market", "quantity": 100})
                self.alice.call("PATCH", f"/api/v1/orders/{order['id']}",
                                {"status": "FILLED", "fill": {"quantity": 100, "price": price}})

        round_trip(0.10, 0.15)
        self.go("#/profit")
        cell = lambda d: d.execute_script(
            "const r = document.querySelector('#profit-instruments tr[data-ticker=\"DOGE/USDT\"]');"
            " return r && r.children[2].textContent")
        wait(self.driver, lambda d: cell(d) == "+5.00", timeout=5, message="the instrument's profit is not shown")
        self.assertTrue(self.driver.find_elements(By.CSS_SELECTOR, "#profit-bars rect.bar"))
        self.assertTrue(self.driver.find_elements(By.CSS_SELECTOR, "#profit-periods tr"))
        # A new trade closes: the page reads the summary again by itself.
        round_trip(0.15, 0.17)
        wait(self.driver, lambda d: cell(d) == "+7.00", timeout=6, message="the new trade did not reach the page")
        self.driver.find_element(By.CSS_SELECTOR, '#profit-group option[value="month"]').click()
        wait(self.driver, lambda d: len(d.find_elements(By.CSS_SELECTOR, "#profit-periods tr")) == 1, timeout=3)
        screenshot(self.driver, "profit")
        self.driver.set_window_size(390, 844)
        try:
            screenshot(self.driver, "profit-phone")
        finally:
            self.driver.set_window_size(1400, 1000)

    def test_9c_desktop_notifications_are_opt_in(self):
        self.driver.execute_cdp_cmd("Browser.grantPermissions", {
            "origin": self.server.url, "permissions": ["notifications"]})
        bot = self.alice.call("POST", "/api/v1/bots", {
            "name": "Notifier", "ticker": "NEAR/USDT", "exchange": "binance", "strategy": "manual"})

        def round_trip():
            for side, price in (("buy", 5.0), ("sell", 5.5)):
                order = self.alice.call("POST", f"/api/v1/bots/{bot['id']}/orders",
                                        {"side": side, "type": "market", "quantity": 2})
                self.alice.call("PATCH", f"/api/v1/orders/{order['id']}",
                                {"status": "FILLED", "fill": {"quantity": 2, "price": price}})

        self.go("#/bots")
        self.driver.execute_script("localStorage.removeItem('tickwire:notifications'); window.tickwire.notified = []")
        round_trip()
        time.sleep(0.5)
        self.assertEqual(self.driver.execute_script("return window.tickwire.notified"), [], "off until asked")
        click(self.driver, self.driver.find_element(By.ID, "notify"))
        wait(self.driver, lambda d: d.find_element(By.ID, "notify").get_attribute("aria-pressed") == "true", timeout=3)
        round_trip()
        shown = wait(self.driver, lambda d: d.execute_script("return window.tickwire.notified"), timeout=3)
        self.assertEqual(shown[0]["title"], "Notifier: long NEAR/USDT closed")
        self.assertIn("realized 1.00", shown[0]["body"])
        click(self.driver, self.driver.find_element(By.ID, "notify"))
        self.assertEqual(self.driver.find_element(By.ID, "notify").get_attribute("aria-pressed"), "false")

    def test_7_tabs_share_one_connection_and_hand_it_over_when_the_leader_closes(self):
        self.go("#/bots")
        first = self.driver.current_window_handle
        role = lambda d: d.execute_script("return window.tickwire.session?.client.tabRole")
        wait(self.driver, lambda d: role(d) == "leader", timeout=5)
        self.driver.switch_to.new_window("tab")
        self.driver.get(self.server.url + "/#/bots")
        wait(self.driver, lambda d: badge(d) == "live", timeout=10, message="the second tab never went live")
        self.assertEqual(role(self.driver), "follower")
        bot = self.alice.call("POST", "/api/v1/bots", {
            "name": "Seen by both tabs", "ticker": "ATOM/USDT", "exchange": "binance", "strategy": "manual"})
        wait(self.driver, lambda d: row(d, bot["id"]), timeout=2, message="not relayed to the follower tab")
        self.driver.switch_to.window(first)
        wait(self.driver, lambda d: row(d, bot["id"]), timeout=2)
        self.driver.close()
        self.driver.switch_to.window(self.driver.window_handles[0])
        wait(self.driver, lambda d: role(d) == "leader", timeout=5, message="the follower did not take over")
        later = self.alice.call("POST", "/api/v1/bots", {
            "name": "After the handover", "ticker": "ATOM/USDT", "exchange": "binance", "strategy": "manual"})
        wait(self.driver, lambda d: row(d, later["id"]), timeout=3, message="nothing arrives after the handover")


class Isolation(unittest.TestCase):
    def test_a_user_never_sees_another_users_bots(self):
        server = Server().start()
        driver = browser()
        try:
            alice, bob = API(server, "alice"), API(server, "bob")
            secret = alice.call("POST", "/api/v1/bots", {
                "name": "Alice private", "ticker": "DOT/USDT", "exchange": "binance", "strategy": "manual"})
            login(driver, server, "bob")
            mine = bob.call("POST", "/api/v1/bots", {
                "name": "Bob visible", "ticker": "DOT/USDT", "exchange": "binance", "strategy": "manual"})
            wait(driver, lambda d: row(d, mine["id"]))
            alice.call("PATCH", f"/api/v1/bots/{secret['id']}", {"name": "Alice private renamed"})
            alice.call("POST", "/api/v1/logs", {"bot_id": secret["id"], "level": "INFO", "message": "alice only"})
            bob.call("POST", "/api/v1/logs", {"bot_id": mine["id"], "level": "INFO", "message": "bob marker"})
            driver.get(server.url + "/#/activity")
            wait(driver, lambda d: "bob marker" in d.find_element(By.ID, "activity-feed").text)
            self.assertNotIn("alice only", driver.find_element(By.ID, "activity-feed").text)
            driver.get(server.url + "/#/bots")
            wait(driver, lambda d: row(d, mine["id"]))
            self.assertIsNone(row(driver, secret["id"]))
            self.assertNotIn("Alice", driver.find_element(By.ID, "bots-table").text)
            names = driver.execute_script(
                "return [...window.tickwire.session.state.bots.values()].map(e => e.bot.owner_id)")
            self.assertEqual(set(names), {mine["owner_id"]})
        finally:
            driver.quit()
            server.stop()


class WebSocketTransport(unittest.TestCase):
    def test_the_websocket_transport_pushes_and_resumes_after_a_restart(self):
        server = Server().start()
        driver = browser()
        try:
            alice = API(server, "alice")
            log_bot = alice.call("POST", "/api/v1/bots", {
                "name": "WS logger", "ticker": "ETC/USDT", "exchange": "binance", "strategy": "manual"})["id"]
            login(driver, server, "alice", query="?transport=websocket")
            self.assertEqual(driver.execute_script("return window.tickwire.session.client.transport"), "websocket")
            bot = alice.call("POST", "/api/v1/bots", {
                "name": "Socket bot", "ticker": "ETC/USDT", "exchange": "binance", "strategy": "manual"})
            wait(driver, lambda d: row(d, bot["id"]), timeout=1.0, message="not pushed over the WebSocket")

            driver.get(server.url + "/?transport=websocket#/activity")
            wait(driver, lambda d: badge(d) == "live", timeout=15)
            server.kill()
            wait(driver, lambda d: badge(d) == "reconnecting", timeout=5)
            server.start()
            messages = [f"socket resume {i}" for i in range(8)]
            for message in messages:
                alice.call("POST", "/api/v1/logs", {"bot_id": log_bot, "level": "INFO", "message": message})
            wait(driver, lambda d: badge(d) == "live", timeout=40)
            feed = lambda d: d.execute_script(
                "return [...document.querySelectorAll('#activity-feed li .message')].map(e => e.textContent)")
            wait(driver, lambda d: all(m in feed(d) for m in messages), timeout=5)
            self.assertEqual(sorted(t for t in feed(driver) if t.startswith("socket resume")), sorted(messages))
        finally:
            driver.quit()
            server.stop()


class PollingFallback(unittest.TestCase):
    def test_blocked_streaming_falls_back_to_polling_and_keeps_updating(self):
        server = Server("--no-streaming").start()
        driver = browser()
        try:
            alice = API(server, "alice")
            login(driver, server, "alice", query="?poll_interval=1000", expect="polling",
                  before_submit=lambda d: screenshot(d, "login"))
            bot = alice.call("POST", "/api/v1/bots", {
                "name": "Polled bot", "ticker": "LTC/USDT", "exchange": "binance", "strategy": "manual"})
            wait(driver, lambda d: row(d, bot["id"]), timeout=5, message="polling did not bring the new bot")
            screenshot(driver, "polling")
            # The activity feed is polled too.
            driver.get(server.url + "/?poll_interval=1000#/activity")
            wait(driver, lambda d: badge(d) == "polling", timeout=20)
            alice.call("POST", "/api/v1/logs", {"bot_id": bot["id"], "level": "INFO", "message": "polled line"})
            wait(driver, lambda d: "polled line" in d.find_element(By.ID, "activity-feed").text, timeout=5,
                 message="polling did not bring the log line")
        finally:
            driver.quit()
            server.stop()


if __name__ == "__main__":
    unittest.main(verbosity=2)
