"""faq_outcomes: what became of each question the FAQ met, for the committee's figures

One row per question and outcome (direct, menu, chosen, unanswered, unasked), unique by update
so a question handled twice counts once; no text is kept.

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-01 23:10:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import storage.types

revision: str = "0022"
down_revision: str | None = "0021"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "faq_outcomes",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("community_id", sa.BigInteger(), nullable=False),
        sa.Column("at", storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("outcome", sa.String(length=16), nullable=False),
        sa.Column("update_id", sa.BigInteger(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_faq_outcomes")),
        sa.UniqueConstraint(
            "update_id", "outcome", name=op.f("uq_faq_outcomes_update_id_outcome")
        ),
    )
    op.create_index(
        "ix_faq_outcomes_community_at", "faq_outcomes", ["community_id", "at"], unique=False
    )


def downgrade() -> None:
    op.drop_index("ix_faq_outcomes_community_at", table_name="faq_outcomes")
    op.drop_table("faq_outcomes")
