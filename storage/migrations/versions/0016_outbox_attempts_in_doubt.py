"""outbox attempts in doubt: when a send's outcome is unknown, it is not blindly repeated

`attempted_at` is set just before a request goes to Telegram and cleared when its outcome is
known; a row reclaimed with it set may have been delivered (see OutboxSender and the README's
reliability section). Status `unknown` records a send that may or may not have arrived.

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-04 10:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import storage.types

revision: str = "0016"
down_revision: str | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("outbox") as batch:
        batch.add_column(
            sa.Column("attempted_at", storage.types.UTCDateTime(timezone=True), nullable=True)
        )


def downgrade() -> None:
    with op.batch_alter_table("outbox") as batch:
        batch.drop_column("attempted_at")
