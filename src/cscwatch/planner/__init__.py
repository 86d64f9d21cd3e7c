"""The inspection planner: which LAs Ofsted should inspect when, under the rules and a capacity, and
how much sooner a risk-based plan would have found the LAs that became inadequate.

* :mod:`.adapters`: the seam to the risk package: the windows from the project's one rules table
  (``data/ofsted/inspection_rules.csv``, :mod:`cscwatch.risk.rules`) over the register history, the
  risk scores and bands, and the planner's own sequencing policy;
* :mod:`.months`: whole calendar months and the planner's event types;
* :mod:`.capacity`: capacities from the command line or a CSV file;
* :mod:`.schedule`: the CP-SAT model; :mod:`.plan`: :func:`plan`, the month-by-month plan;
* :mod:`.simulate`: the retrospective replay 2018 onwards; :mod:`.xlsx`: the plan workbook.

See docs/planner.md.
"""
