"""What an addressed message asks of the bot itself, rather than reporting or asking the FAQ:
a greeting, thanks, an "OK", how to use the bot, or the resident's own tickets.

Greetings, thanks and "OK" count only when they are the whole message ("你好" is a greeting,
"你好，3号楼电梯坏了" is a report); asking for one's tickets counts wherever it is said
("请问我报的修怎么样了"). Words are data at the top of this module, Chinese first, then English.
"""

from __future__ import annotations

import re
from enum import StrEnum

from bot.domain.text import normalise_text


class Talk(StrEnum):
    """What the bot is asked for, beyond reports and questions."""

    GREETING = "greeting"  # 你好, 在吗, hello – and an empty mention
    HELP = "help"  # 怎么用, 你能做什么, help
    THANKS = "thanks"  # 谢谢, 辛苦了, thank you
    ACK = "ack"  # 好的, 收到, OK, 再见
    MY_TICKETS = "my_tickets"  # 我报的修怎么样了, 我的工单, my tickets


_WHOLE: dict[Talk, tuple[str, ...]] = {
    Talk.GREETING: (
        "你好", "您好", "你们好", "大家好", "在吗", "在不在", "在么", "有人吗", "有人在吗", "请问",
        "早", "早上好", "上午好", "中午好", "下午好", "晚上好", "嗨", "哈喽", "哈啰", "喂",
        "机器人", "小助手", "助手", "hello", "hi", "hey", "good morning", "good afternoon",
        "good evening", "anyone there", "are you there",
    ),
    Talk.HELP: (
        "帮助", "怎么用", "怎么使用", "如何使用", "使用说明", "说明", "菜单", "功能", "有什么功能",
        "你能做什么", "你会做什么", "你会什么", "你能干什么", "你会干什么", "你是谁", "怎么报修",
        "如何报修", "怎样报修", "报修怎么弄", "怎么报事", "help", "menu", "what can you do",
        "how does this work", "who are you", "how do i report",
    ),
    Talk.THANKS: (
        "谢谢", "谢谢你", "谢谢您", "谢谢你们", "多谢", "感谢", "感谢你", "感谢您", "谢了",
        "辛苦了", "辛苦", "辛苦了谢谢", "谢谢辛苦了", "麻烦了谢谢", "thanks", "thank you",
        "thank you very much", "thanks a lot", "thx", "many thanks",
    ),
    Talk.ACK: (
        "好", "好的", "好滴", "嗯", "嗯嗯", "收到", "知道了", "明白", "明白了", "了解", "行",
        "可以", "没事了", "没事", "不用了", "再见", "拜拜", "ok", "okay", "ok thanks", "got it",
        "bye", "no problem", "fine",
    ),
}  # fmt: skip

#: asking for one's own tickets, anywhere in the message
_MY_TICKETS = re.compile(
    r"我的(工单|报修|报事|单子|维修单|维修|投诉)"
    r"|我(之前|上次|昨天|前几天|刚才)?(报|提|反映|登记)(的|了)?(修|事|单|问题|那个)?"
    r"[^。!?！？]{0,10}(怎么样|咋样|如何|进度|到哪|处理得|好了没|修了没|修好没|有人管|有人修|"
    r"什么时候|结果|还没人|没人来|没动静|没消息)"
    r"|(查|看)(一下|下)?(我的)?(报修|工单|维修)(进度|状态|情况)?$"
    r"|^(报修|工单|维修)(的)?(进度|状态)"
    r"|\bmy (tickets?|reports?|repairs?|requests?|complaints?)\b"
    r"|\b(status|progress|update|news) (of|on|for) my\b"
)
_FILLER = re.compile(r"[\s,，.。!！?？~～、:：;；…\-—()（）\"'“”‘’]+")
_TAIL = re.compile(r"(啊|呀|呢|吧|哈|啦|嘛|哦|噢|喔|哟|呐|please)+$")
_LOOKUP = {word: talk for talk, words in _WHOLE.items() for word in words}


def _bare(text: str) -> str:
    """The message without punctuation, spaces and soft endings, lower case."""
    plain = _FILLER.sub(" ", normalise_text(text).lower()).strip()
    squeezed = re.sub(r"(?<=[^a-z]) | (?=[^a-z])", "", plain)  # spaces matter between words
    return _TAIL.sub("", squeezed).strip()


def read_talk(text: str) -> Talk | None:
    """Return what the message asks of the bot itself, or None for anything else."""
    normal = normalise_text(text).lower()
    if _MY_TICKETS.search(normal):
        return Talk.MY_TICKETS
    bare = _bare(text)
    if not bare:
        return Talk.GREETING  # only a mention, an emoji or a photo: say what the bot can do
    found = _LOOKUP.get(bare)
    if found is not None:
        return found
    # two of them in a row: 你好在吗, 好的谢谢, 您好请问
    for cut in range(1, len(bare)):
        first, second = _LOOKUP.get(bare[:cut].strip()), _LOOKUP.get(bare[cut:].strip())
        if first is not None and second is not None:
            return second if first in (Talk.GREETING, Talk.ACK) else first
    return None
