"""How tickets look: the group status card (public fields only), the staff's private card,
safety advice – and the outbox messages that show or edit them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from bot import i18n
from bot.domain.records import ButtonSpec, CommunityInfo, OutboundMessage
from bot.domain.tickets import (
    Action,
    Closure,
    Prompt,
    PublicCard,
    Status,
    Ticket,
    allowed_actions,
    public_card,
)
from bot.domain.tickets.card import Promise, PromiseKind
from bot.domain.tickets.changes import card_moved, card_posted, card_version
from bot.services.buttons import callback_data
from bot.services.outgoing import Rows, edit, send
from bot.services.ports import TicketUnitOfWork

#: prompts of kind "page:<reason>" are escalation pages (see bot.services.escalation.desk)
PAGE_PROMPT = "page:"
#: the reasons a page asks "will someone take this?" – answered once anyone accepts
ACCEPT_REASONS = frozenset({"accept", "acknowledge_by", "respond_by"})
UNACCEPTED = frozenset({Status.NEW, Status.ASSIGNED, Status.REOPENED})
STAFF_ROLES = ("staff", "grid_worker", "supervisor", "admin")
MANAGER_ROLES = ("supervisor", "admin")
REFER_TARGETS = ("hotline", "water", "gas", "power", "police", "owners")
SAFETY_CATEGORIES = (
    "gas",
    "fire_safety",
    "power",
    "water_leak",
    "drainage",
    "elevator",
    "security",
    "other",
)


@dataclass(frozen=True)
class Hotlines:
    gas: str = "962777"
    power: str = "95598"
    water: str = "962424"


@dataclass(frozen=True)
class Looks:
    """Rendering settings: hotline numbers for advice and referrals."""

    hotlines: Hotlines = Hotlines()

    def when(self, locale: str, community: CommunityInfo, at: datetime) -> str:
        local = at.astimezone(ZoneInfo(community.timezone))
        return i18n.t(
            locale, "tickets.when", month=local.month, day=local.day, time=local.strftime("%H:%M")
        )

    @staticmethod
    def place(locale: str, building: str | None, unit: str | None) -> str:
        if building and unit:
            return i18n.t(locale, "tickets.place.unit", building=building, unit=unit)
        if building:
            return i18n.t(locale, "tickets.place.building", building=building)
        return "—"

    @staticmethod
    def category(locale: str, code: str) -> str:
        return i18n.t(locale, f"categories.{code}")

    @staticmethod
    def status(locale: str, status: Status, closure: Closure | None = None) -> str:
        if status is Status.CLOSED and closure is not None:
            return i18n.t(locale, f"tickets.status.closed_{closure.value}")
        return i18n.t(locale, f"tickets.status.{status.value}")

    def refer_label(self, locale: str, code: str) -> str:
        h = self.hotlines
        return i18n.t(locale, f"tickets.refer.{code}", gas=h.gas, power=h.power, water=h.water)

    def group_card(self, locale: str, community: CommunityInfo, card: PublicCard) -> str:
        """The status card: built from PublicCard only, so nothing private can slip in."""
        title = "tickets.card.title_urgent" if card.level == 1 else "tickets.card.title"
        lines = [
            i18n.t(locale, title, number=card.label),
            i18n.t(locale, "tickets.card.category", category=self.category(locale, card.category)),
            i18n.t(
                locale, "tickets.card.place", place=self.place(locale, card.building, card.unit)
            ),
            i18n.t(
                locale,
                "tickets.card.status",
                status=self.status(locale, card.status, card.closure),
            ),
        ]
        if card.merged_into:
            lines.append(i18n.t(locale, "tickets.card.merged_into", number=card.merged_into))
        elif card.status is Status.REFERRED and card.referred_to:
            where = self.refer_label(locale, card.referred_to)
            lines.append(i18n.t(locale, "tickets.card.referred_to", where=where))
        elif card.handler and card.status not in (Status.CANCELLED, Status.REFERRED):
            lines.append(i18n.t(locale, "tickets.card.handler", name=card.handler))
        elif card.status in (Status.ASSIGNED, Status.REOPENED):  # nobody could be reached yet
            lines.append(i18n.t(locale, "tickets.card.handler_pending"))
        if card.promise is not None:
            lines.append(self.promise(locale, community, card.promise))
        return "\n".join(lines)

    def promise(self, locale: str, community: CommunityInfo, promise: Promise) -> str:
        """「承诺：12月8日 17:30 前修好」, 「承诺：30 分钟内到场（10:30 前）」, or 已超时 once its
        time has passed; a handled ticket asks for the reporter's answer by a time."""
        if promise.kind is PromiseKind.VERDICT:
            when = self.when(locale, community, promise.at)
            return i18n.t(locale, "tickets.card.verdict_by", when=when)
        what = self.promise_words(locale, community, promise)
        line = "missed" if promise.missed else "line"
        return i18n.t(locale, f"tickets.promise.{line}", promise=what)

    def promise_words(self, locale: str, community: CommunityInfo, promise: Promise) -> str:
        """The promise itself: 「12月8日 17:30 前修好」, 「30 分钟内到场（10:30 前）」."""
        when = self.when(locale, community, promise.at)
        local = promise.at.astimezone(ZoneInfo(community.timezone))
        key, minutes = promise.kind.value, 0
        if promise.within is not None:
            minutes = round(promise.within.total_seconds() / 60)
            key = "respond" if 0 < minutes <= 120 else "respond_at"
        return i18n.t(
            locale,
            f"tickets.promise.{key}",
            when=when,
            minutes=minutes,
            time=local.strftime("%H:%M"),
            date=i18n.t(locale, "tickets.date", month=local.month, day=local.day),
        )

    def private_card(
        self,
        locale: str,
        ticket: Ticket,
        reopened: bool = False,
        again: bool = False,
        retired: str | None = None,
    ) -> str:
        """What the assignee sees: everything needed to do the job, in a private chat only.

        A `retired` card (handed over, finished, or replaced by a newer one) ends with that
        line instead of the hint, and carries no buttons."""
        level = i18n.t(locale, f"tickets.private.level_{ticket.level}")
        title = "tickets.private.title_again" if (again or reopened) else "tickets.private.title"
        place = self.place(locale, ticket.building, ticket.unit)
        if ticket.room:
            place = i18n.t(locale, "tickets.private.room", place=place, room=ticket.room)
        reporter = i18n.t(locale, "tickets.private.reporter", name=ticket.reporter_name or "—")
        if ticket.on_behalf_by is not None:
            reporter += i18n.t(locale, "tickets.private.on_behalf")
        lines = [i18n.t(locale, title, number=ticket.label, level=level)]
        if reopened:
            lines.append(i18n.t(locale, "tickets.private.reason_reopened"))
        lines += [
            i18n.t(
                locale, "tickets.card.category", category=self.category(locale, ticket.category)
            ),
            i18n.t(locale, "tickets.private.place", place=place),
            reporter,
        ]
        if ticket.phone:
            lines.append(i18n.t(locale, "tickets.private.phone", phone=ticket.phone))
        lines.append(i18n.t(locale, "tickets.private.text", text=ticket.text))
        if ticket.photos:
            lines.append(i18n.t(locale, "tickets.private.photos", count=len(ticket.photos)))
        if ticket.outage_note:
            lines.append(i18n.t(locale, "outages.private_line", note=ticket.outage_note))
        lines.append(
            i18n.t(
                locale,
                "tickets.card.status",
                status=self.status(locale, ticket.status, ticket.closure),
            )
        )
        hint = "tickets.private.hint_plan" if ticket.level == 3 else "tickets.private.hint"
        lines.append(retired if retired else i18n.t(locale, hint))
        return "\n".join(lines)

    def safety(self, locale: str, category: str) -> str:
        h = self.hotlines
        key = category if category in SAFETY_CATEGORIES else "other"
        advice = i18n.t(locale, f"tickets.safety.{key}", gas=h.gas, power=h.power, water=h.water)
        numbers = i18n.t(locale, "tickets.safety.numbers", gas=h.gas, power=h.power)
        return f"{advice}\n{numbers}\n{i18n.t(locale, 'tickets.safety.staff_told')}"


async def button(
    tx: TicketUnitOfWork,
    now: datetime,
    text: str,
    kind: str,
    payload: dict[str, object],
    *,
    users: tuple[int, ...] = (),
    roles: tuple[str, ...] = (),
    community_id: int | None = None,
) -> dict[str, str]:
    """Store a button's action and return it as an inline button."""
    spec = ButtonSpec(kind, str(payload.get("t", "")), dict(payload), users, roles, community_id)
    return {"text": text, "callback_data": callback_data(await tx.buttons.create(spec, now))}


#: the private card's buttons, in the order they are laid out two to a row
STAFF_ACTIONS = (Action.ACCEPT, Action.PROGRESS, Action.REASSIGN, Action.RESOLVE, Action.REFER)


async def staff_buttons(tx: TicketUnitOfWork, ticket: Ticket, locale: str, now: datetime) -> Rows:
    """Accept · Progress / Reassign · Resolve / Not ours – only those the ticket's state allows
    (no 接单 once it is accepted), for the assignee and managers."""
    users = (ticket.assignee_id,) if ticket.assignee_id is not None else ()
    allowed = allowed_actions(ticket.status)

    async def b(action: Action) -> dict[str, str]:
        text = i18n.t(locale, f"tickets.private.{action.value}")
        payload: dict[str, object] = {"t": ticket.id, "a": action.value}
        return await button(
            tx,
            now,
            text,
            "ticket.act",
            payload,
            users=users,
            roles=MANAGER_ROLES,
            community_id=ticket.community_id,
        )

    shown = [await b(a) for a in STAFF_ACTIONS if a in allowed]
    return [shown[i : i + 2] for i in range(0, len(shown), 2)]


async def me_too_buttons(tx: TicketUnitOfWork, ticket: Ticket, locale: str, now: datetime) -> Rows:
    if not ticket.is_open:
        return []
    text = i18n.t(locale, "tickets.card.me_too")
    payload: dict[str, object] = {"t": ticket.id}
    return [
        [await button(tx, now, text, "ticket.metoo", payload, community_id=ticket.community_id)]
    ]


async def merged_label(tx: TicketUnitOfWork, ticket: Ticket) -> str | None:
    if ticket.merged_into_id is None:
        return None
    target = await tx.tickets.get(ticket.merged_into_id)
    return target.label if target else None


async def post_card(
    tx: TicketUnitOfWork, looks: Looks, ticket: Ticket, community: CommunityInfo, now: datetime
) -> Ticket:
    """Reply to the report with the ticket's status card (once per ticket)."""
    locale = community.locale
    outbox_id = await send(
        tx,
        ticket.chat_id,
        looks.group_card(locale, community, public_card(ticket, now=now)),
        now,
        f"tk:{ticket.id}:card",
        purpose="ticket.card",
        buttons=await me_too_buttons(tx, ticket, locale, now),
        reply_to_message_id=ticket.message_id,
        thread_id=ticket.thread_id,
    )
    return await tx.tickets.update(ticket.id, card_posted(outbox_id), now)


async def show_card(
    tx: TicketUnitOfWork,
    looks: Looks,
    ticket: Ticket,
    community: CommunityInfo,
    now: datetime,
    *,
    footer: str = "",
    purpose: str = "ticket.card_edit",
) -> Ticket:
    """Edit the group status card (a new version) to show the ticket as it is now.

    A card left in a group that became a supergroup cannot be edited: the new version is
    posted in the supergroup, and later versions edit that one."""
    card = ticket.card_outbox_id
    if card is None:
        return ticket
    version = ticket.card_version + 1
    ticket = await tx.tickets.update(ticket.id, card_version(version), now)
    locale = community.locale
    merged = await merged_label(tx, ticket)
    text = looks.group_card(locale, community, public_card(ticket, merged, now))
    text += f"\n{footer}" if footer else ""
    key = f"tk:{ticket.id}:card:v{version}"
    buttons = await me_too_buttons(tx, ticket, locale, now)
    if await tx.outbox.chat_of(card) not in (None, ticket.chat_id):
        outbox_id = await send(
            tx, ticket.chat_id, text, now, key, purpose=purpose, buttons=buttons
        )
        return await tx.tickets.update(ticket.id, card_moved(outbox_id, version), now)
    await edit(
        tx,
        ticket.chat_id,
        text,
        now,
        key,
        purpose=purpose,
        outbox_id=card,
        buttons=buttons,
    )
    return ticket


async def refresh_card(
    tx: TicketUnitOfWork, looks: Looks, ticket: Ticket, community: CommunityInfo, now: datetime
) -> Ticket:
    """Show the ticket as it is now on its group card and on the holder's private card, and
    retire private cards that fell."""
    ticket = await show_card(tx, looks, ticket, community, now)
    await retire_stale_cards(tx, looks, ticket, community, now, live=True)
    return ticket


async def retire_stale_cards(
    tx: TicketUnitOfWork,
    looks: Looks,
    ticket: Ticket,
    community: CommunityInfo,
    now: datetime,
    *,
    live: bool = False,
) -> None:
    """Take the buttons off private cards that no longer stand, and say why on each; with
    `live`, the card that stands is edited to the ticket as it is now (status and buttons).

    Only the holder's newest card of an open ticket stays live; a card of someone the ticket
    was handed away from, an older card, or any card of a finished ticket is edited once.
    """
    cards = await tx.tickets.live_cards(ticket.id)
    keep: int | None = None
    if ticket.is_open and ticket.assignee_id is not None:
        mine = [
            c.outbox_id for c in cards if c.kind == "card" and c.telegram_id == ticket.assignee_id
        ]
        keep = max(mine) if mine else None
    locale = community.locale
    name = ticket.assignee_name or "—"
    for card in cards:
        if card.outbox_id == keep:
            if live:
                await _show_live_card(tx, looks, ticket, locale, now, card.outbox_id)
            continue
        if not ticket.is_open:
            why = i18n.t(locale, "tickets.private.retired_closed")
        elif card.kind.startswith(PAGE_PROMPT):
            why_key = _page_retired(card, ticket)
            if why_key is None:
                continue  # the page still stands: nobody has answered what it asked
            why = i18n.t(locale, why_key, name=name)
        elif card.telegram_id != ticket.assignee_id:
            why = i18n.t(locale, "tickets.private.retired_handed", name=name)
        else:
            why = i18n.t(locale, "tickets.private.retired_newer")
        if card.kind.startswith(PAGE_PROMPT):  # the page as it was, with why it is over
            text = f"{await tx.outbox.text_of(card.outbox_id) or ticket.label}\n{why}"
        else:  # a card shows the ticket as it is now
            text = looks.private_card(locale, ticket, retired=why)
        await edit(
            tx,
            card.telegram_id,
            text,
            now,
            f"tk:{ticket.id}:pcard-retired:{card.outbox_id}",
            purpose="ticket.private_card_retired",
            outbox_id=card.outbox_id,
        )
        await tx.tickets.retire_card(card.outbox_id)


async def _show_live_card(
    tx: TicketUnitOfWork, looks: Looks, ticket: Ticket, locale: str, now: datetime, outbox_id: int
) -> None:
    """The holder's card as the ticket is now: its status line and the buttons it allows."""
    assert ticket.assignee_id is not None  # only the holder's card stands
    reopened = ticket.status is Status.REOPENED
    await edit(
        tx,
        ticket.assignee_id,
        looks.private_card(locale, ticket, reopened=reopened),
        now,
        f"tk:{ticket.id}:pcard-live:{outbox_id}:v{ticket.card_version}",
        purpose="ticket.private_card_edit",
        outbox_id=outbox_id,
        buttons=await staff_buttons(tx, ticket, locale, now),
    )


def _page_retired(page: Prompt, ticket: Ticket) -> str | None:
    """Why a page (escalation, 我来接单) no longer stands, or None while it does."""
    if page.telegram_id == ticket.assignee_id:
        return "tickets.private.retired_newer"  # they took it: their own card came after
    reason = page.kind.removeprefix(PAGE_PROMPT)
    if reason in ACCEPT_REASONS and ticket.status not in UNACCEPTED:
        return "tickets.private.retired_taken"
    return None


async def reply_to_card(
    tx: TicketUnitOfWork, ticket: Ticket, text: str, now: datetime, key: str
) -> int | None:
    """Post a short message in the group as a reply to the ticket's status card."""
    on_card = ticket.card_outbox_id is not None
    return await send(
        tx,
        ticket.chat_id,
        text,
        now,
        f"tk:{ticket.id}:{key}",
        purpose="ticket.group_note",
        reply_to_outbox_id=ticket.card_outbox_id,
        reply_to_message_id=None if on_card else ticket.message_id,
        thread_id=ticket.thread_id,
    )


async def notify_assignee(
    tx: TicketUnitOfWork,
    looks: Looks,
    ticket: Ticket,
    community: CommunityInfo,
    now: datetime,
    *,
    reopened: bool = False,
    again: bool = False,
) -> int | None:
    """Send the assignee the private card with action buttons, then the ticket's photos."""
    if ticket.assignee_id is None:
        return None
    from bot.domain.tickets import Prompt

    locale = community.locale
    text = looks.private_card(locale, ticket, reopened=reopened, again=again)
    rows = await staff_buttons(tx, ticket, locale, now)
    key = f"tk:{ticket.id}:pcard:{ticket.assignee_id}:v{ticket.card_version}"
    outbox_id = await send(
        tx, ticket.assignee_id, text, now, key, purpose="ticket.private_card", buttons=rows
    )
    if outbox_id is None:
        return None
    await tx.tickets.add_prompt(
        Prompt(outbox_id, ticket.id, "card", ticket.assignee_id, False), ticket.assignee_id, now
    )
    for index, photo in enumerate(ticket.photos):
        await tx.outbox.enqueue(
            OutboundMessage(
                ticket.assignee_id,
                "send_photo",
                {"photo": photo, "reply_to_outbox_id": outbox_id},
                "ticket.photo",
                f"{key}:photo{index}",
            ),
            now,
        )
    await retire_stale_cards(tx, looks, ticket, community, now)
    return outbox_id
