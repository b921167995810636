"""HTTP throughput and latency of `POST /api/v1/assessments:evaluate`, against a bare echo app.

Both apps run under uvicorn with the same settings (one worker, no access log, uvloop and httptools
when installed, 127.0.0.1 on a free port) and are driven by wrk (Debian package ``wrk``) POSTing the
same realistic document (examples/ketamine-leaning.json), in the same run:

1. maximum throughput of the echo app and of the real app (closed loop, fixed connections), in
   five alternating rounds (echo then evaluate, then the other way round, and so on); the ratio
   counts per round, so that a change in the machine's other load hits both runs of a round alike,
   and the median of the per-round ratios is the result, with their spread;
2. latency of the real app at about half its maximum throughput. wrk has no rate setting (wrk2 is
   not packaged), so each connection waits a fixed delay before each request (wrk's ``delay()``
   hook), calibrated in a short run to reach half the measured maximum; wrk's ``--latency``
   distribution then gives the p99.

The echo reads and writes JSON with the same libraries as the real route (`bench/echo_app.py`), so
the ratio counts only what the app adds: middleware, the answer checks and the assessment.

Goals: evaluate >= 0.8x the echo's throughput; p99 <= 20 ms at half load. Every server started
here is stopped at the end, also on error.

    make bench        # or: .venv/bin/python bench/bench_http.py [--seconds 5]
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from paired_rounds import RatioSummary, round_order

ROOT = Path(__file__).resolve().parent.parent
DOCUMENT = ROOT / "examples" / "ketamine-leaning.json"
PATH = "/api/v1/assessments:evaluate"
THROUGHPUT_GOAL = 0.8
P99_GOAL_MS = 20.0
CONNECTIONS = 16
ROUNDS = 5
HALF_LOAD_CONNECTIONS = 32
HALF_LOAD_SECONDS = 10.0
START_TIMEOUT_SECONDS = 30.0

LUA = """
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = [[{body}]]
{delay}
"""
DELAY_FUNCTION = "function delay()\n  return {ms}\nend"


@dataclass(frozen=True)
class Run:
    requests_per_second: float
    p50_ms: float
    p99_ms: float
    errors: int
    command: str


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def _server_options() -> list[str]:
    options = ["--workers", "1", "--no-access-log", "--log-level", "warning"]
    if importlib.util.find_spec("uvloop"):
        options += ["--loop", "uvloop"]
    if importlib.util.find_spec("httptools"):
        options += ["--http", "httptools"]
    return options


def _wait_until_up(port: int, server: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + START_TIMEOUT_SECONDS
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}{PATH}",
        data=DOCUMENT.read_bytes(),
        headers={"Content-Type": "application/json"},
    )
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"the server stopped at start (exit code {server.returncode})")
        try:
            with urllib.request.urlopen(request, timeout=2) as response:
                if response.status == 200:
                    return
                raise SystemExit(f"the server answered {response.status} to the benchmark document")
        except urllib.error.HTTPError as error:
            raise SystemExit(f"the server answered {error.code} to the benchmark document") from None
        except OSError:
            time.sleep(0.1)
    raise SystemExit(f"the server did not start within {START_TIMEOUT_SECONDS:.0f} s")


@contextmanager
def serve(target: list[str], environment: dict[str, str]) -> Iterator[int]:
    """Run one app under uvicorn on a free port; stop it (and only it) when done."""
    port = _free_port()
    command = [sys.executable, "-m", "uvicorn", *target, "--host", "127.0.0.1", "--port", str(port)]
    server = subprocess.Popen([*command, *_server_options()], cwd=ROOT, env={**os.environ, **environment})
    try:
        _wait_until_up(port, server)
        yield port
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


def _milliseconds(text: str) -> float:
    number, unit = re.fullmatch(r"([\d.]+)(us|ms|s)", text).groups()  # type: ignore[union-attr]
    return float(number) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]


def wrk(port: int, seconds: float, connections: int, script: Path) -> Run:
    command = [
        "wrk",
        "--threads",
        "1",
        "--connections",
        str(connections),
        "--duration",
        f"{seconds:g}s",
        "--latency",
        "--script",
        str(script),
        f"http://127.0.0.1:{port}{PATH}",
    ]
    output = subprocess.run(command, capture_output=True, text=True, check=True, timeout=seconds + 30).stdout
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))  # type: ignore[union-attr]
    p50 = re.search(r"^\s+50%\s+(\S+)", output, re.MULTILINE).group(1)  # type: ignore[union-attr]
    p99 = re.search(r"^\s+99%\s+(\S+)", output, re.MULTILINE).group(1)  # type: ignore[union-attr]
    bad = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", output)
    socket_errors = re.search(r"Socket errors:.*", output)
    if socket_errors:
        print(f"    wrk: {socket_errors.group(0)}")
    shown = " ".join(command).replace(str(script), script.name).replace(f":{port}", ":PORT")
    return Run(rate, _milliseconds(p50), _milliseconds(p99), int(bad.group(1)) if bad else 0, shown)


def _script(folder: Path, name: str, delay_ms: int | None) -> Path:
    body = DOCUMENT.read_text(encoding="utf-8")
    delay = DELAY_FUNCTION.format(ms=delay_ms) if delay_ms is not None else ""
    path = folder / name
    path.write_text(LUA.format(body=body, delay=delay), encoding="utf-8")
    return path


def _median(runs: list[Run]) -> Run:
    """The run with the median throughput."""
    return sorted(runs, key=lambda run: run.requests_per_second)[len(runs) // 2]


def _report(label: str, run: Run) -> None:
    errors = f", {run.errors} non-2xx" if run.errors else ""
    print(
        f"  {label:<40} {run.requests_per_second:9,.0f} req/s   p50 {run.p50_ms:6.2f} ms   "
        f"p99 {run.p99_ms:6.2f} ms{errors}"
    )
    if run.errors:
        raise SystemExit(f"{label}: {run.errors} responses were not 2xx; the numbers would mean nothing")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--seconds", type=float, default=5.0, help="length of each max-throughput run")
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is not installed: apt-get install wrk (make bench installs it)")

    with tempfile.TemporaryDirectory(prefix="trdnav-bench-") as folder_name:
        folder = Path(folder_name)
        flat_out = _script(folder, "post.lua", None)
        environment = {"TRDNAV_DATABASE_URL": f"sqlite:///{folder / 'bench.db'}"}
        print(f"machine: {os.cpu_count()} cores (nproc); server options: {' '.join(_server_options())}")
        print(f"document: {DOCUMENT.relative_to(ROOT)} ({DOCUMENT.stat().st_size} bytes)")

        with (
            serve(["--app-dir", "bench", "echo_app:app"], environment) as echo_port,
            serve(["--factory", "trdnav.web.app:create_app"], environment) as port,
        ):
            for warm_up in (echo_port, port):
                wrk(warm_up, 2, CONNECTIONS, flat_out)
            runs_by_port: dict[int, list[Run]] = {echo_port: [], port: []}
            for round_number in range(ROUNDS):
                for app_port in round_order(round_number, [echo_port, port]):
                    runs_by_port[app_port].append(wrk(app_port, args.seconds, CONNECTIONS, flat_out))
            echo_runs, evaluate_runs = runs_by_port[echo_port], runs_by_port[port]
            echo, evaluate = _median(echo_runs), _median(evaluate_runs)
            target = evaluate.requests_per_second / 2
            # Each connection waits `delay` ms, then sends: one request per (delay + latency) ms, so
            # the rate is about connections * 1000 / (delay + latency). Guess the latency as one
            # service time, then correct it with what a short calibration run measured.
            cycle = HALF_LOAD_CONNECTIONS * 1000 / target
            first = max(1, round(cycle - 1000 / evaluate.requests_per_second))
            calibration = wrk(port, 3, HALF_LOAD_CONNECTIONS, _script(folder, "calibrate.lua", first))
            latency = HALF_LOAD_CONNECTIONS * 1000 / calibration.requests_per_second - first
            delay = max(1, round(cycle - latency))
            half = wrk(port, HALF_LOAD_SECONDS, HALF_LOAD_CONNECTIONS, _script(folder, "half.lua", delay))

    print(
        f"\nmax throughput ({CONNECTIONS} connections; {ROUNDS} alternating runs of {args.seconds:g} s each):"
    )
    for label, runs in (("echo", echo_runs), ("evaluate", evaluate_runs)):
        print(f"  {label} runs: " + ", ".join(f"{run.requests_per_second:,.0f}" for run in runs) + " req/s")
    _report("echo (bare FastAPI, API-style JSON echo)", echo)
    _report("POST /api/v1/assessments:evaluate", evaluate)
    print(f"\nhalf load ({HALF_LOAD_CONNECTIONS} connections, each waiting {delay} ms before each request):")
    _report("POST /api/v1/assessments:evaluate", half)

    summary = RatioSummary.of_rates(
        [run.requests_per_second for run in evaluate_runs], [run.requests_per_second for run in echo_runs]
    )
    load = half.requests_per_second / evaluate.requests_per_second
    ratios = ", ".join(f"{ratio:.2f}" for ratio in summary.ratios)
    print(
        f"\nthroughput ratio evaluate/echo per round (sorted): {ratios}\n"
        f"median ratio: {summary.describe()} "
        f"(goal >= {THROUGHPUT_GOAL}x: {'meets' if summary.median >= THROUGHPUT_GOAL else 'MISSES'})"
    )
    print(
        f"p99 at {load:.0%} of max throughput: {half.p99_ms:.2f} ms "
        f"(goal <= {P99_GOAL_MS:g} ms at half load: {'meets' if half.p99_ms <= P99_GOAL_MS else 'MISSES'})"
    )
    print(f"wrk command (max): {evaluate.command}")
    print(f"wrk command (half load): {half.command}")


if __name__ == "__main__":
    main()
