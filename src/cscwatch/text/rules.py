"""The transparent baseline: keyword rules for themes and cue counting for polarity.

Written once from the taxonomy's descriptions and the labelling guidelines, before any model was
fitted, and never tuned on the held-out LAs; every decision can be read off the patterns below.
It is the yardstick the learned model must beat (``bench/themes.py`` prints both).
"""
from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

from cscwatch.text.taxonomy import THEME_IDS

__all__ = ["THEME_PATTERNS", "rule_themes", "rule_polarity", "grade_statement_polarity", "GRADE_STATEMENT", "RuleClassifier"]

_W = r"(?<![\w-])(?:{})(?![\w-])"

#: One regular expression per theme over the lower-cased sentence.
THEME_PATTERNS: dict[str, re.Pattern[str]] = {k: re.compile(_W.format(v)) for k, v in {
    "leadership": r"leaders?|leadership|senior (?:managers?|leaders?|leadership team)|director of children's services"
                  r"|dcs|chief executive|elected members?|lead member|councillors?|political|corporate"
                  r"|self-?(?:assessment|evaluation)|improvement (?:plans?|board)|governance|scrutiny|strategic"
                  r"|vision|investment|invested|budget|since the (?:last|previous) inspection|pace of (?:change|improvement)",
    "workforce": r"caseloads?|workloads?|agency (?:staff|workers?|social workers?)|turnover|recruit\w*|retention|retain\w*"
                 r"|vacanc\w+|staffing|workforce|changes? (?:of|in) (?:social )?workers?|newly qualified|asye|training"
                 r"|permanent (?:staff|workforce|social workers)|unqualified|capacity",
    "oversight": r"supervision|supervisory|(?:management|managerial|manager) oversight|oversight|grip|team managers?"
                 r"|conference chairs?|escalat\w+|managers? (?:challenge|direction)",
    "front_door": r"front door|mash|multi-agency safeguarding hub|referrals?|re-?referrals?|contacts?|thresholds?|screening"
                  r"|consent|out[- ]of[- ]hours|emergency duty|edt|step(?:ped|ping)?[- ]?(?:up|down)|first response",
    "assessment": r"assessments?|assessed|assessing|analysis|analyse[sd]?|chronolog\w+|histor(?:y|ies)|viability",
    "planning": r"plans?|planning|reviews?|reviewed|iros?|independent reviewing officers?|core groups?|contingenc\w+"
                r"|pathway plans?|care plans?|closure|closed",
    "child_protection": r"child protection|strategy (?:discussions?|meetings?)|section 47|s47|significant harm|neglect\w*"
                        r"|domestic (?:abuse|violence)|pre-?proceedings|public law outline|plo|care proceedings|court"
                        r"|legal|risks? of harm|protect(?:ed|ion|ive)?|safer|safety",
    "drift_delay": r"drift|delay\w*|timel(?:y|iness)|untimely|promptly|prompt|too long|swift\w*|quickly|waiting|wait"
                   r"|slow|in a timely",
    "children_in_care": r"children in care|looked after|placements?|placed|foster\w*|residential|children's homes?|adopt\w*"
                        r"|special guardianship|sgos?|permanen(?:ce|cy)|kinship|connected (?:carers?|persons?)"
                        r"|family and friends|family time|virtual school|personal education plans?|peps?"
                        r"|health assessments?|sufficiency|match(?:ing|ed)",
    "care_leavers": r"care leavers?|leaving care|personal advisers?|pas?|pathway plans?|staying put|independent living"
                    r"|independence|local offer|education, employment (?:and|or) training|neet|eet|apprenticeships?"
                    r"|university|young adults?|setting-up-home",
    "voice": r"views?|voices?|wishes and feelings|direct work|life[- ]story|advoca\w+|participat\w+|children in care council"
             r"|cicc|seen alone|identity|listen\w*|heard|relationships? with (?:their )?(?:social )?workers?",
    "partnership": r"partners?|partnerships?|multi-?agency|police|health (?:partners|services|colleagues)|schools?"
                   r"|agencies|lscb|safeguarding (?:children )?(?:board|partnership)|information sharing|cafcass|housing"
                   r"|co-located",
    "quality_assurance": r"audits?|audited|auditing|performance (?:information|data|management|reports?|monitoring)"
                         r"|quality assurance|management information|data|case recording|recording|records?",
    "early_help": r"early help|early intervention|family support|edge[- ]of[- ]care|children's centres?|troubled families"
                  r"|families first|common assessment|cafs?|preventative|prevention|targeted (?:services|support)",
    "exploitation_missing": r"exploit\w*|cse|cce|gangs?|county lines|trafficking|radicali\w+|missing|return (?:home )?interviews?"
                            r"|rhis?|contextual safeguarding|disruption",
    "vulnerable_groups": r"disab\w+|private(?:ly)? foster\w*|homeless\w*|young carers?|unaccompanied|asylum|uasc"
                         r"|home educat\w*|elective home|ehe|lado|designated officer|allegations?|custody|young offender",
}.items()}
assert set(THEME_PATTERNS) == set(THEME_IDS)

_CONCERN = re.compile(_W.format(
    r"not|no|never|lack\w*|weak\w*|poor\w*|inconsisten\w*|insufficient\w*|inadequate\w*|too (?:many|few|long|slow|late|often|much)"
    r"|delay\w*|drift|variable|limited|fail\w*|gaps?|shortfall\w*|deteriorat\w*|requires? improvement|needs? to improve"
    r"|underdeveloped|under-developed|ineffective\w*|unclear|concern\w*|absence|absent|fragile|slow|unable|cannot"
    r"|missed|backlog|instability|churn|declined|worse|unacceptable|unsafe|harmful|less"))
_STRENGTH = re.compile(_W.format(
    r"effective\w*|well|good|strong\w*|strength\w*|timely|robust\w*|improv\w+|clear\w*|positive\w*|appropriate\w*"
    r"|thorough\w*|high[- ]quality|excellent|outstanding|impressive\w*|committed|commitment|benefit\w*|successful\w*"
    r"|comprehensive\w*|consistent\w*|prompt\w*|valued|proactive\w*|creative\w*|sensitive\w*|skilled|ambitious"
    r"|embedded|swift\w*|accurate\w*|innovative|highly|wide range"))
_NEGATOR = re.compile(_W.format(r"not|no|never|lack\w*|insufficiently|less|yet"))
_IMPERATIVE = re.compile(
    r"^(?:ensure|improve|review|develop|strengthen|increase|implement|continue|complete|provide|make sure|raise|reduce"
    r"|establish|address|take|work with|confirm|formalise|integrate|evaluate|help|progress|seek|accelerate|agree|build"
    r"|consolidate|monitor|embed|extend|undertake|prioritise|clarify|secure|promote|maintain)\b")
_ITEM = re.compile(r"^(?:the |a |an )?(?:quality|timeliness|consistency|effectiveness|response|sufficiency|impact|rigour"
                   r"|stability|use|range|identification|capacity|recording|support|arrangements|offer|take-up|pace"
                   r"|oversight|management oversight|understanding|availability|regularity|frequency|assessment"
                   r"|planning|progress|clarity|allocation|access|accuracy|practice|decision-making|keeping in touch)\b")
_FINITE = re.compile(_W.format(r"is|are|was|were|has|have|had|does|do|did|will|can|remain|remains|means|ensures?"))


#: A sentence that states a judgement in Ofsted's words ("Leadership and management are inadequate.",
#: "Overall, services for children in X are good.", "... requires improvement to be good."): the
#: grade *is* the polarity. Present tense only, so "when it was judged to be inadequate" (a report
#: describing how far an LA has come) is left to the classifier.
GRADE_STATEMENT = re.compile(
    r"^(?:overall,? )?(?:(?!\b(?:that|which|where|when|if)\b)[^.;:,]){0,160}?\b(?:(?:is|are|remains?|has been judged|have been judged)\s+(?:judged\s+)?"
    r"(?:to be\s+)?(?:(?P<concern>inadequate)|(?P<strength>good|outstanding))|(?P<ri>requires? improvement(?: to be good)?))"
    r"\.?$")


def grade_statement_polarity(sentence: str) -> str | None:
    """``concern`` or ``strength`` when the sentence is a judgement in Ofsted's grade words, else None."""
    m = GRADE_STATEMENT.match(sentence.lower().strip())
    if not m:
        return None
    return "strength" if m.group("strength") else "concern"


def rule_themes(sentence: str) -> list[str]:
    """Themes whose pattern occurs in the sentence."""
    low = sentence.lower()
    return [t for t in THEME_IDS if THEME_PATTERNS[t].search(low)]


def rule_polarity(sentence: str) -> str:
    """``concern`` / ``strength`` / ``neutral`` from counted cue words (a negated strength counts as a concern).

    Recommendations ("Ensure that ...") and verbless "what needs to improve" items ("The quality of
    plans.") are concerns by the guidelines.
    """
    low = sentence.lower().strip().lstrip("-\u2022 ")
    if _IMPERATIVE.match(low) or (_ITEM.match(low) and not _FINITE.search(low)):
        return "concern"
    concern = len(_CONCERN.findall(low))
    strength = 0
    for m in _STRENGTH.finditer(low):
        before = low[max(0, m.start() - 30):m.start()]
        if _NEGATOR.search(before):
            concern += 1
        else:
            strength += 1
    if concern == 0 and strength == 0:
        return "neutral"
    return "strength" if strength > concern else "concern"


class RuleClassifier:
    """The keyword baseline behind the same interface as :class:`cscwatch.text.model.SentenceClassifier`."""

    name = "keyword rules"

    def fit(self, texts: Sequence[str], themes: Sequence[Iterable[str]], polarity: Sequence[str]) -> RuleClassifier:
        return self  # nothing is learned

    def predict_themes(self, texts: Sequence[str]) -> list[list[str]]:
        return [rule_themes(t) for t in texts]

    def predict_polarity(self, texts: Sequence[str]) -> list[str]:
        return [rule_polarity(t) for t in texts]
