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

def cy(column: str) -> str:
    """The collection year (by its 31 March) a date falls in: April-December count to the next year.
    Events are joined to their year by this number (an equality join), not by date ranges."""
    return f"(year({column}) + CASE WHEN month({column}) >= 4 THEN 1 ELSE 0 END)"


#: Views every measure may use: (name, SELECT), created in this order (engines materialise them once).
VIEWS: tuple[tuple[str, str], ...] = (
    # the latest version of each episode across the LA's returns (LAs amend earlier years)
    ("ep", """
        SELECT la_code_old, child_key, decom, rne, place, arg_max(ls, year * 100000 - row_no) AS ls,
               arg_max(dec, year * 100000 - row_no) AS dec, arg_max(rec, year * 100000 - row_no) AS rec
        FROM cla_episode GROUP BY la_code_old, child_key, decom, rne, place"""),
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
    # CIN: each referral once (the latest census that holds it), with the collection years ("ey") it
    # was made and closed in, and whether it came within 12 months of the child's previous referral
    ("ref", f"""
        SELECT la_code_old, child_key, referral_date, referral_nfa, closure_date,
               {cy('referral_date')} AS ey, {cy('closure_date')} AS ey_close FROM (
          SELECT la_code_old, child_key, referral_date,
                 arg_max(referral_nfa, year * 100000 - cin_id) AS referral_nfa,
                 arg_max(closure_date, year * 100000 - cin_id) AS closure_date
          FROM cin_referral GROUP BY la_code_old, child_key, referral_date) t"""),
    # referral dates are distinct per child here, so "a previous referral within 12 months" is "the
    # child's previous referral is within 12 months"
    ("ref_flag", """
        SELECT la_code_old, ey,
               CASE WHEN prev >= referral_date - INTERVAL 12 MONTH THEN 1 ELSE 0 END AS rereferral FROM (
          SELECT la_code_old, ey, referral_date,
                 lag(referral_date) OVER (PARTITION BY la_code_old, child_key ORDER BY referral_date) AS prev
          FROM ref) t"""),
    # episodes of need open at some 31 March (closed after the year they began in), NFA excluded
    ("ref_open", """
        SELECT la_code_old, ey, ey_close FROM ref
        WHERE NOT coalesce(referral_nfa, false) AND (ey_close IS NULL OR ey_close > ey)"""),
    ("asmt", f"""
        SELECT a.la_code_old, {cy('a.authorised_date')} AS ey, w2.wd - w1.wd AS days FROM (
          SELECT DISTINCT la_code_old, child_key, start_date, authorised_date FROM cin_assessment
          WHERE authorised_date IS NOT NULL AND start_date IS NOT NULL) a
        JOIN working_day w1 ON w1.day = a.start_date JOIN working_day w2 ON w2.day = a.authorised_date"""),
    ("s47", f"""
        SELECT la_code_old, start_date, icpc_date, {cy('start_date')} AS ey, {cy('icpc_date')} AS ey_icpc FROM (
          SELECT la_code_old, child_key, start_date, max(icpc_date) AS icpc_date FROM cin_s47
          WHERE start_date IS NOT NULL GROUP BY la_code_old, child_key, start_date) t"""),
    ("icpc", """
        SELECT s.la_code_old, s.ey_icpc AS ey, w2.wd - w1.wd AS days FROM s47 s
        JOIN working_day w1 ON w1.day = s.start_date JOIN working_day w2 ON w2.day = s.icpc_date"""),
    ("cpp", f"""
        SELECT la_code_old, child_key, start_date, end_date, previous_cpp,
               {cy('start_date')} AS ey, {cy('end_date')} AS ey_end FROM (
          SELECT la_code_old, child_key, start_date,
                 arg_max(end_date, year * 100000 - cin_id) AS end_date,
                 arg_max(previous_cpp, year * 100000 - cin_id) AS previous_cpp
          FROM cin_cpp WHERE start_date IS NOT NULL GROUP BY la_code_old, child_key, start_date) t"""),
    ("cpp_flag", """
        SELECT la_code_old, ey,
               CASE WHEN coalesce(previous_cpp, 0) > 0 OR earlier > 0 THEN 1 ELSE 0 END AS subsequent FROM (
          SELECT la_code_old, ey, previous_cpp,
                 row_number() OVER (PARTITION BY la_code_old, child_key ORDER BY start_date) - 1 AS earlier
          FROM cpp) t"""),
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


_EY = "AND s.ey = y.year"                                     # an event in the year
_OPEN = "AND s.ey <= y.year AND (s.{end} IS NULL OR s.{end} > y.year)"   # open at the year's 31 March

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
            _count("lycin", "ref", _EY)),
    Measure("referral_rate_per_10k", "Referrals rate per 10,000", "cin", "rate per 10,000",
            "Referrals in the year per 10,000 children aged 0-17.", base="referral_count"),
    Measure("cin_rereferral_count", "Re-referrals within 12 months", "cin", "count",
            "Referrals in the year within 12 months (inclusive) of the same child's previous referral to the LA, "
            "across the LA's census years.",
            _count("lycin", "(SELECT * FROM ref_flag WHERE rereferral = 1)", _EY)),
    Measure("cin_rereferral_pct", "Re-referrals within 12 months (%)", "cin", "%",
            "Of referrals in the year, those within 12 months of the child's previous referral.",
            _pct("lycin", "ref_flag", "s.rereferral = 1", _EY)),
    Measure("cin_assessments_completed_count", "Assessments completed", "cin", "count",
            "Assessments authorised in the year.", _count("lycin", "asmt", _EY), published=False),
    Measure("cin_assessment_45d_pct", "Assessments completed within 45 working days (%)", "cin", "%",
            "Of assessments authorised in the year, those authorised within 45 working days of the assessment's "
            "actual start (England bank holidays excluded).",
            _pct("lycin", "asmt", "s.days <= 45", _EY)),
    Measure("s47_count", "Section 47 enquiries", "cin", "count",
            "Section 47 enquiries starting in the year.", _count("lycin", "s47", _EY)),
    Measure("s47_rate_per_10k", "Section 47 enquiries rate per 10,000", "cin", "rate per 10,000",
            "Section 47 enquiries in the year per 10,000 children aged 0-17.", base="s47_count"),
    Measure("icpc_count", "Initial child protection conferences", "cin", "count",
            "Initial child protection conferences held in the year.", _count("lycin", "icpc", _EY)),
    Measure("icpc_15days_pct", "ICPCs held within 15 working days (%)", "cin", "%",
            "Of ICPCs held in the year, those within 15 working days of the start of the section 47 enquiry "
            "that led to them.", _pct("lycin", "icpc", "s.days <= 15", _EY)),
    Measure("cpp_started_count", "Child protection plans started", "cin", "count",
            "Child protection plans starting in the year.", _count("lycin", "cpp", _EY)),
    Measure("cpp_subsequent_pct", "Second or subsequent child protection plans (%)", "cin", "%",
            "Of plans starting in the year, those for a child with an earlier plan: NumberOfPreviousCPP > 0, or "
            "an earlier plan in the LA's own census years.",
            _pct("lycin", "cpp_flag", "s.subsequent = 1", _EY)),
    Measure("cpp_count", "Children on a child protection plan at 31 March", "cin", "count",
            "Child protection plans open at 31 March.", _count("lycin", "cpp", _OPEN.format(end="ey_end"))),
    Measure("cpp_rate_per_10k", "Child protection plans rate per 10,000", "cin", "rate per 10,000",
            "Child protection plans open at 31 March per 10,000 children aged 0-17.", base="cpp_count"),
    Measure("cpp_2yrs_plus_pct", "Child protection plans open 2 years or more at 31 March (%)", "cin", "%",
            "Of plans open at 31 March, those that started 2 years or more before.",
            _pct("lycin", "cpp", "s.start_date <= y.cut2", _OPEN.format(end="ey_end"))),
    Measure("cpp_ceased_2yrs_plus_pct", "Plans ceasing after 2 years or more (%)", "cin", "%",
            "Of plans ending in the year, those that had lasted 2 years or more.",
            _pct("lycin", "cpp", "s.start_date <= s.end_date - INTERVAL 2 YEAR", "AND s.ey_end = y.year")),
    Measure("cin_count", "Children in need at 31 March", "cin", "count",
            "Episodes of need open at 31 March, excluding referrals closed with no further action; includes "
            "children on a plan or looked after.", _count("lycin", "ref_open", _OPEN.format(end="ey_close"))),
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
