"""A sentence stating a judgement in Ofsted's grade words has that grade's polarity, whatever the model says."""
import numpy as np
import pytest

from cscwatch.text.model import _grade_statements
from cscwatch.text.rules import grade_statement_polarity
from cscwatch.text.taxonomy import POLARITIES


@pytest.mark.parametrize("sentence, expected", [
    ("Leadership and management are inadequate.", "concern"),
    ("Overall, services for children in Gloucestershire are inadequate.", "concern"),
    ("The experiences and progress of children who need help and protection requires improvement to be good.",
     "concern"),
    ("Services for care leavers require improvement.", "concern"),
    ("Services for children in need of help and protection are good.", "strength"),
    ("Services for care leavers in Bracknell Forest are outstanding.", "strength"),
    # not statements of a grade: past judgements, relative clauses, negations, longer sentences
    ("Children's services in Croydon have improved dramatically since the last inspection in 2017, when they "
     "were judged to be inadequate.", None),
    ("The panel ensures robust follow-up on individual case audits that are judged inadequate.", None),
    ("The local authority is working to address areas of provision that require improvement.", None),
    ("The quality of plans is not good.", None),
    ("While the response when children go missing is good, the pace of improvement has been too slow.", None),
])
def test_grade_statement_polarity(sentence, expected):
    assert grade_statement_polarity(sentence) == expected


def test_grade_statements_override_only_those_rows():
    p = np.array([[0.7, 0.2, 0.1], [0.7, 0.2, 0.1]])  # POLARITIES order
    out = _grade_statements(["Leadership and management are inadequate.", "Plans are reviewed."], p)
    assert POLARITIES[int(out[0].argmax())] == "concern" and out[0].max() == 1.0
    assert (out[1] == p[1]).all()
