"""Volunteer points (积分制): rules, caps and the ledger entries."""
