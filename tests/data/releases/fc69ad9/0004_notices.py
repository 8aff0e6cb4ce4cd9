"""notices: notices, notice_occurrences, notice_deliveries, notice_drafts

Revision ID: 0004
Revises: 0001
Create Date: 2026-11-23 10:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import storage.types

revision: str = "0004"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = ("notices",)
depends_on: str | Sequence[str] | None = None

_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def _when(name: str, nullable: bool) -> sa.Column[object]:
    return sa.Column(name, storage.types.UTCDateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "notices",
        sa.Column("id", _ID, autoincrement=True, nullable=False),
        sa.Column("community_id", _ID, nullable=False),
        sa.Column("key", sa.String(length=80), nullable=True),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("template", sa.String(length=64), nullable=True),
        sa.Column("text", sa.Text(), nullable=True),
        sa.Column("variables", sa.JSON(), nullable=False),
        sa.Column("target", sa.JSON(), nullable=False),
        sa.Column("schedule", sa.JSON(), nullable=False),
        sa.Column("pin", sa.Boolean(), nullable=False),
        sa.Column("quiet_hours", sa.JSON(), nullable=True),
        sa.Column("max_lateness_minutes", sa.Integer(), nullable=True),
        sa.Column("urgent", sa.Boolean(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("author_telegram_id", sa.BigInteger(), nullable=True),
        _when("last_done", True),
        _when("next_due", True),
        sa.Column("extra", sa.JSON(), nullable=False),
        _when("created_at", False),
        _when("updated_at", False),
        sa.ForeignKeyConstraint(
            ["community_id"],
            ["communities.id"],
            name=op.f("fk_notices_community_id_communities"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notices")),
        sa.UniqueConstraint("community_id", "key", name=op.f("uq_notices_community_id_key")),
    )
    op.create_index("ix_notices_due", "notices", ["status", "next_due"], unique=False)
    op.create_table(
        "notice_occurrences",
        sa.Column("id", _ID, autoincrement=True, nullable=False),
        sa.Column("notice_id", _ID, nullable=False),
        _when("occurrence", False),
        sa.Column("total", sa.Integer(), nullable=False),
        sa.Column("sent", sa.Integer(), nullable=False),
        sa.Column("failed", sa.Integer(), nullable=False),
        _when("created_at", False),
        _when("settled_at", True),
        sa.ForeignKeyConstraint(
            ["notice_id"],
            ["notices.id"],
            name=op.f("fk_notice_occurrences_notice_id_notices"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notice_occurrences")),
        sa.UniqueConstraint(
            "notice_id", "occurrence", name=op.f("uq_notice_occurrences_notice_id_occurrence")
        ),
    )
    op.create_index(
        op.f("ix_notice_occurrences_settled_at"),
        "notice_occurrences",
        ["settled_at"],
        unique=False,
    )
    op.create_table(
        "notice_deliveries",
        sa.Column("id", _ID, autoincrement=True, nullable=False),
        sa.Column("notice_id", _ID, nullable=False),
        _when("occurrence", False),
        sa.Column("chat_id", sa.BigInteger(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("outbox_id", sa.BigInteger(), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        _when("created_at", False),
        _when("settled_at", True),
        sa.ForeignKeyConstraint(
            ["notice_id"],
            ["notices.id"],
            name=op.f("fk_notice_deliveries_notice_id_notices"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notice_deliveries")),
        sa.UniqueConstraint(
            "notice_id",
            "occurrence",
            "chat_id",
            name=op.f("uq_notice_deliveries_notice_id_occurrence_chat_id"),
        ),
    )
    op.create_index("ix_notice_deliveries_status", "notice_deliveries", ["status"], unique=False)
    op.create_table(
        "notice_drafts",
        sa.Column("id", _ID, autoincrement=True, nullable=False),
        sa.Column("community_id", _ID, nullable=False),
        sa.Column("author_telegram_id", sa.BigInteger(), nullable=False),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.Column("awaiting", sa.String(length=64), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("origin_update_id", sa.BigInteger(), nullable=False),
        _when("updated_at", False),
        sa.ForeignKeyConstraint(
            ["community_id"],
            ["communities.id"],
            name=op.f("fk_notice_drafts_community_id_communities"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notice_drafts")),
        sa.UniqueConstraint("origin_update_id", name=op.f("uq_notice_drafts_origin_update_id")),
    )
    op.create_index(
        op.f("ix_notice_drafts_author_telegram_id"),
        "notice_drafts",
        ["author_telegram_id"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_notice_drafts_author_telegram_id"), table_name="notice_drafts")
    op.drop_table("notice_drafts")
    op.drop_index("ix_notice_deliveries_status", table_name="notice_deliveries")
    op.drop_table("notice_deliveries")
    op.drop_index(op.f("ix_notice_occurrences_settled_at"), table_name="notice_occurrences")
    op.drop_table("notice_occurrences")
    op.drop_index("ix_notices_due", table_name="notices")
    op.drop_table("notices")
