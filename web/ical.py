"""The roster as iCal over HTTP: /ical/roster/{token}.ics, one secret link per staff member;
a token that is not a live link (wrong, or renewed with /ical new) is a plain 404."""

from __future__ import annotations

import re
from collections.abc import Callable

from aiohttp import web

from bot.domain.ical import TOKEN_CHARS
from bot.services.ical.desk import CalendarDesk

_TOKEN = re.compile(rf"[a-z2-7]{{{TOKEN_CHARS}}}")


def ical_routes(desk: CalendarDesk) -> Callable[[web.Application], None]:
    """Return what adds the calendar feed's route to an aiohttp application."""

    async def feed(request: web.Request) -> web.Response:
        token = request.match_info["token"]
        body = await desk.feed(token) if _TOKEN.fullmatch(token) else None
        if body is None:
            raise web.HTTPNotFound()
        return web.Response(
            body=body,
            content_type="text/calendar",
            charset="utf-8",
            # the link is the key: keep it out of shared caches and referrers
            headers={"Cache-Control": "private, max-age=300", "Referrer-Policy": "no-referrer"},
        )

    def add(app: web.Application) -> None:
        app.router.add_get("/ical/roster/{token}.ics", feed)

    return add
