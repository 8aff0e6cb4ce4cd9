"""Escalation: a ticket's reminders and pages planned up the chain, and how failed steps retry."""
