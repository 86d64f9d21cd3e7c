"""One context per view: the plain, JSON-ready dict behind each page, API response, CLI table and workbook.

datasette's pattern: a view builds one context; the web app renders it as HTML or returns it as
JSON (``/api``), the CLI prints it as a table, CSV or JSON, and the workbook writes its tables.
Because every view reads the same dict, the same LA, measure or comparator gets the same answer
wherever it is asked. Contexts are pure functions of (store, parameters): no rendering (the views
do), no parsing (the sources packages do); what never changes while a read-only store is open is
read once (:mod:`.snapshot`).

* :mod:`.comparator`: who an LA is compared with (neighbour model, mean or median, own peers).
* :mod:`.formatting`: how each measure's numbers are written (decimals and units from the dictionary).
* :mod:`.freshness`: how current every source is, and warnings when one is overdue.
* :mod:`.la`, :mod:`.measure`, :mod:`.compare`, :mod:`.overview`: the page contexts.
* :mod:`.lists`: the measure dictionary (search, topics), the LA list (region, last inspection,
  sort) and LA search; :mod:`.glossary`: frameworks, grades and terms.
* :mod:`.tables`: every downloadable table and workbook, built from a context
  (:mod:`cscwatch.tables` writes them).
* :mod:`.snapshot`: what the contexts read again and again, read once per read-only store (the
  benchmark figures in columnar arrays once warmed), so a served page is assembled from memory.
  Contexts stay pure functions of (store, parameters): the snapshot is the store's, never stale.
"""
