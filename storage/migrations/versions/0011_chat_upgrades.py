"""chat upgrades: a basic group that became a supergroup points at its new id

Telegram gives an upgraded group a new chat id. The old row keeps its history and says where
the group went (`migrated_to`), so a community file that still names the old id changes the
new group, and the old id is never served again.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-02 10:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("chats") as batch:
        batch.add_column(sa.Column("migrated_to", sa.BigInteger(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("chats") as batch:
        batch.drop_column("migrated_to")
