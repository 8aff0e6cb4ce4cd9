"""desk sign-in: one-time links and sessions of the web desk; an index for the desk's list

Only hashes of the link and session tokens are stored. Tickets get an index on
(community_id, id) for the desk's list, newest first a page at a time (a ticket's timeline
reads the audit log through 0023_audit_history's index).

Revision ID: 0027
Revises: 0026
Create Date: 2026-12-01 23:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import storage.types

revision: str = "0027"
down_revision: str | None = "0026"
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
    op.create_index("ix_tickets_community_id", "tickets", ["community_id", "id"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_tickets_community_id", table_name="tickets")
    op.drop_table("desk_sessions")
    op.drop_table("desk_links")
