"""Alembic's environment for the store's migrations.

:mod:`matchmaker.store.migrate` passes an open connection (``config.attributes["connection"]``),
already inside the transaction that holds the migration lock; the migrations run in it, so an
interrupted upgrade leaves nothing half-done. Without one (a developer's ``command.revision``),
an engine is made from ``sqlalchemy.url``.
"""

from __future__ import annotations

from alembic import context
from sqlalchemy import create_engine, pool
from sqlalchemy.engine import Connection

from matchmaker.store.schema import Base

config = context.config
target_metadata = Base.metadata


def _configure(connection: Connection) -> None:
    # Batch mode: SQLite alters a table by copying it, which later revisions may need.
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=True,
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_offline() -> None:
    context.configure(
        url=config.get_main_option("sqlalchemy.url"),
        target_metadata=target_metadata,
        literal_binds=True,
        render_as_batch=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _configure(connection)
        return
    url = config.get_main_option("sqlalchemy.url")
    if not url:
        raise RuntimeError("set sqlalchemy.url, or pass a connection in config.attributes")
    engine = create_engine(url, poolclass=pool.NullPool)
    with engine.connect() as conn:
        _configure(conn)


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
