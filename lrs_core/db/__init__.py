"""Storage: SQLAlchemy models, the database handle and its migrations."""
