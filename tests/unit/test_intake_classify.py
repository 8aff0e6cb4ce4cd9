import pytest

from bot.domain.intake import BuildingRef, Classification, classify
from bot.intake_files import load_rules

RULES = load_rules()
BUILDINGS = tuple(BuildingRef(n) for n in ("1", "2", "3", "5", "6", "8", "65", "171"))


def read(text: str, group: str | None = None) -> Classification:
    return classify(text, RULES, BUILDINGS, group)


@pytest.mark.parametrize(
    ("text", "category"),
    [
        ("着火了！5号楼三楼冒烟了", "fire_safety"),
        ("楼道里全是烟，看不见人", "fire_safety"),
        ("煤气味好重", "gas"),
        ("天然气泄漏了，整个楼道都是味道", "gas"),
        ("电梯里关了人！", "elevator"),
        ("我被困在电梯里了", "elevator"),
        ("水管爆了水漫出来了", "water_leak"),
        ("地下车库进水了，水越来越深", "drainage"),
        ("电线冒火花了", "power"),
        ("插座冒烟，有烧焦的味道", "fire_safety"),  # smoke: a fire, whatever burns (LABELLING.md)
        ("楼下有人拿刀打架", "security"),
        ("有人晕倒在楼道里，叫不醒", "other"),
    ],
)
def test_each_level_one_trigger_makes_an_emergency_report(text: str, category: str) -> None:
    got = read(text)
    assert (got.intent, got.category, got.level) == ("report", category, 1)
    assert any(m.startswith("emergency:") for m in got.matched)


@pytest.mark.parametrize(
    "text",
    [
        "燃气灶打不着火",  # negated: 不着火
        "烟感器一直在响，但是没有烟",  # negated: 没有烟
        "楼道里堆满了杂物，万一着火了怎么办",  # a worry, not a fire
        "二号楼的电梯不动了，没人在里面",
    ],
)
def test_negated_or_hypothetical_triggers_are_not_emergencies(text: str) -> None:
    got = read(text)
    assert got.intent == "report"
    assert got.level == 2


def test_safety_wins_when_an_emergency_comes_with_an_everyday_problem() -> None:
    got = read("楼道灯也不亮，而且煤气味很重", "2")
    assert (got.category, got.level) == ("gas", 1)
    assert got.other_categories == ("lighting",)


def test_an_emergency_phrased_as_a_question_is_still_a_report() -> None:
    got = read("楼道里好大的烟味，是不是哪家着火了？", "6")
    assert (got.intent, got.category, got.level, got.building) == ("report", "fire_safety", 1, "6")


@pytest.mark.parametrize(
    ("text", "category"),
    [
        ("电瓶车充电桩怎么收费？", "ebike_charging"),
        ("物业电话多少", "other"),
        ("明天停水吗", "water_supply"),
        ("请问楼道灯坏了找谁修？", "lighting"),
    ],
)
def test_questions_are_questions_even_when_they_name_a_category(text: str, category: str) -> None:
    got = read(text)
    assert (got.intent, got.category) == ("question", category)


@pytest.mark.parametrize(
    ("text", "category"),
    [
        ("家里没水了，是停水了吗？", "water_supply"),
        ("整栋楼都停电了，什么时候来电？", "power"),
        ("马桶堵了，物业能来通一下吗", "drainage"),
        ("对门一套房住了七八个人，是不是群租", "group_rental"),
    ],
)
def test_a_problem_described_with_a_question_mark_is_a_report(text: str, category: str) -> None:
    got = read(text)
    assert (got.intent, got.category) == ("report", category)


@pytest.mark.parametrize(
    "text",
    [
        "大家早上好",
        "谢谢师傅",
        "灯已经修好了，谢谢",
        "电梯修好了，点赞",
        "刚才搞错了，我家没停电",
        "👍",
    ],
)
def test_chit_chat_and_solved_problems_are_other(text: str) -> None:
    got = read(text, "3")
    assert (got.intent, got.category, got.level) == ("other", "other", 2)
    assert got.building == "3"


def test_everyday_reports_get_their_category_location_and_level_two() -> None:
    got = read("3号楼2单元楼道灯不亮了")
    assert (got.intent, got.category, got.level) == ("report", "lighting", 2)
    assert (got.building, got.unit, got.room) == ("3", "2", None)
    assert got.building_known


def test_group_rental_and_big_works_are_level_three() -> None:
    assert read("2号楼1单元302好像是群租房").level == 3
    assert read("外墙瓷砖掉下来了，要大修").level == 3


def test_several_problems_give_the_most_urgent_and_list_the_rest() -> None:
    got = read("门禁坏了，这几天还有可疑人员进来过", "8")
    assert got.category == "security"
    assert got.other_categories == ("doors_access",)


def test_the_longer_cue_wins_over_a_shorter_one_inside_it() -> None:
    assert read("有人把电瓶车推进电梯带回家充电").category == "ebike_charging"


@pytest.mark.parametrize(
    "text",
    [
        "帮我妈反映一下，她家卫生间漏水",
        "我邻居家没人，门缝里往外渗水",
        "替楼上的王阿姨说一下，她家没电了",
    ],
)
def test_on_behalf_cues_are_detected(text: str) -> None:
    assert read(text).on_behalf


@pytest.mark.parametrize("text", ["我家卫生间漏水", "我邻居天天半夜唱歌，吵死了", "麻烦帮我看看"])
def test_reporting_for_oneself_or_about_a_neighbour_is_not_on_behalf(text: str) -> None:
    assert not read(text).on_behalf


def test_as_json_dict_gives_the_six_fields_as_strings_or_none() -> None:
    got = read("171号401室楼上漏水")
    assert got.as_json_dict() == {
        "intent": "report",
        "category": "water_leak",
        "level": "2",
        "building": "171",
        "unit": None,
        "room": "401",
    }


def test_matched_names_the_cue_words_that_fired() -> None:
    got = read("楼道灯不亮了")
    assert "lighting:楼道灯" in got.matched


@pytest.mark.parametrize(
    "text",
    ["昨天着火的那家怎么样了", "打架的事情处理好了吗", "火灾隐患排查通知", "小孩摔倒了没事"],
)
def test_past_events_topics_and_all_clear_are_not_emergencies(text: str) -> None:
    assert read(text).level != 1


def test_a_past_start_that_is_still_going_on_is_an_emergency() -> None:
    got = read("昨天开始一直有煤气味")
    assert (got.category, got.level) == ("gas", 1)


def test_a_cry_for_help_in_a_lift_is_the_lifts_emergency() -> None:
    got = read("2号楼电梯停在半空，里面有人在拍门喊救命")
    assert (got.category, got.level, got.building) == ("elevator", 1, "2")


def test_smoke_from_electrical_gear_goes_to_the_electrician() -> None:
    got = read("门口的电箱在冒烟，还有焦味")
    assert (got.category, got.level) == ("power", 1)


def test_a_notice_to_everyone_is_not_a_report() -> None:
    assert read("请大家注意燃气安全").intent == "other"


def test_a_room_number_containing_an_emergency_number_is_not_an_alarm() -> None:
    assert read("12号楼1201室漏水").level == 2
