"""Tables, the database engine, repositories and Alembic migrations."""
