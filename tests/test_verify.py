"""``cogind verify``: provenance in every output, recomputation, fingerprints, exit codes."""
import hashlib
import json
import shutil

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner

import cogind
from cogind.cli import cli, sample_path
from cogind.io.fingerprint import file_sha256, paths_sha256
from cogind.analyses.verify import is_results_file, read_results_table, verify

IND = "APPELS_TAUX_ABOUTIS"


def run(*args):
    return CliRunner().invoke(cli, [str(a) for a in args])


@pytest.fixture(scope="module")
def inputs(tmp_path_factory):
    folder = tmp_path_factory.mktemp("verify") / "data"
    folder.mkdir()
    shutil.copy(sample_path() / "contacts.parquet", folder / "contacts.parquet")
    return folder


@pytest.fixture(scope="module")
def results(inputs, tmp_path_factory):
    out = tmp_path_factory.mktemp("out") / "r.parquet"
    r = run("compute", inputs, "--indicator", IND, "--period", "quarter", "--secret", "15",
            "-o", out)
    assert r.exit_code == 0, r.output
    return out


def test_provenance_records_inputs_options_and_versions(results, inputs):
    prov = cogind.provenance(pq.read_table(results))
    entry = prov["entrees"]["contacts"]
    expected = hashlib.sha256((inputs / "contacts.parquet").read_bytes()).hexdigest()
    assert entry["sha256"] == expected and entry["fichiers"] == 1
    assert entry["lignes"] == pq.read_metadata(inputs / "contacts.parquet").num_rows
    assert prov["version"] and prov["cog"] == "2023-2027" and prov["plugins"]
    assert all({"nom", "distribution", "version"} <= set(p) for p in prov["plugins"])
    assert prov["options"]["indicateurs"] == [IND] and prov["secret"]["seuil"] == 15
    rows = pq.read_table(results).to_pylist()
    assert all(isinstance(json.loads(r["exclusions"] or "{}"), dict) for r in rows)


def test_folder_fingerprint_is_a_manifest(tmp_path):
    (tmp_path / "t" / "a=1").mkdir(parents=True)
    (tmp_path / "t" / "a=1" / "p.parquet").write_bytes(b"one")
    (tmp_path / "t" / "q.parquet").write_bytes(b"two")
    files = sorted(str(p) for p in (tmp_path / "t").rglob("*.parquet"))
    lines = sorted(f"{p}\t{hashlib.sha256(b).hexdigest()}\n"
                   for p, b in (("a=1/p.parquet", b"one"), ("q.parquet", b"two")))
    assert paths_sha256(files, tmp_path / "t") == hashlib.sha256(
        "".join(lines).encode()).hexdigest()
    assert file_sha256(files[0]) == hashlib.sha256(b"one").hexdigest()


def test_verify_matches(results, inputs):
    r = run("verify", results, inputs)
    assert r.exit_code == 0, r.output
    assert r.stdout.startswith("OK") or "\nOK" in r.stdout


@pytest.mark.parametrize("ext", [".arrow", ".json"])
def test_verify_other_formats(inputs, tmp_path, ext):
    out = tmp_path / f"r{ext}"
    assert run("compute", inputs, "--indicator", IND, "--year", "2024", "-o", out).exit_code == 0
    assert is_results_file(out) and not is_results_file(inputs / "contacts.parquet")
    assert verify(out, inputs).ok


def test_verify_finds_a_changed_cell(results, inputs, tmp_path):
    t = pq.read_table(results)
    i = next(k for k, r in enumerate(t.to_pylist()) if r["niveau"] == "national")
    values = t["valeur"].to_pylist()
    values[i] += 0.5
    tampered = tmp_path / "t.parquet"
    pq.write_table(t.set_column(t.column_names.index("valeur"), "valeur",
                                pa.array(values, pa.float64())), tampered)
    r = run("verify", tampered, inputs)
    assert r.exit_code == 1
    assert f"{IND} national" in r.stdout and "valeur" in r.stdout


def test_verify_finds_changed_inputs(results, inputs, tmp_path):
    changed = tmp_path / "data"
    changed.mkdir()
    t = pq.read_table(inputs / "contacts.parquet")
    pq.write_table(t.slice(0, t.num_rows - 1), changed / "contacts.parquet")
    v = verify(results, changed)
    assert not v.ok
    assert any("table 'contacts'" in d and "sha256" in d for d in v.differences)
    assert any("lignes" in d for d in v.differences)


def test_verify_errors(results, inputs, tmp_path):
    csv = tmp_path / "r.csv"
    assert run("compute", inputs, "--indicator", IND, "--year", "2024", "-o", csv).exit_code == 0
    assert run("verify", csv, inputs).exit_code == 0  # CSV: provenance in r.csv.provenance.json
    (tmp_path / "r.csv.provenance.json").unlink()
    r = run("verify", csv, inputs)
    assert r.exit_code == 1 and r.stderr.startswith("Error: the results carry no provenance")
    assert len(r.stderr.strip().splitlines()) == 1
    r = run("verify", tmp_path / "nothing.parquet", inputs)
    assert r.exit_code == 1 and r.stderr.startswith("Error: no result file")
    assert run("verify", results).exit_code == 2


def test_csv_provenance_sidecar(inputs, tmp_path):
    table = cogind.compute(inputs, indicators=[IND], years=2024)
    csv = tmp_path / "r.csv"
    import pyarrow.csv as pacsv

    pacsv.write_csv(table, csv)
    (tmp_path / "r.csv.provenance.json").write_text(
        json.dumps(cogind.provenance(table)), encoding="utf-8")
    back = read_results_table(csv)
    assert back["debut"].type == pa.date32() and pc.sum(back["n"]).as_py() > 0
    assert verify(csv, inputs).ok
