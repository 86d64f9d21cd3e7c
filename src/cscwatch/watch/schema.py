"""Watch tables: what was fetched, from where and when. Append-only (see ``cscwatch.store``).

* ``watch_run``: one row per ``fetch`` invocation (the freshness report reads the last good run).
* ``watch_file``: one row per file fetched or refused, with its checks' verdict.
* ``watch_report_link``: the Ofsted publication ledger, keyed by link: a re-run skips what is
  already downloaded, and a run interrupted half-way resumes where it stopped.
* ``watch_dataset_version``: every EES data set version seen, and which one the warehouse holds.
"""

MIGRATIONS: list[str] = [
    # 1: initial watch schema
    """
    CREATE TABLE watch_run (
        run_id       TEXT PRIMARY KEY,      -- '<source>:<started_at ISO>'
        source       TEXT NOT NULL,         -- 'ofsted_reports' | 'ees'
        base_url     TEXT NOT NULL,
        started_at   TIMESTAMP NOT NULL,
        finished_at  TIMESTAMP,
        status       TEXT NOT NULL,         -- running | ok | partial | failed | interrupted
        since        DATE,                  -- reports: only publications listed on/after this date
        n_requests   INTEGER,
        n_new        INTEGER,               -- files stored for the first time
        n_unchanged  INTEGER,               -- already held (skipped without downloading)
        n_failed     INTEGER,
        message      TEXT
    );
    CREATE TABLE watch_file (
        run_id       TEXT NOT NULL,
        url          TEXT NOT NULL,
        source       TEXT NOT NULL,         -- 'ofsted_reports' | 'ees'
        fetched_at   TIMESTAMP NOT NULL,
        status       TEXT NOT NULL,         -- stored | reused | rejected | failed
        http_status  INTEGER,
        content_type TEXT,
        size_bytes   BIGINT,
        sha256       TEXT,
        path         TEXT,                  -- where the accepted file now is
        error        TEXT                   -- one-line reason when not stored
    );
    CREATE TABLE watch_report_link (
        link          TEXT PRIMARY KEY,     -- the publication's file URL as listed
        provider_urn  TEXT NOT NULL,        -- Ofsted URN of the LA's provider page
        provider_name TEXT,
        provider_url  TEXT NOT NULL,
        la_code_old   TEXT,                 -- from the URN (d2i lookup); NULL when unknown
        title         TEXT NOT NULL,        -- e.g. "Children's services focused visit"
        doc_kind      TEXT NOT NULL,        -- inspection | focused_visit | monitoring_visit | jtai | send | other
        listed_date   DATE,                 -- the date the page lists it under (publication)
        event_date    DATE,                 -- the page's timeline date, when it shows one
        first_seen    TIMESTAMP NOT NULL,
        last_seen     TIMESTAMP NOT NULL,
        status        TEXT NOT NULL,        -- listed | downloaded | ingested | failed
        attempts      INTEGER NOT NULL DEFAULT 0,
        sha256        TEXT,
        path          TEXT,
        downloaded_at TIMESTAMP,
        ingested_at   TIMESTAMP,
        error         TEXT
    );
    CREATE TABLE watch_dataset_version (
        data_set_id    TEXT NOT NULL,       -- EES public API data set id
        version        TEXT NOT NULL,       -- '1.0', '2.1', ...
        source_id      TEXT NOT NULL,       -- the warehouse source it feeds (sources.py)
        title          TEXT,
        version_type   TEXT,                -- Major | Minor
        api_status     TEXT,                -- Published | Deprecated | Withdrawn
        published      TIMESTAMP,
        release_title  TEXT,
        time_period_start TEXT,
        time_period_end   TEXT,
        total_results  BIGINT,
        notes          TEXT,
        changes        TEXT,                -- the /changes response as JSON text
        state          TEXT NOT NULL,       -- listed | fetched (file in place, not yet loaded) | loaded | rejected
        fetched_at     TIMESTAMP,
        sha256         TEXT,                -- of the downloaded CSV
        path           TEXT,                -- the accepted file (gzip) the warehouse reads
        loaded_at      TIMESTAMP,
        error          TEXT,
        PRIMARY KEY (data_set_id, version)
    );
    """,
]
