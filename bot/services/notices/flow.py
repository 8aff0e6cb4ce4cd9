"""The guided `/notice` flow: template or free text → blanks → groups → time → preview → confirm.

State lives in a stored draft (so a restart loses nothing); buttons carry only opaque ids and
may be pressed by the draft's author alone. Every reply goes through the outbox with a key
made from the update, and each handled update id is remembered, so a re-handled update
changes nothing.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from bot import i18n
from bot.domain.errors import InvalidInput, NotFound
from bot.domain.notices.records import (
    ACTIVE,
    CANCELLED,
    PAUSED,
    DraftRecord,
    NoticeRecord,
    dump_quiet,
    dump_schedule,
    load_schedule,
)
from bot.domain.notices.schedule import Once, QuietHours, Schedule
from bot.domain.notices.targets import Target
from bot.domain.notices.templates import placeholders, render
from bot.domain.notices.when import parse_when
from bot.domain.records import AuditRecord, ButtonSpec, OutboundMessage
from bot.services.buttons import Pressed, callback_data
from bot.services.notices.admin import EDIT_KIND, describe_target
from bot.services.notices.service import NoticeService, Staff, notice_title
from bot.services.ports import NoticeUnitOfWork

FLOW = "notice.flow."
# Templates the outage form uses on its own; the menu offers the others.
_MENU_SKIP = ("outage_reminder", "service_restored")
_DRAFT_TTL = timedelta(days=2)
_ONCE_LATENESS = 6 * 60
_RECURRING_LATENESS = 3 * 60
Rows = list[list[dict[str, str]]]


class NoticeFlow:
    """One admin or supervisor putting a notice together in a private chat."""

    def __init__(self, notices: NoticeService) -> None:
        self.notices = notices
        self.uow = notices.uow
        self.clock = notices.clock
        self.library = notices.library

    # -- plumbing ------------------------------------------------------------------------------
    async def _button(
        self, tx: NoticeUnitOfWork, draft: DraftRecord, step: str, label: str, **payload: Any
    ) -> dict[str, str]:
        now = self.clock.now()
        button_id = await tx.buttons.create(
            ButtonSpec(
                kind=FLOW + step,
                subject=f"draft:{draft.id}",
                payload={"draft": draft.id, **payload},
                allowed_user_ids=(draft.author_telegram_id,),
                community_id=draft.community_id,
                expires_at=now + _DRAFT_TTL,
            ),
            now,
        )
        return {"text": label, "callback_data": callback_data(button_id)}

    async def _say(
        self,
        tx: NoticeUnitOfWork,
        draft: DraftRecord,
        key: str,
        text: str,
        buttons: Rows | None = None,
        *,
        edit_message_id: int | None = None,
    ) -> None:
        payload: dict[str, Any] = {"text": text}
        if buttons:
            payload["buttons"] = buttons
        method = "send_message"
        if edit_message_id is not None:
            method, payload = (
                "edit_buttons",
                {"buttons": buttons or [], "message_id": edit_message_id},
            )
        await tx.outbox.enqueue(
            OutboundMessage(
                draft.author_telegram_id, method, payload, purpose="notice.flow", dedup_key=key
            ),
            self.clock.now(),
        )

    @staticmethod
    def _remember(draft: DraftRecord, update_id: int, **changes: Any) -> DraftRecord:
        data = {**draft.data, **changes}
        data["seen"] = [*draft.data.get("seen", [])[-19:], update_id]
        return replace(draft, data=data)

    # -- step 1: what --------------------------------------------------------------------------
    async def start(self, user_id: int, update_id: int) -> None:
        """Open a draft and offer the templates and free text."""
        staff = await self.notices.staff(user_id)
        locale = staff.locale
        async with self.uow() as tx:
            draft, new = await tx.notices.start_draft(
                staff.community.id, user_id, update_id, self.clock.now()
            )
            if not new:
                return
            row: list[dict[str, str]] = []
            rows: Rows = []
            for key in self.library:
                if key in _MENU_SKIP:
                    continue
                template = self.library.get(key)
                title = template.title_en if locale == "en" else template.title_zh
                row.append(await self._button(tx, draft, "template", title, template=key))
                if len(row) == 2:
                    rows.append(row)
                    row = []
            if row:
                rows.append(row)
            rows.append(
                [
                    await self._button(tx, draft, "free", i18n.t(locale, "notice.flow.free")),
                    await self._button(tx, draft, "cancel", i18n.t(locale, "notice.flow.cancel")),
                ]
            )
            await self._say(
                tx, draft, f"nflow:{update_id}", i18n.t(locale, "notice.flow.pick"), rows
            )
            await tx.commit()

    # -- presses -------------------------------------------------------------------------------
    async def press(self, pressed: Pressed, message_id: int | None, update_id: int) -> str | None:
        """Apply one button of the flow; return a short answer for the button, if any."""
        staff = await self.notices.staff(pressed.presser_id)
        if pressed.spec.kind == EDIT_KIND:
            return await self.edit(staff, int(pressed.spec.payload["notice_id"]), update_id)
        step = pressed.spec.kind.removeprefix(FLOW)
        payload = pressed.spec.payload
        locale = staff.locale
        answer: str | None = None
        async with self.uow() as tx:
            draft = await tx.notices.draft(int(payload["draft"]))
            if draft is None or draft.status != "open":
                raise NotFound("notice.flow.expired")
            if update_id in draft.data.get("seen", []):
                return None
            draft = self._remember(draft, update_id)
            key = f"nflow:{update_id}"
            if step == "template":
                draft = self._remember(
                    draft, update_id, template=payload["template"], variables={}
                )
                draft = await self._next_blank(tx, draft, staff, key)
            elif step == "free":
                draft = replace(self._remember(draft, update_id, template=None), awaiting="text")
                await self._say(tx, draft, key, i18n.t(locale, "notice.flow.ask_text"))
            elif step == "target":
                target = _toggle(dict(draft.data.get("target", {})), str(payload["part"]))
                draft = self._remember(draft, update_id, target=target)
                rows = await self._target_rows(tx, draft, staff)
                await self._say(tx, draft, key, "", rows, edit_message_id=message_id)
            elif step == "targets_done":
                if not _target_set(draft.data.get("target", {})):
                    answer = i18n.t(locale, "notice.flow.pick_a_group")
                else:
                    await self._ask_time(tx, draft, staff, key)
            elif step == "edit_part":
                draft = await self._edit_part(tx, draft, staff, str(payload["part"]), key)
            elif step == "time" and payload["when"] == "keep" and "schedule" in draft.data:
                kept = load_schedule(draft.data["schedule"])
                draft = await self._preview(tx, draft, staff, kept, key)
            elif step == "time":
                schedule = _quick_time(str(payload["when"]), self.clock.now(), staff.tz)
                draft = await self._preview(tx, draft, staff, schedule, key)
            elif step == "time_custom":
                draft = replace(draft, awaiting="time")
                await self._say(tx, draft, key, i18n.t(locale, "notice.flow.ask_time"))
            elif step == "pin":
                draft = self._remember(draft, update_id, pin=not draft.data.get("pin", False))
                rows = await self._confirm_rows(tx, draft, staff)
                await self._say(tx, draft, key, "", rows, edit_message_id=message_id)
            elif step == "confirm":
                answer = await self._confirm(tx, draft, staff, key)
                draft = replace(draft, status="done", awaiting=None)
            elif step == "cancel":
                draft = replace(draft, status="cancelled", awaiting=None)
                await self._say(tx, draft, key, i18n.t(locale, "notice.flow.cancelled"))
            await tx.notices.save_draft(draft, self.clock.now())
            await tx.commit()
        if step == "confirm":
            await self.notices.tick()  # "now" goes out at once
        return answer

    # -- editing a notice from the /notices list -------------------------------------------------
    async def edit(self, staff: Staff, notice_id: int, update_id: int) -> str | None:
        """Open a draft copied from a notice and ask what to change; confirming replaces it."""
        locale = staff.locale
        async with self.uow() as tx:
            notice = await tx.notices.get(notice_id)
            if notice is None or notice.community_id != staff.community.id:
                raise NotFound("notice.not_found")
            if notice.status not in (ACTIVE, PAUSED) or notice.source != "chat":
                raise InvalidInput("notice.edit.not_editable")
            draft, new = await tx.notices.start_draft(
                staff.community.id, staff.telegram_id, update_id, self.clock.now()
            )
            if not new:
                return None
            target = notice.target
            draft = replace(
                draft,
                data={
                    "replaces": notice.id,
                    "template": notice.template,
                    "text": notice.text,
                    "variables": dict(notice.variables),
                    "target": {
                        "community": bool(target.get("community")),
                        "grids": list(target.get("grids", [])),
                        "buildings": list(target.get("buildings", [])),
                    },
                    "pin": notice.pin,
                    "schedule": dict(notice.schedule),
                    "seen": [update_id],
                },
            )
            title = notice_title(notice, self.library, locale)
            rows: Rows = [
                [
                    await self._button(
                        tx, draft, "edit_part", i18n.t(locale, f"notice.edit.{p}"), part=p
                    )
                    for p in ("content", "targets", "time")
                ],
                [await self._button(tx, draft, "cancel", i18n.t(locale, "notice.flow.cancel"))],
            ]
            text = i18n.t(locale, "notice.edit.what", title=title)
            await self._say(tx, draft, f"nflow:{update_id}", text, rows)
            await tx.notices.save_draft(draft, self.clock.now())
            await tx.commit()
        return None

    async def _edit_part(
        self, tx: NoticeUnitOfWork, draft: DraftRecord, staff: Staff, part: str, key: str
    ) -> DraftRecord:
        """Go to the chosen step; the later steps show what the notice had, to keep or change."""
        if part == "content":
            if draft.data.get("template"):
                draft = replace(draft, data={**draft.data, "variables": {}})
                return await self._next_blank(tx, draft, staff, key)
            await self._say(tx, draft, key, i18n.t(staff.locale, "notice.flow.ask_text"))
            return replace(draft, awaiting="text")
        if part == "targets":
            await self._ask_targets(tx, draft, staff, key)
            return draft
        await self._ask_time(tx, draft, staff, key)
        return draft

    # -- typed answers -------------------------------------------------------------------------
    async def text(self, user_id: int, text: str, update_id: int) -> bool:
        """Take typed text for the draft waiting for it; False if no draft waits."""
        async with self.uow() as tx:
            waiting = await tx.notices.awaiting_draft(user_id)
        if waiting is None:
            return False
        staff = await self.notices.staff(user_id)
        key = f"nflow:{update_id}"
        async with self.uow() as tx:
            draft = await tx.notices.draft(waiting.id)
            if draft is None or draft.awaiting is None:
                return True
            if update_id in draft.data.get("seen", []):
                return True
            value = text.strip()
            if not value:
                raise InvalidInput("notice.flow.empty")
            awaiting = draft.awaiting
            draft = replace(self._remember(draft, update_id), awaiting=None)
            if awaiting.startswith("var:"):
                variables = {**draft.data.get("variables", {}), awaiting[4:]: value}
                draft = self._remember(draft, update_id, variables=variables)
                draft = await self._next_blank(tx, draft, staff, key)
            elif awaiting == "text":
                if len(value) > 3000:
                    raise InvalidInput("notice.flow.too_long")
                draft = self._remember(draft, update_id, text=value)
                await self._ask_targets(tx, draft, staff, key)
            elif awaiting == "time":
                schedule = parse_when(value, self.clock.now(), staff.tz)
                draft = await self._preview(tx, draft, staff, schedule, key)
            else:
                raise InvalidInput("notice.flow.expired")
            await tx.notices.save_draft(draft, self.clock.now())
            await tx.commit()
        return True

    # -- steps ---------------------------------------------------------------------------------
    async def _next_blank(
        self, tx: NoticeUnitOfWork, draft: DraftRecord, staff: Staff, key: str
    ) -> DraftRecord:
        template = self.library.get(str(draft.data["template"]))
        text = template.text_en if staff.locale == "en" else template.text_zh
        filled = draft.data.get("variables", {})
        missing = [name for name in placeholders(text) if name not in filled]
        if not missing:
            await self._ask_targets(tx, draft, staff, key)
            return draft
        name = missing[0]
        label_key = f"notice.flow.var.{name}"
        label = i18n.t(staff.locale, label_key) if i18n.has(staff.locale, label_key) else name
        await self._say(tx, draft, key, i18n.t(staff.locale, "notice.flow.ask_blank", label=label))
        return replace(draft, awaiting=f"var:{name}")

    async def _target_rows(self, tx: NoticeUnitOfWork, draft: DraftRecord, staff: Staff) -> Rows:
        locale, community = staff.locale, staff.community
        chosen = draft.data.get("target", {})

        def mark(on: bool, label: str) -> str:
            return f"✅ {label}" if on else label

        rows: Rows = [
            [
                await self._button(
                    tx,
                    draft,
                    "target",
                    mark(bool(chosen.get("community")), i18n.t(locale, "notice.target_community")),
                    part="community",
                )
            ]
        ]
        grids = [
            await self._button(
                tx,
                draft,
                "target",
                mark(g in chosen.get("grids", []), i18n.t(locale, "notice.target_grid", grid=g)),
                part=f"g:{g}",
            )
            for g in community.grids
        ]
        if grids:
            rows.append(grids)
        row: list[dict[str, str]] = []
        for b in community.buildings:
            label = i18n.t(locale, "notice.target_building", building=b.number)
            on = b.number in chosen.get("buildings", [])
            row.append(
                await self._button(tx, draft, "target", mark(on, label), part=f"b:{b.number}")
            )
            if len(row) == 4:
                rows.append(row)
                row = []
        if row:
            rows.append(row)
        rows.append(
            [
                await self._button(tx, draft, "targets_done", i18n.t(locale, "notice.flow.next")),
                await self._button(tx, draft, "cancel", i18n.t(locale, "notice.flow.cancel")),
            ]
        )
        return rows

    async def _ask_targets(
        self, tx: NoticeUnitOfWork, draft: DraftRecord, staff: Staff, key: str
    ) -> None:
        rows = await self._target_rows(tx, draft, staff)
        await self._say(tx, draft, key, i18n.t(staff.locale, "notice.flow.pick_groups"), rows)

    async def _ask_time(
        self, tx: NoticeUnitOfWork, draft: DraftRecord, staff: Staff, key: str
    ) -> None:
        locale = staff.locale
        rows = [
            [
                await self._button(
                    tx, draft, "time", i18n.t(locale, "notice.flow.now"), when="now"
                ),
                await self._button(
                    tx, draft, "time", i18n.t(locale, "notice.flow.in_hour"), when="hour"
                ),
            ],
            [
                await self._button(
                    tx, draft, "time", i18n.t(locale, "notice.flow.tomorrow"), when="tomorrow"
                ),
                await self._button(tx, draft, "time_custom", i18n.t(locale, "notice.flow.custom")),
            ],
        ]
        if draft.data.get("replaces") and "schedule" in draft.data:
            when = self.notices.describe_schedule(
                self._notice(draft, staff, load_schedule(draft.data["schedule"])), staff.tz, locale
            )
            keep = i18n.t(locale, "notice.edit.keep_time", when=when)
            rows.insert(0, [await self._button(tx, draft, "time", keep, when="keep")])
        await self._say(tx, draft, key, i18n.t(locale, "notice.flow.pick_time"), rows)

    def _notice(self, draft: DraftRecord, staff: Staff, schedule: Schedule) -> NoticeRecord:
        template_key = draft.data.get("template")
        urgent = bool(template_key and self.library.get(template_key).urgent)
        recurring = not isinstance(schedule, Once)
        return NoticeRecord(
            community_id=staff.community.id,
            key=f"draft:{draft.id}",
            source="chat",
            template=template_key,
            text=draft.data.get("text"),
            variables=dict(draft.data.get("variables", {})),
            target=_target_model(draft.data.get("target", {})).model_dump(exclude_defaults=True),
            schedule=dump_schedule(schedule),
            pin=bool(draft.data.get("pin", False)),
            quiet_hours=None if urgent else dump_quiet(QuietHours()),
            max_lateness_minutes=_RECURRING_LATENESS if recurring else _ONCE_LATENESS,
            urgent=urgent,
            author_telegram_id=draft.author_telegram_id,
        )

    async def _preview(
        self,
        tx: NoticeUnitOfWork,
        draft: DraftRecord,
        staff: Staff,
        schedule: Schedule,
        key: str,
    ) -> DraftRecord:
        draft = replace(draft, data={**draft.data, "schedule": dump_schedule(schedule)})
        notice = self._notice(draft, staff, schedule)
        template_key = notice.template
        if template_key is not None:
            text = render(self.library.get(template_key), staff.locale, notice.variables)
        else:
            from bot.services.notices.service import render_notice

            text = render_notice(notice, self.library, staff.locale)
        await self._say(tx, draft, f"{key}:preview", text)
        summary = await self._summary(tx, draft, staff, notice)
        rows = await self._confirm_rows(tx, draft, staff)
        await self._say(tx, draft, key, summary, rows)
        return draft

    async def _summary(
        self, tx: NoticeUnitOfWork, draft: DraftRecord, staff: Staff, notice: NoticeRecord
    ) -> str:
        locale, tz = staff.locale, staff.tz
        now = self.clock.now()
        chats = await self.notices.targets_of(tx, staff.community, notice.target_model)
        planned = self.notices.first_due(notice, tz, now)
        when = self.notices.describe_schedule(notice, tz, locale)
        lines = [
            i18n.t(locale, "notice.flow.preview_above"),
            i18n.t(locale, "notice.card_when", when=when),
            i18n.t(
                locale,
                "notice.flow.preview_to",
                to=describe_target(notice.target, staff.community, locale),
                count=len(chats),
            ),
        ]
        if planned.next_due is not None and notice.quiet_hours is not None:
            first = planned.next_due
            from bot.domain.notices.schedule import next_occurrence

            scheduled = next_occurrence(notice.schedule_model, now - timedelta(minutes=1), tz)
            if scheduled is not None and first > max(scheduled, now) + timedelta(minutes=1):
                lines.append(
                    i18n.t(
                        locale,
                        "notice.flow.quiet_shift",
                        when=first.astimezone(tz).strftime("%m-%d %H:%M"),
                    )
                )
        lines.append(i18n.t(locale, "notice.flow.confirm_question"))
        return "\n".join(lines)

    async def _confirm_rows(self, tx: NoticeUnitOfWork, draft: DraftRecord, staff: Staff) -> Rows:
        locale = staff.locale
        pin_key = "notice.flow.pin_on" if draft.data.get("pin") else "notice.flow.pin_off"
        return [
            [await self._button(tx, draft, "confirm", i18n.t(locale, "notice.flow.confirm"))],
            [
                await self._button(tx, draft, "pin", i18n.t(locale, pin_key)),
                await self._button(tx, draft, "cancel", i18n.t(locale, "notice.flow.cancel")),
            ],
        ]

    async def _confirm(
        self, tx: NoticeUnitOfWork, draft: DraftRecord, staff: Staff, key: str
    ) -> str:
        if "schedule" not in draft.data:
            raise NotFound("notice.flow.expired")
        notice = self._notice(draft, staff, load_schedule(draft.data["schedule"]))
        chats = await self.notices.targets_of(tx, staff.community, notice.target_model)
        if not chats:
            raise InvalidInput("notice.no_groups")
        if draft.data.get("replaces"):
            await self._retire_replaced(tx, int(draft.data["replaces"]), staff, draft)
        created = await self.notices.create(tx, notice, staff.community)
        when = self.notices.next_local(created, staff.tz, staff.locale) or ""
        text = i18n.t(staff.locale, "notice.flow.scheduled", count=len(chats), when=when)
        if draft.data.get("replaces"):
            text = i18n.t(staff.locale, "notice.edit.replaced") + text
        await self._say(tx, draft, key, text)
        return i18n.t(staff.locale, "notice.flow.done_short")

    async def _retire_replaced(
        self, tx: NoticeUnitOfWork, notice_id: int, staff: Staff, draft: DraftRecord
    ) -> None:
        """The edited notice gives way to the new one in the same transaction (never both)."""
        old = await tx.notices.get(notice_id)
        if old is None or old.status not in (ACTIVE, PAUSED):
            # it was sent, cancelled or edited from another screen meanwhile: nothing to replace
            raise InvalidInput("notice.edit.gone")
        now = self.clock.now()
        await tx.notices.save(replace(old, status=CANCELLED), now)
        await tx.audit.record(
            AuditRecord(
                action="notice.edited",
                subject=f"notice:{notice_id}",
                actor_telegram_id=staff.telegram_id,
                community_id=staff.community.id,
                details={"draft": draft.id},
            ),
            now,
        )


def _toggle(target: dict[str, Any], part: str) -> dict[str, Any]:
    if part == "community":
        target["community"] = not target.get("community", False)
        return target
    kind, _, value = part.partition(":")
    field = {"g": "grids", "b": "buildings"}[kind]
    values = list(target.get(field, []))
    if value in values:
        values.remove(value)
    else:
        values.append(value)
    target[field] = values
    return target


def _target_set(target: dict[str, Any]) -> bool:
    return bool(target.get("community") or target.get("grids") or target.get("buildings"))


def _target_model(target: dict[str, Any]) -> Target:
    if target.get("community"):
        return Target(community=True)
    return Target(
        grids=tuple(target.get("grids", [])), buildings=tuple(target.get("buildings", []))
    )


def _quick_time(choice: str, now: datetime, tz: ZoneInfo) -> Schedule:
    local = now.astimezone(tz).replace(tzinfo=None, second=0, microsecond=0)
    if choice == "hour":
        return Once(at=local + timedelta(hours=1))
    if choice == "tomorrow":
        return Once(
            at=datetime.combine(local.date() + timedelta(days=1), datetime.min.time()).replace(
                hour=9
            )
        )
    return Once(at=now.astimezone(tz).replace(tzinfo=None, microsecond=0))
