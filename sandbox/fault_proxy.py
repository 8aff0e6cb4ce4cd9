"""An HTTP proxy between a bot and the sandbox's Bot API that injects faults into chosen calls.

Point the bot's LOUDAO_BOT_API_BASE_URL at `{proxy.base_url}/bot` and add faults; every call not
matched by a fault is forwarded unchanged. A fault matches a Bot API method (sendMessage…) and
optionally a chat (or private chats only) and a piece of the text, for its next `times` calls
(None: until cleared):

- `drop`: reset the connection without forwarding (the request is lost on the way; the bot
  cannot tell this from a lost answer, so for a send it is an outcome in doubt too);
- `delay`: wait `seconds`, then forward (slow Telegram);
- `5xx`: answer 502 Bad Gateway without forwarding (Telegram's front end failing);
- `429`: answer Too Many Requests with `retry_after` = `seconds`, without forwarding (a storm);
- `accepted_then_lost`: forward it – Telegram acts on it – then drop the connection instead of
  answering (a timeout after Telegram accepted: the bot cannot know the message arrived).

For the network gone altogether (connects refused), put `sandbox.tcp_proxy.TcpProxy` in front
and `unplug()` it. `calls` records every call that reached the proxy, in order.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field
from typing import Literal

import aiohttp
from aiohttp import web

from sandbox.api_base import api_error_response
from sandbox.models import ApiError
from sandbox.params import Params

FaultKind = Literal["drop", "delay", "5xx", "429", "accepted_then_lost"]
_HOP_HEADERS = {"host", "content-length", "transfer-encoding", "connection"}


@dataclass
class Fault:
    """One kind of fault for the calls it matches (a method, a chat, a piece of text)."""

    kind: FaultKind
    method: str = "sendMessage"
    chat_id: int | None = None
    private_only: bool = False  # only calls naming a private chat (a positive chat id)
    text: str | None = None
    times: int | None = 1
    seconds: float = 1.0
    hits: int = 0

    def matches(self, method: str, params: Params) -> bool:
        if self.times is not None and self.hits >= self.times:
            return False
        if method.lower() != self.method.lower():
            return False
        chat = str(params.values.get("chat_id"))
        if self.chat_id is not None and chat != str(self.chat_id):
            return False
        if self.private_only and not chat.isdigit():
            return False
        return self.text is None or self.text in (params.text("text") or "")


@dataclass
class Call:
    """A Bot API call as the proxy saw it."""

    method: str
    chat_id: str | None
    at: float
    fault: FaultKind | None = None
    status: int | None = None


@dataclass
class FaultProxy:
    """Forward `/bot<token>/<method>` (and files) to `target`, with faults where asked."""

    target: str
    faults: list[Fault] = field(default_factory=list)
    calls: list[Call] = field(default_factory=list)
    base_url: str = ""
    _runner: web.AppRunner | None = None
    _http: aiohttp.ClientSession | None = None

    async def start(self) -> str:
        """Listen on a free loopback port; return the base URL."""
        app = web.Application(client_max_size=20 * 1024 * 1024)
        app.add_routes([web.route("*", "/{path:.*}", self._forward)])
        self._http = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=120))
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=0.5)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.base_url = f"http://127.0.0.1:{int(self._runner.addresses[0][1])}"
        return self.base_url

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
        if self._http is not None:
            await self._http.close()

    def add(self, fault: Fault) -> Fault:
        """Apply `fault` to the calls it matches from now on."""
        self.faults.append(fault)
        return fault

    def clear(self) -> None:
        """Forward everything unchanged again."""
        self.faults.clear()

    def count(self, method: str, fault: FaultKind | None = None) -> int:
        """How many calls of `method` reached the proxy (with that fault, when given)."""
        return sum(
            1
            for c in self.calls
            if c.method.lower() == method.lower() and (fault is None or c.fault == fault)
        )

    async def _forward(self, request: web.Request) -> web.StreamResponse:
        body = await request.read()
        method = request.path.rsplit("/", 1)[-1]
        params = await _params(request)
        fault = self._fault_for(method, params)
        chat = str(params.values.get("chat_id")) if params is not None else None
        call = Call(method, chat, time.monotonic(), fault.kind if fault else None)
        self.calls.append(call)
        if fault is not None and fault.kind == "drop":
            if request.transport is not None:
                request.transport.abort()
            return web.Response(status=204)
        if fault is not None and fault.kind == "5xx":
            call.status = 502
            return api_error_response(ApiError(502, "Bad Gateway"))
        if fault is not None and fault.kind == "429":
            call.status = 429
            retry = max(1, round(fault.seconds))
            return api_error_response(
                ApiError(429, f"Too Many Requests: retry after {retry}", retry_after=retry)
            )
        if fault is not None and fault.kind == "delay":
            await asyncio.sleep(fault.seconds)
        try:
            status, headers, answer = await self._pass_on(request, body)
        except aiohttp.ClientError:  # the sandbox is stopping
            return api_error_response(ApiError(502, "Bad Gateway"))
        call.status = status
        if fault is not None and fault.kind == "accepted_then_lost":
            if request.transport is not None:
                request.transport.abort()  # Telegram has it; the bot never hears so
            return web.Response(status=204)
        return web.Response(status=status, body=answer, headers=headers)

    def _fault_for(self, method: str, params: Params | None) -> Fault | None:
        if params is None:
            return None
        for fault in self.faults:
            if fault.matches(method, params):
                fault.hits += 1
                return fault
        return None

    async def _pass_on(
        self, request: web.Request, body: bytes
    ) -> tuple[int, dict[str, str], bytes]:
        assert self._http is not None
        headers = {k: v for k, v in request.headers.items() if k.lower() not in _HOP_HEADERS}
        async with self._http.request(
            request.method, self.target + request.path_qs, data=body, headers=headers
        ) as response:
            answer = await response.read()
            kept = {k: v for k, v in response.headers.items() if k.lower() not in _HOP_HEADERS}
            return response.status, kept, answer


async def _params(request: web.Request) -> Params | None:
    """A Bot API call's parameters (None for files and multipart uploads: never faulted)."""
    if not request.path.startswith("/bot") or request.content_type == "multipart/form-data":
        return None
    return await Params.read(request)
