"""``cogind diff OLD NEW``: what moved between two result files, and which cells crossed a target.

Both files may be in any output format (Arrow, Parquet, CSV, JSON). Cells are matched on
(indicator, COG, level, caisse, period); a cell moved when its value changed by more than the
tolerance or appeared or vanished, and it crossed its target line when ``atteint`` flipped.
"""
from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from pathlib import Path

import pyarrow as pa

from cogind import formatting
from cogind.analyses.gaps import change_text, change_unit
from cogind.errors import ConfigError, InputError
from cogind.io.output import FORMATS, check_together

KEY = ("indicateur", "cog", "niveau", "caisse", "periode")
NEEDED = KEY + ("valeur", "statut")


@dataclass
class ResultFile:
    """A result file read back: its rows (dicts) and its as-of date, if recorded."""

    path: Path
    rows: list[dict]
    situation: str | None


@dataclass
class Diff:
    """Cells compared, and the changed ones as JSON-ready dicts."""

    compared: int = 0
    changes: list[dict] = field(default_factory=list)

    def summary(self) -> dict:
        kinds = [c["changement"] for c in self.changes]
        return {"cellules_comparees": self.compared,
                "valeurs_modifiees": sum(k == "valeur" for k in kinds),
                "statuts_modifies": sum(k == "statut" for k in kinds),
                "franchissements": sum(bool(c["franchissement"]) for c in self.changes),
                "nouvelles": kinds.count("nouvelle"), "disparues": kinds.count("disparue")}


# --------------------------------------------------------------------------- reading


def read_results(path: str | Path) -> ResultFile:
    """Read a result file written by ``cogind compute -o`` (format from the extension)."""
    path = Path(path)
    if not path.exists():
        raise InputError(f"no such file: {path}")
    fmt = FORMATS.get(path.suffix.lower())
    if fmt is None:
        raise ConfigError(f"cannot tell the format of {path.name} "
                          f"(use {', '.join(sorted(FORMATS))})")
    if fmt == "xlsx":
        from cogind.io.excel import NOT_READ_BACK

        raise InputError(NOT_READ_BACK.format(name=path.name))
    try:
        rows, meta = _read(path, fmt)
    except (pa.ArrowInvalid, json.JSONDecodeError, UnicodeDecodeError, KeyError, TypeError) as exc:
        raise InputError(f"cannot read results from {path.name}: {type(exc).__name__}") from None
    meta = check_together(path, meta)
    missing = [c for c in NEEDED if rows and c not in rows[0]]
    if missing:
        raise InputError(f"{path.name} is not a cogind result file (no column {missing[0]})")
    situation = (meta or {}).get("situation_au")
    if situation is None and rows:
        situation = rows[0].get("situation_au")
    return ResultFile(path, rows, situation)


def _read(path: Path, fmt: str) -> tuple[list[dict], dict | None]:
    if fmt == "json":
        doc = json.loads(path.read_text(encoding="utf-8"))
        return doc["resultats"], doc.get("provenance")
    if fmt == "csv":  # plain or French (--csv-fr)
        from cogind.engine.finalise import RESULT_SCHEMA
        from cogind.io.csv_fr import read_csv_table

        table = read_csv_table(path, {f.name: f.type for f in RESULT_SCHEMA})
    elif fmt == "parquet":
        import pyarrow.parquet as pq

        table = pq.read_table(path)
    else:
        import pyarrow.feather as feather

        table = feather.read_table(str(path))
    raw = (table.schema.metadata or {}).get(b"cogind")
    side = path.with_name(path.name + ".provenance.json")
    if raw is None and fmt == "csv" and side.is_file():
        raw = side.read_bytes()
    return table.to_pylist(), json.loads(raw) if raw else None


# --------------------------------------------------------------------------- comparing


def _key(row: dict) -> tuple:
    return tuple(row.get(k) or "" for k in KEY)


def _value(row: dict | None) -> float | None:
    v = None if row is None else row.get("valeur")
    return None if v is None or (isinstance(v, float) and math.isnan(v)) else float(v)


def _crossing(old: dict, new: dict) -> str | None:
    a, b = old.get("atteint"), new.get("atteint")
    if a is None or b is None or a == b:
        return None
    return "cible désormais atteinte" if b else "cible plus atteinte"


def diff_files(old: str | Path, new: str | Path, tolerance: float = 1e-9) -> Diff:
    """What moved between the result files ``old`` and ``new`` (:func:`compare` of both)."""
    return compare(read_results(old), read_results(new), tolerance)


def compare(old: ResultFile, new: ResultFile, tolerance: float = 1e-9) -> Diff:
    """Every cell whose value moved, whose status changed, or that appeared or vanished."""
    before = {_key(r): r for r in old.rows}
    after = {_key(r): r for r in new.rows}
    diff = Diff(compared=len(before.keys() & after.keys()))
    for key in sorted(before.keys() | after.keys()):
        a, b = before.get(key), after.get(key)
        va, vb = _value(a), _value(b)
        if a is None or b is None:
            kind = "nouvelle" if a is None else "disparue"
        elif (va is None) != (vb is None) or (va is not None and abs(vb - va) > tolerance):
            kind = "valeur"
        elif a.get("statut") != b.get("statut") or a.get("atteint") != b.get("atteint"):
            kind = "statut"
        else:
            continue
        row = b or a
        diff.changes.append({
            **{k: row.get(k) for k in KEY}, "unite": row.get("unite"), "changement": kind,
            "ancienne_valeur": va, "nouvelle_valeur": vb,
            "variation": None if va is None or vb is None else vb - va,
            "variation_unite": change_unit(row.get("unite")),
            "ancien_statut": a and a.get("statut"), "nouveau_statut": b and b.get("statut"),
            "cible": row.get("cible"),
            "franchissement": _crossing(a, b) if a is not None and b is not None else None})
    return diff


# --------------------------------------------------------------------------- rendering


def render_diff(old: ResultFile, new: ResultFile, diff: Diff, max_rows: int = 100) -> str:
    """A terminal table: crossings first, then the largest moves."""
    s = diff.summary()
    counts = map(formatting.count, (s["cellules_comparees"], s["valeurs_modifiees"],
                                    s["statuts_modifies"], s["franchissements"],
                                    s["nouvelles"], s["disparues"]))
    out = [f"{old.path.name} (situation au {old.situation or '–'}) → "
           f"{new.path.name} (situation au {new.situation or '–'})",
           ("{} cellules comparées : {} valeurs modifiées, {} statuts modifiés à valeur égale, "
            "{} franchissements de cible (parmi ces changements), {} nouvelles, {} disparues"
            ).format(*counts)]
    if not diff.changes:
        return "\n".join(out + ["Aucune différence."])
    order = sorted(diff.changes, key=lambda c: (c["franchissement"] is None,
                                                -abs(c["variation"] or 0.0)))
    header = ("indicateur", "niveau", "période", "avant", "après", "variation", "statut",
              "franchissement")
    lines = [_line(c) for c in order[:max_rows]]
    out += ["", formatting.table(header, lines, right=(3, 4, 5), wrap={6: 40})]
    if len(order) > max_rows:
        out.append(f"… {len(order) - max_rows} différences de plus (--json pour tout voir)")
    return "\n".join(out)


def _line(c: dict) -> tuple[str, ...]:
    unit = c["unite"] or ""
    delta = "–" if c["variation"] is None else change_text(c["variation"], unit)
    statut = (c["nouveau_statut"] or "–") if c["ancien_statut"] == c["nouveau_statut"] else (
        f"{c['ancien_statut'] or '–'} → {c['nouveau_statut'] or '–'}")
    return (c["indicateur"], c["caisse"] or "national", c["periode"],
            formatting.number(c["ancienne_valeur"], unit), formatting.number(c["nouvelle_valeur"], unit),
            delta, statut, c["franchissement"] or "")


def diff_json(old: ResultFile, new: ResultFile, diff: Diff) -> str:
    doc = {"ancien": {"fichier": str(old.path), "situation_au": old.situation},
           "nouveau": {"fichier": str(new.path), "situation_au": new.situation},
           "resume": diff.summary(), "differences": diff.changes}
    return json.dumps(doc, ensure_ascii=False, indent=1, default=str)
