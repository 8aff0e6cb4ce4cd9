"""A report as tables: the sheets of the XLSX file, the sections of the CSV one.

Every header is Chinese with its English beside it (「办结率 Closure rate」); every name and
definition comes from the catalogues (bot/texts/*/report.yaml), written once.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from zoneinfo import ZoneInfo

from bot import i18n
from bot.domain.kpi import DeadlineFigures, KpiFigures, Ratio
from bot.services.kpi.report import Breakdown, BreakdownRow, Report
from bot.services.tickets.cards import Looks


@dataclass(frozen=True)
class Share:
    """A rate: shown as a percentage (a number formatted as % in XLSX); None: nothing to divide."""

    value: float | None


Cell = str | int | float | Share | None


@dataclass(frozen=True)
class Table:
    title: str
    header: tuple[str, ...]
    rows: list[tuple[Cell, ...]]
    preface: list[tuple[str, str]] = field(default_factory=list)  # (what, value) above it


def both(key: str, **params: object) -> str:
    """「中文 English」 for one catalogue key."""
    return f"{i18n.t('zh_CN', key, **params)} {i18n.t('en', key, **params)}"


def figure_name(key: str) -> str:
    return both(f"report.figure.{key}.name")


# The Summary sheet: (figure, its value) in the order shown. A Ratio is a rate.
SUMMARY: tuple[tuple[str, Callable[[KpiFigures], int | Ratio]], ...] = (
    ("opened", lambda k: k.opened),
    ("handled", lambda k: k.handled),
    ("resolved_waiting", lambda k: k.resolved_waiting),
    ("closed", lambda k: k.closed),
    ("confirmed", lambda k: k.confirmed),
    ("closure_rate", lambda k: k.closure_rate),
    ("confirmed_rate", lambda k: k.confirmed_rate),
    ("verdicts_given", lambda k: sum(k.verdicts.values())),
    ("satisfied", lambda k: k.verdicts.get("satisfied", 0)),
    ("mostly", lambda k: k.verdicts.get("mostly", 0)),
    ("not_solved", lambda k: k.verdicts.get("not_solved", 0)),
    ("satisfaction", lambda k: k.satisfaction),
    ("withdrawn", lambda k: k.withdrawn),
    ("referred", lambda k: k.referred),
    ("reopened", lambda k: k.reopened),
    ("reopenings", lambda k: k.reopenings),
    ("merged", lambda k: k.merged),
    ("me_too", lambda k: k.me_too),
    ("open_now", lambda k: k.open_now),
    ("overdue_now", lambda k: len(k.overdue_now)),
    ("faq_direct", lambda k: k.faq.direct),
    ("faq_menu", lambda k: k.faq.menu),
    ("faq_chosen", lambda k: k.faq.chosen),
    ("faq_unanswered", lambda k: k.faq.unanswered),
    ("faq_unasked", lambda k: k.faq.unasked),
    ("notice_times", lambda k: k.notices.occurrences),
    ("deliveries", lambda k: k.notices.deliveries),
    ("delivered", lambda k: k.notices.sent),
    ("not_delivered", lambda k: k.notices.failed),
)
# A breakdown's columns: the main figures of each building, grid …
BREAKDOWN = (
    "opened", "handled", "closed", "closure_rate", "confirmed_rate", "satisfaction", "reopened",
    "referred", "merged", "me_too", "open_now", "overdue_now",
)  # fmt: skip
DEADLINE_COLUMNS = ("met", "missed", "pending", "on_time", "p50", "p90")
HOT_COLUMNS = ("hot_spot", "period_before", "change")
# every figure the Definitions sheet explains, in its order
DEFINED = (*(key for key, _ in SUMMARY), *DEADLINE_COLUMNS, *HOT_COLUMNS)
_VALUES = dict(SUMMARY)


def _cell(value: int | Ratio) -> Cell:
    return Share(value.share) if isinstance(value, Ratio) else value


def _hours(taken: timedelta | None) -> float | None:
    return None if taken is None else round(taken.total_seconds() / 3600, 1)


def preface(report: Report) -> list[tuple[str, str]]:
    """Which community, which period, counted when (in the community's time)."""
    local = report.now.astimezone(ZoneInfo(report.community.timezone))
    p = report.period
    return [
        (both("report.meta.community"), f"{report.community.name} ({report.community.code})"),
        (both("report.meta.period"), f"{p.first.isoformat()} ~ {p.last.isoformat()}"),
        (both("report.meta.counted_at"), f"{local:%Y-%m-%d %H:%M} ({report.community.timezone})"),
    ]


def summary(report: Report) -> Table:
    rows: list[tuple[Cell, ...]] = []
    for key, value_of in SUMMARY:
        value = value_of(report.whole)
        if isinstance(value, Ratio):
            rows.append((figure_name(key), Share(value.share), value.part, value.whole))
        else:
            rows.append((figure_name(key), value, None, None))
    header = tuple(both(f"report.column.{c}") for c in ("figure", "value", "part", "whole"))
    return Table(both("report.sheet.summary"), header, rows, preface(report))


def _deadline_row(row: DeadlineFigures, working: bool) -> tuple[Cell, ...]:
    return (
        both(f"kpi.level.{row.level}"),
        both(f"report.deadline.{row.name}"),
        row.met,
        row.missed,
        row.pending,
        Share(row.on_time.share),
        _hours(row.p50),
        _hours(row.p90),
        both(f"report.time.{'working' if working else 'calendar'}"),
    )


def deadlines(report: Report) -> Table:
    header = (
        both("report.column.level"),
        both("report.column.deadline"),
        *(figure_name(c) for c in DEADLINE_COLUMNS),
        both("report.column.counted_in"),
    )
    rows = [_deadline_row(d, (d.level, d.name) in report.working) for d in report.whole.deadlines]
    return Table(both("report.sheet.deadlines"), header, rows, preface(report))


def _label(by: str, row: BreakdownRow) -> str:
    if by == "category":
        return f"{Looks.category('zh_CN', row.value)} {Looks.category('en', row.value)}"
    if by == "level":
        return both(f"kpi.level.{row.value}")
    if by == "staff":
        return row.label or f"#{row.value}"
    return row.value


def breakdown(report: Report, part: Breakdown) -> Table:
    header = (both(f"report.column.{part.by}"), *(figure_name(c) for c in BREAKDOWN))
    rows = [
        (_label(part.by, row), *(_cell(_VALUES[c](row.figures)) for c in BREAKDOWN))
        for row in part.rows
    ]
    return Table(both(f"report.sheet.by.{part.by}"), header, rows, preface(report))


def hot_spots(report: Report) -> Table:
    header = (
        both("report.column.kind"),
        both("report.column.name"),
        figure_name("opened"),
        figure_name("period_before"),
        figure_name("change"),
    )
    rows: list[tuple[Cell, ...]] = []
    for spot in report.whole.top_categories:
        name = f"{Looks.category('zh_CN', spot.name)} {Looks.category('en', spot.name)}"
        rows.append((both("report.hot.category"), name, spot.count, spot.previous, spot.change))
    for spot in report.whole.top_buildings:
        rows.append((both("report.hot.building"), spot.name, spot.count, spot.previous,
                     spot.change))  # fmt: skip
    return Table(both("report.sheet.hot_spots"), header, rows, preface(report))


def definitions(keys: Sequence[str] = DEFINED) -> Table:
    header = (
        both("report.column.figure"),
        i18n.t("zh_CN", "report.column.definition"),
        i18n.t("en", "report.column.definition"),
    )
    rows: list[tuple[Cell, ...]] = [
        (
            figure_name(key),
            i18n.t("zh_CN", f"report.figure.{key}.means"),
            i18n.t("en", f"report.figure.{key}.means"),
        )
        for key in keys
    ]
    return Table(both("report.sheet.definitions"), header, rows)


def workbook_tables(report: Report) -> list[Table]:
    """The XLSX file's sheets, in order."""
    return [
        summary(report),
        deadlines(report),
        *(breakdown(report, part) for part in report.breakdowns),
        hot_spots(report),
        definitions(),
    ]


def csv_tables(report: Report) -> list[Table]:
    """The CSV file's sections: the summary, and each breakdown asked for."""
    return [summary(report), *(breakdown(report, part) for part in report.breakdowns)]
