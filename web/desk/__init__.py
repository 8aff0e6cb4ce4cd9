"""The manager's desk: server-rendered pages under /desk, on the bot's own HTTP server."""
