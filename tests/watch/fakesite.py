"""A loopback HTTP server that plays Ofsted's reports site and the EES API for the watch tests.

Each route answers from a script of responses (the last one repeats), so a test can say "429 with
Retry-After, then the page", "half the bytes, then the file", "too slow, then fine". Pages are
rendered from the recorded structures in ``fixtures/`` (see their comments for what is confirmed
from the real sites and what is assumed). Only 127.0.0.1; nothing leaves the machine.
"""
from __future__ import annotations

import json
import socket
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import jinja2

FIXTURES = Path(__file__).parent / "fixtures"
_JINJA = jinja2.Environment(loader=jinja2.FileSystemLoader(FIXTURES), autoescape=True)


@dataclass
class Reply:
    """One scripted answer. ``mode``: normal | truncate (half the body, then close) | drop (close
    without answering) | slow (wait ``delay`` seconds before answering)."""

    body: bytes = b""
    status: int = 200
    content_type: str | None = "text/html; charset=utf-8"
    headers: dict[str, str] = field(default_factory=dict)
    mode: str = "normal"
    delay: float = 0.0


Route = Callable[[dict[str, list[str]]], list[Reply] | Reply]


class FakeSite:
    """``site.route(path, replies)``; ``site.url``; ``site.hits[path]`` counts requests per path and
    ``site.completed[path]`` the responses sent whole."""

    def __init__(self) -> None:
        self.routes: dict[str, list[Reply] | Route] = {}
        self.served: Counter[str] = Counter()      # replies handed out per path (drives the scripts)
        self.hits: Counter[str] = Counter()
        self.completed: Counter[str] = Counter()
        self.lock = threading.Lock()
        site = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):  # quiet
                pass

            def do_GET(self):  # noqa: N802
                parts = urlsplit(self.path)
                with site.lock:
                    site.hits[parts.path] += 1
                    n = site.served[parts.path]
                    site.served[parts.path] += 1
                script = site.routes.get(parts.path)
                if script is None:
                    reply = Reply(b"<html><body><h1>Page not found</h1></body></html>", status=404)
                elif callable(script):
                    got = script(parse_qs(parts.query, keep_blank_values=True))
                    reply = got if isinstance(got, Reply) else got[min(n, len(got) - 1)]
                else:
                    reply = script[min(n, len(script) - 1)]
                try:
                    if site._answer(self, reply):
                        with site.lock:
                            site.completed[parts.path] += 1
                except OSError:      # the client gave up (timeout) or we dropped the line on purpose
                    self.close_connection = True

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.02},
                                       daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def start(self) -> FakeSite:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def route(self, path: str, replies: list[Reply] | Reply | Route) -> None:
        self.routes[path] = [replies] if isinstance(replies, Reply) else replies
        self.served[path] = 0

    @staticmethod
    def _answer(handler: BaseHTTPRequestHandler, reply: Reply) -> bool:
        """Send ``reply``; True when the whole body went out."""
        if reply.mode == "slow":
            time.sleep(reply.delay)
        if reply.mode == "drop":
            handler.close_connection = True
            handler.connection.shutdown(socket.SHUT_RDWR)
            return False
        handler.send_response(reply.status)
        if reply.content_type:
            handler.send_header("Content-Type", reply.content_type)
        for k, v in reply.headers.items():
            handler.send_header(k, v)
        handler.send_header("Content-Length", str(len(reply.body)))
        if reply.mode == "truncate":
            handler.send_header("Connection", "close")
        handler.end_headers()
        if reply.mode == "truncate":
            handler.wfile.write(reply.body[: len(reply.body) // 2])
            handler.wfile.flush()
            handler.close_connection = True
            handler.connection.shutdown(socket.SHUT_RDWR)
            return False
        handler.wfile.write(reply.body)
        handler.wfile.flush()
        return True


# -- Ofsted's reports site ------------------------------------------------------------------------
@dataclass
class FakePublication:
    file_id: str
    title: str                     # "Children's services inspection"
    listed: date
    pdf: bytes | list[Reply]       # the file, or a script of replies for it
    event: date | None = None


@dataclass
class FakeProvider:
    urn: str
    name: str
    publications: list[FakePublication] = field(default_factory=list)
    category: str = "44"


def _fmt(d: date) -> str:
    return f"{d.day:02d} {d:%B %Y}"


def serve_ofsted(site: FakeSite, providers: list[FakeProvider], *, search_replies: list[Reply] | None = None) -> None:
    """Search pages (honouring start/rows), provider pages and files for ``providers``."""

    def search(query: dict[str, list[str]]) -> Reply:
        assert query.get("level_1_types") == ["3"] and query.get("level_2_types[]") == ["12"], query
        start, rows = int(query.get("start", ["0"])[0]), int(query.get("rows", ["100"])[0])
        page = providers[start:start + rows]
        nxt = f"/search?start={start + rows}&rows={rows}" if start + rows < len(providers) else None
        html = _JINJA.get_template("ofsted/search.html.j2").render(providers=page, total=len(providers),
                                                                   next_href=nxt)
        return Reply(html.encode())

    if search_replies:
        served = {"n": 0}

        def scripted(query):
            served["n"] += 1
            return search_replies[served["n"] - 1] if served["n"] <= len(search_replies) else search(query)

        site.route("/search", scripted)
    else:
        site.route("/search", search)
    refresh_ofsted(site, providers)


def refresh_ofsted(site: FakeSite, providers: list[FakeProvider]) -> None:
    """(Re)publish the provider pages and files: call again after adding a publication."""
    for p in providers:
        pubs = [{"href": f"{site.url}/v1/file/{pub.file_id}", "title": pub.title, "listed": _fmt(pub.listed),
                 "event": _fmt(pub.event or pub.listed)} for pub in sorted(p.publications, key=lambda x: x.listed,
                                                                             reverse=True)]
        html = _JINJA.get_template("ofsted/provider.html.j2").render(name=p.name, urn=p.urn, publications=pubs)
        site.route(f"/provider/{p.category}/{p.urn}", Reply(html.encode()))
        for pub in p.publications:
            path = f"/v1/file/{pub.file_id}"
            if path in site.routes:
                continue
            site.route(path, pub.pdf if isinstance(pub.pdf, list) else Reply(pub.pdf, content_type="application/pdf"))


def report_not_found() -> bytes:
    return (FIXTURES / "ofsted" / "report_not_found.html").read_bytes()


# -- Explore Education Statistics API -------------------------------------------------------------
def _fixture_json(name: str) -> dict:
    data = json.loads((FIXTURES / "ees" / name).read_text())
    data.pop("_comment", None)
    return data


def ees_version(version: str, published: str, *, status: str = "Published", end: str = "2024") -> dict:
    v = _fixture_json("version.json")
    v.update(version=version, published=published, status=status)
    v["timePeriods"]["end"] = end
    v["type"] = "Major" if version.endswith(".0") else "Minor"
    return v


def serve_ees(site: FakeSite, data_set_id: str, versions: list[dict], csv_by_version: dict[str, bytes | list[Reply]],
              *, page_size: int = 1) -> None:
    """``/v1/data-sets/{id}``, its paginated ``/versions``, each version's ``/changes`` and ``/csv``."""
    base = f"/v1/data-sets/{data_set_id}"
    live = [v for v in versions if v["status"] != "Withdrawn"]
    latest = max(live, key=lambda v: tuple(int(x) for x in v["version"].split(".")))
    ds = _fixture_json("data_set.json")
    ds["id"] = data_set_id
    ds["latestVersion"].update(version=latest["version"], published=latest["published"])
    site.route(base, Reply(json.dumps(ds).encode(), content_type="application/json; charset=utf-8"))
    newest_first = sorted(versions, key=lambda v: tuple(int(x) for x in v["version"].split(".")), reverse=True)

    def listing(query):
        page = int(query.get("page", ["1"])[0])
        size = min(int(query.get("pageSize", [str(page_size)])[0]), page_size)
        items = newest_first[(page - 1) * size: page * size]
        body = {"results": items, "paging": {"page": page, "pageSize": size, "totalResults": len(versions),
                                             "totalPages": (len(versions) - 1) // size + 1}}
        return Reply(json.dumps(body).encode(), content_type="application/json")

    site.route(base + "/versions", listing)
    for v in versions:
        ch = _fixture_json("changes.json")
        ch["versionNumber"] = v["version"]
        site.route(f"{base}/versions/{v['version']}", Reply(json.dumps(v).encode(), content_type="application/json"))
        site.route(f"{base}/versions/{v['version']}/changes",
                   Reply(json.dumps(ch).encode(), content_type="application/json"))

    def csv(query):
        version = query.get("dataSetVersion", [latest["version"]])[0]
        got = csv_by_version[version]
        if isinstance(got, list):
            key = f"csv:{version}"
            with site.lock:
                n = site.served[key]
                site.served[key] += 1
            return got[min(n, len(got) - 1)]
        return Reply(got, content_type="text/csv")

    site.route(base + "/csv", csv)
