"""audit log append-only: the database refuses to change or delete an audit row

Audit rows carry ids, actions and counts, never what people wrote: the notes that earlier
versions copied into `details` are removed once, here, before the log becomes append-only
(retention no longer has anything to rewrite in it). Then a trigger refuses every UPDATE and
DELETE of `audit_log` (and TRUNCATE on PostgreSQL), whoever sends it.

The audit log is kept, not erased by age. Should an operator ever have to remove whole old
rows (a legal hold ended, say), the table's owner does it deliberately, in one transaction:
PostgreSQL `BEGIN; ALTER TABLE audit_log DISABLE TRIGGER audit_log_append_only; DELETE FROM
audit_log WHERE at < '…'; ALTER TABLE audit_log ENABLE TRIGGER audit_log_append_only; COMMIT;`
(SQLite, with the bot stopped: `DROP TRIGGER audit_log_no_delete`, delete the rows, and
create the trigger again with the statement below).

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-04 10:00:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

REFUSAL = "audit_log is append-only"


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "UPDATE audit_log SET details = (details::jsonb - 'note')::json "
            "WHERE details::jsonb ? 'note'"
        )
        op.execute(
            "CREATE FUNCTION audit_log_append_only() RETURNS trigger AS $$ "
            f"BEGIN RAISE EXCEPTION '{REFUSAL}'; END $$ LANGUAGE plpgsql"
        )
        op.execute(
            "CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log "
            "FOR EACH ROW EXECUTE FUNCTION audit_log_append_only()"
        )
        op.execute(
            "CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log "
            "FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only()"
        )
        return
    op.execute(
        "UPDATE audit_log SET details = json_remove(details, '$.note') "
        "WHERE json_type(details, '$.note') IS NOT NULL"
    )
    for verb in ("UPDATE", "DELETE"):
        op.execute(
            f"CREATE TRIGGER audit_log_no_{verb.lower()} BEFORE {verb} ON audit_log "
            f"BEGIN SELECT RAISE(ABORT, '{REFUSAL}'); END"
        )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER audit_log_no_truncate ON audit_log")
        op.execute("DROP TRIGGER audit_log_append_only ON audit_log")
        op.execute("DROP FUNCTION audit_log_append_only()")
        return
    for verb in ("update", "delete"):
        op.execute(f"DROP TRIGGER audit_log_no_{verb}")
