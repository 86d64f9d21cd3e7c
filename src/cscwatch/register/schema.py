"""Register tables. Append-only: add a new script to change the schema (see ``cscwatch.store``).

Two layers:
* ``source_inspection`` / ``source_judgement``: what each source says, untouched (a parsed report
  PDF, or a row of Ofsted's official outcomes data). One row per inspection per source.
* ``inspection`` / ``judgement``: the reconciled history, one row per real inspection, with the
  sources that back it; where sources disagree the report wins and ``discrepancy`` keeps the
  disagreement visible.
"""

MIGRATIONS: list[str] = [
    # 1: initial register schema
    """
    CREATE TABLE report_file (
        path         TEXT PRIMARY KEY,      -- as ingested (absolute, resolved)
        sha256       TEXT NOT NULL,
        size_bytes   BIGINT NOT NULL,
        status       TEXT NOT NULL,         -- parsed | no_judgements | error
        error        TEXT,                  -- one-line reason when status <> parsed
        doc_type     TEXT,                  -- labels.csv vocabulary
        n_pages      INTEGER,
        ingested_at  TIMESTAMP NOT NULL
    );
    CREATE TABLE report_page (
        sha256 TEXT NOT NULL,
        page   INTEGER NOT NULL,            -- 1-based
        text   TEXT NOT NULL,
        PRIMARY KEY (sha256, page)
    );
    CREATE TABLE source_inspection (
        source_id        TEXT PRIMARY KEY,  -- 'report:<sha256>' or 'ofsted:<dataset>:<key>'
        source           TEXT NOT NULL,     -- 'report' | 'ofsted'
        source_ref       TEXT NOT NULL,     -- sha256 of the PDF, or the official dataset name
        la_code_old      TEXT NOT NULL,     -- DfE 3-digit LA number (as text, never cast)
        la_code_new      TEXT,              -- ONS code
        la_name          TEXT,
        framework        TEXT NOT NULL,     -- SLAC | CPI | TLAC | legacy | SIF | LSCB | ILACS | ILACS-2023 | ILACS-2026
        inspection_type  TEXT,              -- standard | short | reinspection | first | lscb_review | ...
        doc_type         TEXT,              -- labels.csv vocabulary for reports
        start_date       DATE,
        end_date         DATE,
        publication_date DATE,
        lead_inspector   TEXT,
        care_split       BOOLEAN
    );
    CREATE TABLE source_judgement (
        source_id  TEXT NOT NULL,
        judgement  TEXT NOT NULL,           -- overall | help_and_protection | children_in_care | care_leavers | adoption | leadership | lscb | slac_*
        grade      TEXT NOT NULL,           -- outstanding | good | requires_improvement | inadequate
        PRIMARY KEY (source_id, judgement)
    );
    CREATE TABLE inspection (
        inspection_id    TEXT PRIMARY KEY,  -- '<la_code_old>:<framework>:<first date>'
        la_code_old      TEXT NOT NULL,
        la_code_new      TEXT,
        la_name          TEXT,
        framework        TEXT NOT NULL,
        inspection_type  TEXT,
        start_date       DATE,
        end_date         DATE,
        publication_date DATE,
        lead_inspector   TEXT,
        care_split       BOOLEAN,
        sources          TEXT NOT NULL      -- e.g. 'report,ofsted'
    );
    CREATE TABLE judgement (
        inspection_id TEXT NOT NULL,
        judgement     TEXT NOT NULL,
        grade         TEXT NOT NULL,
        grade_rank    INTEGER NOT NULL,     -- 1 outstanding .. 4 inadequate
        source        TEXT NOT NULL,        -- which source the grade was taken from
        PRIMARY KEY (inspection_id, judgement)
    );
    CREATE TABLE inspection_source (
        inspection_id TEXT NOT NULL,
        source_id     TEXT NOT NULL,
        PRIMARY KEY (inspection_id, source_id)
    );
    CREATE TABLE discrepancy (
        inspection_id  TEXT NOT NULL,
        field          TEXT NOT NULL,       -- a judgement key or a date/type field
        report_value   TEXT,
        official_value TEXT,
        report_source  TEXT NOT NULL,
        official_source TEXT NOT NULL,
        PRIMARY KEY (inspection_id, field)
    );
    CREATE TABLE visit (
        visit_id         TEXT PRIMARY KEY,
        la_code_old      TEXT NOT NULL,
        la_code_new      TEXT,
        visit_type       TEXT NOT NULL,     -- focused | monitoring
        visit_date       DATE NOT NULL,
        publication_date DATE,
        theme            TEXT,
        source           TEXT NOT NULL
    );
    """,
    # 2: typed parse warnings and their check against the official record; visit letters (priority
    #    actions, link to the report file); the third-party source's disagreements
    """
    CREATE TABLE report_warning (
        sha256   TEXT NOT NULL,             -- the report file's content (report_file.sha256)
        field    TEXT NOT NULL,             -- a reports-parse column: overall, inspection_end, lead_inspector, ...
        code     TEXT NOT NULL,             -- not_found | not_judged | unknown_la | unreadable | conflict | inconsistent
        message  TEXT NOT NULL,
        PRIMARY KEY (sha256, field, code)
    );
    CREATE TABLE inspection_warning (
        inspection_id   TEXT NOT NULL,
        source_id       TEXT NOT NULL,      -- the report source that carries the warning
        field           TEXT NOT NULL,
        code            TEXT NOT NULL,
        message         TEXT NOT NULL,
        checked_against TEXT,               -- source_id of the record the field was checked against (NULL: none)
        record_value    TEXT,               -- what that record says for the field
        register_value  TEXT,               -- what the register holds for the field
        register_source TEXT,               -- which source the register's value came from
        outcome         TEXT NOT NULL,      -- filled | confirmed | differs | also_blank | no_record
        PRIMARY KEY (inspection_id, source_id, field, code)
    );
    ALTER TABLE visit ADD COLUMN end_date DATE;
    ALTER TABLE visit ADD COLUMN la_name TEXT;
    ALTER TABLE visit ADD COLUMN lead_inspector TEXT;
    ALTER TABLE visit ADD COLUMN priority_action BOOLEAN;   -- the letter sets areas for priority action
    ALTER TABLE visit ADD COLUMN priority_actions TEXT;     -- the actions as printed, one per line
    ALTER TABLE visit ADD COLUMN report_sha256 TEXT;        -- the letter's file (report_file.sha256)
    ALTER TABLE visit ADD COLUMN same_as TEXT;              -- a letter's official visit_id, when Ofsted lists it
    CREATE TABLE thirdparty_discrepancy (
        inspection_id     TEXT NOT NULL,
        field             TEXT NOT NULL,
        thirdparty_value  TEXT,
        register_value    TEXT,
        register_source   TEXT NOT NULL,    -- report | ofsted: the higher-precedence source kept
        thirdparty_source TEXT NOT NULL,    -- source_id of the third-party row
        PRIMARY KEY (inspection_id, field)
    );
    """,
]
