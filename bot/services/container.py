"""What handlers are given: the use cases, wired once by the composition root."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from bot.config import Settings
from bot.domain.clock import Clock
from bot.services.alerts.desk import AlertDesk
from bot.services.chats import ChatService
from bot.services.desk.sign_in import DeskSignIn
from bot.services.doctor import Doctor
from bot.services.duty.desk import DutyDesk
from bot.services.escalation.desk import EscalationDesk
from bot.services.faq.admin import FaqAdmin
from bot.services.faq.desk import FaqDesk
from bot.services.households.care import CareDesk
from bot.services.households.consult import ConsultationDesk
from bot.services.households.register import HouseholdDesk
from bot.services.ical.desk import CalendarDesk
from bot.services.inbox import Inbox
from bot.services.kpi.desk import StatsDesk
from bot.services.migration import ChatMigrations
from bot.services.notices.service import NoticeService
from bot.services.points.activities import ActivityDesk
from bot.services.points.desk import PointsDesk
from bot.services.points.shop import ShopDesk
from bot.services.ports import UnitOfWorkFactory
from bot.services.reach import PrivateReach
from bot.services.replies import Replies
from bot.services.reports.chat_export import ChatExport
from bot.services.tickets.desk import TicketDesk


@dataclass
class Services:
    settings: Settings
    clock: Clock
    uow: UnitOfWorkFactory
    chats: ChatService
    replies: Replies
    # Called after a handler queued outbox messages, so they go out without waiting for a poll.
    wake_sender: Callable[[], None] = field(default=lambda: None)
    # The knowledge base: FaqDesk is the QuestionDesk port intake calls.
    faq: FaqDesk | None = None
    faq_admin: FaqAdmin | None = None
    # Scheduled notices: /notice, /notices, /outage and the delivery tick.
    notices: NoticeService | None = None
    # Tickets: intake, life cycle, verdicts, /report, /mine /my /ticket.
    tickets: TicketDesk | None = None
    # Duty: /duty /roster /cover /leave /workday, the handoff; pages and follow-ups.
    duty: DutyDesk | None = None
    escalation: EscalationDesk | None = None
    # Who the bot can write to in private: learned from every private update.
    reach: PrivateReach | None = None
    # The deployment doctor behind /status (and `loudao check`).
    doctor: Doctor | None = None
    # What keeps failing is told to the admins (the error handler and the dispatcher report).
    alerts: AlertDesk | None = None
    # Groups Telegram upgraded to supergroups: followed to their new chat id.
    migrations: ChatMigrations | None = None
    # The update inbox: the error handler notes a failed handler there, for a retry.
    inbox: Inbox | None = None
    # The committee's figures: /stats; the tickets table: /export.
    stats: StatsDesk | None = None
    export: ChatExport | None = None
    # The roster as a calendar: /ical gives staff their secret link.
    ical: CalendarDesk | None = None
    # The household register (/household) and consultations (/consult, /vote, /paper).
    households: HouseholdDesk | None = None
    consultations: ConsultationDesk | None = None
    care: CareDesk | None = None  # the care list's 「已联系」 buttons
    # The web desk's sign-in: /desk sends a one-time link.
    desk: DeskSignIn | None = None
    # Volunteer points: /points, /award and the approvers' buttons.
    points: PointsDesk | None = None
    shop: ShopDesk | None = None  # the points shop: /shop, /redeem, 兑换 and 已发放
    activities: ActivityDesk | None = None  # /activity, 报名 and 到场
