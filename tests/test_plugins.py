"""Plugin system: every hook, in-memory plugins, and each way a plugin can be wrong."""
import importlib.metadata as md
import inspect
from pathlib import Path

import pytest

import cogind
from cogind import Cog, CogIndicator, Condition, Indicator, Target, hookimpl, hookspecs, where
from cogind.errors import PluginError
from cogind.measures.families import Delay, Proportion
from cogind.plugins import build_registry, make_plugin_manager

DOCS = Path(__file__).parents[1] / "docs" / "plugins.md"


def _indicator(code="EXEMPLE_APPELS_TAUX", **kw):
    args = dict(code=code, libelle="Exemple", definition="Exemple.", table="contacts",
                measure=Proportion(Condition("CNT_ABO_TOP", (1,))), unit="%", direction="hausse",
                period_column="CNT_ARR_DTH", where=where(CNT_CAN_COD="TEL"))
    args.update(kw)
    return Indicator(**args)


class LocalPlugin:
    """An in-memory plugin, registered with a plain pluggy register() (the pipeline use case)."""

    __name__ = "local_plugin"

    def __init__(self, indicator=None, cog=None):
        self.indicator = indicator or _indicator()
        self.cog = cog or Cog("LOCAL", "Contrat local", (2024,),
                              (CogIndicator(self.indicator.code, {2024: Target.level(60)}),))

    @hookimpl
    def cogind_register_indicators(self, registry):
        registry.add_indicator(self.indicator)

    @hookimpl
    def cogind_register_cogs(self, registry):
        registry.add_cog(self.cog)


def test_every_hookspec_has_a_test_and_a_doc_entry():
    specs = [n for n, f in inspect.getmembers(hookspecs, inspect.isfunction)
             if n.startswith("cogind_")]
    assert specs
    tests = {n for n in globals() if n.startswith("test_hook_")}
    docs = DOCS.read_text(encoding="utf-8")
    for name in specs:
        assert f"test_hook_{name}" in tests, f"hook {name} has no test"
        assert name in docs, f"hook {name} is not documented in docs/plugins.md"
        assert ":param registry:" in getattr(hookspecs, name).__doc__


def test_hook_cogind_register_tables(tmp_path):
    schema = tmp_path / "sondages.json"
    schema.write_text('{"name": "sondages", "title": "Sondages", "fields": ['
                      '{"name": "ORG_CLE_NUM", "type": "string"}]}', encoding="utf-8")

    class Tables:
        __name__ = "tables_locales"

        @hookimpl
        def cogind_register_tables(self, registry):
            registry.add_table_file(schema)

    reg = build_registry(extra=[Tables()])
    assert reg.table("sondages").field_type("ORG_CLE_NUM") == "string"
    assert "prestations" in reg.tables  # built-ins still there


def test_hook_cogind_register_indicators():
    reg = build_registry(extra=[LocalPlugin()])
    assert reg.indicator("EXEMPLE_APPELS_TAUX").table == "contacts"
    assert reg.owner[("indicateur", "EXEMPLE_APPELS_TAUX")].name == "local_plugin"


def test_hook_cogind_register_cogs(contacts):
    reg = build_registry(extra=[LocalPlugin()])
    res = cogind.compute({"contacts": contacts}, cog="LOCAL", registry=reg, period="year",
                         secret=False)
    nat = [r for r in res.to_pylist() if r["niveau"] == "national"][0]
    assert nat["indicateur"] == "EXEMPLE_APPELS_TAUX" and nat["cible"] == 60
    assert nat["statut"] == "atteint"  # 2 of 3 calls answered


def test_builtins_come_from_entry_points():
    names = {ep.name for ep in md.entry_points(group="cogind") if ep.dist.name == "cogind"}
    assert {"tables", "indicateurs_ij", "cog_2023_2027"} <= names
    _, infos = make_plugin_manager()
    assert all(i.distribution == "cogind" for i in infos if i.name in names)


def test_without_entry_points_nothing_is_registered():
    pm, infos = make_plugin_manager(load_entry_points=False)
    assert infos == [] and pm.get_plugins() == set()


@pytest.mark.parametrize("make, message", [
    (lambda: LocalPlugin(_indicator("IJ_MAL_DELAI_MOYEN")), "already declared by plugin 'indicateurs_ij'"),
    (lambda: LocalPlugin(cog=Cog("X", "x", (2024,), (CogIndicator("NOPE", {}),))),
     "names unknown indicator 'NOPE'"),
    (lambda: LocalPlugin(cog=Cog("X", "x", (2024,), (CogIndicator(
        "EXEMPLE_APPELS_TAUX", {2031: Target.level(1)}),))), "outside the COG years"),
    (lambda: LocalPlugin(_indicator(where=where(COLONNE_INCONNUE=1))),
     "needs column 'COLONNE_INCONNUE'"),
    (lambda: LocalPlugin(_indicator(table="inconnue")), "unknown table 'inconnue'"),
    (lambda: LocalPlugin(_indicator(measure=Delay("CNT_ARR_DTH", "CNT_TRT_DTH", "quantile"))),
     "needs 0 < quantile"),
])
def test_invalid_declarations_name_the_plugin(make, message):
    with pytest.raises(PluginError) as err:
        build_registry(extra=[make()])
    assert message in str(err.value)
    assert "\n" not in str(err.value)


def test_a_hook_that_raises_names_the_plugin():
    class Broken:
        __name__ = "casse"

        @hookimpl
        def cogind_register_indicators(self, registry):
            raise RuntimeError("boom")

    with pytest.raises(PluginError, match=r"plugin 'casse'.*RuntimeError: boom"):
        build_registry(extra=[Broken()])


def test_a_misspelt_hook_is_refused():
    class Misspelt:
        __name__ = "faute"

        @hookimpl
        def cogind_register_indicateurs(self, registry):
            pass

    with pytest.raises(PluginError, match="faute"):
        build_registry(extra=[Misspelt()])


class _FailingEntryPoint:
    name, value, dist = "casse", "paquet_casse:plugin", None

    def load(self):
        raise ImportError("No module named 'paquet_casse'")


def test_a_plugin_that_fails_to_import(monkeypatch):
    import cogind.plugins as plugins

    real = plugins._entry_points
    monkeypatch.setattr(plugins, "_entry_points", lambda: real() + [_FailingEntryPoint()])
    with pytest.raises(PluginError, match=r"plugin 'casse' \(\?.*ImportError"):
        build_registry()
    reg = build_registry(allow_broken=True)  # the others keep working
    assert "IJ_MAL_DELAI_MOYEN" in reg.indicators
    assert [i.name for i in reg.plugins if i.error] == ["casse"]


def test_disabled_plugins(monkeypatch):
    monkeypatch.setenv("COGIND_DISABLE_PLUGINS", "cog_2014_2017")
    reg = build_registry()
    assert "2014-2017" not in reg.cogs and "2023-2027" in reg.cogs
