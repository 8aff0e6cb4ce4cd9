"""forum topics: the topic a ticket (and a follower) wrote in, and a group's notice topic

Answers stay in the forum topic the resident wrote in: `tickets.thread_id` and
`ticket_followers.thread_id` keep that topic (NULL: General, or not a forum). Notices go to
`chats.notice_thread_id`, the community file's `notice_topic` (NULL: General).

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-02 10:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | Sequence[str] | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_COLUMNS = (
    ("tickets", "thread_id"),
    ("ticket_followers", "thread_id"),
    ("chats", "notice_thread_id"),
)


def upgrade() -> None:
    for table, column in _COLUMNS:
        with op.batch_alter_table(table) as batch:
            batch.add_column(sa.Column(column, sa.BigInteger(), nullable=True))


def downgrade() -> None:
    for table, column in reversed(_COLUMNS):
        with op.batch_alter_table(table) as batch:
            batch.drop_column(column)
