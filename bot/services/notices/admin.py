"""Staff use cases around notices: list and pause/resume/cancel them, and the outage quick form."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from bot import i18n
from bot.domain.errors import InvalidInput, NotFound
from bot.domain.notices.outage import OutageRequest, is_outage_done, outage_variables, parse_outage
from bot.domain.notices.records import ACTIVE, CANCELLED, DONE, PAUSED, NoticeRecord, dump_schedule
from bot.domain.notices.schedule import Once
from bot.domain.notices.targets import Target
from bot.domain.records import ButtonSpec, ChatInfo, CommunityInfo
from bot.services.buttons import Pressed, callback_data
from bot.services.notices.service import NOTICE_ROLES, NoticeService, Staff, notice_title
from bot.services.outgoing import edit, send
from bot.services.ports import NoticeUnitOfWork

MANAGE = "notice.manage."
#: the list entry's ✏️ button starts the /notice flow on a copy (handled by NoticeFlow)
EDIT_KIND = "notice.flow.edit"
_STATUS_FOR = {"pause": PAUSED, "resume": ACTIVE, "cancel": CANCELLED}


def describe_target(target: dict[str, Any], community: CommunityInfo, locale: str) -> str:
    """Say in words who a notice goes to ("全小区", "3号楼、5号楼", "网格 G1")."""
    model = Target.model_validate(target)
    if model.community:
        return i18n.t(locale, "notice.target_community")
    parts = [i18n.t(locale, "notice.target_grid", grid=g) for g in model.grids]
    parts += [i18n.t(locale, "notice.target_building", building=b) for b in model.buildings]
    for unit in model.units:
        building, _, number = unit.partition("-")
        parts.append(i18n.t(locale, "notice.target_unit", building=building, unit=number))
    if model.chats:
        parts.append(i18n.t(locale, "notice.target_chats", count=len(model.chats)))
    return "、".join(parts)


class NoticeDesk:
    """What admins and supervisors do with notices in a private chat."""

    def __init__(self, notices: NoticeService) -> None:
        self.notices = notices
        self.uow = notices.uow
        self.clock = notices.clock

    # -- /notices ------------------------------------------------------------------------------
    async def card(
        self, tx: NoticeUnitOfWork, notice: NoticeRecord, staff: Staff
    ) -> tuple[str, list[list[dict[str, str]]]]:
        """One notice as a list entry, with its pause/resume/cancel buttons."""
        locale, tz = staff.locale, staff.tz
        svc = self.notices
        title = notice_title(notice, svc.library, locale)
        lines = [
            f"<b>{i18n.t(locale, 'notice.card_title', title=title)}</b>",
            i18n.t(locale, "notice.card_when", when=svc.describe_schedule(notice, tz, locale)),
            i18n.t(
                locale,
                "notice.card_to",
                to=describe_target(notice.target, staff.community, locale),
            ),
        ]
        upcoming = svc.next_local(notice, tz, locale) if notice.status == ACTIVE else None
        if upcoming:
            lines.append(i18n.t(locale, "notice.card_next", when=upcoming))
        last = await tx.notices.last_occurrence(notice.id)
        if last is not None and last.settled_at is not None:
            lines.append(i18n.t(locale, "notice.card_last", sent=last.sent, total=last.total))
        lines.append(i18n.t(locale, f"notice.status_{notice.status}"))
        buttons: list[dict[str, str]] = []
        actions = {ACTIVE: ("pause", "cancel"), PAUSED: ("resume", "cancel")}.get(
            notice.status, ()
        )
        for action in actions:
            button_id = await tx.buttons.create(
                ButtonSpec(
                    kind=MANAGE + action,
                    subject=f"notice:{notice.id}",
                    payload={"notice_id": notice.id},
                    allowed_roles=NOTICE_ROLES,
                    community_id=staff.community.id,
                ),
                self.clock.now(),
            )
            buttons.append(
                {
                    "text": i18n.t(locale, f"notice.button_{action}"),
                    "callback_data": callback_data(button_id),
                }
            )
        if actions and notice.source == "chat":
            # notices from the file are changed in the file; outage notices by /outage
            button_id = await tx.buttons.create(
                ButtonSpec(
                    kind=EDIT_KIND,
                    subject=f"notice:{notice.id}",
                    payload={"notice_id": notice.id},
                    allowed_roles=NOTICE_ROLES,
                    community_id=staff.community.id,
                ),
                self.clock.now(),
            )
            edit = {"text": i18n.t(locale, "notice.button_edit"), "callback_data": ""}
            edit["callback_data"] = callback_data(button_id)
            buttons.insert(0, edit)
        elif actions and notice.source == "file":
            lines.append(i18n.t(locale, "notice.card_from_file"))
        return "\n".join(lines), [buttons] if buttons else []

    async def list_notices(self, user_id: int, update_id: int) -> int:
        """Send the staff member the upcoming and recurring notices, each with buttons."""
        staff = await self.notices.staff(user_id)
        notices = await self.notices.upcoming(staff)
        locale = staff.locale
        async with self.uow() as tx:
            if not notices:
                await send(
                    tx,
                    user_id,
                    i18n.t(locale, "notice.list_empty"),
                    self.clock.now(),
                    f"nlist:{update_id}:0",
                    purpose="notice.desk",
                )
            else:
                header = i18n.t(locale, "notice.list_header", count=len(notices))
                await send(
                    tx,
                    user_id,
                    header,
                    self.clock.now(),
                    f"nlist:{update_id}:0",
                    purpose="notice.desk",
                )
                for index, notice in enumerate(notices, start=1):
                    text, buttons = await self.card(tx, notice, staff)
                    await send(
                        tx,
                        user_id,
                        text,
                        self.clock.now(),
                        f"nlist:{update_id}:{index}",
                        purpose="notice.desk",
                        buttons=buttons,
                    )
            await tx.commit()
        return len(notices)

    async def manage(
        self, pressed: Pressed, chat_id: int, message_id: int | None, update_id: int
    ) -> str:
        """Pause, resume or cancel from a list entry; update the entry; return a short answer."""
        action = pressed.spec.kind.removeprefix(MANAGE)
        status = _STATUS_FOR.get(action)
        if status is None:
            raise NotFound("notice.not_found")
        staff = await self.notices.staff(pressed.presser_id)
        notice = await self.notices.set_status(
            int(pressed.spec.payload["notice_id"]), status, staff, update_id
        )
        if message_id is not None:
            async with self.uow() as tx:
                text, buttons = await self.card(tx, notice, staff)
                await edit(
                    tx,
                    chat_id,
                    text,
                    self.clock.now(),
                    f"nmanage:{update_id}",
                    purpose="notice.desk",
                    buttons=buttons,
                    message_id=message_id,
                )
                await tx.commit()
        return i18n.t(staff.locale, f"notice.status_{notice.status}")

    # -- /outage ---------------------------------------------------------------------------------
    async def outage(self, user_id: int, text: str, update_id: int) -> None:
        """Post an outage notice now and queue a reminder 30 minutes before it starts."""
        staff = await self.notices.staff(user_id)
        if is_outage_done(text):
            await self._outage_done(staff, update_id)
        else:
            await self._outage_start(staff, text, update_id)
        await self.notices.tick()

    def _resolver(self, community: CommunityInfo) -> Any:
        from bot.domain.intake import BuildingRef, parse_location

        refs = [BuildingRef(b.number, b.aliases, b.units) for b in community.buildings]
        known = {b.number for b in community.buildings}

        def resolve(name: str) -> str | None:
            if name in known:
                return name
            found = parse_location(name, refs).building
            return found if found in known else None

        return resolve

    async def _outage_start(self, staff: Staff, text: str, update_id: int) -> None:
        community, tz, locale = staff.community, staff.tz, staff.locale
        now = self.clock.now()
        request = parse_outage(text, now, tz, self._resolver(community))
        target = (
            {"community": True}
            if request.buildings is None
            else {"buildings": list(request.buildings)}
        )
        local_now = now.astimezone(tz).replace(tzinfo=None, microsecond=0)
        # the community's published contact (with its number); the sender's name only without one
        contact = str(community.extra.get("contact") or staff.person.name)
        variables = outage_variables(request, tz, now, contact, locale=locale)
        lasting = max(1, int((request.end - now).total_seconds() // 60))
        announcement = NoticeRecord(
            community_id=community.id,
            key=f"u{update_id}",
            source="outage",
            template=request.template_key,
            variables=variables,
            target=target,
            schedule=dump_schedule(Once(at=local_now)),
            urgent=True,
            max_lateness_minutes=lasting,
            author_telegram_id=staff.telegram_id,
            extra={"outage": _outage_extra(request, variables)},
        )
        async with self.uow() as tx:
            chats = await self.notices.targets_of(tx, community, Target.model_validate(target))
            if not chats:
                raise InvalidInput("notice.no_groups")
            first = await self.notices.create(tx, announcement, community)
            reminder_note = ""
            if request.reminder_at > now:
                at = request.reminder_at.astimezone(tz).replace(tzinfo=None)
                reminder_vars = outage_variables(
                    request, tz, request.reminder_at, contact, locale=locale
                )
                await self.notices.create(
                    tx,
                    replace(
                        announcement,
                        key=f"u{update_id}-reminder",
                        template="outage_reminder",
                        variables={
                            k: reminder_vars[k] for k in ("what", "buildings", "start", "end")
                        },
                        schedule=dump_schedule(Once(at=at)),
                        max_lateness_minutes=30,
                        extra={"outage_of": first.id},
                    ),
                    community,
                )
                reminder_note = i18n.t(locale, "outage.reminder_note", when=at.strftime("%H:%M"))
            await send(
                tx,
                staff.telegram_id,
                i18n.t(
                    locale,
                    "outage.posted",
                    groups=sum(1 for c in chats if c.status == "bound"),
                    reminder=i18n.Raw(reminder_note),
                )
                + _unreachable_note(locale, [c for c in chats if c.status == "dead"]),
                self.clock.now(),
                f"outage:{update_id}",
                purpose="notice.desk",
            )
            await tx.commit()

    async def _outage_done(self, staff: Staff, update_id: int) -> None:
        community, locale = staff.community, staff.locale
        now = self.clock.now()
        async with self.uow() as tx:
            if await tx.notices.by_key(community.id, f"u{update_id}") is not None:
                return  # this very update was handled before
            open_ones = [
                n
                for n in await tx.notices.of_community(
                    community.id, (ACTIVE, PAUSED, DONE), source="outage"
                )
                if "outage" in n.extra and not n.extra["outage"].get("restored")
            ]
            if not open_ones:
                raise InvalidInput("outage.nothing_open")
            latest = open_ones[0]
            info = latest.extra["outage"]
            tz = staff.tz
            local_now = now.astimezone(tz).replace(tzinfo=None, microsecond=0)
            restored = NoticeRecord(
                community_id=community.id,
                key=f"u{update_id}",
                source="outage",
                template="service_restored",
                variables={
                    "service": info["service"],
                    "buildings": latest.variables.get("buildings", ""),
                },
                target=latest.target,
                schedule=dump_schedule(Once(at=local_now)),
                urgent=True,
                max_lateness_minutes=24 * 60,
                author_telegram_id=staff.telegram_id,
                extra={"restores": latest.id},
            )
            await self.notices.create(tx, restored, community)
            await tx.notices.save(
                replace(
                    latest,
                    extra={
                        **latest.extra,
                        "outage": {**info, "restored": True, "restored_at": now.isoformat()},
                    },
                ),
                now,
            )
            for reminder in await tx.notices.of_community(community.id, (ACTIVE, PAUSED)):
                if reminder.extra.get("outage_of") == latest.id:
                    await tx.notices.save(replace(reminder, status=CANCELLED), now)
            await send(
                tx,
                staff.telegram_id,
                i18n.t(locale, "outage.restored_posted", what=info["what"]),
                self.clock.now(),
                f"outage:{update_id}",
                purpose="notice.desk",
            )
            await tx.commit()


def _outage_extra(request: OutageRequest, variables: dict[str, str]) -> dict[str, Any]:
    return {
        "kind": request.kind,
        "what": variables["what"],
        "service": variables["service"],
        "buildings": list(request.buildings) if request.buildings is not None else None,
        "start": request.start.isoformat(),
        "end": request.end.isoformat(),
        "restored": False,
    }


def _unreachable_note(locale: str, dead: list[ChatInfo]) -> str:
    """A group the bot can no longer post in is not counted as reached: name it to the sender."""
    if not dead:
        return ""
    titles = "、".join(c.title or str(c.chat_id) for c in dead[:5])
    return "\n" + i18n.t(locale, "outage.unreachable", count=len(dead), titles=titles)
