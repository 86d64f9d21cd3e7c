"""What the web tests add to their copy of the built store (see conftest.py), shared with the tests."""

#: Darlington's inspections the two generated reports are the text of; the LA with synthetic returns.
REPORTS = {"a" * 64: "841:ILACS:2022-10-10", "b" * 64: "841:ILACS-2023:2026-02-09"}
RETURNS_LA = "851"
PASSWORD = "correct horse battery staple"
ACCOUNTS = {"analyst851": RETURNS_LA, "analyst926": "926"}
