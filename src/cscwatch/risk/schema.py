"""Risk tables: the published early warning the dashboard reads (it never fits a model while
serving). Append-only: add a new script to change the schema (see ``cscwatch.store``).

``cscwatch.risk.publish.publish_scores`` replaces their content in one transaction.
"""

MIGRATIONS: list[str] = [
    # 1: published early-warning scores, reasons, bands and backtest accuracy
    """
    CREATE TABLE risk_run (
        run_id              INTEGER PRIMARY KEY,
        as_of               DATE NOT NULL,          -- scores use only data published before this day
        created_at          TIMESTAMP NOT NULL,
        model               TEXT NOT NULL,          -- production early-warning model name
        n_las               INTEGER NOT NULL,
        trained_inspections INTEGER,                -- outcome rows the outcome model was fitted on
        trained_panel_rows  INTEGER,                -- LA x quarter rows the 12-month timing model was fitted on
        backtest_years      TEXT,                   -- e.g. '2018-2024'
        accuracy            TEXT NOT NULL,          -- one plain sentence on the backtest's accuracy
        model_card          TEXT NOT NULL           -- where the model card lives
    );
    CREATE TABLE risk_score (
        run_id                    INTEGER NOT NULL,
        la_code_old               TEXT NOT NULL,
        la_code_new               TEXT,
        la_name                   TEXT,
        region                    TEXT,
        rank                      INTEGER NOT NULL, -- by p_inadequate_12m, 1 = highest
        p_inspected_3m            DOUBLE,
        p_inspected_6m            DOUBLE,
        p_inspected_12m           DOUBLE,
        p_inadequate_if_inspected DOUBLE,           -- leaders or help and protection inadequate
        p_inadequate_12m          DOUBLE,           -- p_inspected_12m x p_inadequate_if_inspected
        band                      TEXT NOT NULL,    -- high / raised / medium / low / inadequate (judged inadequate now)
        status_kind               TEXT NOT NULL,    -- graded / inadequate_monitoring / new_authority / not_inspected
        status_label              TEXT NOT NULL,
        judged_inadequate         BOOLEAN NOT NULL,
        last_inspection_date      DATE,
        last_inspection_framework TEXT,
        last_grade                TEXT,
        monitoring_visits_since   INTEGER,          -- NULL: the visit record does not cover the period
        focused_visits_since      INTEGER,
        window_event              TEXT,             -- short / standard / reinspection
        window_earliest           DATE,
        window_usual              DATE,
        window_latest             DATE,
        window_status             TEXT,             -- not_yet / open / overdue
        window_rule               TEXT,             -- rule_id in data/ofsted/inspection_rules.csv
        window_certainty          TEXT,             -- C / S / U
        PRIMARY KEY (run_id, la_code_old)
    );
    CREATE TABLE risk_reason (
        run_id       INTEGER NOT NULL,
        la_code_old  TEXT NOT NULL,
        direction    TEXT NOT NULL,                 -- timing / up / down
        position     INTEGER NOT NULL,              -- 1 = strongest
        factor       TEXT NOT NULL,
        contribution DOUBLE,                        -- log-odds, outcome model (NULL for timing)
        text         TEXT NOT NULL,
        PRIMARY KEY (run_id, la_code_old, direction, position)
    );
    CREATE TABLE risk_band (
        run_id         INTEGER NOT NULL,
        band           TEXT NOT NULL,               -- high / raised / medium / low
        lower          DOUBLE NOT NULL,             -- P(inadequate within 12 months) cut points
        upper          DOUBLE,
        share          DOUBLE NOT NULL,             -- share of backtest LA-quarters in the band
        n_rows         INTEGER NOT NULL,
        observed_rate  DOUBLE,                      -- share of those judged inadequate within 12 months
        mean_predicted DOUBLE,
        PRIMARY KEY (run_id, band)
    );
    CREATE TABLE risk_metric (
        run_id   INTEGER NOT NULL,
        target   TEXT NOT NULL,
        model    TEXT NOT NULL,
        baseline BOOLEAN NOT NULL,
        metric   TEXT NOT NULL,                     -- auc / auc_within_year / average_precision / brier / top10_recall / top20_recall
        value    DOUBLE,
        low      DOUBLE,                            -- 95% LA-clustered bootstrap interval
        high     DOUBLE,
        PRIMARY KEY (run_id, target, model, metric)
    );
    """,
]
