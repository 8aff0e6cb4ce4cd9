"""Signing in with the one-time link, the "please sign in via /desk" page, and signing out."""

from __future__ import annotations

from aiohttp import web

from bot.services.desk.sign_in import LinkRefused
from web.desk.app import COOKIE, TOKEN, Desk, locale_of
from web.desk.render import Menu, page

MENU: Menu = ()


def register(routes: web.RouteTableDef, desk: Desk) -> None:
    sign_in = desk.sign_in

    @routes.get("/signin")
    async def please_sign_in(request: web.Request) -> web.Response:
        notice = "desk.signin.signed_out" if request.query.get("out") else None
        return page(request, "signin.html", locale_of(request), notice_key=notice)

    @routes.get("/signin/{token}")
    async def show_link(request: web.Request) -> web.Response:
        try:
            locale = await sign_in.check(request.match_info["token"])
        except LinkRefused as refused:
            return _refused(request, refused)
        return page(request, "enter.html", locale, action=request.path)

    @routes.post("/signin/{token}")
    async def open_link(request: web.Request) -> web.StreamResponse:
        try:
            session, _locale = await sign_in.open(request.match_info["token"])
        except LinkRefused as refused:
            return _refused(request, refused)
        response = web.HTTPSeeOther("/desk/")
        response.set_cookie(
            COOKIE,
            session,
            max_age=int(sign_in.policy.longest.total_seconds()),
            path="/desk",
            httponly=True,
            samesite="Lax",
            secure=sign_in.secure,
        )
        raise response

    @routes.post("/signout")
    async def sign_out(request: web.Request) -> web.StreamResponse:
        await sign_in.sign_out(request[TOKEN])
        response = web.HTTPSeeOther("/desk/signin?out=1")
        response.del_cookie(COOKIE, path="/desk")
        raise response


def _refused(request: web.Request, refused: LinkRefused) -> web.Response:
    return page(
        request,
        "signin.html",
        refused.locale or locale_of(request),
        http_status=403,
        notice_key=f"desk.signin.refused.{refused.reason}",
    )
