"""retention: erased_at on tickets and outbox (personal data erased after the keeping period)

Revision ID: 0006
Revises: 0002
Create Date: 2026-11-22 07:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import storage.types

revision: str = "0006"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    for table in ("tickets", "outbox"):
        op.add_column(
            table,
            sa.Column("erased_at", storage.types.UTCDateTime(timezone=True), nullable=True),
        )


def downgrade() -> None:
    for table in ("tickets", "outbox"):
        with op.batch_alter_table(table) as batch:
            batch.drop_column("erased_at")
