"""Load-test the dashboard on 127.0.0.1: 50 concurrent clients for 20 s.

    .venv/bin/python bench/web.py [--db STORE] [--clients 50] [--duration 20]

Starts ``cscwatch serve`` (uvicorn, one process) in a subprocess on a copy of the store
(``$CSCWATCH_DB``, ``var/cscwatch.duckdb`` or ``var/dev.duckdb``; the synthetic store when none is
built), waits until its caches and risk model are warm, then runs two bounded phases with the same
client: a baseline against ``/healthz`` and the real mix, LA pages (``/la/{code}``, rotating over
LAs) and an API endpoint (``/api/la/{code}``). Prints p50/p95/p99 latency, throughput and errors
per endpoint. Target (issue 7): p95 < 50 ms and zero errors on 2 cores.

The client (a minimal asyncio keep-alive HTTP/1.1 client) runs in this process on the same cores
as the server, so the figures include its overhead; the baseline shows how much.
"""
from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

REPO = Path(__file__).resolve().parents[1]


def find_store() -> Path | None:
    for p in (os.environ.get("CSCWATCH_DB"), REPO / "var" / "cscwatch.duckdb", REPO / "var" / "dev.duckdb"):
        if p and Path(p).is_file():
            return Path(p)
    return None


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def percentile(sorted_values: list[float], q: float) -> float:
    if not sorted_values:
        return float("nan")
    k = (len(sorted_values) - 1) * q
    lo = int(k)
    hi = min(lo + 1, len(sorted_values) - 1)
    return sorted_values[lo] + (k - lo) * (sorted_values[hi] - sorted_values[lo])


class Connection:
    """A minimal HTTP/1.1 keep-alive client over asyncio streams: far less client CPU than a full
    HTTP library, so on a 2-core machine more of the time measured is the server's."""

    def __init__(self, host: str, port: int):
        self.host, self.port = host, port
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def get(self, path: str) -> int:
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
        self.writer.write(f"GET {path} HTTP/1.1\r\nHost: {self.host}\r\nAccept-Encoding: identity\r\n\r\n".encode())
        await self.writer.drain()
        status_line = await self.reader.readline()
        if not status_line:
            raise ConnectionError("connection closed")
        status = int(status_line.split()[1])
        length, chunked, close = 0, False, False
        while (line := await self.reader.readline()) not in (b"\r\n", b""):
            name, _, value = line.decode("latin-1").partition(":")
            name = name.strip().lower()
            if name == "content-length":
                length = int(value)
            elif name == "transfer-encoding" and "chunked" in value:
                chunked = True
            elif name == "connection" and "close" in value:
                close = True
        if chunked:
            while (size := int((await self.reader.readline()).strip(), 16)):
                await self.reader.readexactly(size + 2)
            await self.reader.readline()
        else:
            await self.reader.readexactly(length)
        if close:
            self.close()
        return status

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
        self.reader = self.writer = None


async def run_phase(base: str, paths: list[tuple[str, str]], clients: int, duration: float
                    ) -> dict[str, dict[str, float]]:
    """``clients`` workers, one keep-alive connection each, looping over ``paths`` (label, path)
    until ``duration`` is up."""
    host, port = base.removeprefix("http://").split(":")
    latencies: dict[str, list[float]] = {label: [] for label, _ in paths}
    errors: dict[str, int] = {label: 0 for label, _ in paths}
    deadline = time.perf_counter() + duration

    async def worker(offset: int) -> None:
        conn = Connection(host, int(port))
        i = offset
        while time.perf_counter() < deadline:
            label, path = paths[i % len(paths)]
            i += 1
            started = time.perf_counter()
            try:
                ok = await conn.get(path) == 200
            except (OSError, ValueError, asyncio.IncompleteReadError):
                conn.close()
                ok = False
            latencies[label].append(time.perf_counter() - started)
            if not ok:
                errors[label] += 1
        conn.close()

    started = time.perf_counter()
    await asyncio.gather(*(worker(k) for k in range(clients)))
    elapsed = time.perf_counter() - started
    out = {}
    for label, values in latencies.items():
        values.sort()
        out[label] = {"n": len(values), "rps": len(values) / elapsed, "errors": errors[label],
                      "p50": percentile(values, .5) * 1000, "p95": percentile(values, .95) * 1000,
                      "p99": percentile(values, .99) * 1000,
                      "mean": statistics.fmean(values) * 1000 if values else float("nan")}
    return out


def print_table(title: str, stats: dict[str, dict[str, float]]) -> None:
    print(f"\n{title}")
    print(f"  {'endpoint':<28}{'requests':>9}{'req/s':>9}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}{'errors':>8}")
    for label, s in stats.items():
        print(f"  {label:<28}{s['n']:>9}{s['rps']:>9.0f}{s['p50']:>9.1f}{s['p95']:>9.1f}{s['p99']:>9.1f}"
              f"{s['errors']:>8}")


def wait_ready(base: str, proc: subprocess.Popen, timeout: float = 300) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"the server exited with {proc.returncode}")
        try:
            health = httpx.get(base + "/healthz", timeout=5).json()
            if health.get("warm") and health.get("risk") != "pending":
                return health
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    raise SystemExit("the server did not warm up in time")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", type=Path, default=None, help="Store to serve (copied first).")
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--duration", type=float, default=20.0, help="Seconds per phase.")
    parser.add_argument("--las", type=int, default=20, help="How many LAs the LA-page mix rotates over.")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        source = args.db or find_store()
        store_path = Path(tmp) / "bench.duckdb"
        if source is None:
            from cscwatch.fixtures.stores import synthetic_store

            synthetic_store(store_path).close()
            kind = "synthetic store"
        else:
            shutil.copyfile(source, store_path)
            kind = f"copy of {source}"
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        proc = subprocess.Popen([sys.executable, "-m", "cscwatch.cli", "serve", "--db", str(store_path),
                                 "--port", str(port)], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        try:
            t0 = time.perf_counter()
            health = wait_ready(base, proc)
            print(f"cscwatch web bench: {kind}; {health['las']} LAs, {health['measures']} measures; "
                  f"server warm after {time.perf_counter() - t0:.1f} s (risk model: {health['risk']}); "
                  f"{args.clients} clients x {args.duration:.0f} s per phase; {os.cpu_count()} cores")
            las = [la["la_code_old"] for la in httpx.get(base + "/api/las", timeout=30).json()
                   if la["current"]][: args.las]
            mix = [(f"/la/{{code}} ({len(las)} LAs)", f"/la/{code}") for code in las]
            mix += [("/api/la/{code}", f"/api/la/{code}") for code in las]
            for _, path in mix:  # first visit builds each page; the bench measures the served state
                httpx.get(base + path, timeout=120).raise_for_status()
            baseline = asyncio.run(run_phase(base, [("/healthz (baseline)", "/healthz")], args.clients,
                                             args.duration))
            print_table("Phase 1: baseline", baseline)
            labelled = {}
            for label, path in mix:
                labelled.setdefault(label, []).append(path)
            interleaved = [(label, path) for pair in zip(*[[(lb, p) for p in ps] for lb, ps in labelled.items()])
                           for label, path in pair]
            stats = asyncio.run(run_phase(base, interleaved, args.clients, args.duration))
            print_table("Phase 2: LA page + API mix", stats)
            worst = max(s["p95"] for s in stats.values())
            errors = sum(s["errors"] for s in {**baseline, **stats}.values())
            verdict = "PASS" if worst < 50 and errors == 0 else "FAIL"
            print(f"\nTarget p95 < 50 ms and zero errors: {verdict} (worst p95 {worst:.1f} ms, {errors} errors)")
        finally:
            proc.terminate()
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                proc.kill()


if __name__ == "__main__":
    main()
