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
                         indicators=["IJ_MAL_DELAI_MOYEN", "IJ_ATMP_DELAI_MOYEN"], secret=False)
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
    res = cogind.compute({"ij": ij}, cog=None, indicators=["IJ_MAL_DELAI_MOYEN_TS"], secret=False)
    nat = rows(res, "IJ_MAL_DELAI_MOYEN_TS")[(None, "2024-02")]
    assert nat["valeur"] == pytest.approx((27 + 19) / 2)
    assert nat["cible"] is None and nat["statut"] == "sans cible"


def test_cog_years_outside_the_data_report_nothing(ij):
    res = cogind.compute({"ij": ij}, cog="2018-2022", indicators=["IJ_MAL_DELAI_MOYEN_TS"])
    assert res.num_rows == 0


def test_contact_rates_by_hand(contacts):
    res = cogind.compute({"contacts": contacts}, cog="2023-2027", period="year", secret=False)
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
                                 cog=None, secret=False), "IJ_MAL_DELAI_MOYEN")
          for p in ("month", "quarter", "year")}
    assert by["quarter"][(None, "2024-T1")]["n"] == 3
    assert by["year"][(None, "2024")]["valeur"] == by["quarter"][(None, "2024-T1")]["valeur"]


def test_stock_takes_the_last_month_and_national_rows():
    import datetime as dt

    import pyarrow as pa
    from cogind import Indicator, hookimpl, where
    from cogind.measures.families import Stock

    class P:
        __name__ = "stock_local"

        @hookimpl
        def cogind_register_indicators(self, registry):
            registry.add_indicator(Indicator(
                code="COMPTES_ACTIFS", libelle="Comptes", definition="Stock.", table="mesures",
                measure=Stock("MES_VAL"), unit="nombre", direction="hausse",
                period_column="MES_MOI_DTD", where=where(MES_COD="COMPTES"),
                caisse_missing="national"))

    d = dt.date
    mesures = pa.table({
        "ORG_CLE_NUM": ["01C751", "01C751", "01C131", None, None],
        "MES_MOI_DTD": [d(2024, 1, 1), d(2024, 3, 1), d(2024, 2, 1), d(2024, 1, 1), d(2024, 3, 1)],
        "MES_COD": ["COMPTES"] * 5,
        "MES_NUM": [None] * 5, "MES_DEN": [None] * 5,
        "MES_VAL": [100.0, 130.0, 50.0, 7.0, 9.0]})
    res = cogind.compute({"mesures": mesures}, cog=None, period="quarter",
                         plugins=[P()], indicators=["COMPTES_ACTIFS"], secret=False)
    got = {r["caisse"]: r["valeur"] for r in res.to_pylist()}
    # each caisse's last month with data, plus the national-only rows (no caisse) of March
    assert got == {"01C131": 50.0, "01C751": 130.0, None: 130.0 + 50.0 + 9.0}
