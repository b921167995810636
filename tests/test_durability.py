"""DURABILITY TEST (slow, ~5-15 s per database): a real `trdnav serve` process is killed with SIGKILL
while 200 submissions are being sent to it, on SQLite and on PostgreSQL.

What it proves: every submission that got "201 Created" is there after a restart, with its answers
exactly as sent; nothing half-written is visible (every stored assessment is one whole submission
with its audit "create" entry, and every such entry has its assessment); the audit hash chain is
intact; SQLite's integrity and foreign key checks pass on the crashed file before any restart.

How the kill lands mid-way: requests are sent 32 at a time, and the worker that receives the 50th
success kills the server (and waits for it to be gone) while holding the lock that every request
takes before it is sent. So at the kill at most 31 other requests are in flight and about 120 have
not been sent; those fail with a connection error. The stored count is then bounded: at least the
successes, at most the successes before the kill plus the requests in flight at that moment.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import select, text
from sqlalchemy.engine import make_url

from trdnav.store import audit
from trdnav.store.backup import sqlite_integrity_problems
from trdnav.store.database import open_engine, session_factory
from trdnav.store.models import Assessment, AuditEvent

SUBMISSIONS = 200
IN_FLIGHT = 32
KILL_AFTER_SUCCESSES = 50
START_SECONDS = 30
EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "ketamine-leaning.json"
ORPHAN_QUERY = (  # rows of {table} that refer to an assessment that is not there
    "SELECT count(*) FROM {table} t LEFT JOIN assessments a ON a.id = t.assessment_id WHERE a.id IS NULL"
)
DEPENDENT_TABLES = ("consultation_requests", "reviews", "notes")


def answers_for(index: int) -> dict[str, Any]:
    """A valid answers document unique to submission ``index`` (its episode length is the index)."""
    document: dict[str, Any] = json.loads(EXAMPLE.read_text())
    answers: dict[str, Any] = document["answers"]
    answers.update(episode_months=index, age=18 + index % 80, failed_antidepressant_trials=index % 40 + 2)
    answers["phq9"] = [(index + item) % 4 for item in range(9)]
    return answers


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@contextmanager
def running_server(database_url: str, log: Path) -> Iterator[tuple[subprocess.Popen[bytes], str]]:
    """`trdnav serve` on a free port (the Python process itself runs uvicorn: its pid is the server's).

    The database is created and migrated by the app on start. The process is always ended on exit.
    """
    environ = {key: value for key, value in os.environ.items() if not key.upper().startswith("TRDNAV_")}
    environ.update(TRDNAV_DATABASE_URL=database_url, PYTHONUNBUFFERED="1")
    port = _free_port()
    command = [sys.executable, "-c", "from trdnav.cli import main; main()", "serve", "--port", str(port)]
    with log.open("ab") as output:
        server = subprocess.Popen(command, env=environ, stdout=output, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_until_up(server, base, log)
        yield server, base
    finally:
        if server.poll() is None:
            server.send_signal(signal.SIGINT)
            try:
                server.wait(timeout=20)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()


def _wait_until_up(server: subprocess.Popen[bytes], base: str, log: Path) -> None:
    deadline = time.monotonic() + START_SECONDS
    while time.monotonic() < deadline:
        if server.poll() is not None:
            pytest.fail(f"trdnav serve stopped with status {server.returncode}:\n{log.read_text()}")
        try:
            httpx.get(base + "/openapi.json", timeout=1)
            return
        except httpx.TransportError:
            time.sleep(0.1)
    pytest.fail(f"trdnav serve did not answer within {START_SECONDS} s:\n{log.read_text()}")


@dataclass
class Run:
    """What the clients saw, and the moment of the kill."""

    server: subprocess.Popen[bytes]
    tokens: dict[int, str] = field(default_factory=dict)  # submission index -> token (201 received)
    refused: list[int] = field(default_factory=list)  # never reached the server (connection refused)
    lost: list[int] = field(default_factory=list)  # sent, no response: the server died meanwhile
    unexpected: list[str] = field(default_factory=list)  # any other response
    in_flight: int = 0
    in_flight_at_kill: int = -1
    successes_at_kill: int = -1
    lock: threading.Lock = field(default_factory=threading.Lock)

    def kill_server(self) -> None:
        """SIGKILL, with the lock held: no request is sent until the process is gone."""
        os.kill(self.server.pid, signal.SIGKILL)
        self.server.wait(timeout=10)
        self.successes_at_kill, self.in_flight_at_kill = len(self.tokens), self.in_flight - 1

    def submit(self, client: httpx.Client, index: int) -> None:
        with self.lock:
            self.in_flight += 1
        try:
            response = client.post("/api/v1/assessments", json={"version": 1, "answers": answers_for(index)})
        except httpx.ConnectError:
            outcome = "refused"
        except httpx.TransportError:
            outcome = "lost"
        else:
            outcome = "ok" if response.status_code == 201 else f"{index}: {response.status_code}"
        with self.lock:
            if outcome == "ok":
                self.tokens[index] = response.json()["token"]
                if len(self.tokens) == KILL_AFTER_SUCCESSES:
                    self.kill_server()
            elif outcome == "refused":
                self.refused.append(index)
            elif outcome == "lost":
                self.lost.append(index)
            else:
                self.unexpected.append(outcome)
            self.in_flight -= 1


def submit_all_and_kill(server: subprocess.Popen[bytes], base: str) -> Run:
    run = Run(server=server)
    limits = httpx.Limits(max_connections=IN_FLIGHT, max_keepalive_connections=IN_FLIGHT)
    with (
        httpx.Client(base_url=base, limits=limits, timeout=30) as client,
        ThreadPoolExecutor(max_workers=IN_FLIGHT) as pool,
    ):
        for done in [pool.submit(run.submit, client, index) for index in range(SUBMISSIONS)]:
            done.result()
    return run


def check_stored_records(database_url: str, run: Run) -> int:
    """Nothing half-written: each stored assessment is one whole submission with its audit entry."""
    engine = open_engine(database_url)
    try:
        with session_factory(engine)() as session:
            stored = {a.id: a.answers for a in session.scalars(select(Assessment))}
            created = set(
                session.scalars(
                    select(AuditEvent.record_id).where(
                        AuditEvent.record_type == "assessment", AuditEvent.action == "create"
                    )
                )
            )
            assert audit.verify(session) == [], "the audit chain is intact after the crash"
            for table in DEPENDENT_TABLES:
                orphans = session.scalar(text(ORPHAN_QUERY.format(table=table)))
                assert orphans == 0, f"{table} rows refer to a missing assessment"
    finally:
        engine.dispose()
    assert created == set(stored), "every stored assessment has its audit entry, and every entry its record"
    for answers in stored.values():
        assert answers == answers_for(answers["episode_months"]), "a stored document is one whole submission"
    return len(stored)


@pytest.mark.slow  # a server in a subprocess, killed mid-submission and started again: 5-6 s
def test_sigkill_mid_submission_loses_no_acknowledged_write(fresh_database_url: str, tmp_path: Path) -> None:
    log = tmp_path / "server.log"
    started = time.monotonic()
    with running_server(fresh_database_url, log) as (server, base):
        run = submit_all_and_kill(server, base)
    load_seconds = time.monotonic() - started
    assert run.successes_at_kill == KILL_AFTER_SUCCESSES, "the server was killed"
    assert not run.unexpected, f"responses other than 201 before the kill: {run.unexpected}"
    assert len(run.tokens) >= KILL_AFTER_SUCCESSES
    assert len(run.refused) + len(run.lost) >= SUBMISSIONS // 2, "the kill landed mid-way"
    assert len(run.tokens) + len(run.refused) + len(run.lost) == SUBMISSIONS

    if fresh_database_url.startswith("sqlite"):  # the crashed file, before any restart
        assert sqlite_integrity_problems(Path(make_url(fresh_database_url).database or "")) == []
    stored = check_stored_records(fresh_database_url, run)
    assert len(run.tokens) <= stored <= run.successes_at_kill + run.in_flight_at_kill

    with running_server(fresh_database_url, log) as (_restarted, base), httpx.Client(base_url=base) as client:
        for index, token in run.tokens.items():
            response = client.get(f"/api/v1/assessments/{token}")
            assert response.status_code == 200, f"submission {index} acknowledged but missing"
            assert response.json()["document"] == {"version": 1, "answers": answers_for(index)}
    assert check_stored_records(fresh_database_url, run) == stored
    if fresh_database_url.startswith("sqlite"):
        assert sqlite_integrity_problems(Path(make_url(fresh_database_url).database or "")) == []
    print(
        f"\n[durability {make_url(fresh_database_url).get_backend_name()}] {SUBMISSIONS} sent, "
        f"{len(run.tokens)} acknowledged, {len(run.refused)} refused after the kill, {len(run.lost)} lost "
        f"in flight, {stored} stored; in flight at the kill: {run.in_flight_at_kill}; "
        f"start+load+kill {load_seconds:.1f} s, total {time.monotonic() - started:.1f} s"
    )
