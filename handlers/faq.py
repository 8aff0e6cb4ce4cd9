"""The knowledge base in chat: `/faq …` for admins, suggestion buttons, and (for now) free text.

`/faq add|edit|del|show|list|gaps` work in a private chat for admins and supervisors.
Pressing a "您是想问：" button posts that entry's answer.

Questions reach the desk through the tickets intake handler (it calls `FaqDesk.answer`, the
`QuestionDesk` port). TEMPORARY: when no tickets desk is wired, `register_standalone_intake`
sends private free text and group questions to the desk itself.
"""

from __future__ import annotations

from typing import Any

from telegram import Update
from telegram.constants import ParseMode
from telegram.ext import Application, CommandHandler, ContextTypes, MessageHandler, filters

from bot.domain.errors import InvalidInput
from bot.services.buttons import Pressed
from bot.services.container import Services
from bot.services.faq import FaqDesk
from bot.services.faq_admin import FaqAdmin
from bot.services.ports import Question
from handlers.buttons import on_press
from handlers.incoming import Incoming, locale_for, parse_message, strip_mention

PtbApp = Application[Any, Any, Any, Any, Any, Any]
# The standalone group intake runs next to the report handler (group 0), not instead of it.
STANDALONE_GROUP_INTAKE = 1
FAQ_COMMANDS = -1


def register(application: PtbApp, services: Services) -> None:
    desk, admin = services.faq, services.faq_admin
    if desk is None or admin is None:
        return
    _register_commands(application, services, admin)
    _register_buttons(application, services, desk)
    if getattr(services, "tickets", None) is None:
        # TEMPORARY: only while no tickets intake calls the desk (see module docstring).
        register_standalone_intake(application, services, desk)


def _register_commands(application: PtbApp, services: Services, admin: FaqAdmin) -> None:
    async def faq_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        message, user, chat = (
            update.effective_message,
            update.effective_user,
            update.effective_chat,
        )
        if message is None or user is None or chat is None:
            return
        locale = locale_for(update, services.settings.locale)
        if chat.type != "private":
            raise InvalidInput("faq.private_only")
        action, rest = _split_command(message.text or "")
        uid = update.update_id
        if action == "add":
            text = await admin.add(user.id, rest, uid, locale)
        elif action == "edit":
            text = await admin.edit(user.id, rest, uid, locale)
        elif action in ("del", "delete", "rm"):
            text = await admin.delete(user.id, rest, uid, locale)
        elif action == "show":
            text = await admin.show(user.id, rest, locale)
        elif action == "list":
            text = await admin.listing(user.id, rest, locale)
        elif action == "gaps":
            text = await admin.gaps(user.id, locale)
        else:
            text = await admin.usage(user.id, locale)
        await message.reply_text(text, parse_mode=ParseMode.HTML)

    # Group -1: before the report handler in group 0, which takes every group message; an
    # update still reaches group 0 afterwards.
    application.add_handler(CommandHandler("faq", faq_command), group=FAQ_COMMANDS)


def _split_command(text: str) -> tuple[str, str]:
    """'/faq add x | y | z' → ('add', 'x | y | z'), keeping the answer's line breaks."""
    body = text.split(maxsplit=1)[1] if len(text.split(maxsplit=1)) > 1 else ""
    head, _, rest = body.lstrip().partition(" ")
    if "\n" in head:  # '/faq add\nx | …'
        head, _, more = head.partition("\n")
        rest = more + (" " + rest if rest else "")
    return head.lower(), rest.strip()


def _register_buttons(application: PtbApp, services: Services, desk: FaqDesk) -> None:
    async def show(update: Update, context: ContextTypes.DEFAULT_TYPE, pressed: Pressed) -> None:
        query = update.callback_query
        if query is None:
            return
        message = query.message
        chat_id = message.chat.id if message is not None else pressed.presser_id
        locale = str(pressed.spec.payload.get("locale") or services.settings.locale)
        await desk.show(
            pressed.spec.community_id,
            str(pressed.spec.payload.get("entry_id", "")),
            chat_id,
            message.message_id if message is not None else None,
            update.update_id,
            locale,
        )
        await query.answer()

    on_press(application, "faq.", show)


def register_standalone_intake(application: PtbApp, services: Services, desk: FaqDesk) -> None:
    """TEMPORARY: private free text and group questions go to the desk directly.

    Private chats: group 0, after every handler registered before (so commands win). Groups:
    PTB group 1, so the report handler in group 0 still sees every group message. Remove this
    when the tickets intake handler calls the desk.
    """

    async def private_text(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        incoming = parse_message(update, context.bot.username, services.settings.locale)
        if incoming is None or not incoming.is_private or not incoming.text.strip():
            return
        await desk.answer_privately(_question(incoming, incoming.text, True, incoming.language))
        services.wake_sender()

    async def group_text(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        incoming = parse_message(update, context.bot.username, services.settings.locale)
        if incoming is None or incoming.is_private:
            return
        addressed = incoming.mentions_bot or incoming.reply_to_user_id == context.bot.id
        text = strip_mention(incoming.text, context.bot.username)
        if not text:
            return
        question = _question(incoming, text, addressed, services.settings.locale)
        await desk.answer_in_group(question)
        services.wake_sender()

    application.add_handler(
        MessageHandler(filters.ChatType.PRIVATE & filters.TEXT & ~filters.COMMAND, private_text)
    )
    application.add_handler(
        MessageHandler(filters.ChatType.GROUPS & filters.TEXT & ~filters.COMMAND, group_text),
        group=STANDALONE_GROUP_INTAKE,
    )


def _question(incoming: Incoming, text: str, addressed: bool, locale: str) -> Question:
    return Question(
        update_id=incoming.update_id,
        chat_id=incoming.chat_id,
        message_id=incoming.message_id,
        user_id=incoming.user_id,
        text=text,
        addressed=addressed,
        private=incoming.is_private,
        community_id=None,  # the desk finds it from the group or the person
        building=None,
        locale=locale,
    )
