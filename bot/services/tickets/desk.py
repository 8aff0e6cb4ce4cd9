"""The tickets feature as handlers see it: one object, one call per kind of update."""

from __future__ import annotations

from bot.domain.errors import NotFound
from bot.services.buttons import Pressed
from bot.services.tickets.audit_trail import TicketAuditTrail
from bot.services.tickets.commands import TicketCommands
from bot.services.tickets.core import TicketEnv
from bot.services.tickets.correction import TicketCorrections
from bot.services.tickets.dto import Origin, TicketMessage
from bot.services.tickets.intake import TicketIntake
from bot.services.tickets.notes import StaffNotes
from bot.services.tickets.queries import TicketQueries
from bot.services.tickets.report_flow import TicketReportFlow
from bot.services.tickets.staff_actions import StaffActions, cancel_menu
from bot.services.tickets.verdict import Verdicts


class TicketDesk:
    """Intake, life cycle, queries and the /report flow behind one front door."""

    def __init__(self, env: TicketEnv) -> None:
        self.env = env
        self.intake = TicketIntake(env)
        self.staff = StaffActions(env)
        self.notes = StaffNotes(env)
        self.verdicts = Verdicts(env)
        self.commands = TicketCommands(env)  # /cancel, /merge, /unmerge
        self.queries = TicketQueries(env)
        self.report = TicketReportFlow(env, self.intake)
        self.corrections = TicketCorrections(env)
        self.audit = TicketAuditTrail(env)  # /audit: who did what when

    async def on_message(self, msg: TicketMessage) -> None:
        """A non-command message: a staff note, a /report answer, or intake – in that order."""
        await self.intake.remember(msg.user_id, msg.username)
        if await self.notes.staff_reply(msg):
            return
        if await self.report.take(
            msg.chat_id,
            msg.user_id,
            msg.message_id,
            msg.update_id,
            msg.text,
            msg.photo_file_id,
            msg.thread_id,
        ):
            return
        await self.intake.take(msg)

    async def on_press(self, pressed: Pressed, origin: Origin) -> str:
        """A ticket button; returns the short answer shown to the presser."""
        kind = pressed.spec.kind
        if kind == "ticket.act":
            return await self.staff.act(pressed, origin)
        if kind == "ticket.pick":
            return await self.staff.pick(pressed, origin)
        if kind == "ticket.refer":
            return await self.staff.refer(pressed, origin)
        if kind == "ticket.menu_cancel":
            return await cancel_menu(self.staff.env, pressed, origin)
        if kind == "ticket.verdict":
            return await self.verdicts.verdict(pressed, origin)
        if kind == "ticket.metoo":
            return await self.intake.me_too(pressed, origin)
        if kind == "ticket.ask":
            return await self.intake.ask_staff(pressed, origin)
        if kind.startswith("ticket.outage_"):
            return await self.intake.outages.press(pressed, origin)
        if kind == "ticket.offer":  # 「需要我帮您登记报修吗？」
            return await self.intake.offers.press(pressed, origin)
        if kind == "ticket.menu":  # 「一步步报修」 on the menu of what the bot can do
            return await self.intake.answers.start_report(pressed, origin, self.report)
        if kind == "ticket.flow":
            return await self.report.press(
                pressed, origin.chat_id, origin.message_id, origin.update_id
            )
        raise NotFound()

    async def tick(self) -> None:
        """Periodic work: close resolved tickets whose verdict time has passed; pass on the
        residents' notes that were held back."""
        await self.verdicts.auto_close()
        await self.intake.card_replies.flush()
