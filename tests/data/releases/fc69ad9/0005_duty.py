"""duty: escalations, roster_overrides, workday_overrides, ticket_followups, duty_daily_runs

Revision ID: 0005
Revises: 0001
Create Date: 2026-11-24 09:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import storage.types

revision: str = "0005"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = ("duty",)
# escalations and follow-ups refer to tickets
depends_on: str | Sequence[str] | None = ("0002",)

_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def _when(name: str, nullable: bool) -> sa.Column[object]:
    return sa.Column(name, storage.types.UTCDateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "escalations",
        sa.Column("id", _ID, autoincrement=True, nullable=False),
        sa.Column("ticket_id", _ID, nullable=False),
        sa.Column("community_id", sa.BigInteger(), nullable=False),
        sa.Column("step_no", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("target_key", sa.String(length=16), nullable=False),
        sa.Column("target_id", sa.BigInteger(), nullable=True),
        sa.Column("target_name", sa.String(length=64), nullable=False),
        sa.Column("reason", sa.String(length=24), nullable=False),
        _when("due_at", False),
        _when("fired_at", True),
        _when("cancelled_at", True),
        sa.Column("outcome", sa.String(length=16), nullable=True),
        _when("created_at", False),
        sa.ForeignKeyConstraint(
            ["ticket_id"],
            ["tickets.id"],
            name=op.f("fk_escalations_ticket_id_tickets"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_escalations")),
        sa.UniqueConstraint("ticket_id", "step_no", name=op.f("uq_escalations_ticket_id_step_no")),
    )
    op.create_index(
        "ix_escalations_due", "escalations", ["fired_at", "cancelled_at", "due_at"], unique=False
    )
    op.create_table(
        "roster_overrides",
        sa.Column("id", _ID, autoincrement=True, nullable=False),
        sa.Column("community_id", _ID, nullable=False),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("staff_key", sa.String(length=16), nullable=False),
        sa.Column("by_key", sa.String(length=16), nullable=True),
        _when("start_at", False),
        _when("end_at", False),
        sa.Column("note", sa.String(length=200), nullable=False),
        sa.Column("created_by", sa.BigInteger(), nullable=True),
        sa.Column("update_id", sa.BigInteger(), nullable=True),
        _when("created_at", False),
        sa.ForeignKeyConstraint(
            ["community_id"],
            ["communities.id"],
            name=op.f("fk_roster_overrides_community_id_communities"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_roster_overrides")),
        sa.UniqueConstraint("update_id", name=op.f("uq_roster_overrides_update_id")),
    )
    op.create_index(
        op.f("ix_roster_overrides_community_id"),
        "roster_overrides",
        ["community_id"],
        unique=False,
    )
    op.create_table(
        "workday_overrides",
        sa.Column("community_id", _ID, autoincrement=False, nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("working", sa.Boolean(), nullable=False),
        sa.Column("set_by", sa.BigInteger(), nullable=True),
        _when("updated_at", False),
        sa.ForeignKeyConstraint(
            ["community_id"],
            ["communities.id"],
            name=op.f("fk_workday_overrides_community_id_communities"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("community_id", "day", name=op.f("pk_workday_overrides")),
    )
    op.create_table(
        "ticket_followups",
        sa.Column("ticket_id", _ID, autoincrement=False, nullable=False),
        sa.Column("community_id", sa.BigInteger(), nullable=False),
        sa.Column("assignee_id", sa.BigInteger(), nullable=False),
        _when("due_at", True),
        sa.Column("task_outbox_id", sa.BigInteger(), nullable=True),
        sa.Column("prompt_outbox_id", sa.BigInteger(), nullable=True),
        _when("done_at", True),
        sa.Column("done_by", sa.BigInteger(), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        _when("created_at", False),
        sa.ForeignKeyConstraint(
            ["ticket_id"],
            ["tickets.id"],
            name=op.f("fk_ticket_followups_ticket_id_tickets"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("ticket_id", name=op.f("pk_ticket_followups")),
    )
    op.create_index(
        op.f("ix_ticket_followups_prompt_outbox_id"),
        "ticket_followups",
        ["prompt_outbox_id"],
        unique=False,
    )
    op.create_table(
        "duty_daily_runs",
        sa.Column("community_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("job", sa.String(length=16), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        _when("done_at", False),
        sa.PrimaryKeyConstraint("community_id", "job", "day", name=op.f("pk_duty_daily_runs")),
    )


def downgrade() -> None:
    op.drop_table("duty_daily_runs")
    op.drop_index(op.f("ix_ticket_followups_prompt_outbox_id"), table_name="ticket_followups")
    op.drop_table("ticket_followups")
    op.drop_table("workday_overrides")
    op.drop_index(op.f("ix_roster_overrides_community_id"), table_name="roster_overrides")
    op.drop_table("roster_overrides")
    op.drop_index("ix_escalations_due", table_name="escalations")
    op.drop_table("escalations")
