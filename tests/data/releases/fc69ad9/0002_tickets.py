"""tickets: tickets, counters, followers, notes, photos, staff prompts, usernames, report drafts

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23 09:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import storage.types

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = ("tickets",)
depends_on: str | Sequence[str] | None = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def _when(name: str, nullable: bool = True) -> sa.Column:  # type: ignore[type-arg]
    return sa.Column(name, storage.types.UTCDateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "ticket_counters",
        sa.Column("community_id", ID, autoincrement=False, nullable=False),
        sa.Column("last_seq", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["community_id"],
            ["communities.id"],
            name=op.f("fk_ticket_counters_community_id_communities"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("community_id", name=op.f("pk_ticket_counters")),
    )
    op.create_table(
        "tickets",
        sa.Column("id", ID, autoincrement=True, nullable=False),
        sa.Column("community_id", ID, nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("number", sa.String(length=24), nullable=False),
        sa.Column("source_key", sa.String(length=64), nullable=False),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("category", sa.String(length=32), nullable=False),
        sa.Column("level", sa.Integer(), nullable=False),
        sa.Column("building", sa.String(length=16), nullable=True),
        sa.Column("unit", sa.String(length=16), nullable=True),
        sa.Column("room", sa.String(length=16), nullable=True),
        sa.Column("phone", sa.String(length=32), nullable=True),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("chat_id", sa.BigInteger(), nullable=False),
        sa.Column("message_id", sa.BigInteger(), nullable=True),
        sa.Column("reporter_id", sa.BigInteger(), nullable=False),
        sa.Column("reporter_name", sa.String(length=128), nullable=False),
        sa.Column("on_behalf_by", sa.BigInteger(), nullable=True),
        sa.Column("assignee_id", sa.BigInteger(), nullable=True),
        sa.Column("assignee_name", sa.String(length=64), nullable=True),
        sa.Column("card_outbox_id", sa.BigInteger(), nullable=True),
        sa.Column("card_version", sa.Integer(), nullable=False),
        sa.Column("verdict_outbox_id", sa.BigInteger(), nullable=True),
        _when("respond_by"),
        _when("due_at"),
        _when("verdict_due_at"),
        _when("resolved_at"),
        _when("closed_at"),
        sa.Column("closure", sa.String(length=16), nullable=True),
        sa.Column("verdict", sa.String(length=16), nullable=True),
        sa.Column("referred_to", sa.String(length=64), nullable=True),
        sa.Column("cancel_reason", sa.String(length=255), nullable=True),
        sa.Column("merged_into_id", sa.BigInteger(), nullable=True),
        sa.Column("last_note", sa.Text(), nullable=True),
        _when("created_at", nullable=False),
        _when("updated_at", nullable=False),
        sa.ForeignKeyConstraint(
            ["community_id"],
            ["communities.id"],
            name=op.f("fk_tickets_community_id_communities"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tickets")),
        sa.UniqueConstraint("community_id", "seq", name=op.f("uq_tickets_community_id_seq")),
        sa.UniqueConstraint("source_key", name=op.f("uq_tickets_source_key")),
    )
    with op.batch_alter_table("tickets", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_tickets_number"), ["number"], unique=False)
        batch_op.create_index(batch_op.f("ix_tickets_reporter_id"), ["reporter_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_tickets_assignee_id"), ["assignee_id"], unique=False)
        batch_op.create_index(
            "ix_tickets_open_match", ["community_id", "building", "category", "status"]
        )
        batch_op.create_index("ix_tickets_verdict_due", ["status", "verdict_due_at"])
    op.create_table(
        "ticket_followers",
        sa.Column("id", ID, autoincrement=True, nullable=False),
        sa.Column("ticket_id", ID, nullable=False),
        sa.Column("telegram_id", sa.BigInteger(), nullable=False),
        sa.Column("chat_id", sa.BigInteger(), nullable=True),
        sa.Column("message_id", sa.BigInteger(), nullable=True),
        sa.Column("via_ticket_id", sa.BigInteger(), nullable=True),
        _when("created_at", nullable=False),
        sa.ForeignKeyConstraint(
            ["ticket_id"],
            ["tickets.id"],
            name=op.f("fk_ticket_followers_ticket_id_tickets"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ticket_followers")),
        sa.UniqueConstraint(
            "ticket_id", "telegram_id", name=op.f("uq_ticket_followers_ticket_id_telegram_id")
        ),
    )
    with op.batch_alter_table("ticket_followers", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_ticket_followers_telegram_id"), ["telegram_id"], unique=False
        )
    op.create_table(
        "ticket_notes",
        sa.Column("id", ID, autoincrement=True, nullable=False),
        sa.Column("ticket_id", ID, nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("author_id", sa.BigInteger(), nullable=True),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("photo_file_id", sa.String(length=255), nullable=True),
        sa.Column("update_id", sa.BigInteger(), nullable=True),
        _when("created_at", nullable=False),
        sa.ForeignKeyConstraint(
            ["ticket_id"],
            ["tickets.id"],
            name=op.f("fk_ticket_notes_ticket_id_tickets"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ticket_notes")),
        sa.UniqueConstraint("update_id", name=op.f("uq_ticket_notes_update_id")),
    )
    with op.batch_alter_table("ticket_notes", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_ticket_notes_ticket_id"), ["ticket_id"], unique=False)
    op.create_table(
        "ticket_photos",
        sa.Column("id", ID, autoincrement=True, nullable=False),
        sa.Column("ticket_id", ID, nullable=False),
        sa.Column("file_id", sa.String(length=255), nullable=False),
        sa.Column("added_by", sa.BigInteger(), nullable=True),
        _when("created_at", nullable=False),
        sa.ForeignKeyConstraint(
            ["ticket_id"],
            ["tickets.id"],
            name=op.f("fk_ticket_photos_ticket_id_tickets"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ticket_photos")),
        sa.UniqueConstraint(
            "ticket_id", "file_id", name=op.f("uq_ticket_photos_ticket_id_file_id")
        ),
    )
    op.create_table(
        "ticket_prompts",
        sa.Column("outbox_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("ticket_id", ID, nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("telegram_id", sa.BigInteger(), nullable=False),
        sa.Column("chat_id", sa.BigInteger(), nullable=False),
        sa.Column("answered", sa.Boolean(), nullable=False),
        _when("created_at", nullable=False),
        sa.ForeignKeyConstraint(
            ["ticket_id"],
            ["tickets.id"],
            name=op.f("fk_ticket_prompts_ticket_id_tickets"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("outbox_id", name=op.f("pk_ticket_prompts")),
    )
    with op.batch_alter_table("ticket_prompts", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_ticket_prompts_telegram_id"), ["telegram_id"], unique=False
        )
    op.create_table(
        "known_usernames",
        sa.Column("telegram_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("username", sa.String(length=64), nullable=False),
        _when("updated_at", nullable=False),
        sa.PrimaryKeyConstraint("telegram_id", name=op.f("pk_known_usernames")),
    )
    with op.batch_alter_table("known_usernames", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_known_usernames_username"), ["username"], unique=False
        )
    op.create_table(
        "report_drafts",
        sa.Column("chat_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("telegram_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("community_id", sa.BigInteger(), nullable=False),
        sa.Column("step", sa.String(length=16), nullable=False),
        sa.Column("data", sa.JSON(), nullable=False),
        _when("updated_at", nullable=False),
        _when("expires_at", nullable=False),
        sa.PrimaryKeyConstraint("chat_id", "telegram_id", name=op.f("pk_report_drafts")),
    )


def downgrade() -> None:
    op.drop_table("report_drafts")
    with op.batch_alter_table("known_usernames", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_known_usernames_username"))
    op.drop_table("known_usernames")
    with op.batch_alter_table("ticket_prompts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_ticket_prompts_telegram_id"))
    op.drop_table("ticket_prompts")
    op.drop_table("ticket_photos")
    with op.batch_alter_table("ticket_notes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_ticket_notes_ticket_id"))
    op.drop_table("ticket_notes")
    with op.batch_alter_table("ticket_followers", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_ticket_followers_telegram_id"))
    op.drop_table("ticket_followers")
    with op.batch_alter_table("tickets", schema=None) as batch_op:
        batch_op.drop_index("ix_tickets_verdict_due")
        batch_op.drop_index("ix_tickets_open_match")
        batch_op.drop_index(batch_op.f("ix_tickets_assignee_id"))
        batch_op.drop_index(batch_op.f("ix_tickets_reporter_id"))
        batch_op.drop_index(batch_op.f("ix_tickets_number"))
    op.drop_table("tickets")
    op.drop_table("ticket_counters")
