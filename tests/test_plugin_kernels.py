"""A kernel of one's own gets the confidence interval and the gap in cases of the family it
declares it computes like (issue 22, docs/plugins.md): the same figures as the built-in family
on the same rows, and as a plain computation of Wilson's interval and of the cases."""
from __future__ import annotations

import math
from statistics import NormalDist

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner

import cogind
from cogind import (Cog, CogIndicator, Condition, Delay, Indicator, Input, Kernel, KernelMeasure,
                    Proportion, Target, hookimpl, where)
from cogind.cli import cli
from cogind.kernels import counts, delay

N = 2_000
PROPORTION_KERNEL = Kernel("part_tiers", (Input("CNT_ABO_TOP", "flag", (1,)),), 3,
                           counts.update_proportion, counts.PROPORTION_REASONS)
MEAN_KERNEL = Kernel("delai_tiers", (Input("DOS_REC_DTD", "days"), Input("DOS_DEC_DTD", "days")),
                     delay.width(-1), delay.update_days, delay.REASONS)


def _share(rows):
    n, hits = rows[:, 0], rows[:, 1]
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(n > 0, 100.0 * hits / n, np.nan), hits, n, n


def _mean(rows):
    n, total = rows[:, 0], rows[:, 1]
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(n > 0, total / n, np.nan), total, n, n


def _ratio(rows):  # Σ delays / Σ delays of the same rows × 50: half of 100 %
    n, total = rows[:, 0], rows[:, 1]
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(total > 0, 50.0 * total / total, np.nan), total, 2 * total, n


def _indicator(code, measure, table="contacts", unit="%", direction="hausse"):
    period, scope = (("CNT_ARR_DTH", where(CNT_CAN_COD="TEL")) if table == "contacts"
                     else ("DOS_DEC_DTD", ()))
    return Indicator(code=code, libelle=code, definition="Exemple.", table=table,
                     measure=measure, unit=unit, direction=direction, period_column=period,
                     where=scope)


INDICATORS = (
    _indicator("FAMILLE_PART", Proportion(Condition("CNT_ABO_TOP", (1,)))),
    _indicator("NOYAU_PART", KernelMeasure(PROPORTION_KERNEL, _share, statistic="proportion")),
    _indicator("NOYAU_BRUT", KernelMeasure(PROPORTION_KERNEL, _share)),
    _indicator("FAMILLE_DELAI", Delay("DOS_REC_DTD", "DOS_DEC_DTD"), "dossiers", "jours",
               "baisse"),
    _indicator("NOYAU_DELAI", KernelMeasure(MEAN_KERNEL, _mean, statistic="moyenne",
                                            cases_unit="jours", squares=2),
               "dossiers", "jours", "baisse"),
    _indicator("NOYAU_RATIO", KernelMeasure(MEAN_KERNEL, _ratio, statistic="ratio", scale=100,
                                            cases_unit="jours"), "dossiers", "%", "baisse"),
)
TARGETS = {"FAMILLE_PART": Target.at_least(97), "NOYAU_PART": Target.at_least(97),
           "NOYAU_BRUT": Target.at_least(97), "FAMILLE_DELAI": Target.at_most(10),
           "NOYAU_DELAI": Target.at_most(10), "NOYAU_RATIO": Target.at_most(40)}


class Own:
    __name__ = "noyaux_tiers"

    @hookimpl
    def cogind_register_indicators(self, registry):
        for ind in INDICATORS:
            registry.add_indicator(ind)

    @hookimpl
    def cogind_register_cogs(self, registry):
        registry.add_cog(Cog("CPG-NOYAUX", "Contrat", (2024,), tuple(
            CogIndicator(code, {2024: t}) for code, t in TARGETS.items())))


def _tables(seed=11):
    rng = np.random.default_rng(seed)
    caisses = rng.choice(["01C751", "01C921", "01C941"], N)
    arrival = np.datetime64("2024-02-01T09:00") + rng.integers(0, 300 * 1440, N).astype(
        "timedelta64[m]")
    contacts = pa.table({"ORG_CLE_NUM": caisses, "CNT_CAN_COD": rng.choice(["TEL", "MEL"], N),
                         "CNT_ARR_DTH": pa.array(arrival.astype("datetime64[us]")),
                         "CNT_ABO_TOP": (rng.random(N) < 0.93).astype(np.int64)})
    received = np.datetime64("2024-01-01") + rng.integers(0, 330, N).astype("timedelta64[D]")
    decided = received + rng.integers(0, 25, N).astype("timedelta64[D]")
    dossiers = pa.table({"ORG_CLE_NUM": caisses, "DOS_REC_DTD": pa.array(received),
                         "DOS_DEC_DTD": pa.array(decided)})
    return {"contacts": contacts, "dossiers": dossiers}


@pytest.fixture(scope="module")
def rows():
    res = cogind.compute(_tables(), cog="CPG-NOYAUX", plugins=[Own()], period="year",
                         secret=False)
    return {(r["indicateur"], r["caisse"]): r for r in res.to_pylist()}


FIGURES = ("valeur", "ic_bas", "ic_haut", "ecart_cas", "ecart_cas_unite", "significatif",
           "statut")


def _same(a, b):
    return all(a[k] == b[k] or (a[k] != a[k] and b[k] != b[k]) for k in FIGURES)


def test_a_kernel_like_a_family_gets_its_interval_and_cases(rows):
    keys = [k for k in rows if k[0] == "FAMILLE_PART"]
    assert len(keys) == 4  # three caisses and the national row
    for _, caisse in keys:
        assert _same(rows[("FAMILLE_PART", caisse)], rows[("NOYAU_PART", caisse)])
        assert _same(rows[("FAMILLE_DELAI", caisse)], rows[("NOYAU_DELAI", caisse)])
        raw = rows[("NOYAU_BRUT", caisse)]  # statistic noyau: nothing derived
        assert raw["ic_bas"] is None and raw["ecart_cas"] is None


def test_the_figures_equal_a_plain_computation(rows):
    t = _tables()
    contacts = t["contacts"].filter(pa.compute.equal(t["contacts"]["CNT_CAN_COD"], "TEL"))
    z = NormalDist().inv_cdf(0.975)
    for caisse in ("01C751", "01C921", None):
        part = contacts if caisse is None else contacts.filter(
            pa.compute.equal(contacts["ORG_CLE_NUM"], caisse))
        n, k = part.num_rows, int(np.sum(part["CNT_ABO_TOP"]))
        p = k / n
        centre = (p + z * z / (2 * n)) / (1 + z * z / n)
        half = z / (1 + z * z / n) * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
        row = rows[("NOYAU_PART", caisse)]
        assert row["ic_bas"] == pytest.approx(100 * (centre - half), rel=1e-12)
        assert row["ic_haut"] == pytest.approx(100 * (centre + half), rel=1e-12)
        assert row["ecart_cas"] == max(math.ceil(0.97 * n - k - 1e-9), 0)
    d = t["dossiers"]
    delays = (np.asarray(d["DOS_DEC_DTD"]) - np.asarray(d["DOS_REC_DTD"])).astype(int)
    ratio = rows[("NOYAU_RATIO", None)]  # Σ delays − 40/100 × 2 Σ delays, in days
    assert ratio["valeur"] == 50.0 and ratio["ecart_cas_unite"] == "jours"
    assert ratio["ecart_cas"] == math.ceil(delays.sum() - 0.4 * 2 * delays.sum() - 1e-9)
    assert ratio["ic_bas"] is None  # a ratio of sums has no interval (as RatioOfSums)


def test_describe_and_the_cli_show_them(tmp_path, monkeypatch):
    import cogind.plugins as plugins

    real = plugins._entry_points

    class EntryPoint:
        name, value, dist = "noyaux_tiers", "x:noyaux_tiers", None

        def load(self):
            return Own()

    monkeypatch.setattr(plugins, "_entry_points", lambda: real() + [EntryPoint()])
    for name, table in _tables().items():
        pq.write_table(table, tmp_path / f"{name}.parquet")
    r = CliRunner().invoke(cli, ["compute", str(tmp_path), "--cog", "CPG-NOYAUX", "--period",
                                 "year", "--quiet", "-o",
                                 str(tmp_path / "r.parquet")])
    assert r.exit_code == 0, r.output
    res = {(x["indicateur"], x["caisse"]): x for x in pq.read_table(tmp_path / "r.parquet")
           .to_pylist()}
    assert _same(res[("NOYAU_PART", None)], res[("FAMILLE_PART", None)])
    assert res[("NOYAU_PART", None)]["cible_libelle"] == "≥ 97 %"
    text = lambda code: " ".join(CliRunner().invoke(cli, ["describe", code]).stdout.split())
    assert "somme des carrés (case 2 de l'état)" in text("NOYAU_DELAI")
    assert "Intervalle de confiance : Wilson." in text("NOYAU_PART")
    assert "Intervalle de confiance" not in text("NOYAU_BRUT")  # noyau: described as before
