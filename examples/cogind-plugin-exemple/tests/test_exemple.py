"""The example plugin against an independent reference: its kernel row by row, its figures end to
end through ``cogind.compute``, and its declarations as cogind loads them from the entry points.

The reference (``reference_*``) is written from the indicators' definitions in plain Python and
shares no code with the kernel or cogind's engine.
"""
import datetime as dt
import json
import random

import numpy as np
import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import cogind
from cogind.kernels import NULL
from cogind_exemple import noyau
from cogind_exemple.contrat import CODE

CAISSES = ("01C751", "01C131", "01C921")


# --------------------------------------------------------------------------- reference


def reference_state(rows, n_groups):
    """[n, Σ caisse, Σ total, date_manquante, dates_incoherentes] per group, row by row."""
    out = [[0] * noyau.WIDTH for _ in range(n_groups)]
    for g, debut, reception, paiement in rows:
        if g < 0:
            continue
        if None in (debut, reception, paiement):
            out[g][3] += 1
        elif not debut <= reception <= paiement:
            out[g][4] += 1
        else:
            out[g][0] += 1
            out[g][1] += paiement - reception
            out[g][2] += paiement - debut
    return out


def in_scope(row):
    return (row["SIN_1IJ_IND"] == 1 and row["IJ_SUB_TOP"] == 0 and row["IJ_RIS_COD"] == "MAL"
            and row["IJ_PAI_DTD"] is not None and row["ORG_CLE_NUM"] is not None)


def reference_figures(table, year, caisse=None):
    """(part imputable à la caisse, part payée en 15 jours) of one caisse (None: national)."""
    caisse_days = total_days = within = measured = 0
    for row in table.to_pylist():
        if not in_scope(row) or row["IJ_PAI_DTD"].year != year:
            continue
        if caisse is not None and row["ORG_CLE_NUM"] != caisse:
            continue
        a, r, p = row["ARR_DEB_DTD"], row["ATT_REC_DTD"], row["IJ_PAI_DTD"]
        if r is not None and r <= p:
            measured += 1
            within += (p - r).days <= 15
        if a is not None and r is not None and a <= r <= p:
            caisse_days += (p - r).days
            total_days += (p - a).days
    part = 100.0 * caisse_days / total_days if total_days else None
    return part, (100.0 * within / measured if measured else None)


# --------------------------------------------------------------------------- data


def ij_table(seed=7, n=600):
    rnd = random.Random(seed)

    def maybe(x, p=0.05):
        return None if rnd.random() < p else x

    rows = []
    for _ in range(n):
        debut = dt.date(2023, 1, 1) + dt.timedelta(rnd.randrange(700))
        reception = debut + dt.timedelta(rnd.randrange(-3, 40))
        rows.append({
            "ORG_CLE_NUM": maybe(rnd.choice(CAISSES), 0.02),
            "IJ_RIS_COD": rnd.choice(("MAL", "MAL", "ATMP")),
            "IJ_SUB_TOP": rnd.choice((0, 0, 1)), "SIN_1IJ_IND": rnd.choice((1, 1, 0)),
            "ARR_DEB_DTD": maybe(debut), "ATT_REC_DTD": maybe(reception),
            "IJ_PAI_DTD": reception + dt.timedelta(rnd.randrange(-2, 45)),
        })
    return pa.Table.from_pylist(rows, schema=pa.schema([
        ("ORG_CLE_NUM", pa.string()), ("IJ_RIS_COD", pa.string()), ("IJ_SUB_TOP", pa.int8()),
        ("SIN_1IJ_IND", pa.int8()), ("ARR_DEB_DTD", pa.date32()), ("ATT_REC_DTD", pa.date32()),
        ("IJ_PAI_DTD", pa.date32())]))


day = st.one_of(st.none(), st.integers(0, 90))
kernel_rows = st.lists(st.tuples(st.integers(-1, 2), day, day, day), max_size=60)


def run_kernel(rows, n_groups=3):
    """The kernel on (group, début, réception, paiement) rows, None as cogind's NULL."""
    state = np.zeros((n_groups, noyau.WIDTH), np.int64)
    group = np.array([r[0] for r in rows], np.int64)
    dates = [np.array([NULL if r[k] is None else r[k] for r in rows], np.int64) for k in (1, 2, 3)]
    noyau.update(state, group, *dates)
    return state


# --------------------------------------------------------------------------- kernel


@settings(max_examples=40, deadline=None)
@given(kernel_rows)
def test_kernel_equals_the_reference(rows):
    assert run_kernel(rows).tolist() == reference_state(rows, 3)


@settings(max_examples=25, deadline=None)
@given(kernel_rows, st.integers(0, 60))
def test_split_anywhere_then_add_equals_one_pass(rows, cut):
    whole = run_kernel(rows)
    assert np.array_equal(run_kernel(rows[:cut]) + run_kernel(rows[cut:]), whole)


def test_finalise_edge_cases():
    rows = np.array([[0, 0, 0, 0, 0], [2, 0, 0, 0, 1], [3, 5, 20, 1, 0]], np.int64)
    value, num, den, n = noyau.finalise(rows)
    assert np.isnan(value[0]) and np.isnan(value[1])  # no day at all: not 0, not computable
    assert value[2] == 25.0 and (num[2], den[2], n[2]) == (5, 20, 3)


# --------------------------------------------------------------------------- end to end


@pytest.fixture(scope="module")
def results():
    table = ij_table()
    return table, cogind.compute({"ij": table}, cog=CODE, period="year", threads=2,
                                 batch_size=97)


@pytest.mark.parametrize("year", [2023, 2024])
@pytest.mark.parametrize("caisse", [*CAISSES, None])
def test_figures_equal_the_reference(results, caisse, year):
    table, res = results
    part, within = reference_figures(table, year, caisse)
    got = {r["indicateur"]: r["valeur"] for r in res.to_pylist()
           if r["periode"] == str(year) and r["caisse"] == caisse}
    assert got["CPAM75_IJ_DELAI_PART_CAISSE"] == pytest.approx(part, rel=1e-12)
    assert got["CPAM75_IJ_15J_TAUX"] == pytest.approx(within, rel=1e-12)


def test_exclusions_are_counted_by_reason(results):
    _, res = results
    nat = [r for r in res.to_pylist() if r["indicateur"] == "CPAM75_IJ_DELAI_PART_CAISSE"
           and r["niveau"] == "national"]
    assert all(set(json.loads(r["exclusions"])) <= {"date_manquante", "dates_incoherentes",
                                                   "caisse_manquante"} for r in nat)
    assert sum(r["n_exclus"] for r in nat) > 0


def test_targets_of_the_contract(results):
    _, res = results
    rows = {(r["indicateur"], r["periode"]): r for r in res.to_pylist()
            if r["niveau"] == "national"}
    part = rows[("CPAM75_IJ_DELAI_PART_CAISSE", "2023")]
    assert part["cible"] == 45 and part["cible_type"] == "maximum"
    assert part["statut"] == ("atteint" if part["valeur"] <= 45 else "non atteint")
    assert rows[("IJ_MAL_DELAI_MOYEN", "2024")]["cible"] == 24  # a built-in, local target


def test_loaded_through_the_entry_points():
    reg = cogind.build_registry()
    owner = reg.owner[("indicateur", "CPAM75_IJ_DELAI_PART_CAISSE")]
    assert (owner.name, owner.distribution) == ("exemple_indicateurs", "cogind-plugin-exemple")
    assert reg.cog(CODE).years == (2023, 2024, 2025, 2026)
