"""Bounds on numbers in paths and query strings, so a huge number is a 422, not a 500.

Ids and offsets fit PostgreSQL's `integer` (and SQLite's 64-bit integers) on every backend.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Path, Query

from opsroom.db.base import MAX_ID

RowId = Annotated[int, Path(ge=1, le=MAX_ID)]
Offset = Annotated[int, Query(ge=0, le=MAX_ID)]
