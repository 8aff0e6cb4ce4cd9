"""replies, mentions, outages: residents' notes forwarded to staff, staff usernames, outage links

- `people.username`: the staff member's Telegram @username from the community file (lower
  case, without the @), so "@zhang9003" finds them before they ever wrote.
- `ticket_notes.forward_at` / `forwarded_at`: a resident's reply to a ticket's card is a note
  that goes to the assignee in private – at once, or held a while when they write a lot, then
  sent together (a durable timer: the tick sends what is due).
- `tickets.outage_id` / `outage_note`: a ticket opened after an outage notice's announced end
  (or after "restored") names that notice, and says which outage it was to staff.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-03 10:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import storage.types

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _when(name: str) -> sa.Column:  # type: ignore[type-arg]
    return sa.Column(name, storage.types.UTCDateTime(timezone=True), nullable=True)


def upgrade() -> None:
    with op.batch_alter_table("people") as batch:
        batch.add_column(sa.Column("username", sa.String(length=32), nullable=True))
        batch.create_index(batch.f("ix_people_username"), ["username"], unique=False)
    with op.batch_alter_table("ticket_notes") as batch:
        batch.add_column(_when("forward_at"))
        batch.add_column(_when("forwarded_at"))
    with op.batch_alter_table("tickets") as batch:
        batch.add_column(sa.Column("outage_id", sa.BigInteger(), nullable=True))
        batch.add_column(sa.Column("outage_note", sa.String(length=160), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("tickets") as batch:
        batch.drop_column("outage_note")
        batch.drop_column("outage_id")
    with op.batch_alter_table("ticket_notes") as batch:
        batch.drop_column("forwarded_at")
        batch.drop_column("forward_at")
    with op.batch_alter_table("people") as batch:
        batch.drop_index(batch.f("ix_people_username"))
        batch.drop_column("username")
