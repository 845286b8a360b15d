"""The service's event loop turns Nagle off on connections accepted from a socket bound as uvicorn binds it.

With ``--workers N`` uvicorn creates the listening socket itself (``proto`` 0), and asyncio's
own loop then leaves Nagle on: every answer waited for the client's delayed ACK (44 ms).
"""

from __future__ import annotations

import asyncio
import socket

from atc_dmn.service.config import ServeConfig
from atc_dmn.service.event_loop import ACCEPT_AT_ONCE, NoDelayEventLoop
from atc_dmn.service.run import uvicorn_options


def _nodelay_of_accepted(loop_class: type[asyncio.AbstractEventLoop]) -> int:
    """TCP_NODELAY on the server side of one connection, accepted from a socket bound with proto 0."""
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)  # as uvicorn's Config.bind_socket does
    listener.bind(("127.0.0.1", 0))
    port = listener.getsockname()[1]
    seen: list[int] = []

    class Probe(asyncio.Protocol):
        def connection_made(self, transport: asyncio.BaseTransport) -> None:
            sock = transport.get_extra_info("socket")
            seen.append(sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY))
            transport.close()

    async def main() -> None:
        server = await asyncio.get_running_loop().create_server(Probe, sock=listener)
        _, writer = await asyncio.open_connection("127.0.0.1", port)
        for _ in range(100):
            if seen:
                break
            await asyncio.sleep(0.01)
        writer.close()
        server.close()
        await server.wait_closed()

    loop = loop_class()
    try:
        loop.run_until_complete(main())
    finally:
        loop.close()
    assert seen, "no connection was accepted"
    return seen[0]


def test_the_service_loop_turns_nagle_off():
    assert _nodelay_of_accepted(NoDelayEventLoop) != 0


def test_asyncio_own_loop_leaves_it_on_for_such_a_socket():
    # The control (the probe can see Nagle on), and the reason for the loop.
    assert _nodelay_of_accepted(asyncio.SelectorEventLoop) == 0, (
        "this Python's asyncio sets TCP_NODELAY on such sockets itself: NoDelayEventLoop can go"
    )


def test_uvicorn_runs_the_service_on_it():
    options = uvicorn_options(ServeConfig(models=("m.xlsx",)))
    module, name = options["loop"].split(":")
    assert getattr(__import__(module, fromlist=[name]), name) is NoDelayEventLoop


WAITING = 3 * ACCEPT_AT_ONCE


def _accepted_by_turn(loop_class: type[asyncio.AbstractEventLoop]) -> list[int]:
    """How many of the waiting clients (more than the loop takes at once) it has accepted after each turn."""
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.bind(("127.0.0.1", 0))
    listener.listen(64)
    clients = [socket.create_connection(listener.getsockname()) for _ in range(WAITING)]
    accepted: list[asyncio.BaseTransport] = []

    class Count(asyncio.Protocol):
        def connection_made(self, transport: asyncio.BaseTransport) -> None:
            accepted.append(transport)

    async def main() -> list[int]:
        server = await asyncio.get_running_loop().create_server(Count, sock=listener)
        counts = []
        for _ in range(20):
            await asyncio.sleep(0)  # one turn of the loop
            counts.append(len(accepted))
        for transport in accepted:
            transport.close()
        server.close()
        await server.wait_closed()
        return counts

    loop = loop_class()
    try:
        return loop.run_until_complete(main())
    finally:
        loop.close()
        for client in clients:
            client.close()


def test_it_takes_one_connection_per_wake_up():
    # Several workers share one listening socket: a worker that took the whole backlog at once served
    # every client alone, while the other idled.
    counts = _accepted_by_turn(NoDelayEventLoop)
    assert counts[-1] == WAITING, counts
    assert all(b - a <= ACCEPT_AT_ONCE for a, b in zip([0, *counts], counts, strict=False)), counts


def test_asyncio_own_loop_takes_them_all_at_once():
    # The control: the check above can fail.
    counts = _accepted_by_turn(asyncio.SelectorEventLoop)
    assert any(b - a > ACCEPT_AT_ONCE for a, b in zip([0, *counts], counts, strict=False)), counts
