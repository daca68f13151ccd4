"""API shapes shared by every domain."""

from __future__ import annotations

from typing import Annotated, Generic, TypeVar

from pydantic import AfterValidator, BaseModel

from opsroom.text import storable

T = TypeVar("T")

# A string from a client that every database can store (no NUL, no lone surrogate).
Text = Annotated[str, AfterValidator(storable)]


class Items(BaseModel, Generic[T]):
    """A list answer: `{"items": [...]}`, so fields can be added later without breaking."""

    items: list[T]
