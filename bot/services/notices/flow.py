"""The guided `/notice` flow: template or free text → blanks → groups → time → preview → confirm.

State lives in a stored draft (so a restart loses nothing); buttons carry only opaque ids and
may be pressed by the draft's author alone. Every reply goes through the outbox with a key
made from the update, and each handled update id is remembered, so a re-handled update
changes nothing. A pure step (bot.domain.notices.draft) takes each answer and names the step
to ask next; `NoticeFlow.asks` holds one method a step that asks it.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, replace
from datetime import timedelta
from typing import Any

from bot import i18n
from bot.domain.errors import InvalidInput, NotFound
from bot.domain.notices.draft import (
    PRESSES,
    TYPED,
    Answer,
    Move,
    NoticeFlowDraft,
    NoticeStep,
)
from bot.domain.notices.records import (
    ACTIVE,
    CANCELLED,
    PAUSED,
    DraftRecord,
    NoticeRecord,
    dump_quiet,
    dump_schedule,
)
from bot.domain.notices.schedule import Once, QuietHours, next_occurrence
from bot.domain.notices.templates import placeholders, render
from bot.domain.records import AuditRecord, ButtonSpec, OutboundMessage
from bot.services.buttons import Pressed, callback_data, in_rows
from bot.services.notices.admin import EDIT_KIND, describe_target
from bot.services.notices.service import NoticeService, Staff, notice_title, render_notice
from bot.services.outgoing import Rows, send
from bot.services.ports import NoticeUnitOfWork

FLOW = "notice.flow."
_PURPOSE = "notice.flow"
# Templates the outage form uses on its own; the menu offers the others.
_MENU_SKIP = ("outage_reminder", "service_restored")
_DRAFT_TTL = timedelta(days=2)
_ONCE_LATENESS = 6 * 60
_RECURRING_LATENESS = 3 * 60


@dataclass(frozen=True)
class _Turn:
    """One update being answered: its transaction, who acts, its outbox key, the message."""

    tx: NoticeUnitOfWork
    staff: Staff
    key: str
    message_id: int | None = None  # the message whose button was pressed
    redraw: bool = False  # change that message's buttons instead of sending a new one


Ask = Callable[[_Turn, NoticeFlowDraft], Awaitable[NoticeFlowDraft]]


class NoticeFlow:
    """One admin or supervisor putting a notice together in a private chat."""

    def __init__(self, notices: NoticeService) -> None:
        self.notices = notices
        self.uow = notices.uow
        self.clock = notices.clock
        self.library = notices.library
        #: the step a move names → what asks it (returning the draft, waiting for text or not)
        self.asks: Mapping[NoticeStep, Ask] = {
            "blank": self._ask_blank,
            "text": self._ask_text,
            "targets": self._ask_targets,
            "time": self._ask_time,
            "custom_time": self._ask_custom_time,
            "preview": self._preview,
            "confirm": self._ask_confirm,
            "finish": self._finish,
            "cancelled": self._say_cancelled,
        }

    # -- plumbing ------------------------------------------------------------------------------
    async def _button(
        self, turn: _Turn, draft: NoticeFlowDraft, kind: str, label: str, **payload: Any
    ) -> dict[str, str]:
        now = self.clock.now()
        button_id = await turn.tx.buttons.create(
            ButtonSpec(
                kind=FLOW + kind,
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
        turn: _Turn,
        draft: NoticeFlowDraft,
        text: str,
        buttons: Rows | None = None,
        *,
        key_suffix: str = "",
    ) -> None:
        key, now = turn.key + key_suffix, self.clock.now()
        if not (turn.redraw and turn.message_id is not None):
            await send(
                turn.tx,
                draft.author_telegram_id,
                text,
                now,
                key,
                purpose=_PURPOSE,
                buttons=buttons,
            )
            return
        # a redraw changes the buttons alone (outgoing.edit would change the text too)
        redraw = {"buttons": buttons or [], "message_id": turn.message_id}
        await turn.tx.outbox.enqueue(
            OutboundMessage(draft.author_telegram_id, "edit_buttons", redraw, _PURPOSE, key), now
        )

    async def _retire(
        self, tx: NoticeUnitOfWork, draft: NoticeFlowDraft, message_id: int, update_id: int
    ) -> None:
        """A step answered by a button is over: its message keeps no buttons to press again
        (a template menu, a preview's 确认 after it went)."""
        retire = {"buttons": [], "message_id": message_id}
        await tx.outbox.enqueue(
            OutboundMessage(
                draft.author_telegram_id,
                "edit_buttons",
                retire,
                _PURPOSE,
                f"nflow:{update_id}:retire",
            ),
            self.clock.now(),
        )

    async def _load(self, tx: NoticeUnitOfWork, draft_id: int) -> NoticeFlowDraft | None:
        """The stored draft, None if there is none; one that cannot be read is closed."""
        record = await tx.notices.draft(draft_id)
        if record is None:
            return None
        draft = NoticeFlowDraft.from_record(record)
        if draft is None:
            # left open it would catch every message its author types
            closed = replace(record, status="cancelled", awaiting=None)
            await tx.notices.save_draft(closed, self.clock.now())
            await tx.commit()
            raise NotFound("notice.flow.expired")
        return draft

    @staticmethod
    def _fresh(record: DraftRecord) -> NoticeFlowDraft:
        draft = NoticeFlowDraft.from_record(record)
        if draft is None:  # a new draft's JSON is empty: always readable
            raise NotFound("notice.flow.expired")
        return draft

    async def _go(self, turn: _Turn, move: Move) -> NoticeFlowDraft:
        """Ask the step the move leads to, if any; return the draft as that step leaves it."""
        if move.ask is None:
            return move.draft
        return await self.asks[move.ask](replace(turn, redraw=move.redraw), move.draft)

    # -- step 1: what --------------------------------------------------------------------------
    async def start(self, user_id: int, update_id: int) -> None:
        """Open a draft and offer the templates and free text."""
        staff = await self.notices.staff(user_id)
        async with self.uow() as tx:
            record, new = await tx.notices.start_draft(
                staff.community.id, user_id, update_id, self.clock.now()
            )
            if not new:
                return
            await self._ask_what(_Turn(tx, staff, f"nflow:{update_id}"), self._fresh(record))
            await tx.commit()

    async def _ask_what(self, turn: _Turn, draft: NoticeFlowDraft) -> None:
        locale = turn.staff.locale
        templates = []
        for key in self.library:
            if key in _MENU_SKIP:
                continue
            template = self.library.get(key)
            title = template.title_en if locale == "en" else template.title_zh
            templates.append(await self._button(turn, draft, "template", title, template=key))
        last = [
            await self._button(turn, draft, "free", i18n.t(locale, "notice.flow.free")),
            await self._button(turn, draft, "cancel", i18n.t(locale, "notice.flow.cancel")),
        ]
        rows = [*in_rows(templates, 2), last]
        await self._say(turn, draft, i18n.t(locale, "notice.flow.pick"), rows)

    # -- presses -------------------------------------------------------------------------------
    async def press(self, pressed: Pressed, message_id: int | None, update_id: int) -> str | None:
        """Apply one button of the flow; return a short answer for the button, if any."""
        staff = await self.notices.staff(pressed.presser_id)
        payload = pressed.spec.payload
        if pressed.spec.kind == EDIT_KIND:
            return await self.edit(staff, int(payload["notice_id"]), update_id)
        step = PRESSES.get(pressed.spec.kind.removeprefix(FLOW))
        async with self.uow() as tx:
            draft = await self._load(tx, int(payload["draft"]))
            if draft is None or draft.status != "open":
                raise NotFound("notice.flow.expired")
            if update_id in draft.seen:
                return None
            draft = draft.heard(update_id)
            answer = Answer(self.clock.now(), staff.tz, payload)
            move = step(draft, answer) if step is not None else Move(draft)
            turn = _Turn(tx, staff, f"nflow:{update_id}", message_id)
            draft = await self._go(turn, move)
            if not move.redraw and message_id is not None:
                await self._retire(tx, draft, message_id, update_id)
            await tx.notices.save_draft(draft.record(), self.clock.now())
            await tx.commit()
        if move.ask == "finish":
            await self.notices.tick()  # "now" goes out at once
        return None if move.reply is None else i18n.t(staff.locale, move.reply)

    # -- editing a notice from the /notices list -------------------------------------------------
    async def edit(self, staff: Staff, notice_id: int, update_id: int) -> str | None:
        """Open a draft copied from a notice and ask what to change; confirming replaces it."""
        async with self.uow() as tx:
            notice = await tx.notices.get(notice_id)
            if notice is None or notice.community_id != staff.community.id:
                raise NotFound("notice.not_found")
            if notice.status not in (ACTIVE, PAUSED) or notice.source != "chat":
                raise InvalidInput("notice.edit.not_editable")
            record, new = await tx.notices.start_draft(
                staff.community.id, staff.telegram_id, update_id, self.clock.now()
            )
            if not new:
                return None
            draft = self._fresh(record).edit_of(notice, update_id)
            await self._ask_edit(_Turn(tx, staff, f"nflow:{update_id}"), draft, notice)
            await tx.notices.save_draft(draft.record(), self.clock.now())
            await tx.commit()
        return None

    async def _ask_edit(self, turn: _Turn, draft: NoticeFlowDraft, notice: NoticeRecord) -> None:
        locale = turn.staff.locale
        rows: Rows = [
            [
                await self._button(
                    turn, draft, "edit_part", i18n.t(locale, f"notice.edit.{p}"), part=p
                )
                for p in ("content", "targets", "time")
            ],
            [await self._button(turn, draft, "cancel", i18n.t(locale, "notice.flow.cancel"))],
        ]
        title = notice_title(notice, self.library, locale)
        await self._say(turn, draft, i18n.t(locale, "notice.edit.what", title=title), rows)

    # -- typed answers -------------------------------------------------------------------------
    async def text(self, user_id: int, text: str, update_id: int) -> bool:
        """Take typed text for the draft waiting for it; False if no draft waits."""
        async with self.uow() as tx:
            waiting = await tx.notices.awaiting_draft(user_id)
        if waiting is None:
            return False
        staff = await self.notices.staff(user_id)
        async with self.uow() as tx:
            draft = await self._load(tx, waiting.id)
            if draft is None or draft.awaiting is None or update_id in draft.seen:
                return True
            value = text.strip()
            if not value:
                raise InvalidInput("notice.flow.empty")
            step = TYPED.get(draft.waits_for or "")
            if step is None:
                raise InvalidInput("notice.flow.expired")
            move = step(draft.heard(update_id), Answer(self.clock.now(), staff.tz, text=value))
            draft = await self._go(_Turn(tx, staff, f"nflow:{update_id}"), move)
            await tx.notices.save_draft(draft.record(), self.clock.now())
            await tx.commit()
        return True

    # -- the steps a move asks -----------------------------------------------------------------
    async def _ask_blank(self, turn: _Turn, draft: NoticeFlowDraft) -> NoticeFlowDraft:
        """Ask for the template's next empty blank; with none left, go on to the groups."""
        locale = turn.staff.locale
        template = self.library.get(str(draft.template))
        text = template.text_en if locale == "en" else template.text_zh
        missing = [name for name in placeholders(text) if name not in draft.variables]
        if not missing:
            return await self._ask_targets(turn, draft)
        name = missing[0]
        label_key = f"notice.flow.var.{name}"
        label = i18n.t(locale, label_key) if i18n.has(locale, label_key) else name
        await self._say(turn, draft, i18n.t(locale, "notice.flow.ask_blank", label=label))
        return replace(draft, awaiting=f"var:{name}")

    async def _ask_text(self, turn: _Turn, draft: NoticeFlowDraft) -> NoticeFlowDraft:
        await self._say(turn, draft, i18n.t(turn.staff.locale, "notice.flow.ask_text"))
        return replace(draft, awaiting="text")

    async def _ask_targets(self, turn: _Turn, draft: NoticeFlowDraft) -> NoticeFlowDraft:
        rows = await self._target_rows(turn, draft)
        await self._say(turn, draft, i18n.t(turn.staff.locale, "notice.flow.pick_groups"), rows)
        return draft

    async def _target_rows(self, turn: _Turn, draft: NoticeFlowDraft) -> Rows:
        locale, community = turn.staff.locale, turn.staff.community
        chosen = draft.target

        def mark(on: bool, label: str) -> str:
            return f"✅ {label}" if on else label

        async def tick(label: str, on: bool, part: str) -> dict[str, str]:
            return await self._button(turn, draft, "target", mark(on, label), part=part)

        everyone = i18n.t(locale, "notice.target_community")
        rows: Rows = [[await tick(everyone, chosen.community, "community")]]
        grids = [
            await tick(i18n.t(locale, "notice.target_grid", grid=g), g in chosen.grids, f"g:{g}")
            for g in community.grids
        ]
        if grids:
            rows.append(grids)
        buildings = [
            await tick(
                i18n.t(locale, "notice.target_building", building=b.number),
                b.number in chosen.buildings,
                f"b:{b.number}",
            )
            for b in community.buildings
        ]
        rows.extend(in_rows(buildings, 4))
        rows.append(
            [
                await self._button(
                    turn, draft, "targets_done", i18n.t(locale, "notice.flow.next")
                ),
                await self._button(turn, draft, "cancel", i18n.t(locale, "notice.flow.cancel")),
            ]
        )
        return rows

    async def _ask_time(self, turn: _Turn, draft: NoticeFlowDraft) -> NoticeFlowDraft:
        locale, staff = turn.staff.locale, turn.staff

        async def quick(label: str, when: str) -> dict[str, str]:
            return await self._button(turn, draft, "time", i18n.t(locale, label), when=when)

        rows = [
            [await quick("notice.flow.now", "now"), await quick("notice.flow.in_hour", "hour")],
            [
                await quick("notice.flow.tomorrow", "tomorrow"),
                await self._button(
                    turn, draft, "time_custom", i18n.t(locale, "notice.flow.custom")
                ),
            ],
        ]
        if draft.replaces and draft.schedule is not None:
            when = self.notices.describe_schedule(self._notice(staff, draft), staff.tz, locale)
            keep = i18n.t(locale, "notice.edit.keep_time", when=when)
            rows.insert(0, [await self._button(turn, draft, "time", keep, when="keep")])
        await self._say(turn, draft, i18n.t(locale, "notice.flow.pick_time"), rows)
        return draft

    async def _ask_custom_time(self, turn: _Turn, draft: NoticeFlowDraft) -> NoticeFlowDraft:
        await self._say(turn, draft, i18n.t(turn.staff.locale, "notice.flow.ask_time"))
        return replace(draft, awaiting="time")

    def _notice(self, staff: Staff, draft: NoticeFlowDraft) -> NoticeRecord:
        """The notice the draft makes, as it would be stored."""
        schedule = draft.schedule
        if schedule is None:
            raise NotFound("notice.flow.expired")
        template_key = draft.template
        urgent = bool(template_key and self.library.get(template_key).urgent)
        recurring = not isinstance(schedule, Once)
        return NoticeRecord(
            community_id=staff.community.id,
            key=f"draft:{draft.id}",
            source="chat",
            template=template_key,
            text=draft.text,
            variables=dict(draft.variables),
            target=draft.target.target().model_dump(exclude_defaults=True),
            schedule=dump_schedule(schedule),
            pin=draft.pin,
            quiet_hours=None if urgent else dump_quiet(QuietHours()),
            max_lateness_minutes=_RECURRING_LATENESS if recurring else _ONCE_LATENESS,
            urgent=urgent,
            author_telegram_id=draft.author_telegram_id,
        )

    async def _preview(self, turn: _Turn, draft: NoticeFlowDraft) -> NoticeFlowDraft:
        """Show the notice as residents will see it, then when and to whom, to confirm."""
        staff = turn.staff
        notice = self._notice(staff, draft)
        if notice.template is not None:
            text = render(self.library.get(notice.template), staff.locale, notice.variables)
        else:
            text = render_notice(notice, self.library, staff.locale)
        await self._say(turn, draft, text, key_suffix=":preview")
        summary = await self._summary(turn, notice)
        await self._say(turn, draft, summary, await self._confirm_rows(turn, draft))
        return draft

    async def _summary(self, turn: _Turn, notice: NoticeRecord) -> str:
        staff = turn.staff
        locale, tz = staff.locale, staff.tz
        now = self.clock.now()
        chats = await self.notices.targets_of(turn.tx, staff.community, notice.target_model)
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

    async def _confirm_rows(self, turn: _Turn, draft: NoticeFlowDraft) -> Rows:
        locale = turn.staff.locale
        pin_key = "notice.flow.pin_on" if draft.pin else "notice.flow.pin_off"
        return [
            [await self._button(turn, draft, "confirm", i18n.t(locale, "notice.flow.confirm"))],
            [
                await self._button(turn, draft, "pin", i18n.t(locale, pin_key)),
                await self._button(turn, draft, "cancel", i18n.t(locale, "notice.flow.cancel")),
            ],
        ]

    async def _ask_confirm(self, turn: _Turn, draft: NoticeFlowDraft) -> NoticeFlowDraft:
        """Redraw the confirm buttons (the pin changed); the preview above stays."""
        await self._say(turn, draft, "", await self._confirm_rows(turn, draft))
        return draft

    async def _finish(self, turn: _Turn, draft: NoticeFlowDraft) -> NoticeFlowDraft:
        """Store the notice (replacing the one edited) and say when it goes out."""
        staff, tx = turn.staff, turn.tx
        notice = self._notice(staff, draft)
        chats = await self.notices.targets_of(tx, staff.community, notice.target_model)
        if not chats:
            raise InvalidInput("notice.no_groups")
        if draft.replaces:
            await self._retire_replaced(tx, draft.replaces, staff, draft)
        created = await self.notices.create(tx, notice, staff.community)
        when = self.notices.next_local(created, staff.tz, staff.locale) or ""
        text = i18n.t(staff.locale, "notice.flow.scheduled", count=len(chats), when=when)
        if draft.replaces:
            text = i18n.t(staff.locale, "notice.edit.replaced") + text
        await self._say(turn, draft, text)
        return draft

    async def _retire_replaced(
        self, tx: NoticeUnitOfWork, notice_id: int, staff: Staff, draft: NoticeFlowDraft
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

    async def _say_cancelled(self, turn: _Turn, draft: NoticeFlowDraft) -> NoticeFlowDraft:
        await self._say(turn, draft, i18n.t(turn.staff.locale, "notice.flow.cancelled"))
        return draft
