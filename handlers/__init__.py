"""The Telegram adapter: the only package that imports `telegram`."""

from __future__ import annotations

from typing import Any

from telegram.ext import Application, ApplicationBuilder

from bot.services.container import Services
from handlers import (
    buttons,
    commands,
    desk,
    duty,
    errors,
    fallback,
    faq,
    gate,
    households,
    ical,
    kpi,
    membership,
    migration,
    notices,
    points,
    tickets,
    tickets_commands,
)

PtbApp = Application[Any, Any, Any, Any, Any, Any]


def build_application(token: str, base_url: str, base_file_url: str | None) -> PtbApp:
    """A PTB Application without PTB's Updater: our own transport feeds it from the inbox."""
    builder: ApplicationBuilder[Any, Any, Any, Any, Any, Any] = (
        ApplicationBuilder()
        .token(token)
        .base_url(base_url)
        .updater(None)
        .connect_timeout(10)
        .read_timeout(15)
        .write_timeout(15)
        .get_updates_read_timeout(45)
    )
    if base_file_url:
        builder = builder.base_file_url(base_file_url)
    return builder.build()


def register_all(application: PtbApp, services: Services) -> None:
    """Register every handler in a fixed order; the error handler comes last."""
    migration.register(application, services)  # group -110: a group became a supergroup
    gate.register(application, services)  # group -100: unknown groups stop here
    membership.register(application, services)  # bot added to / removed from groups
    commands.register(application, services)  # /start /help /bind /join
    notices.register(application, services)  # /notice /notices /outage; flow text at group -10
    duty.register(application, services)  # /duty /roster /cover /leave /workday; follow-up notes
    ical.register(application, services)  # /ical: a staff member's calendar link (private)
    tickets_commands.register(application, services)  # /report /mine /my /ticket /cancel /merge
    tickets.register(application, services)  # THE intake: every non-command text/photo message
    faq.register(application, services)  # /faq and the suggestion buttons
    kpi.register(application, services)  # /stats, /export: the figures, the tickets table
    households.register(application, services)  # /household /consult /vote /paper, ballots
    kpi.register(application, services)  # /stats: the committee's figures
    desk.register(application, services)  # /desk: a one-time link to the web desk
    points.register(application, services)  # /points /award and the approvers' buttons
    fallback.register(application, services)  # after every command: unknown ones are told so
    buttons.register(application, services)  # every inline button: presser checked first
    errors.register(application, services)  # last: polite refusals, logged failures
