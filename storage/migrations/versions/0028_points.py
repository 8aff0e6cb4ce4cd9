"""volunteer points: the append-only ledger, the awards proposed for review, the points shop,
the names of those who opted in to the leaderboard, volunteer activities and their sign-ups

`points_ledger` holds every award, correction and redemption; a UNIQUE (community_id, event,
rule) makes a double award for one event impossible. Triggers refuse UPDATE, DELETE (and on
PostgreSQL TRUNCATE; on SQLite an INSERT that names an existing id, i.e. REPLACE) like the
audit log's in 0015 and 0023. Numbered 0028 and revising 0026 (another branch holds 0027): the
merger renumbers.

Revision ID: 0028
Revises: 0027
Create Date: 2026-12-02 00:10:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import storage.types

revision: str = "0028"
down_revision: str | None = "0027"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

REFUSAL = "points_ledger is append-only"
_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "points_ledger",
        sa.Column("id", _ID, autoincrement=True, nullable=False),
        sa.Column("community_id", _ID, nullable=False),
        sa.Column("holder_kind", sa.String(length=16), nullable=False),
        sa.Column("holder_id", sa.BigInteger(), nullable=False),
        sa.Column("building", sa.String(length=16), nullable=True),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("points", sa.Integer(), nullable=False),
        sa.Column("rule", sa.String(length=24), nullable=False),
        sa.Column("event", sa.String(length=64), nullable=False),
        sa.Column("reason", sa.String(length=80), nullable=False),
        sa.Column("actor", sa.BigInteger(), nullable=True),
        sa.Column("approved_by", sa.BigInteger(), nullable=True),
        sa.Column("at", storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["community_id"],
            ["communities.id"],
            name=op.f("fk_points_ledger_community_id_communities"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_points_ledger")),
        sa.UniqueConstraint(
            "community_id", "event", "rule", name=op.f("uq_points_ledger_community_id_event_rule")
        ),
    )
    op.create_index(
        "ix_points_ledger_holder",
        "points_ledger",
        ["community_id", "holder_kind", "holder_id", "at"],
        unique=False,
    )
    op.create_table(
        "points_proposals",
        sa.Column("id", _ID, autoincrement=True, nullable=False),
        sa.Column("community_id", _ID, nullable=False),
        sa.Column("holder_kind", sa.String(length=16), nullable=False),
        sa.Column("holder_id", sa.BigInteger(), nullable=False),
        sa.Column("building", sa.String(length=16), nullable=True),
        sa.Column("rule", sa.String(length=24), nullable=False),
        sa.Column("points", sa.Integer(), nullable=False),
        sa.Column("reason", sa.String(length=80), nullable=False),
        sa.Column("proposed_by", sa.BigInteger(), nullable=False),
        sa.Column("update_id", sa.BigInteger(), nullable=False),
        sa.Column("proposed_at", storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("decided_by", sa.BigInteger(), nullable=True),
        sa.Column("decided_at", storage.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("accepted", sa.Boolean(), nullable=True),
        sa.ForeignKeyConstraint(
            ["community_id"],
            ["communities.id"],
            name=op.f("fk_points_proposals_community_id_communities"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_points_proposals")),
        sa.UniqueConstraint("update_id", name=op.f("uq_points_proposals_update_id")),
    )
    _shop()
    op.create_table(
        "points_names",
        sa.Column("community_id", _ID, nullable=False),
        sa.Column("holder_kind", sa.String(length=16), nullable=False),
        sa.Column("holder_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("name", sa.String(length=32), nullable=False),
        sa.Column("updated_at", storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["community_id"],
            ["communities.id"],
            name=op.f("fk_points_names_community_id_communities"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(
            "community_id", "holder_kind", "holder_id", name=op.f("pk_points_names")
        ),
    )
    _activities()
    _triggers()


def _activities() -> None:
    op.create_table(
        "points_activities",
        sa.Column("id", _ID, autoincrement=True, nullable=False),
        sa.Column("community_id", _ID, nullable=False),
        sa.Column("title", sa.String(length=60), nullable=False),
        sa.Column("starts_at", storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("places", sa.Integer(), nullable=False),
        sa.Column("points", sa.Integer(), nullable=False),
        sa.Column("building", sa.String(length=16), nullable=True),
        sa.Column("organiser", sa.BigInteger(), nullable=False),
        sa.Column("update_id", sa.BigInteger(), nullable=False),
        sa.Column("created_at", storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["community_id"],
            ["communities.id"],
            name=op.f("fk_points_activities_community_id_communities"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_points_activities")),
        sa.UniqueConstraint("update_id", name=op.f("uq_points_activities_update_id")),
    )
    op.create_table(
        "points_signups",
        sa.Column("activity_id", _ID, nullable=False),
        sa.Column("telegram_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("signed_at", storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("attended_at", storage.types.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["activity_id"],
            ["points_activities.id"],
            name=op.f("fk_points_signups_activity_id_points_activities"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("activity_id", "telegram_id", name=op.f("pk_points_signups")),
    )


def _shop() -> None:
    op.create_table(
        "points_shop_items",
        sa.Column("id", _ID, autoincrement=True, nullable=False),
        sa.Column("community_id", _ID, nullable=False),
        sa.Column("name", sa.String(length=40), nullable=False),
        sa.Column("cost", sa.Integer(), nullable=False),
        sa.Column("stock", sa.Integer(), nullable=False),
        sa.Column("updated_at", storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["community_id"],
            ["communities.id"],
            name=op.f("fk_points_shop_items_community_id_communities"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_points_shop_items")),
        sa.UniqueConstraint(
            "community_id", "name", name=op.f("uq_points_shop_items_community_id_name")
        ),
    )
    op.create_table(
        "points_redemptions",
        sa.Column("code", sa.String(length=16), nullable=False),
        sa.Column("community_id", _ID, nullable=False),
        sa.Column("item_id", _ID, nullable=False),
        sa.Column("holder_kind", sa.String(length=16), nullable=False),
        sa.Column("holder_id", sa.BigInteger(), nullable=False),
        sa.Column("redeemed_by", sa.BigInteger(), nullable=False),
        sa.Column("redeemed_at", storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("handed_out_at", storage.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("handed_out_by", sa.BigInteger(), nullable=True),
        sa.ForeignKeyConstraint(
            ["community_id"],
            ["communities.id"],
            name=op.f("fk_points_redemptions_community_id_communities"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["item_id"],
            ["points_shop_items.id"],
            name=op.f("fk_points_redemptions_item_id_points_shop_items"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_points_redemptions")),
    )


def _triggers() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "CREATE FUNCTION points_ledger_append_only() RETURNS trigger AS $$ "
            f"BEGIN RAISE EXCEPTION '{REFUSAL}'; END $$ LANGUAGE plpgsql"
        )
        op.execute(
            "CREATE TRIGGER points_ledger_append_only BEFORE UPDATE OR DELETE ON points_ledger "
            "FOR EACH ROW EXECUTE FUNCTION points_ledger_append_only()"
        )
        op.execute(
            "CREATE TRIGGER points_ledger_no_truncate BEFORE TRUNCATE ON points_ledger "
            "FOR EACH STATEMENT EXECUTE FUNCTION points_ledger_append_only()"
        )
        return
    for verb in ("UPDATE", "DELETE"):
        op.execute(
            f"CREATE TRIGGER points_ledger_no_{verb.lower()} BEFORE {verb} ON points_ledger "
            f"BEGIN SELECT RAISE(ABORT, '{REFUSAL}'); END"
        )
    op.execute(
        "CREATE TRIGGER points_ledger_no_replace BEFORE INSERT ON points_ledger "
        "WHEN EXISTS (SELECT 1 FROM points_ledger WHERE id = NEW.id) "
        f"BEGIN SELECT RAISE(ABORT, '{REFUSAL}'); END"
    )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER points_ledger_no_truncate ON points_ledger")
        op.execute("DROP TRIGGER points_ledger_append_only ON points_ledger")
        op.execute("DROP FUNCTION points_ledger_append_only()")
    else:
        for name in ("update", "delete", "replace"):
            op.execute(f"DROP TRIGGER points_ledger_no_{name}")
    op.drop_table("points_signups")
    op.drop_table("points_activities")
    op.drop_table("points_names")
    op.drop_table("points_redemptions")
    op.drop_table("points_shop_items")
    op.drop_table("points_proposals")
    op.drop_index("ix_points_ledger_holder", table_name="points_ledger")
    op.drop_table("points_ledger")
