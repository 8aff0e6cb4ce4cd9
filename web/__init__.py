"""The HTTP adapter: operator endpoints (and, later, the desk pages), thin like handlers/."""
