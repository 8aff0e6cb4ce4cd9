"""Scheduled notices: schedules, audiences, templates and the outage quick form (pure domain)."""
