import pytest

from bot.domain.intake import chinese_to_int
from bot.domain.intake.numerals import int_to_chinese, normalize_width


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("3", 3),
        ("３", 3),
        ("１７１", 171),
        ("三", 3),
        ("两", 2),
        ("十", 10),
        ("十七", 17),
        ("二十", 20),
        ("六十五", 65),
        ("一百七十一", 171),
        ("一百零一", 101),
        ("两百", 200),
        ("四零一", 401),
        ("五零二", 502),  # a room read digit by digit
        ("幺零三", 103),  # 幺 is how 1 is said in numbers read out
        ("二〇三", 203),
        ("三百五", 350),  # the last digit is of the next lower place, as in speech
        ("一百一", 110),
        ("三千五", 3500),
        ("一万二", 12000),
        ("一百零五", 105),  # 零 keeps the last digit a unit
        ("一万", 10000),
        ("廿三", 23),
        ("两千零五", 2005),
    ],
)
def test_reads_arabic_full_width_and_chinese_numerals(text: str, value: int) -> None:
    assert chinese_to_int(text) == value


@pytest.mark.parametrize("text", ["", "abc", "楼", "百", "三楼", "一二十"])
def test_text_that_is_not_a_number_gives_none(text: str) -> None:
    assert chinese_to_int(text) is None


@pytest.mark.parametrize(
    ("value", "text"), [(3, "三"), (10, "十"), (12, "十二"), (65, "六十五"), (171, "一百七十一")]
)
def test_writes_numbers_the_usual_chinese_way(value: int, text: str) -> None:
    assert int_to_chinese(value) == text
    assert chinese_to_int(text) == value


def test_full_width_digits_letters_and_hash_become_half_width() -> None:
    assert normalize_width("５＃楼Ｂ座　") == "5#楼B座 "
