"""Use case: a resident who reports far more than anyone could in a few minutes is heard –
their words join their latest open ticket – but does not open ticket after ticket."""

from __future__ import annotations

from bot import i18n, metrics
from bot.domain.records import CommunityInfo
from bot.domain.tickets.flood import over_limit, recent_reports, window_key
from bot.services.outgoing import send
from bot.services.ports import TicketUnitOfWork
from bot.services.tickets.core import TicketEnv, person_in
from bot.services.tickets.dto import TicketMessage
from bot.services.tickets.replies_to_cards import CardReplies


class FloodGuard:
    def __init__(self, env: TicketEnv, notes: CardReplies) -> None:
        self.env = env
        self.notes = notes

    async def holds(
        self,
        tx: TicketUnitOfWork,
        msg: TicketMessage,
        community: CommunityInfo,
        level: int,
        locale: str,
    ) -> bool:
        """True when this report went onto the resident's latest ticket instead of a new one."""
        now, policy = self.env.clock.now(), self.env.policy.flood
        if await person_in(tx, msg.user_id, community.id) is not None:
            return False  # staff and admins report as much as their rounds find
        mine = await tx.tickets.of_resident(msg.user_id, limit=policy.reports + 20)
        recent = recent_reports(mine, msg.user_id, community.id, now - policy.window)
        if not over_limit(policy, recent, level):
            return False
        latest = next((t for t in recent if t.is_open), None)
        if latest is None:
            return False  # all of them already done: this one is new
        if not await self.notes.note(tx, msg, community, latest, now, answer=False):
            return True  # this update was handled before
        metrics.FLOOD_HELD.inc()
        minutes = int(policy.window.total_seconds() // 60)
        text = i18n.t(
            locale, "tickets.flood.held", count=len(recent), minutes=minutes, number=latest.label
        )
        await send(
            tx,
            msg.chat_id,
            text,
            now,
            f"flood:{community.id}:{msg.user_id}:{window_key(policy, now)}",
            purpose="ticket.flood",
            reply_to_message_id=msg.message_id,
            thread_id=msg.thread_id,
        )
        return True
