"""Savings versus trend with a supplied trend (the optional ``tendanciel`` table) and the
spending lines of the maîtrise médicalisée (issue 21 § 2).

References here are plain Python / NumPy, sharing no code with ``cogind.measures``: the
supplied trend is the sum of the table's monthly amounts of the unit, the model an ordinary
least squares fit of log monthly spending on [1, t, month dummies] (numpy.linalg.lstsq).
"""
from __future__ import annotations

import datetime as dt
import json

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner

import cogind
from cogind.cli import cli
from cogind.errors import ConfigError
from cogind.report.describe import indicator_text

D = dt.date
A, B, C = "01C751", "01C921", "01C131"  # A and B in Île-de-France (11), C elsewhere
IJ = "ECONOMIES_TENDANCIEL_IJ"
TOTAL = "ECONOMIES_TENDANCIEL_MAITRISE"
POSTES = ("PRODUITS_SANTE", "IJ", "TRANSPORTS", "MASSEURS_KINES", "BIOLOGIE")
NATURE = {"IJ": 6111, "PRODUITS_SANTE": 3313, "BIOLOGIE": 3211, "TRANSPORTS": 4214,
          "MASSEURS_KINES": 3122}


LINES = {"ECONOMIES_TENDANCIEL_PRODUITS_SANTE": "PRODUITS_SANTE",
         "ECONOMIES_TENDANCIEL_TRANSPORTS": "TRANSPORTS",
         "ECONOMIES_TENDANCIEL_MASSEURS_KINES": "MASSEURS_KINES",
         "ECONOMIES_TENDANCIEL_BIOLOGIE": "BIOLOGIE", IJ: "IJ"}
BASES = {"IJ": 1000.0, "PRODUITS_SANTE": 300.0, "BIOLOGIE": 80.0, "TRANSPORTS": 150.0,
         "MASSEURS_KINES": 60.0}


def claims() -> pa.Table:
    """Monthly lines 2021-2023 of three caisses: one line a month of each poste, amounts
    growing with a seasonal wave (every caisse has spending in every month)."""
    rows = []
    for k, caisse in enumerate((A, B, C)):
        for y in (2021, 2022, 2023):
            for m in range(1, 13):
                t = (y - 2021) * 12 + m
                for poste, base in BASES.items():
                    amount = round(base * (1 + k) * (1.01 ** t) * (1.2 if m in (1, 2) else 1.0)
                                   + 7 * (m % 3), 2)
                    rows.append((caisse, D(y, m, 5), NATURE[poste], amount))
    cols = list(zip(*rows))
    return pa.table({"ORG_CLE_NUM": pa.array(cols[0]), "EXE_SOI_DTD": pa.array(cols[1]),
                     "PRS_NAT_REF": pa.array(cols[2], pa.int32()),
                     "PRS_PAI_MNT": pa.array(cols[3])})


def trend_table(rows) -> pa.Table:
    """(caisse or None, poste, year, month, amount) rows."""
    cols = list(zip(*rows))
    return pa.table({"ORG_CLE_NUM": pa.array(cols[0], pa.string()),
                     "POSTE": pa.array(cols[1]),
                     "MOIS": pa.array([D(y, m, 1) for y, m in zip(cols[2], cols[3])]),
                     "MONTANT": pa.array(cols[4], pa.float64())})


def year_rows(caisse, poste, year=2023, months=range(1, 13), amount=lambda m: 1500.0 + m):
    return [(caisse, poste, year, m, amount(m)) for m in months]


def realised(table: pa.Table, caisses, natures, year=2023) -> float:
    total = 0.0
    for r in table.to_pylist():
        if (caisses is None or r["ORG_CLE_NUM"] in caisses) and r["PRS_NAT_REF"] in natures \
                and r["EXE_SOI_DTD"].year == year:
            total += r["PRS_PAI_MNT"]
    return total


def model_trend(table: pa.Table, caisses, natures, year=2023) -> float:
    """OLS on log monthly spending of the two previous years, extended over ``year``."""
    months = [(y, m) for y in (year - 2, year - 1) for m in range(1, 13)]
    spend = {ym: 0.0 for ym in months}
    for r in table.to_pylist():
        d = r["EXE_SOI_DTD"]
        if (caisses is None or r["ORG_CLE_NUM"] in caisses) and r["PRS_NAT_REF"] in natures \
                and (d.year, d.month) in spend:
            spend[(d.year, d.month)] += r["PRS_PAI_MNT"]

    def row(t, m):
        return [1.0, float(t)] + [1.0 if m == k else 0.0 for k in range(2, 13)]
    x = np.array([row(t, m) for t, (_, m) in enumerate(months)])
    beta = np.linalg.lstsq(x, np.log([spend[ym] for ym in months]), rcond=None)[0]
    return float(sum(np.exp(np.array(row(24 + m - 1, m)) @ beta) for m in range(1, 13)))


def compute(tables, codes=(IJ,), levels=("caisse", "region", "national")):
    res = cogind.compute(tables, cog=None, indicators=list(codes), period="year", years=[2023],
                         levels=list(levels), secret=False)
    return {(r["indicateur"], r["niveau"], r["caisse"]): r for r in res.to_pylist()}


@pytest.fixture(scope="module")
def prestations():
    return claims()


def test_supplied_trend_preferred_per_caisse_model_elsewhere(prestations):
    ij = (NATURE["IJ"],)
    supplied = trend_table(year_rows(A, "IJ") + year_rows(C, "IJ", months=range(1, 12))
                           + year_rows(C, "PRODUITS_SANTE"))
    out = compute({"prestations": prestations, "tendanciel": supplied})
    a = out[(IJ, "caisse", A)]
    given = sum(1500.0 + m for m in range(1, 13))
    assert a["valeur"] == pytest.approx(given - realised(prestations, {A}, ij), abs=1e-6)
    assert a["numerateur"] == pytest.approx(given) and json.loads(a["details"]) == {
        "tendanciel": "fourni", "table": "tendanciel", "postes": ["IJ"], "mois": 12,
        "lignes": "caisse"}
    for code in (B, C):  # B: no row; C: 11 months of IJ only (a trend is never partial)
        r = out[(IJ, "caisse", code)]
        d = json.loads(r["details"])
        assert d["tendanciel"] == "modele" and "incomplet" in d["motif_modele"]
        assert r["numerateur"] == pytest.approx(model_trend(prestations, {code}, ij), rel=1e-9)
        assert r["valeur"] == pytest.approx(r["numerateur"] - realised(prestations, {code}, ij),
                                            rel=1e-9)
    # Île-de-France groups A and B: B has no trend, so the region takes the model
    assert json.loads(out[(IJ, "region", "11")]["details"])["tendanciel"] == "modele"
    nat = out[(IJ, "national", None)]
    assert json.loads(nat["details"])["tendanciel"] == "modele"
    assert nat["numerateur"] == pytest.approx(model_trend(prestations, None, ij), rel=1e-9)


def test_region_and_national_sum_their_caisses_or_take_national_rows(prestations):
    ij = (NATURE["IJ"],)
    rows = year_rows(A, "IJ") + year_rows(B, "IJ", amount=lambda m: 2000.0)
    out = compute({"prestations": prestations, "tendanciel": trend_table(rows)})
    region = out[(IJ, "region", "11")]
    assert region["numerateur"] == pytest.approx(sum(1500.0 + m for m in range(1, 13)) + 24000)
    assert json.loads(region["details"])["lignes"] == "somme de 2 caisses"
    assert json.loads(out[(IJ, "national", None)]["details"])["tendanciel"] == "modele"  # no C
    rows += year_rows(C, "IJ", amount=lambda m: 10.0)
    out = compute({"prestations": prestations, "tendanciel": trend_table(rows)})
    nat = out[(IJ, "national", None)]
    assert json.loads(nat["details"])["lignes"] == "somme des caisses"
    assert nat["valeur"] == pytest.approx(
        sum(1500.0 + m for m in range(1, 13)) + 24000 + 120 - realised(prestations, None, ij))
    rows += year_rows(None, "IJ", amount=lambda m: 50_000.0)  # the national trend, preferred
    nat = compute({"prestations": prestations, "tendanciel": trend_table(rows)})[
        (IJ, "national", None)]
    assert nat["numerateur"] == pytest.approx(600_000.0)
    assert json.loads(nat["details"])["lignes"] == "lignes nationales (ORG_CLE_NUM vide)"


def test_without_the_table_figures_are_the_model_as_before(prestations):
    out = compute({"prestations": prestations})
    members = {"caisse": lambda c: {c}, "national": lambda c: None,
               "region": lambda c: {A, B} if c == "11" else {C}}
    for (_, level, caisse), r in out.items():
        d = json.loads(r["details"])
        assert d["tendanciel"] == "modele" and "absente" in d["motif_modele"]
        assert r["numerateur"] == pytest.approx(model_trend(
            prestations, members[level](caisse), (NATURE["IJ"],)), rel=1e-9)


def test_total_of_the_lines_sums_every_poste_trend(prestations):
    natures = tuple(NATURE.values())
    rows = [r for p in POSTES for r in year_rows(A, p, amount=lambda m, p=p: 100.0 * (
        1 + POSTES.index(p)))]
    out = compute({"prestations": prestations, "tendanciel": trend_table(rows)},
                  codes=(TOTAL, "ECONOMIES_TENDANCIEL_PRODUITS_SANTE"), levels=("caisse",))
    total = out[(TOTAL, "caisse", A)]
    assert total["numerateur"] == pytest.approx(12 * 100.0 * (1 + 2 + 3 + 4 + 5))
    assert total["valeur"] == pytest.approx(total["numerateur"]
                                            - realised(prestations, {A}, natures))
    pharma = out[("ECONOMIES_TENDANCIEL_PRODUITS_SANTE", "caisse", A)]
    assert pharma["numerateur"] == pytest.approx(1200.0)
    assert pharma["denominateur"] == pytest.approx(
        realised(prestations, {A}, (NATURE["PRODUITS_SANTE"],)))
    # one poste missing: the total is the model fitted on the lines' total spending
    out = compute({"prestations": prestations, "tendanciel": trend_table(rows[12:])},
                  codes=(TOTAL,), levels=("caisse",))
    r = out[(TOTAL, "caisse", A)]
    assert json.loads(r["details"])["tendanciel"] == "modele"
    assert r["numerateur"] == pytest.approx(model_trend(prestations, {A}, natures), rel=1e-9)


@pytest.mark.parametrize("code", sorted(LINES))
def test_each_spending_line_against_the_reference(prestations, code):
    poste = LINES[code]
    natures = (NATURE[poste],)
    out = compute({"prestations": prestations,
                   "tendanciel": trend_table(year_rows(A, poste, amount=lambda m: 77.0 * m))},
                  codes=(code,), levels=("caisse",))
    a, b = out[(code, "caisse", A)], out[(code, "caisse", B)]
    assert a["valeur"] == pytest.approx(77.0 * 78 - realised(prestations, {A}, natures))
    assert b["valeur"] == pytest.approx(model_trend(prestations, {B}, natures)
                                        - realised(prestations, {B}, natures), rel=1e-9)
    assert b["denominateur"] == pytest.approx(realised(prestations, {B}, natures))


def test_cli_reads_the_tendanciel_file(tmp_path, prestations):
    pq.write_table(prestations, tmp_path / "prestations.parquet")
    pq.write_table(trend_table(year_rows(A, "IJ")), tmp_path / "tendanciel.parquet")
    out = tmp_path / "res.csv"
    r = CliRunner().invoke(cli, ["compute", str(tmp_path), "--cog", "none", "--indicator", IJ,
                                 "--period", "year", "--year", "2023", "--no-secret",
                                 "-o", str(out)])
    assert r.exit_code == 0, r.output
    rows = {row["caisse"]: row for row in pacsv.read_csv(
        out, parse_options=pacsv.ParseOptions(delimiter=";" if b";" in out.read_bytes()[:200]
                                              else ",")).to_pylist()}
    assert '"tendanciel": "fourni"' in rows[A]["details"]
    assert '"tendanciel": "modele"' in rows[B]["details"]


def test_describe_says_which_trend_and_cites_the_seeds():
    reg = cogind.build_registry()
    text = indicator_text(reg, IJ)
    assert "Tendanciel fourni, préféré au modèle" in text and "POSTE IJ" in text
    total = indicator_text(reg, TOTAL)
    for p in POSTES:
        assert p in total
    assert "1011" in total and "2032" in total and "Actes tous prescripteurs" in total


def test_postes_must_be_a_tuple_of_codes():
    from cogind import Indicator, SavingsVsTrend, hookimpl

    class Bad:
        @hookimpl
        def cogind_register_indicators(self, registry):
            registry.add_indicator(Indicator(
                code="BAD_SAVINGS", libelle="b", definition="b", table="prestations",
                measure=SavingsVsTrend(column="PRS_PAI_MNT", postes="IJ"), unit="euros",
                direction="hausse", period_column="EXE_SOI_DTD"))
    with pytest.raises(cogind.errors.CogindError, match="postes"):
        cogind.build_registry(extra=[Bad()])


# --------------------------------------------------------------------------- generator


@pytest.fixture(scope="module")
def generated(tmp_path_factory):
    out = tmp_path_factory.mktemp("tend")
    manifest = cogind.generate(out, years=(2021, 2023), rows={"prestations": 40_000}, seed=4,
                               tables=("prestations", "tendanciel"))
    return out, manifest


def test_generator_writes_the_trend_of_every_poste(generated):
    out, manifest = generated
    t = pq.read_table(out / "tendanciel.parquet")
    assert manifest["tables"]["tendanciel"]["rows"] == t.num_rows == 102 * 5 * 36
    assert sorted(set(t["POSTE"].to_pylist())) == sorted(POSTES)
    rows = t.to_pylist()
    national = {(r["POSTE"], r["MOIS"]): r["MONTANT"] for r in rows if r["ORG_CLE_NUM"] is None}
    summed: dict = {}
    for r in rows:
        if r["ORG_CLE_NUM"] is not None:
            key = (r["POSTE"], r["MOIS"])
            summed[key] = summed.get(key, 0.0) + r["MONTANT"]
    assert all(national[k] == pytest.approx(v, abs=1e-6) for k, v in summed.items())
    claims_ = pq.read_table(out / "prestations.parquet")
    spent = realised(claims_, None, (6111, 6112, 6117))
    trend = sum(v for (p, m), v in national.items() if p == "IJ" and m.year == 2023)
    assert 0.9 < trend / spent < 1.1  # a trend around the spending, missed by a few %
    res = compute(out, levels=("caisse", "national"))
    nat = res[(IJ, "national", None)]
    assert nat["numerateur"] == pytest.approx(trend) and nat["denominateur"] == pytest.approx(
        spent)
    assert all(json.loads(r["details"])["tendanciel"] == "fourni" for r in res.values()
               if r["details"])


def test_generator_keeps_the_claims_and_needs_them(generated, tmp_path):
    out, _ = generated
    cogind.generate(tmp_path, years=(2021, 2023), rows={"prestations": 40_000}, seed=4,
                    tables=("prestations",))
    assert pq.read_table(tmp_path / "prestations.parquet").equals(
        pq.read_table(out / "prestations.parquet"))
    assert not (tmp_path / "tendanciel.parquet").exists()
    with pytest.raises(ConfigError, match="derived from the generated prestations"):
        cogind.generate(tmp_path, years=(2023, 2023), tables=("tendanciel",))
    r = CliRunner().invoke(cli, ["generate", "-o", str(tmp_path / "cli"), "--year", "2023",
                                 "--rows", "prestations=2000", "--tables",
                                 "prestations,tendanciel"])
    assert r.exit_code == 0, r.output
    assert pq.read_table(tmp_path / "cli" / "tendanciel.parquet").num_rows == 102 * 5 * 12
