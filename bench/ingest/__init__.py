"""The ingest benchmark: opsroom on SQLite and PostgreSQL against Alertmanager 0.25."""
