"""Alembic environment: runs on the connection the bot hands it (see Database.upgrade)."""

from __future__ import annotations

from alembic import context

connection = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError("Run migrations with `python -m bot db upgrade`.")

# Migrations are written by hand; running them needs no table definitions (those are spread
# over the capabilities, and tests/test_storage.py compares them with every migration).
context.configure(connection=connection, target_metadata=None, render_as_batch=True)
with context.begin_transaction():
    context.run_migrations()
