"""Alembic's environment for the scoring database: run programmatically by ``database.upgrade``.

The caller hands over an open connection (``config.attributes["connection"]``) inside its own
transaction, so every migration of one upgrade commits or rolls back together. No alembic.ini
and no logging setup: this runs inside the server and the CLI, whose logging is their own.
For a new revision: ``alembic -x url=sqlite:///x.sqlite revision -m "..."`` needs an ini, so
copy the newest file in versions/ instead (plain ``op`` calls; never import ``schema`` there, a
migration is frozen in time) and run ``tests/test_database.py``, which checks the result against
``schema.metadata``.
"""

from __future__ import annotations

from alembic import context

from evidence_matcher.matcher.scoring.schema import metadata

connection = context.config.attributes["connection"]
context.configure(connection=connection, target_metadata=metadata)
with context.begin_transaction():
    context.run_migrations()
