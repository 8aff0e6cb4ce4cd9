"""Long messages go in parts Telegram accepts: cut at line breaks, never inside a tag."""

from __future__ import annotations

from bot.domain.message_parts import (
    PART_LIMIT,
    TELEGRAM_TEXT_LIMIT,
    shorten,
    split_message,
    visible_length,
)


def test_a_part_stays_under_telegrams_limit() -> None:
    assert PART_LIMIT < TELEGRAM_TEXT_LIMIT


def test_a_short_message_is_one_part() -> None:
    assert split_message("<b>工单</b> #A-0042") == ["<b>工单</b> #A-0042"]


def test_a_long_list_is_cut_at_line_breaks_and_loses_nothing() -> None:
    lines = [f"· <b>#A-{n:04d}</b> 3号楼 楼道灯不亮 &amp; 门禁坏了" for n in range(400)]
    parts = split_message("\n".join(lines))
    assert len(parts) > 1
    assert all(visible_length(p) <= PART_LIMIT for p in parts)
    assert "\n".join(parts).split("\n") == lines  # every line whole, in order


def test_one_very_long_line_is_cut_outside_tags_and_entities() -> None:
    line = "<b>答案</b>" + "请到南门岗亭登记&amp;缴费，" * 600
    parts = split_message(line, limit=1000)
    assert "".join(parts) == line
    for part in parts:
        assert visible_length(part) <= 1000
        assert part.count("<b>") == part.count("</b>")
        assert not part.endswith("&amp") and not part.startswith("amp;")


def test_an_edit_is_shortened_with_an_ellipsis() -> None:
    text = "楼" * 5000
    short = shorten(text)
    assert short.endswith("…") and visible_length(short) == PART_LIMIT
    assert shorten("短") == "短"
