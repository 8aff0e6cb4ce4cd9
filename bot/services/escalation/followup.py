"""The follow-up call after an emergency (回访): a private task with a "回访完成" button."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from bot import i18n
from bot.domain.records import CommunityInfo
from bot.domain.tickets import Ticket
from bot.services.outgoing import edit, send
from bot.services.ports import TicketUnitOfWork
from bot.services.tickets.cards import MANAGER_ROLES, button


def local_time(community: CommunityInfo, at: datetime) -> str:
    """ "12月1日 02:30" in the community's own timezone (same words as the ticket card)."""
    local = at.astimezone(ZoneInfo(community.timezone))
    return i18n.t(
        community.locale,
        "tickets.when",
        month=local.month,
        day=local.day,
        time=local.strftime("%H:%M"),
    )


async def followup_button(
    tx: TicketUnitOfWork, ticket: Ticket, assignee: int, locale: str, now: datetime
) -> list[list[dict[str, str]]]:
    done = await button(
        tx,
        now,
        i18n.t(locale, "duty.followup.done_button"),
        "duty.followup",
        {"t": ticket.id},
        users=(assignee,),
        roles=MANAGER_ROLES,
        community_id=ticket.community_id,
    )
    return [[done]]


async def ensure_followup(
    tx: TicketUnitOfWork,
    ticket: Ticket,
    community: CommunityInfo,
    due_at: datetime | None,
    now: datetime,
) -> bool:
    """Give the assignee the follow-up task once; True if it was sent now."""
    assignee = ticket.assignee_id
    if assignee is None:
        return False
    existing = await tx.duty.followup(ticket.id)
    if existing is not None and existing.task_outbox_id is not None:
        return False
    if existing is None:
        await tx.duty.add_followup(ticket.id, ticket.community_id, assignee, due_at, now)
    else:  # reopened and handled again: a new call for the new resolution
        await tx.duty.renew_followup(ticket.id, assignee, due_at)
    locale = community.locale
    who = _how_to_reach(ticket, locale)
    when = local_time(community, due_at) if due_at is not None else "—"
    text = i18n.t(locale, "duty.followup.task", number=ticket.label, who=who, when=when)
    rows = await followup_button(tx, ticket, assignee, locale, now)
    outbox_id = await send(
        tx,
        assignee,
        text,
        now,
        f"duty:fu:{ticket.id}:task:v{ticket.card_version}",
        purpose="duty.followup",
        buttons=rows,
    )
    await tx.duty.followup_task_sent(ticket.id, outbox_id)
    return True


def _how_to_reach(ticket: Ticket, locale: str) -> str:
    """The resident and how to reach them – the phone, else the room – for the caller only
    (a private task; the privacy rules let the ticket's handler see both)."""
    who = ticket.reporter_name or "—"
    if ticket.phone:
        return i18n.t(locale, "duty.followup.with_phone", name=who, phone=ticket.phone)
    if ticket.room:
        building = ticket.building or "—"
        unit = ticket.unit or ""
        return i18n.t(
            locale, "duty.followup.with_room", name=who, building=building, unit=unit,
            room=ticket.room,
        )  # fmt: skip
    return i18n.t(locale, "duty.followup.in_group", name=who)


async def cancel_followup(
    tx: TicketUnitOfWork, ticket: Ticket, community: CommunityInfo, now: datetime
) -> None:
    """A reopen voids the follow-up of the resolution it undid: its task says so and keeps no
    button (a call already made stays in the audit log and the ticket's notes)."""
    task = await tx.duty.followup(ticket.id, lock=True)
    if task is None or task.task_outbox_id is None:
        return
    if task.note:
        await tx.tickets.add_note(ticket.id, "followup", task.done_by, task.note, None, None, now)
    if not task.done:
        text = i18n.t(community.locale, "duty.followup.cancelled", number=ticket.label)
        await edit(
            tx,
            task.assignee_id,
            text,
            now,
            f"duty:fu:{ticket.id}:cancel:{task.task_outbox_id}",
            purpose="duty.followup_done",
            outbox_id=task.task_outbox_id,
        )
    await tx.duty.renew_followup(ticket.id, task.assignee_id, task.due_at)
