"""Pages from Jinja2 templates: one base layout, the catalogue's texts, times in the community's
timezone; every value is escaped unless it is our own markup."""

from __future__ import annotations

from datetime import datetime, timedelta
from functools import cache
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import jinja2
from aiohttp import web
from markupsafe import Markup

from bot import i18n
from bot.services.desk.sign_in import DeskUser

TEMPLATES = Path(__file__).parent / "templates"
Menu = tuple[tuple[str, str], ...]  # (path, text key) of each page in the header
#: the desk application's menu, made from its page modules' MENU entries (web/desk/app.py)
NAV = web.AppKey("desk_nav", tuple)


@cache
def environment() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES),
        autoescape=True,
        trim_blocks=True,
        lstrip_blocks=True,
        undefined=jinja2.StrictUndefined,
    )


def late_text(locale: str, late: timedelta) -> str:
    """How late, in words: 45分钟, 3小时5分钟, 2天4小时."""
    minutes = int(late.total_seconds() // 60)
    if minutes < 60:
        return i18n.t(locale, "desk.late.minutes", n=minutes)
    hours, minutes = divmod(minutes, 60)
    if hours < 48:
        return i18n.t(locale, "desk.late.hours", h=hours, m=minutes)
    return i18n.t(locale, "desk.late.days", d=hours // 24, h=hours % 24)


def page(
    request: web.Request,
    template: str,
    locale: str,
    user: DeskUser | None = None,
    http_status: int = 200,
    **context: Any,
) -> web.Response:
    """Render `template` in `locale` for `user` (None: signed out)."""
    tz = ZoneInfo(user.community.timezone if user else "Asia/Shanghai")

    def t(key: str, **params: Any) -> Markup:
        return Markup(i18n.t(locale, key, **params))  # our catalogue's markup, params escaped

    def when(at: datetime | None) -> str:
        return "" if at is None else at.astimezone(tz).strftime("%Y-%m-%d %H:%M")

    html = (
        environment()
        .get_template(template)
        .render(
            t=t,
            when=when,
            late_by=lambda d: late_text(locale, d),
            locale=locale,
            user=user,
            nav=request.app.get(NAV, ()),
            path=request.path,
            lang="zh-CN" if locale == "zh_CN" else "en",
            **context,
        )
    )
    return web.Response(text=html, content_type="text/html", status=http_status)
