"""A basic group upgraded to a supergroup, as python-telegram-bot's own Bot sees it.

On Telegram the supergroup is a new chat with a new id (-100…): its first message carries
`migrate_from_chat_id`, the old group's last one `migrate_to_chat_id`, and whatever names the
old id afterwards is answered 400 "group chat was upgraded to a supergroup chat" with
`parameters.migrate_to_chat_id` (PTB raises ChatMigrated with `new_chat_id`).
"""

from __future__ import annotations

import aiohttp
import pytest
import telegram

from sandbox.client import SandboxClient, SandboxError
from sandbox.server import SandboxServer
from tests.e2e.sandbox_fixtures import BOT_TOKEN

pytestmark = pytest.mark.e2e
OLD_GROUP = -4003  # a basic group: no -100 prefix
ADMIN, RESIDENT, PLUMBER = 9001, 201, 9003
BUILDING_3 = -1001003


@pytest.fixture
def basic_group(sandbox_server: SandboxServer) -> int:
    sandbox_server.add_chat(
        id=OLD_GROUP,
        title="3号楼老邻居群",
        type="group",
        members=[ADMIN, RESIDENT, PLUMBER],
        admins=[ADMIN],
        bot_admin=True,
    )
    return OLD_GROUP


async def test_the_supergroup_is_a_new_chat_with_everyone_in_it(
    ptb_bot: telegram.Bot, sandbox: SandboxClient, basic_group: int
) -> None:
    new = await sandbox.upgrade_group(basic_group)
    assert str(new["id"]).startswith("-100") and new["id"] != basic_group
    assert new["type"] == "supergroup" and new["title"] == "3号楼老邻居群"
    assert new["members"] == [ADMIN, RESIDENT, PLUMBER] and new["admins"] == [ADMIN]
    assert new["bot_member"] is True and new["bot_admin"] is True
    chat = await ptb_bot.get_chat(new["id"])
    assert chat.type == "supergroup"
    me = await ptb_bot.get_chat_member(new["id"], ptb_bot.id)
    assert me.status == "administrator"
    old = next(c for c in (await sandbox.state())["chats"] if c["id"] == basic_group)
    assert old["type"] == "group" and old["migrated_to"] == new["id"]


async def test_the_bot_gets_both_service_messages(
    ptb_bot: telegram.Bot, sandbox: SandboxClient, basic_group: int
) -> None:
    new = await sandbox.upgrade_group(basic_group, new_id=-1001234567890, by_user_id=ADMIN)
    assert new["id"] == -1001234567890
    updates = await ptb_bot.get_updates(timeout=5)
    messages = [u.message for u in updates if u.message is not None]
    came = next(m for m in messages if m.migrate_from_chat_id)
    went = next(m for m in messages if m.migrate_to_chat_id)
    assert came.chat.id == -1001234567890 and came.chat.type == "supergroup"
    assert came.migrate_from_chat_id == basic_group and came.message_id == 1
    assert went.chat.id == basic_group and went.chat.type == "group"
    assert went.migrate_to_chat_id == -1001234567890
    assert came.from_user is not None and came.from_user.id == ADMIN


async def test_sends_and_edits_to_the_old_id_say_where_the_group_went(
    ptb_bot: telegram.Bot, sandbox: SandboxClient, basic_group: int
) -> None:
    card = await ptb_bot.send_message(basic_group, "工单 #A-0001 已受理")
    new = await sandbox.upgrade_group(basic_group)
    with pytest.raises(telegram.error.ChatMigrated) as sent:
        await ptb_bot.send_message(basic_group, "停水通知")
    assert sent.value.new_chat_id == new["id"]
    with pytest.raises(telegram.error.ChatMigrated) as edited:
        await ptb_bot.edit_message_text("工单 #A-0001 已接单", basic_group, card.message_id)
    assert edited.value.new_chat_id == new["id"]
    with pytest.raises(telegram.error.ChatMigrated):
        await ptb_bot.leave_chat(basic_group)
    async with aiohttp.ClientSession() as http:
        url = f"{sandbox.base_url}/bot{BOT_TOKEN}/sendMessage"
        async with http.post(url, json={"chat_id": basic_group, "text": "x"}) as response:
            assert response.status == 400
            assert await response.json() == {
                "ok": False,
                "error_code": 400,
                "description": "Bad Request: group chat was upgraded to a supergroup chat",
                "parameters": {"migrate_to_chat_id": new["id"]},
            }
    moved = await ptb_bot.send_message(new["id"], "停水通知")
    assert moved.chat.id == new["id"] and moved.message_id == 2  # 1 is migrate_from
    assert [m["text"] for m in await sandbox.messages(basic_group)] == ["工单 #A-0001 已受理", ""]


async def test_people_write_in_the_supergroup_only(
    ptb_bot: telegram.Bot, sandbox: SandboxClient, basic_group: int
) -> None:
    new = await sandbox.upgrade_group(basic_group)
    with pytest.raises(SandboxError) as refused:
        await sandbox.say(RESIDENT, basic_group, "有人吗")
    assert refused.value.status == 400
    assert refused.value.body["parameters"] == {"migrate_to_chat_id": new["id"]}
    said = await sandbox.say(RESIDENT, new["id"], "3号楼电梯又坏了")
    updates = await ptb_bot.get_updates(timeout=5)
    [message] = [u.message for u in updates if u.message and u.message.text]
    assert message.chat.id == new["id"] and message.message_id == said["message_id"]


async def test_only_a_basic_group_can_be_upgraded_and_only_once(
    sandbox: SandboxClient, basic_group: int
) -> None:
    with pytest.raises(SandboxError) as supergroup:
        await sandbox.upgrade_group(BUILDING_3)
    assert supergroup.value.status == 400
    new = await sandbox.upgrade_group(basic_group)
    with pytest.raises(SandboxError) as again:
        await sandbox.upgrade_group(basic_group)
    assert again.value.body["parameters"] == {"migrate_to_chat_id": new["id"]}
