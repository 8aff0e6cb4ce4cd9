"""inbox retries and leases; a database from release fc69ad9 brought to the same shape

- inbox_updates.attempts / next_attempt_at: a failing update is tried again with backoff;
  claimed_until: a dispatcher claims an update before handling it (one process handles it).
- leases: one named holder at a time (the inbox consumer on SQLite, which has no SKIP LOCKED).
- Release fc69ad9 created escalations and ticket_followups with a foreign key to tickets (on
  SQLite an INTEGER ticket_id) and without ix_escalations_ticket_id (0005 was changed after
  it shipped). Such a database gets
  what a fresh one has; a fresh one is left as it is.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-04 10:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import storage.types

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

OLD_TICKET_KEYS = {
    "escalations": "fk_escalations_ticket_id_tickets",
    "ticket_followups": "fk_ticket_followups_ticket_id_tickets",
}


def _fc69ad9_shape() -> None:
    inspector = sa.inspect(op.get_bind())
    for table, name in OLD_TICKET_KEYS.items():
        if any(fk["name"] == name for fk in inspector.get_foreign_keys(table)):
            with op.batch_alter_table(table) as batch_op:
                batch_op.drop_constraint(name, type_="foreignkey")
                # on SQLite that release made the column INTEGER (BIGINT elsewhere, as now)
                batch_op.alter_column("ticket_id", type_=sa.BigInteger(), existing_nullable=False)
    if not any(
        i["name"] == "ix_escalations_ticket_id" for i in inspector.get_indexes("escalations")
    ):
        op.create_index("ix_escalations_ticket_id", "escalations", ["ticket_id"], unique=False)


def upgrade() -> None:
    _fc69ad9_shape()
    with op.batch_alter_table("inbox_updates") as batch_op:
        batch_op.add_column(
            sa.Column("attempts", sa.Integer(), nullable=False, server_default="0")
        )
        batch_op.add_column(
            sa.Column("next_attempt_at", storage.types.UTCDateTime(timezone=True), nullable=True)
        )
        batch_op.add_column(
            sa.Column("claimed_until", storage.types.UTCDateTime(timezone=True), nullable=True)
        )
        batch_op.create_index("ix_inbox_updates_due", ["status", "next_attempt_at"])
    op.create_table(
        "leases",
        sa.Column("name", sa.String(length=32), nullable=False),
        sa.Column("holder", sa.String(length=64), nullable=False),
        sa.Column("until", storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_leases")),
    )


def downgrade() -> None:
    op.drop_table("leases")
    with op.batch_alter_table("inbox_updates") as batch_op:
        batch_op.drop_index("ix_inbox_updates_due")
        batch_op.drop_column("claimed_until")
        batch_op.drop_column("next_attempt_at")
        batch_op.drop_column("attempts")
