"""Storage on SQLite and PostgreSQL: migrations, the repository, and `trdnav serve`."""
