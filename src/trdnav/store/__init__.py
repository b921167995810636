"""Storage: SQLAlchemy models, migrations and repository functions (the shell)."""
