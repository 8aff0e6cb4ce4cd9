"""Admins type entries in one line: `<id> | 问法1；问法2 | 答案`."""

import pytest

from faq.chat_format import EntryLineError, parse_entry_line


def test_id_phrasings_and_answer_are_split() -> None:
    line = parse_entry_line(
        "wifi | 无线网密码；wifi 密码;  网络 | 贴在门口 | 每月换", need_all=True
    )
    assert line.entry_id == "wifi"
    assert line.questions == ("无线网密码", "wifi 密码", "网络")
    assert line.answer == "贴在门口 | 每月换"  # the answer may contain a bar


def test_full_width_bars_and_multi_line_answers_are_fine() -> None:
    line = parse_entry_line("wifi ｜ 无线网密码 ｜ 第一行\n第二行", need_all=True)
    assert line.questions == ("无线网密码",) and line.answer == "第一行\n第二行"


def test_empty_parts_mean_keep_when_editing() -> None:
    line = parse_entry_line("wifi | | 新答案", need_all=False)
    assert line.questions == () and line.answer == "新答案"
    assert parse_entry_line("wifi", need_all=False).answer == ""


@pytest.mark.parametrize("text", ["", "wifi", "wifi | 问法", "two words | 问 | 答", " | 问 | 答"])
def test_adding_needs_an_id_phrasings_and_an_answer(text: str) -> None:
    with pytest.raises(EntryLineError):
        parse_entry_line(text, need_all=True)
