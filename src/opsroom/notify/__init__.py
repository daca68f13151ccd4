"""Paging people: the `Notifier` port, one folder per provider, pages and their deliveries."""
