"""A ticket's audit events read as history lines: staff by name, a resident as 居民, the
system as 系统, and what happened with the codes and names its words need."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.domain.records import AuditEntry, AuditRecord
from bot.domain.tickets.history import Actor, read_history

T0 = datetime(2026, 12, 1, 1, 2, tzinfo=UTC)
STAFF = {9003: "王师傅", 9001: "王主任"}
KEYS = {"wang": "王师傅", "li": "李经理"}


def entry(minutes: int, action: str, actor: int | None = None, **details: object) -> AuditEntry:
    record = AuditRecord(
        action=action, subject="ticket:A-0042", actor_telegram_id=actor, details=dict(details)
    )
    return AuditEntry(T0 + timedelta(minutes=minutes), record)


def test_who_is_staff_by_name_a_resident_or_the_system() -> None:
    lines = read_history(
        [
            entry(0, "ticket.opened", 201, category="lighting", level=2, source="mention"),
            entry(1, "ticket.assign"),
            entry(2, "ticket.accept", 9003),
        ],
        STAFF,
        KEYS,
    )
    assert [(x.actor, x.actor_name, x.event) for x in lines] == [
        (Actor.RESIDENT, "", "opened"),
        (Actor.SYSTEM, "", "assign"),
        (Actor.STAFF, "王师傅", "accept"),
    ]
    assert lines[0].params == {"category": "lighting", "level": 2}
    assert [x.at for x in lines] == [T0, T0 + timedelta(minutes=1), T0 + timedelta(minutes=2)]


def test_escalations_and_handovers_name_the_staff_member_by_key() -> None:
    lines = read_history(
        [
            entry(5, "ticket.escalated", step=1, to="li", reason="accept"),
            entry(6, "ticket.escalation_failed", step=2, to="gone", tries=3),
            entry(7, "duty.handover", **{"from": "wang", "to": "li"}),
            entry(8, "ticket.followed_up", 9003),
        ],
        STAFF,
        KEYS,
    )
    assert [(x.event, x.params) for x in lines] == [
        ("escalated", {"to": "李经理"}),
        ("escalation_failed", {"to": "gone"}),  # no longer in the registry: its key
        ("handover", {"to": "李经理"}),
        ("followed_up", {}),
    ]


def test_a_correction_names_the_new_level_and_category_and_unknown_actions_their_code() -> None:
    lines = read_history(
        [
            entry(0, "ticket.corrected", 9001, **{"from": {"level": 2, "category": "lighting"},
                                                   "to": {"level": 1, "category": "power"}}),
            entry(1, "ticket.photographed", 9001),
        ],
        STAFF,
        KEYS,
    )  # fmt: skip
    assert (lines[0].event, lines[0].params) == ("corrected", {"category": "power", "level": 1})
    assert (lines[1].event, lines[1].params) == ("other", {"action": "ticket.photographed"})
