"""The matcher answers what it knows, suggests on close calls, and keeps quiet otherwise.

These are the matcher on words alone, what a plain install runs (with the `semantic` extra the
bot also scores meaning: tests/unit/test_faq_semantic.py).
"""

from datetime import date
from pathlib import Path

import pytest

from faq.kb import FaqEntry, Scope, load_kb
from faq.matcher import FaqMatcher, Thresholds, _clauses, default_thresholds, load_thresholds

EXAMPLE = Path(__file__).resolve().parents[2] / "bot" / "demo" / "faq.yaml"


def words(entries: list[FaqEntry], thresholds: Thresholds | None = None) -> FaqMatcher:
    return FaqMatcher(entries, thresholds, semantic=None)


def entry(entry_id: str, *questions: str, **extra: object) -> FaqEntry:
    return FaqEntry.model_validate(
        {"id": entry_id, "questions": questions, "answer": f"{entry_id} 的答案", **extra}
    )


@pytest.fixture(scope="module")
def demo() -> FaqMatcher:
    return words(list(load_kb(EXAMPLE).entries))


def test_an_exact_phrasing_is_answered(demo: FaqMatcher) -> None:
    result = demo.match("访客停车怎么收费")
    assert result.decision == "answer"
    assert result.best is not None and result.best.id == "visitor-parking"
    assert result.candidates[0].entry_id == "visitor-parking"
    assert result.candidates[0].score >= demo.thresholds.answer


def test_paraphrase_traditional_and_full_width_find_the_same_entry(demo: FaqMatcher) -> None:
    for question in ("電瓶車充電多少錢？", "电动车充电费用", "充电桩怎么收费！！"):
        result = demo.match(question)
        assert result.decision == "answer", question
        assert result.best is not None and result.best.id == "ebike-charging-price"


def test_repair_reports_and_chit_chat_are_not_faq_questions(demo: FaqMatcher) -> None:
    for question in ("我家厨房漏水了", "卫生间下水道堵了", "大家早上好", "谢谢", "👍"):
        result = demo.match(question)
        assert result.decision == "none", question
        assert result.best is None and result.candidates == []


def test_a_question_between_two_entries_gets_suggestions(demo: FaqMatcher) -> None:
    result = demo.match("物业费怎么算的")
    assert result.decision == "suggest"
    assert result.best is None
    ids = [c.entry_id for c in result.candidates]
    assert {"property-fee-payment", "property-fee-standard"} <= set(ids)
    assert len(ids) <= 3
    assert [c.score for c in result.candidates] == sorted(
        (c.score for c in result.candidates), reverse=True
    )


def test_thresholds_decide_answer_suggest_or_none() -> None:
    entries = [entry("bulky", "大件垃圾哪天收")]
    question = "大件垃圾放哪"
    score = words(entries).rank(question)[0].score
    assert 0 < score < 100
    above = Thresholds(answer=score - 1, suggest=score - 2, unaddressed=99, margin=0)
    between = Thresholds(answer=score + 1, suggest=score - 1, unaddressed=99, margin=0)
    below = Thresholds(answer=score + 2, suggest=score + 1, unaddressed=99, margin=0)
    assert words(entries, above).match(question).decision == "answer"
    assert words(entries, between).match(question).decision == "suggest"
    assert words(entries, below).match(question).decision == "none"


def test_two_equally_good_entries_are_a_close_call_not_an_answer() -> None:
    entries = [entry("a", "快递柜在哪里"), entry("b", "快递柜在哪里呢")]
    result = words(entries, Thresholds(answer=60, suggest=40, margin=5)).match("快递柜在哪")
    assert result.decision == "suggest"
    assert {c.entry_id for c in result.candidates} == {"a", "b"}


def test_unaddressed_group_messages_need_a_higher_score(demo: FaqMatcher) -> None:
    assert demo.match("访客停车怎么收费", addressed=False).decision == "answer"
    near = demo.match("装修的垃圾放在哪里")
    assert demo.thresholds.answer <= near.score < demo.thresholds.unaddressed
    assert near.decision == "answer"
    quiet = demo.match("装修的垃圾放在哪里", addressed=False)
    assert quiet.decision == "none" and quiet.candidates == []
    assert demo.match("物业费怎么算的", addressed=False).decision == "none"


def test_scope_limits_an_entry_to_its_buildings() -> None:
    m = words([entry("lift", "电梯年检是什么时候", scope={"buildings": ["6", "8"]})])
    assert m.match("电梯年检是什么时候", building="6").decision == "answer"
    assert m.match("电梯年检是什么时候", building="3").decision == "none"
    assert m.match("电梯年检是什么时候").decision == "answer"  # building unknown: no filter


def test_an_entry_past_valid_until_is_not_used() -> None:
    m = words([entry("flu", "流感疫苗在哪里打", valid_until="2026-01-31")])
    assert m.match("流感疫苗在哪里打", today=date(2026, 1, 31)).decision == "answer"
    assert m.match("流感疫苗在哪里打", today=date(2026, 2, 1)).decision == "none"


def test_added_entries_answer_at_once_and_removed_ones_stop() -> None:
    m = words([entry("gas", "燃气公司电话多少")])
    assert m.match("宽带怎么装").decision == "none"
    m.add(entry("broadband", "宽带怎么装", "装网线找谁"))
    assert "broadband" in m and len(m) == 2
    result = m.match("宽带怎么装")
    assert result.best is not None and result.best.id == "broadband"
    assert m.remove("broadband") is True
    assert m.remove("broadband") is False
    assert m.match("宽带怎么装").decision == "none"
    assert m.match("燃气公司电话").decision == "answer"


def test_adding_an_existing_id_replaces_the_entry() -> None:
    m = words([entry("x", "快递柜在哪里")])
    m.add(entry("x", "宽带怎么装"))
    assert len(m) == 1
    assert m.match("快递柜在哪里").decision == "none"
    assert m.match("宽带怎么装").decision == "answer"


def test_as_json_has_decision_id_and_candidates(demo: FaqMatcher) -> None:
    data = demo.match("物业电话多少").as_json()
    assert data["decision"] == "answer" and data["id"] == "property-phone"
    assert isinstance(data["candidates"], list)
    assert data["candidates"][0] == {
        "id": "property-phone",
        "score": data["candidates"][0]["score"],
    }
    assert demo.match("今天天气真好").as_json() == {
        "decision": "none",
        "id": None,
        "candidates": [],
    }


def test_limit_caps_the_suggestions(demo: FaqMatcher) -> None:
    assert len(demo.match("物业费怎么算的", limit=1).candidates) == 1


def test_thresholds_are_data(tmp_path: Path) -> None:
    path = tmp_path / "matching.yaml"
    path.write_text("answer: 80\nsuggest: 60\nunaddressed: 90\nmargin: 3\n", encoding="utf-8")
    assert load_thresholds(path) == Thresholds(answer=80, suggest=60, unaddressed=90, margin=3)
    shipped = default_thresholds()
    assert shipped.suggest < shipped.answer < shipped.unaddressed


def test_entry_scope_helpers() -> None:
    scoped = entry("s", "q", scope=Scope(buildings=("65",)).model_dump())
    assert scoped.applies_to("65") and not scoped.applies_to("1") and scoped.applies_to(None)


def test_a_suggestion_names_its_best_candidate_as_id(demo: FaqMatcher) -> None:
    result = demo.match("物业费怎么算的")
    assert result.decision == "suggest"
    data = result.as_json()
    assert data["id"] == result.candidates[0].entry_id == result.best_id


def test_a_word_only_in_the_answer_is_weaker_evidence_than_a_phrasing() -> None:
    matcher = words(
        [
            FaqEntry.model_validate(
                {"id": "sorting", "questions": ["垃圾怎么分类"], "answer": "纸巾属于干垃圾。"}
            ),
            entry("bulky", "大件垃圾哪天收"),
        ]
    )
    by_answer = matcher.rank("用过的纸巾是什么垃圾")
    assert by_answer[0].entry_id == "sorting"
    assert by_answer[0].score < matcher.rank("垃圾怎么分类")[0].score


def test_which_is_a_question_word_not_where() -> None:
    from faq.normalize import normalize
    from faq.segment import segment

    assert segment(normalize("办停车证需要哪些证件")) == ["办", "停车证", "材料"]
    assert "哪里" not in segment(normalize("打哪个电话"))


def test_a_question_after_a_long_story_is_still_found_by_its_last_clauses() -> None:
    m = words(
        [entry("visitor-parking", "访客停车怎么收费"), entry("wifi", "活动室无线网密码是多少")]
    )
    story = "我家孙子下礼拜要来住一周，他说想去活动室看看书，顺便带朋友，朋友也要住两天，开车过来的，访客停车怎么收费"
    result = m.match(story)
    assert result.best_id == "visitor-parking"
    # only the last clauses are scored alone (and in neighbouring pairs), however long the story
    assert _clauses(story) == [
        "朋友也要住两天",
        "开车过来的",
        "访客停车怎么收费",
        "朋友也要住两天开车过来的",
        "开车过来的访客停车怎么收费",
    ]
