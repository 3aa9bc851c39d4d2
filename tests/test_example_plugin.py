"""Third-party plugins: the example package as CI installs it, and each way a plugin can be wrong.

The example (``examples/cogind-plugin-exemple``) must be listed by ``cogind plugins`` with its
version, used by ``list``/``describe``/``compute``, and give the figures of the row-by-row
reference below (written from the indicators' definitions, sharing no code with the package).
Broken plugins are installed as fake entry points: one line, exit 1, the others keep working.
"""
import importlib.metadata as md
import subprocess
import sys
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner

import cogind
from cogind import Cog, CogIndicator, Condition, Indicator, Kernel, Target, hookimpl, where
from cogind.checks import check_kernel
from cogind.cli import cli
from cogind.errors import PluginError
from cogind.measures.families import Count, KernelMeasure
from cogind.kernels import counts
from conftest import tiny_contacts, tiny_ij

EXAMPLE = Path(__file__).parents[1] / "examples" / "cogind-plugin-exemple"
DIST = "cogind-plugin-exemple"
CPG = "CPG-01C751-2023-2026"


def _installed_version():
    try:
        return md.version(DIST)
    except md.PackageNotFoundError:
        return None


needs_example = pytest.mark.skipif(
    _installed_version() is None,
    reason=f"{DIST} is not installed: pip install ./examples/cogind-plugin-exemple (CI does)")


def run(*args):
    return CliRunner().invoke(cli, [str(a) for a in args])


def one_line_error(result, *fragments):
    assert result.exit_code == 1, result.output
    errors = [line for line in result.stderr.splitlines() if line.startswith("Error")]
    assert len(errors) == 1 and "Traceback" not in result.output, result.output
    for f in fragments:
        assert f in errors[0], errors[0]
    return errors[0]


# --------------------------------------------------------------------------- reference


def ij_sample(seed=11, n=800) -> pa.Table:
    """First IJ payments of three caisses in 2023-2024, with nulls and incoherent dates."""
    rng = np.random.default_rng(seed)
    start = np.datetime64("2023-01-01") + rng.integers(0, 690, n)
    received = start + rng.integers(-2, 35, n)
    paid = received + rng.integers(-1, 50, n)

    def holes(days, share=0.04):
        return pa.array(days, pa.date32(), mask=rng.random(n) < share)

    return pa.table({
        "ORG_CLE_NUM": rng.choice(["01C751", "01C131", "01C921"], n),
        "IJ_RIS_COD": rng.choice(["MAL", "ATMP"], n, p=[0.8, 0.2]),
        "IJ_SUB_TOP": pa.array(rng.choice([0, 1], n, p=[0.7, 0.3]), pa.int8()),
        "SIN_1IJ_IND": pa.array(rng.choice([0, 1], n, p=[0.2, 0.8]), pa.int8()),
        "ARR_DEB_DTD": holes(start), "ATT_REC_DTD": holes(received),
        "IJ_PAI_DTD": pa.array(paid, pa.date32()),
    })


def reference(table: pa.Table, caisse: str | None, year: int) -> dict[str, float | None]:
    """The two example indicators of one caisse (None: national) and year, row by row."""
    days_caisse = days_total = fast = measured = 0
    for r in table.to_pylist():
        if (r["SIN_1IJ_IND"], r["IJ_SUB_TOP"], r["IJ_RIS_COD"]) != (1, 0, "MAL"):
            continue
        if r["IJ_PAI_DTD"].year != year or caisse not in (None, r["ORG_CLE_NUM"]):
            continue
        start, received, paid = r["ARR_DEB_DTD"], r["ATT_REC_DTD"], r["IJ_PAI_DTD"]
        if received is None or paid < received:
            continue  # excluded from both: no certificate date, or paid before it
        measured += 1
        fast += (paid - received).days <= 15
        if start is not None and start <= received:
            days_caisse += (paid - received).days
            days_total += (paid - start).days
    return {"CPAM75_IJ_DELAI_PART_CAISSE": 100 * days_caisse / days_total if days_total else None,
            "CPAM75_IJ_15J_TAUX": 100 * fast / measured if measured else None}


# --------------------------------------------------------------------------- the example


@needs_example
def test_plugins_lists_it_with_its_version():
    r = run("plugins")
    assert r.exit_code == 0, r.stderr
    version = _installed_version()
    for name in ("exemple_indicateurs", "exemple_contrat"):
        line = next(x for x in r.stdout.splitlines() if x.startswith(name))
        assert f"{DIST} {version}" in line
    assert "indicateur CPAM75_IJ_DELAI_PART_CAISSE" in r.stdout and f"cog {CPG}" in r.stdout


@needs_example
def test_list_and_describe_use_its_indicators():
    listing = run("list")
    assert listing.exit_code == 0 and "CPAM75_IJ_15J_TAUX" in listing.stdout
    cpg = run("list", "--cog", CPG)
    assert cpg.exit_code == 0 and "IJ_MAL_DELAI_MOYEN" in cpg.stdout  # a built-in in the CPG
    assert "2026 à déterminer" in cpg.stdout and "≥\u00a065,0\u00a0%" in cpg.stdout  # formats.md
    d = run("describe", "cpam75_ij_delai_part_caisse")
    assert d.exit_code == 0, d.stderr
    assert "Σ (IJ_PAI_DTD − ATT_REC_DTD)" in d.stdout and "dates_incoherentes" in d.stdout
    assert f"COG {CPG} n° 3" in d.stdout
    assert f"plugin 'exemple_indicateurs' ({DIST} {_installed_version()})" in d.stdout


@needs_example
@pytest.mark.parametrize("fused", ["never", "always"])
def test_compute_gives_the_reference_figures(tmp_path, monkeypatch, fused):
    """Both passes: the separate loops, and the generated loop calling the plugin's step."""
    monkeypatch.setenv("COGIND_FUSED", fused)
    table = ij_sample()
    pq.write_table(table, tmp_path / "ij.parquet")
    out = tmp_path / "resultats.parquet"
    r = run("compute", tmp_path, "--cog", CPG, "--period", "year", "--threads", 3, "-o", out)
    assert r.exit_code == 0, r.stderr
    assert "table contacts absente" in r.stderr and "APPELS_TAUX_ABOUTIS" in r.stderr
    rows = [x for x in pq.read_table(out).to_pylist() if x["indicateur"].startswith("CPAM75_")]
    years = sorted({x["periode"] for x in rows})
    assert years == ["2023", "2024", "2025"]  # the data's years within the CPG, not 2026
    assert len(rows) == 2 * len(years) * 4  # two indicators, three caisses + national
    masked = [row for row in rows if row.get("masque")]  # secret statistique: small cells
    assert len(masked) < len(rows) // 2 and not any(r["niveau"] == "national" for r in masked)
    for row in rows:
        expected = reference(table, row["caisse"], int(row["periode"]))[row["indicateur"]]
        if row.get("masque"):
            assert row["valeur"] is None
        elif expected is None:  # a caisse with no payment that year: empty, never 0
            assert row["valeur"] is None and row["statut"] == "non calculable", row
        else:
            assert row["valeur"] == pytest.approx(expected, rel=1e-12), row


@needs_example
def test_its_indicators_run_in_a_pipeline_with_the_builtins():
    res = cogind.compute({"ij": ij_sample(), "contacts": tiny_contacts()}, cog=CPG,
                         period="year", years=2024, secret=False)
    nat = {r["indicateur"]: r for r in res.to_pylist() if r["niveau"] == "national"}
    assert set(nat) == {"IJ_MAL_DELAI_MOYEN", "CPAM75_IJ_15J_TAUX",
                        "CPAM75_IJ_DELAI_PART_CAISSE", "APPELS_TAUX_ABOUTIS"}
    assert nat["CPAM75_IJ_15J_TAUX"]["cible"] == 55 and nat["CPAM75_IJ_15J_TAUX"]["cible_type"] \
        == "minimum"
    plugins = {p["nom"]: p["version"] for p in cogind.provenance(res)["plugins"]}
    assert plugins["exemple_indicateurs"] == _installed_version()


@needs_example
def test_disabling_it_leaves_the_builtins():
    r = run("--disable-plugin", "exemple_indicateurs", "--disable-plugin", "exemple_contrat",
            "list")
    assert r.exit_code == 0 and "CPAM75_" not in r.stdout and "IJ_MAL_DELAI_MOYEN" in r.stdout


@needs_example
def test_the_package_own_tests_pass():
    done = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
                           "tests"], cwd=EXAMPLE, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-2000:]


# --------------------------------------------------------------------------- broken plugins


class FakeDist:
    metadata = {"Name": "paquet-tiers"}
    version = "9.9"


class FakeEntryPoint:
    """An installed entry point of the ``cogind`` group, loading ``plugin`` or raising ``error``."""

    dist = FakeDist()

    def __init__(self, name, plugin=None, error=None):
        self.name, self.value, self.plugin, self.error = name, f"paquet_tiers:{name}", plugin, error

    def load(self):
        if self.error is not None:
            raise self.error
        return self.plugin


class Declares:
    """A plugin declaring one indicator and/or one COG."""

    def __init__(self, name, indicator=None, cog=None):
        self.__name__, self.indicator, self.cog = name, indicator, cog

    @hookimpl
    def cogind_register_indicators(self, registry):
        if self.indicator is not None:
            registry.add_indicator(self.indicator)

    @hookimpl
    def cogind_register_cogs(self, registry):
        if self.cog is not None:
            registry.add_cog(self.cog)


def _indicator(code="TIERS_APPELS", measure=None, scope=None):
    from cogind.measures.families import Proportion

    return Indicator(code=code, libelle="Appels aboutis", definition="Exemple.", table="contacts",
                     measure=measure or Proportion(Condition("CNT_ABO_TOP", (1,))), unit="%",
                     direction="hausse", period_column="CNT_ARR_DTH",
                     where=scope or where(CNT_CAN_COD="TEL"))


def _count_kernel(merge):
    kernel = Kernel("comptage_tiers", (), 1, counts.update_count, merge=merge)
    return KernelMeasure(kernel, lambda rows: (rows[:, 0], rows[:, 0], rows[:, 0], rows[:, 0]))


BROKEN = {
    "code_taken": (_indicator("IJ_MAL_DELAI_MOYEN"), None,
                   "indicateur code 'IJ_MAL_DELAI_MOYEN' already declared by plugin "
                   "'indicateurs_ij' (cogind "),
    "target_outside_cog": (_indicator(), Cog("CPG-TIERS", "Contrat", (2024, 2025), (
        CogIndicator("TIERS_APPELS", {2031: Target.level(70)}),)),
        "COG CPG-TIERS: target for TIERS_APPELS in 2031, outside the COG years 2024-2025"),
    "unknown_column": (_indicator(scope=where(CNT_CANAL_TYPO=1)), None,
                       "indicator 'TIERS_APPELS' needs column 'CNT_CANAL_TYPO' that table "
                       "'contacts' does not declare"),
    "merge_not_identity": (_indicator(measure=_count_kernel(np.subtract)), None,
                           "kernel 'comptage_tiers': merge(init, x) != x"),
}


@pytest.fixture
def install(monkeypatch):
    """Install fake entry points next to the real ones."""
    import cogind.plugins as plugins

    real = plugins._entry_points

    def add(*eps):
        monkeypatch.setattr(plugins, "_entry_points", lambda: real() + list(eps))

    return add


def test_a_plugin_that_fails_to_import(install, tmp_path):
    install(FakeEntryPoint("tiers", error=ImportError("No module named 'paquet_tiers'")))
    expected = ("plugin 'tiers' (paquet-tiers 9.9): ImportError: No module named 'paquet_tiers'",
                "(--disable-plugin tiers to run without it)")
    one_line_error(run("list"), *expected)
    pq.write_table(tiny_ij(), tmp_path / "ij.parquet")
    one_line_error(run("compute", tmp_path), *expected)
    listing = run("plugins")  # still lists every plugin, the broken one marked
    one_line_error(listing, expected[0])
    assert "indicateurs_ij" in listing.stdout and "CASSÉ : ImportError" in listing.stdout
    ok = run("--disable-plugin", "tiers", "compute", tmp_path, "--indicator", "IJ_MAL_DELAI_MOYEN")
    assert ok.exit_code == 0, ok.stderr  # the other plugins keep working
    debug = run("--debug", "list")
    assert debug.exit_code == 1 and isinstance(debug.exception, PluginError)
    with pytest.raises(PluginError, match=r"plugin 'tiers' \(paquet-tiers 9\.9\): ImportError"):
        cogind.compute(tmp_path)


@pytest.mark.parametrize("case", sorted(BROKEN))
def test_a_wrong_declaration_through_the_cli(install, case):
    indicator, cog, message = BROKEN[case]
    install(FakeEntryPoint("tiers", Declares("tiers", indicator, cog)))
    one_line_error(run("list"), "plugin 'tiers' (paquet-tiers 9.9)", message,
                   "--disable-plugin tiers")
    assert run("--disable-plugin", "tiers", "list").exit_code == 0
    assert isinstance(run("--debug", "cogs").exception, PluginError)


@pytest.mark.parametrize("case", sorted(BROKEN))
def test_a_wrong_declaration_through_the_api(case, contacts):
    indicator, cog, message = BROKEN[case]
    with pytest.raises(PluginError) as err:
        cogind.compute({"contacts": contacts}, plugins=[Declares("local", indicator, cog)])
    assert str(err.value).startswith("plugin 'local' (en mémoire)")
    assert message in str(err.value) and "\n" not in str(err.value)


# --------------------------------------------------------------------------- merge checks


@pytest.mark.parametrize("merge, message", [
    (None, None), (np.add, None), (lambda a, b: a + b, None),
    (np.maximum, None),  # months, caisses and threads then combine with the maximum
    (np.subtract, "merge(init, x) != x"),
    (lambda a, b: 2 * a + 2 * b if a.any() and b.any() else a + b, "not associative"),
    (lambda a, b: np.where(a != 0, a, b), "not commutative"),  # first non-zero
    (lambda a, b: (a + b).astype(np.float64), "merge(init, x) != x"),
    (lambda a, b: a[0], "merge(init, x) != x"),
    (lambda a, b: 1 / 0, "merge fails on int64 states of shape (2, 3, 1): ZeroDivisionError"),
])
def test_check_kernel(merge, message):
    kernel = Kernel("essai", (), 1, counts.update_count, merge=merge)
    if message is None:
        check_kernel(kernel)
    else:
        with pytest.raises(ValueError, match=message.replace("(", r"\(").replace(")", r"\)")):
            check_kernel(kernel)


def test_the_engine_merges_thread_states_with_the_kernel_merge(ij):
    calls = []

    def add(a, b):
        calls.append(a.shape)
        return a + b

    ind = Indicator(code="TIERS_PAIEMENTS", libelle="Paiements", definition="Nombre.", table="ij",
                    measure=_count_kernel(add), unit="paiements", direction="hausse",
                    period_column="IJ_PAI_DTD")
    plain = Indicator(**{**ind.__dict__, "code": "TIERS_PAIEMENTS_REF", "measure": Count()})
    res = cogind.compute({"ij": ij}, cog=None, period="year", threads=4, batch_size=2,
                         plugins=[Declares("local", ind), Declares("local2", plain)], secret=False)
    assert calls  # states of the 4 threads were merged with the kernel's merge
    by = {}
    for r in res.to_pylist():
        by.setdefault((r["caisse"], r["periode"]), {})[r["indicateur"]] = r["valeur"]
    assert all(v["TIERS_PAIEMENTS"] == v["TIERS_PAIEMENTS_REF"] for v in by.values())
