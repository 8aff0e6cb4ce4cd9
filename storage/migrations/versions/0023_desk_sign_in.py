"""desk sign-in: one-time links and sessions of the web desk; a ticket's audit timeline index

Only hashes of the link and session tokens are stored. The audit log gets an index on
(community_id, subject, id) so a ticket's timeline is read without scanning the log (the same
as 0023_audit_history's of the /audit work, merged in parallel), and tickets one on
(community_id, id) for the desk's list, newest first a page at a time.

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-01 23:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import storage.types

revision: str = "0023"
down_revision: str | None = "0022"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
_AT = storage.types.UTCDateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "desk_links",
        sa.Column("id", _ID, nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("telegram_id", sa.BigInteger(), nullable=False),
        sa.Column("community_id", sa.BigInteger(), nullable=False),
        sa.Column("locale", sa.String(length=8), nullable=False),
        sa.Column("created_at", _AT, nullable=False),
        sa.Column("expires_at", _AT, nullable=False),
        sa.Column("used_at", _AT, nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_desk_links")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_desk_links_token_hash")),
    )
    op.create_table(
        "desk_sessions",
        sa.Column("id", _ID, nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("telegram_id", sa.BigInteger(), nullable=False),
        sa.Column("community_id", sa.BigInteger(), nullable=False),
        sa.Column("locale", sa.String(length=8), nullable=False),
        sa.Column("created_at", _AT, nullable=False),
        sa.Column("seen_at", _AT, nullable=False),
        sa.Column("ended_at", _AT, nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_desk_sessions")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_desk_sessions_token_hash")),
    )
    # the same index as main's 0023_audit_history (one ticket's history): when both are
    # merged, that migration creates it and these two lines (and the drop below) go
    op.create_index(
        "ix_audit_log_subject", "audit_log", ["community_id", "subject", "id"], unique=False
    )
    op.create_index("ix_tickets_community_id", "tickets", ["community_id", "id"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_tickets_community_id", table_name="tickets")
    op.drop_index("ix_audit_log_subject", table_name="audit_log")
    op.drop_table("desk_sessions")
    op.drop_table("desk_links")
