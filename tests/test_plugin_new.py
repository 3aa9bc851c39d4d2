"""``cogind plugin new NAME`` (issue 22): a package like examples/cogind-plugin-exemple, from the
template shipped in cogind; it registers through the real plugin manager without being
installed, and its own test passes."""
from __future__ import annotations

import importlib
import os
import subprocess
import sys
import tomllib

import pytest
from click.testing import CliRunner

import cogind
from cogind.cli import cli
from cogind.errors import InputError
from cogind.templates import scaffold

FILES = ["README.md", "pyproject.toml", "src/ma_caisse/__init__.py",
         "src/ma_caisse/indicateurs.py", "tests/test_ma_caisse.py"]


@pytest.fixture
def package(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    r = CliRunner().invoke(cli, ["plugin", "new", "ma_caisse"])
    assert r.exit_code == 0, r.output
    root = tmp_path / "cogind-ma-caisse"  # the default folder: the distribution's name
    assert r.stdout.split() == [str(root.relative_to(tmp_path) / f) for f in FILES]
    yield root
    for name in [m for m in sys.modules if m == "ma_caisse" or m.startswith("ma_caisse.")]:
        del sys.modules[name]


def test_the_package_has_its_entry_point_and_files(package):
    assert sorted(str(p.relative_to(package)) for p in package.rglob("*") if p.is_file()) == FILES
    meta = tomllib.loads((package / "pyproject.toml").read_text(encoding="utf-8"))
    assert meta["project"]["name"] == "cogind-ma-caisse"
    assert meta["project"]["entry-points"]["cogind"] == {"ma_caisse": "ma_caisse.indicateurs"}
    assert any(d.startswith("cogind>=") for d in meta["project"]["dependencies"])
    assert "MA_CAISSE_APPELS_TAUX" in (package / "README.md").read_text(encoding="utf-8")
    assert not list(package.parent.glob(".*cogind-tmp"))  # published whole, nothing left


def test_its_module_registers_through_the_plugin_manager(package, monkeypatch):
    monkeypatch.syspath_prepend(str(package / "src"))
    module = importlib.import_module("ma_caisse.indicateurs")
    pm, infos = cogind.make_plugin_manager(extra=[module])
    assert "cogind_register_indicators" in next(i for i in infos if i.name == module.__name__
                                                ).hooks
    registry = cogind.build_registry(extra=[module])
    ind = registry.indicator("MA_CAISSE_APPELS_TAUX")
    assert ind.table == "contacts" and registry.owner[("indicateur", ind.code)].name == \
        "ma_caisse.indicateurs"


def test_its_own_test_passes(package):
    env = {**os.environ, "PYTHONPATH": str(package / "src")}
    done = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"],
                          cwd=package, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-2000:]
    assert "4 passed" in done.stdout


@pytest.mark.parametrize("name", ["ma-caisse", "2caisse", "ma caisse", "class", "MaCaisse",
                                  "json", ""])
def test_a_name_that_is_not_a_module_name_is_a_usage_error(name, tmp_path):
    r = CliRunner().invoke(cli, ["plugin", "new", name, "-o", str(tmp_path / "p")])
    assert r.exit_code == 2 and "Invalid value for NAME" in r.stderr, r.output
    assert not (tmp_path / "p").exists()


def test_an_existing_folder_is_left_alone(tmp_path):
    (tmp_path / "p").mkdir()
    (tmp_path / "p" / "mine.txt").write_text("x")
    r = CliRunner().invoke(cli, ["plugin", "new", "ma_caisse", "-o", str(tmp_path / "p")])
    assert r.exit_code == 1 and r.stderr == f"Error: output folder {tmp_path / 'p'} already " \
                                            "exists\n"
    assert [p.name for p in (tmp_path / "p").iterdir()] == ["mine.txt"]
    with pytest.raises(InputError):
        scaffold("ma_caisse", tmp_path / "p")
    files = scaffold("ma_caisse", tmp_path / "q")  # the Python function, a folder of one's own
    assert [str(f) for f in files] == FILES
