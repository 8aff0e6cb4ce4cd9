"""The committee's figures as a use case: read the facts, count them (issue 18)."""
