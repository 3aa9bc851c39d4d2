"""Distinct beneficiaries end to end (issue 21 § 1): PARCOURS_PSY_PATIENTS_DISTINCTS through
``cogind.compute`` and ``cogind compute`` (threads, batch sizes, regions, Dask, stored states)
against a plain Python set-based count; without BEN_NIR_PSA the indicator is non calculable."""
from __future__ import annotations

import datetime as dt
import json
import random

import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner

import cogind
from cogind.cli import cli
from cogind.engine import levels

CODE = "PARCOURS_PSY_PATIENTS_DISTINCTS"
CAISSES = ["01C751", "01C011", "75C751", "13C131", "59C591"]


def claims(n: int = 3000, seed: int = 3) -> list[dict]:
    """Patients who repeat, some moving caisse, some rows out of scope or without id."""
    rnd = random.Random(seed)
    home = {f"P{i:016d}": rnd.choice(CAISSES) for i in range(400)}
    rows = []
    for _ in range(n):
        ben = rnd.choice(list(home))
        caisse = home[ben] if rnd.random() < 0.85 else rnd.choice(CAISSES)  # moves
        rows.append({"ORG_CLE_NUM": caisse,
                     "EXE_SOI_DTD": dt.date(2023, 1, 1) + dt.timedelta(rnd.randrange(730)),
                     "PRS_NAT_REF": rnd.choice([9201, 9202, 9202, 1111]),
                     "BEN_NIR_PSA": ben if rnd.random() < 0.97 else None})
    return rows


def table(rows) -> pa.Table:
    return pa.table({"ORG_CLE_NUM": pa.array([r["ORG_CLE_NUM"] for r in rows], pa.string()),
                     "EXE_SOI_DTD": pa.array([r["EXE_SOI_DTD"] for r in rows], pa.date32()),
                     "PRS_NAT_REF": pa.array([r["PRS_NAT_REF"] for r in rows], pa.int32()),
                     "BEN_NIR_PSA": pa.array([r["BEN_NIR_PSA"] for r in rows], pa.string())})


def expected(rows, label_of, group_of=lambda c: c) -> dict:
    """{(unit or None, label): n}: each patient's caisse is that of their last session."""
    last = {}
    for r in rows:
        if r["PRS_NAT_REF"] not in (9201, 9202) or r["BEN_NIR_PSA"] is None:
            continue
        key = (label_of(r["EXE_SOI_DTD"]), r["BEN_NIR_PSA"])
        mine = (r["EXE_SOI_DTD"], [-ord(ch) for ch in r["ORG_CLE_NUM"]])
        if key not in last or mine > last[key][0]:
            last[key] = (mine, r["ORG_CLE_NUM"])
    out = {}
    for (label, _), (_, caisse) in last.items():
        for unit in (group_of(caisse), None):
            out[(unit, label)] = out.get((unit, label), 0) + 1
    return out


def got(res: pa.Table, level: str | None = None) -> dict:
    return {(r["caisse"], r["periode"]): r["n"] for r in res.to_pylist()
            if r["indicateur"] == CODE and r["n"] and (level is None or r["niveau"] in
                                                        (level, "national"))}


YEAR = lambda d: str(d.year)
MONTH = lambda d: f"{d.year}-{d.month:02d}"


@pytest.mark.parametrize("threads,batch", [(1, 65_536), (2, 97), (3, 1)])
def test_api_equals_set_count_any_threads_and_batches(threads, batch):
    rows = claims()
    kw = {"cog": None, "indicators": [CODE], "secret": False, "threads": threads, "batch_size": batch}
    src = {"prestations": table(rows)}
    assert got(cogind.compute(src, period="year", **kw)) == expected(rows, YEAR)
    assert got(cogind.compute(src, period="month", **kw)) == expected(rows, MONTH)


def test_regions_add_their_caisses_and_national_is_distinct():
    rows = claims(seed=5)
    res = cogind.compute({"prestations": table(rows)}, cog=None, indicators=[CODE],
                         period="year", secret=False, levels=("caisse", "region", "national"))
    out = res.to_pylist()
    region_of = levels.region_of(CAISSES)
    assert len(set(region_of.values())) > 1
    want = expected(rows, YEAR, region_of.get)
    assert {(r["caisse"], r["periode"]): r["n"] for r in out
            if r["niveau"] in ("region", "national") and r["n"]} == want
    per_year = {}
    for r in out:
        if r["niveau"] == "caisse":
            per_year[r["periode"]] = per_year.get(r["periode"], 0) + r["n"]
    national = {r["periode"]: r["n"] for r in out if r["niveau"] == "national"}
    assert per_year == national  # one caisse per patient: the caisses add up
    months = got(cogind.compute({"prestations": table(rows)}, cog=None, indicators=[CODE],
                                period="month", secret=False))
    assert national["2023"] < sum(n for (c, lab), n in months.items()
                                  if c is None and lab.startswith("2023"))  # repeat visits


def test_missing_ids_are_counted_as_exclusions():
    rows = claims(500, seed=7)
    res = cogind.compute({"prestations": table(rows)}, cog=None, indicators=[CODE],
                         period="year", secret=False)
    nat = [r for r in res.to_pylist() if r["niveau"] == "national"]
    missing = {str(y): sum(1 for r in rows if r["BEN_NIR_PSA"] is None and r["PRS_NAT_REF"] != 1111
                           and r["EXE_SOI_DTD"].year == y) for y in (2023, 2024)}
    assert {r["periode"]: json.loads(r["exclusions"]).get("identifiant_manquant", 0)
            for r in nat} == missing


def test_without_ben_nir_psa_non_calculable():
    rows = claims(200)
    t = table(rows).drop_columns(["BEN_NIR_PSA"])
    res = cogind.compute({"prestations": t}, cog="2023-2027", indicators=[CODE], period="year")
    out = res.to_pylist()
    assert out and all(r["statut"] == "non calculable" and r["valeur"] is None for r in out)
    assert all("BEN_NIR_PSA" in r["motif"] for r in out)


def test_cli_equals_set_count(tmp_path):
    rows = claims(seed=11)
    data = tmp_path / "data"
    data.mkdir()
    pq.write_table(table(rows), data / "prestations.parquet")
    out = tmp_path / "r.csv"
    r = CliRunner().invoke(cli, ["compute", str(data), "--cog", "none", "--indicator", CODE,
                                 "--period", "year", "--caisses", "--no-secret", "-o", str(out)])
    assert r.exit_code == 0, r.output
    res = pacsv.read_csv(out)
    assert {(c or None, str(p)): n for c, p, n in zip(res["caisse"].to_pylist(),
                                               res["periode"].to_pylist(),
                                               res["n"].to_pylist()) if n} == \
        expected(rows, YEAR)
    r = CliRunner().invoke(cli, ["describe", CODE])
    assert r.exit_code == 0 and "dernière ligne de la période" in r.output
    assert "l. 9546" in r.output


def test_dask_equals_local(tmp_path):
    distributed = pytest.importorskip("distributed")
    rows = claims(seed=13)
    data = tmp_path / "prestations"
    data.mkdir()
    for i in range(3):  # three partitions, patients spread over them
        pq.write_table(table(rows[i::3]), data / f"part{i}.parquet")
    kw = {"cog": None, "indicators": [CODE], "period": "year", "secret": False}
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  dashboard_address=None) as c:
        dask = cogind.compute(tmp_path, engine="dask", scheduler=c.scheduler_address, **kw)
    assert got(dask) == got(cogind.compute(tmp_path, **kw)) == expected(rows, YEAR)


def test_stored_states_keep_the_distinct_counts(tmp_path):
    """Distinct-beneficiary states are stored per file and merged (issue 20): the second
    run reads no file, a third file is read alone; each time the set-based count."""
    rows = claims(seed=17)
    data = tmp_path / "prestations"
    data.mkdir()
    for i in range(2):
        pq.write_table(table(rows[i:2000:2]), data / f"part{i}.parquet")
    kw = {"cog": None, "indicators": [CODE], "period": "year", "secret": False}
    for reused in (0, 2):
        res = cogind.compute(tmp_path, states=tmp_path / "store", **kw)
        assert got(res) == expected(rows[:2000], YEAR)
        assert cogind.provenance(res)["entrees"]["prestations"]["etats"]["reutilises"] == reused
    pq.write_table(table(rows[2000:]), data / "part2.parquet")  # patients seen before too
    res = cogind.compute(tmp_path, states=tmp_path / "store", **kw)
    assert got(res) == expected(rows, YEAR)
    assert cogind.provenance(res)["entrees"]["prestations"]["etats"] == {
        "reutilises": 2, "recalcules": 1, "raison": "nouveau: 1"}
