"""cogind convert: Arrow IPC files that compute exactly as their source."""
import pyarrow.parquet as pq
from click.testing import CliRunner

import cogind
from cogind.cli import cli, sample_path


def test_convert_then_compute_gives_the_same_results(tmp_path):
    out = tmp_path / "arrow"
    r = CliRunner().invoke(cli, ["convert", str(sample_path()), str(out), "--table", "ij",
                                 "--table", "contacts"])
    assert r.exit_code == 0, r.output
    assert sorted(p.name for p in out.iterdir()) == ["contacts.arrow", "ij.arrow"]
    assert (out / "ij.arrow").stat().st_mode & 0o044  # readable by others, like any output
    codes = ["IJ_MAL_DELAI_MOYEN", "APPELS_TAUX_ABOUTIS", "COURRIELS_48H_TAUX"]
    a = cogind.compute(sample_path(), cog=None, indicators=codes, threads=2)
    b = cogind.compute(out, cog=None, indicators=codes, threads=2, batch_size=5000)
    for name in ("indicateur", "caisse", "periode", "valeur", "n", "exclusions"):
        assert a[name].equals(b[name]), name
    assert pq.read_table(sample_path() / "ij.parquet").num_rows == \
        cogind.provenance(b)["entrees"]["ij"]["lignes"]


def test_convert_errors(tmp_path):
    empty = tmp_path / "vide"
    empty.mkdir()
    r = CliRunner().invoke(cli, ["convert", str(empty), str(tmp_path / "out")])
    assert r.exit_code == 1 and r.stderr.startswith("Error:")


def test_convert_multi_row_group_data_with_defects(tmp_path):
    """Several row groups, each with its own dictionaries, and defects: every table converts
    into one dictionary per column, and computes exactly as its source (issue 18)."""
    import pyarrow as pa

    src, out = tmp_path / "d", tmp_path / "out"
    m = cogind.generate(src, years=(2023, 2023), rows={"prestations": 30_000, "ij": 12_000},
                        tables=("prestations", "ij"), defects=0.05, batch_rows=5_000)
    # 30,000 claim rows and their people's programme acts on top (issue 21 § 1)
    rows = m["tables"]["prestations"]["rows"]
    assert rows > 30_000
    assert pq.ParquetFile(src / "prestations.parquet").num_row_groups >= -(-rows // 5_000)
    r = CliRunner().invoke(cli, ["convert", str(src), str(out)])
    assert r.exit_code == 0, r.output
    assert sorted(p.name for p in out.iterdir()) == ["ij.arrow", "prestations.arrow"]
    for name in ("prestations", "ij"):
        with pa.memory_map(str(out / f"{name}.arrow")) as f:
            back = pa.ipc.open_file(f).read_all()
        assert back.to_pylist() == pq.read_table(src / f"{name}.parquet").to_pylist()
    codes = [c for c, i in cogind.build_registry().indicators.items()
             if i.table in ("prestations", "ij")][:6]
    a = cogind.compute(src, cog=None, indicators=codes, threads=2, secret=False)
    b = cogind.compute(out, cog=None, indicators=codes, threads=2, secret=False)
    for name in ("indicateur", "caisse", "periode", "valeur", "n", "exclusions"):
        assert a[name].equals(b[name]), name


def test_convert_publishes_the_folder_whole_or_not_at_all(tmp_path, monkeypatch):
    import cogind.io.convert as conv

    calls = []
    real = conv._write

    def second_fails(tin, path):
        calls.append(path)
        if len(calls) == 2:
            raise OSError(28, "No space left on device")
        return real(tin, path)

    monkeypatch.setattr(conv, "_write", second_fails)
    out = tmp_path / "out"
    r = CliRunner().invoke(cli, ["convert", str(sample_path()), str(out), "--table", "ij",
                                 "--table", "contacts"])
    assert r.exit_code == 1 and "No space left on device" in r.stderr
    assert list(tmp_path.iterdir()) == []  # no half-converted folder, no temporary one
    out.mkdir()
    (out / "ij.arrow").write_bytes(b"old")
    calls.clear()
    r = CliRunner().invoke(cli, ["convert", str(sample_path()), str(out), "--table", "ij",
                                 "--table", "contacts"])
    assert r.exit_code == 1
    assert [p.name for p in out.iterdir()] == ["ij.arrow"]
    assert (out / "ij.arrow").read_bytes() == b"old"
