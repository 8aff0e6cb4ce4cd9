"""/export in a private chat: an admin gets the tickets of a period as an XLSX file.

The file is written under LOUDAO_FILES_DIR and sent by the outbox (read when its turn comes,
once per update: a crash before the send sends it after the restart, never twice); retention
deletes it a day later. A chat export never holds personal data – room, phone, names and the
residents' words are only in `loudao export tickets --with-personal-data`, on the server – and
each one is audited. A period too large for a chat is refused with the command to use instead.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from zoneinfo import ZoneInfo

from bot import i18n
from bot.domain.clock import Clock
from bot.domain.errors import InvalidInput, NotAllowed
from bot.domain.kpi import month, parse_period
from bot.domain.records import AuditRecord, CommunityInfo
from bot.domain.registry import Role
from bot.services.outgoing import send_document
from bot.services.ports import ReportUnitOfWorkFactory
from bot.services.renders import stored_file, stored_path
from bot.services.reports.tickets_export import ExportRequest, TicketExport
from bot.table_files import write_table

#: more tickets than this are not sent in a chat (the command line streams any number)
CHAT_ROWS = 5_000  # ~1.5 s of openpyxl on the loop: a community's month is far less
EXPORTED_IN_CHAT = "export.chat"


@dataclass(frozen=True)
class ExportAsk:
    user_id: int
    chat_id: int
    private: bool
    words: str
    locale: str
    update_id: int


class ChatExport:
    def __init__(
        self,
        uow: ReportUnitOfWorkFactory,
        clock: Clock,
        exports: TicketExport,
        files_dir: Path,
    ) -> None:
        self.uow = uow
        self.clock = clock
        self.exports = exports
        self.files_dir = files_dir

    async def export(self, ask: ExportAsk) -> str:
        """Write the file and queue it; return what to answer at once."""
        community = await self._community_of_admin(ask)
        now = self.clock.now()
        today = now.astimezone(ZoneInfo(community.timezone)).date()
        period = (
            parse_period(ask.words, today, community.timezone)
            if ask.words.strip()
            else month(today, community.timezone)
        )
        if period is None:
            raise InvalidInput("export.chat.bad_period", word=ask.words.strip())
        run = await self.exports.start(
            ExportRequest(community.code, period.first, period.last, file_format="xlsx")
        )
        if run.total > CHAT_ROWS:
            raise InvalidInput("export.chat.too_many", count=run.total, limit=CHAT_ROWS)
        name = f"{community.code}-{period.label()}.xlsx"
        relative = f"exports/{community.code}/{ask.update_id}/{name}"
        written = await write_table(
            stored_path(self.files_dir, relative, make_folders=True), run.header, run.rows()
        )
        caption = i18n.t(
            ask.locale, "export.chat.caption", community=community.name,
            period=period.label(), count=written,
        )  # fmt: skip
        async with self.uow() as tx:
            await tx.audit.record(
                AuditRecord(
                    action=EXPORTED_IN_CHAT,
                    subject=f"community:{community.code}",
                    actor_telegram_id=ask.user_id,
                    community_id=community.id,
                    update_id=ask.update_id,
                    details={"rows": written, "period": period.label(), "personal": False},
                ),
                now,
            )
            await send_document(
                tx,
                ask.chat_id,
                stored_file(relative, name),
                now,
                f"export:{ask.update_id}",
                purpose="export.tickets",
                caption=caption,
            )
            await tx.commit()
        return i18n.t(ask.locale, "export.chat.coming", count=written)

    async def _community_of_admin(self, ask: ExportAsk) -> CommunityInfo:
        async with self.uow() as tx:
            people = await tx.people.by_telegram_id(ask.user_id)
            admin = next((p for p in people if p.has_role(Role.ADMIN)), None)
            if admin is None:
                raise NotAllowed("export.chat.admins_only")
            if not ask.private:
                raise InvalidInput("export.chat.private_only")
            community = await tx.registry.community(admin.community_id)
        if community is None:
            raise NotAllowed("export.chat.admins_only")
        return community
