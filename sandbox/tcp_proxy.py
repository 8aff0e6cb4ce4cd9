"""A loopback TCP proxy that can be cut: the knob that "stops the database" (or any server)
for a while, as an outage or a network partition would, without touching the server itself.

`cut()` closes every open connection and refuses new ones (connection reset) until
`restore()`; the service under test sees exactly what a database that went away looks like.
`unplug()` is the network gone instead: the port stops listening, so a client's connect is
refused (it knows its request went nowhere), until `restore()` listens on the same port again.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging

log = logging.getLogger(__name__)


class TcpProxy:
    """Forward 127.0.0.1:<port> to `target_host:target_port`, with an off switch."""

    def __init__(self, target_host: str, target_port: int) -> None:
        self.target_host = target_host
        self.target_port = target_port
        self.port = 0
        self.is_cut = False
        self._server: asyncio.Server | None = None
        self._writers: set[asyncio.StreamWriter] = set()

    async def start(self, port: int = 0) -> int:
        """Listen on loopback; return the port."""
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", port)
        self.port = self._server.sockets[0].getsockname()[1]
        return self.port

    async def stop(self) -> None:
        self.cut()
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()

    def cut(self) -> None:
        """Drop every connection now and refuse new ones until `restore()`."""
        self.is_cut = True
        for writer in list(self._writers):
            _abort(writer)
        self._writers.clear()
        log.info("proxy to %s:%s cut", self.target_host, self.target_port)

    async def unplug(self) -> None:
        """Stop listening and drop every connection: connects are refused until `restore()`."""
        self.cut()
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
            self._server = None

    def restore(self) -> None:
        self.is_cut = False
        log.info("proxy to %s:%s restored", self.target_host, self.target_port)

    async def plug_in(self) -> None:
        """Listen on the same port again after `unplug()`, and forward as before."""
        if self._server is None:
            self._server = await asyncio.start_server(self._serve, "127.0.0.1", self.port)
        self.restore()

    async def _serve(self, client_r: asyncio.StreamReader, client_w: asyncio.StreamWriter) -> None:
        if self.is_cut:
            _abort(client_w)
            return
        try:
            server_r, server_w = await asyncio.open_connection(self.target_host, self.target_port)
        except OSError:
            _abort(client_w)
            return
        self._writers.update((client_w, server_w))
        try:
            await asyncio.gather(_pipe(client_r, server_w), _pipe(server_r, client_w))
        finally:
            for writer in (client_w, server_w):
                self._writers.discard(writer)
                _abort(writer)


async def _pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    with contextlib.suppress(OSError, asyncio.IncompleteReadError, RuntimeError):
        while data := await reader.read(65536):
            writer.write(data)
            await writer.drain()
    _abort(writer)


def _abort(writer: asyncio.StreamWriter) -> None:
    """Close at once, as a dead peer would (a reset, not a polite goodbye)."""
    transport = writer.transport
    if not transport.is_closing():
        transport.abort()
