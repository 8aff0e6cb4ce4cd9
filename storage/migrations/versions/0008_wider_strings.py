"""wider strings: page prompt kinds and FAQ button subjects fit what the code writes

`ticket_prompts.kind` holds "page:<reason>" ("page:acknowledge_by" is 19 characters) and
`button_actions.subject` holds "faq:<entry id>" (entry ids have up to 64). PostgreSQL refused
the longer values, so escalation pages and some FAQ menus failed there. This revision also
joins the feature branches into one head.

Revision ID: 0008
Revises: 0003, 0004, 0006, 0007
Create Date: 2026-12-01 11:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | Sequence[str] | None = ("0003", "0004", "0006", "0007")
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_WIDER = (("ticket_prompts", "kind", 16, 32), ("button_actions", "subject", 64, 96))


def upgrade() -> None:
    for table, column, old, new in _WIDER:
        with op.batch_alter_table(table) as batch:
            batch.alter_column(
                column,
                existing_type=sa.String(length=old),
                type_=sa.String(length=new),
                existing_nullable=False,
            )


def downgrade() -> None:
    for table, column, old, new in _WIDER:
        with op.batch_alter_table(table) as batch:
            batch.alter_column(
                column,
                existing_type=sa.String(length=new),
                type_=sa.String(length=old),
                existing_nullable=False,
            )
