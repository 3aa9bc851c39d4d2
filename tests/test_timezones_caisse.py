"""``timezone="caisse"``: each row's calendar day in its caisse's civil zone (issue 17).

Dates of a generated ij are turned into instants at 00:30 or 23:30 wall-clock time in the
caisse's own zone (La Réunion UTC+4, Guadeloupe UTC-4…, Paris elsewhere): read in Paris, a
Réunion payment at 00:30 falls on the previous day, a Guadeloupe one at 23:30 on the next.
Reference: Python's ``zoneinfo`` on each instant, row by row, with a zone table written here.
"""
from __future__ import annotations

import datetime as dt
import json
import zoneinfo

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner

import cogind
from cogind.cli import cli as main
from cogind.io.timezones import OVERSEAS_ZONES

CODE = "IJ_MAL_DELAI_MOYEN"
DATES = ("ATT_REC_DTD", "IJ_PAI_DTD")
ZONES = {"01C971": "America/Guadeloupe", "01C972": "America/Martinique",
         "01C973": "America/Cayenne", "01C974": "Indian/Reunion", "01C976": "Indian/Mayotte"}


@pytest.fixture(scope="module")
def ij() -> tuple[pa.Table, pa.Table]:
    """(the generated ij, the same with its dates as instants near midnight in each caisse's
    own zone, typed timestamp[ms, tz=UTC])."""
    import tempfile

    out = tempfile.mkdtemp(prefix="tzcaisse")
    cogind.generate(out, years=(2023, 2023), rows={"ij": 4000}, tables=("ij",))
    ij = pq.read_table(f"{out}/ij.parquet")
    caisse = ij["ORG_CLE_NUM"].cast(pa.string())
    late = pa.array(np.arange(ij.num_rows) % 2 == 1)
    zoned = ij
    for name in DATES:  # one date at 23:30, the other at 00:30: delays move too
        late = pc.invert(late)
        wall = pc.add(pc.cast(pc.cast(ij[name], pa.timestamp("ms")), pa.int64()),
                      pc.if_else(late, 23 * 3_600_000 + 1_800_000, 1_800_000))
        wall = pc.cast(wall, pa.timestamp("ms"))
        utc = pa.timestamp("ms", "UTC")
        instants = pc.assume_timezone(wall, "Europe/Paris").cast(utc)
        for code, zone in ZONES.items():
            instants = pc.if_else(pc.equal(caisse, code),
                                  pc.assume_timezone(wall, zone).cast(utc), instants)
        zoned = zoned.set_column(zoned.schema.get_field_index(name), name, instants)
    return ij, zoned


def _expected(zoned: pa.Table, by_caisse: bool) -> dict[tuple[str, str], float]:
    """(caisse or 'national', month) → mean delay, each instant's day by ``zoneinfo``."""
    paris = zoneinfo.ZoneInfo("Europe/Paris")
    cols = {c: zoned[c].to_pylist() for c in ("ORG_CLE_NUM", "IJ_RIS_COD", "IJ_SUB_TOP",
                                              "SIN_1IJ_IND", *DATES)}
    sums: dict = {}
    for i in range(zoned.num_rows):
        caisse = cols["ORG_CLE_NUM"][i]
        zone = zoneinfo.ZoneInfo(ZONES[caisse]) if by_caisse and caisse in ZONES else paris
        att, pay = (cols[c][i] for c in DATES)
        if (cols["IJ_RIS_COD"][i], cols["IJ_SUB_TOP"][i], cols["SIN_1IJ_IND"][i]) != (
                "MAL", 0, 1) or att is None or pay is None:
            continue
        att, pay = (d.replace(tzinfo=dt.timezone.utc).astimezone(zone).date()
                    for d in (att, pay))
        delay = (pay - att).days
        if delay < 0:
            continue
        month = f"{pay.year}-{pay.month:02d}"
        for who in (caisse, "national"):
            s = sums.setdefault((who, month), [0, 0])
            s[0] += delay
            s[1] += 1
    return {k: s / n for k, (s, n) in sums.items()}


def _values(result: pa.Table) -> dict[tuple[str, str], float]:
    rows = result.filter(pc.equal(result["indicateur"], CODE)).to_pylist()
    return {(r["caisse"] if r["niveau"] == "caisse" else "national", r["periode"]): r["valeur"]
            for r in rows if r["valeur"] is not None and r["niveau"] in ("caisse", "national")}


def _check(got: pa.Table, want: dict) -> None:
    values = _values(got)
    assert set(values) == set(want)
    for k, v in want.items():
        assert values[k] == pytest.approx(v, abs=1e-9), k


def test_zone_table_matches_the_shipped_referential():
    from cogind.engine.levels import _referential

    dept = {r["ORG_CLE_NUM"]: r["DPT_COD"] for r in _referential()}
    assert {dept[c]: z for c, z in ZONES.items()} == OVERSEAS_ZONES


@pytest.mark.parametrize("fused", ["always", "never"])
def test_each_caisse_in_its_own_zone(ij, fused, monkeypatch, tmp_path):
    monkeypatch.setenv("COGIND_FUSED", fused)
    clean, zoned = ij
    want = _expected(zoned, by_caisse=True)
    paris = _expected(zoned, by_caisse=False)
    assert {k for k in want if k[0] in ("01C971", "01C974") and want[k] != paris.get(k)}
    pq.write_table(zoned, tmp_path / "ij.parquet")  # Parquet statistics size the month grid
    for source in ({"ij": zoned}, tmp_path):
        got = cogind.compute(source, None, indicators=[CODE], secret=False, timezone="caisse")
        _check(got, want)
        meta = cogind.provenance(got)["fuseau_horaire"]
        assert meta["fuseau"] == "caisse"
        assert meta["par_caisse"] == {**OVERSEAS_ZONES, "autres": "Europe/Paris"}
    same = cogind.compute({"ij": clean}, None, indicators=[CODE], secret=False)
    assert _values(got) == pytest.approx(_values(same), abs=1e-12)  # the planted days
    _check(cogind.compute(tmp_path, None, indicators=[CODE], secret=False), paris)


def test_caisse_zone_threads_batches_and_cli(ij, tmp_path):
    _, zoned = ij
    want = _expected(zoned, by_caisse=True)
    plain = zoned.set_column(zoned.schema.get_field_index("ORG_CLE_NUM"), "ORG_CLE_NUM",
                             zoned["ORG_CLE_NUM"].cast(pa.string()))  # not dictionary-encoded
    _check(cogind.compute({"ij": plain}, None, indicators=[CODE], secret=False,
                          timezone="caisse", batch_size=333, threads=2), want)
    pq.write_table(zoned, tmp_path / "ij.parquet")
    out = tmp_path / "r.parquet"
    res = CliRunner().invoke(main, ["compute", str(tmp_path), "--cog", "none", "--indicator",
                                    CODE, "--no-secret", "--timezone", "caisse", "-o", str(out)])
    assert res.exit_code == 0, res.output
    _check(pq.read_table(out), want)
    meta = json.loads(pq.read_table(out).schema.metadata[b"cogind"])
    assert meta["fuseau_horaire"]["fuseau"] == "caisse"
    res = CliRunner().invoke(main, ["describe", CODE])
    assert res.exit_code == 0 and "--timezone caisse" in res.output
    assert "974 Indian/Reunion" in res.output


def test_caisse_zone_on_dask_workers(ij, tmp_path):
    pytest.importorskip("distributed")
    _, zoned = ij
    pq.write_table(zoned, tmp_path / "ij.parquet", row_group_size=1500)
    got = cogind.compute(tmp_path, None, indicators=[CODE], secret=False, timezone="caisse",
                         engine="dask")
    _check(got, _expected(zoned, by_caisse=True))
