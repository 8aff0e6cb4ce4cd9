"""ticket_milestones: the promises a ticket was given and when each milestone was reached

The committee's figures (issue 18) judge each ticket by the deadlines it was given when it was
opened (`promised`, kept whatever the policy becomes) and measure the time taken to the first
acceptance, the first progress note, the plan, and how often it was reopened. Tickets opened
before this revision get their milestones from the audit log; their promises stay empty and
are computed from the community's policy when counted. One index serves "one community's
tickets opened in a period".

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-01 23:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import storage.types

revision: str = "0021"
down_revision: str | None = "0020"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# one pass over the audit log per milestone (UPDATE … FROM: PostgreSQL, SQLite ≥ 3.33)
_FROM_AUDIT = """
UPDATE tickets SET {column} = found.value
FROM (
    SELECT community_id, subject, {aggregate} AS value FROM audit_log
    WHERE action = '{action}' GROUP BY community_id, subject
) AS found
WHERE found.community_id = tickets.community_id AND found.subject = 'ticket:' || tickets.number
"""


def upgrade() -> None:
    with op.batch_alter_table("tickets") as batch:
        batch.add_column(sa.Column("promised", sa.JSON(), nullable=False, server_default="{}"))
        batch.add_column(
            sa.Column("accepted_at", storage.types.UTCDateTime(timezone=True), nullable=True)
        )
        batch.add_column(
            sa.Column("controlled_at", storage.types.UTCDateTime(timezone=True), nullable=True)
        )
        batch.add_column(
            sa.Column("planned_at", storage.types.UTCDateTime(timezone=True), nullable=True)
        )
        batch.add_column(
            sa.Column("reopen_count", sa.Integer(), nullable=False, server_default="0")
        )
    op.create_index(
        "ix_tickets_community_created", "tickets", ["community_id", "created_at"], unique=False
    )
    for column, aggregate, action in (
        ("accepted_at", "MIN(at)", "ticket.accept"),
        ("controlled_at", "MIN(at)", "ticket.progress"),
        ("reopen_count", "COUNT(*)", "ticket.reopen"),
    ):
        op.execute(_FROM_AUDIT.format(column=column, aggregate=aggregate, action=action))


def downgrade() -> None:
    op.drop_index("ix_tickets_community_created", table_name="tickets")
    # plain DROP COLUMN (SQLite ≥ 3.35): a batch copy would lose the expression index of 0018
    for column in ("reopen_count", "planned_at", "controlled_at", "accepted_at", "promised"):
        op.drop_column("tickets", column)
