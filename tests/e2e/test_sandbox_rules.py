"""The sandbox enforces Telegram's rules: offsets, HTML, limits, UTF-16, buttons, privacy."""

from __future__ import annotations

import asyncio

import pytest
import telegram
from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from sandbox.client import SandboxClient, SandboxError
from sandbox.entities import utf16_slice
from sandbox.server import SandboxServer

pytestmark = pytest.mark.e2e
BUILDING_3 = -1001003
BUILDING_1 = -1001001
RESIDENT = 201  # building 3
NEIGHBOUR = 209  # also building 3


# -- getUpdates ------------------------------------------------------------------------
async def test_updates_stay_until_a_higher_offset_confirms_them(
    ptb_bot: telegram.Bot, sandbox: SandboxClient
) -> None:
    for text in ("一", "二", "三"):
        await sandbox.say(RESIDENT, BUILDING_3, text)
    first = await ptb_bot.get_updates(limit=2)
    assert [u.message.text for u in first if u.message] == ["一", "二"]
    again = await ptb_bot.get_updates()
    assert [u.update_id for u in again[:2]] == [u.update_id for u in first]
    rest = await ptb_bot.get_updates(offset=first[-1].update_id + 1)
    assert [u.message.text for u in rest if u.message] == ["三"]
    assert await ptb_bot.get_updates(offset=rest[-1].update_id + 1) == ()


async def test_negative_offset_keeps_only_the_latest_updates(
    ptb_bot: telegram.Bot, sandbox: SandboxClient
) -> None:
    for text in ("一", "二", "三"):
        await sandbox.say(RESIDENT, BUILDING_3, text)
    latest = await ptb_bot.get_updates(offset=-1)
    assert [u.message.text for u in latest if u.message] == ["三"]


async def test_long_poll_returns_as_soon_as_an_update_arrives(
    ptb_bot: telegram.Bot, sandbox: SandboxClient
) -> None:
    poll = asyncio.create_task(ptb_bot.get_updates(timeout=30, read_timeout=35))
    await asyncio.sleep(0.2)
    assert not poll.done()
    await sandbox.say(RESIDENT, BUILDING_3, "有人吗")
    updates = await asyncio.wait_for(poll, 10)
    assert [u.message.text for u in updates if u.message] == ["有人吗"]


async def test_a_second_get_updates_terminates_the_first(
    ptb_bot: telegram.Bot, sandbox_server: SandboxServer
) -> None:
    first = asyncio.create_task(ptb_bot.get_updates(timeout=30, read_timeout=35))
    while sandbox_server.state.updates.waiting == 0:
        await asyncio.sleep(0.01)
    url = sandbox_server.base_url
    async with telegram.Bot(ptb_bot.token, base_url=f"{url}/bot") as second_instance:
        assert await second_instance.get_updates() == ()
    with pytest.raises(telegram.error.Conflict, match=r"(?i)terminated by other getUpdates"):
        await asyncio.wait_for(first, 10)


async def test_allowed_updates_filter_and_persist(
    ptb_bot: telegram.Bot, sandbox: SandboxClient
) -> None:
    await ptb_bot.get_updates(allowed_updates=["callback_query"])
    await sandbox.say(RESIDENT, BUILDING_3, "看不到")
    assert await ptb_bot.get_updates() == ()
    await ptb_bot.get_updates(allowed_updates=["message", "chat_member"])
    await sandbox.set_member(BUILDING_3, 202, add=True, by_user_id=9001)
    updates = await ptb_bot.get_updates()
    assert ["chat_member" if u.chat_member else "message" for u in updates] == [
        "chat_member",
        "message",
    ]


# -- HTML ------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("html", "reason"),
    [
        ("<b>未闭合", 'Can\'t find end tag corresponding to start tag "b"'),
        ("<b>交错</i>", 'expected "</b>", found "</i>"'),
        ("多余</b>", "Unexpected end tag at byte offset 6"),
        ("<div>块</div>", 'Unsupported start tag "div" at byte offset 0'),
        ("温度 < 5 度", 'Unsupported start tag "" at byte offset 7'),
    ],
)
async def test_invalid_html_is_refused_like_telegram(
    ptb_bot: telegram.Bot, html: str, reason: str
) -> None:
    with pytest.raises(telegram.error.BadRequest) as refused:
        await ptb_bot.send_message(BUILDING_3, html, parse_mode="HTML")
    assert "can't parse entities" in str(refused.value).lower()
    assert reason.lower() in str(refused.value).lower()


async def test_surrounding_whitespace_is_trimmed_and_entities_shift(
    ptb_bot: telegram.Bot,
) -> None:
    sent = await ptb_bot.send_message(BUILDING_3, "\n  <b>停水</b>通知 \n", parse_mode="HTML")
    assert sent.text == "停水通知"
    assert [(e.type, e.offset, e.length) for e in sent.entities] == [("bold", 0, 2)]


async def test_valid_html_becomes_text_and_entities(ptb_bot: telegram.Bot) -> None:
    sent = await ptb_bot.send_message(
        BUILDING_3,
        '<b>粗</b><i>斜</i><u>下</u><s>删</s><code>码</code><a href="https://a.cn">链</a>'
        "<tg-spoiler>隐</tg-spoiler> 5 &lt; 6 &amp; 7",
        parse_mode="HTML",
    )
    assert sent.text == "粗斜下删码链隐 5 < 6 & 7"
    assert [e.type for e in sent.entities] == [
        "bold",
        "italic",
        "underline",
        "strikethrough",
        "code",
        "text_link",
        "spoiler",
    ]
    assert sent.entities[5].url == "https://a.cn"


# -- UTF-16 ----------------------------------------------------------------------------
async def test_entity_offsets_count_utf16_units_with_chinese_and_emoji(
    ptb_bot: telegram.Bot, sandbox: SandboxClient
) -> None:
    sent = await ptb_bot.send_message(
        BUILDING_3, "😀漏水🚰 <b>3号楼</b> 👍🏻<i>急</i>", parse_mode="HTML"
    )
    bold, italic = sent.entities
    assert (bold.offset, bold.length) == (7, 3)  # 😀 and 🚰 are two units each
    assert (italic.offset, italic.length) == (15, 1)  # 👍🏻 is four
    assert sent.parse_entity(bold) == "3号楼" and sent.parse_entity(italic) == "急"

    said = await sandbox.say(RESIDENT, BUILDING_3, "🙏请 @loudao_bot 看看 @r209 /report")
    mention_bot, mention_neighbour, command = said["entities"]
    assert (mention_bot["type"], mention_bot["offset"], mention_bot["length"]) == (
        "mention",
        4,
        11,
    )
    assert utf16_slice(said["text"], mention_neighbour["offset"], mention_neighbour["length"]) == (
        "@r209"
    )
    assert command["type"] == "bot_command"
    assert utf16_slice(said["text"], command["offset"], command["length"]) == "/report"
    [update] = await ptb_bot.get_updates()
    assert update.message is not None
    assert set(update.message.parse_entities(["mention"]).values()) == {"@loudao_bot", "@r209"}


async def test_unknown_usernames_are_not_mentions(sandbox: SandboxClient) -> None:
    said = await sandbox.say(RESIDENT, BUILDING_3, "@nobody_here 你好")
    assert said["entities"] == []


async def test_picking_a_member_without_typing_a_username_is_a_text_mention(
    ptb_bot: telegram.Bot, sandbox: SandboxClient
) -> None:
    """In a client one picks a person from the member list: the text shows their name and the
    entity (type text_mention) carries the user – Telegram's way to mention users by id."""
    said = await sandbox.say(RESIDENT, BUILDING_3, "😀张师傅 我家水管漏了", mentions=[9003])
    (entity,) = said["entities"]
    assert (entity["type"], entity["offset"], entity["length"]) == ("text_mention", 2, 3)
    assert entity["user"]["id"] == 9003 and entity["user"]["first_name"] == "张师傅"
    [update] = await ptb_bot.get_updates()
    assert update.message is not None
    ((found, text),) = update.message.parse_entities(["text_mention"]).items()
    assert text == "张师傅" and found.user is not None and found.user.id == 9003
    with pytest.raises(SandboxError, match="not in the text"):
        await sandbox.say(RESIDENT, BUILDING_3, "师傅 我家水管漏了", mentions=[9003])
    with pytest.raises(SandboxError, match="no user 4242"):
        await sandbox.say(RESIDENT, BUILDING_3, "4242 你好", mentions=[4242])


# -- limits ----------------------------------------------------------------------------
async def test_text_length_limit(ptb_bot: telegram.Bot) -> None:
    assert (await ptb_bot.send_message(BUILDING_3, "楼" * 4096)).text == "楼" * 4096
    with pytest.raises(telegram.error.BadRequest, match=r"(?i)message is too long"):
        await ptb_bot.send_message(BUILDING_3, "楼" * 4097)
    with pytest.raises(telegram.error.BadRequest, match=r"(?i)message text is empty"):
        await ptb_bot.send_message(BUILDING_3, "  ")


@pytest.mark.parametrize("data", ["", "x" * 65, "报修" * 11])
async def test_callback_data_must_be_1_to_64_bytes(ptb_bot: telegram.Bot, data: str) -> None:
    markup = InlineKeyboardMarkup([[InlineKeyboardButton("按钮", callback_data=data)]])
    with pytest.raises(telegram.error.BadRequest, match=r"(?i)BUTTON_DATA_INVALID"):
        await ptb_bot.send_message(BUILDING_3, "x", reply_markup=markup)


@pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")
async def test_group_flood_limit_answers_429_with_retry_after(
    ptb_bot: telegram.Bot, sandbox_server: SandboxServer
) -> None:
    sandbox_server.configure_limits(per_chat_per_minute=3, global_per_second=30)
    for i in range(3):
        await ptb_bot.send_message(BUILDING_3, f"通知{i}")
    with pytest.raises(telegram.error.RetryAfter) as limited:
        await ptb_bot.send_message(BUILDING_3, "第四条")
    assert 1 <= limited.value._retry_after.total_seconds() <= 60
    # Another group and private chats are not affected by this group's count.
    await ptb_bot.send_message(BUILDING_1, "别的群")
    await ptb_bot.send_message(RESIDENT, "私聊")
    assert sandbox_server.stats["429"] == 1 and sandbox_server.stats["sent"] == 5


@pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")
async def test_global_limit_and_switching_limits_off(
    ptb_bot: telegram.Bot, sandbox_server: SandboxServer
) -> None:
    sandbox_server.configure_limits(per_chat_per_minute=20, global_per_second=2)
    await ptb_bot.send_message(RESIDENT, "1")
    await ptb_bot.send_message(NEIGHBOUR, "2")
    with pytest.raises(telegram.error.RetryAfter):
        await ptb_bot.send_message(202, "3")
    sandbox_server.configure_limits(enabled=False)
    for i in range(40):
        await ptb_bot.send_message(BUILDING_3, str(i))


async def test_bot_outside_a_group_gets_403(
    ptb_bot: telegram.Bot, sandbox_server: SandboxServer
) -> None:
    sandbox_server.add_chat(
        id=-1008888, title="没有机器人的群", members=[RESIDENT], bot_member=False
    )
    with pytest.raises(
        telegram.error.Forbidden, match=r"(?i)bot is not a member of the supergroup"
    ):
        await ptb_bot.send_message(-1008888, "x")


# -- buttons ---------------------------------------------------------------------------
async def test_only_buttons_on_the_message_can_be_pressed(
    ptb_bot: telegram.Bot, sandbox: SandboxClient
) -> None:
    markup = InlineKeyboardMarkup([[InlineKeyboardButton("接单", callback_data="take:7")]])
    sent = await ptb_bot.send_message(BUILDING_3, "新工单", reply_markup=markup)
    with pytest.raises(SandboxError) as tampered:
        await sandbox.press_data(RESIDENT, BUILDING_3, sent.message_id, "take:8")
    assert tampered.value.status == 400
    message = (await sandbox.messages(BUILDING_3))[0]
    with pytest.raises(AssertionError, match="no button '关闭'"):
        await sandbox.press(RESIDENT, message, "关闭")
    await ptb_bot.edit_message_reply_markup(BUILDING_3, sent.message_id)
    with pytest.raises(SandboxError):
        await sandbox.press(RESIDENT, message, "接单")  # the stale copy still shows it
    assert await ptb_bot.get_updates() == ()


async def test_outsiders_cannot_post_or_press(sandbox: SandboxClient) -> None:
    with pytest.raises(SandboxError) as refused:
        await sandbox.say(202, BUILDING_3, "我不在这个群")  # 202 lives in building 1
    assert refused.value.status == 403


# -- privacy mode and membership -------------------------------------------------------
async def test_privacy_mode_shows_only_commands_and_replies(
    ptb_bot: telegram.Bot, sandbox_server: SandboxServer, sandbox: SandboxClient
) -> None:
    sandbox_server.privacy_mode = True
    sandbox_server.add_chat(id=-1007777, title="普通群", members=[RESIDENT, NEIGHBOUR])
    bot_message = await ptb_bot.send_message(-1007777, "我是机器人")
    await sandbox.say(RESIDENT, -1007777, "闲聊")
    await sandbox.say(RESIDENT, -1007777, "/report@other_bot")
    await sandbox.say(RESIDENT, -1007777, "/report 漏水")
    await sandbox.say(NEIGHBOUR, -1007777, "回复机器人", reply_to=bot_message.message_id)
    seen = [u.message.text for u in await ptb_bot.get_updates() if u.message]
    assert seen == ["/report 漏水", "回复机器人"]
    assert (await ptb_bot.get_me()).can_read_all_group_messages is False
    # In a group where the bot is admin it sees everything, as on Telegram.
    await sandbox.say(RESIDENT, BUILDING_3, "闲聊")
    assert [u.message.text for u in await ptb_bot.get_updates() if u.message][-1] == "闲聊"


async def test_adding_and_removing_the_bot_sends_my_chat_member(
    ptb_bot: telegram.Bot, sandbox: SandboxClient
) -> None:
    chat = await sandbox.add_chat("6号楼新群", [9001, 205])
    updates = await ptb_bot.get_updates()
    [joined] = [u.my_chat_member for u in updates if u.my_chat_member]
    assert joined.chat.id == chat["id"] and joined.new_chat_member.status == "member"
    assert joined.from_user.id == 9001
    service = [u.message for u in updates if u.message]
    assert service and service[0].new_chat_members[0].id == 7000000001
    await sandbox.set_member(chat["id"], 7000000001, add=False, by_user_id=9001)
    updates = await ptb_bot.get_updates(offset=updates[-1].update_id + 1)
    [left] = [u.my_chat_member for u in updates if u.my_chat_member]
    assert left.old_chat_member.status == "member" and left.new_chat_member.status == "left"


# -- faults ----------------------------------------------------------------------------
async def test_duplicated_updates_arrive_twice_with_the_same_id(
    ptb_bot: telegram.Bot, sandbox_server: SandboxServer, sandbox: SandboxClient
) -> None:
    sandbox_server.set_fault(duplicate=1.0)
    await sandbox.say(RESIDENT, BUILDING_3, "重复")
    [first] = await ptb_bot.get_updates()
    [second] = await ptb_bot.get_updates(offset=first.update_id + 1)
    assert second.update_id == first.update_id
    assert await ptb_bot.get_updates(offset=first.update_id + 1) == ()


async def test_dropped_updates_never_arrive(
    ptb_bot: telegram.Bot, sandbox_server: SandboxServer, sandbox: SandboxClient
) -> None:
    sandbox_server.set_fault(drop=1.0)
    await sandbox.say(RESIDENT, BUILDING_3, "丢了")
    assert await ptb_bot.get_updates() == ()
    assert sandbox_server.stats["updates_dropped"] == 1


async def test_delayed_updates_wait_and_5xx_errors_fail_calls(
    ptb_bot: telegram.Bot, sandbox_server: SandboxServer, sandbox: SandboxClient
) -> None:
    sandbox_server.set_fault(delay=1.5)
    await sandbox.say(RESIDENT, BUILDING_3, "慢")
    assert await ptb_bot.get_updates() == ()
    [late] = await ptb_bot.get_updates(timeout=5)
    assert late.message is not None and late.message.text == "慢"
    sandbox_server.set_fault(error_5xx=1.0)
    with pytest.raises(telegram.error.NetworkError, match="Bad Gateway"):
        await ptb_bot.send_message(BUILDING_3, "x")
    sandbox_server.set_fault()
    await ptb_bot.send_message(BUILDING_3, "好了")
