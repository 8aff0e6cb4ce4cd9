"""inbox: which process claimed an update, so a dead process's claims are taken over at once

Each process renews a short `alive:` lease while it runs; an update claimed by a process
whose lease lapsed (it was killed) is claimable again without waiting out the claim.

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-01 18:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0017"
down_revision: str | None = "0016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("inbox_updates") as batch_op:
        batch_op.add_column(sa.Column("claimed_by", sa.String(length=64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("inbox_updates") as batch_op:
        batch_op.drop_column("claimed_by")
