"""The event loop the service runs on: asyncio's own, with TCP_NODELAY, taking one connection at a time.

asyncio turns Nagle's algorithm off only for a socket whose ``proto`` is TCP; with
``--workers N`` uvicorn binds the listening socket itself with ``proto`` 0, so the
accepted connections kept Nagle on and each answer (headers, then body: two writes)
waited for the client's delayed ACK: 44 ms per request under load, 726 req/s on two
workers against 2,736 on one. uvloop sets the option itself but, under 32 clients on
one worker, served some connections late (a p99 of 434-555 ms for a CDS Hooks call
against 58-72 ms here); this loop has neither problem (benchmarks/RESULTS.md).

It also accepts one connection per wake-up instead of the whole backlog, so that the
workers share the clients: one worker that took all 32 at once left the other idle
(2,886 req/s on two workers, as on one; 5,074-5,580 taking one at a time).
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
from typing import Any


class NoDelayEventLoop(asyncio.SelectorEventLoop):
    """asyncio's selector loop that sets TCP_NODELAY on each accepted TCP connection."""

    def _make_socket_transport(self, sock: Any, *args: Any, **kwargs: Any) -> Any:
        if sock.family in (socket.AF_INET, socket.AF_INET6) and sock.type == socket.SOCK_STREAM:
            with contextlib.suppress(OSError):  # a closed socket: the transport reports it as asyncio would
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        return super()._make_socket_transport(sock, *args, **kwargs)

    def _accept_connection(
        self,
        protocol_factory: Any,
        sock: Any,
        sslcontext: Any = None,
        server: Any = None,
        backlog: int = 100,
        *rest: Any,
    ) -> None:
        # One connection per wake-up: with --workers N every worker waits on one listening socket, and a
        # worker that took the whole backlog at once (asyncio's way) served all 32 clients of a run alone
        # while the other idled. Taking one, the idle worker takes the next.
        super()._accept_connection(protocol_factory, sock, sslcontext, server, 1, *rest)
