"""Integrations by token hash, remembered for a while so that a hook request finds its
integration without a database transaction of its own. The batch that stores the request
reads the row again, so a stale entry never stores anything for a removed or disabled
integration; it answers 404 then and is forgotten."""

from __future__ import annotations

import time
from dataclasses import dataclass

from opsroom.alert.tables import IntegrationRow

TTL_SECONDS = 30.0
UNKNOWN_TTL_SECONDS = 2.0  # tokens are random secrets: nobody guesses one before it exists
MAX_ENTRIES = 10_000


@dataclass(frozen=True)
class KnownIntegration:
    id: int
    kind: str
    name: str
    token_hash: str

    @classmethod
    def of(cls, row: IntegrationRow) -> KnownIntegration:
        return cls(id=row.id, kind=row.kind, name=row.name, token_hash=row.token_hash)


class IntegrationCache:
    """Enabled integrations for 30 s; tokens of no (enabled) integration for 2 s."""

    def __init__(self) -> None:
        self._entries: dict[str, tuple[float, KnownIntegration | None]] = {}

    def get(self, token_hash: str) -> tuple[bool, KnownIntegration | None]:
        """(found in the cache, the integration or None when the token is unknown)."""
        entry = self._entries.get(token_hash)
        if entry is None:
            return False, None
        if entry[0] < time.monotonic():
            self._entries.pop(token_hash, None)
            return False, None
        return True, entry[1]

    def remember(self, token_hash: str, known: KnownIntegration | None) -> None:
        if len(self._entries) >= MAX_ENTRIES:
            self._entries.clear()
        ttl = TTL_SECONDS if known is not None else UNKNOWN_TTL_SECONDS
        self._entries[token_hash] = (time.monotonic() + ttl, known)

    def forget(self, token_hash: str) -> None:
        self._entries.pop(token_hash, None)
