"""``fetch_statistics`` against a fake EES API: a data set with a new version, nothing new, a CSV whose
shape the loader does not expect, error pages and flaky answers."""
from __future__ import annotations

import csv
import dataclasses
import io

import pytest

from cscwatch.errors import SourceFormatError
from cscwatch.fixtures.statistics import COLUMNS, ees_rows, synthetic_statistics
from cscwatch.warehouse.load import load_warehouse
from cscwatch.warehouse.sources import EES_GEO
from cscwatch.watch.statistics import check_with_loader, fetch_statistics, statistics_data_dir

from .fakesite import Reply, ees_version, report_not_found, serve_ees

V1 = ees_version("1.0", "2025-10-30T09:30:00Z")
V2 = ees_version("2.0", "2026-10-29T09:30:00Z", end="2025")


def csv_bytes(years: range, extra: str | None = None, rename: tuple[str, str] | None = None) -> bytes:
    columns = [*EES_GEO, *COLUMNS] + ([extra] if extra else [])
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=[rename[1] if rename and c == rename[0] else c for c in columns],
                            lineterminator="\n")
    writer.writeheader()
    for row in ees_rows(years=years):
        row = {**row, **({extra: "1"} if extra else {})}
        if rename:
            row[rename[1]] = row.pop(rename[0])
        writer.writerow(row)
    return buf.getvalue().encode()


@pytest.fixture
def bundled(tmp_path):
    """A bundled data folder with one synthetic EES source (version 1.0), loaded into the store."""
    folder, sources, _cells = synthetic_statistics(tmp_path / "bundled")
    return folder, dataclasses.replace(sources[0], ees_data_set="ds-1", ees_version="1.0")


@pytest.fixture
def loaded(store, bundled):
    folder, src = bundled
    load_warehouse(store, data_dir=folder, sources=[src])
    return store


@pytest.fixture
def fetch(loaded, bundled, site, fast):
    folder, src = bundled

    def go(**kw):
        return fetch_statistics(loaded, base_url=site.url, sources=[src], bundled_dir=folder, settings=fast, **kw)
    return go


def _latest_period(store) -> str:
    return store.scalar("SELECT max(period) FROM observation WHERE measure_id = 'cin_rereferral_pct'")


def test_a_new_version_is_fetched_checked_loaded_and_recorded(loaded, fetch, site):
    serve_ees(site, "ds-1", [V1, V2], {"1.0": csv_bytes(range(2019, 2025)), "2.0": csv_bytes(range(2019, 2026))})
    assert _latest_period(loaded) == "2024"
    got = fetch()
    assert got.status == "ok" and got.rebuilt
    [report] = got.data_sets
    assert (report["held_version"], report["latest_version"], report["action"]) == ("1.0", "2.0", "loaded")
    assert _latest_period(loaded) == "2025"
    versions = {r["version"]: r for r in loaded.rows("SELECT * FROM watch_dataset_version")}
    assert versions["2.0"]["state"] == "loaded" and versions["1.0"]["state"] == "listed"
    assert versions["2.0"]["published"].isoformat() == "2026-10-29T09:30:00"
    assert '"versionNumber": "2.0"' in versions["2.0"]["changes"]
    assert site.hits["/v1/data-sets/ds-1/versions"] == 2, "the version list is paginated (1 per page here)"
    assert site.hits["/v1/data-sets/ds-1/versions/2.0/changes"] == 1 and site.hits["/v1/data-sets/ds-1/csv"] == 1
    file = loaded.rows("SELECT * FROM watch_file")
    assert [(f["status"], f["content_type"]) for f in file] == [("stored", "text/csv")]


def test_nothing_new_means_no_download_and_no_rebuild(loaded, fetch, site):
    serve_ees(site, "ds-1", [V1], {"1.0": csv_bytes(range(2019, 2025))})
    stamp = loaded.scalar("SELECT max(loaded_at) FROM source_file")
    got = fetch()
    assert got.status == "ok" and not got.rebuilt and got.data_sets[0]["action"] == "unchanged"
    assert site.hits["/v1/data-sets/ds-1/csv"] == 0
    assert loaded.scalar("SELECT max(loaded_at) FROM source_file") == stamp


def test_the_second_run_after_an_update_is_a_no_op(loaded, fetch, site):
    serve_ees(site, "ds-1", [V1, V2], {"1.0": b"", "2.0": csv_bytes(range(2019, 2026))})
    assert fetch().rebuilt
    again = fetch()
    assert not again.rebuilt and again.data_sets[0]["held_version"] == "2.0"
    assert site.hits["/v1/data-sets/ds-1/csv"] == 1


@pytest.mark.parametrize("body,column", [
    (csv_bytes(range(2019, 2026), extra="new_indicator"), "new_indicator"),
    (csv_bytes(range(2019, 2026), rename=("rereferral_percent", "rereferral_pc")), "rereferral_p"),
])
def test_a_csv_of_another_shape_is_refused_naming_file_and_column_and_nothing_is_stored(
        loaded, fetch, site, body, column):
    serve_ees(site, "ds-1", [V1, V2], {"1.0": b"", "2.0": body})
    before = loaded.rows("SELECT * FROM observation ORDER BY ALL")
    got = fetch()
    assert got.status == "partial" and not got.rebuilt
    [report] = got.data_sets
    assert report["action"] == "rejected"
    assert report["message"].startswith("EES data set ds-1 version 2.0 (source synthetic_c1): row 1: column ")
    assert f"'{column}" in report["message"]
    assert loaded.rows("SELECT * FROM observation ORDER BY ALL") == before
    assert loaded.scalar("SELECT state FROM watch_dataset_version WHERE version = '2.0'") == "rejected"
    assert loaded.scalar("SELECT count(*) FROM watch_dataset_version WHERE path IS NOT NULL") == 0
    assert statistics_data_dir(loaded) is None


def test_an_unknown_symbol_is_refused_with_its_row_and_column(bundled):
    folder, src = bundled
    bad = csv_bytes(range(2023, 2025)).replace(b",19.", b",nineteen.", 1)
    with pytest.raises(SourceFormatError, match=r"^label: row \d+: column '\w+': unknown symbol"):
        check_with_loader(bad, src, "label", folder)


def test_html_and_flaky_answers(loaded, fetch, site, sleeps):
    good = csv_bytes(range(2019, 2026))
    serve_ees(site, "ds-1", [V1, V2], {"1.0": b"", "2.0": [
        Reply(b"", status=429, headers={"Retry-After": "3"}), Reply(good, content_type="text/csv", mode="truncate"),
        Reply(report_not_found(), content_type="text/html")]})
    got = fetch()
    assert got.data_sets[0]["action"] == "rejected" and "not a CSV" in got.data_sets[0]["message"]
    assert 3.0 in sleeps and site.hits["/v1/data-sets/ds-1/csv"] == 3
    serve_ees(site, "ds-1", [V1, V2], {"1.0": b"", "2.0": [Reply(good, content_type="text/csv; charset=utf-8")]})
    assert fetch().data_sets[0]["action"] == "loaded" and _latest_period(loaded) == "2025"


def test_an_api_that_is_down_is_recorded_and_the_run_marked_partial(loaded, fetch, site):
    site.route("/v1/data-sets/ds-1", Reply(b"{}", status=500, content_type="application/json"))
    got = fetch()
    assert got.status == "partial" and got.data_sets[0]["action"] == "failed"
    assert "HTTP 500 after 4 attempts" in got.data_sets[0]["message"]
    assert loaded.scalar("SELECT status FROM watch_run") == "partial"


def test_ids_come_from_the_source_list_or_the_caller(loaded, bundled, site, fast):
    folder, src = bundled
    plain = dataclasses.replace(src, ees_data_set=None)
    got = fetch_statistics(loaded, base_url=site.url, sources=[plain], bundled_dir=folder, settings=fast)
    assert got.data_sets == [] and "no EES data set ids configured" in got.message and site.hits.total() == 0
    serve_ees(site, "ds-9", [V1], {"1.0": b""})
    got = fetch_statistics(loaded, base_url=site.url, sources=[plain], bundled_dir=folder, settings=fast,
                           data_sets={"synthetic_c1": "ds-9"})
    assert got.data_sets[0]["data_set_id"] == "ds-9"
    with pytest.raises(SourceFormatError, match="no source 'cin_zz'"):
        fetch_statistics(loaded, base_url=site.url, sources=[plain], bundled_dir=folder, data_sets={"cin_zz": "x"})


def test_fetched_files_and_the_bundle_make_one_folder_for_the_build(loaded, bundled, fetch, site):
    folder, src = bundled
    serve_ees(site, "ds-1", [V1, V2], {"1.0": b"", "2.0": csv_bytes(range(2019, 2026))})
    fetch()
    data = statistics_data_dir(loaded, bundled_dir=folder, sources=[src])
    fetched = data / src.path
    assert fetched.is_file() and not fetched.is_symlink()
    lookups = [p for p in data.rglob("*") if p.is_symlink()]
    assert lookups and all(p.resolve().is_relative_to(folder.resolve()) for p in lookups)
    summary = load_warehouse(loaded, data_dir=data, sources=[src])
    assert summary.skipped, "the warehouse already holds exactly these files"
