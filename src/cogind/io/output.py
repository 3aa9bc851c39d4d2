"""Result tables out: files chosen by extension, written atomically, or a terminal table."""
from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.feather as feather
import pyarrow.parquet as pq

from cogind.errors import ConfigError, InputError

FORMATS = {".arrow": "ipc", ".feather": "ipc", ".ipc": "ipc", ".parquet": "parquet",
           ".csv": "csv", ".json": "json"}


def _write(table: pa.Table, path: Path, fmt: str) -> None:
    if fmt == "ipc":
        feather.write_feather(table, str(path), compression="uncompressed")
    elif fmt == "parquet":
        pq.write_table(table, str(path), compression="zstd")
    elif fmt == "csv":
        pacsv.write_csv(table, str(path))
    else:
        meta = (table.schema.metadata or {}).get(b"cogind")
        doc = {"provenance": json.loads(meta) if meta else None,
               "resultats": table.to_pylist()}
        path.write_text(json.dumps(doc, ensure_ascii=False, indent=1, default=str),
                        encoding="utf-8")


def write_table(table: pa.Table, path: str | Path) -> Path:
    """Write ``table`` to ``path`` (format from the extension) through a temporary file.

    The file appears whole or not at all: a failure leaves no partial output.
    """
    path = Path(path)
    fmt = FORMATS.get(path.suffix.lower())
    if fmt is None:
        raise ConfigError(f"cannot tell the output format of {path.name} "
                          f"(use {', '.join(sorted(FORMATS))})")
    folder = path.parent if str(path.parent) else Path(".")
    if not folder.is_dir():
        raise InputError(f"output folder {folder} does not exist")
    if fmt == "csv":  # CSV holds no metadata: the provenance goes in a sidecar JSON file
        meta = (table.schema.metadata or {}).get(b"cogind")
        if meta:
            side = path.with_name(path.name + ".provenance.json")
            _atomic(folder, side, lambda p: p.write_bytes(meta))
    _atomic(folder, path, lambda p: _write(table, p, fmt))
    return path


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def _atomic(folder: Path, path: Path, write) -> None:
    """Run ``write(temporary path)`` then rename: the file appears whole or not at all."""
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=folder)
    os.close(fd)
    try:
        write(Path(tmp))
        os.chmod(tmp, 0o666 & ~_umask())  # mkstemp makes it private; results are shared
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def fmt_number(value, unit: str = "") -> str:
    """French formatting: decimal comma, thin grouping, unit suffix (j, h, %, €)."""
    if value is None:
        return "–"
    digits = 0 if unit in ("nombre", "euros") else 1
    text = f"{value:,.{digits}f}".replace(",", "\u202f").replace(".", ",")
    suffix = {"jours": " j", "heures": " h", "%": " %", "euros": " €"}.get(unit, "")
    return text + suffix


def render(table: pa.Table, max_rows: int = 200) -> str:
    """A readable fixed-width table of results for the terminal."""
    rows = table.to_pylist()
    header = ("indicateur", "niveau", "période", "valeur", "IC", "cible", "écart (cas)",
              "statut")
    lines = []
    for r in rows[:max_rows]:
        level = r.get("niveau") or "caisse"
        where = ("national" if level == "national" else r["caisse"] or "?") if level in (
            "national", "caisse") else f"{level} {r['caisse']}"
        cible = r["cible_libelle"] or "–"
        statut = r["statut"] + (f" ({r['motif']})" if r["motif"] else "")
        periode = r["periode"] + (" (provisoire)" if r.get("provisoire") else "")
        lines.append((r["indicateur"], where, periode, fmt_number(r["valeur"], r["unite"]),
                      _interval(r), _short(cible, 24), _cases(r), _short(statut, 60)))
    widths = [max([len(h)] + [len(x[i]) for x in lines]) for i, h in enumerate(header)]
    out = ["  ".join(h.ljust(w) for h, w in zip(header, widths)),
           "  ".join("-" * w for w in widths)]
    out += ["  ".join(c.ljust(w) for c, w in zip(line, widths)) for line in lines]
    if len(rows) > max_rows:
        out.append(f"… {len(rows) - max_rows} lignes de plus (écrire dans un fichier avec -o)")
    return "\n".join(out)


def _short(text: str, width: int) -> str:
    """A cell cut to ``width`` characters for the terminal (files keep the whole text)."""
    return text if len(text) <= width else text[:width - 1] + "…"


def _interval(r: dict) -> str:
    low, high = r.get("ic_bas"), r.get("ic_haut")
    if low is None and high is None:
        return "–"
    unit = r["unite"]
    return f"[{fmt_number(low, unit)} ; {'…' if high is None else fmt_number(high, unit)}]"


def _cases(r: dict) -> str:
    cases, unit = r.get("ecart_cas"), r.get("ecart_cas_unite")
    if cases is None:
        return "–"
    if unit == "cas":
        return fmt_number(cases, "nombre") + " cas"
    return fmt_number(cases, unit)
