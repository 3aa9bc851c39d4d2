"""The Python API accepts what the CLI accepts (issue 22): French period names and ``span``,
Polars DataFrames and LazyFrames (streamed in batches, never refused), and ships its types
(``py.typed``, :data:`cogind.TableSource`)."""
from __future__ import annotations

import json
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner

import cogind
from cogind.cli import cli
from cogind.cli.common import PERIODS, sample_path
from cogind.errors import ConfigError, InputError

CODE = "IJ_MAL_DELAI_MOYEN"
ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def ij() -> Path:
    return sample_path() / "ij.parquet"


def _figures(table: pa.Table) -> list[dict]:
    return table.drop_columns([c for c in table.column_names if c == "details"]).to_pylist()


@pytest.mark.parametrize("name", sorted(PERIODS))
def test_every_cli_period_name_is_accepted_by_the_api(ij, name):
    """Each --period choice, French or English, gives in Python what it gives on the CLI."""
    api = cogind.compute({"ij": ij}, None, indicators=[CODE], period=name, secret=False)
    want = cogind.compute({"ij": ij}, None, indicators=[CODE], period=PERIODS[name],
                          secret=False)
    assert _figures(api) == _figures(want) and api.num_rows > 0
    assert json.loads(api.schema.metadata[b"cogind"])["periode"] == PERIODS[name]


def test_span_and_french_names_match_the_cli(ij, tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    shutil.copy(ij, folder / "ij.parquet")
    res = CliRunner().invoke(cli, ["compute", str(folder), "--cog", "none", "--indicator", CODE,
                                   "--period", "pluriannuel", "--no-secret", "-o",
                                   str(tmp_path / "r.parquet")])
    assert res.exit_code == 0, res.output
    cli_rows = pq.read_table(tmp_path / "r.parquet")
    api = cogind.compute(folder, None, indicators=[CODE], period="span", secret=False)
    assert _figures(api) == _figures(cli_rows)
    assert set(api["periode"].to_pylist()) == {"2023-2024"}
    both = cogind.compute(folder, None, indicators=[CODE], period="annee+cumul", secret=False)
    assert "2023" in both["periode"].to_pylist() and "2023-01/2023-12" in both["periode"].to_pylist()


def test_unknown_period_is_refused_before_reading(tmp_path):
    with pytest.raises(ConfigError, match=r"unknown period 'semaine' \(expected one of month, "
                                          r"mois, quarter"):
        cogind.compute(tmp_path / "absent", None, period="semaine")


def test_polars_lazy_frame_and_data_frame(ij):
    pl = pytest.importorskip("polars")
    want = cogind.compute({"ij": ij}, None, indicators=[CODE], secret=False)
    for frame in (pl.scan_parquet(ij), pl.read_parquet(ij), pl.read_parquet(ij).lazy()):
        got = cogind.compute({"ij": frame}, None, indicators=[CODE], secret=False)
        assert got.equals(want), type(frame).__name__
    # a lazy query: filtered and derived in Polars, read in batches of 1 000 rows
    lazy = pl.scan_parquet(ij).filter(pl.col("IJ_RIS_COD") == "MAL")
    got = cogind.compute({"ij": lazy}, None, indicators=[CODE], secret=False, batch_size=1000)
    plain = pq.read_table(ij)
    plain = plain.filter(pc.equal(pc.cast(plain["IJ_RIS_COD"], pa.string()), "MAL"))
    assert got.equals(cogind.compute({"ij": plain}, None, indicators=[CODE], secret=False))
    prov = json.loads(got.schema.metadata[b"cogind"])
    assert prov["entrees"]["ij"]["origine"] == "LazyFrame Polars"
    assert prov["entrees"]["ij"]["lignes"] == plain.num_rows


def test_lazy_frame_streams_only_the_needed_columns(ij, monkeypatch):
    pl = pytest.importorskip("polars")
    from cogind.io import sources

    asked = []
    real = sources.LazyFrameSource.batches

    def spy(self, columns=None, batch_size=1 << 20):
        asked.append((tuple(columns or ()), batch_size))
        return real(self, columns, batch_size)

    monkeypatch.setattr(sources.LazyFrameSource, "batches", spy)
    cogind.compute({"ij": pl.scan_parquet(ij)}, None, indicators=[CODE], batch_size=5000)
    assert asked and all(0 < len(cols) < len(pq.read_schema(ij).names) for cols, _ in asked)
    assert all(size == 5000 for _, size in asked)


def test_a_failing_lazy_query_is_one_line(ij):
    pl = pytest.importorskip("polars")
    bad = pl.scan_parquet(ij).with_columns(pl.col("ARR_NUM").cast(pl.Int64, strict=True))
    with pytest.raises(InputError, match=r"table 'ij': the Polars LazyFrame cannot be "
                                         r"collected \(\w+\)"):
        cogind.compute({"ij": bad}, None, indicators=[CODE])


def test_table_source_is_public_and_typed():
    from typing import get_args

    import cogind.api

    members = {getattr(a, "__forward_arg__", a) for a in get_args(cogind.TableSource)}
    assert {pa.Table, pa.RecordBatchReader, "pl.LazyFrame", "pl.DataFrame"} <= members
    hints = cogind.api.compute.__annotations__["tables"]
    assert hints == "Tables"
    assert (Path(cogind.__file__).parent / "py.typed").is_file()


def test_mypy_checks_a_caller_if_installed(tmp_path):
    if shutil.which("mypy") is None and shutil.which("pyright") is None:
        pytest.skip("neither mypy nor pyright is installed (the wheel test checks py.typed)")
    script = tmp_path / "caller.py"
    script.write_text("import cogind\nimport pyarrow as pa\n"
                      "t: cogind.TableSource = pa.table({'a': [1]})\n"
                      "r: pa.Table = cogind.compute({'ij': t}, None)\n"
                      "cogind.compute(3.5, None)\n")
    tool = ["mypy", "--follow-imports=silent", "--ignore-missing-imports",
            "--python-executable", sys.executable] if shutil.which("mypy") else ["pyright"]
    import os  # an editable install is an import hook mypy does not follow: the source path

    env = {**os.environ, "MYPYPATH": str(Path(cogind.__file__).parents[1])}
    out = subprocess.run([*tool, str(script)], capture_output=True, text=True, env=env)
    assert out.returncode != 0 and ":5:" in out.stdout  # the float is refused, line 5 only
    assert ":4:" not in out.stdout and ":3:" not in out.stdout


@pytest.mark.slow
def test_py_typed_is_in_the_built_wheel(tmp_path):
    """The wheel of a copy of the sources (no build folder left in the working tree)."""
    src = tmp_path / "src"
    shutil.copytree(ROOT, src, ignore=shutil.ignore_patterns(
        ".git", ".venv", "venv", "build", "dist", "*.egg-info", "__pycache__", "*.parquet",
        "tests", "benchmarks", "examples", "docs"))
    out = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w",
                          str(tmp_path / "wheel"), str(src)], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr[-2000:]
    (wheel,) = (tmp_path / "wheel").glob("cogind-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    assert "cogind/py.typed" in names and "cogind/io/sources.py" in names
