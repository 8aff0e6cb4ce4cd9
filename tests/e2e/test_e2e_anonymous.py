"""Anonymous admins write as their group: Telegram sends GroupAnonymousBot (1087968824) as
`from` for every one of them, in every group, and the group as `sender_chat`. The bot tells
them apart by `sender_chat`, so an anonymous admin of one group has no say in another."""

from __future__ import annotations

import pytest
from telegram import Update

from handlers.incoming import sender
from handlers.tickets import parse
from sandbox.models import GROUP_ANONYMOUS_BOT_ID
from tests.e2e.test_e2e_tickets import card_of, edited, press
from tests.e2e.world import World

pytestmark = pytest.mark.e2e


def make_admin(world: World, user: int, group: int) -> None:
    world.server.state.chats[group].admins.add(user)


async def test_the_sandbox_sends_an_anonymous_admins_message_as_telegram_does(
    world: World,
) -> None:
    group, admin = world.group("3"), world.resident("3")
    make_admin(world, admin, group)
    said = await world.say(admin, group, "大家好", anonymous=True)
    assert said["from"]["id"] == GROUP_ANONYMOUS_BOT_ID and said["from"]["is_bot"]
    assert said["from"]["username"] == "GroupAnonymousBot"
    assert said["sender_chat"]["id"] == group and said["sender_chat"]["type"] == "supergroup"
    with pytest.raises(Exception, match="administrators"):
        await world.say(world.resident("3", 1), group, "我也想匿名", anonymous=True)


async def test_an_anonymous_admin_of_another_group_cannot_cancel_an_anonymous_report(
    world: World,
) -> None:
    here, there = world.group("3"), world.group("5")
    reporter, stranger = world.resident("3"), world.resident("5")
    make_admin(world, reporter, here)
    make_admin(world, stranger, there)
    said = await world.say(reporter, here, "@loudao_bot 3号楼楼道灯坏了", anonymous=True)
    card = await card_of(world, here, said)
    assert "#A-0001" in card["text"]

    said = await world.say(stranger, there, "/cancel A-0001 不用了", anonymous=True)
    await world.bot_says(there, "没有找到", after=said)
    async with world.app.uow() as tx:
        ticket = await tx.tickets.by_number("A-0001")
    assert ticket is not None and ticket.status != "cancelled"
    assert ticket.reporter_id == here  # owned by the group it was reported from as itself

    # the group itself (any of its anonymous admins) still may
    said = await world.say(reporter, here, "/cancel A-0001 已经修好了", anonymous=True)
    await world.bot_says(here, "已撤销", after=said)


def test_a_channels_post_forwarded_into_its_discussion_group_is_the_channels() -> None:
    # as Telegram sends it: `from` is the service account 777000, the channel is sender_chat
    update = Update.de_json(
        {
            "update_id": 5,
            "message": {
                "message_id": 9,
                "date": 0,
                "from": {"id": 777000, "is_bot": False, "first_name": "Telegram"},
                "sender_chat": {"id": -1009999, "type": "channel", "title": "小区公告"},
                "chat": {"id": -1001003, "type": "supergroup", "title": "3号楼"},
                "is_automatic_forward": True,
                "text": "@loudao_bot 停水通知",
            },
        },
        None,
    )
    who = sender(update)
    assert who is not None and who.id == -1009999 and who.full_name == "小区公告"
    parsed = parse(update, "loudao_bot")
    assert parsed is not None and parsed.user_id == -1009999


async def test_an_anonymous_admins_buttons_answer_that_groups_admins_only(
    world: World,
) -> None:
    group, admin, neighbour = world.group("3"), world.resident("3"), world.resident("3", 1)
    make_admin(world, admin, group)
    said = await world.say(admin, group, "/report", anonymous=True)
    screen = await world.bot_says(group, "第2步", after=said)
    # a button press comes from the person: a neighbour is refused, the group's admin is not
    refused = await world.client.press(neighbour, screen, "照明灯具")
    assert "不是" in refused["text"] or "不能" in refused["text"], refused
    await press(world, admin, screen, "照明灯具")
    await edited(world, screen, "第3步")
    text = await world.say(admin, group, "2单元三楼的灯一闪一闪的", anonymous=True)
    await world.bot_says(group, "第4步", after=text)
