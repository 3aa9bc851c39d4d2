"""Counts people read in generate, validate, compute -o and convert are French (« 4 747 504
lignes », not « 4,747,504 rows » or « 80000 lignes »), and validate reports values failing the
schema's constraints (a caisse « Paris », --defects data) with counts, never « OK » alone."""
from __future__ import annotations

import json
import re
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner

import cogind
from cogind.cli import cli
from cogind.formatting import count
from cogind.io.validate import validate_source
from cogind.plugins import build_registry

NNBSP, NBSP = "\u202f", "\u00a0"
ROWS = {"prestations": 12_000, "contacts": 3_000}


@pytest.fixture(scope="module")
def defective(tmp_path_factory):
    out = tmp_path_factory.mktemp("defauts")
    r = CliRunner().invoke(cli, ["generate", "--out", str(out), "--years", "2024", "--defects",
                                 "0.05", "--tables", "prestations,contacts",
                                 *[f"--rows={t}={n}" for t, n in ROWS.items()]])
    assert r.exit_code == 0, r.output
    return out, r


def test_generate_counts_in_french(defective):
    out, r = defective
    # the rows asked for, and the claims' people's programme acts on top (issue 21 § 1)
    total = sum(pq.read_metadata(out / f"{t}.parquet").num_rows for t in ROWS)
    assert total >= sum(ROWS.values())
    assert f"{count(total, 'lignes')} dans 2 tables écrites dans {out}" in r.stdout
    manifest = cogind.generate(out / "api", years=(2024, 2024), rows=ROWS,
                               tables=tuple(ROWS))
    assert manifest["total_rows"] == total
    assert not re.search(r"\d,\d{3}|\brows\b", r.output)


def planted_caisses(out) -> int:
    """« Paris » as a caisse code on some contacts rows: the number planted."""
    t = pq.read_table(out / "contacts.parquet")
    codes = t["ORG_CLE_NUM"].to_pylist()
    codes[:7] = ["Paris"] * 7
    i = t.schema.get_field_index("ORG_CLE_NUM")
    pq.write_table(t.set_column(i, "ORG_CLE_NUM", pa.array(codes, pa.string())),
                   out / "contacts.parquet")
    return 7


def test_validate_reports_failing_constraints_with_counts(defective):
    out, _ = defective
    planted_caisses(out)
    contacts = pq.read_table(out / "contacts.parquet")
    pattern = re.compile(r"^[0-9]{2}[A-Z][0-9]{3}$")
    bad_caisse = sum(1 for c in contacts["ORG_CLE_NUM"].to_pylist()
                     if c is not None and not pattern.match(c))
    schema = json.loads((Path(cogind.__file__).parents[2] / "schemas" / "contacts.json")
                        .read_text(encoding="utf-8"))
    channels = next(f for f in schema["fields"] if f["name"] == "CNT_CAN_COD")[
        "constraints"]["enum"]
    bad_channel = sum(1 for c in contacts["CNT_CAN_COD"].to_pylist()
                      if c is not None and c not in channels)
    assert bad_caisse >= 7 and bad_channel > 0
    r = CliRunner().invoke(cli, ["validate", str(out)])
    assert r.exit_code == 0, r.output
    assert (f"colonne 'ORG_CLE_NUM' : {bad_caisse} valeur(s) hors du motif du schéma"
            in r.output)
    assert f"colonne 'CNT_CAN_COD' : {bad_channel} valeur(s) hors de la liste" in r.output
    last = r.output.strip().splitlines()[-1]
    assert last.startswith("OK avec réserves : ") and str(bad_caisse + bad_channel) in last
    assert "Paris" not in r.output  # counts, never values
    claims = pq.read_metadata(out / "prestations.parquet").num_rows
    assert f"{count(claims, 'lignes')} ;" in r.output
    strict = CliRunner().invoke(cli, ["validate", "--strict", str(out)])
    assert strict.exit_code == 1 and strict.output.strip().endswith("ÉCHEC")
    text, ok = validate_source(out, build_registry())
    assert ok and text.splitlines()[-1] == last
    assert not validate_source(out, build_registry(), strict=True)[1]


def test_clean_sample_is_plain_ok():
    from cogind.cli.common import sample_path

    text, ok = validate_source(sample_path(), build_registry())
    assert ok and text.splitlines()[-1] == "OK"


def test_compute_and_convert_say_their_counts_in_french(defective, tmp_path):
    out, _ = defective
    res = tmp_path / "r.parquet"
    r = CliRunner().invoke(cli, ["compute", str(out), "--period", "year", "-o", str(res)])
    assert r.exit_code == 0, r.output
    n = pq.read_metadata(res).num_rows
    assert f"{count(n, 'lignes')} écrites dans {res}" in r.output
    c = CliRunner().invoke(cli, ["convert", str(out), str(tmp_path / "arrow")])
    assert c.exit_code == 0, c.output
    claims = pq.read_metadata(out / "prestations.parquet").num_rows
    assert f"prestations : {count(claims, 'lignes')} -> " in c.output


# --------------------------------------------------------------------------- atomic writes


SRC = Path(cogind.__file__).parent


def test_only_io_publish_renames_temporary_files():
    """Atomic writes are implemented once (io/publish.py): no other module renames or
    replaces a file itself (issue 22)."""
    rename = re.compile(r"os\.(replace|rename)\(|\.rename\(|\btmp\w*\.replace\(")
    offenders = [str(p.relative_to(SRC)) for p in SRC.rglob("*.py")
                 if p.name != "publish.py" and rename.search(p.read_text(encoding="utf-8"))]
    assert offenders == []


def test_docs_are_published_whole_or_not_at_all(tmp_path, monkeypatch):
    from cogind.report import docgen

    registry = build_registry()
    r = CliRunner().invoke(cli, ["docs", str(tmp_path / "ok")])
    assert r.exit_code == 0, r.output
    written = sorted(p.name for p in (tmp_path / "ok").iterdir())
    assert written == sorted(f"cog-{c}.md" for c in registry.cogs)  # no temporary left
    calls = []
    write_text = Path.write_text

    def second_fails(self, *args, **kwargs):  # a full disk on the second file
        calls.append(self)
        if len(calls) == 2:
            raise OSError(28, "No space left on device")
        return write_text(self, *args, **kwargs)

    monkeypatch.setattr(Path, "write_text", second_fails)
    with pytest.raises(cogind.InputError, match="No space left on device"):
        docgen.write_docs(registry, tmp_path / "plein")
    assert list((tmp_path / "plein").iterdir()) == []  # the first one was not published alone


def test_generated_files_and_loop_cache_leave_no_temporary(defective, tmp_path, monkeypatch):
    out, _ = defective
    assert not [p for p in out.rglob("*") if "tmp" in p.name]
    monkeypatch.setenv("COGIND_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("COGIND_FUSED", "always")
    cogind.compute(out, period="year", indicators=["APPELS_TAUX_ABOUTIS"])
    fused = tmp_path / "cache" / "fused"
    files = [p.name for p in fused.iterdir() if p.name != "__pycache__"]  # Python's own, when
    assert files and all(f.startswith("cogind_fused_") and f.endswith(".py") for f in files)
    assert not [p for p in fused.rglob("*") if "tmp" in p.name]  # it writes bytecode
