"""Pages through apprise URLs: ntfy, Pushover, Telegram, Gotify, JSON webhooks and more."""
