"""Warehouse tables. Append-only: add a new script to change the schema (see ``cscwatch.store``).

The contract other packages code against is in ``docs/store.md``; the extra tables here
(``region``, ``la_group``, ``load_issue``) are additions, never renames.
"""

MIGRATIONS: list[str] = [
    # 1: initial warehouse schema
    """
    CREATE TABLE la (
        la_code_old   TEXT PRIMARY KEY,     -- DfE 3-digit number, or a shared-service code '940 / 941'
        la_code_new   TEXT,                 -- latest ONS code (E06/E08/E09/E10)
        la_name       TEXT NOT NULL,
        region_code   TEXT,                 -- E12...; E13000001/2 for Inner/Outer London
        region_name   TEXT,
        ofsted_region TEXT,
        la_type       TEXT,                 -- unitary / metropolitan / london_borough / county / shared_service
        valid_from    DATE,                 -- NULL = before any data we hold
        valid_to      DATE                  -- NULL = still exists
    );
    CREATE TABLE la_alias (
        alias       TEXT NOT NULL,          -- normalised (cscwatch.warehouse.la.normalise_name)
        la_code_old TEXT NOT NULL,
        kind        TEXT NOT NULL,          -- name / old_code / ons_code
        source      TEXT,                   -- where the variant was seen
        PRIMARY KEY (alias, la_code_old)
    );
    CREATE TABLE la_lineage (
        predecessor    TEXT NOT NULL,
        successor      TEXT NOT NULL,
        effective_date DATE NOT NULL,
        kind           TEXT NOT NULL,       -- merger / split / recode / boundary
        PRIMARY KEY (predecessor, successor)
    );
    CREATE TABLE la_group (
        group_code  TEXT NOT NULL,          -- '940 / 941': a shared service reporting as one
        member      TEXT NOT NULL,
        PRIMARY KEY (group_code, member)
    );
    CREATE TABLE region (
        region_code TEXT PRIMARY KEY,       -- E92000001 England, E12..., E13000001/2
        region_name TEXT NOT NULL,
        level       TEXT NOT NULL           -- national / region / sub_region
    );
    CREATE TABLE measure (
        measure_id         TEXT PRIMARY KEY,
        title              TEXT NOT NULL,
        unit               TEXT,
        topic              TEXT,
        source_publication TEXT,
        definition         TEXT,
        polarity           TEXT,            -- high / low / NULL (context: no rank, no band)
        numerator          TEXT,
        denominator        TEXT,
        period_type        TEXT,            -- year_end_march / snapshot_september / mid_year / financial_year / academic_year / calendar_year / january / multi_year / static
        no_quartile        BOOLEAN DEFAULT false,
        sources            TEXT             -- source ids in precedence order
    );
    CREATE TABLE observation (
        la         TEXT NOT NULL,
        period     TEXT NOT NULL,
        period_end DATE NOT NULL,
        measure_id TEXT NOT NULL,
        value      DOUBLE,
        status     TEXT,
        source_id  TEXT NOT NULL            -- unique (la, period, measure_id): the loader keeps one row
    );                                      -- per key by source precedence (no index: bulk loads stay fast)
    CREATE TABLE release (
        source_id TEXT NOT NULL,
        period    TEXT NOT NULL,
        published DATE NOT NULL,
        rule      TEXT NOT NULL,            -- 'data' or the conservative rule used
        PRIMARY KEY (source_id, period)
    );
    CREATE TABLE stat_neighbour (
        model       TEXT NOT NULL,          -- '2021' / '2025'
        la_code_old TEXT NOT NULL,
        neighbour   TEXT NOT NULL,
        rank        INTEGER NOT NULL,
        band        TEXT,                   -- extremely_close / very_close / close / somewhat_close / not_close
        PRIMARY KEY (model, la_code_old, rank)
    );
    CREATE TABLE source_file (
        source_id TEXT PRIMARY KEY,
        path      TEXT NOT NULL,
        sha256    TEXT NOT NULL,
        loaded_at TIMESTAMP NOT NULL,
        n_rows    BIGINT,
        status    TEXT NOT NULL DEFAULT 'loaded',   -- loaded / error
        error     TEXT
    );
    CREATE TABLE load_issue (
        source_id TEXT NOT NULL,
        row_no    BIGINT,
        column_name TEXT,
        value     TEXT,
        message   TEXT NOT NULL
    );
    """,
    # 2: benchmark figures computed once at build time (cscwatch.warehouse.benchmark.benchmark_sql)
    """
    CREATE TABLE benchmark (
        la            TEXT NOT NULL,
        measure_id    TEXT NOT NULL,
        period        TEXT NOT NULL,
        period_end    DATE NOT NULL,
        value         DOUBLE,
        status        TEXT,
        small         BOOLEAN NOT NULL,  -- fewer than 5,000 children: shown, never ranked or banded
        rank          INTEGER,           -- 1 = best for the polarity; NULL for context measures
        n_ranked      INTEGER,
        band          TEXT,              -- LAIT quartile band A (best) .. D
        q1            DOUBLE,
        q2            DOUBLE,
        q3            DOUBLE,
        region_value  DOUBLE,
        england_value DOUBLE,
        sn2021_mean   DOUBLE,
        sn2021_median DOUBLE,
        sn2021_n      INTEGER,
        sn2025_mean   DOUBLE,
        sn2025_median DOUBLE,
        sn2025_n      INTEGER,
        change_1y     DOUBLE,
        change_3y     DOUBLE,
        flag_2021     BOOLEAN,           -- adverse move against the 2021 neighbours
        flag_2025     BOOLEAN
    );
    """,
    # 3: upper-tier LA boundaries for the maps, dissolved at build time (cscwatch.warehouse.geo)
    """
    CREATE TABLE la_boundary (
        area_code   TEXT PRIMARY KEY,    -- ONS upper-tier code (UTLA 2023), the map feature id
        area_name   TEXT NOT NULL,
        la_code_old TEXT,                -- the children's services authority it draws (NULL if none)
        geometry    TEXT NOT NULL        -- GeoJSON MultiPolygon, outer rings clockwise, 4 decimal places
    );
    """,
]
