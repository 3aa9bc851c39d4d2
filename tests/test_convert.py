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
