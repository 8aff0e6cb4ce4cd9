"""Service levels: each level's published deadlines (三级响应) and working-time arithmetic."""
