"""Load-test the dashboard on 127.0.0.1, warm and cold, and time the overview in a throttled browser.

    .venv/bin/python bench/web.py [--db STORE] [--clients 50] [--duration 20] [--skip-browser]

Starts ``cscwatch serve`` (uvicorn, one process) in a subprocess on a copy of the store
(``--db``, ``$CSCWATCH_DB``, ``var/cscwatch.duckdb``; else a store built from the bundled data into a
temporary folder), waits until the store generation is warm and its background work (the default
plan, the themes, each LA's report panel) is done, then runs:

1. **Warm**: a baseline against ``/healthz``, then 20 LA pages and their ``/api/la`` twins, each
   requested before the phase so every answer comes from the response cache (target, issue 7:
   p95 < 50 ms).
2. **Cold**: every LA page and its API twin, every measure page and its API twin, each URL requested
   exactly once, so no answer comes from the response cache: each is built from the contexts
   (issue 16 target: p95 < 200 ms at 50 clients, zero errors).
3. **Workbooks**: LA profile and per-measure workbooks, distinct URLs, 2 clients (target < 1 s each).
4. **Browser** (Debian chromium): the overview's first visit at 4 Mbit/s (download and upload
   throttled with the DevTools protocol, 40 ms latency): JavaScript bytes, total bytes over the wire
   and the time until every chart is drawn (targets: < 1.5 MB JavaScript, drawn < 3 s).

The HTTP client (a minimal asyncio keep-alive HTTP/1.1 client) runs in this process on the same
cores as the server, so the figures include its overhead; the baseline shows how much.
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
CHROMIUM = os.environ.get("CSCWATCH_CHROMIUM", "/usr/bin/chromium")


def find_store() -> Path | None:
    for p in (os.environ.get("CSCWATCH_DB"), REPO / "var" / "cscwatch.duckdb"):
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
            self.reader, self.writer = await asyncio.open_connection(self.host, self.port, limit=2 ** 22)
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


def summarise(latencies: dict[str, list[float]], errors: dict[str, int], elapsed: float) -> dict[str, dict]:
    out = {}
    for label, values in latencies.items():
        values.sort()
        out[label] = {"n": len(values), "rps": len(values) / elapsed, "errors": errors[label],
                      "p50": percentile(values, .5) * 1000, "p95": percentile(values, .95) * 1000,
                      "p99": percentile(values, .99) * 1000,
                      "mean": statistics.fmean(values) * 1000 if values else float("nan")}
    return out


async def timed_get(conn: Connection, label: str, path: str, latencies: dict[str, list[float]],
                    errors: dict[str, int]) -> None:
    """One request on ``conn``, its latency recorded under ``label`` (a failure counts as an error)."""
    started = time.perf_counter()
    try:
        ok = await conn.get(path) == 200
    except (OSError, ValueError, asyncio.IncompleteReadError):
        conn.close()
        ok = False
    latencies[label].append(time.perf_counter() - started)
    if not ok:
        errors[label] += 1


async def run_phase(base: str, paths: list[tuple[str, str]], clients: int, duration: float) -> dict[str, dict]:
    """``clients`` workers, one keep-alive connection each, looping over ``paths`` for ``duration``."""
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
            await timed_get(conn, label, path, latencies, errors)
        conn.close()

    started = time.perf_counter()
    await asyncio.gather(*(worker(k) for k in range(clients)))
    return summarise(latencies, errors, time.perf_counter() - started)


async def run_once(base: str, paths: list[tuple[str, str]], clients: int) -> dict[str, dict]:
    """Every (label, path) requested exactly once, by ``clients`` workers taking the next from a queue."""
    host, port = base.removeprefix("http://").split(":")
    latencies: dict[str, list[float]] = {label: [] for label, _ in paths}
    errors: dict[str, int] = {label: 0 for label, _ in paths}
    queue: asyncio.Queue = asyncio.Queue()
    for item in paths:
        queue.put_nowait(item)

    async def worker() -> None:
        conn = Connection(host, int(port))
        while True:
            try:
                label, path = queue.get_nowait()
            except asyncio.QueueEmpty:
                break
            await timed_get(conn, label, path, latencies, errors)
        conn.close()

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(clients)))
    return summarise(latencies, errors, time.perf_counter() - started)


def print_table(title: str, stats: dict[str, dict]) -> None:
    print(f"\n{title}")
    print(f"  {'endpoint':<34}{'requests':>9}{'req/s':>9}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}{'errors':>8}")
    for label, s in stats.items():
        print(f"  {label:<34}{s['n']:>9}{s['rps']:>9.0f}{s['p50']:>9.1f}{s['p95']:>9.1f}{s['p99']:>9.1f}"
              f"{s['errors']:>8}")


def wait_ready(base: str, proc: subprocess.Popen, timeout: float = 300) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"the server exited with {proc.returncode}")
        try:
            health = httpx.get(base + "/healthz", timeout=5).json()
            if health.get("warm") and health.get("background", "done") in ("done", "failed"):
                return health
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    raise SystemExit("the server did not warm up in time")


def browser_overview(base: str) -> dict[str, float] | None:
    """First visit to the overview at 4 Mbit/s: JS bytes, bytes on the wire, time to charts drawn."""
    if not os.path.exists(CHROMIUM):
        return None
    from playwright.sync_api import sync_playwright

    args = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-quic", "--no-first-run",
            "--disable-background-networking", "--disable-component-update", "--disable-sync"]
    results = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=args)
        for _ in range(3):
            context = browser.new_context(viewport={"width": 1366, "height": 900})
            page = context.new_page()
            cdp = context.new_cdp_session(page)
            cdp.send("Network.enable")
            cdp.send("Network.setCacheDisabled", {"cacheDisabled": True})
            cdp.send("Network.emulateNetworkConditions", {"offline": False, "latency": 40,
                                                           "downloadThroughput": 4_000_000 / 8,
                                                           "uploadThroughput": 4_000_000 / 8})
            wire: dict[str, float] = {}
            scripts: dict[str, int] = {}
            cdp.on("Network.loadingFinished", lambda e: wire.__setitem__(e["requestId"], e["encodedDataLength"]))
            page.on("response", lambda r: scripts.__setitem__(r.url, len(r.body()))
                    if r.request.resource_type == "script" else None)
            started = time.perf_counter()
            page.goto(base + "/")
            page.wait_for_selector("html[data-charts=drawn]", state="attached", timeout=60_000)
            drawn = time.perf_counter() - started
            results.append({"drawn_s": drawn, "js_bytes": sum(scripts.values()), "wire_bytes": sum(wire.values())})
            context.close()
        browser.close()
    best = sorted(results, key=lambda r: r["drawn_s"])[len(results) // 2]
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", type=Path, default=None, help="Store to serve (copied first).")
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--duration", type=float, default=20.0, help="Seconds per warm phase.")
    parser.add_argument("--las", type=int, default=20, help="How many LAs the warm mix rotates over.")
    parser.add_argument("--workbooks", type=int, default=20, help="How many LA and measure workbooks each.")
    parser.add_argument("--skip-browser", action="store_true")
    parser.add_argument("--workers", type=int, default=1, help="cscwatch serve --workers")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        source = args.db or find_store()
        store_path = Path(tmp) / "bench.duckdb"
        if source is None:
            print("no store given: building one from the bundled data ...", flush=True)
            subprocess.run([sys.executable, "-m", "cscwatch.cli", "build", "--db", str(store_path)], check=True,
                           stdout=subprocess.DEVNULL)
            kind = "store built from the bundled data"
        else:
            shutil.copyfile(source, store_path)
            kind = f"copy of {source}"
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        proc = subprocess.Popen([sys.executable, "-m", "cscwatch.cli", "serve", "--db", str(store_path),
                                 "--port", str(port), "--workers", str(args.workers)],
                                env={**os.environ, "CSCWATCH_SESSION_SECRET": str(Path(tmp) / "session.key")},
                                stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        try:
            t0 = time.perf_counter()
            health = wait_ready(base, proc)
            print(f"cscwatch web bench: {kind}; {health['las']} LAs, {health['measures']} measures; "
                  f"generation warm after {time.perf_counter() - t0:.1f} s; {args.clients} clients; "
                  f"{args.workers} server process{'es' if args.workers > 1 else ''}; "
                  f"{os.cpu_count()} cores")
            las = [la["la_code_old"] for la in httpx.get(base + "/api/las", timeout=60).json()["las"]]
            current = [la["la_code_old"] for la in httpx.get(base + "/api/las", timeout=60).json()["las"]
                       if la["current"]]
            measures = [m["measure_id"] for m in httpx.get(base + "/api/measures", timeout=60).json()["measures"]]

            # 1. warm
            mix = [(f"/la/{{code}} ({args.las} LAs)", f"/la/{code}") for code in current[: args.las]]
            mix += [("/api/la/{code}", f"/api/la/{code}") for code in current[: args.las]]
            for _ in range(2 * args.workers):          # every worker process caches its own answers
                for _, path in mix:
                    httpx.get(base + path, timeout=120).raise_for_status()
            baseline = asyncio.run(run_phase(base, [("/healthz (baseline)", "/healthz")], args.clients, args.duration))
            print_table("Phase 1a: baseline (uncached JSON, tiny)", baseline)
            labelled: dict[str, list[str]] = {}
            for label, path in mix:
                labelled.setdefault(label, []).append(path)
            interleaved = [(lb, p) for pair in zip(*[[(lb, p) for p in ps] for lb, ps in labelled.items()])
                           for lb, p in pair]
            warm = asyncio.run(run_phase(base, interleaved, args.clients, args.duration))
            print_table("Phase 1b: warm (LA page + API mix, from the response cache)", warm)

            # 2. cold: distinct URLs (the warm mix's LAs get different query strings)
            cold_paths = [("/la/{code} (every LA)", f"/la/{c}?cold=1") for c in las]
            cold_paths += [("/api/la/{code} (every LA)", f"/api/la/{c}?cold=1") for c in las]
            cold_paths += [("/measure/{id} (every measure)", f"/measure/{m}") for m in measures]
            cold_paths += [("/api/measure/{id} (every measure)", f"/api/measure/{m}") for m in measures]
            import random

            random.Random(16).shuffle(cold_paths)
            cold = asyncio.run(run_once(base, cold_paths, args.clients))
            print_table(f"Phase 2: cold ({len(cold_paths)} distinct URLs, each once, none cached)", cold)

            # 3. workbooks
            books = [("/la/{code}/workbook.xlsx", f"/la/{c}/workbook.xlsx") for c in current[-args.workbooks:]]
            books += [("/measure/{id}/workbook.xlsx", f"/measure/{m}/workbook.xlsx") for m in measures[: args.workbooks]]
            workbooks = asyncio.run(run_once(base, books, 2))
            print_table("Phase 3: workbooks (distinct, 2 clients)", workbooks)

            # 4. browser
            browser = None if args.skip_browser else browser_overview(base)
            if browser:
                print(f"\nPhase 4: overview, first visit at 4 Mbit/s (median of 3): charts drawn in "
                      f"{browser['drawn_s']:.2f} s; {browser['js_bytes'] / 1e6:.2f} MB JavaScript "
                      f"(uncompressed), {browser['wire_bytes'] / 1e6:.2f} MB over the wire")

            errors = sum(s["errors"] for phase in (baseline, warm, cold, workbooks) for s in phase.values())
            warm_p95 = max(s["p95"] for s in warm.values())
            cold_p95 = max(s["p95"] for s in cold.values())
            book_max = max(s["p99"] for s in workbooks.values())
            print("\nTargets:")
            print(f"  warm p95 < 50 ms: {'PASS' if warm_p95 < 50 else 'FAIL'} ({warm_p95:.1f} ms)")
            print(f"  cold p95 < 200 ms at {args.clients} clients: {'PASS' if cold_p95 < 200 else 'FAIL'} "
                  f"({cold_p95:.1f} ms)")
            print(f"  workbook < 1 s (p99): {'PASS' if book_max < 1000 else 'FAIL'} ({book_max:.0f} ms)")
            print(f"  zero errors: {'PASS' if errors == 0 else 'FAIL'} ({errors})")
            if browser:
                print(f"  < 1.5 MB JavaScript: {'PASS' if browser['js_bytes'] < 1.5e6 else 'FAIL'}; "
                      f"overview drawn < 3 s at 4 Mbit/s: {'PASS' if browser['drawn_s'] < 3 else 'FAIL'}")
        finally:
            proc.terminate()
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                proc.kill()


if __name__ == "__main__":
    main()
