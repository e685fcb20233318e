"""The one schema of the scoring database (SQLAlchemy Core), for SQLite and PostgreSQL alike.

``results`` holds `evidence score`'s results, one row per (document content, rubric, model,
judge). ``batch_jobs`` and ``batch_documents`` hold the HTTP API's batch jobs: a job, and each
of its documents with its text until it is scored (then NULL) and its result.

The tables are created and changed only by the Alembic migrations in ``migrations/versions``
(run on open, ``database.open_database``); a test checks that the migrated database equals this
metadata, so the two cannot drift apart.
"""

from __future__ import annotations

from sqlalchemy import Boolean, Column, Float, ForeignKey, Index, Integer, MetaData, String, Table, Text

# Named constraints: migrations can then refer to them by the same name on every database.
metadata = MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_name)s",
        "uq": "uq_%(table_name)s_%(column_0_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)

results = Table(
    "results",
    metadata,
    Column("key", Text, primary_key=True),  # store.content_key(...)
    Column("content_sha256", Text, nullable=False),
    Column("path", Text, nullable=False),
    Column("rubric_id", Text, nullable=False),
    Column("rubric_fingerprint", Text, nullable=False),
    Column("model", Text, nullable=False),
    Column("judge", Text, nullable=False),
    Column("status", Text, nullable=False),  # ok | failed
    Column("error", Text),
    Column("result", Text),  # MatchResult JSON when ok
    Column("scored_at", Float, nullable=False),
    Column("attempts", Integer, nullable=False, server_default="1"),
)

batch_jobs = Table(
    "batch_jobs",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("rubric", Text, nullable=False),
    Column("use_judge", Boolean, nullable=False),
    Column("status", String(16), nullable=False),  # queued | running | done | failed
    Column("total", Integer, nullable=False),
    Column("error", Text),  # why the whole job failed (a document's own error is on its row)
    Column("created_at", Float, nullable=False),
    Column("finished_at", Float),  # the TTL runs from here
    # The lease: the replica scoring the job, and until when; another may claim it once it has run out.
    Column("owner", Text),
    Column("lease_until", Float),
    Index(None, "status"),
    Index(None, "finished_at"),
)

batch_documents = Table(
    "batch_documents",
    metadata,
    Column("job_id", String(32), ForeignKey(batch_jobs.c.id, ondelete="CASCADE"), primary_key=True),
    Column("position", Integer, primary_key=True),
    Column("doc_id", Text, nullable=False),
    Column("text", Text),  # the submitted text until the document is scored, then NULL
    Column("status", String(16), nullable=False),  # pending | ok | failed
    Column("result", Text),  # MatchResult JSON when ok
    Column("error", Text),
)
