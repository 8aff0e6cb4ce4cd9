"""Open311 GeoReport v2 over HTTP (read-only, JSON): /open311/v2/services.json,
/open311/v2/requests.json and /open311/v2/requests/{id}.json; `jurisdiction_id` is the
community's code. Errors come in the spec's format: [{"code": 404, "description": "..."}]."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from functools import partial

from aiohttp import web

from bot.services.open311.desk import Open311Desk, Open311Error

PREFIX = "/open311/v2"
_dumps = partial(json.dumps, ensure_ascii=False)
#: open data: any web page may read it (it holds nothing personal)
_HEADERS = {"Access-Control-Allow-Origin": "*"}


def open311_routes(desk: Open311Desk) -> Callable[[web.Application], None]:
    """Return what adds the Open311 routes to an aiohttp application."""

    def answer(
        read: Callable[[web.Request], Awaitable[object]],
    ) -> Callable[[web.Request], Awaitable[web.Response]]:
        async def handle(request: web.Request) -> web.Response:
            try:
                desk.check_key(request.query.get("api_key"))
                body = await read(request)
            except Open311Error as error:
                return web.json_response(
                    error.as_json(), status=error.code, dumps=_dumps, headers=_HEADERS
                )
            return web.json_response(body, dumps=_dumps, headers=_HEADERS)

        return handle

    async def services(request: web.Request) -> object:
        return await desk.services(request.query.get("jurisdiction_id"))

    async def requests(request: web.Request) -> object:
        return await desk.requests(request.query.get("jurisdiction_id"), request.query)

    async def one(request: web.Request) -> object:
        number = request.match_info["number"]
        return await desk.request(request.query.get("jurisdiction_id"), number)

    def add(app: web.Application) -> None:
        app.router.add_get(f"{PREFIX}/services.json", answer(services))
        app.router.add_get(f"{PREFIX}/requests.json", answer(requests))
        app.router.add_get(PREFIX + "/requests/{number}.json", answer(one))

    return add
