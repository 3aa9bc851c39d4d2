"""Issue 21 § 2, n° 7 « Taux de satisfaction par canal (E-mail, Téléphone et Physique avec ou
sans rdv) » with one target (002 l.9434-9435), and COG 2018-2022 n° 7 « par canal de contact
(email, téléphone, internet, papier, physique) » (004 l.997): each channel against the target,
one indicator per channel (SATISFACTION_CANAL_<canal>_TAUX), so one result row, one status
and one secret statistique per channel × caisse × period, the result table keeping its shape.
Against plain NumPy through the Python API and the CLI, on hand-built and generated tables."""
from __future__ import annotations

import datetime as dt
import json
import re

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner

import cogind
from cogind.cli import cli
from cogind.synth import enquetes, generate
from cogind.synth.reseau import Network

CANAUX = ("MEL", "TEL", "PHY", "INT", "PAP")
COG_CANAUX = {"2023-2027": ("MEL", "TEL", "PHY"), "2018-2022": CANAUX}
TARGET = {"2023-2027": {2024: 75.0}, "2018-2022": {2021: 81.5}}
SATISFIED = {"MEL": .9, "TEL": .6, "PHY": .8, "INT": .95, "PAP": .5, "GLOBAL": .85}
CAISSES = ("01C751", "01C921")
N = 6_000


def code(canal):
    return f"SATISFACTION_CANAL_{canal}_TAUX"


def _enquetes(year, seed=3):
    rng = np.random.default_rng(seed)
    canal = rng.choice([*CANAUX, "GLOBAL"], N)
    sat = (rng.random(N) < np.vectorize(SATISFIED.get)(canal)).astype(np.int64)
    return pa.table({
        "ORG_CLE_NUM": rng.choice(CAISSES, N),
        "ENQ_REP_DTD": pa.array(np.datetime64(f"{year}-01-01") + rng.integers(0, 365, N),
                                pa.date32()),
        "ENQ_PUB_COD": rng.choice(["ASS", "ASS", "ASS", "PS", "EMP"], N),
        "ENQ_CAN_COD": canal,
        "ENQ_SAT_TOP": pa.array(sat, mask=rng.random(N) < 0.02),
        "ENQ_REI_TOP": rng.integers(0, 2, N)})


def plain(table, canaux, caisse=None):
    """Satisfied / answers of the insured on ``canaux``, answers with ENQ_SAT_TOP filled."""
    pub = np.asarray(table["ENQ_PUB_COD"].cast(pa.string()))
    can = np.asarray(table["ENQ_CAN_COD"].cast(pa.string()))
    org = np.asarray(table["ORG_CLE_NUM"].cast(pa.string()))
    sat = np.asarray(table["ENQ_SAT_TOP"].fill_null(-1))
    keep = (pub == "ASS") & np.isin(can, list(canaux)) & (sat >= 0)
    if caisse:
        keep &= org == caisse
    return 100.0 * (sat[keep] == 1).sum() / keep.sum(), int(keep.sum())


def _rows(res):
    return {(r["indicateur"], r["niveau"], r["caisse"]): r for r in res}


@pytest.mark.parametrize("cog,year", [("2023-2027", 2024), ("2018-2022", 2021)])
@pytest.mark.parametrize("fused", ["never", "always"])
def test_each_channel_against_the_one_target(cog, year, fused, monkeypatch):
    monkeypatch.setenv("COGIND_FUSED", fused)
    data = _enquetes(year)
    res = cogind.compute({"enquetes": data}, cog, period="year", years=year, secret=False,
                         batch_size=900, threads=2)
    rows = _rows(res.to_pylist())
    channels = {k[0] for k in rows if k[0].startswith("SATISFACTION_CANAL_")}
    assert channels == {code(c) for c in COG_CANAUX[cog]}  # no pooled row in the COG
    for canal in COG_CANAUX[cog]:
        for caisse in (None, *CAISSES):
            r = rows[(code(canal), "caisse" if caisse else "national", caisse)]
            value, n = plain(data, [canal], caisse)
            assert r["n"] == n and r["valeur"] == pytest.approx(value, rel=1e-12)
            assert r["cible"] == TARGET[cog][year]
            assert r["atteint"] is bool(value >= TARGET[cog][year])
    statuses = {c: rows[(code(c), "national", None)]["statut"] for c in COG_CANAUX[cog]}
    assert statuses["MEL"] != statuses["TEL"]  # 90 % meets the target, 60 % does not


def test_the_overall_rate_pools_the_five_channels_without_target():
    data = _enquetes(2024)
    res = cogind.compute({"enquetes": data}, "2023-2027", period="year", years=2024,
                         secret=False, indicators=["SATISFACTION_CANAL_TAUX"]).to_pylist()
    r = _rows(res)[("SATISFACTION_CANAL_TAUX", "national", None)]
    value, n = plain(data, CANAUX)
    assert r["n"] == n and r["valeur"] == pytest.approx(value, rel=1e-12)
    assert r["cible"] is None and r["atteint"] is None


def test_a_small_channel_is_masked_alone():
    data = _enquetes(2024)
    few = pa.table({"ORG_CLE_NUM": ["13C131"] * 40, "ENQ_REP_DTD": pa.array(
        [dt.date(2024, 5, 2)] * 40, pa.date32()), "ENQ_PUB_COD": ["ASS"] * 40,
        "ENQ_CAN_COD": ["MEL"] * 36 + ["PAP"] * 4, "ENQ_SAT_TOP": [1, 0] * 20,
        "ENQ_REI_TOP": [0] * 40})
    table = pa.concat_tables([data, few.cast(data.schema)])
    res = _rows(cogind.compute({"enquetes": table}, None, period="year", secret=11,
                               indicators=[code("MEL"), code("PAP")]).to_pylist())
    assert res[(code("PAP"), "caisse", "13C131")]["masque"] is True
    assert res[(code("PAP"), "caisse", "13C131")]["valeur"] is None
    mel = res[(code("MEL"), "caisse", "13C131")]
    assert mel["masque"] is False and mel["valeur"] == pytest.approx(50.0)


def test_the_cli_computes_describes_and_lists_each_channel(tmp_path):
    data = _enquetes(2024)
    pq.write_table(data, tmp_path / "enquetes.parquet")
    out = tmp_path / "r.parquet"
    r = CliRunner().invoke(cli, ["compute", str(tmp_path), "--cog", "2023-2027", "--year",
                                 "2024", "--period", "year", "--no-secret", "--quiet",
                                 "-o", str(out)])
    assert r.exit_code == 0, r.output
    rows = _rows(pq.read_table(out).to_pylist())
    for canal in ("MEL", "TEL", "PHY"):
        assert rows[(code(canal), "national", None)]["valeur"] == pytest.approx(
            plain(data, [canal])[0], rel=1e-12)
    listed = CliRunner().invoke(cli, ["list", "--cog", "2023-2027"]).stdout
    assert all(re.search(rf"n° 7 \({name}\) +{code(c)} ", listed)  # columns aligned
               for c, name in (("MEL", "e-mail"), ("TEL", "téléphone"), ("PHY", "physique")))
    assert "SATISFACTION_CANAL_TAUX" not in listed
    for canal, seeds in (("MEL", ("002_732d28efd214f262.txt", "004_fc95c51d13b2451d.txt")),
                         ("PAP", ("004_fc95c51d13b2451d.txt",))):
        text = CliRunner().invoke(cli, ["describe", code(canal)]).stdout
        assert f"ENQ_CAN_COD = {canal}" in text and all(s in text for s in seeds)
        assert "997" in text


def test_diff_and_verify_see_each_channel(tmp_path):
    data = _enquetes(2024)
    pq.write_table(data, tmp_path / "enquetes.parquet")
    before = tmp_path / "avant.parquet"
    args = ["compute", str(tmp_path), "--cog", "2023-2027", "--year", "2024", "--period", "year",
            "--no-secret", "--quiet"]
    assert CliRunner().invoke(cli, [*args, "-o", str(before)]).exit_code == 0
    sat = np.asarray(data["ENQ_SAT_TOP"].fill_null(0)).copy()
    sat[np.asarray(data["ENQ_CAN_COD"]) == "TEL"] = 1  # every phone answer satisfied
    sat = pa.array(sat, mask=np.asarray(data["ENQ_SAT_TOP"].is_null()))
    pq.write_table(data.set_column(4, "ENQ_SAT_TOP", sat), tmp_path / "enquetes.parquet")
    after = tmp_path / "apres.parquet"
    assert CliRunner().invoke(cli, [*args, "-o", str(after)]).exit_code == 0
    r = CliRunner().invoke(cli, ["diff", str(before), str(after), "--json"])
    assert r.exit_code in (0, 1), r.output
    changed = {c["indicateur"] for c in json.loads(r.stdout)["differences"]}
    assert code("TEL") in changed and code("MEL") not in changed and code("PHY") not in changed
    assert CliRunner().invoke(cli, ["verify", str(after), str(tmp_path)]).exit_code == 0
    stale = CliRunner().invoke(cli, ["verify", str(before), str(tmp_path)])
    assert stale.exit_code == 1 and code("TEL") in stale.output
    assert code("MEL") not in stale.output


def test_generated_answers_cover_the_five_channels(tmp_path):
    generate(tmp_path, years=(2021, 2021), rows={"enquetes": 30_000}, tables=["enquetes"],
             seed=4)
    table = pq.read_table(tmp_path / "enquetes.parquet")
    can = np.asarray(table["ENQ_CAN_COD"].cast(pa.string()))
    pub = np.asarray(table["ENQ_PUB_COD"].cast(pa.string()))
    for canal in CANAUX:
        assert ((pub == "ASS") & (can == canal)).sum() > 1000, canal
    assert not np.isin(can[pub != "ASS"], ["INT", "PAP"]).any()
    res = _rows(cogind.compute(tmp_path, "2018-2022", period="year", secret=False).to_pylist())
    for canal in CANAUX:
        r = res[(code(canal), "national", None)]
        value, n = plain(table, [canal])
        assert r["n"] == n and r["valeur"] == pytest.approx(value, rel=1e-12)


class _Codes:
    """The generation context as enquetes.make reads it: the codes of the dictionary columns."""

    def __init__(self, canals):
        self.canals = canals

    def dictionaries(self, table):
        return {"ENQ_PUB_COD": enquetes.PUBLICS, "ENQ_CAN_COD": self.canals}


def test_the_new_channels_come_from_a_stream_of_their_own():
    """Generated with INT and PAP or without, every column but the channel is the same, and
    only insured channel answers are moved: GLOBAL answers and channel answers taken together
    keep their figures (the bundled sample's other indicators stay byte-identical)."""
    net = Network.build(8)
    without = enquetes.make(np.random.default_rng(1), 20_000, 2024, net, ctx=_Codes(
        ("GLOBAL", "MEL", "TEL", "PHY")))[0]
    with_new = enquetes.make(np.random.default_rng(1), 20_000, 2024, net, ctx=_Codes(
        ("GLOBAL", "MEL", "TEL", "PHY", "INT", "PAP")))[0]
    for col in without:
        if col != "ENQ_CAN_COD":
            assert np.array_equal(without[col], with_new[col]), col
    moved = without["ENQ_CAN_COD"] != with_new["ENQ_CAN_COD"]
    assert set(with_new["ENQ_CAN_COD"][moved]) == {4, 5}  # INT, PAP
    assert set(without["ENQ_CAN_COD"][moved]) == {1, 2, 3}  # from MEL, TEL, PHY
    assert (without["ENQ_PUB_COD"][moved] == 0).all()  # insured only
    share = moved.sum() / ((without["ENQ_PUB_COD"] == 0) & (without["ENQ_CAN_COD"] > 0)).sum()
    assert share == pytest.approx(sum(enquetes.MOVED_SHARE.values()), abs=0.02)
