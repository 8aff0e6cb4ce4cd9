"""Volunteer activities: an admin announces one (/activity 周六9:00 清理绿地 10人 5分) to the
groups in scope with a 「报名」 button; places are counted (a full one is refused politely); the
organiser marks attendance in private (/activity 3: a 「到场」 button per person), and
attendance earns the activity's points once. Groups hear the activity and counts only."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from bot import i18n
from bot.domain.clock import Clock
from bot.domain.errors import InvalidInput, NotAllowed
from bot.domain.points.activity import parse_activity
from bot.domain.points.records import Activity
from bot.domain.points.rules import PointRule
from bot.domain.records import ButtonSpec, ChatInfo, CommunityInfo
from bot.domain.registry import Role
from bot.services.buttons import callback_data
from bot.services.outgoing import Rows, send
from bot.services.points.earn import award, holder_of, points_spec
from bot.services.ports import PointsUnitOfWork, PointsUnitOfWorkFactory

JOIN = "points.join"
ATTEND = "points.attend"
ATTEND_WITHIN = timedelta(days=7)  # after the start, attendance can still be marked


def when(at: datetime, tz: str) -> str:
    return at.astimezone(ZoneInfo(tz)).strftime("%m-%d %H:%M")


def _in_scope(chat: ChatInfo, building: str | None) -> bool:
    if not chat.is_bound:
        return False
    if building is None:
        return chat.coverage_kind == "community"
    return chat.coverage_kind in ("building", "unit") and chat.coverage_ref == building


class ActivityDesk:
    def __init__(self, uow: PointsUnitOfWorkFactory, clock: Clock) -> None:
        self.uow = uow
        self.clock = clock

    async def _admin_community(self, tx: PointsUnitOfWork, user_id: int) -> CommunityInfo:
        admin = next(
            (p for p in await tx.people.by_telegram_id(user_id) if p.has_role(Role.ADMIN)), None
        )
        if admin is None:
            raise NotAllowed("points.activity.admins_only")
        community = await tx.registry.community(admin.community_id)
        assert community is not None
        if points_spec(community) is None:
            raise NotAllowed("points.mine.none")
        return community

    async def command(self, user_id: int, text: str, update_id: int) -> str:
        """/activity WHEN TITLE N人 M分 announces; /activity NUMBER lists it for attendance."""
        if text.strip().lstrip("#").isdigit():
            return await self.attendance(user_id, int(text.strip().lstrip("#")), update_id)
        now = self.clock.now()
        async with self.uow() as tx:
            community = await self._admin_community(tx, user_id)
            ask = parse_activity(text, now, community.timezone)
            if ask.building is not None and community.building(ask.building) is None:
                raise InvalidInput("points.activity.unknown_building", building=ask.building)
            activity_id = await tx.activities.add(community.id, ask, user_id, update_id, now)
            activity = await tx.activities.get(activity_id)
            assert activity is not None
            groups = [
                c for c in await tx.chats.of_community(community.id) if _in_scope(c, ask.building)
            ]
            if not groups:
                raise InvalidInput("points.activity.no_group")
            button_id = await tx.buttons.create(
                ButtonSpec(
                    kind=JOIN, subject=f"activity:{activity_id}",
                    payload={"activity": activity_id}, community_id=community.id,
                    expires_at=ask.starts_at,
                ),
                now,
            )  # fmt: skip
            label = i18n.t(community.locale, "points.activity.join")
            rows: Rows = [[{"text": label, "callback_data": callback_data(button_id)}]]
            notice = self._notice(activity, community)
            for chat in groups:
                await send(
                    tx, chat.chat_id, notice, now, f"activity:{activity_id}:{chat.chat_id}",
                    purpose="points.activity", buttons=rows, thread_id=chat.notice_thread_id,
                )  # fmt: skip
            await tx.commit()
        return i18n.t(
            community.locale, "points.activity.posted", number=activity_id, groups=len(groups)
        )

    def _notice(self, a: Activity, community: CommunityInfo) -> str:
        return i18n.t(
            community.locale, "points.activity.notice", title=a.title,
            at=when(a.starts_at, community.timezone), places=a.places, points=a.points,
        )  # fmt: skip

    async def join(self, user_id: int, activity_id: int) -> str:
        """A resident's 「报名」: a place while some are left; once per person."""
        now = self.clock.now()
        async with self.uow() as tx:
            activity = await tx.activities.get(activity_id)
            if activity is None:
                raise InvalidInput("points.activity.unknown", number=activity_id)
            community = await tx.registry.community(activity.community_id)
            assert community is not None
            locale = community.locale
            if activity.starts_at <= now:
                raise InvalidInput("points.activity.started")
            outcome, taken = await tx.activities.sign_up(activity_id, user_id, now)
            if outcome == "full":
                raise InvalidInput("points.activity.full", places=activity.places)
            await tx.commit()
        key = "points.activity.joined" if outcome == "ok" else "points.activity.joined_before"
        return i18n.t(
            locale, key, title=activity.title, at=when(activity.starts_at, community.timezone),
            taken=taken, places=activity.places,
        )  # fmt: skip

    async def attendance(self, user_id: int, activity_id: int, update_id: int) -> str:
        """/activity NUMBER by an admin: who signed up, with a 「到场」 button each."""
        now = self.clock.now()
        async with self.uow() as tx:
            community = await self._admin_community(tx, user_id)
            activity = await tx.activities.get(activity_id)
            if activity is None or activity.community_id != community.id:
                raise InvalidInput("points.activity.unknown", number=activity_id)
            signups = await tx.activities.signups(activity_id)
            rows: Rows = []
            for n, s in enumerate(signups, start=1):
                label = await self._who(tx, community, s.telegram_id, n)
                if s.attended:
                    continue
                button_id = await tx.buttons.create(
                    ButtonSpec(
                        kind=ATTEND, subject=f"activity:{activity_id}",
                        payload={"activity": activity_id, "who": s.telegram_id},
                        allowed_user_ids=(activity.organiser,), allowed_roles=(Role.ADMIN.value,),
                        community_id=community.id, expires_at=activity.starts_at + ATTEND_WITHIN,
                    ),
                    now,
                )  # fmt: skip
                text = i18n.t(community.locale, "points.activity.attended_button", who=label)
                rows.append([{"text": text, "callback_data": callback_data(button_id)}])
            done = sum(1 for s in signups if s.attended)
            text = i18n.t(
                community.locale, "points.activity.list", title=activity.title,
                taken=len(signups), places=activity.places, attended=done,
            )  # fmt: skip
            key = f"activity:{activity_id}:list:{update_id}"
            await send(tx, user_id, text, now, key, purpose="points.activity", buttons=rows)
            await tx.commit()
        return ""

    async def _who(self, tx: PointsUnitOfWork, community: CommunityInfo, tid: int, n: int) -> str:
        """How the organiser sees a signed-up person: their home, else their place in line."""
        homes = [
            m.household
            for m in await tx.households.memberships(tid)
            if m.household.community_id == community.id
        ]
        if homes:
            return homes[0].key
        return i18n.t(community.locale, "points.activity.nth", n=n)

    async def attend(self, user_id: int, activity_id: int, who: int) -> str:
        """The organiser's 「到场」: attended once, and the activity's points awarded once."""
        now = self.clock.now()
        async with self.uow() as tx:
            community = await self._admin_community(tx, user_id)
            activity = await tx.activities.get(activity_id)
            if activity is None or activity.community_id != community.id:
                raise InvalidInput("points.activity.unknown", number=activity_id)
            locale = community.locale
            if not await tx.activities.attend(activity_id, who, now):
                return i18n.t(locale, "points.activity.attended_before")
            spec = points_spec(community)
            rule = (spec.rule("activity") if spec else None) or PointRule(
                key="activity", name=activity.title, points=activity.points
            )
            holder = await holder_of(tx, community, who, activity.building)
            given = 0
            if holder is not None:
                given = await award(
                    tx, community, rule, holder, f"activity:{activity_id}:{who}", now,
                    reason=activity.title, points=activity.points, actor=activity.organiser,
                    approved_by=user_id,
                )  # fmt: skip
            if given:
                thanks = i18n.t(
                    locale, "points.activity.thanks", title=activity.title, points=given
                )
                await send(
                    tx, who, thanks, now, f"activity:{activity_id}:thanks:{who}",
                    purpose="points.activity",
                )  # fmt: skip
            await tx.commit()
        return i18n.t(locale, "points.activity.marked", points=given)
