"""The secret statistique applied twice is applied once: a published table is protected already.

The complementary suppression is chosen greedily; searched again from the masks alone, it could
mask a few more rows than the first time (random grids found it, and so did the bundled sample
with months, year-to-date and regions together). So ``report`` and ``alerts`` on a published
file would have shown more masks than the file. The provenance now keeps the *empreinte* of the
protected table (its cells, masks and published ``n``): the very table, in whatever row order and
read back from whatever format, is returned as it is; a changed one (rows added, two outputs put
together) is protected again — checked here by an exact audit of the published rows' span.
"""
import json
import random

import numpy as np
import pyarrow as pa
import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_secret_reference import KINDS, LEVELS, grid

import cogind
from cogind.analyses.secret import apply_secret, layout_digest
from cogind.analyses.verify import read_results_table
from cogind.cli import cli, sample_path
from cogind.engine.levels import region_of
from cogind.io.output import write_tables

PRIME = 2**31 - 1  # products of two residues stay within int64


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.integers(0, 2**32), st.lists(st.sampled_from(KINDS), min_size=1, max_size=3,
                                       unique=True),
       LEVELS, st.integers(2, 8), st.integers(1, 24), st.sampled_from([3, 11, 20]))
def test_twice_is_once_on_random_grids(seed, kinds, levels, n_caisses, months, threshold):
    table, groupings = grid(seed, kinds, levels, n_caisses, months, threshold)
    once = apply_secret(table, threshold, groupings)
    assert apply_secret(once, threshold, groupings) is once
    assert apply_secret(once, 2, groupings) is once  # a lower threshold is met already
    shuffled = once.take(np.random.default_rng(seed).permutation(once.num_rows))
    assert apply_secret(shuffled, threshold, groupings) is shuffled
    stricter = apply_secret(once, threshold + 1, groupings)
    assert cogind.provenance(stricter)["secret"]["seuil"] == threshold + 1
    assert cogind.provenance(stricter)["secret"]["empreinte"] == layout_digest(stricter)


def test_the_empreinte_follows_cells_masks_and_counts_not_order():
    table, groupings = grid(7, ("month", "ytd"), ("caisse", "region", "national"), 6, 12)
    once = apply_secret(table, 11, groupings)
    digest = layout_digest(once)
    assert digest == cogind.provenance(once)["secret"]["empreinte"]
    assert layout_digest(once.take(np.arange(once.num_rows)[::-1])) == digest
    caisse = once.column_names.index("caisse")
    blank = once.set_column(caisse, "caisse", once["caisse"].fill_null(""))
    assert layout_digest(blank) == digest  # a CSV's empty text is a null
    masked = np.asarray(once["masque"]).nonzero()[0]
    lifted = once.set_column(once.column_names.index("masque"), "masque",
                             pa.array(np.isin(np.arange(once.num_rows), masked[1:])))
    shown = np.flatnonzero(~np.asarray(once["masque"]) & np.asarray(once["n"].is_valid()))
    n = once["n"].to_pylist()
    n[shown[0]] += 1
    recounted = once.set_column(once.column_names.index("n"), "n", pa.array(n, pa.int64()))
    for changed in (once.slice(1), lifted, recounted, pa.concat_tables([once, once.slice(0, 1)])):
        assert layout_digest(changed) != digest
        assert apply_secret(changed, 11, groupings) is not changed


def _vector(row: dict, caisses: list[str], months: int, groups: dict) -> np.ndarray:
    """The caisse × month cells a row adds (written from the definitions, not cogind's)."""
    regions = region_of(caisses)
    level, code = row["niveau"], row["caisse"]
    members = {"caisse": {code}, "national": set(caisses),
               "region": {c for c in caisses if regions[c] == code},
               "groupe": {c for c in caisses if groups.get(c) == code}}[level]
    first = (row["debut"].year - 2023) * 12 + row["debut"].month - 1
    last = (row["fin"].year - 2023) * 12 + row["fin"].month - 1
    v = np.zeros((len(caisses), months), np.int64)
    v[[i for i, c in enumerate(caisses) if c in members], first:last + 1] = 1
    return v.reshape(-1)


def _basis(vectors: list[np.ndarray]) -> list[tuple[int, np.ndarray]]:
    """A reduced row echelon basis (pivot, row) of their span over the integers modulo PRIME."""
    basis: list[tuple[int, np.ndarray]] = []
    for v in vectors:
        v = _reduced(basis, v)
        if not v.any():
            continue
        pivot = int(np.flatnonzero(v)[0])
        v = v * pow(int(v[pivot]), PRIME - 2, PRIME) % PRIME
        basis = [(p, (b - b[pivot] * v) % PRIME) for p, b in basis] + [(pivot, v)]
    return basis


def _reduced(basis, v: np.ndarray) -> np.ndarray:
    v = v % PRIME
    for pivot, b in basis:
        if v[pivot]:
            v = (v - v[pivot] * b) % PRIME
    return v


def recoverable(table: pa.Table, months: int, groups: dict) -> int:
    """Masked rows whose cells are a linear combination of the published rows' (per indicator,
    those exempt from the secret apart)."""
    rows = table.to_pylist()
    exempt = set(cogind.provenance(table).get("sans_secret") or ())
    caisses = sorted({r["caisse"] for r in rows if r["niveau"] == "caisse"})
    found = 0
    for code in sorted({r["indicateur"] for r in rows} - exempt):
        mine = [r for r in rows if r["indicateur"] == code]
        basis = _basis([_vector(r, caisses, months, groups) for r in mine
                        if not r["masque"] and r["n"] is not None])
        found += sum(not _reduced(basis, _vector(r, caisses, months, groups)).any()
                     for r in mine if r["masque"])
    return found


def test_two_protected_outputs_put_together_are_protected_again():
    """A month table and a year-to-date table, each protected alone, leak through each other
    (a cumul minus the published months); their concatenation is no longer the table either
    empreinte was taken of, so the secret is searched again over both: nothing recoverable."""
    leaks = 0
    for seed in range(4):
        parts = []
        for kind in ("month", "ytd"):
            table, groupings = grid(seed, (kind,), ("caisse", "national"), 5, 12)
            parts.append(apply_secret(table.replace_schema_metadata(
                {"cogind": json.dumps({"sans_secret": []})}), 11, groupings))
        together = pa.concat_tables(parts)
        leaks += recoverable(together, 12, {})
        again = apply_secret(together, 11)
        assert again is not together and recoverable(again, 12, {}) == 0
        assert np.asarray(again["masque"])[np.asarray(together["masque"])].all()
    assert leaks > 0  # the audit is not vacuous: put together, they did leak


def test_the_first_application_passes_the_audit_on_random_grids():
    rng = random.Random(5)
    for _ in range(12):
        seed, months = rng.randrange(2**32), rng.randint(2, 14)
        table, groupings = grid(seed, rng.sample(KINDS, 2), ("caisse", "region", "national"),
                                rng.randint(2, 6), months)
        table = table.replace_schema_metadata({"cogind": json.dumps({"sans_secret": []})})
        kept = table.filter(pa.array([r["n"] is not None and not r["masque"]
                                      for r in table.to_pylist()]))  # no figure-less input row
        assert recoverable(apply_secret(kept, 11, groupings), months, {}) == 0


INDICATORS = ("SATISFACTION_EMPLOYEURS_TAUX", "IJ_ATMP_DELAI_MOYEN")


@pytest.fixture(scope="module")
def published(tmp_path_factory):
    """The sample's months, cumuls and regions of two indicators whose suppression, searched
    again from the masks alone, masked more (before the empreinte), in every result format."""
    folder = tmp_path_factory.mktemp("publie")
    table = cogind.compute(sample_path(), period=("month", "ytd"), indicators=list(INDICATORS),
                           levels=("caisse", "region", "national"))
    write_tables([(table, folder / f"out.{ext}") for ext in ("parquet", "arrow", "json")])
    write_tables([(table, folder / "out.csv")])
    write_tables([(table, folder / "fr.csv")], csv_fr=True)
    return table, folder


def test_the_sample_case_masked_more_without_the_empreinte(published):
    table, _ = published
    prov = cogind.provenance(table)
    del prov["secret"]["empreinte"]
    forgotten = table.replace_schema_metadata({"cogind": json.dumps(prov)})
    again = apply_secret(forgotten, 11)
    assert np.asarray(again["masque"]).sum() > np.asarray(table["masque"]).sum()


@pytest.mark.parametrize("name", ["out.parquet", "out.arrow", "out.json", "out.csv", "fr.csv"])
def test_a_published_file_read_back_is_protected_as_it_is(published, name):
    table, folder = published
    back = read_results_table(folder / name)
    assert layout_digest(back) == cogind.provenance(table)["secret"]["empreinte"]
    assert apply_secret(back, 11) is back


def test_report_and_alerts_show_the_file_s_masks(published, tmp_path):
    table, folder = published
    secret = cogind.provenance(table)["secret"]
    run = CliRunner().invoke(cli, ["report", str(folder / "out.csv"), "-o",
                                   str(tmp_path / "r.html")])
    assert run.exit_code == 0, run.output
    page = (tmp_path / "r.html").read_text(encoding="utf-8")
    assert (f"({secret['masquees']} cellules, {secret['masquees_complementaires']} masquages "
            "complémentaires)") in page
    as_read = CliRunner().invoke(cli, ["alerts", str(folder / "out.parquet"), "--json",
                                       "--no-secret"])
    secret_again = CliRunner().invoke(cli, ["alerts", str(folder / "out.parquet"), "--json"])
    assert as_read.exit_code == secret_again.exit_code == 0, secret_again.output
    assert as_read.output == secret_again.output


def test_compute_of_some_caisses_records_their_own_empreinte():
    table = cogind.compute(sample_path(), indicators=["IJ_MAL_DELAI_MOYEN"],
                           caisses=["01C011", "01C751"])
    assert cogind.provenance(table)["secret"]["empreinte"] == layout_digest(table)
    assert apply_secret(table, 11) is table
