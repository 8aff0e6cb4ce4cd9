"""The manager's desk on the web: sign-in and the pages' use cases."""
