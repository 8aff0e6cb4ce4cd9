"""The user API and client: what tests and the page do as people, with a real PTB Application."""

from __future__ import annotations

import base64
import contextlib
from collections.abc import AsyncIterator

import aiohttp
import pytest
import telegram
from telegram.ext import (
    Application,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

from sandbox.client import SandboxClient, SandboxError
from sandbox.server import SandboxServer

pytestmark = pytest.mark.e2e
BUILDING_3 = -1001003
RESIDENT = 201
PLUMBER = 9003


async def test_state_lists_bot_users_and_chats(sandbox: SandboxClient) -> None:
    state = await sandbox.state()
    assert state["bot"]["username"] == "loudao_bot" and state["bot"]["is_bot"] is True
    zhang = next(u for u in state["users"] if u["id"] == PLUMBER)
    assert zhang == {
        "id": 9003,
        "name": "张师傅",
        "username": "zhang9003",
        "role": "水电维修(白班)",
    }
    building_3 = next(c for c in state["chats"] if c["id"] == BUILDING_3)
    assert building_3["type"] == "supergroup" and building_3["title"] == "阳光花园3号楼业主群"
    assert RESIDENT in building_3["members"] and PLUMBER in building_3["members"]
    private = next(c for c in state["chats"] if c["id"] == RESIDENT)
    assert private["type"] == "private" and private["members"] == [RESIDENT]


async def test_messages_after_id_keep_order_and_hide_deleted(
    ptb_bot: telegram.Bot, sandbox: SandboxClient
) -> None:
    first = await sandbox.say(RESIDENT, BUILDING_3, "一")
    bot_message = await ptb_bot.send_message(BUILDING_3, "二")
    await sandbox.say(PLUMBER, BUILDING_3, "三", reply_to=bot_message.message_id)
    await ptb_bot.delete_message(BUILDING_3, bot_message.message_id)
    later = await sandbox.messages(BUILDING_3, after_id=first["message_id"])
    assert [m["text"] for m in later] == ["三"]
    assert later[0]["reply_to_message_id"] == bot_message.message_id
    assert [m["text"] for m in await sandbox.messages(BUILDING_3)] == ["一", "三"]


async def test_wait_for_lists_the_chat_on_timeout(sandbox: SandboxClient) -> None:
    await sandbox.say(RESIDENT, BUILDING_3, "有人吗")
    with pytest.raises(AssertionError, match="有人吗"):
        await sandbox.wait_for(BUILDING_3, lambda m: m["from"]["is_bot"], timeout=0.2)


async def test_users_chats_and_members_can_be_created_over_http(
    ptb_bot: telegram.Bot, sandbox: SandboxClient
) -> None:
    await sandbox.add_user(240, "新来的住户", "new240", "5号楼住户")
    chat = await sandbox.add_chat("5号楼临时群", [240], bot_admin=True)
    await sandbox.set_member(chat["id"], RESIDENT, add=True, by_user_id=240)
    said = await sandbox.say(RESIDENT, chat["id"], "大家好")
    assert said["chat_id"] == chat["id"]
    member = await ptb_bot.get_chat_member(chat["id"], RESIDENT)
    assert member.status == "member"
    with pytest.raises(SandboxError) as refused:
        await sandbox.add_chat("坏群", [99999])
    assert refused.value.status == 400


async def test_a_photo_from_the_page_reaches_the_bot(
    ptb_bot: telegram.Bot, sandbox_server: SandboxServer
) -> None:
    gif = base64.b64decode("R0lGODlhAQABAIAAAP///wAAACH5BAEAAAAALAAAAAABAAEAAAICRAEAOw==")
    body = {
        "chat_id": BUILDING_3,
        "from_user_id": RESIDENT,
        "text": "楼道灯坏了",
        "photo": "data:image/gif;base64," + base64.b64encode(gif).decode(),
    }
    async with aiohttp.ClientSession() as http:
        url = sandbox_server.base_url
        async with http.post(f"{url}/sandbox/api/messages", json=body) as response:
            view = await response.json()
        async with http.get(f"{url}{view['photo_url']}") as response:
            assert await response.read() == gif
    [update] = await ptb_bot.get_updates()
    assert update.message is not None and update.message.caption == "楼道灯坏了"
    assert update.message.photo[-1].width == 1


# -- a real python-telegram-bot Application over HTTP ----------------------------------
async def on_start(update: telegram.Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    assert update.effective_message is not None
    await update.effective_message.reply_text("您好，我是楼道助手。")


async def on_text(update: telegram.Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    assert update.effective_message is not None
    await update.effective_message.reply_html(
        f"<b>已记录</b>：{update.effective_message.text}",
        reply_markup=telegram.InlineKeyboardMarkup(
            [[telegram.InlineKeyboardButton("我来处理", callback_data="take")]]
        ),
    )


async def on_press(update: telegram.Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    query = update.callback_query
    assert query is not None and query.from_user is not None
    await query.answer(f"{query.from_user.first_name} 已接单", show_alert=True)
    await query.edit_message_text("已接单")


@pytest.fixture
async def running_app(sandbox_server: SandboxServer) -> AsyncIterator[Application]:  # type: ignore[type-arg]
    url = sandbox_server.base_url
    app = (
        Application.builder()
        .token(sandbox_server.bot_token)
        .base_url(f"{url}/bot")
        .base_file_url(f"{url}/file/bot")
        .build()
    )
    app.add_handler(CommandHandler("start", on_start))
    app.add_handler(MessageHandler(filters.TEXT & ~filters.COMMAND, on_text))
    app.add_handler(CallbackQueryHandler(on_press))
    async with app:
        await app.start()
        assert app.updater is not None
        await app.updater.start_polling(poll_interval=0.0, timeout=5)
        try:
            yield app
        finally:
            with contextlib.suppress(Exception):
                await app.updater.stop()
            await app.stop()


@pytest.mark.usefixtures("running_app")
async def test_ptb_application_round_trip(sandbox: SandboxClient) -> None:
    await sandbox.say(RESIDENT, RESIDENT, "/start")
    await sandbox.wait_for(RESIDENT, lambda m: m["text"] == "您好，我是楼道助手。")

    said = await sandbox.say(RESIDENT, BUILDING_3, "3号楼2单元电梯坏了")
    reply = await sandbox.wait_for(
        BUILDING_3, lambda m: m["from"]["is_bot"], after_id=said["message_id"]
    )
    assert reply["text"] == "已记录：3号楼2单元电梯坏了"
    assert reply["entities"] == [{"type": "bold", "offset": 0, "length": 3}]
    assert reply["reply_to_message_id"] == said["message_id"]

    answer = await sandbox.press(PLUMBER, reply, "我来处理")
    assert answer["answered"] and answer["text"] == "张师傅 已接单" and answer["show_alert"]
    edited = await sandbox.wait_for(
        BUILDING_3, lambda m: m["message_id"] == reply["message_id"] and m["edited"]
    )
    assert edited["text"] == "已接单" and edited["reply_markup"] is None
