"""Segmentation of each report layout, on generated page text (no real report needed)."""
from __future__ import annotations

from cscwatch.text.recommendations import extract_recommendations
from cscwatch.text.segment import segment_pages, split_sentences

ILACS = [
    "Inspection of Testshire local authority\nchildren's services\nInspection dates: 6 to 17 March 2023\n"
    "Lead inspector: Alex Example, His Majesty's Inspector\nJudgement Grade\n"
    "The impact of leaders on social work\npractice with children and families\nGood\n"
    "The experiences and progress of\nchildren who need help and protection\nRequires improvement to be good\n"
    "Overall effectiveness Good\n"
    "Leaders know their services well. Most children get help when they need it, e.g. at the front door.",
    "Inspection of Testshire local authority children's services\n6 to 17 March 2023 2\n"
    "What needs to improve?\n\u25fc The quality of plans for children in need.\n"
    "\u25fc The response to children who go missing from home\nand care.\n"
    "The experiences and progress of children who need help and\nprotection: requires improvement to be good\n"
    "1. Children are seen regularly. Too many children experience changes of social worker.\n",
    "Inspection of Testshire local authority children's services\n6 to 17 March 2023 3\n"
    "The impact of leaders on social work practice with children and\nfamilies: good\n"
    "2. Senior leaders have a clear plan. Caseloads are manageable.\n",
]


def test_ilacs_sections_pages_and_headers():
    seg = segment_pages(ILACS, "ilacs")
    by = {s.text: s for s in seg.sentences}
    assert by["Leaders know their services well."].section == "summary"
    assert by["Leaders know their services well."].page == 1
    assert by["Too many children experience changes of social worker."].section == "help_and_protection"
    assert by["Caseloads are manageable."].page == 3 and by["Caseloads are manageable."].section == "leadership"
    assert not any("6 to 17 March" in s.text for s in seg.sentences if s.page > 1)  # running header dropped
    recs = extract_recommendations(seg)
    assert [r.text for r in recs] == ["The quality of plans for children in need.",
                                      "The response to children who go missing from home and care."]
    assert {r.kind for r in recs} == {"what_needs_to_improve"} and recs[0].page == 2


SIF = [
    "1\nLondon Borough of Testham\nInspection of services for children in need of help and\nprotection, "
    "children looked after and care leavers\nInspection date: 11 April 2016 to 5 May 2016\n"
    "Children's services in Testham are inadequate\n1. Children who need help and protection Inadequate\n",
    "2\nExecutive summary\nThere are widespread and serious failures in the services provided.\n"
    "Recommendations\n1. Ensure that the director of children's services has the authority and capacity\n"
    "to drive forward change.\n2. Improve the arrangements to reduce the risk of sexual exploitation, by:\n"
    "\uf06e ensuring that risks are routinely assessed\n\uf06e sharing information from return interviews.\n",
    "3\nThe experiences and progress of\nchildren who need help and\nprotection\nInadequate\nSummary\n"
    "3. Thresholds are neither consistently applied nor understood. (Recommendation)\n"
    "Leadership, management and governance\nInadequate\n4. Oversight of cases is weak.\n"
    "The Local Safeguarding Children Board (LSCB)\nRecommendations\n1. Ensure the board audits its work.\n",
]


def test_sif_recommendations_chapters_and_lscb():
    seg = segment_pages(SIF, "sif")
    sec = {s.text: s.section for s in seg.sentences}
    assert sec["There are widespread and serious failures in the services provided."] == "summary"
    assert sec["Thresholds are neither consistently applied nor understood."] == "help_and_protection"
    assert sec["Oversight of cases is weak."] == "leadership"
    assert sec["Ensure the board audits its work."] == "lscb"        # the board's, not the LA's
    recs = extract_recommendations(seg)
    assert len(recs) == 2 and recs[1].text.endswith("sharing information from return interviews.")
    assert "by: ensuring that risks" in recs[1].text                   # sub-points stay with their item


LEGACY = [
    "Inspection of looked after children\nservices\nTestshire County Council\nInspection dates: 8 - 12 July 2013\n",
    "Testshire County Council Inspection of looked after children services 1\n"
    "Overall effectiveness of services for looked\nafter children and young people\nGrade 4 (inadequate)\n"
    "8. The local authority is not carrying out its statutory responsibilities.\n"
    "Areas for improvement\n9. In order to improve the quality of provision the local authority should take the following action.\n"
    "Immediately:\n\uf06e ensure all children have a care plan\nWithin three months:\n\uf06e ensure all children have a PEP\n",
    "Testshire County Council Inspection of looked after children services 2\n"
    "Leadership and management\nGrade 4 (inadequate)\n10. Leaders have not improved services.\n",
    "Testshire County Council Inspection of looked after children services 3\n"
    "Quality of provision\nGrade 3 (adequate)\n11. Placements are stable.\n",
]


def test_legacy_timescales_and_running_header():
    seg = segment_pages(LEGACY, "legacy")
    recs = extract_recommendations(seg)
    assert [(r.timescale, r.text) for r in recs] == [("Immediately", "ensure all children have a care plan"),
                                                     ("Within three months", "ensure all children have a PEP")]
    sec = {s.text: s.section for s in seg.sentences}
    assert sec["Leaders have not improved services."] == "leadership"
    assert sec["Placements are stable."] == "children_in_care"
    assert not any("Inspection of looked after children services 2" in s.text for s in seg.sentences)


def test_sentence_splitting_keeps_abbreviations_and_initials():
    assert split_sentences("Support is good, e.g. the MASH works. Mr. J. Smith chairs it. It is timely.") == [
        "Support is good, e.g. the MASH works.", "Mr. J. Smith chairs it.", "It is timely."]


def test_generated_pdf_layouts_segment(tmp_path):
    """The register's generated PDFs (one per layout) go through page text -> sections."""
    from cscwatch.fixtures.reports import make_report_pdf
    from cscwatch.register.parse import parse_report

    for layout, key in (("ilacs", "ilacs"), ("ilacs_split", "ilacs"), ("ilacs_2026", "ilacs"), ("sif", "sif"),
                        ("legacy", "legacy")):
        pdf = make_report_pdf(tmp_path / f"{layout}.pdf", layout=layout)
        report = parse_report(pdf, keep_text=True)
        pages = [report.pages[i] for i in sorted(report.pages)] if isinstance(report.pages, dict) else report.pages
        seg = segment_pages(pages, key)
        assert seg.sentences, layout
        if key == "ilacs":
            recs = extract_recommendations(seg)
            assert [r.text for r in recs] == ["The consistency of management oversight of plans for children."], layout
