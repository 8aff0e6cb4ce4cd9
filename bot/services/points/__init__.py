"""Volunteer points: earning automatically or by review, and reading a balance."""
