"""A bot written with the Python client: it follows its instrument's prices as they are pushed, trades a moving
average crossover through market orders on the paper exchange, writes why to its activity log, and reports a
heartbeat. Nothing polls: the prices, its orders' fills and its PnL arrive as events.

    pip install ./clients/python
    python bot.py --url http://127.0.0.1:8080 --key "$TICKWIRE_TOKEN" --ticker BTC/USDT
"""

import argparse
from collections import deque

from tickwire_client import Client, Event, Reset


def run(client, ticker, fast, slow, quantity, prices=None):
    bot = client.bots.create(name=f"Python crossover {ticker}", ticker=ticker, exchange="paper", strategy="manual",
                             config={"heartbeat_seconds": 60}, status="ACTIVE")
    client.logs.write(bot["id"], f"python bot: started, SMA{fast} against SMA{slow} on {ticker}")
    window, previous, seen, position = deque(maxlen=slow), None, 0, 0.0
    for event in client.events(["prices", "orders"], ticker=ticker):
        if isinstance(event, Reset):
            continue  # prices need no history: the next one will do
        if event.type == "order_filled" and event.data["order"]["bot_id"] == bot["id"]:
            client.logs.write(bot["id"], f"python bot: filled {event.data['fill']['quantity']} at {event.data['fill']['price']}")
            continue
        if event.type != "price_update" or event.data.get("exchange") != "paper":
            continue
        seen += 1
        window.append(event.data["price"])
        if len(window) == slow:
            fast_average = sum(list(window)[-fast:]) / fast
            slow_average = sum(window) / slow
            above = fast_average > slow_average
            if previous is not None and above != previous:
                side = "buy" if above else "sell"
                if side == "buy" or position > 0:
                    client.orders.place(bot["id"], side=side, type="market", quantity=quantity)
                    position += quantity if side == "buy" else -quantity
                    client.logs.write(bot["id"], f"python bot: SMA{fast} {fast_average:.2f} crossed "
                                                 f"{'above' if above else 'below'} SMA{slow} {slow_average:.2f}: {side}")
            previous = above
        if seen % 20 == 0:
            client.bots.heartbeat(bot["id"])
        if prices is not None and seen >= prices:
            break
    client.bots.set_status(bot["id"], "STOPPED")
    return bot


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url")
    parser.add_argument("--key", help="an API key (or TICKWIRE_TOKEN)")
    parser.add_argument("--ticker", default="BTC/USDT")
    parser.add_argument("--fast", type=int, default=5)
    parser.add_argument("--slow", type=int, default=20)
    parser.add_argument("--quantity", type=float, default=0.01)
    parser.add_argument("--prices", type=int, help="stop after this many prices (default: run until stopped)")
    arguments = parser.parse_args()
    bot = run(Client(arguments.url, arguments.key), arguments.ticker, arguments.fast, arguments.slow,
              arguments.quantity, arguments.prices)
    print(f"bot {bot['id']} done")


if __name__ == "__main__":
    main()
