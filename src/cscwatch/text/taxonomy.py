"""The theme taxonomy: what inspectors write about, in the words Ofsted and the NAO use.

Sixteen themes, each a statement about the *service* a sentence evaluates (not the words it
happens to contain). Each theme maps to

* the Ofsted judgement(s) whose narrative it usually sits in (``judgements``: keys of the register's
  ``judgement`` table), and
* the focused-visit / monitoring-visit topics of Ofsted's official outcomes data
  (``visit_topics``: Front door; Children in need/subject to a plan; Children in care; Achieving
  permanence; Care leavers; Vulnerable adolescents),
* the warehouse measures an analyst would look at to see whether the concern shows in the data
  (``measures``: ``measure.measure_id``; may be empty).

A sentence gets zero or more themes and one polarity (:data:`POLARITIES`). The labelling rules are
in ``docs/themes-guidelines.md``; the taxonomy is data so that docs, classifiers and views share it.
"""
from __future__ import annotations

from dataclasses import dataclass

__all__ = ["Theme", "THEMES", "THEME_IDS", "POLARITIES", "theme", "TAXONOMY_VERSION"]

#: Bump when a theme is added, removed or redefined (stored classifications record it).
TAXONOMY_VERSION = "1"

#: ``strength``: the sentence says something works well; ``concern``: something is weak, missing,
#: late or inconsistent (including "what needs to improve" items); ``neutral``: description, context
#: or a fact without a verdict.
POLARITIES: tuple[str, ...] = ("strength", "concern", "neutral")

FRONT_DOOR = "Front door"
CIN_PLAN = "Children in need/subject to a plan"
IN_CARE = "Children in care"
PERMANENCE = "Achieving permanence"
CARE_LEAVERS = "Care leavers"
ADOLESCENTS = "Vulnerable adolescents"


@dataclass(frozen=True)
class Theme:
    id: str
    title: str
    description: str
    judgements: tuple[str, ...]
    visit_topics: tuple[str, ...]
    measures: tuple[str, ...] = ()

    def as_dict(self) -> dict:
        return {"id": self.id, "title": self.title, "description": self.description,
                "judgements": list(self.judgements), "visit_topics": list(self.visit_topics),
                "measures": list(self.measures)}


THEMES: tuple[Theme, ...] = (
    Theme("leadership", "Leadership, governance and corporate support",
          "Senior and political leaders: stability and capacity of the leadership team (DCS changes, "
          "interim leaders), vision, grip, self-evaluation and improvement plans, governance and scrutiny, "
          "corporate parenting, resources and budget, the pace of improvement since the last inspection.",
          ("leadership", "overall"), (FRONT_DOOR, CIN_PLAN, IN_CARE, PERMANENCE, CARE_LEAVERS, ADOLESCENTS)),
    Theme("workforce", "Workforce stability, capacity and caseloads",
          "Social workers and personal advisers: recruitment and retention, turnover, agency staff, "
          "vacancies, caseloads, changes of social worker, training and development, morale and support.",
          ("leadership",), (CIN_PLAN, IN_CARE),
          ("sw_turnover_rate", "sw_agency_rate", "sw_vacancy_rate", "sw_caseload")),
    Theme("oversight", "Management oversight and supervision",
          "Managers' direction of casework: supervision (regularity, reflection, recording), management "
          "oversight and grip on cases, challenge by managers, IROs and child protection chairs.",
          ("leadership", "help_and_protection", "children_in_care"), (FRONT_DOOR, CIN_PLAN, IN_CARE)),
    Theme("front_door", "Front door, referrals and thresholds",
          "First response: contacts and referrals, MASH or multi-agency front door, screening, consent, "
          "thresholds understood and applied, out-of-hours, re-referrals and step-up/step-down.",
          ("help_and_protection",), (FRONT_DOOR,),
          ("cin_rereferral_pct",)),
    Theme("assessment", "Quality of assessment",
          "Assessments of children's needs and risks: timeliness, analysis, use of history and "
          "chronologies, parenting and kinship/connected-carer assessments.",
          ("help_and_protection", "children_in_care"), (CIN_PLAN, FRONT_DOOR),
          ("cin_assessment_45d_pct",)),
    Theme("planning", "Planning and review",
          "Plans for children (child in need, child protection, care and pathway plans): specificity, "
          "contingency, review meetings and conferences, the independent reviewing officer's role, "
          "step-down and case closure decisions.",
          ("help_and_protection", "children_in_care", "care_leavers"), (CIN_PLAN, IN_CARE)),
    Theme("child_protection", "Child protection and response to risk",
          "Recognising and responding to harm: strategy discussions, section 47 enquiries, child "
          "protection conferences and plans, neglect, domestic abuse, pre-proceedings (PLO) and care "
          "proceedings, whether children are safe.",
          ("help_and_protection",), (FRONT_DOOR, CIN_PLAN),
          ("cpp_subsequent_pct",)),
    Theme("drift_delay", "Drift, delay and timeliness",
          "Whether help comes in time: drift in plans, delay in decisions, in court work or in "
          "permanence, cases left open or closed too soon, timeliness of visits and reviews.",
          ("help_and_protection", "children_in_care"), (CIN_PLAN, PERMANENCE)),
    Theme("children_in_care", "Children in care: placements, stability and permanence",
          "Coming into care, placement sufficiency, choice and stability, fostering and residential "
          "care, adoption, special guardianship and kinship care, family time, health and education "
          "of children in care (virtual school, PEPs, health assessments), children placed at a distance.",
          ("children_in_care", "adoption"), (IN_CARE, PERMANENCE),
          ("cla_3plus_placements_pct",)),
    Theme("care_leavers", "Care leavers",
          "Young people leaving care: keeping in touch, personal advisers, pathway planning, "
          "accommodation and staying put, education, employment and training, the local offer.",
          ("care_leavers", "children_in_care"), (CARE_LEAVERS,),
          ("care_leavers_eet_pct", "care_leavers_suitable_accommodation_pct", "care_leavers_not_in_touch_pct")),
    Theme("voice", "Children's voice, participation and direct work",
          "Whether children are seen, heard and understood: direct work, children's views and wishes "
          "influencing plans, life-story work, advocacy, children in care councils, identity.",
          ("help_and_protection", "children_in_care", "care_leavers"), (CIN_PLAN, IN_CARE, CARE_LEAVERS)),
    Theme("partnership", "Partnership and multi-agency working",
          "Work with police, health, schools, courts, housing and other agencies; the local "
          "safeguarding children board or partnership; information sharing; commissioning with partners.",
          ("leadership", "help_and_protection", "lscb"), (FRONT_DOOR, ADOLESCENTS)),
    Theme("quality_assurance", "Quality assurance and performance management",
          "How leaders know what is happening: audit, performance information and data, quality "
          "assurance frameworks, learning from audits and reviews, case recording used for oversight.",
          ("leadership",), ()),
    Theme("early_help", "Early help",
          "Help before statutory social care: early help offer and assessments, family support, "
          "children's centres and targeted services, step-down to early help, edge-of-care support.",
          ("help_and_protection",), (FRONT_DOOR,)),
    Theme("exploitation_missing", "Exploitation and missing children",
          "Children at risk of sexual or criminal exploitation, gangs, county lines, radicalisation, "
          "trafficking; children missing from home, care or education; return home interviews; "
          "contextual safeguarding.",
          ("help_and_protection", "children_in_care"), (ADOLESCENTS,)),
    Theme("vulnerable_groups", "Specific groups of vulnerable children",
          "Disabled children, privately fostered children, homeless 16- and 17-year-olds, young carers, "
          "unaccompanied asylum-seeking children, children electively home educated, allegations "
          "against professionals (LADO), children in custody.",
          ("help_and_protection", "children_in_care"), (ADOLESCENTS, CIN_PLAN)),
)

THEME_IDS: tuple[str, ...] = tuple(t.id for t in THEMES)
_BY_ID = {t.id: t for t in THEMES}


def theme(theme_id: str) -> Theme:
    """The :class:`Theme` with this id (``KeyError`` for an unknown id)."""
    return _BY_ID[theme_id]
