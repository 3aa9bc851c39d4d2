"""Every declared field is checked at registration (issue 22): a wrong one is one line naming
the plugin, the indicator (or COG) and the field, exit 1 in the CLI, a PluginError in Python,
never an internal TypeError at compute time. Each bad field is planted through a real pluggy
plugin, loaded from a (fake) installed entry point next to the built-in tables."""
from __future__ import annotations

import dataclasses

import pyarrow as pa
import pyarrow.compute as pc
import pytest
from click.testing import CliRunner

import cogind
import cogind_plugins.tables
from cogind import (Cog, CogIndicator, Condition, Count, Delay, Evolution, Indicator, Input,
                    Kernel, KernelMeasure, PluginError, Proportion, RatioOfSums,
                    SavingsVsTrend, Source, Stock, Sum, Target, hookimpl, where)
from cogind.cli import cli
from cogind.kernels import counts

PREFIX = "plugin 'tiers' (paquet-tiers 9.9): "


class Declares:
    """A third party's plugin declaring one indicator and one COG."""

    __name__ = "tiers"

    def __init__(self, indicator, cog):
        self.indicator, self.cog = indicator, cog

    @hookimpl
    def cogind_register_indicators(self, registry):
        registry.add_indicator(self.indicator)

    @hookimpl
    def cogind_register_cogs(self, registry):
        registry.add_cog(self.cog)


class Dist:
    metadata = {"Name": "paquet-tiers"}
    version = "9.9"


class EntryPoint:
    def __init__(self, name, plugin, dist=Dist()):
        self.name, self.value, self.plugin, self.dist = name, f"x:{name}", plugin, dist

    def load(self):
        return self.plugin


def _kernel(**kw):
    args = dict(name="comptage_tiers", inputs=(), width=1, update=counts.update_count)
    return Kernel(**{**args, **kw})


def _own(kernel=None, **kw):
    fin = lambda rows: (rows[:, 0], rows[:, 0], rows[:, 0], rows[:, 0])  # noqa: E731
    return KernelMeasure(kernel or _kernel(), fin, **kw)


CALLS = dict(table="contacts", period_column="CNT_ARR_DTH", unit="%", direction="hausse",
             measure=Proportion(Condition("CNT_ABO_TOP", (1,))), where=where(CNT_CAN_COD="TEL"))
DELAY = dict(start="CNT_ARR_DTH", end="CNT_TRT_DTH", statistic="part_sous_seuil", unit="heures",
             threshold=48)
IJ = dict(table="ij", period_column="IJ_PAI_DTD", unit="jours", direction="baisse")


def indicator(code="TIERS_X", **kw) -> Indicator:
    args = dict(code=code, libelle="Indicateur tiers", definition="Exemple.", **CALLS)
    return Indicator(**{**args, **kw})


def delay(**kw) -> Delay:
    return Delay(**{**DELAY, **kw})


def cog(targets=None, **kw) -> Cog:
    args = dict(code="CPG-TIERS", libelle="Contrat", years=(2023, 2024),
                indicators=(CogIndicator("TIERS_X", targets or {2024: Target.at_least(80)}),))
    return Cog(**{**args, **kw})


# case → (indicator, cog, the field named, a fragment of the problem)
BAD = {
    "code": (indicator(code="tiers x"), None, "code", "upper snake case"),
    "libelle": (indicator(libelle=3), None, "libelle", "must be a string"),
    "table type": (indicator(table=7), None, "table", "must be a string"),
    "table unknown": (indicator(table="sondages"), None, "table", "unknown table 'sondages'"),
    "measure": (indicator(measure="Delay"), None, "measure", "must be a measure family"),
    "unit": (indicator(unit=None), None, "unit", "must be a string"),
    "direction": (indicator(direction="up"), None, "direction", "hausse, baisse"),
    "period_column absent": (indicator(period_column="CNT_DATE"), None, "period_column",
                             "needs column 'CNT_DATE' that table 'contacts' does not declare"),
    "period_column type": (indicator(period_column="CNT_ABO_TOP"), None, "period_column",
                           "is integer, expected date or datetime"),
    "caisse_column": (indicator(caisse_column="CNT_NIV_COD"), None, "caisse_column",
                      "expected string"),
    "where list": (indicator(where=[Condition("CNT_CAN_COD", ("TEL",))]), None, "where",
                   "a tuple of Condition"),
    "where value type": (indicator(where=where(CNT_CAN_COD=1)), None, "where[0].values",
                         "1 cannot be a value of string column 'CNT_CAN_COD'"),
    "where empty": (indicator(where=(Condition("CNT_CAN_COD", ()),)), None, "where[0].values",
                    "at least one value"),
    "where negate": (indicator(where=(Condition("CNT_CAN_COD", ("TEL",), negate="non"),)), None,
                     "where[0].negate", "True or False"),
    "source": (indicator(source=("seed 002",)), None, "source[0]", "a Source"),
    "source lines": (indicator(source=(Source("002", (12, 3)),)), None, "source[0].lines",
                     "first ≤ last"),
    "notes": (indicator(notes=None), None, "notes", "must be a string"),
    "secret": (indicator(secret="oui"), None, "secret", "True or False"),
    "caisse_missing": (indicator(caisse_missing="ignorer"), None, "caisse_missing",
                       "exclure, national"),
    # Delay
    "delay statistic": (indicator(measure=delay(statistic="mediane")), None, "statistic",
                        "moyenne, quantile, part_sous_seuil"),
    "delay unit": (indicator(measure=delay(unit="semaines")), None, "unit",
                   "jours, heures, minutes, secondes"),
    "delay start type": (indicator(measure=delay(start="CNT_ABO_TOP")), None, "start",
                         "is integer, expected datetime"),
    "delay hours on dates": (indicator(**IJ, measure=Delay("ATT_REC_DTD", "IJ_PAI_DTD",
                                                           unit="minutes"), where=()),
                             None, "start", "is date, expected datetime"),
    "delay end absent": (indicator(measure=delay(end="CNT_FIN_DTH")), None, "end",
                         "needs column 'CNT_FIN_DTH'"),
    "fractional threshold": (indicator(measure=delay(threshold=1 / 60)), None, "threshold",
                             'whole number of heures, 0 ≤ threshold ≤ max_delay (730), not '
                             '0.016666666666666666 (write unit="minutes", threshold=1)'),
    "float threshold": (indicator(measure=delay(threshold=48.0)), None, "threshold",
                        "(write threshold=48)"),
    "threshold text": (indicator(measure=delay(threshold="48")), None, "threshold",
                       "whole number of heures, not '48'"),
    "threshold too far": (indicator(measure=delay(threshold=800)), None, "threshold",
                          "not 800"),
    "threshold of a mean": (indicator(measure=delay(statistic="moyenne")), None, "threshold",
                            "only a share within a threshold"),
    "quantile range": (indicator(measure=delay(statistic="quantile", threshold=None,
                                               quantile=1.5)), None, "quantile",
                       "needs 0 < quantile ≤ 1, not 1.5"),
    "quantile text": (indicator(measure=delay(statistic="quantile", threshold=None,
                                              quantile="0.9")), None, "quantile", "not '0.9'"),
    "max_delay type": (indicator(measure=delay(max_delay=48.5)), None, "max_delay",
                       "a whole number (int)"),
    "max_delay huge": (indicator(measure=delay(max_delay=10 ** 7)), None, "max_delay",
                       "within 0..100000"),
    "missing_end": (indicator(measure=delay(missing_end="ignorer")), None, "missing_end",
                    "exclure, hors_delai"),
    # the other families
    "proportion numerator": (indicator(measure=Proportion("CNT_ABO_TOP == 1")), None,
                             "numerator", "a Condition"),
    "proportion column": (indicator(measure=Proportion(Condition("CNT_ABOUTI", (1,)))), None,
                          "numerator.column", "needs column 'CNT_ABOUTI'"),
    "sum column type": (indicator(measure=Sum("CNT_CAN_COD"), unit="euros"), None, "column",
                        "is string, expected number or integer"),
    "stock column": (indicator(measure=Stock(12), unit="nombre"), None, "column",
                     "must be a string"),
    "ratio scale": (indicator(**{**IJ, "unit": "%"}, where=(),
                              measure=RatioOfSums("IJ_PAI_MNT", "IJ_NBR", scale="100")),
                    None, "scale", "a number"),
    "evolution base": (indicator(measure=Evolution(Count(), base="2022")), None, "base",
                       "a whole number"),
    "evolution of": (indicator(measure=Evolution(delay(unit="semaines"))), None, "of.unit",
                     "jours, heures"),
    "evolution of stock": (indicator(measure=Evolution(Stock("CNT_NIV_COD"))), None, "of",
                           "not computable"),
    "savings reference": (indicator(table="prestations", period_column="EXE_SOI_DTD", where=(),
                                    measure=SavingsVsTrend("PRS_PAI_MNT", reference="2")),
                          None, "reference", "a whole number"),
    # a kernel of one's own
    "kernel": (indicator(measure=KernelMeasure("noyau", lambda rows: rows)), None, "kernel",
               "a cogind.Kernel"),
    "kernel width": (indicator(measure=_own(_kernel(width="1"))), None, "kernel.width",
                     "a whole number"),
    "kernel inputs": (indicator(measure=_own(_kernel(inputs=[Input("CNT_ABO_TOP", "int")]))),
                      None, "kernel.inputs", "a tuple of Input"),
    "kernel input type": (indicator(measure=_own(_kernel(inputs=(Input("CNT_ABO_TOP",
                                                                       "days"),)))),
                          None, "kernel.inputs[0]", "kind 'days' cannot read integer column"),
    "kernel update": (indicator(measure=_own(_kernel(update=None))), None, "kernel.update",
                      "a function"),
    "kernel sums": (indicator(measure=_own(_kernel(sums=((0, 5),)))), None, "kernel.sums",
                    "not a pair of slots within 0..0"),
    "finaliser": (indicator(measure=KernelMeasure(_kernel(), None)), None, "finaliser",
                  "a function"),
    "kernel statistic": (indicator(measure=_own(statistic="mediane")), None, "statistic",
                         "noyau, proportion, ratio, moyenne"),
    "ratio without unit": (indicator(measure=_own(statistic="ratio")), None, "cases_unit",
                           "must not be empty"),
    "squares slot": (indicator(measure=_own(statistic="moyenne", cases_unit="jours",
                                            squares=3)), None, "squares", "within 0..0"),
    # the COG and its targets
    "cog libelle": (indicator(), cog(libelle=None), "libelle", "must be a string"),
    "cog years": (indicator(), cog(years=(2024, 2023)), "years", "increasing whole years"),
    "target text": (indicator(), cog({2024: "80 %"}), "TIERS_X.targets[2024]",
                    "a cogind.Target (or a number)"),
    "target value": (indicator(), cog({2024: Target("minimum", value="80", label="≥ 80")}),
                     "TIERS_X.targets[2024].value", "a number"),
    "target nan": (indicator(), cog({2024: Target("niveau", value=float("nan"), label="?")}),
                   "TIERS_X.targets[2024].value", "a finite number"),
    "target range": (indicator(), cog({2024: Target.between(80, 70)}),
                     "TIERS_X.targets[2024].low", "80 is above high 70"),
    "target kind": (indicator(), cog({2024: Target("cible", value=80.0, label="80")}),
                    "TIERS_X.targets[2024].kind", "niveau, minimum"),
    "cog twice": (indicator(), cog(indicators=(CogIndicator("TIERS_X", {}),) * 2),
                  "indicators[1].code", "'TIERS_X' appears twice"),
    "cog numero": (indicator(), cog(indicators=(CogIndicator("TIERS_X", {}, numero=3),)),
                   "TIERS_X.numero", "must be a string"),
    "service_de_base": (indicator(), cog(service_de_base=("TIERS_X", 4)), "service_de_base[1]",
                        "must be a string"),
    "target year": (indicator(), cog({"2024": Target.at_least(80)}), "TIERS_X.targets",
                    "a whole number"),
}


@pytest.fixture
def installed(monkeypatch):
    """Only the built-in tables and the third party's plugin are installed (fast)."""
    import cogind.plugins as plugins

    tables = EntryPoint("tables", cogind_plugins.tables, dist=None)

    def install(plugin):
        monkeypatch.setattr(plugins, "_entry_points", lambda: [tables, EntryPoint("tiers", plugin)])

    return install


@pytest.mark.parametrize("case", sorted(BAD))
def test_a_wrong_field_is_one_line_naming_plugin_indicator_and_field(installed, case):
    ind, bad_cog, field, problem = BAD[case]
    installed(Declares(ind, bad_cog or cog()))
    r = CliRunner().invoke(cli, ["list", "--cog", "CPG-TIERS"])
    assert r.exit_code == 1, (r.output, r.exception)
    line = r.stderr.strip()
    assert "\n" not in line and "Internal error" not in line and "Traceback" not in line
    assert line.startswith("Error: " + PREFIX), line
    named = f"COG CPG-TIERS: field '{field}': " if bad_cog else f"indicator '{ind.code}'"
    assert named in line and f"'{field}'" in line and problem in line, line
    with pytest.raises(PluginError) as err:  # the Python API: the same line
        cogind.build_registry()
    assert f"Error: {err.value}" == line.split(" (--disable-plugin")[0]


def test_the_same_declarations_corrected_register_and_compute(installed):
    """The good twins of the cases above register, and compute (the checks refuse no valid
    declaration); the fractional threshold restated as the hint says gives the same figure."""
    contacts = pa.table({"ORG_CLE_NUM": ["01C751"] * 4, "CNT_CAN_COD": ["TEL"] * 4,
                         "CNT_ARR_DTH": pa.array([1_704_067_200] * 4, pa.timestamp("s")),
                         "CNT_TRT_DTH": pc.add(pa.array([1_704_067_200] * 4,
                                                                pa.timestamp("s")),
                                                       pa.array([0, 45, 61, 3_000],
                                                                pa.duration("s"))),
                         "CNT_ABO_TOP": [1, 0, 1, 1]})
    good = indicator(measure=delay(unit="minutes", threshold=1))
    installed(Declares(good, cog()))
    res = cogind.compute({"contacts": contacts}, cog="CPG-TIERS", period="year", secret=False)
    nat = [r for r in res.to_pylist() if r["niveau"] == "national"][0]
    # delays of 0 s, 45 s, 61 s, 50 min → 0, 1, 2, 50 minutes (ceiling): 2 of 4 within 1 minute
    assert (nat["numerateur"], nat["denominateur"], nat["valeur"]) == (2, 4, 50.0)


def test_every_builtin_declaration_passes():
    registry = cogind.build_registry()
    assert len(registry.indicators) > 100 and len(registry.cogs) >= 3


def test_target_labels_written_by_cogind_carry_the_percent(installed):
    """« ≥ 80 » of an indicator in % is shown « ≥ 80 % » (a label the plugin wrote is kept)."""
    targets = {2023: Target.at_least(80), 2024: Target.between(70, 75)}
    installed(Declares(indicator(), cog(targets)))
    labels = {y: t.label for y, t in cogind.build_registry().cog("CPG-TIERS").indicators[0]
              .targets.items()}
    assert labels == {2023: "≥ 80 %", 2024: "70-75 %"}
    kept = {2024: Target.at_least(80, label="au moins 80 pour cent")}
    installed(Declares(indicator(), cog(kept)))
    entry = cogind.build_registry().cog("CPG-TIERS").indicators[0]
    assert entry.targets[2024].label == "au moins 80 pour cent"
    days = dataclasses.replace(indicator(), unit="jours", measure=delay(statistic="moyenne",
                                                                       threshold=None))
    installed(Declares(days, cog({2024: Target.at_most(2)})))
    assert cogind.build_registry().cog("CPG-TIERS").indicators[0].targets[2024].label == "≤ 2"
    r = CliRunner().invoke(cli, ["list", "--cog", "CPG-TIERS", "--json"])
    assert r.exit_code == 0 and "≤ 2" in r.stdout
