"""The figures in words for a chat: /stats and the weekly digest (Chinese first).

Only numbers, ticket numbers, categories, buildings and staff names appear: the figures hold
no resident's data, and the question gaps (resident wording, phones and rooms hidden) are shown
only when the reader is an admin.
"""

from __future__ import annotations

from datetime import timedelta

from bot import i18n
from bot.domain.kpi import DeadlineFigures, HotSpot, KpiFigures, Ratio
from bot.services.tickets.cards import Looks

#: at most this many overdue tickets are named; the rest are counted
OVERDUE_NAMED = 10


def share(locale: str, ratio: Ratio) -> str:
    if ratio.share is None:
        return i18n.t(locale, "kpi.share_none")
    percent = round(ratio.share * 100)
    return i18n.t(locale, "kpi.share", percent=percent, part=ratio.part, whole=ratio.whole)


def duration(locale: str, taken: timedelta | None, working: bool = False) -> str:
    """20分钟 · 3.5小时 · 2.1天 (working time always in working hours)."""
    if taken is None:
        return i18n.t(locale, "kpi.duration.none")
    minutes = taken.total_seconds() / 60
    if working:
        return i18n.t(locale, "kpi.duration.working_hours", n=_number(minutes / 60))
    if minutes < 60:
        return i18n.t(locale, "kpi.duration.minutes", n=round(minutes))
    if minutes < 48 * 60:
        return i18n.t(locale, "kpi.duration.hours", n=_number(minutes / 60))
    return i18n.t(locale, "kpi.duration.days", n=_number(minutes / 1440))


def _number(value: float) -> str:
    return f"{value:.1f}".removesuffix(".0")


def _signed(change: int) -> str:
    return f"+{change}" if change > 0 else str(change) if change < 0 else "±0"


def _hot(locale: str, spots: list[HotSpot], building: bool) -> str:
    items = []
    for spot in spots:
        name = (
            i18n.t(locale, "kpi.hot_building", name=spot.name)
            if building
            else Looks.category(locale, spot.name)
        )
        items.append(
            i18n.t(
                locale, "kpi.hot_item", name=name, count=spot.count, change=_signed(spot.change)
            )
        )
    return "、".join(items) if locale == "zh_CN" else ", ".join(items)


def _deadline(locale: str, row: DeadlineFigures, working: bool) -> str:
    text = i18n.t(
        locale,
        "kpi.deadline_row",
        level=i18n.t(locale, f"kpi.level.{row.level}"),
        what=i18n.t(locale, f"duty.reason.{row.name}"),
        kept=share(locale, row.on_time),
        p50=duration(locale, row.p50, working),
        p90=duration(locale, row.p90, working),
    )
    if row.pending:
        text += i18n.t(locale, "kpi.deadline_pending", count=row.pending)
    return text


def ticket_lines(locale: str, kpi: KpiFigures) -> list[str]:
    """Counts, rates, what is open and overdue now."""
    if kpi.opened == 0 and kpi.merged == 0:
        lines = [i18n.t(locale, "kpi.none")]
    else:
        lines = [
            i18n.t(locale, "kpi.opened", opened=kpi.opened, merged=kpi.merged, me_too=kpi.me_too),
            i18n.t(
                locale,
                "kpi.closed",
                closed=kpi.closed,
                rate=share(locale, kpi.closure_rate),
                waiting=kpi.resolved_waiting,
            ),
            i18n.t(
                locale,
                "kpi.confirmed",
                rate=share(locale, kpi.confirmed_rate),
                satisfaction=share(locale, kpi.satisfaction),
            ),
            i18n.t(
                locale,
                "kpi.others",
                reopened=kpi.reopened,
                referred=kpi.referred,
                withdrawn=kpi.withdrawn,
            ),
        ]
    lines.append(i18n.t(locale, "kpi.open_now", open=kpi.open_now, overdue=len(kpi.overdue_now)))
    if kpi.overdue_now:
        named = " ".join(f"#{n}" for n in kpi.overdue_now[:OVERDUE_NAMED])
        rest = len(kpi.overdue_now) - OVERDUE_NAMED
        if rest > 0:
            named += " " + i18n.t(locale, "kpi.overdue_more", count=len(kpi.overdue_now))
        lines.append(i18n.t(locale, "kpi.overdue_list", numbers=named))
    return lines


def render_figures(
    locale: str,
    kpi: KpiFigures,
    title: str,
    working: frozenset[tuple[int, str]] = frozenset(),
    show_gaps: bool = False,
) -> str:
    """The whole report as one message (HTML): `working` names the (level, deadline) pairs
    whose standard is in working units, `show_gaps` adds the unanswered questions (admins)."""
    lines = [title, "", *ticket_lines(locale, kpi)]
    if kpi.deadlines:
        lines += ["", i18n.t(locale, "kpi.deadlines_title")]
        lines += [_deadline(locale, d, (d.level, d.name) in working) for d in kpi.deadlines]
    if kpi.top_categories:
        lines += ["", i18n.t(locale, "kpi.hot_title")]
        lines.append(
            i18n.t(
                locale,
                "kpi.hot_categories",
                items=i18n.Raw(_hot(locale, kpi.top_categories, False)),
            )
        )
        lines.append(
            i18n.t(
                locale, "kpi.hot_buildings", items=i18n.Raw(_hot(locale, kpi.top_buildings, True))
            )
        )
    if kpi.slice.everything:
        lines += ["", *_community_lines(locale, kpi, show_gaps)]
    return "\n".join(lines)


def _community_lines(locale: str, kpi: KpiFigures, show_gaps: bool) -> list[str]:
    """FAQ and notices: figures of the whole community, not of a slice of it."""
    f, n = kpi.faq, kpi.notices
    lines = [
        i18n.t(
            locale,
            "kpi.faq",
            direct=f.direct,
            menu=f.menu,
            chosen=f.chosen,
            unanswered=f.unanswered,
            unasked=f.unasked,
        )
    ]
    if show_gaps and kpi.gaps:
        items = "；".join(f"「{g.text}」×{g.count}" for g in kpi.gaps)
        lines.append(i18n.t(locale, "kpi.gaps", items=items))
    failed = i18n.t(locale, "kpi.notices_failed", failed=n.failed) if n.failed else ""
    lines.append(
        i18n.t(
            locale,
            "kpi.notices",
            occurrences=n.occurrences,
            sent=n.sent,
            deliveries=n.deliveries,
            failed=i18n.Raw(failed),
        )
    )
    return lines
