"""API shapes shared by every domain."""

from __future__ import annotations

from typing import Generic, TypeVar

from pydantic import BaseModel

T = TypeVar("T")


class Items(BaseModel, Generic[T]):
    """A list answer: `{"items": [...]}`, so fields can be added later without breaking."""

    items: list[T]
