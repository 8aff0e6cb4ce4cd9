"""Which columns can hold personal data and how retention erases each, and why every other text
or JSON column of the schema holds none.

A new table or column that can hold text or JSON must be added to one of the two lists:
tests/storage/test_storage_retention_coverage.py fails until it is (and checks, on a database
that went through retention, that none of the personal data seeded into it is left).
"""

from __future__ import annotations

#: keys of a stored button's payload that carry what someone wrote or is called
PERSONAL_PAYLOAD_KEYS = ("text", "name", "phone", "room")

_PRIVATE = "LOUDAO_KEEP_PRIVATE_DAYS after the ticket ended"
_MESSAGES = "LOUDAO_KEEP_MESSAGES_DAYS"
_LEFT_OUT = "is left out of the register file (loudao households import)"

#: table → column → how retention (storage/repos_retention.py) erases it
PERSONAL: dict[str, dict[str, str]] = {
    "tickets": {
        "room": f"emptied {_PRIVATE}",
        "phone": f"emptied {_PRIVATE}",
        "reporter_name": f"emptied {_PRIVATE}",
        "text": f"phones and the room scrubbed {_PRIVATE}",
        "last_note": f"phones and the room scrubbed {_PRIVATE}",
        "cancel_reason": f"phones and the room scrubbed {_PRIVATE}",
    },
    "ticket_notes": {
        "text": f"phones and the room scrubbed {_PRIVATE}",
        "photo_file_id": f"emptied {_PRIVATE}",
    },
    "ticket_photos": {"file_id": f"deleted {_PRIVATE}"},
    "ticket_followups": {"note": f"phones and the room scrubbed {_PRIVATE}"},
    "inbox_updates": {"payload": f"handled updates deleted after {_MESSAGES}"},
    "outbox": {
        "payload": f"private messages emptied after {_MESSAGES} (group messages carry none)"
    },
    "button_actions": {
        "payload": f"buttons carrying {', '.join(PERSONAL_PAYLOAD_KEYS)} deleted after {_MESSAGES}"
    },
    "report_drafts": {"data": "deleted when the draft expires"},
    "notice_drafts": {"data": f"deleted when untouched for {_MESSAGES}"},
    "faq_gaps": {
        "key": f"stored without phones and rooms; deleted when not asked for {_MESSAGES}",
        "text": f"stored without phones and rooms; deleted when not asked for {_MESSAGES}",
    },
    "known_usernames": {"username": f"deleted when not renewed for {_MESSAGES}"},
    "roster_overrides": {"note": "emptied LOUDAO_KEEP_PRIVATE_DAYS after the override ended"},
    # The household register is the committee's own record, kept while the household is in
    # it: a household the next `loudao households import` leaves out is deleted at once, with
    # its linked accounts, codes and ballots. It never reaches a group, a log or an export
    # without `--with-personal-data`, which is audited.
    "households": {
        column: f"deleted when the household {_LEFT_OUT}"
        for column in ("building", "unit", "room", "status", "name", "phone")
    },
    # The care list: only with the consent noted in the register file; a household whose
    # entry the next import no longer has (consent withdrawn) leaves it at once.
    # The leaderboard's names: only of those who opted in; deleted when they opt out.
    "points_names": {"name": "deleted when the person sends /points name off"},
    "care_entries": {
        "reason": f"deleted when the household or its care entry {_LEFT_OUT}",
        "note": f"deleted when the household or its care entry {_LEFT_OUT}",
    },
}

_FILE = "the community file's configuration, written by its admin"
_CODES = "codes and states the bot itself writes"

#: table → (why its text and JSON columns hold no personal data, those columns)
NO_PERSONAL_DATA: dict[str, tuple[str, tuple[str, ...]]] = {
    "audit_log": (
        "append-only: ids, actions and counts, never what people wrote (a ticket change "
        "records that a note came with it, not the note)",
        ("action", "subject", "details"),
    ),
    "communities": (_FILE, ("code", "name", "timezone", "locale", "extra")),
    "desk_links": (
        "the web desk's one-time sign-in links of supervisors and admins: a token's hash "
        "and the language of the one who asked",
        ("token_hash", "locale"),
    ),
    "desk_sessions": (
        "the web desk's sessions of supervisors and admins: a token's hash and a language",
        ("token_hash", "locale"),
    ),
    "grids": (_FILE, ("code", "name")),
    "buildings": (_FILE, ("number", "name", "grid_code", "units")),
    "building_aliases": (_FILE, ("alias",)),
    "people": (
        "staff from the community file (their work phone and name are the admin's to keep "
        "and remove from the file); residents are never registered",
        ("key", "name", "join_code", "roles", "skills", "buildings", "grids", "phone", "username"),
    ),
    "chats": (
        "the community's groups as bound by an admin (a stranger's group is never stored)",
        ("title", "coverage_kind", "coverage_ref", "coverage_unit", "status", "source"),
    ),
    "leases": (
        "which process holds the inbox (a lease name and a host:pid holder)",
        ("name", "holder"),
    ),
    "send_pace": ("the name of a shared send limit (`global`) and a time", ("name",)),
    "server_secrets": (
        "a secret the server generated to sign links (no person)",
        ("name", "value"),
    ),
    "calendar_links": (
        "a staff key from the community file and the hash of their calendar link's token",
        ("person_key", "token_digest"),
    ),
    "private_chats": ("Telegram's reason for refusing a private message", ("state", "reason")),
    "inbox_updates": (
        "the error's class name, never its message; the process that claimed it",
        ("status", "error", "claimed_by"),
    ),
    "outbox": (
        _CODES + "; Telegram's error text about a send",
        ("dedup_key", "method", "purpose", "status", "last_error"),
    ),
    "button_actions": (
        _CODES + "; who may press it (ids and roles)",
        ("id", "kind", "subject", "allowed_user_ids", "allowed_roles"),
    ),
    "tickets": (
        _CODES + "; the staff member's name from the community file; the outage and "
        "referral an admin named",
        (
            "number",
            "source_key",
            "source",
            "status",
            "category",
            "building",
            "unit",
            "assignee_name",
            "closure",
            "verdict",
            "referred_to",
            "outage_note",
            "promised",  # deadlines as ISO 8601 times
        ),
    ),
    "ticket_notes": (_CODES, ("kind",)),
    "ticket_prompts": (_CODES, ("kind",)),
    "report_drafts": (_CODES, ("step",)),
    "report_offers": (_CODES + " (the kind of problem offered)", ("topic",)),
    "notice_drafts": (_CODES, ("awaiting", "status")),
    "notices": (
        "notices admins write for whole groups, and their schedules",
        (
            "key",
            "source",
            "template",
            "text",
            "variables",
            "target",
            "schedule",
            "quiet_hours",
            "status",
            "extra",
        ),
    ),
    "notice_deliveries": (_CODES + "; why a delivery failed", ("status", "error")),
    "faq_bases": ("the FAQ file the admin loaded", ("source_file", "source_hash")),
    "faq_entries": ("the knowledge base the admins wrote", ("entry_id", "data")),
    "faq_cooldowns": (_CODES, ("entry_id",)),
    "faq_outcomes": (_CODES + " (what became of a question, never its words)", ("outcome",)),
    "escalations": (
        _CODES + "; the staff member paged, from the community file",
        ("kind", "target_key", "target_name", "reason", "outcome", "last_error"),
    ),
    "roster_overrides": ("staff keys from the community file", ("kind", "staff_key", "by_key")),
    "duty_daily_runs": (_CODES, ("job",)),
    "care_rounds": (
        "which outage started a round of check-on calls (its notice's id, the kind of cut, "
        "the buildings it covers); the households are ids in care_checks",
        ("source_key", "kind", "buildings"),
    ),
    "household_codes": ("a random one-time code, spent once, within 14 days", ("code",)),
    # The points ledger is append-only (like the audit log): its rows hold ids, the rule's
    # key and a short reason – the rule's name, or what a building leader or staff wrote for a
    # reviewed award (the deed, e.g. 清理楼道; the holder is an id, never a room or a name).
    "points_ledger": (
        "the holder's kind and building, the rule, the event's id and the deed's short reason",
        ("holder_kind", "building", "kind", "rule", "event", "reason"),
    ),
    "points_proposals": (
        "a proposed award: the holder's kind and building, the rule and the deed's reason",
        ("holder_kind", "building", "rule", "reason"),
    ),
    "points_shop_items": ("the shop's items an admin put on the shelf", ("name",)),
    "points_activities": (
        "an activity an admin announced to the groups: its title and building",
        ("title", "building"),
    ),
    "points_names": ("the holder's kind (the holder is an id)", ("holder_kind",)),
    "points_redemptions": (
        "a random code for a redeemed item, and the holder's kind (the holder is an id)",
        ("code", "holder_kind"),
    ),
    "consultations": (
        "a question an admin puts to every household in scope, its options, buildings and "
        "rule; the result holds counts only, never which household voted what (ballots hold "
        "ids, kept with the consultation for its publication period and the archive)",
        ("question", "options", "buildings", "voters", "rule", "result"),
    ),
}
