"""Alembic environment: runs against the connection opsroom hands it (see db/migrate.py)."""

from __future__ import annotations

from alembic import context

from opsroom.db.tables import metadata

connection = context.config.attributes["connection"]


def include_object(
    obj: object, name: str | None, type_: str, reflected: bool, compare_to: object
) -> bool:
    """FTS5 shadow tables are made by raw SQL in migrations, not by the models."""
    return not (type_ == "table" and name is not None and name.startswith("incident_search_fts"))


context.configure(
    connection=connection,
    target_metadata=metadata,
    render_as_batch=connection.dialect.name == "sqlite",
    compare_type=True,
    include_object=include_object,
)
with context.begin_transaction():
    context.run_migrations()
