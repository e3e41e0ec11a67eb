"""Tickwire's Python client: the REST API and the event stream, standard library only.

    from tickwire_client import Client

    client = Client("http://127.0.0.1:8080", token="...")      # an API key (or TICKWIRE_URL / TICKWIRE_TOKEN)
    bot = client.bots.create(name="mean reverter", ticker="BTC/USDT", exchange="binance", strategy="external")
    client.orders.place(bot["id"], side="buy", type="market", quantity=0.01)
    for event in client.events(["orders", "logs"], bot_id=bot["id"]):
        print(event.type, event.data)

`AsyncClient` offers the same calls as coroutines on asyncio's own sockets, and `events` as an async iterator.
"""

from ._async import AsyncClient
from ._client import Client, TickwireError
from ._sse import Event, Reset

__all__ = ["AsyncClient", "Client", "Event", "Reset", "TickwireError"]
__version__ = "0.1.0"
