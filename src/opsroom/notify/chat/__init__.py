"""Pages as chat direct messages, through the chat port (every platform with DMs)."""
