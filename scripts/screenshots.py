"""Take the README's and docs' screenshots of the dashboard with Debian's chromium.

    .venv/bin/python scripts/screenshots.py --db var/cscwatch.duckdb --la 867 [--out docs/img]

Serves the store in-process on 127.0.0.1 and writes, from the LA ``--la`` (pick one whose returns
are loaded, e.g. by ``make run``'s demo, and whose reports are held):

* ``la-risk.png``: the LA page from its heading to the end of the early-warning panel (1366 px);
* ``la-provisional.png``: its provisional figures beside the published ones;
* ``la-phone.png``: the LA page's first screens at 390 px;
* ``risk.png``: ``/risk`` down to the bands; ``plan.png``: ``/plan`` down to the capacity chart;
  ``themes.png``: ``/themes`` down to the first table.
"""
from __future__ import annotations

import argparse
import os
import socket
import tempfile
import threading
import time
from pathlib import Path

CHROMIUM = os.environ.get("CSCWATCH_CHROMIUM", "/usr/bin/chromium")
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def serve(db: Path) -> tuple[str, object]:
    import uvicorn

    from cscwatch.store import Store
    from cscwatch.web.app import create_app

    app = create_app(Store(db, read_only=True), session_key=os.urandom(32).hex())
    app.state.generations.warm_current()
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    threading.Thread(target=server.run, daemon=True).start()
    while not server.started:
        time.sleep(0.05)
    return f"http://127.0.0.1:{port}", server


def between(page, top_selector: str, bottom_selector: str, width: int) -> dict[str, float]:
    """A clip from the top of one element to the bottom of another, the page's full width."""
    top = page.locator(top_selector).first.bounding_box()
    bottom = page.locator(bottom_selector).first.bounding_box()
    y = max(0, top["y"] - 20)
    return {"x": 0, "y": y, "width": width, "height": bottom["y"] + bottom["height"] + 20 - y}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", type=Path, required=True)
    parser.add_argument("--la", required=True)
    parser.add_argument("--out", type=Path, default=Path("docs/img"))
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    base, server = serve(args.db)
    args.out.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p, tempfile.TemporaryDirectory():
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
        for width in (1366, 390):
            page = browser.new_page(viewport={"width": width, "height": 900})

            def go(path: str) -> None:
                page.goto(base + path)
                page.wait_for_selector("html[data-charts=drawn]", state="attached", timeout=60_000)

            go(f"/la/{args.la}")
            if width == 390:
                page.screenshot(path=str(args.out / "la-phone.png"), clip={"x": 0, "y": 0, "width": 390, "height": 1500},
                                full_page=True)
                continue
            page.screenshot(path=str(args.out / "la-risk.png"), clip=between(page, "main .govuk-caption-l", "section[aria-labelledby=risk]", width),
                            full_page=True)
            page.locator("section[aria-labelledby=provisional]").screenshot(path=str(args.out / "la-provisional.png"))
            go("/risk")
            page.screenshot(path=str(args.out / "risk.png"), clip=between(page, "h1", "#bands ~ .app-table-scroll", width),
                            full_page=True)
            go("/plan")
            page.screenshot(path=str(args.out / "plan.png"), clip=between(page, "h1", "#capacity-chart", width),
                            full_page=True)
            go("/themes")
            page.screenshot(path=str(args.out / "themes.png"), clip=between(page, "h1", "#by-theme ~ .app-table-scroll",
                                                                            width), full_page=True)
            page.close()
        browser.close()
    server.should_exit = True
    print(f"screenshots written to {args.out}")


if __name__ == "__main__":
    main()
