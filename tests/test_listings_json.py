"""`--json` on the catalogue commands: the same facts as the text, parsed by a script."""
import json

import pytest
from click.testing import CliRunner

import cogind
from cogind.cli import cli

REGISTRY = cogind.build_registry()


def _json(args):
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def test_list_json_has_every_indicator():
    rows = _json(["list", "--json"])
    assert [r["code"] for r in rows] == sorted(REGISTRY.indicators)
    by_code = {r["code"]: r for r in rows}
    ind = REGISTRY.indicator("IJ_MAL_DELAI_MOYEN")
    assert by_code[ind.code]["unite"] == ind.unit and by_code[ind.code]["table"] == ind.table
    assert "2023-2027" in by_code[ind.code]["cogs"]


@pytest.mark.parametrize("cog", ["2014-2017", "2018-2022", "2023-2027"])
def test_list_cog_json_gives_the_targets_as_written(cog):
    rows = _json(["list", "--cog", cog, "--json"])
    entries = REGISTRY.cog(cog).indicators
    assert [r["code"] for r in rows] == [e.code for e in entries]
    for row, e in zip(rows, entries):
        assert set(row["cibles"]) == {str(y) for y in e.targets}
        for year, t in e.targets.items():
            got = row["cibles"][str(year)]
            assert got["type"] == t.kind and got["libelle"] == t.label
            assert got.get("valeur") == t.value


def test_describe_json_names_columns_sources_and_targets():
    d = _json(["describe", "ij_mal_delai_moyen", "--json"])
    ind = REGISTRY.indicator("IJ_MAL_DELAI_MOYEN")
    assert d["code"] == ind.code and d["colonnes_requises"] == list(ind.required_columns)
    assert d["sources"] and all(len(s["lignes"]) == 2 for s in d["sources"])
    assert {c["cog"] for c in d["cogs"]} == {c.code for c in REGISTRY.cogs_using(ind.code)}
    assert d["plugin"].startswith("plugin '")


def test_cogs_and_plugins_json():
    cogs = _json(["cogs", "--json"])
    assert [c["code"] for c in cogs] == sorted(REGISTRY.cogs)
    assert all(c["indicateurs"] == len(REGISTRY.cog(c["code"]).indicators) for c in cogs)
    plugins = _json(["plugins", "--json"])
    assert {p["nom"] for p in plugins} == {i.name for i in REGISTRY.plugins}
    assert all(p["erreur"] is None for p in plugins)


def test_describe_json_unknown_code_is_a_usage_error():  # issue 22: exit 2, click's form
    result = CliRunner().invoke(cli, ["describe", "NOPE", "--json"])
    assert result.exit_code == 2 and result.stdout == ""
    assert result.stderr.startswith("Usage: ")
    assert result.stderr.strip().splitlines()[-1].startswith("Error: Invalid value for 'CODE'")
