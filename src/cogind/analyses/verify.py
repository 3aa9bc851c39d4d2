"""``cogind verify RESULTS INPUTS``: recompute from the inputs with the recorded options, compare.

The provenance of a result file (schema metadata of Parquet/Arrow, ``provenance`` of JSON)
records the COG, period, years, as-of month, confidence level, consolidation delay, requested
indicators, secret statistique threshold and each input's SHA-256 and row count. ``verify``
recomputes with exactly those options and reports the inputs whose fingerprint or row count
changed and the cells that differ (indicator, level, caisse, period and the columns; never a
value). Version changes of cogind or of a plugin are reported as notes: they matter only if
some cell moved. Also here: reading result files back, shared by ``alerts`` and ``report``.
"""
from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc

from cogind.errors import InputError
from cogind.io.output import FORMATS, check_together

KEY = ("indicateur", "cog", "niveau", "caisse", "periode")
RESULT_MARKERS = ("indicateur", "niveau", "periode", "statut")
SHOWN = 20


# --------------------------------------------------------------------------- reading results


def _schema_names(path: Path, fmt: str) -> list[str]:
    if fmt == "parquet":
        import pyarrow.parquet as pq

        return pq.read_schema(path).names
    if fmt == "ipc":
        import pyarrow.ipc as ipc

        with pa.memory_map(str(path)) as src:
            return ipc.open_file(src).schema.names
    if fmt == "csv":  # cogind's CSV, plain or French (--csv-fr: ';', BOM)
        from cogind.io.csv_fr import SEPARATORS

        with open(path, encoding="utf-8-sig", errors="replace") as fh:
            first = fh.readline()
        return [c.strip().strip('"') for c in first.split(max(SEPARATORS, key=first.count))]
    return list(RESULT_MARKERS)  # a JSON file can only be a result file (an .xlsx: refused)


def is_results_file(path: str | Path) -> bool:
    """Whether ``path`` is a file written by ``cogind compute -o`` (not input data)."""
    path = Path(path)
    fmt = FORMATS.get(path.suffix.lower())
    if not path.is_file() or fmt is None:
        return False
    try:
        names = _schema_names(path, fmt)
    except (OSError, pa.ArrowInvalid):
        return False
    return all(m in names for m in RESULT_MARKERS)


def _typed(table: pa.Table) -> pa.Table:
    """Columns cast to the result schema (JSON and CSV lose dates and all-null types)."""
    from cogind.engine.finalise import RESULT_SCHEMA

    for f in RESULT_SCHEMA:
        if f.name in table.column_names and table.schema.field(f.name).type != f.type:
            i = table.column_names.index(f.name)
            table = table.set_column(i, f, pc.cast(table[f.name], f.type))
    return table


def _read_any(path: Path, fmt: str) -> tuple[pa.Table, dict | None]:
    if fmt == "json":
        doc = json.loads(path.read_text(encoding="utf-8"))
        return pa.Table.from_pylist(doc["resultats"]), doc.get("provenance")
    if fmt == "parquet":
        import pyarrow.parquet as pq

        return pq.read_table(path), None
    if fmt == "ipc":
        import pyarrow.feather as feather

        return feather.read_table(str(path)), None
    from cogind.engine.finalise import RESULT_SCHEMA
    from cogind.io.csv_fr import read_csv_table

    return read_csv_table(path, {f.name: f.type for f in RESULT_SCHEMA}), None


def read_results_table(path: str | Path) -> pa.Table:
    """A result file read back as a table with its provenance in the schema metadata.

    CSV has no room for metadata: a ``<file>.provenance.json`` next to it is used if present.
    """
    path = Path(path)
    fmt = FORMATS.get(path.suffix.lower())
    if not path.is_file() or fmt is None:
        raise InputError(f"no result file {path.name} (.parquet, .arrow, .csv or .json)")
    if fmt == "xlsx":
        from cogind.io.excel import NOT_READ_BACK

        raise InputError(NOT_READ_BACK.format(name=path.name))
    try:
        table, prov = _read_any(path, fmt)
        table = _typed(table)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError, json.JSONDecodeError,
            UnicodeDecodeError, KeyError, TypeError) as exc:
        raise InputError(f"cannot read results from {path.name}: {type(exc).__name__}") from None
    sidecar = path.with_name(path.name + ".provenance.json")
    if prov is None and fmt == "csv" and sidecar.is_file():
        prov = json.loads(sidecar.read_text(encoding="utf-8"))
    if prov is None and fmt != "csv":
        raw = (table.schema.metadata or {}).get(b"cogind")
        prov = json.loads(raw) if raw else None
    prov = check_together(path, prov)
    if prov is not None:
        table = table.replace_schema_metadata({"cogind": json.dumps(prov, ensure_ascii=False)})
    missing = [c for c in RESULT_MARKERS if c not in table.column_names]
    if missing:
        raise InputError(f"{path.name} is not a cogind result file (no column {missing[0]})")
    return table


# --------------------------------------------------------------------------- verifying


@dataclass
class Verification:
    """Outcome of :func:`verify`: differences (a mismatch) and notes (informative)."""

    cells: int = 0
    differences: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.differences


def recompute(prov: dict, inputs, registry=None) -> pa.Table:
    """The result table ``compute`` gives on ``inputs`` with the options in ``prov``."""
    from cogind.api import compute

    opts = prov.get("options") or {}
    secret = (prov.get("secret") or {}).get("seuil") or False  # none recorded: raw figures
    return compute(inputs, prov.get("cog"), indicators=opts.get("indicateurs"),
                   period=prov.get("periode", "month"), years=prov.get("annees"),
                   as_of=prov.get("situation_au"), strict=bool(opts.get("strict")),
                   confidence=prov.get("niveau_confiance", 0.95),
                   consolidation=opts.get("consolidation", 3), secret=secret,
                   levels=opts.get("niveaux"), groupes=opts.get("groupes"), registry=registry,
                   caisses=opts.get("caisses"), libelles=bool(opts.get("libelles")))


def verify(results: str | Path | pa.Table, inputs, registry=None) -> Verification:
    """Recompute ``results`` from ``inputs`` with its recorded options and compare.

    :param results: a result file (Parquet, Arrow, JSON; CSV with its provenance sidecar) or
        a table carrying its provenance.
    :param inputs: what :func:`cogind.compute` accepts (folder, file, mapping).
    :returns: a :class:`Verification`; ``ok`` when inputs and every cell match.
    """
    from cogind.api import provenance

    table = results if isinstance(results, pa.Table) else read_results_table(results)
    prov = provenance(table)
    if not prov:
        raise InputError("the results carry no provenance (write them as .parquet, .arrow "
                         "or .json)")
    fresh = recompute(prov, inputs, registry)
    out = Verification()
    _compare_inputs(prov.get("entrees") or {}, provenance(fresh).get("entrees") or {}, out)
    _compare_versions(prov, provenance(fresh), out)
    _compare_cells(table, fresh, out)
    return out


def _compare_inputs(old: dict, new: dict, out: Verification) -> None:
    for name in sorted(set(old) | set(new)):
        a, b = old.get(name), new.get(name)
        if a is None or b is None:
            out.differences.append(f"table '{name}' {'absente' if b is None else 'en plus'} "
                                   "dans les entrées")
            continue
        if a.get("sha256") and b.get("sha256") and a["sha256"] != b["sha256"]:
            out.differences.append(f"table '{name}' : contenu différent (empreinte sha256)")
        if a.get("lignes") != b.get("lignes"):
            out.differences.append(f"table '{name}' : {a.get('lignes')} lignes enregistrées, "
                                   f"{b.get('lignes')} lues")


def _compare_versions(old: dict, new: dict, out: Verification) -> None:
    if old.get("version") != new.get("version"):
        out.notes.append(f"cogind {old.get('version')} → {new.get('version')}")
    before = {p["nom"]: p.get("version") for p in old.get("plugins") or []}
    for p in new.get("plugins") or []:
        if p["nom"] in before and before[p["nom"]] != p.get("version"):
            out.notes.append(f"plugin {p['nom']} {before[p['nom']]} → {p.get('version')}")


def _same(a, b) -> bool:
    if isinstance(a, float) and isinstance(b, float):
        return (math.isnan(a) and math.isnan(b)) or math.isclose(a, b, rel_tol=1e-9,
                                                                 abs_tol=1e-12)
    return a == b


def _compare_cells(old: pa.Table, new: pa.Table, out: Verification) -> None:
    cols = [c for c in new.column_names if c in old.column_names]
    before = {tuple(r.get(k) for k in KEY): r for r in old.select(cols).to_pylist()}
    after = {tuple(r.get(k) for k in KEY): r for r in new.select(cols).to_pylist()}
    out.cells = len(after)
    found = []
    for key in sorted(set(before) | set(after), key=lambda k: tuple(str(x) for x in k)):
        a, b = before.get(key), after.get(key)
        where = f"{key[0]} {key[3] or key[2]} {key[4]}"
        if a is None or b is None:
            state = "absente du fichier" if a is None else "en trop dans le fichier"
            found.append(f"{where} : cellule {state}")
            continue
        moved = [c for c in cols if not _same(a[c], b[c])]
        if moved:
            found.append(f"{where} : {', '.join(moved)} diffère(nt)")
    out.differences += found[:SHOWN]
    if len(found) > SHOWN:
        out.differences.append(f"… {len(found) - SHOWN} cellules différentes de plus")


def render_verification(v: Verification) -> str:
    """The outcome for the terminal."""
    lines = [f"note : {n}" for n in v.notes]
    if v.ok:
        lines.append(f"OK : les {v.cells} cellules et les entrées correspondent au recalcul")
    else:
        lines.append("DIFFÉRENCES avec le recalcul :")
        lines += [f"  {d}" for d in v.differences]
    return "\n".join(lines)
