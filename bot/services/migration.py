"""A basic group that Telegram upgraded to a supergroup: follow it to its new chat id.

Telegram tells the bot twice – the supergroup's `migrate_from_chat_id` message and the old
group's `migrate_to_chat_id` message – and answers any later send to the old id with
ChatMigrated. Whichever comes first, in whichever process, follows the group: its binding,
its tickets and the rest of its history, and what is still queued for it. The others find
nothing left to do. Only the re-keying itself is audited; the admins hear of it only if it
fails.
"""

from __future__ import annotations

import logging
from datetime import datetime

from bot import i18n
from bot.domain.clock import Clock
from bot.domain.records import AuditRecord, ChatMove
from bot.domain.registry import Role
from bot.services.outbox import REFERENCE_KEYS
from bot.services.outgoing import send
from bot.services.ports import TicketUnitOfWork, TicketUnitOfWorkFactory

log = logging.getLogger(__name__)

#: outbox methods that change a message we sent (named by its Telegram id or its outbox row)
CHANGES = frozenset({"edit_text", "edit_buttons", "pin", "delete"})
PURPOSE = "admin.chat_upgrade_failed"


class ChatMigrations:
    """Follows groups to the supergroups they became."""

    def __init__(self, uow: TicketUnitOfWorkFactory, clock: Clock) -> None:
        self.uow = uow
        self.clock = clock

    async def upgraded(
        self, old_chat_id: int, new_chat_id: int, *, via: str, update_id: int | None = None
    ) -> bool:
        """Move a group's binding, history and queued messages to its supergroup's id.

        Safe to call for every signal, in any order and in several processes. Returns False
        (and the community's admins are told, once) when it could not be done."""
        now = self.clock.now()
        try:
            async with self.uow() as tx:
                move = await tx.chats.migrate(old_chat_id, new_chat_id, now)
                queued, homes = await redirect_queued(tx, old_chat_id, new_chat_id, now)
                if homes:
                    await tx.tickets.move_group_messages(homes)
                if move is not None and move.first:
                    await _audit(tx, move, queued, via, update_id, now)
                await tx.commit()
        except Exception:
            log.exception("could not follow chat %s to supergroup %s", old_chat_id, new_chat_id)
            await self._tell_admins(old_chat_id, now)
            return False
        if move is not None and move.first:
            log.info("chat %s became supergroup %s: followed (%s)", old_chat_id, new_chat_id, via)
        return True

    async def seen_on_send(self, old_chat_id: int, new_chat_id: int) -> bool:
        """A send to the old id was answered ChatMigrated: follow the group (the sender's hook)."""
        return await self.upgraded(old_chat_id, new_chat_id, via="send")

    async def _tell_admins(self, old_chat_id: int, now: datetime) -> None:
        """Queue one note per admin that the group could not be followed."""
        try:
            async with self.uow() as tx:
                chat = await tx.chats.get(old_chat_id)
                if chat is None or chat.community_id is None:
                    return
                community = await tx.registry.community(chat.community_id)
                locale = community.locale if community else i18n.DEFAULT_LOCALE
                title = chat.title or str(old_chat_id)
                text = i18n.t(locale, "admin.chat_upgrade_failed", title=title)
                for person in await tx.people.of_community(chat.community_id):
                    if Role.ADMIN in person.roles and person.telegram_id is not None:
                        key = f"chat_upgrade_failed:{old_chat_id}:{person.telegram_id}"
                        await send(tx, person.telegram_id, text, now, key, purpose=PURPOSE)
                await tx.commit()
        except Exception:
            log.exception("could not tell the admins about chat %s", old_chat_id)


async def redirect_queued(
    tx: TicketUnitOfWork, old_chat_id: int, new_chat_id: int, now: datetime
) -> tuple[int, dict[int, int]]:
    """Aim what is still queued for the old group at the supergroup; return how many went,
    and which new row now carries each message we had sent to the old group.

    The old group's messages stayed there. A change of one named by its Telegram id answers a
    press there (a menu, a /report screen) and has nothing left to do. The first edit of one
    we keep up to date (a ticket card, named by its outbox row) shows it again as a new
    message in the supergroup; later edits and replies aim at that new message instead.
    """
    homes: dict[int, int] = {}
    queued = 0
    for item in await tx.outbox.queued_for_chat(old_chat_id):
        payload = dict(item.payload)
        if item.method in CHANGES and "message_id" in payload:
            await tx.outbox.mark_sent(item.id, None, now)  # done: nothing to change any more
            continue
        payload.pop("reply_to_message_id", None)  # a message of the old group
        for key in REFERENCE_KEYS:
            ref = payload.get(key)
            if ref is not None and int(ref) in homes:
                payload[key] = homes[int(ref)]
        target = payload.get("target_outbox_id")
        if (
            item.method == "edit_text"
            and target is not None
            and await tx.outbox.chat_of(int(target)) == old_chat_id
        ):
            homes[int(target)] = item.id
        await tx.outbox.redirect(item.id, new_chat_id, payload, now)
        queued += 1
    return queued, homes


async def _audit(
    tx: TicketUnitOfWork,
    move: ChatMove,
    queued: int,
    via: str,
    update_id: int | None,
    now: datetime,
) -> None:
    await tx.audit.record(
        AuditRecord(
            action="chat.migrated",
            subject=f"chat:{move.old_chat_id}",
            community_id=move.community_id,
            update_id=update_id,
            details={"to": move.new_chat_id, "via": via, "queued": queued, **move.moved},
        ),
        now,
    )
