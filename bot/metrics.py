"""What the service counts as it works, for /metrics (Prometheus): updates handled, tickets
opened by level, messages sent / failed and how long a send takes, Telegram's 429s, escalation
pages, how long a periodic tick takes, and how FAQ questions were answered.

Counts belong to this process (they start at 0 on every start, as Prometheus expects); the
figures that live in the database – the outbox queue, escalation failures – are read at each
scrape instead (web/ops.py).
"""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Histogram

REGISTRY = CollectorRegistry(auto_describe=True)

UPDATES = Counter(
    "loudao_updates_handled",
    "Telegram updates handled, by outcome",
    ["outcome"],
    registry=REGISTRY,
)
TICKETS_OPENED = Counter(
    "loudao_tickets_opened", "Tickets opened, by level", ["level"], registry=REGISTRY
)
MESSAGES = Counter(
    "loudao_outbox_messages",
    "Outbox messages by outcome: sent, failed (for good), retried, unknown (not repeated)",
    ["outcome"],
    registry=REGISTRY,
)
SEND_SECONDS = Histogram(
    "loudao_send_seconds",
    "Time a Bot API send or edit took",
    buckets=(0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
    registry=REGISTRY,
)
RATE_LIMITED = Counter(
    "loudao_telegram_rate_limited", "429 answers from Telegram (retry_after)", registry=REGISTRY
)
RENDER_FAILED = Counter(
    "loudao_render_failures",
    "Files (charts, exports) the outbox could not make at send time: their rows failed",
    ["renderer"],
    registry=REGISTRY,
)
RENDER_SECONDS = Histogram(
    "loudao_render_seconds",
    "Time making a file (a chart, reading an export) for an outbox send took",
    buckets=(0.01, 0.05, 0.1, 0.25, 0.5, 1, 5),
    registry=REGISTRY,
)
PACED = Counter(
    "loudao_outbox_paced",
    "Messages put back because their chat was at Telegram's limit (ours, before any 429)",
    registry=REGISTRY,
)
FLOOD_HELD = Counter(
    "loudao_reports_held_by_flood_limit",
    "Reports that joined the resident's latest ticket: they had opened as many as a window allows",
    registry=REGISTRY,
)
PAGES = Counter("loudao_escalation_pages", "Escalation pages sent", registry=REGISTRY)
LATE_REMINDERS = Counter(
    "loudao_reminders_late",
    "Reminders sent after the deadline they are about (the bot was down): worded as overdue",
    registry=REGISTRY,
)
TICK_SECONDS = Histogram(
    "loudao_tick_seconds",
    "Time one periodic tick took (deadlines, notices, escalation, duty, retention)",
    buckets=(0.01, 0.05, 0.1, 0.5, 1, 5, 30),
    registry=REGISTRY,
)
JOB_SECONDS = Histogram(
    "loudao_job_seconds",
    "Time one run of a periodic job took, by job (each runs on its own schedule)",
    ["job"],
    buckets=(0.01, 0.05, 0.1, 0.5, 1, 5, 30),
    registry=REGISTRY,
)
FAQ = Counter(
    "loudao_faq_questions",
    "FAQ questions by outcome: answered, suggested (a menu), none (no answer from the FAQ)",
    ["outcome"],
    registry=REGISTRY,
)
