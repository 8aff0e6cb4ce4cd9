"""Escalation use cases: planning a ticket's reminders and pages, firing them exactly once,
and the follow-up call after an emergency."""
