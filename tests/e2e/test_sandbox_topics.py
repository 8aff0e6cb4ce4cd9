"""Forum supergroups in the sandbox, as python-telegram-bot sees them: topics, General, replies
that stay in (or leave) a topic, and TOPIC_CLOSED."""

from __future__ import annotations

import pytest
import telegram
from telegram.error import BadRequest

from sandbox.client import SandboxClient, SandboxError
from sandbox.server import SandboxServer

pytestmark = pytest.mark.e2e
BUILDING_3 = -1001003
RESIDENT = 201  # 陈大爷, building 3
ADMIN = 9001
GENERAL = 1


async def updates(bot: telegram.Bot) -> list[telegram.Update]:
    got = await bot.get_updates(timeout=0)
    if got:
        await bot.get_updates(offset=got[-1].update_id + 1, timeout=0)
    return list(got)


async def forum(server: SandboxServer, bot: telegram.Bot, *names: str) -> list[int]:
    """Make building 3's group a forum with these topics; drop the updates that caused."""
    server.set_forum(BUILDING_3)
    threads = [server.add_topic(BUILDING_3, name, by_user_id=ADMIN) for name in names]
    await updates(bot)
    return threads


async def test_a_forum_says_so_in_get_chat_and_in_the_chat_of_its_updates(
    sandbox_server: SandboxServer, ptb_bot: telegram.Bot, sandbox: SandboxClient
) -> None:
    assert not (await ptb_bot.get_chat(BUILDING_3)).is_forum  # absent, as on Telegram
    [repairs] = await forum(sandbox_server, ptb_bot, "报修")
    assert (await ptb_bot.get_chat(BUILDING_3)).is_forum is True
    await sandbox.say(RESIDENT, BUILDING_3, "楼道灯坏了", thread_id=repairs)
    [update] = await updates(ptb_bot)
    assert update.effective_chat is not None and update.effective_chat.is_forum is True


async def test_a_topic_is_opened_by_a_service_message_whose_id_is_the_thread_id(
    sandbox_server: SandboxServer, ptb_bot: telegram.Bot
) -> None:
    sandbox_server.set_forum(BUILDING_3)
    thread = sandbox_server.add_topic(BUILDING_3, "报修", by_user_id=ADMIN)
    [update] = await updates(ptb_bot)
    created = update.message
    assert created is not None and created.message_id == thread
    assert created.forum_topic_created is not None and created.forum_topic_created.name == "报修"
    assert created.is_topic_message and created.message_thread_id == thread


async def test_a_message_in_a_topic_carries_its_thread_and_replies_to_the_topics_start(
    sandbox_server: SandboxServer, ptb_bot: telegram.Bot, sandbox: SandboxClient
) -> None:
    [repairs] = await forum(sandbox_server, ptb_bot, "报修")
    said = await sandbox.say(RESIDENT, BUILDING_3, "@loudao_bot 3号楼灯坏了", thread_id=repairs)
    assert said["message_thread_id"] == repairs
    [update] = await updates(ptb_bot)
    message = update.message
    assert message is not None and message.is_topic_message is True
    assert message.message_thread_id == repairs
    # as on Telegram: a message that replies to nothing "replies" to the topic's service message
    assert message.reply_to_message is not None
    assert message.reply_to_message.message_id == repairs
    assert message.reply_to_message.forum_topic_created is not None


async def test_in_general_a_message_has_no_thread_and_a_reply_only_its_chains_root(
    sandbox_server: SandboxServer, ptb_bot: telegram.Bot, sandbox: SandboxClient
) -> None:
    await forum(sandbox_server, ptb_bot, "报修")
    first = await sandbox.say(RESIDENT, BUILDING_3, "大家好")
    second = await sandbox.say(ADMIN, BUILDING_3, "你好", reply_to=first["message_id"])
    third = await sandbox.say(RESIDENT, BUILDING_3, "谢谢", reply_to=second["message_id"])
    assert first["message_thread_id"] is None and third["message_thread_id"] is None
    plain, reply, reply_to_reply = [u.message for u in await updates(ptb_bot)]
    assert plain is not None and plain.message_thread_id is None and not plain.is_topic_message
    assert reply is not None and reply_to_reply is not None
    # a reply chain's root, not a topic: PTB's reply_text does not send it as a thread
    assert reply_to_reply.message_thread_id == first["message_id"]
    assert not reply_to_reply.is_topic_message
    # and a bot that sends it anyway is told the thread does not exist
    with pytest.raises(BadRequest, match=r"(?i)thread not found"):
        await ptb_bot.send_message(BUILDING_3, "x", message_thread_id=first["message_id"])


async def test_a_send_with_the_thread_id_lands_in_the_topic(
    sandbox_server: SandboxServer, ptb_bot: telegram.Bot, sandbox: SandboxClient
) -> None:
    [repairs, chat] = await forum(sandbox_server, ptb_bot, "报修", "闲聊")
    sent = await ptb_bot.send_message(BUILDING_3, "已受理", message_thread_id=repairs)
    assert sent.is_topic_message and sent.message_thread_id == repairs
    photo = await ptb_bot.send_photo(BUILDING_3, TINY_GIF, caption="现场", message_thread_id=chat)
    assert photo.message_thread_id == chat
    general = await ptb_bot.send_message(BUILDING_3, "公告")
    assert general.message_thread_id is None and not general.is_topic_message
    views = {m["message_id"]: m for m in await sandbox.messages(BUILDING_3)}
    assert views[sent.message_id]["message_thread_id"] == repairs
    assert views[photo.message_id]["message_thread_id"] == chat
    assert views[general.message_id]["message_thread_id"] is None


async def test_a_reply_follows_its_target_into_the_topic_unless_sent_without_reply_allowed(
    sandbox_server: SandboxServer, ptb_bot: telegram.Bot, sandbox: SandboxClient
) -> None:
    [repairs] = await forum(sandbox_server, ptb_bot, "报修")
    said = await sandbox.say(RESIDENT, BUILDING_3, "灯坏了", thread_id=repairs)
    followed = await ptb_bot.send_message(
        BUILDING_3, "收到", reply_to_message_id=said["message_id"]
    )
    assert followed.message_thread_id == repairs
    # allow_sending_without_reply: the target may be gone, so it does not choose the topic
    lost = await ptb_bot.send_message(
        BUILDING_3,
        "收到",
        reply_to_message_id=said["message_id"],
        allow_sending_without_reply=True,
    )
    assert not lost.is_topic_message  # in General (a reply across topics)
    kept = await ptb_bot.send_message(
        BUILDING_3,
        "收到",
        reply_to_message_id=said["message_id"],
        allow_sending_without_reply=True,
        message_thread_id=repairs,
    )
    assert kept.message_thread_id == repairs
    assert kept.reply_to_message is not None
    assert kept.reply_to_message.message_id == said["message_id"]


async def test_general_cannot_be_named_by_id_and_unknown_threads_are_not_found(
    sandbox_server: SandboxServer, ptb_bot: telegram.Bot
) -> None:
    await forum(sandbox_server, ptb_bot, "报修")
    with pytest.raises(BadRequest, match=r"(?i)thread not found"):
        await ptb_bot.send_message(BUILDING_3, "x", message_thread_id=GENERAL)
    with pytest.raises(BadRequest, match=r"(?i)thread not found"):
        await ptb_bot.send_message(BUILDING_3, "x", message_thread_id=999)


async def test_a_closed_topic_refuses_messages_until_it_is_reopened(
    sandbox_server: SandboxServer, ptb_bot: telegram.Bot, sandbox: SandboxClient
) -> None:
    [repairs] = await forum(sandbox_server, ptb_bot, "报修")
    said = await sandbox.say(RESIDENT, BUILDING_3, "灯坏了", thread_id=repairs)
    assert await ptb_bot.close_forum_topic(BUILDING_3, repairs) is True
    *_, closed = await updates(ptb_bot)
    assert closed.message is not None and closed.message.forum_topic_closed is not None
    with pytest.raises(BadRequest, match=r"(?i)topic_closed"):
        await ptb_bot.send_message(BUILDING_3, "x", message_thread_id=repairs)
    with pytest.raises(BadRequest, match=r"(?i)topic_closed"):
        await ptb_bot.send_message(BUILDING_3, "x", reply_to_message_id=said["message_id"])
    with pytest.raises(SandboxError, match=r"(?i)topic_closed"):
        await sandbox.say(RESIDENT, BUILDING_3, "还没修", thread_id=repairs)
    # editing what is already there still works; General is open
    sent = await ptb_bot.send_message(BUILDING_3, "公告")
    await ptb_bot.edit_message_text("公告（更新）", BUILDING_3, sent.message_id)
    with pytest.raises(BadRequest, match=r"(?i)topic_not_modified"):
        await ptb_bot.close_forum_topic(BUILDING_3, repairs)
    assert await ptb_bot.reopen_forum_topic(BUILDING_3, repairs) is True
    await ptb_bot.send_message(BUILDING_3, "好了", message_thread_id=repairs)


async def test_a_closed_general_refuses_messages_without_a_thread_but_topics_take_them(
    sandbox_server: SandboxServer, ptb_bot: telegram.Bot, sandbox: SandboxClient
) -> None:
    [repairs] = await forum(sandbox_server, ptb_bot, "报修")
    assert await ptb_bot.close_general_forum_topic(BUILDING_3) is True
    with pytest.raises(BadRequest, match=r"(?i)topic_closed"):
        await ptb_bot.send_message(BUILDING_3, "停水通知")
    with pytest.raises(SandboxError, match=r"(?i)topic_closed"):
        await sandbox.say(RESIDENT, BUILDING_3, "你好")
    await ptb_bot.send_message(BUILDING_3, "停水通知", message_thread_id=repairs)
    assert await ptb_bot.reopen_general_forum_topic(BUILDING_3) is True
    await ptb_bot.send_message(BUILDING_3, "停水通知")
    # the knob closes General from the outside, as a group admin would
    sandbox_server.close_topic(BUILDING_3)
    with pytest.raises(BadRequest, match=r"(?i)topic_closed"):
        await ptb_bot.send_message(BUILDING_3, "停水通知")
    await sandbox.set_topic_closed(BUILDING_3, GENERAL, closed=False)
    await ptb_bot.send_message(BUILDING_3, "停水通知")


async def test_topic_methods_need_a_forum_and_an_admin_bot(
    sandbox_server: SandboxServer, ptb_bot: telegram.Bot, sandbox: SandboxClient
) -> None:
    with pytest.raises(BadRequest, match=r"(?i)not a forum"):
        await ptb_bot.create_forum_topic(BUILDING_3, "报修")
    sandbox_server.set_forum(BUILDING_3)
    topic = await ptb_bot.create_forum_topic(BUILDING_3, "报修")
    assert topic.name == "报修" and topic.message_thread_id > 0
    sent = await ptb_bot.send_message(BUILDING_3, "x", message_thread_id=topic.message_thread_id)
    assert sent.message_thread_id == topic.message_thread_id
    with pytest.raises(BadRequest, match=r"(?i)thread not found"):
        await ptb_bot.close_forum_topic(BUILDING_3, 999)
    sandbox_server.state.chats[BUILDING_3].bot_admin = False
    with pytest.raises(BadRequest, match=r"(?i)not enough rights"):
        await ptb_bot.close_general_forum_topic(BUILDING_3)


async def test_the_user_api_builds_forums_and_topics(sandbox: SandboxClient) -> None:
    chat = await sandbox.add_chat("新楼群", [RESIDENT, ADMIN], is_forum=True, bot_admin=True)
    assert chat["is_forum"] is True and [t["name"] for t in chat["topics"]] == ["General"]
    thread = await sandbox.add_topic(chat["id"], "报修", by_user_id=ADMIN)
    said = await sandbox.say(RESIDENT, chat["id"], "灯坏了", thread_id=thread)
    assert said["message_thread_id"] == thread
    closed = await sandbox.set_topic_closed(chat["id"], thread)
    assert closed == {"message_thread_id": thread, "name": "报修", "closed": True}
    state = await sandbox.state()
    [view] = [c for c in state["chats"] if c["id"] == chat["id"]]
    assert view["topics"][1]["closed"] is True
    with pytest.raises(SandboxError, match=r"(?i)thread not found"):
        await sandbox.say(RESIDENT, chat["id"], "灯坏了", thread_id=999)
    plain = await sandbox.add_chat("普通群", [RESIDENT])
    with pytest.raises(SandboxError, match=r"(?i)not a forum"):
        await sandbox.add_topic(plain["id"], "报修")
    off = await sandbox.set_forum(chat["id"], enabled=False)
    assert off["is_forum"] is False and off["topics"] == []


TINY_GIF = (
    b"GIF89a\x01\x00\x01\x00\x80\x00\x00\x00\x00\x00\xff\xff\xff!\xf9\x04\x01\x00\x00\x00\x00,"
    b"\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02D\x01\x00;"
)
