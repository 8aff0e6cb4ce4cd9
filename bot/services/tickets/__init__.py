"""Ticket use cases: intake, the life cycle (staff actions, verdicts, cancel, merge), cards,
routing, queries, the guided /report flow and staff corrections."""
