"""Buttons: lay them out in rows; on a press, check who pressed and say what it stands for."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass

from bot.domain.clock import Clock
from bot.domain.errors import LoudaoError, NotAllowed
from bot.domain.records import ButtonSpec
from bot.services.outgoing import Rows
from bot.services.ports import UnitOfWorkFactory

CALLBACK_PREFIX = "b:"


def callback_data(button_id: str) -> str:
    """The only thing a button carries: an opaque id of a stored action (<= 64 bytes)."""
    return f"{CALLBACK_PREFIX}{button_id}"


def in_rows(buttons: Sequence[dict[str, str]], width: int) -> Rows:
    """Lay buttons out `width` to a row, the last row taking what is left."""
    return [list(buttons[i : i + width]) for i in range(0, len(buttons), width)]


@dataclass(frozen=True)
class Pressed:
    button_id: str
    spec: ButtonSpec
    presser_id: int
    presser_roles: frozenset[str]


class ButtonExpired(LoudaoError):
    key = "error.button_expired"


class Buttons:
    def __init__(self, uow: UnitOfWorkFactory, clock: Clock) -> None:
        self.uow = uow
        self.clock = clock

    async def create(self, spec: ButtonSpec) -> str:
        """Store a button's action in its own transaction; return its callback_data."""
        async with self.uow() as tx:
            button_id = await tx.buttons.create(spec, self.clock.now())
            await tx.commit()
        return callback_data(button_id)

    async def press(
        self,
        data: str,
        presser_id: int,
        group_id: int | None = None,
        is_group_admin: Callable[[], Awaitable[bool]] | None = None,
    ) -> Pressed:
        """Resolve callback_data; refuse expired buttons and people it is not meant for.

        A button meant for a group itself (an anonymous admin wrote as `group_id`) is pressed
        by a person – Telegram names the presser – and counts as the group's when that person
        is one of the group's admins (`is_group_admin`, asked only then)."""
        if not data.startswith(CALLBACK_PREFIX):
            raise ButtonExpired()
        button_id = data.removeprefix(CALLBACK_PREFIX)
        async with self.uow() as tx:
            spec = await tx.buttons.get(button_id)
            people = await tx.people.by_telegram_id(presser_id)
        if spec is None:
            raise ButtonExpired()
        if spec.expires_at is not None and spec.expires_at <= self.clock.now():
            raise ButtonExpired()
        roles = frozenset(
            r
            for p in people
            if spec.community_id is None or p.community_id == spec.community_id
            for r in p.roles
        )
        restricted = bool(spec.allowed_user_ids or spec.allowed_roles)
        allowed = presser_id in spec.allowed_user_ids or bool(roles & set(spec.allowed_roles))
        if restricted and not allowed:
            if (
                group_id is not None
                and group_id < 0
                and group_id in spec.allowed_user_ids
                and is_group_admin is not None
                and await is_group_admin()
            ):
                return Pressed(button_id, spec, group_id, frozenset())
            raise NotAllowed("error.button_not_yours")
        return Pressed(button_id, spec, presser_id, roles)
