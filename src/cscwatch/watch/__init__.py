"""Keeping cscwatch current, and saying what changed.

* :mod:`~cscwatch.watch.reports`: ``fetch_reports``, new Ofsted publications into the register;
* :mod:`~cscwatch.watch.statistics`: ``fetch_statistics``, new EES data set versions into the warehouse;
* :mod:`~cscwatch.watch.changes`: ``what_changed``, and the one adapter over the risk model;
* :mod:`~cscwatch.watch.feeds`: Atom feeds and the daily digest;
* :mod:`~cscwatch.watch.http`, :mod:`~cscwatch.watch.ofsted`, :mod:`~cscwatch.watch.ees`: the
  checked fetcher and the two sites' structures; :mod:`~cscwatch.watch.runs`: the fetch ledger.

See docs/watch.md.
"""
