"""The declarative source list: one entry per bundled file, and the measure dictionary.

Each :class:`Source` says which bundled file it reads, which release it belongs to (for the
publication rule), how its periods are labelled, which columns it must have, which rows to keep
and which column becomes which ``measure_id``. ``load.py`` turns an entry into DuckDB SQL
(``read_csv`` / ``read_parquet`` + ``UNPIVOT`` + ``INSERT ... SELECT``); nothing here runs code.

Precedence: when two sources give the same measure for the same area and period, the one listed
first wins (EES tidy files before LAIT; newer EES vintages before older), so LAIT only fills what
EES lacks.
"""
from __future__ import annotations

from dataclasses import dataclass

#: Columns every EES tidy file starts with (DOMAIN.md §3.2).
EES_GEO = ("time_period", "time_identifier", "geographic_level", "country_code", "country_name",
           "region_code", "region_name", "old_la_code", "new_la_code", "la_name")

OGL = "Open Government Licence v3.0"


@dataclass(frozen=True)
class Pick:
    """One indicator column to load as ``measure_id``, optionally only from rows matching ``where``."""

    column: str
    measure_id: str
    where: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class Source:
    source_id: str
    path: str                      # relative to the bundled data folder
    kind: str                      # ees / lait / imd2019 / lookup
    release: str                   # publication rule key (cscwatch.warehouse.publication)
    publication: str               # the publication's title
    original: str                  # where the bundled copy came from (relative to ../shared/data)
    period_type: str = "year_end_march"
    picks: tuple[Pick, ...] = ()
    filters: tuple[tuple[str, str], ...] = ()   # rows kept only when every column equals its value
    ignore: tuple[str, ...] = ()   # columns known but not loaded (any other column fails the load)
    geo: tuple[str, ...] = EES_GEO
    licence: str = OGL
    transform: str = "gzip of the original"
    # Explore Education Statistics public API: the data set this file is a version of, and which
    # version the bundled copy is (``cscwatch fetch statistics`` fetches newer ones). None = not
    # known: no id has been confirmed against the live API for the bundled files yet (docs/watch.md).
    ees_data_set: str | None = None
    ees_version: str | None = None


@dataclass(frozen=True)
class Measure:
    measure_id: str
    title: str
    unit: str
    topic: str
    polarity: str | None           # 'high' / 'low' / None (context measure: no rank, no band)
    definition: str
    numerator: str | None = None
    denominator: str | None = None
    source_publication: str = ""
    period_type: str = "year_end_march"


CIN_PUB = "DfE Children in need (Explore Education Statistics), 2025 release"
CLA_PUB = "DfE Children looked after in England including adoptions (EES), 2025 release"
CLA22_PUB = "DfE Children looked after in England including adoptions (EES), 2022 release"
CSWW_PUB = "DfE Children's social work workforce (EES), 2025 release"
POP_PUB = "ONS mid-year population estimates, children aged 0-17 (DfE EES layout)"
LAIT_PUB = "DfE Local Authority Interactive Tool (LAIT) long-format data"
IMD_PUB = "MHCLG English Indices of Deprivation 2019, upper-tier LA summaries"
IOD25_PUB = ("MHCLG English Indices of Deprivation 2025, File 10 district summaries (long format by Trafford "
             "Data Lab), aggregated to upper tier by cscwatch")
RUC_PUB = "ONS/Defra Rural-Urban Classification (2011) lookup for counties and unitary authorities (2021)"

_CIN_CAT = ("category",)

SOURCES: tuple[Source, ...] = (
    Source("cin_b1", "warehouse/cin_b1_children_in_need.csv.gz", "ees", "cin", CIN_PUB,
           "cin/b1_children_in_need_2013_to_2025.csv",
           picks=(Pick("At31_episodes", "cin_count"), Pick("Anypoint_child", "cin_during_year_count"),
                  Pick("Started_child", "cin_started_count"), Pick("Ended_child", "cin_ended_count"),
                  Pick("awaiting_assessment", "cin_awaiting_assessment_count")),
           ignore=_CIN_CAT + ("Anypoint_episodes", "Started_episodes", "Ended_episodes")),
    Source("cin_c1", "warehouse/cin_c1_referrals.csv.gz", "ees", "cin", CIN_PUB,
           "cin/c1_children_in_need_referrals_and_rereferrals_2013_to_2025.csv",
           picks=(Pick("referral_count", "referral_count"), Pick("rereferral_count", "cin_rereferral_count"),
                  Pick("rereferral_percent", "cin_rereferral_pct"),
                  Pick("no_further_action_percent", "referral_nfa_pct"),
                  Pick("not_in_need_percent", "referral_not_in_need_pct")),
           ignore=_CIN_CAT + ("no_further_action_count", "not_in_need_count", "referral_child_count",
                              "rereferral_child_count", "rereferral_child_percent")),
    Source("cin_c4", "warehouse/cin_c4_s47_icpc.csv.gz", "ees", "cin", CIN_PUB,
           "cin/c4_children_in_need_section_47s_and_icpcs_2013_to_2025.csv",
           picks=(Pick("Section47", "s47_count"), Pick("ICPC", "icpc_count"),
                  Pick("Duration_median", "icpc_median_working_days")),
           ignore=_CIN_CAT + ("Section47_child", "ICPC_child", "Duration_0-10_days", "Duration_11-15_days",
                              "Duration_16-20_days", "Duration_21+_days", "Duration_25th_Percentile",
                              "Duration_75th_Percentile")),
    Source("cin_d3", "warehouse/cin_d3_cpp_subsequent.csv.gz", "ees", "cin", CIN_PUB,
           "cin/d3_cpps_subsequent_plan_2013_to_2025.csv",
           picks=(Pick("CPP_start", "cpp_started_count"), Pick("CPP_subsequent_percent", "cpp_subsequent_pct")),
           ignore=_CIN_CAT + ("CPP_subsequent",)),
    Source("cin_d5", "warehouse/cin_d5_cpp_duration.csv.gz", "ees", "cin", CIN_PUB,
           "cin/d5_cpps_at31march_by_duration_2013_to_2025.csv",
           picks=(Pick("CPP_At31", "cpp_count"), Pick("2_years_or_more_percent", "cpp_2yrs_plus_pct")),
           ignore=_CIN_CAT + ("3_months_or_less", "3_months_or_less_percent", "more_than_3_months_6_months",
                              "more_than_3_months_6_months_percent", "more_than_6_months_less_than_1_year",
                              "more_than_6_months_less_than_1_year_percent", "1_year_less_than_2_years",
                              "1_year_less_than_2_years_percent", "2_years_or_more")),
    Source("cla_rate", "warehouse/cla_number_and_rate_per_10k_children.csv.gz", "ees", "cla", CLA_PUB,
           "cla/cla_number_and_rate_per_10k_children.csv",
           picks=(Pick("rate_per_10000", "cla_rate_per_10k",
                       (("population_type", "Children looked after on 31 March each year"),)),
                  Pick("children_count", "cla_count",
                       (("population_type", "Children looked after on 31 March each year"),)),
                  Pick("rate_per_10000", "cla_start_rate_per_10k",
                       (("population_type", "Children starting to be looked after each year"),)),
                  Pick("rate_per_10000", "cla_cease_rate_per_10k",
                       (("population_type", "Children ceasing to be looked after each year"),))),
           ignore=("population_type", "population_estimate")),
    Source("cla_stability", "warehouse/la_cla_placement_stability.csv.gz", "ees", "cla", CLA_PUB,
           "cla/la_cla_placement_stability.csv",
           picks=(Pick("children_percent", "cla_3plus_placements_pct",
                       (("cla_group", "CLA on 31 March"),
                        ("placement_stability", "With 3 or more placements during the year"))),
                  Pick("children_percent", "cla_long_term_stability_pct",
                       (("cla_group", "Children looked after continuously for at least 2.5 years on 31 March "
                                      "aged under 16 years"),
                        ("placement_stability", "Living with the same carer for at least 2 years")))),
           ignore=("cla_group", "placement_stability", "children_count")),
    Source("cla_care_leavers_activity", "warehouse/cla_care_leavers_activity.csv.gz", "ees", "cla", CLA_PUB,
           "cla/la_care_leavers_activity.csv",
           picks=tuple(Pick("care_leaver_percent", mid, (("care_leaver_age", age),
                                                         ("breakdown", "Total in education, employment or training")))
                       for age, mid in (("17 to 18 years", "care_leavers_eet_17_18_pct"),
                                        ("19 to 21 years", "care_leavers_eet_pct"))),
           ignore=("care_leaver_age", "breakdown", "care_leaver_count")),
    Source("cla_care_leavers_accommodation", "warehouse/cla_care_leavers_accommodation.csv.gz", "ees", "cla",
           CLA_PUB, "cla/la_care_leavers_accommodation_suitability.csv",
           picks=tuple(Pick("care_leaver_percent", mid, (("care_leaver_age", age),
                                                         ("breakdown", "Accommodation considered suitable")))
                       for age, mid in (("17 to 18 years", "care_leavers_suitable_accommodation_17_18_pct"),
                                        ("19 to 21 years", "care_leavers_suitable_accommodation_pct"))),
           ignore=("care_leaver_age", "breakdown", "care_leaver_count")),
    Source("csww", "warehouse/csww_indicators.csv.gz", "ees", "workforce", CSWW_PUB,
           "workforce/csww_indicators_2017_to_2025.csv", period_type="snapshot_september",
           picks=(Pick("inpost_fte", "sw_fte"), Pick("turnover_rate_fte", "sw_turnover_rate"),
                  Pick("agency_rate_fte", "sw_agency_rate"), Pick("vacancy_rate_fte", "sw_vacancy_rate"),
                  Pick("caseload_fte", "sw_caseload"), Pick("absence_rate_fte", "sw_absence_rate"),
                  Pick("agency_cover_rate_fte", "sw_agency_cover_rate")),
           ignore=("inpost_headcount", "starters_fte", "starters_headcount", "leavers_fte", "leavers_headcount",
                   "turnover_rate_headcount", "agency_fte", "agency_headcount", "agency_rate_headcount",
                   "agency_cover_fte", "vacancy_fte", "vacancy_agency_cover_rate_fte", "case_holders_fte",
                   "cases", "working_days_lost_fte")),
    Source("population", "warehouse/ons_population_0_17.csv.gz", "ees", "population", POP_PUB,
           "population/ons_mid-year_population_estimates_2012_to_2024.csv", period_type="mid_year",
           picks=(Pick("population_estimate", "population_0_17"),),
           filters=(("age_group", "Children aged 0 to 17 years"),), ignore=("age_group",)),
    Source("lait", "warehouse/lait_bds_long.parquet", "lait", "lait", LAIT_PUB, "lait/bds_long_0.parquet",
           transform="byte copy"),
    # After LAIT: the 2022 release's 2019-2020 rates use pre-2021-Census population estimates
    # (City of London 2020: 148 here, 343 in LAIT and the 2025 release basis), so it only fills gaps.
    Source("cla_rate_2022", "warehouse/cla_number_and_rate_per_10k_children_2022.csv.gz", "ees", "cla",
           CLA22_PUB, "cla/vintage_2022/cla_number_and_rate_per_10k_children.csv",
           # the 2022 file's 'population_count' column holds the population type (header mislabelled)
           picks=(Pick("rate_per_10000", "cla_rate_per_10k",
                       (("population_count", "Children looked after at 31 March each year"),)),
                  Pick("number", "cla_count", (("population_count", "Children looked after at 31 March each year"),)),
                  Pick("rate_per_10000", "cla_start_rate_per_10k",
                       (("population_count", "Children starting to be looked after each year"),)),
                  Pick("rate_per_10000", "cla_cease_rate_per_10k",
                       (("population_count", "Children ceasing to be looked after each year"),))),
           ignore=("population_count", "population_estimate")),
    Source("cin_rates_dashboard", "warehouse/csc_dashboard_cin_rates.csv.gz", "ees", "cin",
           "DfE CSC outcomes and enablers dashboard (CIN rate computed from b1 and ONS estimates)",
           "cin/csc_dashboard_cin_rates_2013_to_2025.csv",
           picks=(Pick("At31_episodes_rate", "cin_rate_per_10k"),),
           geo=("geographic_level", "geo_breakdown", "time_period", "region_code", "region_name",
                "new_la_code", "old_la_code", "la_name"),
           ignore=("CIN_number", "At31_episodes", "CIN_rate")),
    Source("imd2019", "warehouse/imd2019_upper_tier.csv.gz", "imd2019", "imd2019", IMD_PUB,
           "population/imd2019_upper_tier_la_summaries.csv", period_type="static"),
    Source("iod2025", "warehouse/iod2025_lad2024.csv.gz", "iod2025", "imd2025", IOD25_PUB,
           "population/imd2025_lad2024_summaries_all_domains.csv", period_type="static"),
    Source("ruc2011", "warehouse/ruc2011_utla2021.csv", "ruc2011", "ruc2011", RUC_PUB,
           "lookups/ruc2011_classification_utla2021.csv", period_type="static", transform="byte copy"),
)

#: Lookups (loaded by la.py; listed here so the manifest and the no-op check cover them).
LOOKUPS: dict[str, tuple[str, str | None, str]] = {
    # key: (bundled path, original path in ../shared/data or None for cscwatch's own files, publication)
    "lait_dictionary": ("warehouse/lait_data_dictionary.csv.gz", "lait/lait_data_dictionary.csv",
                        "DfE LAIT data dictionary"),
    "la_code_history": ("warehouse/la_code_history.csv.gz", "lookups/la_code_history_from_ees_files.csv",
                        "derived from the EES files: LA code history"),
    "la_changes": ("warehouse/la_boundary_and_code_changes.csv", "lookups/la_boundary_and_code_changes.csv",
                   "compiled list of LA reorganisations and code changes 2019-2025"),
    "lait_la_codes": ("warehouse/lait_la_code_list.csv", "lookups/lait_la_code_list.csv", "DfE LAIT LA code list"),
    "stat_neighbours": ("warehouse/dfe_statistical_neighbours_long.csv.gz",
                        "lookups/dfe_statistical_neighbours_long.csv",
                        "DfE children's services statistical neighbour models (April 2021; May 2025)"),
    "ltla_utla": ("geo/ltla23_utla23_lookup.csv", "lookups/ons_ltla23_utla23_lookup_england_wales.csv",
                  "ONS Open Geography: LTLA to UTLA (April 2023) lookup in England and Wales"),
    "lad2011_population": ("warehouse/ruc2011_lad2011.csv", "lookups/ruc2011_classification_lad2011.csv",
                           "Defra/ONS 2011 Rural-Urban Classification of LA districts (2011 populations)"),
    "la_aliases": ("lookups/la_aliases.csv", None, "cscwatch: LA spellings no source carries ('Hull', 'BCP Council')"),
    "la_lineage": ("lookups/la_lineage.csv", None, "cscwatch: who went where in each reorganisation"),
    "ofsted_names": ("warehouse/ofsted_la_names.csv", "ofsted/ofsted_la_inspection_events_2009_2025.csv",
                     "Ofsted LA inspection outcomes: LA name spellings with codes"),
}

#: LAIT short descriptions given a readable id (everything else becomes ``lait_<slug>``).
LAIT_IDS: dict[str, str] = {
    "CIN": "cin_rate_per_10k",
    "CPP_rate": "cpp_rate_per_10k",
    "Section_47": "s47_rate_per_10k",
    "CPP_Total_Rateper10,000": "referral_rate_per_10k",
    "ReReferral": "cin_rereferral_pct",
    "Continue_Assess_Comp": "cin_assessment_45d_pct",
    "PrevRegCPR": "cpp_subsequent_pct",
    "CPPlans2yrs": "cpp_ceased_2yrs_plus_pct",
    "CP_conf_15days": "icpc_15days_pct",
    "LAC": "cla_rate_per_10k",
    "LACnum": "cla_count",
    "LAC_Start_Rate": "cla_start_rate_per_10k",
    "LAC_Cease_Rate": "cla_cease_rate_per_10k",
    "LACStable_2016on": "cla_3plus_placements_pct",
    "LAC_LongStable%": "cla_long_term_stability_pct",
    "CareLeaverEET": "care_leavers_eet_pct",
    "CareLeaverAcc": "care_leavers_suitable_accommodation_pct",
    "CareLeavers_LA_NotInTouch": "care_leavers_not_in_touch_pct",
    "Stability_SocialWorker": "cla_3plus_social_workers_pct",
    "LACDistance": "cla_placed_over_20_miles_pct",
    "Work_Force_Agecy_Rate": "sw_agency_rate",
    "Work_Force_Vac_Rate": "sw_vacancy_rate",
    "Work_Force_TO_Rate": "sw_turnover_rate",
    "Work_Force_AvgNumCase_SW": "sw_caseload",
    "Work_Force_NoSW": "sw_fte",
    "Work_Force_SWAbsence": "sw_absence_rate",
    "TotalLACFinance": "s251_cla_spend_gbp",
    "SafeguardingFinance": "s251_safeguarding_spend_gbp",
    "FamilySupportFinance": "s251_family_support_spend_gbp",
    "C&YPExpenditure": "s251_cyp_spend_gbp",
    "ChildPov": "child_poverty_pct",
}

_CIN = "Children in Need"
_CP = "Child Protection"
_CLA = "Children Looked After"
_WF = "Children's Services Workforce"
_SP = "Children's Service Finance"
_CTX = "Context"

#: The readable measures (LAIT-only measures take their metadata from the LAIT dictionary).
MEASURES: tuple[Measure, ...] = (
    Measure("cin_count", "Children in need at 31 March", "count", _CIN, None,
            "Children in need episodes open at 31 March (b1 At31_episodes).", source_publication=CIN_PUB),
    Measure("cin_during_year_count", "Children in need at any point in the year", "count", _CIN, None,
            "Children in need at any point during the year (b1 Anypoint_child).", source_publication=CIN_PUB),
    Measure("cin_started_count", "Children starting an episode of need", "count", _CIN, None,
            "Children who started an episode of need in the year (b1 Started_child).", source_publication=CIN_PUB),
    Measure("cin_ended_count", "Children ending an episode of need", "count", _CIN, None,
            "Children whose episode of need ended in the year (b1 Ended_child).", source_publication=CIN_PUB),
    Measure("cin_awaiting_assessment_count", "Children awaiting assessment at 31 March", "count", _CIN, None,
            "Referrals at 31 March still awaiting the start of an assessment (b1).", source_publication=CIN_PUB),
    Measure("cin_rate_per_10k", "Children in need rate per 10,000", "rate per 10,000", _CIN, None,
            "Children in need at 31 March per 10,000 children aged 0-17 (LAIT 'CIN'; 2013-2015 from the DfE "
            "dashboard's computation from b1 and ONS estimates).", "cin_count", "population_0_17",
            "LAIT / DfE CSC outcomes and enablers dashboard"),
    Measure("referral_count", "Referrals to children's social care", "count", _CIN, None,
            "Referrals received in the year (c1 referral_count).", source_publication=CIN_PUB),
    Measure("referral_rate_per_10k", "Referrals rate per 10,000", "rate per 10,000", _CIN, None,
            "Referrals in the year per 10,000 children aged 0-17 (LAIT CPP_Total_Rateper10,000).",
            "referral_count", "population_0_17", LAIT_PUB),
    Measure("cin_rereferral_count", "Re-referrals within 12 months", "count", _CIN, None,
            "Referrals within 12 months of a previous referral (c1).", source_publication=CIN_PUB),
    Measure("cin_rereferral_pct", "Re-referrals within 12 months (%)", "%", _CIN, "low",
            "Percentage of referrals in the year that were within 12 months of a previous referral.",
            "cin_rereferral_count", "referral_count", CIN_PUB),
    Measure("referral_nfa_pct", "Referrals closed with no further action (%)", "%", _CIN, None,
            "Percentage of referrals that resulted in no further action (c1).", source_publication=CIN_PUB),
    Measure("referral_not_in_need_pct", "Referrals assessed as not in need (%)", "%", _CIN, None,
            "Percentage of referrals assessed and found not to be in need (c1).", source_publication=CIN_PUB),
    Measure("cin_assessment_45d_pct", "Assessments completed within 45 working days (%)", "%", _CIN, "high",
            "Continuous assessments completed within 45 working days of the referral (LAIT).",
            source_publication=LAIT_PUB),
    Measure("s47_count", "Section 47 enquiries", "count", _CP, None,
            "Section 47 enquiries started in the year (c4 Section47).", source_publication=CIN_PUB),
    Measure("s47_rate_per_10k", "Section 47 enquiries rate per 10,000", "rate per 10,000", _CP, None,
            "Section 47 enquiries per 10,000 children aged 0-17 (LAIT Section_47).", "s47_count",
            "population_0_17", LAIT_PUB),
    Measure("icpc_count", "Initial child protection conferences", "count", _CP, None,
            "Initial child protection conferences in the year (c4 ICPC).", source_publication=CIN_PUB),
    Measure("icpc_median_working_days", "Median working days from strategy meeting to ICPC", "working days", _CP,
            "low", "Median working days from the section 47 strategy discussion to the ICPC (c4).",
            source_publication=CIN_PUB),
    Measure("icpc_15days_pct", "ICPCs held within 15 working days (%)", "%", _CP, "high",
            "Initial child protection conferences held within 15 working days of the strategy discussion (LAIT).",
            source_publication=LAIT_PUB),
    Measure("cpp_count", "Children on a child protection plan at 31 March", "count", _CP, None,
            "Children subject to a child protection plan at 31 March (d5 CPP_At31).", source_publication=CIN_PUB),
    Measure("cpp_rate_per_10k", "Child protection plans rate per 10,000", "rate per 10,000", _CP, None,
            "Children on a child protection plan at 31 March per 10,000 children aged 0-17 (LAIT CPP_rate).",
            "cpp_count", "population_0_17", LAIT_PUB),
    Measure("cpp_started_count", "Child protection plans started", "count", _CP, None,
            "Child protection plans starting in the year (d3 CPP_start).", source_publication=CIN_PUB),
    Measure("cpp_subsequent_pct", "Second or subsequent child protection plans (%)", "%", _CP, "low",
            "Percentage of plans starting in the year that were a second or subsequent plan (d3).",
            "CPP_subsequent", "cpp_started_count", CIN_PUB),
    Measure("cpp_2yrs_plus_pct", "Child protection plans open 2 years or more at 31 March (%)", "%", _CP, "low",
            "Percentage of children on a plan at 31 March who had been on it for 2 years or more (d5).",
            "2_years_or_more", "cpp_count", CIN_PUB),
    Measure("cpp_ceased_2yrs_plus_pct", "Plans ceasing after 2 years or more (%)", "%", _CP, "low",
            "Child protection plans ceasing in the year that had lasted 2 years or more (LAIT CPPlans2yrs).",
            source_publication=LAIT_PUB),
    Measure("cla_count", "Children looked after at 31 March", "count", _CLA, None,
            "Children looked after at 31 March.", source_publication=CLA_PUB),
    Measure("cla_rate_per_10k", "Children looked after rate per 10,000", "rate per 10,000", _CLA, None,
            "Children looked after at 31 March per 10,000 children aged 0-17.", "cla_count", "population_0_17",
            CLA_PUB),
    Measure("cla_start_rate_per_10k", "Children starting to be looked after, rate per 10,000", "rate per 10,000",
            _CLA, None, "Children starting to be looked after in the year per 10,000 children aged 0-17.",
            source_publication=CLA_PUB),
    Measure("cla_cease_rate_per_10k", "Children ceasing to be looked after, rate per 10,000", "rate per 10,000",
            _CLA, None, "Children ceasing to be looked after in the year per 10,000 children aged 0-17.",
            source_publication=CLA_PUB),
    Measure("cla_3plus_placements_pct", "Children looked after with 3 or more placements in the year (%)", "%",
            _CLA, "low", "Children looked after at 31 March with three or more placements during the year.",
            source_publication=CLA_PUB),
    Measure("cla_long_term_stability_pct", "Long-term placement stability (%)", "%", _CLA, "high",
            "Children under 16 looked after for 2.5 years or more who have lived in the same placement for at "
            "least 2 years.", source_publication=CLA_PUB),
    Measure("cla_3plus_social_workers_pct", "Children looked after with 3 or more social workers (%)", "%", _CLA,
            "low", "Children looked after with three or more social workers during the year (LAIT).",
            source_publication=LAIT_PUB),
    Measure("cla_placed_over_20_miles_pct", "Children looked after placed more than 20 miles away (%)", "%", _CLA,
            "low", "Children looked after placed more than 20 miles from home (LAIT).", source_publication=LAIT_PUB),
    Measure("care_leavers_eet_17_18_pct", "Care leavers aged 17-18 in education, employment or training (%)", "%",
            _CLA, "high", "Care leavers aged 17 or 18 in education, employment or training around their birthday "
            "(SSDA903 OC3).", source_publication=CLA_PUB),
    Measure("care_leavers_eet_pct", "Care leavers aged 19-21 in education, employment or training (%)", "%", _CLA,
            "high", "Care leavers aged 19-21 in education, employment or training around their birthday "
            "(EES from 2021; LAIT CareLeaverEET before).", source_publication=CLA_PUB),
    Measure("care_leavers_suitable_accommodation_17_18_pct", "Care leavers aged 17-18 in suitable accommodation (%)",
            "%", _CLA, "high", "Care leavers aged 17 or 18 whose accommodation is considered suitable (SSDA903 OC3).",
            source_publication=CLA_PUB),
    Measure("care_leavers_suitable_accommodation_pct", "Care leavers aged 19-21 in suitable accommodation (%)", "%",
            _CLA, "high", "Care leavers aged 19-21 whose accommodation is considered suitable (EES from 2021; LAIT "
            "CareLeaverAcc before).", source_publication=CLA_PUB),
    Measure("care_leavers_not_in_touch_pct", "Care leavers the LA is not in touch with (%)", "%", _CLA, "low",
            "Care leavers aged 19-21 with whom the LA is not in touch (LAIT).", source_publication=LAIT_PUB),
    Measure("sw_fte", "Children and family social workers (FTE)", "FTE", _WF, None,
            "Children and family social workers in post at 30 September (FTE).", source_publication=CSWW_PUB,
            period_type="snapshot_september"),
    Measure("sw_agency_rate", "Agency social worker rate (%)", "%", _WF, "low",
            "Agency workers as a percentage of agency plus in-post social workers (FTE) at 30 September.",
            "agency_fte", "agency_fte + inpost_fte", CSWW_PUB, "snapshot_september"),
    Measure("sw_vacancy_rate", "Social worker vacancy rate (%)", "%", _WF, "low",
            "Vacancies as a percentage of vacancies plus in-post social workers (FTE) at 30 September.",
            "vacancy_fte", "vacancy_fte + inpost_fte", CSWW_PUB, "snapshot_september"),
    Measure("sw_turnover_rate", "Social worker turnover rate (%)", "%", _WF, "low",
            "Leavers in the year to 30 September as a percentage of social workers in post (FTE).",
            "leavers_fte", "inpost_fte", CSWW_PUB, "snapshot_september"),
    Measure("sw_caseload", "Average caseload per case-holding social worker", "cases", _WF, "low",
            "Cases held at 30 September divided by case-holding social workers (FTE).", "cases",
            "case_holders_fte", CSWW_PUB, "snapshot_september"),
    Measure("sw_absence_rate", "Social worker sickness absence rate (%)", "%", _WF, "low",
            "Working days lost to sickness as a percentage of available working days.",
            source_publication=CSWW_PUB, period_type="snapshot_september"),
    Measure("sw_agency_cover_rate", "Agency workers covering vacancies (%)", "%", _WF, None,
            "Agency workers covering vacancies as a percentage of agency workers.", source_publication=CSWW_PUB,
            period_type="snapshot_september"),
    Measure("population_0_17", "Children aged 0-17 (mid-year estimate)", "count", _CTX, None,
            "ONS mid-year population estimate of children aged 0 to 17.", source_publication=POP_PUB,
            period_type="mid_year"),
    Measure("imd_2019_avg_score", "IMD 2019 average score", "score", _CTX, None,
            "Index of Multiple Deprivation 2019: population-weighted average LSOA score (higher = more deprived).",
            source_publication=IMD_PUB, period_type="static"),
    Measure("imd_2019_rank_avg_score", "IMD 2019 rank of average score", "rank", _CTX, None,
            "Rank of the IMD 2019 average score among upper-tier LAs (1 = most deprived).",
            source_publication=IMD_PUB, period_type="static"),
    Measure("imd_2019_most_deprived_10pct", "IMD 2019 share of LSOAs in the most deprived 10%", "proportion",
            _CTX, None, "Proportion of the LA's LSOAs in the most deprived 10% nationally.",
            source_publication=IMD_PUB, period_type="static"),
    Measure("imd_2025_avg_score", "IMD 2025 average score", "score", _CTX, None,
            "Index of Multiple Deprivation 2025 average score. MHCLG's upper-tier file was not available: unitary, "
            "metropolitan and London authorities take their own district figure; counties the mean of their "
            "districts weighted by 2011 census population (unweighted where a district has no 2011 figure).",
            source_publication=IOD25_PUB, period_type="static"),
    Measure("imd_2025_most_deprived_10pct", "IMD 2025 share of LSOAs in the most deprived 10%", "proportion", _CTX,
            None, "Proportion of LSOAs in the most deprived 10% nationally (IoD 2025; counties aggregated as for "
            "imd_2025_avg_score).", source_publication=IOD25_PUB, period_type="static"),
    Measure("idaci_2025_avg_score", "IDACI 2025 average score", "proportion of children", _CTX, None,
            "Income Deprivation Affecting Children Index 2025 average score: share of children in income-deprived "
            "families (counties aggregated as for imd_2025_avg_score).", source_publication=IOD25_PUB,
            period_type="static"),
    Measure("ruc_2011_class", "Rural-urban class (2011, 6-fold)", "class 1-6", _CTX, None,
            "Rural-Urban Classification 2011 of the upper-tier authority: 1 Mainly Rural, 2 Largely Rural, "
            "3 Urban with Significant Rural, 4 Urban with City and Town, 5 Urban with Minor Conurbation, "
            "6 Urban with Major Conurbation. 2021 boundaries: Cumberland and Westmorland and Furness have none.",
            source_publication=RUC_PUB, period_type="static"),
    Measure("s251_cla_spend_gbp", "Children looked after spend (S251 outturn)", "GBP", _SP, None,
            "Gross S251 outturn spend on children looked after (LAIT TotalLACFinance).",
            source_publication=LAIT_PUB, period_type="financial_year"),
    Measure("s251_safeguarding_spend_gbp", "Safeguarding spend (S251 outturn)", "GBP", _SP, None,
            "Gross S251 outturn spend on safeguarding children and young people's services (LAIT).",
            source_publication=LAIT_PUB, period_type="financial_year"),
    Measure("s251_family_support_spend_gbp", "Family support spend (S251 outturn)", "GBP", _SP, None,
            "Gross S251 outturn spend on family support services (LAIT).", source_publication=LAIT_PUB,
            period_type="financial_year"),
    Measure("s251_cyp_spend_gbp", "Children and young people's services spend (S251 outturn)", "GBP", _SP, None,
            "Total gross spend on children and young people excluding CERA (LAIT C&YPExpenditure).",
            source_publication=LAIT_PUB, period_type="financial_year"),
    Measure("csc_spend_per_child_gbp", "Children's social care spend per child (S251)", "GBP per child", _SP, None,
            "Derived: S251 gross spend on children looked after + safeguarding + family support, divided by the "
            "ONS 0-17 population at the mid-year the financial year starts in (2023-24 uses mid-2023).",
            "s251_cla_spend_gbp + s251_safeguarding_spend_gbp + s251_family_support_spend_gbp",
            "population_0_17", "derived from LAIT S251 and ONS", "financial_year"),
    Measure("child_poverty_pct", "Children in relative low income families (%)", "%", _CTX, None,
            "Children in relative low income families (LAIT ChildPov); context, no band.",
            source_publication=LAIT_PUB),
)

#: Measures the risk model needs (docs/measures.md lists them first).
#: The key measures every view shows for an LA (CLI profile, LA page, API, workbook): the DOMAIN.md §2.3
#: early-warning indicators in the order a practitioner reads a child's journey, then context.
KEY_MEASURES = (
    # the front door
    "referral_rate_per_10k", "cin_rereferral_pct", "cin_assessment_45d_pct", "cin_rate_per_10k",
    # child protection
    "s47_rate_per_10k", "icpc_15days_pct", "cpp_rate_per_10k", "cpp_subsequent_pct", "cpp_2yrs_plus_pct",
    # children in care
    "cla_rate_per_10k", "cla_3plus_placements_pct", "cla_long_term_stability_pct",
    # care leavers
    "care_leavers_eet_17_18_pct", "care_leavers_eet_pct", "care_leavers_suitable_accommodation_17_18_pct",
    "care_leavers_suitable_accommodation_pct",
    # the workforce
    "sw_agency_rate", "sw_vacancy_rate", "sw_turnover_rate", "sw_caseload",
    # spend and context
    "csc_spend_per_child_gbp", "population_0_17", "imd_2025_avg_score",
)


def measures_by_id() -> dict[str, Measure]:
    return {m.measure_id: m for m in MEASURES}


def source(source_id: str) -> Source:
    for s in SOURCES:
        if s.source_id == source_id:
            return s
    raise KeyError(source_id)


def all_columns(src: Source) -> set[str]:
    """Every column the file must have, no more, no less."""
    cols = set(src.geo) | {p.column for p in src.picks} | set(src.ignore)
    cols |= {c for p in src.picks for c, _ in p.where} | {c for c, _ in src.filters}
    return cols
