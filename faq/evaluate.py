"""Evaluate the matcher on labelled questions: top-1, precision, abstention, latency."""

from __future__ import annotations

import random
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from pydantic import Field

from bot.yamlio import StrictModel, load_model
from faq.kb import FaqEntry, Scope
from faq.matcher import FaqMatcher, MatchResult


class EvalCase(StrictModel):
    """One labelled question: the entry it should find, or None when nothing should match."""

    q: str = Field(min_length=1)
    id: str | None
    building: str | None = None


class EvalSet(StrictModel):
    """A labelled evaluation file: the day it is asked on, and the cases."""

    today: date
    cases: list[EvalCase] = Field(min_length=1)


def load_eval_set(path: str | Path) -> EvalSet:
    """Read a labelled evaluation file."""
    return load_model(path, EvalSet)


@dataclass
class Miss:
    """A case the matcher got wrong."""

    case: EvalCase
    result: MatchResult


@dataclass
class EvalReport:
    """Figures over one evaluation set."""

    positives: int = 0
    negatives: int = 0
    top1_correct: int = 0
    answered: int = 0
    answered_correct: int = 0
    abstained_correct: int = 0
    latencies_ms: list[float] = field(default_factory=list)
    misses: list[Miss] = field(default_factory=list)

    @property
    def top1(self) -> float:
        """Share of answerable questions whose answer or first suggestion is right."""
        return self.top1_correct / self.positives if self.positives else 1.0

    @property
    def answer_precision(self) -> float:
        """Share of direct answers (over all cases) that were the right entry."""
        return self.answered_correct / self.answered if self.answered else 1.0

    @property
    def abstention(self) -> float:
        """Share of must-not-match questions where the matcher answered nothing at all."""
        return self.abstained_correct / self.negatives if self.negatives else 1.0


def evaluate(matcher: FaqMatcher, cases: Sequence[EvalCase], today: date) -> EvalReport:
    """Run every case through the matcher (as a question addressed to the bot)."""
    report = EvalReport()
    for case in cases:
        start = time.perf_counter()
        result = matcher.match(case.q, building=case.building, today=today)
        report.latencies_ms.append((time.perf_counter() - start) * 1000)
        first = result.best.id if result.best is not None else None
        if first is None and result.candidates:
            first = result.candidates[0].entry_id
        if result.decision == "answer":
            report.answered += 1
            report.answered_correct += int(first == case.id)
        if case.id is None:
            report.negatives += 1
            ok = result.decision == "none"
            report.abstained_correct += int(ok)
        else:
            report.positives += 1
            ok = first == case.id
            report.top1_correct += int(ok)
        if not ok:
            report.misses.append(Miss(case, result))
    return report


# Building blocks for a synthetic knowledge base: places × things × facets, phrased variously.
_PLACES = (
    "东门",
    "西门",
    "南门",
    "北门",
    "1号楼",
    "2号楼",
    "3号楼",
    "5号楼",
    "6号楼",
    "8号楼",
    "65号楼",
    "171号楼",
    "地下车库",
    "睦邻中心",
    "中心花园",
    "儿童乐园",
    "健身步道",
    "篮球场",
    "老年活动室",
    "物业楼",
    "会所",
    "自行车棚",
    "垃圾房",
    "门岗",
    "地面停车场",
    "架空层",
    "屋顶平台",
    "小广场",
)
_THINGS = (
    "自行车",
    "婴儿车",
    "共享单车",
    "轮椅",
    "晾衣架",
    "健身器材",
    "乒乓球台",
    "图书角",
    "充电宝",
    "雨伞",
    "信报箱",
    "公告栏",
    "读报栏",
    "医药箱",
    "血压计",
    "AED除颤仪",
    "储物柜",
    "寄存柜",
    "洗衣机",
    "饮水机",
    "自动售货机",
    "报刊亭",
    "花坛",
    "鱼池",
    "凉亭",
    "长椅",
    "路灯",
    "监控",
    "道闸",
    "门铃",
    "对讲机",
    "信箱钥匙",
    "车位锁",
    "地锁",
    "遮阳棚",
    "雨棚",
    "防盗窗",
    "晾衣杆",
    "太阳能热水器",
    "广告牌",
    "宣传栏",
    "志愿者",
    "保洁员",
    "保安",
    "网格员",
    "楼组长",
    "社工",
    "快递员",
    "家政",
    "保姆",
    "月嫂",
    "钟点工",
    "水果店",
    "理发店",
    "裁缝",
    "修鞋摊",
    "早餐车",
    "菜鸟驿站",
    "社区食堂",
    "托育点",
    "四点半课堂",
    "老年大学",
    "书法班",
    "合唱团",
    "太极拳队",
    "舞蹈队",
    "读书会",
    "义诊",
    "理发义剪",
    "磨刀",
    "修伞",
    "配钥匙",
    "家电维修",
    "法律咨询",
    "心理咨询",
    "反诈宣传",
    "防汛沙袋",
    "应急物资",
    "消防演练",
    "安全检查",
    "燃气检查",
    "垃圾箱房",
)
_FACETS = (
    ("在哪里", ["{p}的{t}在哪里", "{t}放在哪", "哪里能找到{t}"]),
    ("开放时间", ["{p}{t}几点开放", "{t}什么时候能用", "{t}开放时间"]),
    ("收费", ["{t}收费吗", "{p}{t}多少钱", "用{t}要钱吗"]),
    ("怎么申请", ["{t}怎么申请", "想用{t}找谁办", "{t}要登记吗"]),
    ("联系谁", ["{t}联系谁", "{t}的电话多少", "{t}坏了找谁"]),
    ("规定", ["{t}有什么规定", "{p}能不能放{t}", "{t}的使用规则"]),
)


def synthetic_entries(count: int, seed: int = 2026) -> list[FaqEntry]:
    """Generate `count` varied FAQ entries deterministically (for benchmarks and scale tests)."""
    rng = random.Random(seed)
    combos = [(p, t, f) for p in _PLACES for t in _THINGS for f in range(len(_FACETS))]
    rng.shuffle(combos)
    entries: list[FaqEntry] = []
    for index, (place, thing, facet) in enumerate(combos[:count]):
        name, templates = _FACETS[facet]
        questions = [tpl.format(p=place, t=thing) for tpl in templates]
        rng.shuffle(questions)
        questions = questions[: rng.randint(2, 3)]
        answer = f"{place}的{thing}（{name}）：请咨询物业服务中心，电话 021-5555-0100。"
        building = place.removesuffix("号楼") if place.endswith("号楼") else None
        entries.append(
            FaqEntry(
                id=f"syn-{index:05d}",
                questions=tuple(questions),
                answer=answer,
                keywords=(thing,) if rng.random() < 0.5 else (),
                tags=("synthetic",),
                scope=Scope(buildings=(building,)) if building and rng.random() < 0.3 else None,
            )
        )
    return entries
