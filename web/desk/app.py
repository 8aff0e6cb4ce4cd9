"""The desk's aiohttp application: who is signed in (a session cookie, roles read again on
every request), CSRF on every POST, polite error pages, and the pages' routes.

Adding a page: a module `web/desk/views_<name>.py` with `register(routes, desk)` (its routes,
relative to /desk) and `MENU` (its entries in the header, `()` for none), a template extending
base.html, its texts in bot/texts/*/desk.yaml, and the module added to `pages()` below. Handlers
are thin: read the request, call one service, render.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import pylopdf_fonts_zh_cn
from aiohttp import web
from aiohttp.typedefs import Middleware

from bot import i18n
from bot.domain.desk.sign_in import csrf_ok
from bot.domain.errors import LoudaoError, NotFound
from bot.services.desk.pages import DeskPages
from bot.services.desk.sign_in import DeskSignIn, DeskUser
from web.desk.render import NAV, Menu, page

COOKIE = "loudao_desk"
STATIC = Path(__file__).parent / "static"
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
#: paths anyone may open (signing in, the stylesheet)
PUBLIC = ("/desk/signin", "/desk/static/", "/desk/font.otf")
USER = web.RequestKey("desk_user", DeskUser)  # who is signed in (set by the session check)
TOKEN = web.RequestKey("desk_token", str)  # their session's token (signing out ends it)


@dataclass(frozen=True)
class Desk:
    """What the pages are given: the sign-in and the pages' use cases."""

    sign_in: DeskSignIn
    pages: DeskPages
    # called after an action queued messages (cards, the new assignee's): sent without delay
    wake: Callable[[], None] = lambda: None


def user_of(request: web.Request) -> DeskUser:
    """The signed-in user of a request that passed the session check."""
    user = request.get(USER)
    assert isinstance(user, DeskUser)
    return user


def locale_of(request: web.Request) -> str:
    """The page's language: the signed-in user's, else the browser's, else Chinese."""
    user = request.get(USER)
    if isinstance(user, DeskUser):
        return user.locale
    header = request.headers.get("Accept-Language", "")
    return i18n.pick_locale(header.split(",")[0].strip() or None)


def _session_check(desk: Desk) -> Middleware:
    @web.middleware
    async def check(request: web.Request, handler: Handler) -> web.StreamResponse:
        if request.path.startswith(PUBLIC):
            return await handler(request)
        token = request.cookies.get(COOKIE, "")
        user = await desk.sign_in.who(token) if token else None
        if user is None:
            if request.method == "POST":
                return _forbidden(request)
            raise web.HTTPSeeOther("/desk/signin")
        request[USER] = user
        request[TOKEN] = token
        if request.method == "POST":
            form = await request.post()
            sent = form.get("csrf")
            if not csrf_ok(token, sent if isinstance(sent, str) else None):
                return _forbidden(request)
        return await handler(request)

    return check


def _forbidden(request: web.Request) -> web.Response:
    locale = locale_of(request)
    return page(
        request,
        "message.html",
        locale,
        request.get(USER),
        http_status=403,
        title_key="desk.forbidden.title",
        text_key="desk.forbidden.csrf",
    )


@web.middleware
async def _refusals(request: web.Request, handler: Handler) -> web.StreamResponse:
    """A refusal from a service (an unknown ticket, a change not allowed) as a polite page."""
    try:
        return await handler(request)
    except NotFound as exc:
        return _refused(request, exc, 404)
    except LoudaoError as exc:
        return _refused(request, exc, 400)
    except web.HTTPNotFound:
        locale = locale_of(request)
        return page(
            request,
            "message.html",
            locale,
            request.get(USER),
            http_status=404,
            title_key="desk.not_found.title",
            text_key="desk.not_found.text",
        )


def _refused(request: web.Request, exc: LoudaoError, status: int) -> web.Response:
    locale = locale_of(request)
    return page(
        request,
        "message.html",
        locale,
        request.get(USER),
        http_status=status,
        title_key="desk.forbidden.title",
        text=i18n.t(locale, exc.key, **exc.params),
    )


class Page(Protocol):
    """A page module of the desk."""

    MENU: Menu

    def register(self, routes: web.RouteTableDef, desk: Desk) -> None: ...


def pages() -> tuple[Page, ...]:
    """The desk's page modules, in the order of the header's menu."""
    from web.desk import views_overview, views_sign_in, views_tickets

    return (views_sign_in, views_overview, views_tickets)


async def _headers(_request: web.Request, response: web.StreamResponse) -> None:
    """Pages may show personal data: never cached, framed or fed scripts from elsewhere."""
    response.headers.setdefault("Cache-Control", "no-store")
    response.headers["X-Frame-Options"] = "DENY"
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = (
        "default-src 'self'; img-src 'self'; style-src 'self'; font-src 'self';"
        " script-src 'none'; frame-ancestors 'none'; form-action 'self'"
    )
    response.headers["Referrer-Policy"] = "no-referrer"


def desk_app(desk: Desk) -> web.Application:
    """The desk as an aiohttp application, to mount at /desk."""
    app = web.Application(middlewares=[_refusals, _session_check(desk)])
    routes = web.RouteTableDef()
    menu: list[tuple[str, str]] = []
    for module in pages():
        module.register(routes, desk)
        menu.extend(module.MENU)
    app[NAV] = tuple(menu)
    app.on_response_prepare.append(_headers)
    app.add_routes(routes)
    app.router.add_static("/static/", STATIC)
    app.router.add_get("/font.otf", _font)
    return app


async def _font(_request: web.Request) -> web.StreamResponse:
    """The Chinese font the charts use, for browsers without one (no CDN: works offline)."""
    response = web.FileResponse(pylopdf_fonts_zh_cn.sans_path())
    response.headers["Cache-Control"] = "public, max-age=604800"  # the same font for years
    return response


def desk_routes(desk: Desk) -> Callable[[web.Application], None]:
    """What serves the desk under /desk on the ops server's application (OpsServer routes)."""

    async def to_overview(_request: web.Request) -> web.StreamResponse:
        raise web.HTTPSeeOther("/desk/")

    def mount(parent: web.Application) -> None:
        parent.router.add_get("/desk", to_overview)
        parent.add_subapp("/desk", desk_app(desk))

    return mount
