"""Duty use cases: who is on duty (the roster with chat changes), /duty /roster /cover /leave
/workday, and the morning handoff."""
