"""Result tables out: files chosen by extension, published atomically.

The writing rule lives in :mod:`cogind.io.publish`; this module chooses the format. The
terminal table of results is :func:`cogind.analyses.statuses.render_results`, drawn by
:func:`cogind.formatting.table`.
"""
from __future__ import annotations

import json
from pathlib import Path

import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.feather as feather
import pyarrow.parquet as pq

from cogind.io.fingerprint import file_sha256
from cogind.io.publish import FORMATS, Publication, check_output

LINKED = "fichiers_lies"
"""Provenance key: companion file name → SHA-256, recorded in the main file of one run."""
SIDECAR_HASH = "fichier_sha256"
"""Key of a CSV's provenance sidecar: the SHA-256 of the CSV it belongs with."""


def _write(table: pa.Table, path: Path, fmt: str, csv_fr: bool = False,
           wide: pa.Table | None = None) -> None:
    if fmt in ("ipc", "parquet", "csv") and not csv_fr:
        # a sink of our own, closed whatever happens: pyarrow leaves its file open when the
        # disk fills, which keeps the (deleted) temporary file's blocks taken in the process
        with pa.OSFile(str(path), "wb") as sink:
            if fmt == "ipc":
                feather.write_feather(table, sink, compression="uncompressed")
            elif fmt == "parquet":
                pq.write_table(table, sink, compression="zstd")
            else:
                pacsv.write_csv(table, sink)
    elif fmt == "csv" and csv_fr:  # ';', decimal comma, dd/mm/yyyy, BOM (docs/excel.md)
        from cogind.io.csv_fr import write_csv_fr

        write_csv_fr(table, path)
    elif fmt == "xlsx":
        from cogind.io.excel import write_xlsx

        write_xlsx(table, path, wide)
    else:
        meta = (table.schema.metadata or {}).get(b"cogind")
        doc = {"provenance": json.loads(meta) if meta else None,
               "resultats": table.to_pylist()}
        path.write_text(json.dumps(doc, ensure_ascii=False, indent=1, default=str),
                        encoding="utf-8")


def write_table(table: pa.Table, path: str | Path) -> Path:
    """Write ``table`` to ``path`` (format from the extension), whole or not at all.

    A CSV gets its provenance in ``<file>.provenance.json``, which records the CSV's SHA-256.
    """
    return write_tables([(table, path)])[0]


def write_tables(items: list[tuple[pa.Table, str | Path]], *, csv_fr: bool = False,
                 wide: pa.Table | None = None) -> list[Path]:
    """Publish the tables of one run together: the first is the main file, the others its
    companions (``--spread``). Companions are renamed into place first and the main file
    records their SHA-256, so a reader tells a pair from two runs (docs/rapports.md).

    ``csv_fr``: CSV files as French Excel reads them (``;``, decimal comma, BOM); ``wide``: the
    caisse × indicator sheet of a main ``.xlsx`` file (docs/excel.md)."""
    paths = [check_output(p) for _, p in items]
    with Publication(paths[0]) as pub:
        linked = {}
        for table, path in items[1:]:
            linked[path.name] = _stage(pub, table, path, csv_fr)
        main, path = items[0][0], paths[0]
        if linked:
            meta = json.loads((main.schema.metadata or {}).get(b"cogind") or b"{}")
            meta[LINKED] = linked
            main = main.replace_schema_metadata(
                {**(main.schema.metadata or {}), b"cogind": json.dumps(meta, ensure_ascii=False)})
        _stage(pub, main, path, csv_fr, wide)
        pub.commit()
    return paths


def _stage(pub: Publication, table: pa.Table, path: Path, csv_fr: bool = False,
           wide: pa.Table | None = None) -> str:
    """Stage ``table`` (and a CSV's sidecar, renamed before it); its SHA-256."""
    fmt = FORMATS[path.suffix.lower()]
    meta = (table.schema.metadata or {}).get(b"cogind")
    if fmt == "csv" and meta:  # CSV holds no metadata: the provenance goes in a sidecar
        tmp = pub.stage(path, lambda p: _write(table, p, fmt, csv_fr))
        digest = file_sha256(tmp)
        doc = {**json.loads(meta), SIDECAR_HASH: digest}
        side = path.with_name(path.name + ".provenance.json")
        pub.stage(side, lambda p: p.write_text(json.dumps(doc, ensure_ascii=False),
                                               encoding="utf-8"), before=path)
        return digest
    return file_sha256(pub.stage(path, lambda p: _write(table, p, fmt, csv_fr, wide)))


def check_together(path: str | Path, prov: dict | None) -> dict | None:
    """Raise ``InputError`` in one line when ``path`` and a file published with it (a CSV's
    sidecar, a ``--spread`` companion) come from different runs; ``prov`` without the
    sidecar's own key."""
    from cogind.errors import InputError

    path = Path(path)
    if prov is None:
        return None
    prov = dict(prov)
    expected = prov.pop(SIDECAR_HASH, None)
    if expected is not None and file_sha256(path) != expected:
        raise InputError(f"{path.name} and {path.name}.provenance.json do not belong together "
                         "(SHA-256 differs: files of two runs)")
    for name, digest in (prov.get(LINKED) or {}).items():
        other = path.with_name(name)
        if other.is_file() and file_sha256(other) != digest:
            raise InputError(f"{path.name} and {name} do not belong together "
                             "(SHA-256 differs: files of two runs)")
    return prov
