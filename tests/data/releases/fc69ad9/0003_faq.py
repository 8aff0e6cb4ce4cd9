"""faq: knowledge-base entries, revisions, cool-downs, unanswered questions

Revision ID: 0003
Revises: 0001
Create Date: 2026-11-23 10:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import storage.types

revision: str = "0003"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = ("faq",)
depends_on: str | Sequence[str] | None = None

BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "faq_bases",
        sa.Column("community_id", BIG_ID, autoincrement=False, nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("source_file", sa.String(length=512), nullable=True),
        sa.Column("source_hash", sa.String(length=64), nullable=True),
        sa.Column("updated_at", storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["community_id"],
            ["communities.id"],
            name=op.f("fk_faq_bases_community_id_communities"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("community_id", name=op.f("pk_faq_bases")),
    )
    op.create_table(
        "faq_entries",
        sa.Column("id", BIG_ID, autoincrement=True, nullable=False),
        sa.Column("community_id", BIG_ID, nullable=False),
        sa.Column("entry_id", sa.String(length=64), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.Column("updated_at", storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_by", sa.BigInteger(), nullable=True),
        sa.ForeignKeyConstraint(
            ["community_id"],
            ["communities.id"],
            name=op.f("fk_faq_entries_community_id_communities"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_faq_entries")),
        sa.UniqueConstraint(
            "community_id", "entry_id", name=op.f("uq_faq_entries_community_id_entry_id")
        ),
    )
    op.create_table(
        "faq_cooldowns",
        sa.Column("chat_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("entry_id", sa.String(length=64), nullable=False),
        sa.Column("answered_at", storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("update_id", sa.BigInteger(), nullable=True),
        sa.PrimaryKeyConstraint("chat_id", "entry_id", name=op.f("pk_faq_cooldowns")),
    )
    op.create_table(
        "faq_gaps",
        sa.Column("id", BIG_ID, autoincrement=True, nullable=False),
        sa.Column("community_id", BIG_ID, nullable=False),
        sa.Column("key", sa.String(length=191), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.Column("first_at", storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("last_at", storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("last_update_id", sa.BigInteger(), nullable=True),
        sa.ForeignKeyConstraint(
            ["community_id"],
            ["communities.id"],
            name=op.f("fk_faq_gaps_community_id_communities"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_faq_gaps")),
        sa.UniqueConstraint("community_id", "key", name=op.f("uq_faq_gaps_community_id_key")),
    )
    with op.batch_alter_table("faq_gaps", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_faq_gaps_last_at"), ["last_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("faq_gaps", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_faq_gaps_last_at"))
    op.drop_table("faq_gaps")
    op.drop_table("faq_cooldowns")
    op.drop_table("faq_entries")
    op.drop_table("faq_bases")
