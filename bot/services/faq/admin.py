"""Use cases for keeping a knowledge base: admins edit it in chat, files are imported/exported.

Every change bumps the base's revision and is applied in place to the cached matcher, so a new
entry answers at once (other processes notice the revision and rebuild).
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from pydantic import ValidationError

from bot import i18n
from bot.domain.clock import Clock
from bot.domain.errors import InvalidInput, NotAllowed, NotFound
from bot.domain.records import AuditRecord, CommunityInfo, PersonInfo
from bot.domain.registry import RegistryFile, Role
from bot.services.faq.desk import FaqLibrary
from bot.services.ports import FaqUnitOfWork, FaqUnitOfWorkFactory
from faq.chat_format import EntryLine, EntryLineError, parse_entry_line
from faq.kb import ENTRY_ID, ENTRY_ID_CHARS, FaqEntry, KnowledgeBase, load_kb
from faq.matcher import FaqMatcher
from faq.records import ImportReport

MANAGERS = (Role.ADMIN, Role.SUPERVISOR)
LIST_PAGE = 30
GAPS_SHOWN = 10


@dataclass(frozen=True)
class Manager:
    """An admin or supervisor acting on their community's knowledge base."""

    person: PersonInfo
    community: CommunityInfo

    @property
    def locale(self) -> str:
        return self.community.locale


class FaqAdmin:
    def __init__(self, uow: FaqUnitOfWorkFactory, clock: Clock, library: FaqLibrary) -> None:
        self.uow = uow
        self.clock = clock
        self.library = library

    # --- in chat --------------------------------------------------------------------------------
    async def add(self, user_id: int, text: str, update_id: int | None, locale: str) -> str:
        """`/faq add <id> | 问法1；问法2 | 答案`: create an entry that answers right away."""
        line = _parse(text, need_all=True, usage="faq.usage_add")
        entry = _entry(line.entry_id, line.questions, line.answer)
        async with self.uow() as tx:
            manager = await _manager(tx, user_id)
            cid = manager.community.id
            if await tx.faq.get(cid, entry.id) is not None:
                raise InvalidInput("faq.exists", id=entry.id)
            before = await tx.faq.revision(cid)
            await tx.faq.put(cid, entry, self.clock.now(), actor=user_id)
            after = await tx.faq.revision(cid)
            await self._audit(tx, manager, "faq.added", entry.id, update_id)
            await tx.commit()
        self.library.changed(cid, before, after, lambda m: m.add(entry))
        return i18n.t(locale, "faq.added", id=entry.id, count=len(entry.questions))

    async def edit(self, user_id: int, text: str, update_id: int | None, locale: str) -> str:
        """`/faq edit <id> | 问法… | 答案`: replace phrasings and/or answer (empty part = keep)."""
        line = _parse(text, need_all=False, usage="faq.usage_edit")
        async with self.uow() as tx:
            manager = await _manager(tx, user_id)
            cid = manager.community.id
            old = await tx.faq.get(cid, line.entry_id)
            if old is None:
                raise NotFound("faq.unknown_id", id=line.entry_id)
            if not line.questions and not line.answer:
                raise InvalidInput("faq.usage_edit")
            entry = _entry(
                old.id,
                line.questions or old.questions,
                line.answer or old.answer,
                base=old,
            )
            before = await tx.faq.revision(cid)
            await tx.faq.put(cid, entry, self.clock.now(), actor=user_id)
            after = await tx.faq.revision(cid)
            await self._audit(tx, manager, "faq.edited", entry.id, update_id)
            await tx.commit()
        self.library.changed(cid, before, after, lambda m: m.add(entry))
        return i18n.t(locale, "faq.edited", id=entry.id)

    async def delete(self, user_id: int, entry_id: str, update_id: int | None, locale: str) -> str:
        """`/faq del <id>`: remove an entry; it stops answering at once."""
        entry_id = entry_id.strip()
        if not entry_id:
            raise InvalidInput("faq.usage_del")
        async with self.uow() as tx:
            manager = await _manager(tx, user_id)
            cid = manager.community.id
            before = await tx.faq.revision(cid)
            if not await tx.faq.delete(cid, entry_id, self.clock.now()):
                raise NotFound("faq.unknown_id", id=entry_id)
            after = await tx.faq.revision(cid)
            await self._audit(tx, manager, "faq.deleted", entry_id, update_id)
            await tx.commit()
        self.library.changed(cid, before, after, lambda m: _drop(m, entry_id))
        return i18n.t(locale, "faq.deleted", id=entry_id)

    async def listing(self, user_id: int, page_text: str, locale: str) -> str:
        """`/faq list [page]`: the entries' ids and first phrasings, 30 a page."""
        page = int(page_text) if page_text.strip().isdigit() else 1
        async with self.uow() as tx:
            manager = await _manager(tx, user_id)
            entries = await tx.faq.entries(manager.community.id)
        if not entries:
            return i18n.t(locale, "faq.list_empty")
        pages = (len(entries) + LIST_PAGE - 1) // LIST_PAGE
        page = min(max(1, page), pages)
        shown = entries[(page - 1) * LIST_PAGE : page * LIST_PAGE]
        lines = [
            i18n.t(
                locale,
                "faq.list_line",
                id=e.id,
                question=e.questions[0],
                more=len(e.questions) - 1,
            )
            for e in shown
        ]
        head = i18n.t(locale, "faq.list_head", count=len(entries), page=page, pages=pages)
        return "\n".join([head, *lines])

    async def usage(self, user_id: int, locale: str) -> str:
        """`/faq`: how to manage entries (admins and supervisors only)."""
        async with self.uow() as tx:
            await _manager(tx, user_id)
        return i18n.t(locale, "faq.usage")

    async def show(self, user_id: int, entry_id: str, locale: str) -> str:
        """`/faq show <id>`: one entry in the chat format, ready to copy into /faq edit."""
        async with self.uow() as tx:
            manager = await _manager(tx, user_id)
            entry = await tx.faq.get(manager.community.id, entry_id.strip())
        if entry is None:
            raise NotFound("faq.unknown_id", id=entry_id.strip())
        return i18n.t(
            locale,
            "faq.show",
            id=entry.id,
            questions="；".join(entry.questions),
            answer=entry.answer.strip(),
        )

    async def gaps(self, user_id: int, locale: str) -> str:
        """`/faq gaps`: the most frequent unanswered questions (answered ones drop out)."""
        async with self.uow() as tx:
            manager = await _manager(tx, user_id)
            cid = manager.community.id
            matcher = await self.library.matcher(tx, cid)
            found = await tx.faq.gaps(cid, GAPS_SHOWN * 3)
            answered = [g.key for g in found if matcher.match(g.text).decision == "answer"]
            await tx.faq.forget_gaps(cid, answered)
            await tx.commit()
        open_gaps = [g for g in found if g.key not in set(answered)][:GAPS_SHOWN]
        if not open_gaps:
            return i18n.t(locale, "faq.gaps_none")
        lines = [i18n.t(locale, "faq.gaps_line", count=g.count, text=g.text) for g in open_gaps]
        return "\n".join([i18n.t(locale, "faq.gaps_head"), *lines, i18n.t(locale, "faq.gaps_tip")])

    async def _audit(
        self,
        tx: FaqUnitOfWork,
        manager: Manager,
        action: str,
        entry_id: str,
        update_id: int | None,
    ) -> None:
        await tx.audit.record(
            AuditRecord(
                action=action,
                subject=f"faq:{entry_id}",
                actor_telegram_id=manager.person.telegram_id,
                community_id=manager.community.id,
                update_id=update_id,
            ),
            self.clock.now(),
        )

    # --- files ----------------------------------------------------------------------------------
    async def import_base(
        self, kb: KnowledgeBase, community_code: str | None, *, replace: bool
    ) -> tuple[CommunityInfo, ImportReport]:
        """Store a validated file for a community: replace its base (default) or merge into it."""
        async with self.uow() as tx:
            community = await _community(tx, community_code)
            report = await tx.faq.load(community.id, kb.entries, self.clock.now(), replace=replace)
            if report.changed:
                await tx.audit.record(
                    AuditRecord(
                        action="faq.imported",
                        subject=f"community:{community.code}",
                        community_id=community.id,
                        details={
                            "file": kb.file,
                            "mode": "replace" if replace else "merge",
                            "created": report.created,
                            "updated": report.updated,
                            "deleted": report.deleted,
                        },
                    ),
                    self.clock.now(),
                )
            await tx.commit()
        self.library.forget(community.id)
        return community, report

    async def export_base(
        self, community_code: str | None
    ) -> tuple[CommunityInfo, list[FaqEntry]]:
        """Return a community's entries, in order, for writing back to a file."""
        async with self.uow() as tx:
            community = await _community(tx, community_code)
            return community, await tx.faq.entries(community.id)

    async def sync_files(
        self, registry: RegistryFile, registry_path: Path
    ) -> dict[str, ImportReport]:
        """At start-up: load each community's `faq_file` when it changed since it was last loaded.

        Entries edited in chat therefore survive restarts; a changed file replaces the base.
        Without a `faq_file`, the demo community file gets the demo knowledge base.
        """
        reports: dict[str, ImportReport] = {}
        for spec in registry.communities:
            path = faq_path(spec.faq_file, registry_path)
            if path is None:
                continue
            kb = load_kb(path)
            digest = hashlib.sha256(path.read_bytes()).hexdigest()
            async with self.uow() as tx:
                community = await tx.registry.community_by_code(spec.code)
                if community is None or await tx.faq.source_hash(community.id) == digest:
                    continue
                reports[spec.code] = await tx.faq.load(
                    community.id,
                    kb.entries,
                    self.clock.now(),
                    replace=True,
                    source=(str(path)[-512:], digest),
                )
                await tx.commit()
            self.library.forget(community.id)
        return reports


def _drop(matcher: FaqMatcher, entry_id: str) -> None:
    matcher.remove(entry_id)


def check_faq_files(registry: RegistryFile, registry_path: Path) -> dict[str, int]:
    """Read each community's `faq_file` (errors name file, line, field), changing nothing;
    return its number of entries by community code."""
    counts: dict[str, int] = {}
    for spec in registry.communities:
        path = faq_path(spec.faq_file, registry_path)
        if path is not None:
            counts[spec.code] = len(load_kb(path).entries)
    return counts


def faq_path(faq_file: str | None, registry_path: Path) -> Path | None:
    """Where a community's `faq_file` is: relative to the community file, or absolute."""
    if faq_file is None:
        return None
    path = Path(faq_file)
    return path if path.is_absolute() else registry_path.resolve().parent / path


def _parse(text: str, *, need_all: bool, usage: str) -> EntryLine:
    try:
        return parse_entry_line(text, need_all=need_all)
    except EntryLineError as exc:
        raise InvalidInput(usage) from exc


def _entry(
    entry_id: str, questions: Sequence[str], answer: str, base: FaqEntry | None = None
) -> FaqEntry:
    if not ENTRY_ID.fullmatch(entry_id.strip()):
        # a raw pattern error means nothing to an admin: say what an id may hold
        raise InvalidInput("faq.bad_id", id=entry_id[:ENTRY_ID_CHARS])
    data: dict[str, object] = base.model_dump(exclude_defaults=True) if base is not None else {}
    data.update(id=entry_id, questions=tuple(questions), answer=answer)
    try:
        return FaqEntry.model_validate(data)
    except ValidationError as exc:
        err = exc.errors()[0]
        field = ".".join(str(p) for p in err["loc"]) or "entry"
        raise InvalidInput("faq.bad_entry", field=field, problem=err["msg"]) from exc


async def _manager(tx: FaqUnitOfWork, user_id: int) -> Manager:
    """The asker as an admin or supervisor of a community, by Telegram id and role."""
    for person in await tx.people.by_telegram_id(user_id):
        if person.active and person.has_role(*MANAGERS):
            community = await tx.registry.community(person.community_id)
            if community is not None:
                return Manager(person, community)
    raise NotAllowed("faq.not_admin")


async def _community(tx: FaqUnitOfWork, code: str | None) -> CommunityInfo:
    if code is not None:
        community = await tx.registry.community_by_code(code)
        if community is None:
            raise NotFound("faq.unknown_community", code=code)
        return community
    communities = await tx.registry.communities()
    if len(communities) == 1:
        return communities[0]
    if not communities:
        raise NotFound("faq.no_community")
    raise InvalidInput("faq.which_community", codes=", ".join(c.code for c in communities))
