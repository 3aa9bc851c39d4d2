"""The secret statistique as an auditor checks it (issue 18): no masked figure is a linear
combination of the published ones, over every period and level of one output together.

The auditor's system is written here from the definitions alone (a period adds the months from
``debut`` to ``fin``, a region its caisses from the referential, the national every caisse),
sharing no code with cogind.analyses.secret: base cells are caisse × month, each published row
is the 0/1 vector of the cells it adds, checked first against figures recomputed with plain
Python from the input rows. A masked row is recoverable iff its vector lies in the row space of
the published vectors: decided exactly, by Gaussian elimination over the integers modulo the
prime 2**61 - 1 (a vector in the rational row space stays in it modulo p, so a recoverable cell
can never pass unnoticed).
"""
import datetime as dt
import random

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings, strategies as st

import cogind
from cogind.cli import cli
from cogind.engine.levels import region_of

IND = "APPELS_TAUX_ABOUTIS"
PRIME = 2**61 - 1
# two regions (01: Auvergne-Rhône-Alpes, 59: Hauts-de-France), big and small caisses
CAISSES = ("01C011", "01C381", "01C691", "01C731", "01C591", "01C621", "01C801")


def calls(counts: dict[tuple[str, int], tuple[int, int]]) -> pa.Table:
    """contacts rows: (caisse, month 1-12 of 2024) → (calls, answered)."""
    cols = {"ORG_CLE_NUM": [], "CNT_CAN_COD": [], "CNT_ARR_DTH": [], "CNT_TRT_DTH": [],
            "CNT_ABO_TOP": [], "CNT_NIV_COD": []}
    for (caisse, month), (total, answered) in sorted(counts.items()):
        for k in range(total):
            cols["ORG_CLE_NUM"].append(caisse)
            cols["CNT_CAN_COD"].append("TEL")
            cols["CNT_ARR_DTH"].append(dt.datetime(2024, month, 1 + k % 27, 9))
            cols["CNT_TRT_DTH"].append(None)
            cols["CNT_ABO_TOP"].append(1 if k < answered else 0)
            cols["CNT_NIV_COD"].append(None)
    return pa.table(cols, schema=pa.schema([
        ("ORG_CLE_NUM", pa.string()), ("CNT_CAN_COD", pa.string()),
        ("CNT_ARR_DTH", pa.timestamp("us")), ("CNT_TRT_DTH", pa.timestamp("us")),
        ("CNT_ABO_TOP", pa.int8()), ("CNT_NIV_COD", pa.int8())]))


def small_caisses(seed: int = 3, months: int = 12) -> dict:
    rng = random.Random(seed)
    out = {}
    for i, c in enumerate(CAISSES):
        for m in range(1, months + 1):
            total = rng.randint(40, 60) if i < 2 else rng.choice([0, 1, 2, 3, 5, 8, 12, 14])
            out[(c, m)] = (total, total * 2 // 3)
    return out


GROUPS = {c: "G1" if i % 2 else "G2" for i, c in enumerate(CAISSES)}


def _vector(row, caisses, months, regions) -> list[int]:
    if row["niveau"] == "caisse":
        members = {row["caisse"]}
    elif row["niveau"] == "region":
        members = {c for c in caisses if regions[c] == row["caisse"]}
    elif row["niveau"] == "groupe":
        members = {c for c in caisses if GROUPS[c] == row["caisse"]}
    else:
        members = set(caisses)
    first = (row["debut"].year, row["debut"].month)
    last = (row["fin"].year, row["fin"].month)
    inside = {m for m in months if first <= m <= last}
    return [int(c in members and m in inside) for c in caisses for m in months]


def _reduce(basis: dict[int, list[int]], v: list[int]) -> list[int]:
    v = [x % PRIME for x in v]
    for j, x in enumerate(v):
        if x and j in basis:
            b = basis[j]
            v = [(a - x * c) % PRIME for a, c in zip(v, b)]
    return v


def _add(basis: dict[int, list[int]], v: list[int]) -> None:
    v = _reduce(basis, v)
    pivot = next((j for j, x in enumerate(v) if x), None)
    if pivot is None:
        return
    inv = pow(v[pivot], PRIME - 2, PRIME)
    v = [x * inv % PRIME for x in v]
    for j, b in basis.items():  # keep the basis reduced: its pivots appear nowhere else
        if b[pivot]:
            f = b[pivot]
            basis[j] = [(a - f * c) % PRIME for a, c in zip(b, v)]
    basis[pivot] = v


def audit(table: pa.Table, counts: dict) -> dict:
    """Check the published rows against the input, then return how many masked rows (per
    level) are recoverable — the test wants none — and the other counts."""
    rows = [r for r in table.to_pylist() if r["indicateur"] == IND]
    caisses = sorted({c for c, _ in counts})
    months = sorted({(2024, m) for _, m in counts})
    regions = region_of(caisses)
    basis: dict[int, list[int]] = {}
    masked, published = [], 0
    n_base = [counts.get((c, m), (0, 0))[0] for c in caisses for _, m in months]
    num_base = [counts.get((c, m), (0, 0))[1] for c in caisses for _, m in months]
    for r in rows:
        v = _vector(r, caisses, months, regions)
        if r["masque"]:
            assert r["n"] is None and r["numerateur"] is None and r["valeur"] is None
            masked.append((r, v))
            continue
        if r["n"] is None:
            continue
        assert r["n"] == sum(a * b for a, b in zip(v, n_base)), r["periode"]
        if r["n"]:
            assert r["numerateur"] == sum(a * b for a, b in zip(v, num_base))
        published += 1
        _add(basis, v)
    recovered = [r for r, v in masked if not any(_reduce(basis, v))]
    small_months = [(c, m) for c in caisses for m in months
                    if 0 < counts.get((c, m[1]), (0, 0))[0] < 11]
    leaked_months = [cm for cm in small_months
                     if not any(_reduce(basis, [int((c, m) == cm) for c in caisses
                                                for m in months]))]
    return {"masked": len(masked), "published": published, "recovered": recovered,
            "leaked_months": leaked_months}


@pytest.fixture(scope="module")
def counts():
    return small_caisses()


@pytest.mark.parametrize("period,levels", [
    (("month", "quarter", "year"), ("caisse", "region", "national")),
    (("ytd",), ("caisse", "national")),
    (("month", "ytd", "rolling12"), ("caisse", "region", "national")),
    (("quarter", "ytd", "span"), ("caisse", "national")),
])
def test_no_masked_cell_is_recoverable(counts, period, levels):
    table = cogind.compute({"contacts": calls(counts)}, indicators=[IND], years=2024,
                           period=period, levels=levels)
    found = audit(table, counts)
    assert found["masked"] and found["published"]
    assert found["recovered"] == [] and found["leaked_months"] == []
    meta = cogind.provenance(table)["secret"]
    assert meta["masquees"] + meta["masquees_complementaires"] == found["masked"]
    assert meta["par_indicateur"][IND]["masquees"] == meta["masquees"]


def test_regions_and_groups_crossed(counts):
    """Two partitions of the caisses published together, with three period kinds."""
    table = cogind.compute({"contacts": calls(counts)}, indicators=[IND], years=2024,
                           period=("month", "quarter", "ytd"), groupes=GROUPS,
                           levels=("caisse", "region", "groupe", "national"))
    found = audit(table, counts)
    assert found["masked"] and found["recovered"] == [] and found["leaked_months"] == []


def test_year_to_date_differencing_is_closed(counts):
    """The leak of issue 18: ytd(m) − ytd(m−1) gave back a small month."""
    table = cogind.compute({"contacts": calls(counts)}, indicators=[IND], years=2024,
                           period="ytd")
    by_caisse: dict[str, dict[int, int]] = {}
    for r in table.to_pylist():
        if r["niveau"] == "caisse" and not r["masque"]:
            by_caisse.setdefault(r["caisse"], {})[r["fin"].month] = r["n"]
    pairs = 0
    for ytd in by_caisse.values():
        for m, n in ytd.items():
            if m - 1 in ytd:
                pairs += 1
                assert n - ytd[m - 1] == 0 or n - ytd[m - 1] >= 11
    assert pairs
    assert audit(table, counts)["leaked_months"] == []


def test_no_secret_is_recorded(counts, tmp_path):
    data = tmp_path / "data"
    data.mkdir()
    pq.write_table(calls(counts), data / "contacts.parquet")
    out = tmp_path / "r.json"
    res = CliRunner().invoke(cli, ["compute", str(data), "--indicator", IND, "--year", "2024",
                                   "--no-secret", "-o", str(out)])
    assert res.exit_code == 0, res.output
    import json

    doc = json.loads(out.read_text(encoding="utf-8"))
    assert doc["provenance"]["secret"] is False
    assert not any(r["masque"] for r in doc["resultats"])
    again = CliRunner().invoke(cli, ["verify", str(out), str(data)])  # recomputed raw too
    assert again.exit_code == 0, again.output
    zero = cogind.compute({"contacts": calls(counts)}, indicators=[IND], years=2024, secret=0)
    assert cogind.provenance(zero)["secret"] is False and not any(zero["masque"].to_pylist())


def test_raw_figures_only_when_asked(counts):
    raw = cogind.compute({"contacts": calls(counts)}, indicators=[IND], years=2024,
                         period="ytd", secret=False)
    assert not any(raw["masque"].to_pylist())
    assert cogind.provenance(raw)["secret"] is False
    default = cogind.compute({"contacts": calls(counts)}, indicators=[IND], years=2024,
                             period="ytd")
    assert cogind.provenance(default)["secret"]["seuil"] == 11
    assert default.equals(cogind.compute({"contacts": calls(counts)}, indicators=[IND],
                                         years=2024, period="ytd", secret=11))


def test_cli_several_periods_one_consistent_suppression(counts, tmp_path):
    data = tmp_path / "data"
    data.mkdir()
    pq.write_table(calls(counts), data / "contacts.parquet")
    out = tmp_path / "r.parquet"
    res = CliRunner().invoke(cli, ["compute", str(data), "--indicator", IND, "--year", "2024",
                                   "--period", "month", "--period", "ytd", "--level", "caisse",
                                   "--level", "region", "--level", "national", "-o", str(out)])
    assert res.exit_code == 0, res.output
    table = pq.read_table(out)
    kinds = {(r["debut"].month, r["fin"].month) for r in table.to_pylist()}
    assert (1, 1) in kinds and (2, 2) in kinds and (1, 2) in kinds
    assert cogind.provenance(table)["periode"] == "month+ytd"
    found = audit(table, counts)
    assert found["masked"] and found["recovered"] == [] and found["leaked_months"] == []
    again = CliRunner().invoke(cli, ["verify", str(out), str(data)])  # same options, same masks
    assert again.exit_code == 0, again.output


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.sampled_from([0, 1, 2, 4, 7, 10, 11, 13, 30]), min_size=20, max_size=20),
       st.sampled_from([("month", "ytd"), ("quarter", "year"), ("month", "rolling12"),
                        ("ytd", "span")]))
def test_random_small_tables_keep_the_guarantee(sizes, period):
    caisses = CAISSES[:2] + CAISSES[4:6]  # two regions
    counts = {(c, m): (sizes[(i * 5 + m) % 20] + (40 if i == 0 else 0),
                       sizes[(i * 5 + m) % 20] // 2)
              for i, c in enumerate(caisses) for m in range(1, 13)}
    table = cogind.compute({"contacts": calls(counts)}, indicators=[IND], years=2024,
                           period=period, levels=("caisse", "region", "national"))
    found = audit(table, counts)
    assert found["recovered"] == [] and found["leaked_months"] == []


def test_the_audit_finds_the_leak_of_a_primary_mask_alone(counts):
    """Without the complementary masking the same audit recovers cells: it can fail."""
    from cogind.analyses.secret import primary_mask
    from cogind.engine.finalise import mask_cells

    raw = cogind.compute({"contacts": calls(counts)}, indicators=[IND], years=2024,
                         period=("month", "ytd"), secret=False)
    found = audit(mask_cells(raw, primary_mask(raw, 11)), counts)
    assert found["recovered"] and found["leaked_months"]


class CallsEvolution:
    """Calls answered versus the same months of the year before: each row's denominator is
    the base period's count, published with it."""

    @staticmethod
    def plugin():
        from cogind import Condition, Evolution, Indicator, Proportion, hookimpl, where

        class Plugin:
            @hookimpl
            def cogind_register_indicators(self, registry):
                registry.add_indicator(Indicator(
                    code="TEST_APPELS_EVOLUTION_N", libelle="test", definition="test",
                    table="contacts", unit="%", direction="hausse",
                    measure=Evolution(of=Proportion(Condition("CNT_ABO_TOP", (1,))),
                                      base="annee_precedente"),
                    period_column="CNT_ARR_DTH", where=where(CNT_CAN_COD="TEL")))

        return Plugin()


def test_an_evolution_never_publishes_a_masked_base_period(counts):
    """The base value of an evolution row (its denominator: the base period's value) is
    published only where the base period's own row is."""
    two_years = {(c, m + 12 * y): v for (c, m), v in counts.items() for y in (0, 1)}
    rows = {}
    for (c, m), (total, answered) in two_years.items():
        rows[(c, m)] = (total if m <= 12 else max(total, 12), answered)
    table = calls({k: v for k, v in rows.items() if k[1] <= 12})
    later = calls({(c, m - 12): v for (c, m), v in rows.items() if m > 12})
    later = later.set_column(2, "CNT_ARR_DTH", pa.array(
        [d.replace(year=2025) for d in later["CNT_ARR_DTH"].to_pylist()], pa.timestamp("us")))
    res = cogind.compute({"contacts": pa.concat_tables([table, later])}, cog=None,
                         indicators=["TEST_APPELS_EVOLUTION_N"], period="month",
                         plugins=[CallsEvolution.plugin()])
    out = {(r["caisse"], r["periode"]): r for r in res.to_pylist() if r["niveau"] == "caisse"}
    pairs = 0
    for (caisse, label), r in out.items():
        if label.startswith("2025") and not r["masque"]:
            base = out[(caisse, "2024" + label[4:])]
            assert not base["masque"], (caisse, label)
            pairs += 1
    assert pairs and any(r["masque"] for (c, lab), r in out.items() if lab.startswith("2025"))
