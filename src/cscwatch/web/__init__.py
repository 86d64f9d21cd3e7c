"""The dashboard: GOV.UK-styled pages and their JSON twins over a read-only store.

``create_app(store)`` in :mod:`cscwatch.web.app`; page data in :mod:`cscwatch.web.pages`;
``cscwatch serve`` in :mod:`cscwatch.web.cli`. See docs/web.md.
"""
