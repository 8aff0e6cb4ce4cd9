"""Duty: the roster as data, who is on duty for a building and kind of problem at a moment,
the fallback chain, and the records of escalation steps, overrides and follow-ups."""
