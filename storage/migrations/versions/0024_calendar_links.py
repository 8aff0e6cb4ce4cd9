"""calendar_links and server_secrets: the roster as iCal, a secret link per staff member

A link's token is an HMAC of the community, the person and a version with a server secret
(LOUDAO_SECRET, or one generated once and kept in server_secrets); only its SHA-256 is stored.
`/ical new` raises the version: the old link stops working.

Revision ID: 0024
Revises: 0023
Create Date: 2026-12-01 23:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import storage.types

revision: str = "0024"
down_revision: str | None = "0023"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None
_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "server_secrets",
        sa.Column("name", sa.String(length=32), nullable=False),
        sa.Column("value", sa.String(length=128), nullable=False),
        sa.Column("created_at", storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_server_secrets")),
    )
    op.create_table(
        "calendar_links",
        sa.Column("id", _ID, nullable=False),
        sa.Column("community_id", _ID, nullable=False),
        sa.Column("person_key", sa.String(length=16), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("token_digest", sa.String(length=64), nullable=False),
        sa.Column("updated_at", storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["community_id"],
            ["communities.id"],
            name=op.f("fk_calendar_links_community_id_communities"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_calendar_links")),
        sa.UniqueConstraint(
            "community_id", "person_key", name=op.f("uq_calendar_links_community_id_person_key")
        ),
        sa.UniqueConstraint("token_digest", name=op.f("uq_calendar_links_token_digest")),
    )


def downgrade() -> None:
    op.drop_table("calendar_links")
    op.drop_table("server_secrets")
