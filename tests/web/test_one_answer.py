"""One answer everywhere: the same LA for every spelling at every entry point, and the same figures
for an LA on the command line, in the API and in its workbook."""
from __future__ import annotations

import io
import json
import re
from urllib.parse import quote

import pytest
from openpyxl import load_workbook
from typer.testing import CliRunner

from cscwatch.cli import app as cli

#: Names with and without 'City of' / 'Borough of' / 'Council', '&' and 'and', old 3-digit and ONS
#: codes (including the codes of recoded and reorganised authorities: Barnsley and Sheffield 2025,
#: Buckinghamshire 2020, North Yorkshire and Somerset 2023), former authorities by name and code
#: (Poole and Bournemouth before 2019, Northamptonshire before 2021, Cumbria before 2023) and typos.
SPELLINGS = [
    ("Norfolk", "926"), ("NORFOLK", "926"), ("  norfolk ", "926"), ("Norfolk County Council", "926"), ("926", "926"),
    ("E10000020", "926"), ("e10000020", "926"), ("Norflk", "926"),
    ("Bristol", "801"), ("City of Bristol", "801"), ("Bristol, City of", "801"), ("Bristol City Council", "801"),
    ("Kingston upon Hull", "810"), ("Hull", "810"), ("Kingston upon Hull, City of", "810"),
    ("Herefordshire", "884"), ("Herefordshire, County of", "884"), ("County of Herefordshire", "884"),
    ("Telford & Wrekin", "894"), ("Telford and Wrekin", "894"),
    ("Brighton & Hove", "846"), ("Brighton and Hove", "846"),
    ("Windsor and Maidenhead", "868"), ("Royal Borough of Windsor and Maidenhead", "868"),
    ("Kensington & Chelsea", "207"), ("Kensington and Chelsea", "207"),
    ("Hammersmith & Fulham", "205"), ("Barking and Dagenham", "301"), ("Redcar & Cleveland", "807"),
    ("Newcastle", "391"), ("Newcastle upon Tyne", "391"), ("City of York", "816"), ("York", "816"),
    ("Durham", "840"), ("County Durham", "840"), ("St Helens", "342"), ("St. Helens", "342"),
    ("Metropolitan Borough of Wirral", "344"), ("Wirral", "344"),
    ("Southend-on-Sea", "882"), ("Southend", "882"), ("Stoke-on-Trent", "861"),
    ("City of London", "201"), ("Corporation of London", "201"), ("Isles of Scilly", "420"),
    ("Council of the Isles of Scilly", "420"), ("Bedford Borough", "822"), ("Borough of Bedford", "822"),
    ("Poole", "836"), ("Borough of Poole", "836"), ("Bournemouth", "837"),
    ("Bournemouth, Christchurch and Poole", "839"), ("BCP Council", "839"), ("835", "835"),
    ("Northamptonshire", "928"), ("928", "928"), ("North Northamptonshire", "940"),
    ("West Northamptonshire", "941"), ("Cumbria", "909"), ("909", "909"), ("Cumberland", "942"),
    ("Westmorland and Furness", "943"), ("Westmorland & Furness", "943"),
    ("North Yorkshire", "815"), ("E10000023", "815"), ("E06000065", "815"),
    ("Somerset", "933"), ("E10000027", "933"), ("E06000066", "933"),
    ("Buckinghamshire", "825"), ("E10000002", "825"), ("E06000060", "825"),
    ("Barnsley", "370"), ("E08000016", "370"), ("E08000038", "370"), ("Sheffield", "373"), ("E08000019", "373"),
    ("E08000039", "373"),
    ("Hackny", "204"), ("Camdn", "202"), ("Lancashir", "888"), ("Manchster", "352"), ("Birmingam", "330"),
    ("Leicester City", "856"), ("Leicestershire", "855"), ("Nottingham City", "892"),
]


def _cli_json(args: list[str]) -> object:
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, (args, result.output[-500:])
    return json.loads(result.stdout)


def test_there_are_enough_spellings():
    assert len(SPELLINGS) >= 60 and len({code for _, code in SPELLINGS}) >= 40


@pytest.mark.parametrize("text,code", SPELLINGS)
def test_every_entry_point_gives_the_same_la(client, store_file, text, code):
    from cscwatch.identity import directory

    api = client.get("/api/la/" + quote(text, safe=""))
    assert api.status_code == 200, (text, api.text[:200])
    assert api.json()["la"]["la_code_old"] == code
    page = client.get("/la/" + quote(text, safe=""))
    assert page.status_code == 200
    name = api.json()["la"]["la_name"]
    assert re.search(r"<h1[^>]*>" + re.escape(name.replace("&", "&amp;")) + "</h1>", page.text), text
    cli_la = _cli_json(["la", text, "--format", "json", "--db", str(store_file)])
    assert cli_la["la"]["la_code_old"] == code
    rows = _cli_json(["inspections", "--la", text, "--format", "json", "--db", str(store_file)])
    history = set(directory(client.app.state.generations.current.store).history_codes(code))
    assert {r["la_code_old"] for r in rows} <= history
    assert {i["inspection_id"] for i in api.json()["inspections"]} == {r["inspection_id"] for r in rows}


LINE_FIELDS = ("measure_id", "period", "value", "rank", "n_ranked", "band", "trend", "change_1y", "comparator",
               "region", "england")


@pytest.mark.parametrize("la,options", [("Norfolk", []), ("City of London", []), ("835", []),
                                        ("Leeds", ["--neighbours", "2021", "--average", "median"]),
                                        ("Kent", ["--peers", "Essex, Surrey, Hampshire"])])
def test_cli_api_and_workbook_carry_the_same_measures(client, store_file, la, options):
    cli_ctx = _cli_json(["la", la, "--format", "json", "--all", "--db", str(store_file), *options])
    params = {"measures": "all"}
    for flag, key in (("--neighbours", "neighbours"), ("--average", "average"), ("--peers", "peers")):
        if flag in options:
            params[key] = options[options.index(flag) + 1]
    api = client.get("/api/la/" + quote(la), params=params).json()
    assert [{k: m[k] for k in LINE_FIELDS} for m in cli_ctx["measures"]] == \
        [{k: m[k] for k in LINE_FIELDS} for m in api["measures"]]
    assert [m["series"] for m in cli_ctx["measures"]] == [m["series"] for m in api["measures"]]
    params.pop("measures")
    wb = load_workbook(io.BytesIO(client.get(f"/la/{quote(la)}/workbook.xlsx", params=params).content))
    ws = wb["Measures"]
    head = int(re.sub(r"\D", "", ws.freeze_panes)) - 1
    headers = [c.value for c in ws[head]]
    rows = [dict(zip(headers, (c.value for c in r))) for r in ws.iter_rows(min_row=head + 1)]
    assert [r["Measure id"] for r in rows] == [m["measure_id"] for m in api["measures"]]
    direction = {"better": "better", "worse": "worse", "same": "same", "up": "up", "down": "down"}
    for r, m in zip(rows, api["measures"]):
        d = m["decimals"]
        assert r["Period"] == m["period"]
        assert r["Value"] == (None if m["value"] is None else pytest.approx(round(m["value"], d)))
        assert r["Rank (1 = best)"] == m["rank"] and r["Quartile band (A = best quarter)"] == m["band"]
        assert r["Direction"] == direction.get(m["trend"])
        assert r["England (whole country)"] == (None if m["england"] is None else pytest.approx(round(m["england"], d)))
        comp = next(v for k, v in r.items() if k.startswith("Comparator: "))
        assert comp == (None if m["comparator"] is None else pytest.approx(round(m["comparator"], max(d, 1))))
    trends = wb["Trends"]
    head = int(re.sub(r"\D", "", trends.freeze_panes)) - 1
    from cscwatch.warehouse.sources import KEY_MEASURES

    assert trends.max_row - head == sum(len(m["series"]) for m in api["measures"] if m["measure_id"] in KEY_MEASURES)
