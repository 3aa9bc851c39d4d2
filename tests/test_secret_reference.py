"""The vectorised secret statistique (issue 20 § 3) decides exactly what the algorithm of issue 18
decided: same primary and complementary masks, same provenance counts, same bytes.

The reference is the code as it was before (tests/secret_reference.py and
tests/secret_system_reference.py, verbatim copies). Random grids cover what changes the choice of
the greedy suppression: the levels (caisse, region, groupe, national, some absent), period kinds
together (month, quarter, year, ytd, rolling12, spans, two labels of one span), small cells and
ties, missing cells and unknown ``n``, rows already masked, an indicator without secret,
evolutions naming a base period, rows in any order.
"""
import datetime as dt
import json
import random

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import secret_reference as reference
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import cogind
from cogind.analyses.secret import (apply_secret, complementary_mask, layout_digest,
                                    primary_mask)
from cogind.cli import cli, sample_path
from cogind.errors import ConfigError

CAISSES = ("01C011", "01C381", "01C691", "01C731", "01C591", "01C621", "01C801", "01C751")
SIZES = (0, 0, 1, 2, 3, 5, 5, 8, 10, 11, 12, 15, 40, 90)
KINDS = ("month", "quarter", "year", "ytd", "rolling12", "span")
SCHEMA = pa.schema([
    ("indicateur", pa.string()), ("cog", pa.string()), ("niveau", pa.string()),
    ("caisse", pa.string()), ("periode", pa.string()), ("debut", pa.date32()),
    ("fin", pa.date32()), ("valeur", pa.float64()), ("numerateur", pa.float64()),
    ("n", pa.int64()), ("statut", pa.string()), ("motif", pa.string()),
    ("masque", pa.bool_()), ("details", pa.string())])


def _month(k: int) -> dt.date:  # k = 0: 2023-01
    return dt.date(2023 + k // 12, k % 12 + 1, 1)


def _end(k: int) -> dt.date:
    first = _month(k + 1)
    return first - dt.timedelta(days=1)


def _periods(kinds, months: int, rng: random.Random) -> list[tuple[str, int, int]]:
    out = []
    for kind in kinds:
        if kind == "month":
            out += [(_month(k).strftime("%Y-%m"), k, k) for k in range(months)]
        elif kind == "quarter":
            out += [(f"Q{k}", k, k + 2) for k in range(0, months - 2, 3)]
        elif kind == "year":
            out += [(str(2023 + k // 12), k, k + 11) for k in range(0, months - 11, 12)]
        elif kind == "ytd":
            out += [(f"cumul {k}", k - k % 12, k) for k in range(months)]
        elif kind == "rolling12":
            out += [(f"glissant {k}", k - 11, k) for k in range(11, months)]
        else:
            a, b = sorted(rng.sample(range(months), 2)) if months > 1 else (0, 0)
            out += [(f"span {a}-{b}", a, b), (f"autre {a}-{b}", a, b)]  # one span, two labels
    return out


def _units(levels, caisses, groups) -> list[tuple[str, str | None, list[str]]]:
    regions = {"01C011": "84", "01C381": "84", "01C691": "84", "01C731": "84",
               "01C591": "32", "01C621": "32", "01C801": "32", "01C751": "11"}
    out = []
    if "caisse" in levels:
        out += [("caisse", c, [c]) for c in caisses]
    if "region" in levels:
        for r in sorted({regions[c] for c in caisses}):
            out.append(("region", r, [c for c in caisses if regions[c] == r]))
    if "groupe" in levels:
        for g in sorted(set(groups.values())):
            out.append(("groupe", g, [c for c in caisses if groups[c] == g]))
    if "national" in levels:
        out.append(("national", None, list(caisses)))
    return out


def grid(seed: int, kinds, levels, n_caisses: int, months: int, threshold: int = 11):
    """A result table of 1 to 3 indicators over random units × periods, the ``n`` of each row
    the sum of its caisse-months; with the groupings it needs."""
    rng = random.Random(seed)
    caisses = sorted(rng.sample(CAISSES, n_caisses))
    groups = {c: rng.choice("AB") for c in caisses}
    cells = {(c, k): rng.choice(SIZES) for c in caisses for k in range(months)}
    periods = _periods(kinds, months, rng)
    codes = ["IND_A", "IND_B", "IND_C"][:rng.randint(1, 3)]
    rows = []
    for code in codes:
        units = _units(levels if code != "IND_C" else ("caisse", "national"), caisses, groups)
        for (lvl, unit, members), (label, a, b) in ((u, p) for u in units for p in periods):
            if rng.random() < 0.05:
                continue  # no row for this cell
            n = sum(cells[(c, k)] for c in members for k in range(max(a, 0), b + 1))
            base = rng.choice(periods)
            rows.append({
                "indicateur": code, "cog": "2023-2027", "niveau": lvl, "caisse": unit,
                "periode": label, "debut": _month(max(a, 0)), "fin": _end(b),
                "valeur": float(n) / 2, "numerateur": float(n), "n": None if rng.random() < 0.04
                else n, "statut": "atteint", "motif": None, "masque": rng.random() < 0.03,
                "details": json.dumps({"periode_base": f"{_month(max(base[1], 0)):%Y-%m}/"
                                                       f"{_month(base[2]):%Y-%m}"})
                if code == "IND_B" and rng.random() < 0.5 else None})
    if rng.random() < 0.5:
        rng.shuffle(rows)
    meta = {"sans_secret": ["IND_C"] if rng.random() < 0.3 else []}
    if rng.random() < 0.2:
        meta["secret"] = {"seuil": threshold, "masquees": 0, "masquees_complementaires": 0,
                          "par_indicateur": {}}
    table = pa.Table.from_pylist(rows, schema=SCHEMA)
    table = table.replace_schema_metadata({"cogind": json.dumps(meta)})
    return table, ({"groupe": groups} if "groupe" in levels else None)


def same(table: pa.Table, threshold: int, groupings) -> pa.Table:
    """The reference's masks and counts; the empreinte (which the reference predates) apart."""
    new = apply_secret(table, threshold, groupings)
    old = reference.apply_secret(table, threshold, groupings)
    prov = json.loads(new.schema.metadata[b"cogind"])
    assert prov["secret"].pop("empreinte") == layout_digest(new)
    assert prov == json.loads(old.schema.metadata[b"cogind"])
    assert new.equals(old)
    return new


LEVELS = st.sampled_from([("caisse", "national"), ("caisse", "region", "national"),
                          ("caisse", "groupe", "national"), ("caisse", "region"),
                          ("region", "national"), ("caisse",),
                          ("caisse", "region", "groupe", "national")])


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.integers(0, 2**32), st.lists(st.sampled_from(KINDS), min_size=1, max_size=3,
                                       unique=True),
       LEVELS, st.integers(2, 8), st.integers(1, 24), st.sampled_from([3, 11, 20]))
def test_same_masks_as_the_reference_on_random_grids(seed, kinds, levels, n_caisses, months,
                                                     threshold):
    table, groupings = grid(seed, kinds, levels, n_caisses, months, threshold)
    first = same(table, threshold, groupings)
    assert apply_secret(first, threshold, groupings) is first  # protected already: as it is
    same(_forgotten(first), threshold, groupings)  # masks without their empreinte: searched again


def _forgotten(table: pa.Table) -> pa.Table:
    """``table`` as a cogind without the empreinte wrote it."""
    prov = cogind.provenance(table)
    del prov["secret"]["empreinte"]
    return table.replace_schema_metadata({"cogind": json.dumps(prov)})


def test_the_grids_exercise_the_complementary_suppression():
    """The comparison above is not vacuous: the grids mask complementary rows, across levels
    and across nested periods, and the reference's choice is not an arbitrary one."""
    decided = []
    for seed in range(6):
        table, groupings = grid(seed, ("month", "ytd"), ("caisse", "region", "national"), 6, 12)
        primary = primary_mask(table, 11)
        extra = complementary_mask(table, primary, groupings, 11)
        assert list(extra) == reference.complementary_mask(
            table, reference.primary_mask(table, 11), groupings, 11)
        decided.append((int(sum(primary)), int(sum(extra))))
    assert all(p > 0 for p, _ in decided) and sum(e for _, e in decided) > 20, decided


def test_errors_and_empty_tables_as_the_reference():
    table, _ = grid(1, ("month",), ("caisse", "groupe", "national"), 4, 3)
    with pytest.raises(ConfigError, match="groupe"):
        apply_secret(table, 11)
    with pytest.raises(ConfigError, match="groupe"):
        reference.apply_secret(table, 11)
    for t in (table.slice(0, 0), table.drop_columns(["n"]), table.drop_columns(["details"]),
              table.drop_columns(["masque", "debut"])):
        same(t, 11, {"groupe": {c: "A" for c in CAISSES}})


INDICATORS = ("APPELS_TAUX_ABOUTIS", "IJ_MAL_DELAI_MOYEN", "REITERATION_TAUX",
              "IJ_ARRETS_LONGS_EVOLUTION", "PRODUCTIVITE_IJ")


def test_compute_and_cli_give_the_bytes_of_the_reference(tmp_path, monkeypatch):
    """End to end on the bundled sample (101 caisses): the Python API and ``cogind compute -o``
    give the same table and the same file as with the reference secret, on several period
    kinds and levels together (an evolution, an indicator without secret among them)."""
    kw = {"indicators": list(INDICATORS), "years": 2024, "period": ("month", "ytd", "year"),
          "levels": ("caisse", "region", "national")}
    args = ["compute", "--sample", "--year", "2024", "--period", "month", "--period", "ytd",
            "--period", "year", "--level", "caisse", "--level", "region", "--level",
            "national"] + [x for code in INDICATORS for x in ("--indicator", code)]
    new = cogind.compute(sample_path(), **kw)
    run = CliRunner().invoke(cli, args + ["-o", str(tmp_path / "new.parquet")])
    assert run.exit_code == 0, run.output
    monkeypatch.setattr("cogind.api.apply_secret", reference.apply_secret)
    old = cogind.compute(sample_path(), **kw)
    run = CliRunner().invoke(cli, args + ["-o", str(tmp_path / "old.parquet")])
    assert run.exit_code == 0, run.output
    assert new.equals(old) and _but_empreinte(new) == cogind.provenance(old)
    counts = cogind.provenance(new)["secret"]
    assert counts["masquees"] > 0 and counts["masquees_complementaires"] > 0
    a, b = pq.read_table(tmp_path / "new.parquet"), pq.read_table(tmp_path / "old.parquet")
    assert a.equals(b) and _but_empreinte(a) == cogind.provenance(b)


def _but_empreinte(table: pa.Table) -> dict:
    """The provenance of ``table`` without the secret's empreinte (the reference predates it),
    checked to be the table's own."""
    prov = cogind.provenance(table)
    assert prov["secret"].pop("empreinte") == layout_digest(table)
    return prov
