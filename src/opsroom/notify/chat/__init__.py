"""Pages as direct messages in the built-in chat."""
