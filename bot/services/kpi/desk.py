"""/stats: the figures in a private chat – supervisors and admins see any slice of their
community, other staff the tickets they hold; residents are told politely it is for staff."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from bot import i18n
from bot.domain.clock import Clock
from bot.domain.errors import InvalidInput, NotAllowed
from bot.domain.kpi import KpiFigures, Slice
from bot.domain.kpi.ask import StatsAsk, Vocabulary, read_stats_words
from bot.domain.records import CommunityInfo, PersonInfo
from bot.intake_files import ticket_categories
from bot.services.duty.setup import DutySetup, load_setup
from bot.services.kpi.counting import count_figures
from bot.services.kpi.render import render_figures
from bot.services.outgoing import send, send_photo
from bot.services.ports import KpiUnitOfWork, KpiUnitOfWorkFactory
from bot.services.renders import bar_chart
from bot.services.tickets.cards import MANAGER_ROLES, STAFF_ROLES, Looks


def vocabulary(community: CommunityInfo, people: list[PersonInfo]) -> Vocabulary:
    """The words /stats understands in one community."""
    categories: dict[str, str] = {}
    for code in ticket_categories():
        categories[code] = code
        for locale in i18n.LOCALES:
            categories[Looks.category(locale, code).lower()] = code
    staff = {
        p.name: p.telegram_id
        for p in people
        if p.telegram_id is not None and p.has_role(*STAFF_ROLES)
    }
    return Vocabulary(
        grids=community.grids,
        buildings=tuple(b.number for b in community.buildings),
        categories=categories,
        staff=staff,
    )


def working_pairs(setup: DutySetup, kpi: KpiFigures) -> frozenset[tuple[int, str]]:
    """The (level, deadline) pairs of `kpi` whose standard is in working units."""
    pairs = set()
    for row in kpi.deadlines:
        rule = getattr(setup.policy.level(row.level), row.name.removesuffix("_by"), None)
        if rule is not None and rule.is_working:
            pairs.add((row.level, row.name))
    return frozenset(pairs)


def scope_text(locale: str, ask: StatsAsk) -> str:
    if ask.scope is None:
        return ""
    kind, name = ask.scope
    if kind == "level":
        name = i18n.t(locale, f"kpi.level.{name}")
    elif kind == "category":
        name = Looks.category(locale, name)
    return i18n.t(locale, f"kpi.scope.{kind}", name=name)


async def figures_message(
    tx: KpiUnitOfWork,
    community: CommunityInfo,
    ask: StatsAsk,
    now: datetime,
    locale: str,
    *,
    admin: bool,
    title_key: str = "kpi.title",
) -> tuple[str, KpiFigures]:
    """The figures `ask` names, as one message, and the figures themselves (for a chart)."""
    kpi = await count_figures(tx, community, ask.period, now, ask.where)
    setup = await load_setup(tx, community, now)
    title = i18n.t(
        locale,
        title_key,
        community=community.name,
        period=ask.period.label(),
        scope=i18n.Raw(scope_text(locale, ask)),
    )
    text = render_figures(locale, kpi, title, working_pairs(setup, kpi), show_gaps=admin)
    return text, kpi


@dataclass(frozen=True)
class StatsRequest:
    """/stats as the desk sees it: who asked, where, and the words after the command."""

    user_id: int
    chat_id: int
    private: bool
    words: str
    locale: str
    update_id: int
    message_id: int | None = None


async def send_chart(
    tx: KpiUnitOfWork,
    chat_id: int,
    community: CommunityInfo,
    kpi: KpiFigures,
    locale: str,
    now: datetime,
    key: str,
) -> int | None:
    """Queue the chart of the figures' categories against the period before (none when
    nothing was reported)."""
    if not kpi.top_categories:
        return None
    period = kpi.period.label()
    chart = bar_chart(
        i18n.t(locale, "kpi.chart_title", period=period),
        [(Looks.category(locale, h.name), h.count) for h in kpi.top_categories],
        compare=[h.previous for h in kpi.top_categories],
        locale=locale,
        filename=f"stats-{period}.png",
    )
    caption = i18n.t(locale, "kpi.chart_caption", community=community.name, period=period)
    return await send_photo(tx, chat_id, chart, now, key, purpose="kpi.chart", caption=caption)


class StatsDesk:
    def __init__(self, uow: KpiUnitOfWorkFactory, clock: Clock) -> None:
        self.uow = uow
        self.clock = clock

    async def stats(self, ask: StatsRequest) -> None:
        """Queue the figures the words ask for, and their chart, as the answer; refusals raise
        (and change nothing)."""
        user_id, private, words, locale = ask.user_id, ask.private, ask.words, ask.locale
        now = self.clock.now()
        async with self.uow() as tx:
            person = next(
                (p for p in await tx.people.by_telegram_id(user_id) if p.has_role(*STAFF_ROLES)),
                None,
            )
            if person is None:
                raise NotAllowed("kpi.command.not_allowed")
            if not private:
                raise InvalidInput("kpi.command.private_only")
            community = await tx.registry.community(person.community_id)
            if community is None:
                raise NotAllowed("kpi.command.no_community")
            people = await tx.people.of_community(community.id)
            today = now.astimezone(ZoneInfo(community.timezone)).date()
            wanted = read_stats_words(
                words, today, community.timezone, vocabulary(community, people)
            )
            if isinstance(wanted, str):
                usage = i18n.t(locale, "kpi.command.usage")
                raise InvalidInput("kpi.command.unknown", word=wanted, usage=usage)
            wanted = _allowed(wanted, person)
            text, kpi = await figures_message(
                tx, community, wanted, now, locale, admin=person.has_role("admin")
            )
            key = f"kpi:stats:{ask.update_id}"
            await send(
                tx,
                ask.chat_id,
                text,
                now,
                key,
                purpose="kpi.stats",
                reply_to_message_id=ask.message_id,
            )
            await send_chart(tx, ask.chat_id, community, kpi, locale, now, f"{key}:chart")
            await tx.commit()


def _allowed(ask: StatsAsk, person: PersonInfo) -> StatsAsk:
    """Supervisors and admins see anything; other staff the tickets they hold."""
    if person.has_role(*MANAGER_ROLES):
        return ask
    mine = Slice(assignee_id=person.telegram_id)
    if ask.scope is not None and ask.where != mine:
        raise NotAllowed("kpi.command.not_staff_of")
    return StatsAsk(ask.period, mine, ("staff", person.name))
