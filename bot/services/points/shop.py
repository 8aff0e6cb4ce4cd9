"""The points shop (积分超市): an admin puts items on the shelf (/shop add 大米 50 10), a resident
redeems one in private with a button and gets a code, staff check the code (/redeem CODE) and
hand the item out with one tap, once. Stock and balance change in one transaction: the item is
taken only while some is left, and the holder's balance is read under a lock – no overselling,
no overspending, however many press at once."""

from __future__ import annotations

import secrets
from datetime import timedelta

from bot import i18n
from bot.domain.clock import Clock
from bot.domain.errors import InvalidInput, NotAllowed
from bot.domain.points.records import EntryKind, Holder, NewEntry, ShopItem
from bot.domain.records import ButtonSpec, CommunityInfo
from bot.domain.registry import STAFF_ROLES, Role
from bot.services.buttons import callback_data
from bot.services.outgoing import Rows, send
from bot.services.points.earn import holder_of, points_spec
from bot.services.ports import PointsUnitOfWork, PointsUnitOfWorkFactory

REDEEM = "points.redeem"
HAND_OUT = "points.hand_out"
_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I/L: shown at the counter
CODE_LENGTH = 8
BUTTON_DAYS = timedelta(days=7)
STAFF = tuple(r.value for r in STAFF_ROLES)


def new_code() -> str:
    return "".join(secrets.choice(_ALPHABET) for _ in range(CODE_LENGTH))


def _number(word: str, *units: str) -> int | None:
    for unit in units:
        word = word.removesuffix(unit)
    return int(word) if word.isdigit() else None


class ShopDesk:
    def __init__(self, uow: PointsUnitOfWorkFactory, clock: Clock) -> None:
        self.uow = uow
        self.clock = clock

    async def _staff_community(
        self, tx: PointsUnitOfWork, user_id: int, *roles: str
    ) -> CommunityInfo:
        person = next(
            (p for p in await tx.people.by_telegram_id(user_id) if p.has_role(*roles)), None
        )
        if person is None:
            raise NotAllowed("points.shop.staff_only")
        community = await tx.registry.community(person.community_id)
        assert community is not None
        return community

    async def add(self, user_id: int, words: tuple[str, ...]) -> str:
        """/shop add 大米 50 10: an admin puts 10 of an item costing 50 points on the shelf."""
        cost = _number(words[1], "积分", "分") if len(words) == 3 else None
        stock = _number(words[2], "件", "份", "个") if len(words) == 3 else None
        if cost is None or stock is None or not 1 <= cost <= 100_000 or not 1 <= stock <= 10_000:
            raise InvalidInput("points.shop.how_add")
        name = words[0][:40]
        async with self.uow() as tx:
            community = await self._staff_community(tx, user_id, Role.ADMIN.value)
            item = await tx.shop.add_item(community.id, name, cost, stock, self.clock.now())
            await tx.commit()
        return i18n.t(
            community.locale, "points.shop.added", name=name, cost=cost, stock=item.stock
        )

    async def shelf(self, user_id: int, update_id: int) -> str:
        """/shop in private: the items in stock, the balance, and a button per item (sent
        with its buttons; nothing more to answer)."""
        now = self.clock.now()
        async with self.uow() as tx:
            community, holder = await self._resident(tx, user_id)
            balance = await tx.points.balance(community.id, holder)
            items = [i for i in await tx.shop.items(community.id) if i.stock > 0]
            rows: Rows = []
            for item in items:
                button_id = await tx.buttons.create(
                    ButtonSpec(
                        kind=REDEEM, subject=f"shop_item:{item.id}", payload={"item": item.id},
                        allowed_user_ids=(user_id,), community_id=community.id,
                        expires_at=now + BUTTON_DAYS,
                    ),
                    now,
                )  # fmt: skip
                label = i18n.t(community.locale, "points.shop.button", name=item.name)
                rows.append([{"text": label, "callback_data": callback_data(button_id)}])
            lines = [i18n.t(community.locale, "points.shop.title", balance=balance)]
            lines += [_shelf_line(item, community.locale) for item in items]
            if not items:
                lines.append(i18n.t(community.locale, "points.shop.empty"))
            await send(
                tx, user_id, "\n".join(lines), now, f"shop:{update_id}", purpose="points.shop",
                buttons=rows,
            )  # fmt: skip
            await tx.commit()
        return ""

    async def _resident(self, tx: PointsUnitOfWork, user_id: int) -> tuple[CommunityInfo, Holder]:
        """The community of a resident and who holds their points; refused if none."""
        ids = [m.household.community_id for m in await tx.households.memberships(user_id)]
        ids += [p.community_id for p in await tx.people.by_telegram_id(user_id)]
        community = await tx.registry.community(ids[0]) if ids else None
        if community is None or points_spec(community) is None:
            raise NotAllowed("points.mine.none")
        holder = await holder_of(tx, community, user_id)
        if holder is None:
            raise NotAllowed("points.mine.not_linked")
        return community, holder

    async def redeem(self, user_id: int, item_id: int) -> str:
        """A resident's 兑换: in one transaction take one off the shelf, check and lower the
        balance, and record the code; sold out or too few points change nothing."""
        now = self.clock.now()
        async with self.uow() as tx:
            item = await tx.shop.get_item(item_id)
            if item is None:
                raise InvalidInput("points.shop.sold_out", name="")
            community, holder = await self._resident(tx, user_id)
            if item.community_id != community.id:
                raise NotAllowed("points.shop.not_yours")
            if not await tx.shop.take_one(item.id):  # first: locks the item (one writer)
                raise InvalidInput("points.shop.sold_out", name=item.name)
            await tx.points.lock_holder(community.id, holder)
            balance = await tx.points.balance(community.id, holder)
            if balance < item.cost:
                raise InvalidInput(
                    "points.shop.too_few", name=item.name, cost=item.cost, balance=balance
                )
            code = new_code()
            await tx.shop.add_redemption(code, item.id, community.id, holder, user_id, now)
            entry = NewEntry(
                community_id=community.id, holder=holder, kind=EntryKind.REDEMPTION,
                points=-item.cost, rule="shop", event=f"redemption:{code}", reason=item.name,
                actor=user_id, approved_by=None,
            )  # fmt: skip
            await tx.points.add(entry, now)
            await tx.commit()
        return i18n.t(
            community.locale, "points.shop.redeemed", name=item.name, code=code,
            balance=balance - item.cost,
        )  # fmt: skip

    async def check(self, user_id: int, word: str, update_id: int) -> str:
        """/redeem CODE by staff: what the code is for, with a 「已发放」 button if not yet."""
        code = word.strip().upper()
        now = self.clock.now()
        async with self.uow() as tx:
            community = await self._staff_community(tx, user_id, *STAFF)
            found = await tx.shop.redemption(code)
            if found is None or found.community_id != community.id:
                raise InvalidInput("points.shop.bad_code")
            item = await tx.shop.get_item(found.item_id)
            assert item is not None
            locale = community.locale
            if found.handed_out_at is not None:
                return i18n.t(locale, "points.shop.handed_before", name=item.name)
            button_id = await tx.buttons.create(
                ButtonSpec(
                    kind=HAND_OUT, subject=f"redemption:{code}", payload={"code": code},
                    allowed_roles=STAFF, community_id=community.id, expires_at=now + BUTTON_DAYS,
                ),
                now,
            )  # fmt: skip
            label = i18n.t(locale, "points.shop.hand_out")
            rows: Rows = [[{"text": label, "callback_data": callback_data(button_id)}]]
            text = i18n.t(locale, "points.shop.valid", name=item.name, code=code)
            key = f"shop:{update_id}:check"
            await send(tx, user_id, text, now, key, purpose="points.shop", buttons=rows)
            await tx.commit()
        return ""

    async def hand_out(self, user_id: int, code: str) -> str:
        """Staff's 「已发放」: the item is handed out once."""
        async with self.uow() as tx:
            community = await self._staff_community(tx, user_id, *STAFF)
            done = await tx.shop.hand_out(code, user_id, self.clock.now())
            await tx.commit()
        return i18n.t(
            community.locale, "points.shop.handed" if done else "points.shop.handed_again"
        )


def _shelf_line(item: ShopItem, locale: str) -> str:
    return i18n.t(locale, "points.shop.line", name=item.name, cost=item.cost, stock=item.stock)
