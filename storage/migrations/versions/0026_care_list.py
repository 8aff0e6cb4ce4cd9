"""care list: households needing a check, with their consent; check-on rounds per outage

A round is started once per outage notice (unique per community and source); each household
of the round is a check, contacted once; `reported_at` is set once when the admins hear who
was not reached. Numbered 0026 (after 0025): the merger renumbers.

Revision ID: 0026
Revises: 0025
Create Date: 2026-12-01 23:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import storage.types

revision: str = "0026"
down_revision: str | None = "0025"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "care_rounds",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column(
            "community_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("source_key", sa.String(length=32), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("buildings", sa.JSON(), nullable=False),
        sa.Column("started_at", storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("report_at", storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("reported_at", storage.types.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["community_id"],
            ["communities.id"],
            name=op.f("fk_care_rounds_community_id_communities"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_care_rounds")),
        sa.UniqueConstraint(
            "community_id", "source_key", name=op.f("uq_care_rounds_community_id_source_key")
        ),
    )
    with op.batch_alter_table("care_rounds", schema=None) as batch_op:
        batch_op.create_index("ix_care_rounds_report", ["reported_at", "report_at"], unique=False)

    op.create_table(
        "care_checks",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column(
            "round_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column(
            "household_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("contacted_at", storage.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("contacted_by", sa.BigInteger(), nullable=True),
        sa.ForeignKeyConstraint(
            ["household_id"],
            ["households.id"],
            name=op.f("fk_care_checks_household_id_households"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["round_id"],
            ["care_rounds.id"],
            name=op.f("fk_care_checks_round_id_care_rounds"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_care_checks")),
        sa.UniqueConstraint(
            "round_id", "household_id", name=op.f("uq_care_checks_round_id_household_id")
        ),
    )
    with op.batch_alter_table("care_checks", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_care_checks_household_id"), ["household_id"], unique=False
        )

    op.create_table(
        "care_entries",
        sa.Column(
            "household_id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=False,
            nullable=False,
        ),
        sa.Column("reason", sa.String(length=16), nullable=False),
        sa.Column("consent_on", sa.Date(), nullable=False),
        sa.Column("note", sa.String(length=200), nullable=True),
        sa.Column("updated_at", storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["household_id"],
            ["households.id"],
            name=op.f("fk_care_entries_household_id_households"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("household_id", name=op.f("pk_care_entries")),
    )


def downgrade() -> None:
    op.drop_table("care_entries")
    with op.batch_alter_table("care_checks", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_care_checks_household_id"))

    op.drop_table("care_checks")
    with op.batch_alter_table("care_rounds", schema=None) as batch_op:
        batch_op.drop_index("ix_care_rounds_report")

    op.drop_table("care_rounds")
