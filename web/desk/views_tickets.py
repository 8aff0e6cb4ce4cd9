"""The ticket list (filters, keyset pages), one ticket's page, and reassigning it."""

from __future__ import annotations

from urllib.parse import quote, urlencode

from aiohttp import web

from bot import i18n
from bot.domain.desk.filters import read_filter
from bot.domain.errors import InvalidInput
from bot.domain.tickets.states import Status
from bot.intake_files import ticket_categories
from bot.services.tickets.cards import Looks
from web.desk.app import Desk, user_of
from web.desk.render import Menu, page

MENU: Menu = (("/desk/tickets", "desk.nav.tickets"),)


def register(routes: web.RouteTableDef, desk: Desk) -> None:
    pages = desk.pages

    @routes.get("/tickets")
    async def ticket_list(request: web.Request) -> web.Response:
        user = user_of(request)
        locale = user.locale
        where = read_filter(request.query)
        listed = await pages.tickets(user, where)
        names = {p.telegram_id: p.name for p in listed.staff if p.telegram_id is not None}
        return page(
            request,
            "tickets.html",
            locale,
            user,
            listed=listed,
            where=where,
            names=names,
            statuses=[(s.value, Looks.status(locale, s)) for s in Status],
            levels=[(str(n), i18n.t(locale, f"kpi.level.{n}")) for n in (1, 2, 3)],
            buildings=[b.number for b in user.community.buildings],
            categories=[(c, Looks.category(locale, c)) for c in ticket_categories()],
            status=lambda s: Looks.status(locale, s),
            category=lambda c: Looks.category(locale, c),
            level=lambda n: i18n.t(locale, f"kpi.level.{n}"),
            next_url=None
            if listed.next_before is None
            else "/desk/tickets?" + urlencode(where.query(before=listed.next_before)),
        )

    @routes.get("/tickets/{number}")
    async def one_ticket(request: web.Request) -> web.Response:
        user = user_of(request)
        locale = user.locale
        seen = await pages.ticket(user, request.match_info["number"])
        return page(
            request,
            "ticket.html",
            locale,
            user,
            seen=seen,
            ticket=seen.ticket,
            names=seen.names,
            status=Looks.status(locale, seen.ticket.status, seen.ticket.closure),
            category=Looks.category(locale, seen.ticket.category),
            level=i18n.t(locale, f"kpi.level.{seen.ticket.level}"),
            deadline=lambda name: i18n.t(locale, f"duty.reason.{name}"),
            event=lambda kind: i18n.t(
                locale,
                f"desk.event.{kind}"
                if i18n.has(locale, f"desk.event.{kind}")
                else "desk.event.other",
            ),
            done=request.query.get("done") == "1",
        )

    @routes.post("/tickets/{number}/reassign")
    async def reassign(request: web.Request) -> web.StreamResponse:
        user = user_of(request)
        number = request.match_info["number"]
        form = await request.post()
        to = str(form.get("to", ""))
        if not to.isdigit():
            raise InvalidInput("desk.ticket.pick_someone")
        await pages.reassign(user, number, int(to))
        desk.wake()
        raise web.HTTPSeeOther(f"/desk/tickets/{quote(number)}?done=1")
