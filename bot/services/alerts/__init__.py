"""Alert use cases: telling the admins that something keeps failing, and that it works again."""
