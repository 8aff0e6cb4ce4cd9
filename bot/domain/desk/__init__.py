"""The manager's desk on the web: sign-in policy, ticket filters, timelines (pure code)."""
