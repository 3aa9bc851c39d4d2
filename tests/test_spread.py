"""Dispersion between caisses against an independent computation in plain Python.

The reference below shares no code with :mod:`cogind.analyses.spread`: deciles come from the definition
(the smallest caisse value v such that at least k × 10 % of the caisses are ≤ v), found by
scanning every candidate, counts from the statuses, the previous period by date.
"""
import json
import math

import pyarrow as pa
import pytest
from click.testing import CliRunner

import cogind
from cogind.cli import cli, sample_path
from cogind.engine.finalise import RESULT_SCHEMA
from cogind.analyses.spread import SPREAD_SCHEMA, decile, dispersion, spread_path


@pytest.fixture(scope="module")
def results():
    return cogind.compute(sample_path(), period="quarter", secret=11)


def reference_decile(values: list[float], k: int) -> float | None:
    for v in sorted(set(values)):
        if 10 * sum(1 for x in values if x <= v) >= k * len(values):
            return v
    return None


def reference(results: pa.Table) -> dict[tuple, dict]:
    cells: dict[tuple, dict] = {}
    for r in results.to_pylist():
        cell = cells.setdefault((r["indicateur"], r["periode"]),
                                {"values": [], "met": 0, "missed": 0, "masked": 0, "n": 0,
                                 "debut": r["debut"], "national": None})
        if r["niveau"] == "national":
            cell["national"] = r["valeur"]
            continue
        cell["n"] += 1
        if r["masque"]:
            cell["masked"] += 1
        elif r["valeur"] is not None:
            cell["values"].append(r["valeur"])
            cell["met"] += r["atteint"] is True
            cell["missed"] += r["atteint"] is False
    return cells


def close(a, b) -> bool:
    if a is None or b is None:
        return a is b
    return math.isclose(a, b, rel_tol=1e-12, abs_tol=1e-12)


def test_dispersion_matches_the_reference(results):
    ref = reference(results)
    spread = dispersion(results)
    assert spread.schema.equals(SPREAD_SCHEMA) and spread.num_rows == len(ref)
    checked = 0
    for s in spread.to_pylist():
        cell = ref[(s["indicateur"], s["periode"])]
        values = cell["values"]
        assert s["caisses"] == cell["n"] and s["caisses_masquees"] == cell["masked"]
        assert s["caisses_publiees"] == len(values)
        assert (s["caisses_atteint"], s["caisses_non_atteint"]) == (cell["met"], cell["missed"])
        judged = cell["met"] + cell["missed"]
        assert close(s["part_atteint"], 100 * cell["met"] / judged if judged else None)
        assert close(s["min"], min(values, default=None))
        assert close(s["max"], max(values, default=None))
        for k in range(1, 10):
            assert close(s[f"d{k}"], reference_decile(values, k)), (s["indicateur"], k)
        d1, d9 = reference_decile(values, 1), reference_decile(values, 9)
        ratio = d9 / d1 if d1 is not None and d1 > 0 else None  # none for negative values
        assert close(s["rapport_interdecile"], ratio)
        assert close(s["valeur_nationale"], cell["national"])
        checked += bool(values)
    assert checked > 20


def test_change_since_previous_period(results):
    ref = reference(results)
    for s in dispersion(results).to_pylist():
        earlier = [(c["debut"], p) for (i, p), c in ref.items()
                   if i == s["indicateur"] and c["debut"] < s["debut"]]
        if not earlier:
            assert s["periode_precedente"] is None and s["evolution_caisses_atteint"] is None
            continue
        prev = ref[(s["indicateur"], max(earlier)[1])]
        assert s["periode_precedente"] == max(earlier)[1]
        cur = ref[(s["indicateur"], s["periode"])]
        assert s["evolution_caisses_atteint"] == cur["met"] - prev["met"]
        a, b = reference_decile(cur["values"], 5), reference_decile(prev["values"], 5)
        assert close(s["evolution_mediane"], None if a is None or b is None else a - b)


def test_furthest_caisses_are_the_largest_misses(results):
    misses: dict[tuple, list[float]] = {}
    for r in results.to_pylist():
        if r["niveau"] == "caisse" and r["atteint"] is False:
            misses.setdefault((r["indicateur"], r["periode"]), []).append(r["ecart"])
    for s in dispersion(results).to_pylist():
        far = json.loads(s["plus_eloignees"])
        expected = sorted(misses.get((s["indicateur"], s["periode"]), []))[:5]
        assert [f["ecart"] for f in far] == expected


def test_deciles_of_one_to_ten():
    values = [float(v) for v in range(1, 11)]
    assert [decile(values, k) for k in range(1, 10)] == values[:9]
    assert decile([], 5) is None and decile([7.0], 1) == 7.0 and decile([1.0, 2.0], 5) == 1.0


def test_empty_results_give_an_empty_table():
    empty = pa.table({f.name: pa.array([], f.type) for f in RESULT_SCHEMA}, schema=RESULT_SCHEMA)
    assert dispersion(empty).num_rows == 0


def test_cli_spread_writes_next_to_the_output(tmp_path):
    out = tmp_path / "x.parquet"
    r = CliRunner().invoke(cli, ["compute", "--sample", "--period", "year", "--indicator",
                                 "APPELS_TAUX_ABOUTIS", "--spread", "-o", str(out)])
    assert r.exit_code == 0, r.output
    assert spread_path(out) == tmp_path / "x.dispersion.parquet" and spread_path(out).exists()
    r = CliRunner().invoke(cli, ["compute", "--sample", "--period", "year", "--indicator",
                                 "APPELS_TAUX_ABOUTIS", "--spread"])
    assert r.exit_code == 0 and "D9/D1" in r.stdout and "%" in r.stdout
