"""The migrations build exactly the schema the models describe, on every backend."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from opsroom.bootstrap import Container
from opsroom.db.migrate import current_revision, head_revision
from opsroom.db.tables import metadata


def test_database_is_at_head(container: Container) -> None:
    assert current_revision(container.engine) == head_revision()


def test_models_and_migrations_agree(container: Container) -> None:
    with container.engine.connect() as connection:
        context = MigrationContext.configure(
            connection,
            opts={
                "compare_type": True,
                "include_object": lambda obj, name, type_, reflected, other: (
                    not (
                        name is not None
                        and name.startswith(("incident_search_fts", "ix_incident_search_body_fts"))
                    )
                ),
            },
        )
        differences = compare_metadata(context, metadata)
    assert differences == []
