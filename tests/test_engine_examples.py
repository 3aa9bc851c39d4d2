"""Figures worked out by hand on tiny tables (the reference tests cover random data)."""
import json

import pyarrow.compute as pc
import pytest

import cogind


def rows(table, code, level="national"):
    t = table.filter(pc.and_(pc.equal(table["indicateur"], code),
                             pc.equal(table["niveau"], level)))
    return {(r["caisse"], r["periode"]): r for r in t.to_pylist()}


def test_ij_mean_delay_by_hand(ij):
    res = cogind.compute({"ij": ij}, cog="2023-2027",
                         indicators=["IJ_MAL_DELAI_MOYEN", "IJ_ATMP_DELAI_MOYEN"])
    nat = rows(res, "IJ_MAL_DELAI_MOYEN")[(None, "2024-02")]
    # 27 (751 a) + 24 (751 b, TI) + 19 (131 c); d has no caisse; g ends before it starts
    assert nat["valeur"] == pytest.approx((27 + 24 + 19) / 3)
    assert nat["n"] == 3 and nat["cible"] == 26 and nat["statut"] == "atteint"
    assert nat["ecart"] == pytest.approx(26 - 70 / 3)
    assert json.loads(nat["exclusions"]) == {"caisse_manquante": 1, "fin_avant_debut": 1}
    by_caisse = rows(res, "IJ_MAL_DELAI_MOYEN", "caisse")
    assert by_caisse[("01C751", "2024-02")]["valeur"] == 25.5
    assert by_caisse[("01C131", "2024-02")]["valeur"] == 19.0
    assert by_caisse[("01C131", "2024-03")]["statut"] == "non calculable"
    assert by_caisse[("01C131", "2024-03")]["valeur"] is None


def test_ts_only_without_cog(ij):
    res = cogind.compute({"ij": ij}, cog=None, indicators=["IJ_MAL_DELAI_MOYEN_TS"])
    nat = rows(res, "IJ_MAL_DELAI_MOYEN_TS")[(None, "2024-02")]
    assert nat["valeur"] == pytest.approx((27 + 19) / 2)
    assert nat["cible"] is None and nat["statut"] == "sans cible"


def test_cog_years_outside_the_data_report_nothing(ij):
    res = cogind.compute({"ij": ij}, cog="2018-2022", indicators=["IJ_MAL_DELAI_MOYEN_TS"])
    assert res.num_rows == 0


def test_contact_rates_by_hand(contacts):
    res = cogind.compute({"contacts": contacts}, cog="2023-2027", period="year")
    calls = rows(res, "APPELS_TAUX_ABOUTIS")[(None, "2024")]
    assert calls["valeur"] == pytest.approx(200 / 3) and calls["n"] == 3
    mails = rows(res, "COURRIELS_48H_TAUX", "caisse")
    # exactly 48 h is within; 48 h and 1 s is 49 h; an unanswered e-mail is late
    assert mails[("01C751", "2024")]["valeur"] == 50.0
    assert mails[("01C131", "2024")]["valeur"] == 0.0
    rec = rows(res, "RECLAMATIONS_10J_TAUX", "caisse")[("01C131", "2024")]
    assert rec["valeur"] == 50.0 and rec["numerateur"] == 1 and rec["denominateur"] == 2


def test_quarter_and_year_sum_months(ij):
    by = {p: rows(cogind.compute({"ij": ij}, indicators=["IJ_MAL_DELAI_MOYEN"], period=p,
                                 cog=None), "IJ_MAL_DELAI_MOYEN")
          for p in ("month", "quarter", "year")}
    assert by["quarter"][(None, "2024-T1")]["n"] == 3
    assert by["year"][(None, "2024")]["valeur"] == by["quarter"][(None, "2024-T1")]["valeur"]
