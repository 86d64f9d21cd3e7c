"""Planner tables: saved retrospective simulations (the plan page reads the newest).

Append-only: add a new script to change the schema (see ``cscwatch.store``). Plans themselves are
not stored: they are computed on request from the register, the rules and the scores.
"""

MIGRATIONS: list[str] = [
    # 1: simulation runs, their per-policy results and per-LA detections
    """
    CREATE TABLE plan_simulation (
        run_id      TEXT PRIMARY KEY,
        created_at  TIMESTAMP NOT NULL,
        start_date  DATE NOT NULL,         -- first month simulated
        end_date    DATE NOT NULL,         -- last month simulated (the register's last inspection)
        definition  TEXT NOT NULL,         -- the detection delay, in words
        result      TEXT NOT NULL          -- the whole result as JSON (the shape of `plan simulate --json`)
    );
    CREATE TABLE plan_simulation_policy (
        run_id                        TEXT NOT NULL,
        policy                        TEXT NOT NULL,   -- rule_based | risk_based
        events                        INTEGER NOT NULL,
        inadequate_found              INTEGER NOT NULL,
        median_detection_delay_months DOUBLE,
        mean_detection_delay_months   DOUBLE,
        PRIMARY KEY (run_id, policy)
    );
    CREATE TABLE plan_simulation_detection (
        run_id                  TEXT NOT NULL,
        la_code_old             TEXT NOT NULL,
        previous_inspection     DATE NOT NULL,   -- the last graded inspection not judged inadequate
        anchor                  DATE NOT NULL,   -- delays count from here
        actual_inadequate       DATE NOT NULL,   -- when the real inspection found it inadequate
        rule_based_inspected    TEXT,            -- YYYY-MM, NULL: not inspected by the end
        risk_based_inspected    TEXT,
        rule_based_delay_months INTEGER NOT NULL,
        risk_based_delay_months INTEGER NOT NULL,
        PRIMARY KEY (run_id, la_code_old, actual_inadequate)
    );
    """,
]
