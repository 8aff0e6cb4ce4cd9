"""Buttons carry only an opaque id; pressing checks the presser's Telegram id and role."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from bot.domain.clock import FakeClock
from bot.domain.errors import NotAllowed
from bot.domain.records import ButtonSpec
from bot.registry_file import read_registry
from bot.services.buttons import ButtonExpired, Buttons
from bot.services.registry import load_registry
from storage.uow import SqlUnitOfWorkFactory

DEMO = Path(__file__).resolve().parents[2] / "bot" / "demo" / "community.yaml"


async def test_the_intended_person_may_press(uow: SqlUnitOfWorkFactory, clock: FakeClock) -> None:
    buttons = Buttons(uow, clock)
    data = await buttons.create(ButtonSpec("ticket.accept", "ticket:1", {"x": 1}, (9003,)))
    assert data.startswith("b:") and len(data.encode()) <= 64
    pressed = await buttons.press(data, 9003)
    assert pressed.spec.kind == "ticket.accept" and pressed.spec.payload == {"x": 1}


async def test_someone_else_is_refused(uow: SqlUnitOfWorkFactory, clock: FakeClock) -> None:
    buttons = Buttons(uow, clock)
    data = await buttons.create(ButtonSpec("ticket.accept", allowed_user_ids=(9003,)))
    with pytest.raises(NotAllowed) as err:
        await buttons.press(data, 201)
    assert err.value.key == "error.button_not_yours"


async def test_a_role_may_press_when_the_button_says_so(
    uow: SqlUnitOfWorkFactory, clock: FakeClock
) -> None:
    await load_registry(uow, read_registry(DEMO), clock)
    async with uow() as tx:
        community = await tx.registry.community_by_code("A")
    assert community is not None
    buttons = Buttons(uow, clock)
    spec = ButtonSpec("ticket.accept", allowed_user_ids=(9003,), allowed_roles=("supervisor",),
                      community_id=community.id)  # fmt: skip
    data = await buttons.create(spec)
    assert (await buttons.press(data, 9002)).presser_roles >= {"supervisor"}  # 李经理
    with pytest.raises(NotAllowed):
        await buttons.press(data, 9004)  # 刘师傅 is staff, not supervisor


async def test_expired_and_forged_buttons_do_nothing(
    uow: SqlUnitOfWorkFactory, clock: FakeClock
) -> None:
    buttons = Buttons(uow, clock)
    data = await buttons.create(
        ButtonSpec("faq.pick", expires_at=clock.now() + timedelta(hours=1))
    )
    clock.advance(hours=2)
    with pytest.raises(ButtonExpired):
        await buttons.press(data, 201)
    for forged in ("b:not-a-button", "ticket:42:resolve", ""):
        with pytest.raises(ButtonExpired):
            await buttons.press(forged, 201)
