"""The composition root: the database under one migration policy, and the use cases on it."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from bot.config import Settings
from bot.domain.clock import Clock, SystemClock
from bot.domain.tickets.duplicates import DuplicatePolicy
from bot.intake_files import default_rules_file, ticket_categories
from bot.notice_files import load_templates, read_notice_files
from bot.registry_file import read_registry
from bot.services.alerts.desk import AlertDesk
from bot.services.chats import ChatService
from bot.services.container import Services
from bot.services.desk.pages import DeskPages
from bot.services.desk.sign_in import DeskSignIn
from bot.services.doctor import Doctor
from bot.services.duty.desk import DutyDesk
from bot.services.duty.handover import ShiftHandover
from bot.services.duty.routing import RosterRouter
from bot.services.escalation.desk import EscalationDesk
from bot.services.faq.admin import FaqAdmin, check_faq_files
from bot.services.faq.desk import FaqDesk, FaqLibrary
from bot.services.households.care import CareDesk
from bot.services.households.consult import ConsultationDesk
from bot.services.households.register import HouseholdDesk
from bot.services.ical.desk import CalendarDesk
from bot.services.inbox import Inbox
from bot.services.kpi.desk import StatsDesk
from bot.services.kpi.digest import WeeklyDigest
from bot.services.migration import ChatMigrations
from bot.services.notices.importer import import_notices
from bot.services.notices.service import NoticeService
from bot.services.open311.desk import Open311Desk, ServiceKind
from bot.services.points.activities import ActivityDesk
from bot.services.points.board import MonthlyBoard
from bot.services.points.desk import PointsDesk
from bot.services.points.shop import ShopDesk
from bot.services.reach import PrivateReach
from bot.services.registry import load_registry
from bot.services.replies import Replies
from bot.services.reports.chat_export import ChatExport
from bot.services.reports.tickets_export import TicketExport
from bot.services.retention import RetentionDesk
from bot.services.tickets.cards import Hotlines, Looks
from bot.services.tickets.core import TicketEnv, TicketPolicy
from bot.services.tickets.desk import TicketDesk
from storage.database import Database
from storage.uow import SqlUnitOfWorkFactory

NOT_UP_TO_DATE = "the database is not up to date: run `loudao db upgrade` first"
Tick = Callable[[], Awaitable[object]]
NamedTick = tuple[str, Tick]  # the name is the job's in alerts (ops.failure.tick.<name>)


class DatabaseNotReady(Exception):
    """PostgreSQL is not at the latest migration: run `loudao db upgrade`."""


@asynccontextmanager
async def open_database(settings: Settings, *, policy: bool = True) -> AsyncIterator[Database]:
    """Open the database: SQLite is migrated, PostgreSQL must be up to date (DatabaseNotReady)."""
    database = Database(settings.database_url)
    try:
        if policy:  # policy=False: as it is, for `loudao db upgrade` and `loudao db current`
            await _apply_migration_policy(database)
        yield database
    finally:
        await database.close()


async def _apply_migration_policy(database: Database) -> None:
    # An embedded SQLite file belongs to this one process: migrating it on start is safe. A
    # PostgreSQL server is shared by instances and deployments: its migrations are an operator's
    # step (`loudao db upgrade`), never a side effect of whatever command happens to run first.
    if database.is_sqlite:
        await database.upgrade()
    elif not await database.is_up_to_date():
        raise DatabaseNotReady(NOT_UP_TO_DATE)


def ticket_policy(settings: Settings) -> TicketPolicy:
    """Return the ticket flow's windows and limits from the settings."""
    return TicketPolicy(
        verdict_window=timedelta(hours=settings.verdict_hours),
        duplicates=DuplicatePolicy(window=timedelta(hours=settings.duplicate_hours)),
        max_chars=settings.max_message_chars,
        offer_window=timedelta(hours=settings.offer_hours),
    )


@dataclass(frozen=True)
class UseCases:
    """Every use case, wired once on one unit of work and one clock."""

    settings: Settings
    clock: Clock
    uow: SqlUnitOfWorkFactory
    inbox: Inbox
    chats: ChatService
    faq: FaqDesk
    faq_admin: FaqAdmin
    notices: NoticeService
    tickets: TicketDesk
    escalation: EscalationDesk
    duty: DutyDesk
    handover: ShiftHandover  # unaccepted tickets follow the roster to whoever is on duty
    retention: RetentionDesk
    reach: PrivateReach  # who can be written to in private; a refusal hands work on
    alerts: AlertDesk
    migrations: ChatMigrations
    stats: StatsDesk  # the committee's figures: /stats
    digest: WeeklyDigest  # the committee's weekly digest, once a week
    exports: TicketExport  # loudao export tickets (a chat /export can use it too)
    chat_export: ChatExport  # /export: an admin gets the XLSX in private
    open311: Open311Desk  # open data: the tickets as Open311 service requests (read-only)
    ical: CalendarDesk  # open data: the roster as a calendar per staff member
    households: HouseholdDesk  # the household register: codes, accounts, voters
    consultations: ConsultationDesk  # consultations: one vote per household
    care: CareDesk  # the care list: check-on calls when an outage covers a building
    desk_sign_in: DeskSignIn  # the web desk's one-time links (/desk) and sessions
    desk_pages: DeskPages  # the web desk's pages, on the same services as the chat
    points: PointsDesk  # volunteer points: balances, reviewed awards
    shop: ShopDesk  # the points shop: stock, redemptions and their codes
    board: MonthlyBoard  # the monthly points leaderboard of each building, once a month
    activities: ActivityDesk  # volunteer activities: sign-ups, attendance

    @property
    def ticks(self) -> tuple[NamedTick, ...]:
        """Return the periodic jobs, by name, in the order the app runs them."""
        return (
            ("notices", self.notices.tick),
            ("tickets", self.tickets.tick),  # deadlines, verdicts
            ("escalation", self.escalation.tick),  # escalation steps fire exactly once
            ("duty", self.duty.tick),  # the morning handoff, once a day
            ("handover", self.handover.tick),  # a shift begins: unaccepted tickets follow it
            ("digest", self.digest.tick),  # the committee's weekly digest
            ("consultations", self.consultations.tick),  # reminders; the close, once
            ("care", self.care.tick),  # check-on lists for new outages; who was not reached
            ("points", self.board.tick),  # the monthly leaderboards, once a month
            ("retention", self.retention.tick),  # personal data erased after keeping (PIPL)
        )

    def for_handlers(self, wake_sender: Callable[[], None]) -> Services:
        """Return what handlers are given; `wake_sender` sends queued messages without delay."""
        return Services(
            settings=self.settings,
            clock=self.clock,
            uow=self.uow,
            chats=self.chats,
            replies=Replies(self.uow, self.clock),
            wake_sender=wake_sender,
            faq=self.faq,
            faq_admin=self.faq_admin,
            notices=self.notices,
            tickets=self.tickets,
            duty=self.duty,
            escalation=self.escalation,
            reach=self.reach,
            doctor=Doctor(
                self.uow, self.clock, self._webhook_url(), self.settings.public_url, links=True
            ),
            alerts=self.alerts,
            migrations=self.migrations,
            inbox=self.inbox,
            stats=self.stats,
            export=self.chat_export,
            ical=self.ical,
            households=self.households,
            consultations=self.consultations,
            care=self.care,
            desk=self.desk_sign_in,
            points=self.points,
            shop=self.shop,
            activities=self.activities,
        )

    def _webhook_url(self) -> str | None:
        s = self.settings
        return s.webhook_url if s.mode == "webhook" else None


def build_services(settings: Settings, uow: SqlUnitOfWorkFactory, clock: Clock) -> UseCases:
    """Wire every use case on one unit of work and one clock."""
    faq_library = FaqLibrary()  # one cached matcher per community, shared by desk and admin
    faq = FaqDesk(uow, clock, faq_library)
    looks = Looks(Hotlines(settings.gas_hotline, settings.power_hotline, settings.water_hotline))
    # Tickets are routed by the duty roster: who is on duty, with the SLA's deadlines.
    ticket_env = TicketEnv(
        uow=uow,
        clock=clock,
        router=RosterRouter(uow),
        looks=looks,
        policy=ticket_policy(settings),
        questions=faq,
    )
    exports = TicketExport(uow, clock, looks)
    tickets = TicketDesk(ticket_env)
    return UseCases(
        settings=settings,
        clock=clock,
        uow=uow,
        # SQLite has no SKIP LOCKED: one process at a time consumes the inbox
        inbox=Inbox(uow, clock, single_consumer=settings.is_sqlite, per_update=uow.per_update),
        chats=ChatService(uow, clock),
        faq=faq,
        faq_admin=FaqAdmin(uow, clock, faq_library),
        notices=NoticeService(uow, clock, load_templates()),
        tickets=tickets,
        escalation=EscalationDesk(uow, clock, looks),
        duty=DutyDesk(uow, clock, looks),
        handover=ShiftHandover(uow, clock, looks),
        retention=RetentionDesk(
            uow,
            clock,
            keep_private=timedelta(days=settings.keep_private_days),
            keep_messages=timedelta(days=settings.keep_messages_days),
            files_dir=settings.files_dir,
        ),
        reach=PrivateReach(uow, clock, looks),
        alerts=AlertDesk(uow, clock),
        migrations=ChatMigrations(uow, clock),
        stats=StatsDesk(uow, clock),
        digest=WeeklyDigest(uow, clock),
        exports=exports,
        chat_export=ChatExport(uow, clock, exports, settings.files_dir),
        open311=Open311Desk(uow, clock, service_kinds(), settings.open311_api_keys),
        ical=CalendarDesk(uow, clock, settings.http_base_url, settings.secret, looks),
        households=HouseholdDesk(uow, clock),
        consultations=ConsultationDesk(uow, clock),
        care=CareDesk(uow, clock),
        desk_sign_in=DeskSignIn(uow, clock, settings.http_base_url),
        desk_pages=DeskPages(uow, clock, tickets.staff),
        points=PointsDesk(uow, clock),
        shop=ShopDesk(uow, clock),
        board=MonthlyBoard(uow, clock),
        activities=ActivityDesk(uow, clock),
    )


def service_kinds() -> tuple[ServiceKind, ...]:
    """The ticket categories of the built-in rules as Open311 services: level and cue words."""
    rules = default_rules_file()
    kinds = []
    for code in ticket_categories(rules):
        spec = rules.categories.get(code)
        words = tuple(w for w in spec.keywords if not w.isascii())[:6] if spec else ()
        kinds.append(ServiceKind(code, (spec.level if spec else None) or 2, words))
    return tuple(kinds)


@asynccontextmanager
async def open_services(settings: Settings, clock: Clock | None = None) -> AsyncIterator[UseCases]:
    """Open the database under the migration policy and wire every use case on it."""
    async with open_database(settings) as database:
        yield build_services(settings, database.uow, clock or SystemClock())


async def load_community_file(use_cases: UseCases, path: Path) -> None:
    """Load the community file at start-up, its FAQ files when they changed, and its notices.

    Every file is read and validated before anything is stored: a mistake in the FAQ or the
    notices stops start-up with the community file not applied either."""
    registry = read_registry(path)
    notices = use_cases.notices
    notice_files = read_notice_files(registry, path, notices.library)
    check_faq_files(registry, path)
    await load_registry(use_cases.uow, registry, use_cases.clock, str(path))
    await use_cases.faq_admin.sync_files(registry, path)
    await import_notices(notices, notice_files, str(path))
