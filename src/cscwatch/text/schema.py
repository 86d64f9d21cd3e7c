"""Text tables: report sentences with their themes and polarity, recommendations and their follow-up.

Append-only: add a new script to change the schema (see ``cscwatch.store``). Everything here is
derived from the register's ``report_page`` by ``cscwatch.text.pipeline.classify_reports``, keyed
by the report file's SHA-256, and can be rebuilt at any time.
"""

MIGRATIONS: list[str] = [
    # 1: sentences, themes, recommendations, follow-up
    """
    CREATE TABLE text_report (
        sha256          TEXT PRIMARY KEY,    -- report_file.sha256
        layout          TEXT NOT NULL,       -- legacy | sif | ilacs | lscb | letter
        n_sentences     INTEGER NOT NULL,
        n_recommendations INTEGER NOT NULL,
        classifier      TEXT NOT NULL,       -- fingerprint of labels + model settings + taxonomy
        classified_at   TIMESTAMP NOT NULL
    );
    CREATE TABLE report_sentence (
        sha256          TEXT NOT NULL,
        sentence_no     INTEGER NOT NULL,    -- 1-based, in reading order
        paragraph_no    INTEGER NOT NULL,
        page            INTEGER NOT NULL,    -- page the sentence starts on (1-based)
        section         TEXT NOT NULL,       -- front | summary | recommendations | help_and_protection | ...
        text            TEXT NOT NULL,
        polarity        TEXT NOT NULL,       -- strength | concern | neutral
        polarity_score  DOUBLE NOT NULL,     -- model probability of that polarity
        PRIMARY KEY (sha256, sentence_no)
    );
    CREATE TABLE sentence_theme (
        sha256          TEXT NOT NULL,
        sentence_no     INTEGER NOT NULL,
        theme           TEXT NOT NULL,       -- taxonomy id
        score           DOUBLE NOT NULL,     -- model score (>= the theme's threshold)
        PRIMARY KEY (sha256, sentence_no, theme)
    );
    CREATE TABLE recommendation (
        sha256          TEXT NOT NULL,
        rec_no          INTEGER NOT NULL,    -- 1-based within the report
        page            INTEGER NOT NULL,
        kind            TEXT NOT NULL,       -- what_needs_to_improve | recommendation | area_for_improvement | priority_action
        timescale       TEXT,                -- legacy: Immediately / Within three months / Within six months
        category        TEXT,                -- sub-heading printed above the item, if any
        text            TEXT NOT NULL,
        themes          TEXT NOT NULL,       -- ';'-joined taxonomy ids (may be empty)
        PRIMARY KEY (sha256, rec_no)
    );
    CREATE TABLE recommendation_followup (
        sha256          TEXT NOT NULL,       -- the report that made the recommendation
        rec_no          INTEGER NOT NULL,
        next_sha256     TEXT NOT NULL,       -- the LA's next report with text in the store
        status          TEXT NOT NULL,       -- resolved | still_concern | not_mentioned
        similarity      DOUBLE NOT NULL,     -- best match score found in the next report
        evidence_sentence_no INTEGER,        -- the next report's sentence that decided it (NULL: not mentioned)
        evidence_page   INTEGER,
        PRIMARY KEY (sha256, rec_no)
    );
    """,
]
