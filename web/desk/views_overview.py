"""The overview: this week's figures as /stats counts them, overdue tickets, the chart."""

from __future__ import annotations

from aiohttp import web

from bot import i18n
from web.desk.app import Desk, user_of
from web.desk.render import Menu, page

MENU: Menu = (("/desk/", "desk.nav.overview"),)


def register(routes: web.RouteTableDef, desk: Desk) -> None:
    pages = desk.pages

    @routes.get("/")
    async def overview(request: web.Request) -> web.Response:
        user = user_of(request)
        seen = await pages.overview(user)
        return page(
            request,
            "overview.html",
            user.locale,
            user,
            figures=i18n.Raw(seen.figures_html),
            late=seen.late,
            names=seen.names,
            has_chart=bool(seen.kpi.top_categories),
            category=lambda code: i18n.t(user.locale, f"categories.{code}"),
        )

    @routes.get("/chart.png")
    async def chart(request: web.Request) -> web.Response:
        png = await pages.chart(user_of(request))
        return web.Response(body=png, content_type="image/png")
