"""Time the early-warning, themes, plan and returns pages, cold and warm, and whether planning blocks others.

    .venv/bin/python bench/web_pages.py [--db STORE] [--runs 3] [--la 867]

Starts ``cscwatch serve`` in a subprocess on a copy of the store (``--db``, ``$CSCWATCH_DB``,
``var/cscwatch.duckdb``) ``--runs`` times. Each run waits until the generation is warm, then:

1. **Plan, first visitor**: ``/plan`` at once (the default plan is being made in the background:
   the request waits for that computation instead of starting another), then how much longer the
   rest of the background work took (themes, each LA's report panel; ``/healthz`` ``background``).
2. **Cold**: the first request of each page (no response cached), then **warm**: the same again.
3. **Blocking**: 20 cold LA pages one after another, alone and while a non-default plan
   (``/plan?months=24``, CP-SAT, seconds) is being made: does planning hold other pages up?

Prints medians over the runs (a 2-core machine shared with other work: expect +-30%).
"""
from __future__ import annotations

import argparse
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx

REPO = Path(__file__).resolve().parents[1]
PAGES = ["/risk", "/api/risk", "/model-card", "/themes", "/api/themes", "/plan", "/api/plan", "/plan/workbook.xlsx",
         "/la/{la}", "/returns/{la}"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def timed(client: httpx.Client, path: str) -> float:
    t = time.perf_counter()
    client.get(path).raise_for_status()
    return 1000 * (time.perf_counter() - t)


def wait(client: httpx.Client, proc: subprocess.Popen, key: str, value: object, timeout: float = 600) -> float:
    t = time.perf_counter()
    while time.perf_counter() - t < timeout:
        if proc.poll() is not None:
            raise SystemExit(f"cscwatch serve exited: {proc.stderr.read().decode()[-2000:]}")
        try:
            if client.get("/healthz").json().get(key) == value:
                return time.perf_counter() - t
        except httpx.HTTPError:
            pass
        time.sleep(0.05)
    raise SystemExit(f"/healthz never had {key}={value}")


def one_run(store: Path, la: str, env: dict[str, str]) -> dict[str, float]:
    port = free_port()
    proc = subprocess.Popen([sys.executable, "-m", "cscwatch.cli", "serve", "--db", str(store), "--port", str(port)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env)
    out: dict[str, float] = {}
    try:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=600) as c:
            out["warm after (s)"] = wait(c, proc, "warm", True)
            out["/plan, first visitor while the background plan runs"] = timed(c, "/plan")
            out["background work done (s after /plan answered)"] = wait(c, proc, "background", "done")
            for page in PAGES:
                path = page.format(la=la)
                if path == "/plan":
                    out["/plan (cold after the background plan)"] = timed(c, "/plan?x=1")
                else:
                    out[f"{path} (cold)"] = timed(c, path)
                out[f"{path} (warm)"] = timed(c, path)
            alone = [timed(c, f"/la/{code}?alone=1") for code in CODES]
            busy: list[float] = []
            plan_ms: list[float] = []
            thread = threading.Thread(target=lambda: plan_ms.append(timed(httpx.Client(
                base_url=f"http://127.0.0.1:{port}", timeout=600), "/api/plan?months=24")))
            thread.start()
            time.sleep(0.2)
            while thread.is_alive() and len(busy) < 20:
                busy.append(timed(c, f"/la/{CODES[len(busy)]}?busy=1"))
            thread.join()
            out["cold LA page alone, median"] = statistics.median(alone)
            out["cold LA page alone, max"] = max(alone)
            out["cold LA page while planning, median"] = statistics.median(busy) if busy else float("nan")
            out["cold LA page while planning, max"] = max(busy) if busy else float("nan")
            out["LA pages answered while planning"] = len(busy)
            out["/api/plan?months=24 (cold, non-default)"] = plan_ms[0]
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
    return out


CODES = ["926", "935", "882", "202", "204", "330", "352", "886", "855", "856", "873", "874", "876", "877", "878",
         "879", "880", "881", "883", "884"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", type=Path, default=None)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--la", default="867", help="An LA whose page has themes and provisional figures")
    args = parser.parse_args()
    source = args.db or Path(os.environ.get("CSCWATCH_DB", REPO / "var" / "cscwatch.duckdb"))
    with tempfile.TemporaryDirectory() as tmp:
        store = Path(tmp) / "bench.duckdb"
        shutil.copyfile(source, store)
        env = {**os.environ, "CSCWATCH_SESSION_SECRET": str(Path(tmp) / "session.key")}
        runs = [one_run(store, args.la, env) for _ in range(args.runs)]
    print(f"cscwatch new-pages bench: copy of {source}; {args.runs} runs; {os.cpu_count()} cores; "
          f"load average {os.getloadavg()[0]:.1f}")
    for key in runs[0]:
        values = [r[key] for r in runs]
        unit = "" if "(s" in key or key.startswith("LA pages") else " ms"
        print(f"  {key:60s} {statistics.median(values):9.1f}{unit}   (runs: {', '.join(f'{v:.0f}' for v in values)})")


if __name__ == "__main__":
    main()
