"""What an addressed message asks of the bot itself (bot/domain/intake/conversation.py), and
how sure intake is of a report nobody addressed to the bot (bot/domain/intake/confidence.py)."""

import pytest

from bot.domain.intake import BuildingRef, classify
from bot.domain.intake.confidence import sure_report
from bot.domain.intake.conversation import Talk, read_talk
from bot.intake_files import load_rules

RULES = load_rules()
BUILDINGS = tuple(BuildingRef(n) for n in ("1", "2", "3", "5", "6", "8", "65", "171"))


@pytest.mark.parametrize(
    ("text", "talk"),
    [
        ("你好", Talk.GREETING),
        ("您好！", Talk.GREETING),
        ("在吗？", Talk.GREETING),
        ("你好，在吗", Talk.GREETING),
        ("hello", Talk.GREETING),
        ("Good morning!", Talk.GREETING),
        ("", Talk.GREETING),  # only the mention
        ("🙏", Talk.GREETING),
        ("怎么用", Talk.HELP),
        ("你能做什么呀", Talk.HELP),
        ("怎么报修？", Talk.HELP),
        ("what can you do?", Talk.HELP),
        ("谢谢", Talk.THANKS),
        ("谢谢您，辛苦了", Talk.THANKS),
        ("好的谢谢", Talk.THANKS),
        ("Thank you!", Talk.THANKS),
        ("好的", Talk.ACK),
        ("收到", Talk.ACK),
        ("OK", Talk.ACK),
        ("我报的修怎么样了", Talk.MY_TICKETS),
        ("请问我报的修怎么样了？", Talk.MY_TICKETS),
        ("我的工单", Talk.MY_TICKETS),
        ("我的报修进度", Talk.MY_TICKETS),
        ("我上次报的事有人管吗", Talk.MY_TICKETS),
        ("查一下报修进度", Talk.MY_TICKETS),
        ("my tickets", Talk.MY_TICKETS),
        ("Any update on my repair?", Talk.MY_TICKETS),
    ],
)
def test_what_the_bot_itself_is_asked(text: str, talk: Talk) -> None:
    assert read_talk(text) == talk


@pytest.mark.parametrize(
    "text",
    [
        "你好，3号楼电梯坏了",
        "3号楼楼道灯不亮了",
        "物业费怎么交",
        "谢谢张师傅把我家的灯修好了，可是楼道灯又不亮了",
        "hello, the lift in building 3 is broken",
        "好的师傅，我下午在家，您几点来",
    ],
)
def test_reports_and_questions_are_not_talk(text: str) -> None:
    assert read_talk(text) is None


@pytest.mark.parametrize(
    "text", ["楼道灯不亮了", "3号楼楼道灯不亮了", "厨房水管漏水了", "楼下垃圾好几天没人收了"]
)
def test_a_plain_report_reads_as_sure(text: str) -> None:
    got = classify(text, RULES, BUILDINGS)
    assert got.reading is not None and sure_report(got)


@pytest.mark.parametrize(
    "text",
    [
        "今天天气真好",
        "哈哈哈",
        "有人知道快递放哪了吗",  # a question
        "温馨提示：明天停水",  # a notice
        "晚上一起去跳广场舞吧",
        "谢谢张师傅，辛苦了",
        "上次电梯坏了修得挺快的 点赞👍",  # solved, and thanked
        "楼道里冒黑烟了！快来人",  # an emergency is taken at once, not offered
        "3号楼有个东西",  # a report of no kind
    ],
)
def test_chit_chat_questions_notices_and_emergencies_are_not_sure_reports(text: str) -> None:
    assert not sure_report(classify(text, RULES, BUILDINGS))


def test_without_the_model_nothing_is_sure() -> None:
    rules_alone = load_rules(with_model=False)
    got = classify("楼道灯不亮了", rules_alone, BUILDINGS)
    assert got.reading is None and not sure_report(got)
