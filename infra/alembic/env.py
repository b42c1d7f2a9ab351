"""Alembic environment: runs on the connection handed in by ``adapters.migrations``,
or on ``sqlalchemy.url`` when alembic is run from the command line."""
from __future__ import annotations

from alembic import context
from sqlalchemy import create_engine

config = context.config


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        context.configure(connection=connection, version_table="drm_alembic_version")
        with context.begin_transaction():
            context.run_migrations()
        return
    engine = create_engine(config.get_main_option("sqlalchemy.url"))
    with engine.begin() as connection:
        context.configure(connection=connection, version_table="drm_alembic_version")
        context.run_migrations()


run_migrations_online()
