"""Reports and exports for the committee, written against the ports (no files, no SQL)."""
