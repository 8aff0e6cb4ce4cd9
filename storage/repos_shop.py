"""Points shop repository: items and their stock (taken only while some is left), the
redemptions with their codes (handed out once), and a lock per holder for a redemption."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CursorResult, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.domain.points.records import Holder, Redemption, ShopItem
from storage.models_points import RedemptionRow, ShopItemRow


def _item(row: ShopItemRow) -> ShopItem:
    return ShopItem(row.id, row.community_id, row.name, row.cost, row.stock)


class SqlShopRepo:
    def __init__(self, session: AsyncSession) -> None:
        self.s = session

    async def add_item(
        self, community_id: int, name: str, cost: int, stock: int, now: datetime
    ) -> ShopItem:
        """Put `stock` of an item on the shelf (more of it, at this cost, if it is there)."""
        row = await self.s.scalar(
            select(ShopItemRow)
            .where(ShopItemRow.community_id == community_id, ShopItemRow.name == name)
            .with_for_update()
        )
        if row is None:
            row = ShopItemRow(
                community_id=community_id, name=name, cost=cost, stock=stock, updated_at=now
            )
            self.s.add(row)
        else:
            row.cost, row.stock, row.updated_at = cost, row.stock + stock, now
        await self.s.flush()
        return _item(row)

    async def items(self, community_id: int) -> list[ShopItem]:
        rows = await self.s.scalars(
            select(ShopItemRow)
            .where(ShopItemRow.community_id == community_id)
            .order_by(ShopItemRow.cost, ShopItemRow.id)
        )
        return [_item(r) for r in rows]

    async def get_item(self, item_id: int) -> ShopItem | None:
        row = await self.s.get(ShopItemRow, item_id)
        return None if row is None else _item(row)

    async def take_one(self, item_id: int) -> bool:
        """Take one of the item off the shelf; False when none is left. The row stays locked
        (PostgreSQL) or the database written (SQLite) until the transaction ends."""
        result: CursorResult[object] = await self.s.execute(  # type: ignore[assignment]
            update(ShopItemRow)
            .where(ShopItemRow.id == item_id, ShopItemRow.stock > 0)
            .values(stock=ShopItemRow.stock - 1)
        )
        return result.rowcount == 1

    async def add_redemption(
        self, code: str, item_id: int, community_id: int, holder: Holder, by: int, now: datetime
    ) -> None:
        self.s.add(
            RedemptionRow(
                code=code,
                community_id=community_id,
                item_id=item_id,
                holder_kind=holder.kind,
                holder_id=holder.id,
                redeemed_by=by,
                redeemed_at=now,
            )
        )
        await self.s.flush()

    async def redemption(self, code: str) -> Redemption | None:
        row = await self.s.get(RedemptionRow, code)
        if row is None:
            return None
        return Redemption(
            row.code, row.community_id, row.item_id, Holder(row.holder_kind, row.holder_id),
            row.redeemed_at, row.handed_out_at,
        )  # fmt: skip

    async def hand_out(self, code: str, by: int, now: datetime) -> bool:
        """Mark a redeemed item handed out; False if it was already."""
        result: CursorResult[object] = await self.s.execute(  # type: ignore[assignment]
            update(RedemptionRow)
            .where(RedemptionRow.code == code, RedemptionRow.handed_out_at.is_(None))
            .values(handed_out_at=now, handed_out_by=by)
        )
        return result.rowcount == 1
