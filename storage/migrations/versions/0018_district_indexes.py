"""district-scale indexes: no query of a hot path or a periodic tick scans a large table

A group message or a reply finds its ticket and outbox row by (chat, message); `/my` reads
reporter, on-behalf and follower indexes; the escalation tick reads the head of a partial
index of the steps still to fire (it replaces the index over every step ever planned); the
morning handoff reads a partial index of open tickets; retention reads partial indexes of
what it has still to erase, in batches.

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-01 20:00:00
"""

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op

revision: str = "0018"
down_revision: str | None = "0017"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

OPEN_TICKET = "status IN ('new', 'assigned', 'accepted', 'in_progress', 'reopened')"
UNERASED_ENDED_TICKET = "erased_at IS NULL AND status IN ('closed', 'cancelled', 'referred')"
PENDING_STEP = "fired_at IS NULL AND cancelled_at IS NULL"
PRIVATE_UNERASED = "erased_at IS NULL AND chat_id > 0"


def _partial(where: str) -> dict[str, Any]:
    return {"postgresql_where": sa.text(where), "sqlite_where": sa.text(where)}


def upgrade() -> None:
    op.create_index("ix_tickets_chat_message", "tickets", ["chat_id", "message_id"])
    op.create_index("ix_tickets_card_outbox", "tickets", ["card_outbox_id"])
    op.create_index(
        "ix_tickets_on_behalf_by",
        "tickets",
        ["on_behalf_by"],
        **_partial("on_behalf_by IS NOT NULL"),
    )
    op.create_index("ix_tickets_open", "tickets", ["community_id", "id"], **_partial(OPEN_TICKET))
    op.create_index(
        "ix_tickets_to_erase",
        "tickets",
        [sa.text("coalesce(closed_at, updated_at)")],
        **_partial(UNERASED_ENDED_TICKET),
    )
    op.create_index("ix_ticket_prompts_ticket_id", "ticket_prompts", ["ticket_id"])
    op.drop_index("ix_escalations_due", table_name="escalations")
    op.create_index(
        "ix_escalations_pending", "escalations", ["due_at", "id"], **_partial(PENDING_STEP)
    )
    op.create_index("ix_escalations_outcome", "escalations", ["outcome", "fired_at"])
    op.create_index("ix_inbox_updates_received_at", "inbox_updates", ["received_at"])
    op.create_index("ix_outbox_chat_message", "outbox", ["chat_id", "sent_message_id"])
    op.create_index(
        "ix_outbox_private_unerased", "outbox", ["created_at"], **_partial(PRIVATE_UNERASED)
    )
    op.create_index("ix_audit_log_action", "audit_log", ["action", "community_id"])


def downgrade() -> None:
    op.drop_index("ix_audit_log_action", table_name="audit_log")
    op.drop_index("ix_outbox_private_unerased", table_name="outbox")
    op.drop_index("ix_outbox_chat_message", table_name="outbox")
    op.drop_index("ix_inbox_updates_received_at", table_name="inbox_updates")
    op.drop_index("ix_escalations_outcome", table_name="escalations")
    op.drop_index("ix_escalations_pending", table_name="escalations")
    op.create_index(
        "ix_escalations_due", "escalations", ["fired_at", "cancelled_at", "due_at"], unique=False
    )
    op.drop_index("ix_ticket_prompts_ticket_id", table_name="ticket_prompts")
    op.drop_index("ix_tickets_to_erase", table_name="tickets")
    op.drop_index("ix_tickets_open", table_name="tickets")
    op.drop_index("ix_tickets_on_behalf_by", table_name="tickets")
    op.drop_index("ix_tickets_card_outbox", table_name="tickets")
    op.drop_index("ix_tickets_chat_message", table_name="tickets")
