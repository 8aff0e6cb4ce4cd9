"""Tell the community's admins in private when something keeps failing, and when it works again.

The rate limit lives in the outbox, so a restart does not repeat a message: an alert's dedup
key names its kind, the admin and the time (`alert:<kind>:<admin>:<time>`), and the newest one
is looked up before another is queued; a recovery's key is `ok:` + the alert it answers, so an
alert gets at most one. The texts name what fails and since when – never a resident's words.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import datetime, timedelta

from bot import i18n
from bot.domain.alerts.episodes import Episode, Episodes, Failure
from bot.domain.clock import Clock
from bot.domain.records import CommunityInfo
from bot.services.escalation.followup import local_time
from bot.services.loops import LoopState
from bot.services.outgoing import send
from bot.services.ports import UnitOfWork, UnitOfWorkFactory

log = logging.getLogger(__name__)
MAX_FAILED_UPDATES = 1000  # ids of failed updates remembered until the dispatcher is done


class AlertDesk:
    """Watches failures of updates, loops and periodic jobs; never raises to its caller."""

    def __init__(
        self, uow: UnitOfWorkFactory, clock: Clock, episodes: Episodes | None = None
    ) -> None:
        self.uow = uow
        self.clock = clock
        self.episodes = episodes or Episodes()
        self._failed_updates: set[int] = set()

    async def failed(
        self, failure: Failure, since: datetime | None = None, detail: str = ""
    ) -> None:
        """Record a failure; tell the admins once it has kept failing for a minute."""
        now = self.clock.now()
        episode = self.episodes.failed(failure, now, since, detail)
        if episode is None:
            return
        try:
            told_at = await self._tell_failing(episode, now)
        except Exception as exc:  # the database, most likely: /healthz shows it meanwhile
            if not episode.untold:
                log.warning(
                    "admins not told that %s fails (%s)",
                    failure.key,
                    type(exc).__name__,
                    extra={"failure": failure.key},
                )
                episode.untold = True
            return
        self.episodes.told(episode, told_at)

    async def worked(self, what: str) -> None:
        """Record that `what` works; tell the admins who were told it failed."""
        if not self.episodes.failing(what):
            return
        now = self.clock.now()
        for episode in self.episodes.worked(what):
            try:
                await self._tell_recovered(episode, now)
            except Exception as exc:
                log.warning(
                    "admins not told that %s works again (%s)",
                    episode.failure.key,
                    type(exc).__name__,
                    extra={"failure": episode.failure.key},
                )

    async def update_failed(self, update_id: int, what: str, error: str) -> None:
        """An update failed unexpectedly in a handler (`what`: update.group, update.button ...)."""
        if len(self._failed_updates) >= MAX_FAILED_UPDATES:
            self._failed_updates.clear()
        self._failed_updates.add(update_id)
        await self.failed(Failure(what, error))

    async def update_handled(self, update_id: int, what: str) -> None:
        """The dispatcher is done with an update: without a failure, `what` works again."""
        if update_id in self._failed_updates:
            self._failed_updates.discard(update_id)
            return
        await self.worked(what)

    async def watch(self, loops: Mapping[str, LoopState]) -> None:
        """Look at the background loops (poller, dispatcher, sender) as the periodic tick does."""
        now = self.clock.now()
        for name, state in loops.items():
            what = f"loop.{name}"
            if state.failing_since is None:
                await self.worked(what)
                continue
            failing_for = timedelta(seconds=state.monotonic() - state.failing_since)
            await self.failed(Failure(what), since=now - failing_for, detail=state.error or "")

    async def _tell_failing(self, episode: Episode, now: datetime) -> datetime:
        """Queue the alert to every admin not told within the hour; return when the admin told
        longest ago was told (now, if any was told now), for the next reminder."""
        failure = episode.failure
        told_at, sent = now, 0
        async with self.uow() as tx:
            admins = await _admins(tx)
            for community, admin in admins:
                prefix = f"alert:{failure.key}:{admin}:"
                last = await tx.outbox.last_with_prefix(prefix)
                if last is not None and now - last[1] < self.episodes.quiet:
                    told_at = min(told_at, last[1])  # within the hour, perhaps before a restart
                    continue
                text = _failing_text(community, episode, now)
                key = prefix + now.strftime("%Y%m%dT%H%M%S")
                await send(tx, admin, text, now, key, purpose="ops.alert")
                sent += 1
            await tx.commit()
        if sent or not admins:
            log.warning(
                "%s has failed since %s: %d admin(s) told",
                failure.key,
                episode.since.isoformat(),
                sent,
                extra={"failure": failure.key},
            )
        return now if sent else told_at

    async def _tell_recovered(self, episode: Episode, now: datetime) -> None:
        failure = episode.failure
        async with self.uow() as tx:
            for community, admin in await _admins(tx):
                last = await tx.outbox.last_with_prefix(f"alert:{failure.key}:{admin}:")
                if last is None:
                    continue
                locale = community.locale
                text = i18n.t(
                    locale,
                    "ops.alert.recovered",
                    what=i18n.t(locale, f"ops.failure.{failure.what}.name"),
                    since=local_time(community, episode.since),
                )
                await send(tx, admin, text, now, f"ok:{last[0]}", purpose="ops.recovered")
            await tx.commit()


def _failing_text(community: CommunityInfo, episode: Episode, now: datetime) -> str:
    locale, what = community.locale, episode.failure.what
    return i18n.t(
        locale,
        "ops.alert.failing",
        what=i18n.t(locale, f"ops.failure.{what}.name"),
        since=local_time(community, episode.since),
        minutes=max(1, int((now - episode.since).total_seconds() // 60)),
        effect=i18n.t(locale, f"ops.failure.{what}.effect"),
        error=episode.detail or episode.failure.error,
    )


async def _admins(tx: UnitOfWork) -> list[tuple[CommunityInfo, int]]:
    """Every admin who can be told in private, once, with the community they belong to."""
    found: dict[int, CommunityInfo] = {}
    for community in await tx.registry.communities():
        for person in await tx.people.of_community(community.id):
            if person.has_role("admin") and person.telegram_id is not None:
                found.setdefault(person.telegram_id, community)
    return [(community, admin) for admin, community in found.items()]
