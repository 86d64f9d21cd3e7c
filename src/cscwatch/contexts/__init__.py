"""One context per view: the plain, JSON-ready dict behind each page, API response, CLI table and workbook.

datasette's pattern: a view builds one context; the web app renders it as HTML or returns it as
JSON (``/api``), the CLI prints it as a table, CSV or JSON, and the workbook writes its tables.
Because every view reads the same dict, the same LA, measure or comparator gets the same answer
wherever it is asked. Contexts are pure functions of (store, parameters): no caching here (the web
app caches responses), no rendering (the views do), no parsing (the sources packages do).

* :mod:`.comparator`: who an LA is compared with (neighbour model, mean or median, own peers).
* :mod:`.formatting`: how each measure's numbers are written (decimals and units from the dictionary).
* :mod:`.freshness`: how current every source is, and warnings when one is overdue.
* :mod:`.la`, :mod:`.measure`, :mod:`.compare`, :mod:`.overview`: the page contexts.
"""
