"""The words of a consultation: its notice, ballot, reminder and result (never a household)."""

from __future__ import annotations

from datetime import datetime
from fractions import Fraction
from zoneinfo import ZoneInfo

from bot import i18n
from bot.domain.households.records import ConsultationRecord
from bot.domain.households.rule import Result, Rule, Share, Threshold


def when(at: datetime, tz: str) -> str:
    return at.astimezone(ZoneInfo(tz)).strftime("%Y-%m-%d %H:%M")


def rule_of(c: ConsultationRecord) -> Rule:
    return Rule.model_validate(c.rule)


def rule_name(c: ConsultationRecord, locale: str) -> str:
    return i18n.t(locale, f"households.rule.{rule_of(c).preset or 'custom'}")


def _threshold(t: Threshold, locale: str) -> str:
    return i18n.t(
        locale, "households.more_than" if t.strict else "households.at_least", share=str(t.share)
    )


def _percent(part: Fraction | int, whole: Fraction | int) -> str:
    return f"{float(Fraction(part) / Fraction(whole)) * 100:.1f}%" if whole else "–"


def _area(value: Fraction) -> str:
    return f"{float(value):.2f}"


def header(c: ConsultationRecord, tz: str, locale: str) -> str:
    """Number, question, options, rule, deadline, ballot: what every message begins with."""
    return i18n.t(
        locale,
        "households.consult.header",
        number=c.id,
        question=c.question,
        options=" / ".join(c.options),
        rule=rule_name(c, locale),
        deadline=when(c.deadline, tz),
        ballot=i18n.t(locale, "households.secret" if c.secret else "households.named"),
        voters=i18n.t(locale, f"households.voters.{c.voters}"),
        scope=(
            i18n.t(locale, "households.scope_buildings", buildings="、".join(c.buildings))
            if c.buildings
            else i18n.t(locale, "households.scope_all")
        ),
    )


def _line(name: str, part: Share, whole: Share, rule: Rule, locale: str) -> str:
    text = i18n.t(
        locale,
        "households.result.line",
        name=name,
        households=part.households,
        of=whole.households,
        share=_percent(part.households, whole.households),
    )
    if rule.by_area:
        text += i18n.t(
            locale,
            "households.result.area",
            area=_area(part.area),
            of=_area(whole.area),
            share=_percent(part.area, whole.area),
        )
    return text


def result_text(c: ConsultationRecord, result: Result, tz: str, locale: str) -> str:
    """The counts against the rule: participation and approval by households and area."""
    rule = rule_of(c)
    lines = [i18n.t(locale, "households.result.title", number=c.id, question=c.question)]
    lines.append(
        _line(i18n.t(locale, "households.result.took_part"), result.voted, result.electorate,
              rule, locale)
        + i18n.t(locale, "households.result.needs", needs=_threshold(rule.participation, locale),
                 met=i18n.t(locale, f"households.result.met.{result.participation_met}"))
    )  # fmt: skip
    for index, (option, share) in enumerate(zip(c.options, result.options, strict=True)):
        line = _line(option, share, result.voted, rule, locale)
        if index == 0:
            line += i18n.t(
                locale, "households.result.needs", needs=_threshold(rule.approval, locale),
                met=i18n.t(locale, f"households.result.met.{result.approval_met}"),
            )  # fmt: skip
        lines.append(line)
    if result.paper:
        lines.append(i18n.t(locale, "households.result.paper", count=result.paper))
    if rule.by_area and result.without_area:
        lines.append(i18n.t(locale, "households.result.no_area", count=result.without_area))
    lines.append(i18n.t(locale, f"households.result.passed.{result.passed}"))
    lines.append(i18n.t(locale, "households.result.publication", closed=when(c.deadline, tz)))
    return "\n".join(lines)


def result_json(result: Result) -> dict[str, object]:
    """What is stored with the closed consultation: counts only (areas as exact fractions)."""

    def share(s: Share) -> dict[str, object]:
        return {"households": s.households, "area": str(s.area)}

    return {
        "electorate": share(result.electorate),
        "voted": share(result.voted),
        "options": [share(s) for s in result.options],
        "paper": result.paper,
        "participation_met": result.participation_met,
        "approval_met": result.approval_met,
        "passed": result.passed,
        "without_area": result.without_area,
        "ignored": result.ignored,
    }
