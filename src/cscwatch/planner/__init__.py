"""The inspection planner: which LAs Ofsted should inspect when, under the rules and a capacity, and
how much sooner a risk-based plan would have found the LAs that became inadequate.

* :mod:`.rules` and ``windows.csv``: the scheduling rules as data (regimes, windows, sources, certainty);
* :mod:`.adapters`: the seam to the risk package (:func:`windows_on`, :func:`risk_on`);
* :mod:`.capacity`: capacities from the command line or a CSV file;
* :mod:`.schedule`: the CP-SAT model; :mod:`.plan`: :func:`plan`, the month-by-month plan;
* :mod:`.simulate`: the retrospective replay 2018 onwards; :mod:`.xlsx`: the plan workbook.

See docs/planner.md.
"""
