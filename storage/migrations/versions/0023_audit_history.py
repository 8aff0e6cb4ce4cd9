"""audit history: one ticket's events read by index, and no REPLACE of an audit row on SQLite

`/audit A-0042` and `loudao audit` read one community's events about one subject, oldest
first: an index on (community_id, subject, id) serves that without scanning the log.

SQLite's `INSERT OR REPLACE` (and `REPLACE`) with the id of an existing row deletes that row
and writes a new one in its place without firing the DELETE trigger of migration 0015 (delete
triggers fire for REPLACE only under `PRAGMA recursive_triggers`): an insert that names an id
already in the log is refused too. PostgreSQL has no REPLACE, and its `INSERT … ON CONFLICT DO
UPDATE` fires the UPDATE trigger of 0015.

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-02 00:00:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0023"
down_revision: str | None = "0022"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

REFUSAL = "audit_log is append-only"


def upgrade() -> None:
    op.create_index(
        "ix_audit_log_subject", "audit_log", ["community_id", "subject", "id"], unique=False
    )
    if op.get_bind().dialect.name == "sqlite":
        op.execute(
            "CREATE TRIGGER audit_log_no_replace BEFORE INSERT ON audit_log "
            "WHEN EXISTS (SELECT 1 FROM audit_log WHERE id = NEW.id) "
            f"BEGIN SELECT RAISE(ABORT, '{REFUSAL}'); END"
        )


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute("DROP TRIGGER audit_log_no_replace")
    op.drop_index("ix_audit_log_subject", table_name="audit_log")
