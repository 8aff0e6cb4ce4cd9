"""One ticket's history from the audit log, in plain words: /audit for admins, `loudao audit`."""

from __future__ import annotations

from bot import i18n
from bot.domain.errors import InvalidInput, NotAllowed, NotFound
from bot.domain.records import CommunityInfo
from bot.domain.registry import Role
from bot.domain.tickets import Ticket
from bot.domain.tickets.history import Actor, HistoryLine, read_history
from bot.domain.tickets.numbering import format_number, parse_number
from bot.services.ports import TicketUnitOfWork
from bot.services.tickets.core import TicketEnv, community_of, find_ticket


class TicketAuditTrail:
    """Who did what when to one ticket, oldest first, in the community's timezone."""

    def __init__(self, env: TicketEnv) -> None:
        self.env = env

    async def for_admin(self, user_id: int, number: str, locale: str) -> str:
        """The history for an admin of the ticket's community; anyone else is refused."""
        async with self.env.uow() as tx:
            admin_of = {
                p.community_id
                for p in await tx.people.by_telegram_id(user_id)
                if p.has_role(Role.ADMIN)
            }
            if not admin_of:  # refused before looking: a resident learns nothing of tickets
                raise NotAllowed("audit.admins_only")
            ticket = await find_ticket(tx, number, user_id)
            if ticket.community_id not in admin_of:
                raise NotAllowed("audit.admins_only")
            return await self._render(tx, ticket, await community_of(tx, ticket), locale)

    async def for_operator(self, number: str, code: str | None) -> str:
        """The history for the command line (`loudao audit`), in the community's language."""
        parsed = parse_number(number)
        if parsed is None:
            raise NotFound("tickets.error.not_found", number=number[:20])
        async with self.env.uow() as tx:
            community = await self._community(tx, code or parsed.code)
            if parsed.code and parsed.code != community.code:
                raise NotFound("tickets.error.not_found", number=number[:20])
            ticket = await tx.tickets.by_number(
                format_number(community.code, parsed.seq), community.id
            )
            if ticket is None:
                raise NotFound("tickets.error.not_found", number=number[:20])
            return await self._render(tx, ticket, community, community.locale)

    @staticmethod
    async def _community(tx: TicketUnitOfWork, code: str | None) -> CommunityInfo:
        if code is not None:
            found = await tx.registry.community_by_code(code.upper())
            if found is None:
                raise NotFound("audit.no_such_community", code=code)
            return found
        communities = await tx.registry.communities()
        if len(communities) != 1:
            raise InvalidInput("audit.which_community")
        return communities[0]

    async def _render(
        self, tx: TicketUnitOfWork, ticket: Ticket, community: CommunityInfo, locale: str
    ) -> str:
        entries = await tx.audit.of_subject(community.id, f"ticket:{ticket.number}")
        people = await tx.people.of_community(community.id)
        lines = read_history(
            entries,
            {p.telegram_id: p.name for p in people if p.telegram_id is not None},
            {p.key: p.name for p in people},
        )
        if not lines:
            return i18n.t(locale, "audit.empty", number=ticket.label)
        title = i18n.t(locale, "audit.title", number=ticket.label, count=len(lines))
        return "\n".join([title, *(self._say(locale, community, line) for line in lines)])

    def _say(self, locale: str, community: CommunityInfo, line: HistoryLine) -> str:
        looks = self.env.looks
        params = dict(line.params)
        if "category" in params:
            params["category"] = looks.category(locale, str(params["category"]))
        if line.actor is Actor.STAFF:
            who: str = line.actor_name  # escaped as a parameter
        else:
            who = i18n.Raw(i18n.t(locale, f"audit.actor.{line.actor.value}"))
        return i18n.t(
            locale,
            "audit.line",
            when=looks.when(locale, community, line.at),
            who=who,
            what=i18n.Raw(i18n.t(locale, f"audit.event.{line.event}", **params)),
        )
