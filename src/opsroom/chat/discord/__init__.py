"""Discord: interactions endpoint (slash commands, buttons), REST API v10 and the Gateway."""
