"""Alerts: when a failure that keeps happening is news for the admins, and when it is over."""
