"""A complex matter's plan: what counts as one, and its dated steps."""

from __future__ import annotations

from datetime import date

from bot.domain.tickets.plan import Milestone, milestones, plan_text


def test_a_reply_that_starts_with_fang_an_is_a_plan() -> None:
    assert plan_text("方案：12月10日前张师傅换水管") == "12月10日前张师傅换水管"
    assert plan_text("处理方案: 先排查") == "先排查"
    assert plan_text("师傅下午到") is None
    assert plan_text("方案：") is None
    assert plan_text("Plan: fix the roof by 12/20") == "fix the roof by 12/20"


def test_each_dated_line_is_a_milestone_in_date_order() -> None:
    plan = "12月20日 前 物业联系施工队；12月10日前张师傅排查漏点\n1月5日 完成外墙修补"
    assert milestones(plan, date(2026, 12, 1)) == [
        Milestone(date(2026, 12, 10), "12月10日前张师傅排查漏点"),
        Milestone(date(2026, 12, 20), "12月20日 前 物业联系施工队"),
        Milestone(date(2027, 1, 5), "1月5日 完成外墙修补"),  # no year: the next 5 January
    ]
    assert milestones("先排查，再定", date(2026, 12, 1)) == []
    one_line = milestones("12月3日前 上门核实 12月10日前 联系房东", date(2026, 12, 1))
    assert [m.what for m in one_line] == ["12月3日前 上门核实", "12月10日前 联系房东"]
    assert milestones("2月30日完成", date(2026, 12, 1)) == []  # not a date
