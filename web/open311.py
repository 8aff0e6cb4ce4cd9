"""Open311 GeoReport v2 over HTTP (read-only): /open311/v2/services.{json,xml},
/open311/v2/requests.{json,xml} and /open311/v2/requests/{id}.{json,xml}; `jurisdiction_id` is
the community's code. Errors come in the spec's format: [{"code": 404, "description": "..."}]
(in XML: <errors><error><code>404</code><description>...</description></error></errors>)."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, Mapping, Sequence
from xml.etree import ElementTree

from aiohttp import web

from bot.services.open311.desk import Open311Desk, Open311Error

PREFIX = "/open311/v2"
FORMAT = "{fmt:json|xml}"
#: open data: any web page may read it (it holds nothing personal)
_HEADERS = {"Access-Control-Allow-Origin": "*"}
#: the spec's XML names: the list's element and each item's
_XML_NAMES = {
    "services": ("services", "service"),
    "requests": ("service_requests", "request"),
    "error": ("errors", "error"),
}
Read = Callable[[web.Request], Awaitable[Sequence[Mapping[str, object]]]]


def render(
    kind: str, rows: Sequence[Mapping[str, object]], fmt: str, status: int = 200
) -> web.Response:
    """Return `rows` as the spec's JSON array or XML document."""
    if fmt == "json":
        text = json.dumps(list(rows), ensure_ascii=False)
        return web.Response(
            text=text, status=status, content_type="application/json", headers=_HEADERS
        )
    root_name, item_name = _XML_NAMES[kind]
    root = ElementTree.Element(root_name)
    for row in rows:
        item = ElementTree.SubElement(root, item_name)
        for key, value in row.items():
            field = ElementTree.SubElement(item, key)
            if isinstance(value, bool):
                field.text = "true" if value else "false"
            elif value is not None:
                field.text = str(value)
    body = '<?xml version="1.0" encoding="utf-8"?>\n' + ElementTree.tostring(root, "unicode")
    return web.Response(text=body, status=status, content_type="text/xml", headers=_HEADERS)


def open311_routes(desk: Open311Desk) -> Callable[[web.Application], None]:
    """Return what adds the Open311 routes to an aiohttp application."""

    def answer(kind: str, read: Read) -> Callable[[web.Request], Awaitable[web.Response]]:
        async def handle(request: web.Request) -> web.Response:
            fmt = request.match_info["fmt"]
            try:
                desk.check_key(request.query.get("api_key"))
                rows = await read(request)
            except Open311Error as error:
                return render("error", error.as_json(), fmt, error.code)
            return render(kind, rows, fmt)

        return handle

    async def services(request: web.Request) -> Sequence[Mapping[str, object]]:
        return await desk.services(request.query.get("jurisdiction_id"))

    async def requests(request: web.Request) -> Sequence[Mapping[str, object]]:
        return await desk.requests(request.query.get("jurisdiction_id"), request.query)

    async def one(request: web.Request) -> Sequence[Mapping[str, object]]:
        number = request.match_info["number"]
        return await desk.request(request.query.get("jurisdiction_id"), number)

    def add(app: web.Application) -> None:
        app.router.add_get(f"{PREFIX}/services.{FORMAT}", answer("services", services))
        app.router.add_get(f"{PREFIX}/requests.{FORMAT}", answer("requests", requests))
        app.router.add_get(PREFIX + "/requests/{number}." + FORMAT, answer("requests", one))

    return add
