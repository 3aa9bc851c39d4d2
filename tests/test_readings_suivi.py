"""Issue 21 § 2: the follow-up figures of the 2023-2027 fiches that have no annex-5 row
(« indicateurs de suivi », 002 l.1159-1183, 1239-1244, 1697-1705) are registered in the COG
without number nor numeric target. The first subrogated IJ maladie delay is computed from the
``ij`` payments (checked here against a plain NumPy computation, per caisse and month); the
three others are reported figures (``mesures``)."""
from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner

import cogind
from cogind.cli import cli

CODE = "IJ_MAL_SUB_DELAI_MOYEN"
SUIVI = ("IJ_MAL_SUB_DELAI_MOYEN", "IJ_MAT_SUB_DELAI_MOYEN", "DSN_EVENEMENTIELLE_TAUX",
         "RESOLUTION_PREMIER_CONTACT_TAUX")


@pytest.fixture(scope="module")
def generated(tmp_path_factory):
    out = tmp_path_factory.mktemp("suivi")
    cogind.generate(out, years=(2024, 2024), rows={"ij": 6000}, tables=("ij", "mesures"))
    return out


def _plain(ij: pa.Table) -> dict:
    """(caisse, 'AAAA-MM') → mean days ATT_REC_DTD → IJ_PAI_DTD of first subrogated IJ maladie
    payments; rows without both dates or paid before the attestation left out."""
    caisse = np.asarray(ij["ORG_CLE_NUM"].cast(pa.string()))
    risk = np.asarray(ij["IJ_RIS_COD"].cast(pa.string()))
    start = ij["ATT_REC_DTD"].cast(pa.int32()).to_numpy(zero_copy_only=False)
    end = ij["IJ_PAI_DTD"].cast(pa.int32()).to_numpy(zero_copy_only=False)
    valid = ~(np.isnan(start.astype(float)) | np.isnan(end.astype(float)))
    keep = ((np.asarray(ij["SIN_1IJ_IND"]) == 1) & (np.asarray(ij["IJ_SUB_TOP"]) == 1)
            & (risk == "MAL") & valid)
    keep &= np.where(valid, end >= start, False)
    months = np.asarray(ij["IJ_PAI_DTD"].cast(pa.date32())).astype("datetime64[M]")
    sums: dict = {}
    for c, m, days in zip(caisse[keep], months[keep], (end - start)[keep]):
        acc = sums.setdefault((c, str(m)), [0, 0])
        acc[0] += int(days)
        acc[1] += 1
    return {k: s / n for k, (s, n) in sums.items()}


def test_first_subrogated_ij_delay_matches_a_plain_computation(generated):
    expected = _plain(pq.read_table(generated / "ij.parquet"))
    assert len(expected) > 100  # every caisse × month of 2024 exercised
    res = cogind.compute(generated, indicators=[CODE], period="month", secret=False)
    got = {(r["caisse"], r["periode"]): r["valeur"] for r in res.to_pylist()
           if r["niveau"] == "caisse" and r["valeur"] is not None}
    assert got.keys() == expected.keys()
    for key, value in expected.items():
        assert got[key] == pytest.approx(value, rel=1e-12), key


def test_follow_up_figures_are_computed_without_target(generated):
    res = cogind.compute(generated, period="year", secret=False)
    nat = {r["indicateur"]: r for r in res.filter(pc.equal(res["niveau"], "national"))
           .to_pylist()}
    for code in SUIVI:
        row = nat[code]
        assert row["valeur"] is not None and np.isfinite(row["valeur"]), code
        assert row["statut"] == "sans cible" and row["cible"] is None, code
        assert row["cible_type"] == "a_determiner" and "Transmission" in row["cible_libelle"] \
            or code == "RESOLUTION_PREMIER_CONTACT_TAUX"
    assert nat["RESOLUTION_PREMIER_CONTACT_TAUX"]["cible_libelle"] == "Bilan annuel"


def test_cli_describe_and_list_show_follow_up_figures(generated):
    runner = CliRunner()
    res = runner.invoke(cli, ["describe", CODE])
    assert res.exit_code == 0, res.output
    assert "IJ_SUB_TOP" in res.output and "hors de" in res.output
    assert "l. 1173-1183" in res.output
    res = runner.invoke(cli, ["describe", "DSN_EVENEMENTIELLE_TAUX"])
    assert res.exit_code == 0 and "MES_COD = 'DSN_EVENEMENTIELLE'" in " ".join(
        res.output.split())
    res = runner.invoke(cli, ["list", "--cog", "2023-2027"])
    assert res.exit_code == 0
    for code in SUIVI:
        assert code in res.output
    res = runner.invoke(cli, ["compute", str(generated), "--indicator", CODE, "--period",
                              "year", "--no-secret", "-o", str(generated / "r.csv")])
    assert res.exit_code == 0, res.output
    text = (generated / "r.csv").read_text("utf-8")
    assert CODE in text and "sans cible" in text
