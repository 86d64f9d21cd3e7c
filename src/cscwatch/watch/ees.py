"""The Explore Education Statistics (EES) public API, as far as ``fetch statistics`` needs it.

Endpoints (API v1, base ``https://api.education.gov.uk/statistics``; docs/watch.md lists what is
confirmed):

* ``GET /v1/data-sets/{id}``: the data set (``title``, ``status``, ``supersedingDataSetId``,
  ``latestVersion``);
* ``GET /v1/data-sets/{id}/versions?page=&pageSize=``: every version, paginated
  (``results`` + ``paging.totalPages``), each with ``version``, ``type``, ``status``, ``published``,
  ``release``, ``timePeriods``, ``totalResults``, ``notes``;
* ``GET /v1/data-sets/{id}/versions/{version}/changes``: what a version changed;
* ``GET /v1/data-sets/{id}/csv?dataSetVersion={version}``: the whole data set as CSV.

JSON field names are camelCase, as the API's view models serialise them.
"""
from __future__ import annotations

from datetime import datetime, timezone
from typing import Any
from urllib.parse import quote, urlencode

from cscwatch.errors import FetchError
from cscwatch.watch.http import Fetcher

EES_API_URL = "https://api.education.gov.uk/statistics"
PAGE_SIZE = 20
MAX_PAGES = 50


def _base(base_url: str, data_set_id: str) -> str:
    return f"{base_url.rstrip('/')}/v1/data-sets/{quote(data_set_id, safe='')}"


def version_key(version: str) -> tuple[int, ...]:
    """'2.10' > '2.9': versions compare as tuples of integers (non-numbers sort first)."""
    out = []
    for part in str(version).split("."):
        out.append(int(part) if part.isdigit() else -1)
    return tuple(out)


def parse_time(text: str | None) -> datetime | None:
    """An API timestamp ('2025-10-30T09:30:00+00:00', '...Z') as naive UTC; None if absent or unreadable."""
    if not text:
        return None
    try:
        dt = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return dt.astimezone(timezone.utc).replace(tzinfo=None) if dt.tzinfo else dt


def data_set(fetcher: Fetcher, base_url: str, data_set_id: str) -> dict[str, Any]:
    return fetcher.json(_base(base_url, data_set_id))


def versions(fetcher: Fetcher, base_url: str, data_set_id: str, page_size: int = PAGE_SIZE) -> list[dict[str, Any]]:
    """Every version of a data set, following the pagination."""
    out: list[dict[str, Any]] = []
    page = 1
    while page <= MAX_PAGES:
        url = f"{_base(base_url, data_set_id)}/versions?{urlencode({'page': page, 'pageSize': page_size})}"
        body = fetcher.json(url)
        if not isinstance(body, dict) or not isinstance(body.get("results"), list):
            raise FetchError(url, "not a paginated list of versions (no 'results')")
        out.extend(body["results"])
        total_pages = int((body.get("paging") or {}).get("totalPages") or 1)
        if page >= total_pages or not body["results"]:
            break
        page += 1
    return out


def changes(fetcher: Fetcher, base_url: str, data_set_id: str, version: str) -> dict[str, Any]:
    return fetcher.json(f"{_base(base_url, data_set_id)}/versions/{quote(version, safe='')}/changes")


def csv_url(base_url: str, data_set_id: str, version: str) -> str:
    return f"{_base(base_url, data_set_id)}/csv?{urlencode({'dataSetVersion': version})}"


def latest_live(items: list[dict[str, Any]]) -> dict[str, Any] | None:
    """The highest version that has not been withdrawn."""
    live = [v for v in items if v.get("status") != "Withdrawn" and v.get("version")]
    return max(live, key=lambda v: version_key(v["version"])) if live else None
