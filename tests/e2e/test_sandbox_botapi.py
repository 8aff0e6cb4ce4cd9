"""python-telegram-bot's own Bot calls every method the sandbox implements, over HTTP."""

from __future__ import annotations

import asyncio
import struct
import zlib

import aiohttp
import pytest
import telegram
from aiohttp import web
from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from sandbox.client import SandboxClient
from sandbox.server import SandboxServer
from tests.e2e.sandbox_fixtures import BOT_TOKEN

pytestmark = pytest.mark.e2e
BUILDING_3 = -1001003
RESIDENT = 201  # 陈大爷, building 3


def tiny_png(width: int = 3, height: int = 2) -> bytes:
    """Return a valid PNG of the given size."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    rows = b"".join(b"\x00" + b"\xff\x00\x00" * width for _ in range(height))
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


def keyboard(*labels: tuple[str, str]) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([[InlineKeyboardButton(t, callback_data=d) for t, d in labels]])


async def test_get_me_describes_the_bot(ptb_bot: telegram.Bot) -> None:
    me = await ptb_bot.get_me()
    assert me.id == 7000000001
    assert me.is_bot and me.username == "loudao_bot" and me.first_name == "楼道助手"
    assert me.can_join_groups is True
    assert me.can_read_all_group_messages is True


async def test_send_edit_and_delete_messages(
    ptb_bot: telegram.Bot, sandbox: SandboxClient
) -> None:
    sent = await ptb_bot.send_message(
        BUILDING_3,
        "<b>工单 A-001</b> 已受理",
        parse_mode="HTML",
        reply_markup=keyboard(("接单", "t:1"), ("转派", "t:2")),
    )
    assert sent.chat.id == BUILDING_3 and sent.chat.type == "supergroup"
    assert sent.text == "工单 A-001 已受理" and sent.text_html == "<b>工单 A-001</b> 已受理"
    assert sent.reply_markup is not None
    assert sent.reply_markup.inline_keyboard[0][1].callback_data == "t:2"

    edited = await ptb_bot.edit_message_text(
        "工单 A-001 已接单", BUILDING_3, sent.message_id, reply_markup=keyboard(("完成", "t:3"))
    )
    assert isinstance(edited, telegram.Message) and edited.edit_date is not None

    markup_only = await ptb_bot.edit_message_reply_markup(BUILDING_3, sent.message_id)
    assert isinstance(markup_only, telegram.Message) and markup_only.reply_markup is None

    [view] = await sandbox.messages(BUILDING_3)
    assert view["text"] == "工单 A-001 已接单" and view["edited"] is True
    assert view["reply_markup"] is None and view["from"]["is_bot"] is True

    assert await ptb_bot.delete_message(BUILDING_3, sent.message_id) is True
    assert await sandbox.messages(BUILDING_3) == []
    with pytest.raises(telegram.error.BadRequest, match=r"(?i)message to delete not found"):
        await ptb_bot.delete_message(BUILDING_3, sent.message_id)


async def test_message_ids_count_per_chat_and_replies_nest(
    ptb_bot: telegram.Bot, sandbox: SandboxClient
) -> None:
    said = await sandbox.say(RESIDENT, BUILDING_3, "厨房漏水了")
    reply = await ptb_bot.send_message(BUILDING_3, "收到", reply_to_message_id=said["message_id"])
    private = await ptb_bot.send_message(RESIDENT, "您好")
    assert (said["message_id"], reply.message_id, private.message_id) == (1, 2, 1)
    assert private.chat.id == RESIDENT and private.chat.type == "private"
    assert reply.reply_to_message is not None
    assert reply.reply_to_message.text == "厨房漏水了"
    assert reply.reply_to_message.from_user is not None
    assert reply.reply_to_message.from_user.id == RESIDENT
    views = await sandbox.messages(BUILDING_3)
    assert views[1]["reply_to_message_id"] == said["message_id"]
    with pytest.raises(telegram.error.BadRequest, match=r"(?i)message to be replied not found"):
        await ptb_bot.send_message(BUILDING_3, "x", reply_to_message_id=99)


async def test_callback_press_reaches_the_bot_and_returns_its_answer(
    ptb_bot: telegram.Bot, sandbox: SandboxClient
) -> None:
    sent = await ptb_bot.send_message(
        BUILDING_3, "请确认", reply_markup=keyboard(("确认", "ok:1"))
    )
    [message] = await sandbox.messages(BUILDING_3)
    press = asyncio.create_task(sandbox.press(RESIDENT, message, "确认"))
    [update] = await ptb_bot.get_updates(timeout=5)
    query = update.callback_query
    assert query is not None and query.data == "ok:1" and query.from_user.id == RESIDENT
    assert isinstance(query.message, telegram.Message)
    assert query.message.message_id == sent.message_id
    assert await query.answer("已确认", show_alert=True) is True
    answer = await press
    assert answer["answered"] is True
    assert answer["text"] == "已确认" and answer["show_alert"] is True
    with pytest.raises(telegram.error.BadRequest, match=r"(?i)query is too old"):
        await ptb_bot.answer_callback_query(query.id, "again")


async def test_photos_upload_get_file_and_download(
    ptb_bot: telegram.Bot, sandbox: SandboxClient
) -> None:
    png = tiny_png(4, 3)
    sent = await ptb_bot.send_photo(BUILDING_3, png, caption="<i>现场照片</i>", parse_mode="HTML")
    assert sent.photo[-1].width == 4 and sent.photo[-1].height == 3
    assert sent.caption == "现场照片"
    recaptioned = await ptb_bot.edit_message_caption(BUILDING_3, sent.message_id, caption="已修好")
    assert isinstance(recaptioned, telegram.Message) and recaptioned.caption == "已修好"
    again = await ptb_bot.send_photo(RESIDENT, sent.photo[-1].file_id)
    assert again.photo[-1].file_unique_id == sent.photo[-1].file_unique_id

    said = await sandbox.say(RESIDENT, BUILDING_3, "墙上渗水", photo=png)
    [update] = await ptb_bot.get_updates(timeout=5)
    assert update.message is not None and update.message.caption == "墙上渗水"
    file = await update.message.photo[-1].get_file()
    assert file.file_size == len(png)
    assert bytes(await file.download_as_bytearray()) == png
    assert said["photo_url"]
    with pytest.raises(telegram.error.BadRequest, match=r"(?i)invalid file_id"):
        await ptb_bot.get_file("nope")


async def test_polls_send_answer_and_stop(ptb_bot: telegram.Bot, sandbox: SandboxClient) -> None:
    sent = await ptb_bot.send_poll(
        BUILDING_3, "电梯维修时间?", ["周六上午", "周日下午"], is_anonymous=False
    )
    assert sent.poll is not None and sent.poll.is_anonymous is False
    await sandbox.answer_poll(RESIDENT, sent.poll.id, [1])
    updates = await ptb_bot.get_updates(timeout=5)
    answers = [u.poll_answer for u in updates if u.poll_answer]
    assert answers[0].option_ids == (1,) and answers[0].user is not None
    assert answers[0].user.id == RESIDENT
    stopped = await ptb_bot.stop_poll(BUILDING_3, sent.message_id)
    assert stopped.is_closed and stopped.options[1].voter_count == 1
    with pytest.raises(telegram.error.BadRequest, match=r"(?i)poll has already been closed"):
        await ptb_bot.stop_poll(BUILDING_3, sent.message_id)


async def test_commands_and_chat_information(ptb_bot: telegram.Bot) -> None:
    commands = [telegram.BotCommand("report", "报修"), telegram.BotCommand("my", "我的工单")]
    assert await ptb_bot.set_my_commands(commands) is True
    assert await ptb_bot.get_my_commands() == tuple(commands)
    assert await ptb_bot.delete_my_commands() is True
    assert await ptb_bot.get_my_commands() == ()

    chat = await ptb_bot.get_chat(BUILDING_3)
    assert chat.title == "阳光花园3号楼业主群" and chat.type == "supergroup"
    private = await ptb_bot.get_chat(RESIDENT)
    assert private.type == "private" and private.first_name == "陈大爷201"

    member = await ptb_bot.get_chat_member(BUILDING_3, RESIDENT)
    assert member.status == "member" and member.user.id == RESIDENT
    outsider = await ptb_bot.get_chat_member(BUILDING_3, 202)
    assert outsider.status == "left"
    admins = await ptb_bot.get_chat_administrators(BUILDING_3)
    assert {a.user.id for a in admins} == {9001, 9002, 7000000001}
    assert {a.status for a in admins} == {"creator", "administrator"}
    assert await ptb_bot.get_chat_member_count(BUILDING_3) > 3
    assert await ptb_bot.send_chat_action(BUILDING_3, "typing") is True


async def test_pin_unpin_and_leave(
    ptb_bot: telegram.Bot, sandbox_server: SandboxServer, sandbox: SandboxClient
) -> None:
    sent = await ptb_bot.send_message(BUILDING_3, "停水通知")
    assert await ptb_bot.pin_chat_message(BUILDING_3, sent.message_id) is True
    chat = await ptb_bot.get_chat(BUILDING_3)
    assert chat.pinned_message is not None and chat.pinned_message.text == "停水通知"
    assert await ptb_bot.unpin_chat_message(BUILDING_3, sent.message_id) is True

    assert await ptb_bot.leave_chat(BUILDING_3) is True
    updates = await ptb_bot.get_updates(timeout=5)
    [left] = [u.my_chat_member for u in updates if u.my_chat_member]
    assert left.new_chat_member.status == "left"
    with pytest.raises(telegram.error.Forbidden, match=r"(?i)bot is not a member"):
        await ptb_bot.send_message(BUILDING_3, "还在吗")


async def test_pinning_in_a_group_needs_admin_rights(
    ptb_bot: telegram.Bot, sandbox_server: SandboxServer
) -> None:
    sandbox_server.add_chat(id=-1009999, title="临时群", members=[RESIDENT])
    sent = await ptb_bot.send_message(-1009999, "x")
    with pytest.raises(telegram.error.BadRequest, match=r"(?i)not enough rights"):
        await ptb_bot.pin_chat_message(-1009999, sent.message_id)


async def test_unknown_method_is_404_and_wrong_token_401(sandbox_server: SandboxServer) -> None:
    async with aiohttp.ClientSession() as http:
        url = sandbox_server.base_url
        async with http.post(f"{url}/bot{BOT_TOKEN}/sendSticker2") as response:
            assert response.status == 404
            assert await response.json() == {
                "ok": False,
                "error_code": 404,
                "description": "Not Found",
            }
        async with http.post(f"{url}/bot1:wrong/getMe") as response:
            assert response.status == 401
    with pytest.raises(telegram.error.InvalidToken):
        async with telegram.Bot("1:wrong", base_url=f"{url}/bot") as bot:
            await bot.get_me()


async def test_unknown_chat_and_unstarted_private_chat_are_refused(
    ptb_bot: telegram.Bot, sandbox_server: SandboxServer
) -> None:
    with pytest.raises(telegram.error.BadRequest, match=r"(?i)chat not found"):
        await ptb_bot.send_message(-100123, "x")
    sandbox_server.add_user(id=250, name="新住户", started=False)
    with pytest.raises(telegram.error.Forbidden, match=r"(?i)can't initiate conversation"):
        await ptb_bot.send_message(250, "您好")


async def test_webhook_pushes_updates_with_the_secret_header(
    ptb_bot: telegram.Bot, sandbox: SandboxClient
) -> None:
    received: list[tuple[str | None, dict[str, object]]] = []

    async def hook(request: web.Request) -> web.Response:
        received.append(
            (request.headers.get("X-Telegram-Bot-Api-Secret-Token"), await request.json())
        )
        return web.Response()

    app = web.Application()
    app.add_routes([web.post("/hook", hook)])
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    try:
        url = f"http://127.0.0.1:{port}/hook"
        assert await ptb_bot.set_webhook(url, secret_token="s3cret") is True
        info = await ptb_bot.get_webhook_info()
        assert info.url == url and info.pending_update_count == 0
        with pytest.raises(telegram.error.Conflict, match=r"(?i)webhook is active"):
            await ptb_bot.get_updates()
        await sandbox.say(RESIDENT, BUILDING_3, "webhook 测试")
        for _ in range(200):
            if received:
                break
            await asyncio.sleep(0.02)
        [(secret, update)] = received
        assert secret == "s3cret"
        update_obj = telegram.Update.de_json(update, ptb_bot)
        assert update_obj.message is not None and update_obj.message.text == "webhook 测试"
        assert await ptb_bot.delete_webhook() is True
        assert (await ptb_bot.get_webhook_info()).url == ""
    finally:
        await runner.cleanup()
