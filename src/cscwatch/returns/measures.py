"""DfE's headline measures as data: one SQL definition each, run by every engine.

Each definition is DuckDB-dialect SQL over the canonical (pseudonymised) tables and two helper
tables made in Python, ``ly`` (one row per LA, year and return held, with the year's boundary
dates) and ``working_day`` (``cscwatch.returns.calendar``). It returns ``la_code_old, year,
numerator, denominator``; the engines run it (Spark through sqlglot's transpiler) and one Python
step turns the pair into a value, a rate per 10,000 (population from the warehouse) and a
suppression decision, so two engines cannot drift apart. Shared steps are ``VIEWS``, in order.

Measure ids are the warehouse's wherever DfE publishes the same measure, so a provisional figure
sits beside the published one. Choices where DfE's method is not documented are marked [U] in
``docs/returns.md``.
"""
from __future__ import annotations

from dataclasses import dataclass

PLACEMENT_STARTS = "('S','P','T','B','U')"     # RNE codes that start a new placement (not L)
SHORT_BREAKS = "('V3','V4')"

#: Views every measure may use: (name, SELECT), created in this order.
VIEWS: tuple[tuple[str, str], ...] = (
    # the latest version of each episode across the LA's returns (LAs amend earlier years)
    ("ep", """
        SELECT la_code_old, child_key, decom, rne, ls, place, dec, rec FROM (
          SELECT *, row_number() OVER (PARTITION BY la_code_old, child_key, decom, rne, place
                                       ORDER BY year DESC, row_no) AS rn
          FROM cla_episode) t WHERE rn = 1"""),
    ("child", """
        SELECT la_code_old, child_key, birth_month FROM (
          SELECT *, row_number() OVER (PARTITION BY la_code_old, child_key ORDER BY year DESC) AS rn
          FROM cla_child WHERE birth_month IS NOT NULL) t WHERE rn = 1"""),
    ("ly903", "SELECT * FROM ly WHERE return_type = 'ssda903'"),
    ("lycin", "SELECT * FROM ly WHERE return_type = 'cin'"),
    ("cla_at31", f"""
        SELECT DISTINCT y.la_code_old, y.year, e.child_key FROM ly903 y JOIN ep e ON e.la_code_old = y.la_code_old
        WHERE e.decom <= y.ye AND (e.dec IS NULL OR e.dec > y.ye) AND coalesce(e.ls, '') NOT IN {SHORT_BREAKS}"""),
    # placements of each child looked after at 31 March: the one held on 1 April, plus each new one
    ("placements", f"""
        SELECT a.la_code_old, a.year, a.child_key,
               sum(CASE WHEN e.decom >= y.ys AND e.rne IN {PLACEMENT_STARTS}
                        AND coalesce(e.place, '') NOT LIKE 'T%' THEN 1 ELSE 0 END)
             + max(CASE WHEN e.decom < y.ys THEN 1 ELSE 0 END) AS n
        FROM cla_at31 a JOIN ly903 y ON y.la_code_old = a.la_code_old AND y.year = a.year
        JOIN ep e ON e.la_code_old = a.la_code_old AND e.child_key = a.child_key
        WHERE e.decom <= y.ye AND (e.dec IS NULL OR e.dec >= y.ys) AND coalesce(e.ls, '') NOT IN {SHORT_BREAKS}
        GROUP BY a.la_code_old, a.year, a.child_key"""),
    # placement starts up to 31 March, newest first, for the long-term stability measure
    ("placement_start", f"""
        SELECT a.la_code_old, a.year, a.child_key, e.decom, e.place,
               row_number() OVER (PARTITION BY a.la_code_old, a.year, a.child_key ORDER BY e.decom DESC) AS k
        FROM cla_at31 a JOIN ly903 y ON y.la_code_old = a.la_code_old AND y.year = a.year
        JOIN ep e ON e.la_code_old = a.la_code_old AND e.child_key = a.child_key
        WHERE e.decom <= y.ye AND e.rne IN {PLACEMENT_STARTS} AND coalesce(e.place, '') NOT LIKE 'T%'"""),
    ("care_start", """
        SELECT a.la_code_old, a.year, a.child_key,
               coalesce(max(CASE WHEN e.rne = 'S' THEN e.decom END), min(e.decom)) AS started
        FROM cla_at31 a JOIN ly903 y ON y.la_code_old = a.la_code_old AND y.year = a.year
        JOIN ep e ON e.la_code_old = a.la_code_old AND e.child_key = a.child_key
        WHERE e.decom <= y.ye GROUP BY a.la_code_old, a.year, a.child_key"""),
    ("lts", """
        SELECT c.la_code_old, c.year, c.child_key,
               CASE WHEN p1.decom <= y.cut2 OR (p1.place IN ('A3','A4','A5','A6') AND p2.decom <= y.cut2)
                    THEN 1 ELSE 0 END AS stable
        FROM care_start c JOIN ly903 y ON y.la_code_old = c.la_code_old AND y.year = c.year
        JOIN child h ON h.la_code_old = c.la_code_old AND h.child_key = c.child_key
        JOIN placement_start p1 ON p1.la_code_old = c.la_code_old AND p1.year = c.year
             AND p1.child_key = c.child_key AND p1.k = 1
        LEFT JOIN placement_start p2 ON p2.la_code_old = c.la_code_old AND p2.year = c.year
             AND p2.child_key = c.child_key AND p2.k = 2
        WHERE c.started <= y.cut25
          AND c.year - CAST(substr(h.birth_month, 1, 4) AS INTEGER)
              - CASE WHEN CAST(substr(h.birth_month, 6, 2) AS INTEGER) > 3 THEN 1 ELSE 0 END < 16"""),
    ("leaver", """
        SELECT y.la_code_old, y.year, l.child_key, max(l.activ) AS activ, max(l.accom) AS accom,
               max(l.in_touch) AS in_touch,
               max(y.year - CAST(substr(l.birth_month, 1, 4) AS INTEGER)
                   - CASE WHEN CAST(substr(l.birth_month, 6, 2) AS INTEGER) > 3 THEN 1 ELSE 0 END) AS age
        FROM ly903 y JOIN cla_care_leaver l ON l.la_code_old = y.la_code_old AND l.year = y.year
        WHERE l.birth_month IS NOT NULL GROUP BY y.la_code_old, y.year, l.child_key"""),
    # CIN: each referral once (the latest census that holds it), with its census for joins
    ("ref", """
        SELECT la_code_old, year, child_key, cin_id, referral_date, referral_nfa, closure_date FROM (
          SELECT *, row_number() OVER (PARTITION BY la_code_old, child_key, referral_date
                                       ORDER BY year DESC, cin_id) AS rn FROM cin_referral) t WHERE rn = 1"""),
    ("asmt", """
        SELECT DISTINCT la_code_old, child_key, start_date, authorised_date FROM cin_assessment
        WHERE authorised_date IS NOT NULL AND start_date IS NOT NULL"""),
    ("s47", """
        SELECT la_code_old, child_key, start_date, max(icpc_date) AS icpc_date FROM cin_s47
        WHERE start_date IS NOT NULL GROUP BY la_code_old, child_key, start_date"""),
    ("cpp", """
        SELECT la_code_old, child_key, start_date, end_date, previous_cpp FROM (
          SELECT *, row_number() OVER (PARTITION BY la_code_old, child_key, start_date
                                       ORDER BY year DESC, cin_id) AS rn
          FROM cin_cpp WHERE start_date IS NOT NULL) t WHERE rn = 1"""),
)


@dataclass(frozen=True)
class Measure:
    """One measure: SQL giving ``numerator``/``denominator`` per LA and year, or a rate of a count."""

    measure_id: str
    title: str
    return_type: str               # ssda903 / cin
    unit: str                      # count / % / rate per 10,000
    definition: str
    sql: str | None = None         # None for a rate: computed from ``base`` and the population
    base: str | None = None        # the count a rate per 10,000 is made from
    published: bool = True         # DfE publishes it under the same warehouse id


def _count(ly: str, src: str, on: str = "") -> str:
    """Children/events per LA and year, zero where none (every LA-year held gets a row)."""
    return (f"SELECT y.la_code_old, y.year, count(s.la_code_old) AS numerator, NULL AS denominator "
            f"FROM {ly} y LEFT JOIN {src} s ON s.la_code_old = y.la_code_old {on} "
            f"GROUP BY y.la_code_old, y.year")


def _pct(ly: str, src: str, hit: str, on: str = "", where: str = "") -> str:
    cond = f"AND {where}" if where else ""
    return (f"SELECT y.la_code_old, y.year, sum(CASE WHEN s.la_code_old IS NOT NULL AND {hit} THEN 1 ELSE 0 END) "
            f"AS numerator, count(s.la_code_old) AS denominator "
            f"FROM {ly} y LEFT JOIN {src} s ON s.la_code_old = y.la_code_old {on} {cond} "
            f"GROUP BY y.la_code_old, y.year")


_IN_YEAR = "AND s.{col} >= y.ys AND s.{col} <= y.ye"

MEASURES: tuple[Measure, ...] = (
    # -- SSDA903 ----------------------------------------------------------------------------
    Measure("cla_count", "Children looked after at 31 March", "ssda903", "count",
            "Children with an episode open at 31 March, excluding short-break (V3/V4) episodes.",
            _count("ly903", "cla_at31", "AND s.year = y.year")),
    Measure("cla_started_count", "Children who started to be looked after", "ssda903", "count",
            "Children with an episode starting in the year with RNE = S, counted once, excluding V3/V4.",
            _count("ly903", f"(SELECT DISTINCT la_code_old, child_key, decom FROM ep WHERE rne = 'S' "
                   f"AND coalesce(ls, '') NOT IN {SHORT_BREAKS})",
                   "AND s.decom >= y.ys AND s.decom <= y.ye").replace(
                "count(s.la_code_old)", "count(DISTINCT s.child_key)"), published=False),
    Measure("cla_ceased_count", "Children who ceased to be looked after", "ssda903", "count",
            "Children with an episode ending in the year with a reason other than X1, counted once, "
            "excluding V3/V4.",
            _count("ly903", f"(SELECT la_code_old, child_key, dec FROM ep WHERE rec IS NOT NULL AND rec <> 'X1' "
                   f"AND coalesce(ls, '') NOT IN {SHORT_BREAKS})",
                   "AND s.dec >= y.ys AND s.dec <= y.ye").replace(
                "count(s.la_code_old)", "count(DISTINCT s.child_key)"), published=False),
    Measure("cla_rate_per_10k", "Children looked after rate per 10,000", "ssda903", "rate per 10,000",
            "Children looked after at 31 March per 10,000 children aged 0-17.", base="cla_count"),
    Measure("cla_start_rate_per_10k", "Children starting to be looked after, rate per 10,000", "ssda903",
            "rate per 10,000", "Children who started to be looked after per 10,000 children aged 0-17.",
            base="cla_started_count"),
    Measure("cla_cease_rate_per_10k", "Children ceasing to be looked after, rate per 10,000", "ssda903",
            "rate per 10,000", "Children who ceased to be looked after per 10,000 children aged 0-17.",
            base="cla_ceased_count"),
    Measure("cla_3plus_placements_pct", "Children looked after with 3 or more placements in the year (%)",
            "ssda903", "%",
            "Of children looked after at 31 March, those with 3 or more placements in the year: the placement "
            "held on 1 April plus each new placement (RNE S/P/T/B/U, not L; temporary T-codes not counted).",
            _pct("ly903", "placements", "s.n >= 3", "AND s.year = y.year")),
    Measure("cla_long_term_stability_pct", "Long-term placement stability (%)", "ssda903", "%",
            "Of children looked after at 31 March aged under 16 who had been looked after for 2.5 years or more, "
            "those in the same placement for 2 years or more, or placed for adoption (A3-A6) with the adoptive "
            "and previous placement together lasting 2 years.",
            _pct("ly903", "lts", "s.stable = 1", "AND s.year = y.year")),
    Measure("care_leavers_17_18_eet_pct", "Care leavers aged 17-18 in education, employment or training (%)",
            "ssda903", "%", "OC3 care leavers aged 17 or 18 with ACTIV F*/P*.",
            _pct("ly903", "leaver", "substr(s.activ, 1, 1) IN ('F','P')", "AND s.year = y.year",
                 "s.age IN (17, 18)"), published=False),
    Measure("care_leavers_17_18_suitable_accommodation_pct", "Care leavers aged 17-18 in suitable accommodation (%)",
            "ssda903", "%", "OC3 care leavers aged 17 or 18 whose ACCOM ends in 1 (suitable).",
            _pct("ly903", "leaver", "substr(s.accom, 2, 1) = '1'", "AND s.year = y.year",
                 "s.age IN (17, 18)"), published=False),
    Measure("care_leavers_eet_pct", "Care leavers aged 19-21 in education, employment or training (%)",
            "ssda903", "%", "OC3 care leavers aged 19 to 21 with ACTIV F*/P*.",
            _pct("ly903", "leaver", "substr(s.activ, 1, 1) IN ('F','P')", "AND s.year = y.year",
                 "s.age IN (19, 20, 21)")),
    Measure("care_leavers_suitable_accommodation_pct", "Care leavers aged 19-21 in suitable accommodation (%)",
            "ssda903", "%", "OC3 care leavers aged 19 to 21 whose ACCOM ends in 1 (suitable).",
            _pct("ly903", "leaver", "substr(s.accom, 2, 1) = '1'", "AND s.year = y.year",
                 "s.age IN (19, 20, 21)")),
    # -- CIN census -------------------------------------------------------------------------
    Measure("referral_count", "Referrals to children's social care", "cin", "count",
            "Referrals (CINdetails) with a referral date in the year, including NFA referrals.",
            _count("lycin", "ref", _IN_YEAR.format(col="referral_date"))),
    Measure("referral_rate_per_10k", "Referrals rate per 10,000", "cin", "rate per 10,000",
            "Referrals in the year per 10,000 children aged 0-17.", base="referral_count"),
    Measure("cin_rereferral_count", "Re-referrals within 12 months", "cin", "count",
            "Referrals in the year within 12 months (inclusive) of the same child's previous referral to the LA, "
            "across the LA's census years.",
            _count("lycin", """(SELECT DISTINCT r.la_code_old, r.child_key, r.referral_date FROM ref r
                   JOIN ref p ON p.la_code_old = r.la_code_old AND p.child_key = r.child_key
                    AND p.referral_date < r.referral_date
                    AND p.referral_date >= r.referral_date - INTERVAL 12 MONTH)""",
                   _IN_YEAR.format(col="referral_date"))),
    Measure("cin_rereferral_pct", "Re-referrals within 12 months (%)", "cin", "%",
            "Of referrals in the year, those within 12 months of the child's previous referral.",
            _pct("lycin", """(SELECT r.la_code_old, r.child_key, r.referral_date,
                     max(CASE WHEN p.child_key IS NOT NULL THEN 1 ELSE 0 END) AS rereferral FROM ref r
                   LEFT JOIN ref p ON p.la_code_old = r.la_code_old AND p.child_key = r.child_key
                    AND p.referral_date < r.referral_date
                    AND p.referral_date >= r.referral_date - INTERVAL 12 MONTH
                   GROUP BY r.la_code_old, r.child_key, r.referral_date)""",
                 "s.rereferral = 1", _IN_YEAR.format(col="referral_date"))),
    Measure("cin_assessments_completed_count", "Assessments completed", "cin", "count",
            "Assessments authorised in the year.",
            _count("lycin", "asmt", _IN_YEAR.format(col="authorised_date")), published=False),
    Measure("cin_assessment_45d_pct", "Assessments completed within 45 working days (%)", "cin", "%",
            "Of assessments authorised in the year, those authorised within 45 working days of the assessment's "
            "actual start (England bank holidays excluded).",
            _pct("lycin", """(SELECT a.la_code_old, a.authorised_date, w2.wd - w1.wd AS days FROM asmt a
                   JOIN working_day w1 ON w1.day = a.start_date JOIN working_day w2 ON w2.day = a.authorised_date)""",
                 "s.days <= 45", _IN_YEAR.format(col="authorised_date"))),
    Measure("s47_count", "Section 47 enquiries", "cin", "count",
            "Section 47 enquiries starting in the year.",
            _count("lycin", "s47", _IN_YEAR.format(col="start_date"))),
    Measure("s47_rate_per_10k", "Section 47 enquiries rate per 10,000", "cin", "rate per 10,000",
            "Section 47 enquiries in the year per 10,000 children aged 0-17.", base="s47_count"),
    Measure("icpc_count", "Initial child protection conferences", "cin", "count",
            "Initial child protection conferences held in the year.",
            _count("lycin", "s47", _IN_YEAR.format(col="icpc_date"))),
    Measure("icpc_15days_pct", "ICPCs held within 15 working days (%)", "cin", "%",
            "Of ICPCs held in the year, those within 15 working days of the start of the section 47 enquiry "
            "that led to them.",
            _pct("lycin", """(SELECT s.la_code_old, s.icpc_date, w2.wd - w1.wd AS days FROM s47 s
                   JOIN working_day w1 ON w1.day = s.start_date JOIN working_day w2 ON w2.day = s.icpc_date)""",
                 "s.days <= 15", _IN_YEAR.format(col="icpc_date"))),
    Measure("cpp_started_count", "Child protection plans started", "cin", "count",
            "Child protection plans starting in the year.",
            _count("lycin", "cpp", _IN_YEAR.format(col="start_date"))),
    Measure("cpp_subsequent_pct", "Second or subsequent child protection plans (%)", "cin", "%",
            "Of plans starting in the year, those for a child with an earlier plan: NumberOfPreviousCPP > 0, or "
            "an earlier plan in the LA's own census years.",
            _pct("lycin", """(SELECT c.la_code_old, c.start_date,
                     max(CASE WHEN coalesce(c.previous_cpp, 0) > 0 OR p.child_key IS NOT NULL THEN 1 ELSE 0 END)
                       AS subsequent FROM cpp c
                   LEFT JOIN cpp p ON p.la_code_old = c.la_code_old AND p.child_key = c.child_key
                    AND p.start_date < c.start_date
                   GROUP BY c.la_code_old, c.child_key, c.start_date)""",
                 "s.subsequent = 1", _IN_YEAR.format(col="start_date"))),
    Measure("cpp_count", "Children on a child protection plan at 31 March", "cin", "count",
            "Child protection plans open at 31 March.",
            _count("lycin", "cpp", "AND s.start_date <= y.ye AND (s.end_date IS NULL OR s.end_date > y.ye)")),
    Measure("cpp_rate_per_10k", "Child protection plans rate per 10,000", "cin", "rate per 10,000",
            "Child protection plans open at 31 March per 10,000 children aged 0-17.", base="cpp_count"),
    Measure("cpp_2yrs_plus_pct", "Child protection plans open 2 years or more at 31 March (%)", "cin", "%",
            "Of plans open at 31 March, those that started 2 years or more before.",
            _pct("lycin", "cpp", "s.start_date <= y.cut2",
                 "AND s.start_date <= y.ye AND (s.end_date IS NULL OR s.end_date > y.ye)")),
    Measure("cpp_ceased_2yrs_plus_pct", "Plans ceasing after 2 years or more (%)", "cin", "%",
            "Of plans ending in the year, those that had lasted 2 years or more.",
            _pct("lycin", "cpp", "s.start_date <= s.end_date - INTERVAL 2 YEAR", _IN_YEAR.format(col="end_date"))),
    Measure("cin_count", "Children in need at 31 March", "cin", "count",
            "Episodes of need open at 31 March, excluding referrals closed with no further action; includes "
            "children on a plan or looked after.",
            _count("lycin", "ref", "AND s.referral_date <= y.ye AND (s.closure_date IS NULL OR s.closure_date > y.ye) "
                   "AND NOT coalesce(s.referral_nfa, false)")),
    Measure("cin_rate_per_10k", "Children in need rate per 10,000", "cin", "rate per 10,000",
            "Children in need at 31 March per 10,000 children aged 0-17.", base="cin_count"),
)

BY_ID = {m.measure_id: m for m in MEASURES}


def measure_union(measures: tuple[Measure, ...] = MEASURES) -> str:
    """All SQL measures as one query (one job per engine): ``la_code_old, year, measure_id,
    numerator, denominator``."""
    parts = [f"SELECT la_code_old, CAST(year AS INTEGER) AS year, '{m.measure_id}' AS measure_id, "
             f"CAST(numerator AS DOUBLE) AS numerator, CAST(denominator AS DOUBLE) AS denominator "
             f"FROM ({m.sql}) q_{i}" for i, m in enumerate(measures) if m.sql]
    return "\nUNION ALL\n".join(parts)
