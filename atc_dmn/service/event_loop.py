"""The event loop the service runs on: asyncio's own, with TCP_NODELAY, taking a few connections at a time.

asyncio turns Nagle's algorithm off only for a socket whose ``proto`` is TCP; with
``--workers N`` uvicorn binds the listening socket itself with ``proto`` 0, so the
accepted connections kept Nagle on and each answer (headers, then body: two writes)
waited for the client's delayed ACK: 44 ms per request under load, 726 req/s on two
workers against 2,736 on one. uvloop sets the option itself but, under 32 clients on
one worker, served some connections late (a p99 of 434-555 ms for a CDS Hooks call
against 58-72 ms here); this loop has neither problem (benchmarks/RESULTS.md).

It also accepts at most ACCEPT_AT_ONCE connections per wake-up instead of the whole
backlog, so that the workers share the clients: one worker that took all 32 at once left
the other idle (2,886 req/s on two workers, as on one; 4,397-5,409 taking 8). Taking only
one, a busy single worker let the last clients of a burst wait for their first answer
(CDS Hooks p99 270 ms, p99.9 514 ms, against 67 and 81 ms taking 8).
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
from typing import Any

ACCEPT_AT_ONCE = 8


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
        # With --workers N every worker waits on one listening socket: a few per wake-up, so the others
        # take the rest (asyncio takes up to uvicorn's backlog of 2,048 at once).
        super()._accept_connection(protocol_factory, sock, sslcontext, server, min(backlog, ACCEPT_AT_ONCE), *rest)
