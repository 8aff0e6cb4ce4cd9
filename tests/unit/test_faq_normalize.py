"""Normalisation and segmentation turn residents' spellings into comparable words."""

from bot.domain.text import to_simplified
from faq.normalize import Lexicon, clean, normalize
from faq.segment import char_bigrams, segment


def test_full_width_letters_digits_and_punctuation_become_plain() -> None:
    assert clean("ＡＢＣ　３号楼，电梯！！") == "abc 3号楼 电梯"


def test_case_is_folded_and_emoji_dropped() -> None:
    assert clean("WiFi密码?👍") == "wifi密码"


def test_traditional_characters_become_simplified() -> None:
    assert to_simplified("訪客停車怎麼收費") == "访客停车怎么收费"
    assert clean("門禁卡丟了怎麼辦？") == "门禁卡丢了怎么办"


def test_synonyms_are_rewritten_to_one_canonical_word() -> None:
    assert normalize("电梯坏了") == normalize("电梯故障") == normalize("电梯不工作")
    assert normalize("充电多少钱") == normalize("充电费用") == "充电收费"
    assert normalize("電瓶車") == "电动车"


def test_longest_variant_wins_and_nothing_is_rewritten_twice() -> None:
    lexicon = Lexicon.build({"故障": ["坏了", "坏"], "坏蛋": []}, [])
    assert lexicon.rewrite("灯坏了") == "灯故障"
    assert lexicon.rewrite("坏蛋") == "坏蛋"


def test_segmentation_drops_particles_and_keeps_community_terms_whole() -> None:
    words = segment(normalize("请问维修基金怎么申请呢？"))
    assert "维修基金" in words
    assert not {"请问", "怎么", "呢"} & set(words)
    assert "充电桩" in segment(normalize("充电桩在哪里"))
    assert "大件垃圾" in segment(normalize("大件垃圾哪天收"))


def test_segmentation_of_nothing_but_chit_chat_is_empty() -> None:
    assert segment(normalize("在吗？")) == []
    assert segment(normalize("👍👍")) == []


def test_char_bigrams() -> None:
    assert char_bigrams("物业电话") == ["物业", "业电", "电话"]
    assert char_bigrams("狗") == ["狗"]
    assert char_bigrams("") == []
