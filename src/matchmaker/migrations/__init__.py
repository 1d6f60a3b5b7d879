"""Schema migrations of the store (Alembic), shipped in the package so that an installed tool can
migrate its database: :class:`matchmaker.store.Store` runs ``upgrade head`` when it opens one.

There is no ``alembic.ini``; :func:`matchmaker.store.migrate.alembic_config` builds the
configuration. To write a revision after changing ``matchmaker/store/schema.py``::

    from alembic import command
    from matchmaker.store.migrate import alembic_config

    cfg = alembic_config("sqlite:///var/dev.db")   # a database at the current head
    command.revision(cfg, message="what changes", autogenerate=True, rev_id="0003")

then read the generated file in ``versions/`` (rename it ``r0003_<slug>.py``), add the data
migration if rows must change, and run ``tests/test_store_migrations.py``: it checks that the
migrations and the models agree.
"""
