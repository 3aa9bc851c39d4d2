"""Regions, user groupings and whole-COG periods, against a recomputation from raw rows."""
import pyarrow.compute as pc
import pytest

import cogind
from cogind.cli import sample_path
from cogind.engine.levels import region_of
from cogind.errors import ConfigError


@pytest.fixture(scope="module")
def ij():
    import pyarrow.parquet as pq

    return pq.read_table(sample_path() / "ij.parquet")


def _raw_mean_delay(rows):
    kept = [(r["IJ_PAI_DTD"] - r["ATT_REC_DTD"]).days for r in rows
            if r["IJ_RIS_COD"] == "MAL" and r["IJ_SUB_TOP"] == 0 and r["SIN_1IJ_IND"] == 1
            and r["ATT_REC_DTD"] is not None and r["IJ_PAI_DTD"] is not None
            and r["ORG_CLE_NUM"] is not None and r["IJ_PAI_DTD"] >= r["ATT_REC_DTD"]]
    return sum(kept) / len(kept), len(kept)


def test_region_values_equal_a_recomputation_from_rows(ij):
    res = cogind.compute({"ij": ij}, cog=None, indicators=["IJ_MAL_DELAI_MOYEN"], period="year",
                         years=[2024], levels=["region", "national"], secret=False)
    regions = region_of(sorted(set(ij["ORG_CLE_NUM"].drop_null().to_pylist())))
    rows = [r for r in ij.to_pylist() if r["IJ_PAI_DTD"] and r["IJ_PAI_DTD"].year == 2024]
    got = {r["caisse"]: (r["valeur"], r["n"]) for r in res.to_pylist() if r["niveau"] == "region"}
    assert set(got) == set(regions.values())
    for region in got:
        mine = [r for r in rows if regions.get(r["ORG_CLE_NUM"]) == region]
        value, n = _raw_mean_delay(mine)
        assert got[region][1] == n and got[region][0] == pytest.approx(value, rel=1e-12)
    assert not any(r["niveau"] == "caisse" for r in res.to_pylist())


def test_user_grouping_and_span(ij, tmp_path):
    codes = sorted(set(ij["ORG_CLE_NUM"].drop_null().to_pylist()))
    mapping = tmp_path / "groupes.csv"
    mapping.write_text("caisse;groupe\n" + "".join(
        f"{c};{'A' if k % 2 else 'B'}\n" for k, c in enumerate(codes)))
    res = cogind.compute({"ij": ij}, cog="2023-2027", indicators=["IJ_MAL_DELAI_MOYEN"],
                         period="span", levels=["groupe", "national"], groupes=mapping,
                         secret=False)
    rows = res.to_pylist()
    assert {r["periode"] for r in rows} == {"2023-2024"}  # the COG's years the data cover
    nat = next(r for r in rows if r["niveau"] == "national")
    groups = [r for r in rows if r["niveau"] == "groupe"]
    assert sorted(r["caisse"] for r in groups) == ["A", "B"]
    assert sum(r["n"] for r in groups) == nat["n"]
    value, n = _raw_mean_delay(ij.to_pylist())
    assert nat["n"] == n and nat["valeur"] == pytest.approx(value, rel=1e-12)


def test_unknown_level_and_missing_grouping(ij):
    with pytest.raises(ConfigError, match="unknown level"):
        cogind.compute({"ij": ij}, cog=None, indicators=["IJ_MAL_DELAI_MOYEN"], levels=["pays"])
    with pytest.raises(ConfigError, match="grouping file"):
        cogind.compute({"ij": ij}, cog=None, indicators=["IJ_MAL_DELAI_MOYEN"], levels=["groupe"])


def test_region_of_a_caisse_outside_the_referential():
    assert region_of(["01C751", "01C752", "ZZ"]) == {"01C751": "11", "01C752": "11", "ZZ": "99"}
