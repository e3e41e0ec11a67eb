"""An external agent for Tickwire trading models whose policy is `external`.

It connects to /api/v1/ws/agent with an API key, serves the models it is given, and answers every decision request
with buy, sell or hold and its reason, from what the request carries (the research core's RSI and SMA, the price,
the model's position). Replace `decide` with anything: a call to an LLM, a Python model. A late answer is a hold;
if the agent goes away, the sessions pause until it (or another agent) serves them again.

    pip install websockets
    python agent.py --url http://127.0.0.1:8080 --key "$TICKWIRE_TOKEN" --models 3 4
"""

import argparse
import json
import os
import sys
import time

from websockets.exceptions import ConnectionClosed, InvalidStatus
from websockets.sync.client import connect


def decide(request):
    """buy, sell or hold, and why, for one `decision_request`."""
    indicators = request.get("indicators") or {}
    rsi, sma = indicators.get("rsi_14"), indicators.get("sma_20")
    price, position = request.get("price"), request.get("position") or 0
    if rsi is not None and rsi < 30 and position <= 0:
        return "buy", f"agent: RSI14 {rsi:.1f} is oversold at {price}"
    if rsi is not None and rsi > 70 and position >= 0:
        return "sell", f"agent: RSI14 {rsi:.1f} is overbought at {price}"
    if sma is not None and price is not None:
        if price > sma * 1.0002 and position <= 0:
            return "buy", f"agent: price {price} is above SMA20 {sma:.2f}"
        if price < sma * 0.9998 and position > 0:
            return "sell", f"agent: price {price} fell below SMA20 {sma:.2f}"
        return "hold", f"agent: price {price} against SMA20 {sma:.2f} gives no edge"
    return "hold", "agent: not enough history yet"


def serve(url, key, models, decisions=None):
    """Answers until `decisions` answers were sent (None: forever); reconnects with backoff when the server goes."""
    endpoint = url.replace("http://", "ws://").replace("https://", "wss://").rstrip("/") + "/api/v1/ws/agent"
    answered, delay = 0, 1.0
    while decisions is None or answered < decisions:
        try:
            with connect(endpoint, additional_headers={"Authorization": f"Bearer {key}"}) as socket:
                socket.send(json.dumps({"type": "serve", "models": models}))
                delay = 1.0
                for text in socket:
                    message = json.loads(text)
                    if message.get("type") == "error":
                        print(f"server: {message.get('code')}: {message.get('message')}", file=sys.stderr)
                        if message.get("code") in ("not_found", "not_external"):
                            return answered
                        continue
                    if message.get("type") != "decision_request":
                        continue
                    action, reason = decide(message)
                    socket.send(json.dumps({
                        "type": "decision", "request_id": message["request_id"], "action": action, "reason": reason,
                    }))
                    answered += 1
                    print(f"model {message['model_id']} decision {message.get('decision')}: {action} ({reason})",
                          flush=True)
                    if decisions is not None and answered >= decisions:
                        return answered
        except InvalidStatus as error:
            # 503: this node does not run the engine (a cluster behind a balancer): try again, maybe another node.
            if error.response.status_code != 503:
                raise
            print(f"refused by this node ({error}); again in {delay:.0f} s", file=sys.stderr)
            time.sleep(delay)
            delay = min(delay * 2, 30)
        except (ConnectionClosed, OSError) as error:
            print(f"disconnected ({error}); again in {delay:.0f} s", file=sys.stderr)
            time.sleep(delay)
            delay = min(delay * 2, 30)
    return answered


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", default=os.environ.get("TICKWIRE_URL", "http://127.0.0.1:8080"))
    parser.add_argument("--key", default=os.environ.get("TICKWIRE_TOKEN"), help="an API key (or TICKWIRE_TOKEN)")
    parser.add_argument("--models", type=int, nargs="+", required=True, help="ids of models with policy external")
    parser.add_argument("--decisions", type=int, help="stop after this many answers (default: run until stopped)")
    arguments = parser.parse_args()
    if not arguments.key:
        parser.error("an API key is needed: --key or TICKWIRE_TOKEN")
    serve(arguments.url, arguments.key, arguments.models, arguments.decisions)


if __name__ == "__main__":
    main()
