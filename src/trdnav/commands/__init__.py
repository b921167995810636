"""Command-line groups that work on the installation's database (accounts, backups, audit).

`open_database` reads the settings from the environment like `trdnav serve`, opens and migrates
the database, and gives the settings, the engine and a session factory; setting problems are
printed as lines naming the setting, with exit status 2.
"""

from __future__ import annotations

from dataclasses import dataclass

import typer
from rich.console import Console
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from trdnav.settings import Settings
from trdnav.store.database import migrate, open_engine, session_factory

INPUT_ERROR = 2
err = Console(stderr=True, soft_wrap=True)


def fail(lines: list[str]) -> typer.Exit:
    for line in lines:
        err.print(line, markup=False, highlight=False)
    return typer.Exit(INPUT_ERROR)


@dataclass(frozen=True)
class Database:
    settings: Settings
    engine: Engine
    sessions: sessionmaker[Session]


def open_database() -> Database:
    from trdnav.web.serve import ServeError, settings_from_environment  # the same checks as serve

    try:
        settings = settings_from_environment()
    except ServeError as error:
        raise fail(error.lines) from None
    engine = open_engine(settings.database_url)
    migrate(engine)
    return Database(settings=settings, engine=engine, sessions=session_factory(engine))
