"""What an admin writes after /consult becomes a consultation, or a clear refusal."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from bot.domain.errors import InvalidInput
from bot.domain.households.ask import parse_consult, parse_deadline

SHANGHAI = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 12, 1, 2, 0, tzinfo=UTC)  # 10:00 in Shanghai


def test_the_preset_and_question_with_every_other_field_in_any_order() -> None:
    draft = parse_consult(
        "重大事项 | 是否同意用维修基金更换电梯？ | 楼 3,5 | 记名 | 截止 12-20 18:00 | "
        "选项 同意/不同意",
        NOW,
        SHANGHAI,
        "zh_CN",
    )
    assert draft.preset == "major" and draft.question == "是否同意用维修基金更换电梯？"
    assert draft.buildings == ("3", "5") and not draft.secret and draft.voters == "owners"
    assert draft.options == ("同意", "不同意")
    assert draft.deadline == datetime(2026, 12, 20, 18, 0, tzinfo=SHANGHAI)


def test_defaults_whole_community_owners_secret_agree_disagree_abstain() -> None:
    draft = parse_consult("一般事项 | 续聘物业？ | 截止 7天", NOW, SHANGHAI, "zh_CN")
    assert draft.buildings == () and draft.voters == "owners" and draft.secret
    assert draft.options == ("同意", "反对", "弃权")
    assert (draft.deadline - NOW).days == 7


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("一般事项", "households.consult.how"),
        ("天大事项 | 问题 | 截止 7天", "households.consult.bad_preset"),
        ("一般事项 | 问题", "households.consult.no_deadline"),
        ("一般事项 | 问题 | 截止 明年", "households.consult.bad_deadline"),
        ("一般事项 | 问题 | 截止 2026-02-30", "households.consult.bad_deadline"),
        ("一般事项 | 问题 | 截止 2026-11-30", "households.consult.deadline_range"),
        ("一般事项 | 问题 | 截止 7天 | 选项 只有一个", "households.consult.bad_options"),
        ("一般事项 | 问题 | 截止 7天 | 随便写", "households.consult.bad_field"),
    ],
)
def test_what_cannot_be_read_is_refused_with_what_was_wrong(text: str, key: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        parse_consult(text, NOW, SHANGHAI, "zh_CN")
    assert refused.value.key == key


def test_a_day_without_an_hour_ends_that_evening() -> None:
    assert parse_deadline("2026-12-05", NOW, SHANGHAI).hour == 20
