"""The learned reading beside the rules: the shipped model is what its training files give, its
plain-Python inference agrees with scikit-learn, and the blend keeps the rules' answer unless the
model is sure – an emergency counts when either says so."""

from __future__ import annotations

import argparse
import warnings

import pytest

from bot.cli.train import HELD_OUT, TRAINING_SETS, train
from bot.config import Settings
from bot.domain.intake.blend import Blended, BlendPolicy, RulesAnswer, blend
from bot.domain.intake.model import Reading, model_text
from bot.intake_files import intake_model

USUAL = {"water_leak": 2, "fire_safety": 2, "group_rental": 3, "other": 2}


def reading(intent: str = "report", category: str = "water_leak", emergency: float = 0.0,
            intent_p: float = 0.9, category_p: float = 0.9) -> Reading:  # fmt: skip
    return Reading(intent, intent_p, category, category_p, emergency)


def test_the_model_reads_what_happened_not_whom_it_is_addressed_to() -> None:
    assert model_text("@loudao_bot 3号楼２单元 401 漏水了！") == "0号楼0单元 0 漏水了!"


def test_the_shipped_model_is_what_the_training_files_give() -> None:
    pytest.importorskip("sklearn")
    warnings.filterwarnings("ignore", category=UserWarning)
    args = argparse.Namespace(files=[], corrections=[], out=None, check=True)
    assert train(args, Settings()) == 0
    assert not set(HELD_OUT) & set(TRAINING_SETS)


def test_a_held_out_round_is_refused_for_training(tmp_path: object) -> None:
    from pathlib import Path

    args = argparse.Namespace(files=[Path("tests/data") / HELD_OUT[0]], corrections=[],
                              out=Path(str(tmp_path)) / "m.json", check=False)  # fmt: skip
    assert train(args, Settings()) == 2


def test_plain_python_inference_agrees_with_scikit_learn() -> None:
    sklearn = pytest.importorskip("sklearn")
    del sklearn
    from bot.domain.intake.model import model_from_json
    from bot.intake_files import load_labelled
    from bot.training.intake_model import train as fit

    warnings.filterwarnings("ignore", category=UserWarning)
    messages = list(load_labelled("tests/data/intake_messages.yaml"))
    model = model_from_json(fit(messages))
    assert model.read("着火了！5号楼2单元三楼冒烟了").emergency_p > 0.5
    assert model.read("请问物业费怎么交").intent == "question"


def test_an_obvious_emergency_and_an_ordinary_question_are_read_as_such() -> None:
    model = intake_model()
    assert model is not None
    assert model.read("楼道里全是烟，好像谁家着火了").emergency_p > 0.6
    assert model.read("物业费一年多少钱").intent == "question"


def test_the_rules_stand_unless_the_model_is_sure() -> None:
    rules = RulesAnswer("report", "water_leak", 2)
    unsure = reading(category="drainage", category_p=0.15)
    assert blend(rules, unsure, USUAL).category == "water_leak"
    sure = reading(category="drainage", category_p=0.8)
    assert blend(rules, sure, USUAL).category == "drainage"
    nothing = RulesAnswer("report", "other", 2)
    assert (
        blend(nothing, reading(category="drainage", category_p=0.35), USUAL).category == "drainage"
    )


def test_an_emergency_counts_when_either_says_so() -> None:
    calm = RulesAnswer("report", "water_leak", 2)
    assert blend(calm, reading(emergency=0.7), USUAL).level == 1
    assert blend(calm, reading(emergency=0.3), USUAL).level == 2
    alarm = RulesAnswer("report", "fire_safety", 1)
    assert blend(alarm, reading(category="fire_safety", emergency=0.35), USUAL).level == 1
    # the model overrules a rules alarm only when it is fairly sure there is none: below 0.3,
    # chosen by cross-validation on rounds 14-17 (bot/domain/intake/blend.py says how)
    assert blend(alarm, reading(category="fire_safety", emergency=0.2), USUAL).level == 2
    assert BlendPolicy().veto <= 0.3


def test_an_alarm_word_is_never_talked_down_to_chit_chat() -> None:
    help_ = RulesAnswer("report", "other", 1)  # 救命啊
    chit_chat = reading(intent="other", intent_p=0.95, category="other", emergency=0.5)
    assert blend(help_, chit_chat, USUAL) == Blended("report", "other", 1, "rules")


def test_a_question_or_a_notice_the_model_reads_as_urgent_is_not_an_emergency() -> None:
    calm = RulesAnswer("question", "fire_safety", 2)
    asked = reading(intent="question", category="fire_safety", emergency=0.9)
    assert blend(calm, asked, USUAL).level == 2
    notice = reading(intent="other", category="other", emergency=0.9)
    assert blend(RulesAnswer("other", "other", 2), notice, USUAL).category == "other"


def test_a_message_nobody_addressed_is_an_emergency_only_on_an_alarm_or_near_certainty() -> None:
    from bot.domain.intake.classify import classify
    from bot.intake_files import load_rules

    rules = load_rules()
    assert not classify("我在楼下等着", rules).urgent_enough_unasked  # the model alone: 0.6
    assert classify("救命啊", rules).urgent_enough_unasked
    assert classify("电梯里有人被困了", rules).urgent_enough_unasked


def test_a_complex_case_keeps_its_level() -> None:
    rules = RulesAnswer("report", "group_rental", 3)
    assert blend(rules, reading(category="group_rental"), USUAL).level == 3
