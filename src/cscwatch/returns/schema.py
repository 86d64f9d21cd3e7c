"""Returns tables. Append-only: add a new script to change the schema (see ``cscwatch.store``).

Child-level rows are stored **pseudonymised and minimised**: ``child_key`` is an HMAC-SHA256 of
the LA's child id under a per-installation secret kept outside the store; dates of birth are cut
to their month ('YYYY-MM' text, so no made-up day can pass for a real date) (enough for every age the measures use); postcodes, UPNs, ethnicity and
free text are never stored. ``docs/store.md`` documents each table.
"""

MIGRATIONS: list[str] = [
    # 1: initial returns schema
    """
    CREATE TABLE return_file (
        la_code_old  TEXT NOT NULL,
        year         INTEGER NOT NULL,       -- collection year ending 31 March
        kind         TEXT NOT NULL,          -- ssda903_header / ssda903_episodes / ssda903_oc3 / ... / cin
        file_name    TEXT NOT NULL,          -- base name only
        sha256       TEXT NOT NULL,
        status       TEXT NOT NULL,          -- loaded / error
        error        TEXT,                   -- one line naming file, row and field (never a value)
        n_rows       BIGINT,
        ingested_at  TIMESTAMP NOT NULL,
        PRIMARY KEY (la_code_old, year, kind)
    );
    CREATE TABLE cla_child (
        la_code_old TEXT NOT NULL, year INTEGER NOT NULL, child_key TEXT NOT NULL,
        birth_month TEXT                      -- 'YYYY-MM': the date of birth without its day
    );
    CREATE TABLE cla_episode (
        la_code_old TEXT NOT NULL, year INTEGER NOT NULL, child_key TEXT NOT NULL,
        row_no  INTEGER NOT NULL,             -- data row in the submitted file (1 = first data row)
        decom   DATE NOT NULL,
        rne     TEXT,
        ls      TEXT,
        place   TEXT,
        dec     DATE,
        rec     TEXT
    );
    CREATE TABLE cla_care_leaver (
        la_code_old TEXT NOT NULL, year INTEGER NOT NULL, child_key TEXT NOT NULL,
        birth_month TEXT,                     -- 'YYYY-MM'
        in_touch TEXT, activ TEXT, accom TEXT
    );
    CREATE TABLE cin_referral (
        la_code_old TEXT NOT NULL, year INTEGER NOT NULL, child_key TEXT NOT NULL,
        cin_id        INTEGER NOT NULL,       -- position of the CINdetails within the child in the file
        referral_date DATE NOT NULL,
        referral_nfa  BOOLEAN,
        closure_date  DATE,
        reason_for_closure TEXT,
        primary_need  TEXT
    );
    CREATE TABLE cin_assessment (
        la_code_old TEXT NOT NULL, year INTEGER NOT NULL, child_key TEXT NOT NULL, cin_id INTEGER NOT NULL,
        start_date DATE, authorised_date DATE
    );
    CREATE TABLE cin_s47 (
        la_code_old TEXT NOT NULL, year INTEGER NOT NULL, child_key TEXT NOT NULL, cin_id INTEGER NOT NULL,
        start_date DATE, icpc_date DATE, icpc_not_required BOOLEAN
    );
    CREATE TABLE cin_cpp (
        la_code_old TEXT NOT NULL, year INTEGER NOT NULL, child_key TEXT NOT NULL, cin_id INTEGER NOT NULL,
        start_date DATE, end_date DATE, previous_cpp INTEGER
    );
    CREATE TABLE return_issue (
        la_code_old TEXT NOT NULL,
        year        INTEGER NOT NULL,
        return_type TEXT NOT NULL,            -- ssda903 / cin
        child_key   TEXT,                     -- NULL for LA-level issues
        rule_code   TEXT NOT NULL,
        severity    TEXT NOT NULL,            -- error / query
        table_name  TEXT,
        columns     TEXT,
        row_no      INTEGER,                  -- data row in the submitted file where the validator says
        message     TEXT NOT NULL,            -- DfE's rule text; never a row value
        validated_at TIMESTAMP NOT NULL
    );
    CREATE TABLE provisional_observation (
        la          TEXT NOT NULL,            -- la_code_old
        period      TEXT NOT NULL,            -- '2025' = year to 31 March 2025
        period_end  DATE NOT NULL,
        measure_id  TEXT NOT NULL,            -- the warehouse's id where DfE publishes the measure
        value       DOUBLE,                   -- unsuppressed: read through cscwatch.returns.provisional
        status      TEXT NOT NULL,            -- 'provisional'
        source_id   TEXT NOT NULL,            -- 'returns:ssda903' / 'returns:cin'
        numerator   DOUBLE,
        denominator DOUBLE,
        suppressed  BOOLEAN NOT NULL,         -- hidden outside a logged-in child-level view
        suppression TEXT,                     -- NULL / 'primary' (count 1-4) / 'secondary'
        engine      TEXT NOT NULL,            -- duckdb / spark
        computed_at TIMESTAMP NOT NULL,
        PRIMARY KEY (la, period, measure_id)
    );
    CREATE TABLE account (
        username      TEXT PRIMARY KEY,
        password_hash TEXT NOT NULL,          -- scrypt$n$r$p$salt$hash (hashlib.scrypt)
        la_code_old   TEXT,                   -- NULL = every LA in this store
        created_at    TIMESTAMP NOT NULL,
        last_login_at TIMESTAMP
    );
    """,
]
