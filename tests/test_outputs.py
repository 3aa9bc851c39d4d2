"""Outputs (issue 18): checked before any data is read, published together, permissions and
symbolic links kept, stale temporary files of a killed run removed, disk errors in one line."""
import json
import os
import stat
import subprocess
import sys

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner

import cogind
from cogind.cli import cli, sample_path
from cogind.io.fingerprint import file_sha256 as sha256_file
from cogind.io.output import write_table, write_tables
from cogind.io.publish import TMP_SUFFIX, remove_stale

CODE = "IJ_MAL_DELAI_MOYEN"


def run(*args):
    return CliRunner().invoke(cli, [str(a) for a in args])


@pytest.fixture(scope="module")
def results():
    return cogind.compute(sample_path(), cog=None, indicators=[CODE], period="year")


# --------------------------------------------------------------------------- early checks


@pytest.mark.parametrize("command", [
    ["compute", "--sample"], ["report", "--sample"], ["alerts", "--sample"],
    ["targets", "derive", "--sample", "--base", "2023"], ["targets", "composite", "--sample"]])
def test_a_bad_output_fails_before_any_data_is_read(tmp_path, command):
    """Every command that writes -o: no computation (the sample would take seconds)."""
    ro = tmp_path / "ro"
    ro.mkdir()
    ro.chmod(0o500)
    ext = ".html" if command[0] == "report" else ".parquet"
    cases = [(tmp_path, 1, "is a folder"), (tmp_path / "absent" / f"r{ext}", 1, "does not exist"),
             (tmp_path / "r.xls", 2, "output format of r.xls")]
    if os.geteuid() != 0:  # root writes anywhere
        cases.append((ro / f"r{ext}", 1, "not writable"))
    for path, code, words in cases:
        r = run(*command, "-o", path)
        assert r.exit_code == code, (path, r.output)
        assert words in r.stderr and "Traceback" not in r.output + r.stderr
    assert not list(tmp_path.rglob("r.*"))


def test_convert_into_a_file_or_a_missing_folder_fails_first(tmp_path):
    (tmp_path / "f").write_text("x")
    r = run("convert", sample_path(), tmp_path / "f")
    assert r.exit_code == 1 and "is a file" in r.stderr
    r = run("convert", sample_path(), tmp_path / "a" / "b")
    assert r.exit_code == 1 and "does not exist" in r.stderr


def test_disk_full_names_the_file_in_one_line(tmp_path, monkeypatch):
    import pyarrow.parquet

    def full(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(pyarrow.parquet, "write_table", full)
    (tmp_path / "r.parquet").write_bytes(b"old")
    r = run("compute", "--sample", "--indicator", CODE, "--period", "year", "-o",
            tmp_path / "r.parquet")
    assert r.exit_code == 1
    assert r.stderr.strip().splitlines() == [
        f"Error: cannot write {tmp_path / 'r.parquet'}: No space left on device"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["r.parquet"]
    assert (tmp_path / "r.parquet").read_bytes() == b"old"


def test_a_device_is_never_replaced(tmp_path):
    if not os.path.exists("/dev/null"):
        pytest.skip("no /dev/null")
    (tmp_path / "r.csv").symlink_to("/dev/null")
    r = run("compute", "--sample", "-o", tmp_path / "r.csv")
    assert r.exit_code == 1 and "not a regular file" in r.stderr
    assert stat.S_ISCHR(os.stat("/dev/null").st_mode)


# --------------------------------------------------------------------------- one publication


def test_spread_pair_published_together_and_mismatch_detected(tmp_path):
    out = tmp_path / "r.parquet"
    r = run("compute", "--sample", "--indicator", CODE, "--period", "year", "-o", out, "--spread")
    assert r.exit_code == 0, r.output
    companion = tmp_path / "r.dispersion.parquet"
    linked = cogind.provenance(pq.read_table(out))["fichiers_lies"]
    assert linked == {companion.name: sha256_file(companion)}
    assert run("diff", out, out).exit_code == 0
    # the companion of another run beside these results: verify and diff say so, in one line
    other = tmp_path / "o.parquet"
    run("compute", "--sample", "--indicator", CODE, "--period", "year", "--year", "2023",
        "-o", other, "--spread")
    os.replace(tmp_path / "o.dispersion.parquet", companion)
    for r in (run("verify", out, "--sample"), run("diff", out, out)):
        assert r.exit_code == 1
        assert r.stderr.strip().splitlines() == [
            "Error: r.parquet and r.dispersion.parquet do not belong together "
            "(SHA-256 differs: files of two runs)"]


def test_csv_sidecar_records_the_csv_and_readers_check_it(tmp_path, results):
    a, b = tmp_path / "a.csv", tmp_path / "b.csv"
    write_table(results, a)
    write_table(results.slice(0, 10), b)
    side = json.loads((tmp_path / "a.csv.provenance.json").read_text())
    assert side["fichier_sha256"] == sha256_file(a)
    assert cogind.read_results(a).num_rows == results.num_rows  # the pair matches
    os.replace(tmp_path / "b.csv.provenance.json", tmp_path / "a.csv.provenance.json")
    with pytest.raises(cogind.InputError, match="a.csv and a.csv.provenance.json do not belong"):
        cogind.read_results(a)
    r = run("diff", a, b)
    assert r.exit_code == 1 and "do not belong together" in r.stderr


def test_a_failed_companion_publishes_nothing(tmp_path, results, monkeypatch):
    import pyarrow.csv

    def full(*args, **kwargs):
        raise OSError(28, "No space left on device")

    out = tmp_path / "r.parquet"
    write_table(results, out)
    before = out.read_bytes()
    monkeypatch.setattr(pyarrow.csv, "write_csv", full)  # the companion, staged first, fails
    with pytest.raises(cogind.InputError, match="r.dispersion.csv: No space left"):
        write_tables([(results.slice(0, 3), out), (results, tmp_path / "r.dispersion.csv")])
    assert out.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["r.parquet"]


# --------------------------------------------------------------------------- modes and links


def test_rewrite_keeps_permissions_and_writes_through_symlinks(tmp_path, results):
    out = tmp_path / "r.parquet"
    write_table(results.slice(0, 2), out)
    out.chmod(0o600)
    write_table(results, out)
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    assert pq.read_table(out).num_rows == results.num_rows
    real = tmp_path / "store" / "r.parquet"
    real.parent.mkdir()
    write_table(results.slice(0, 1), real)
    real.chmod(0o640)
    link = tmp_path / "lien.parquet"
    link.symlink_to(real)
    r = run("compute", "--sample", "--indicator", CODE, "--period", "year", "-o", link)
    assert r.exit_code == 0, r.output
    assert link.is_symlink() and os.readlink(link) == str(real)  # the link kept
    assert pq.read_table(real).num_rows == results.num_rows  # its target replaced
    assert stat.S_IMODE(real.stat().st_mode) == 0o640
    assert sorted(p.name for p in real.parent.iterdir()) == ["r.parquet"]


def test_new_file_follows_the_umask(tmp_path, results):
    old = os.umask(0o027)
    try:
        write_table(results, tmp_path / "r.arrow")
    finally:
        os.umask(old)
    assert stat.S_IMODE((tmp_path / "r.arrow").stat().st_mode) == 0o640


# --------------------------------------------------------------------------- stale temporaries


def test_stale_temporaries_of_the_target_only_are_removed(tmp_path, results):
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, check=True).stdout.strip()
    stale = tmp_path / f".r.parquet.{dead}-0a1b2c3d{TMP_SUFFIX}"
    alive = tmp_path / f".r.parquet.{os.getppid()}-0a1b2c3d{TMP_SUFFIX}"  # a live process's
    other = tmp_path / f".s.parquet.{dead}-0a1b2c3d{TMP_SUFFIX}"  # another target's
    mine = tmp_path / ".r.parquet.1234.tmp"  # not our pattern
    for p in (stale, alive, other, mine):
        p.write_bytes(b"x")
        os.utime(p, (1, 1))
    write_table(results, tmp_path / "r.parquet")
    assert not stale.exists() and alive.exists() and other.exists() and mine.exists()
    fresh = tmp_path / f".s.parquet.{dead}-ffffffff{TMP_SUFFIX}"  # newer than this run
    fresh.write_bytes(b"x")
    assert remove_stale(tmp_path / "s.parquet") == [other] and fresh.exists()
