"""``cogind validate``: every input table checked against its schema, column by column."""
from __future__ import annotations

from cogind.errors import CogindError
from cogind.io.duplicates import report_line
from cogind.io.readers import _accepts, open_inputs
from cogind.registry import Registry


def _needed(registry: Registry, cog: str | None) -> dict[str, dict[str, list[str]]]:
    codes = ([e.code for e in registry.cog(cog).indicators] if cog else list(registry.indicators))
    out: dict[str, dict[str, list[str]]] = {}
    for code in codes:
        ind = registry.indicator(code)
        for col in ind.required_columns:
            out.setdefault(ind.table, {}).setdefault(col, []).append(code)
    return out


def validate_source(source, registry: Registry, cog: str | None = None) -> tuple[str, bool]:
    """(report, ok): types of present columns, columns missing for indicators, a full read."""
    needed = _needed(registry, cog)
    inputs = open_inputs(source, registry.tables)
    lines, ok = [], True
    for name, tin in sorted(inputs.items()):
        spec = registry.table(name)
        lines.append(f"table '{name}' ({tin.origin})")
        present = []
        for f in tin.schema:
            expected = spec.field_type(f.name)
            if expected is None:
                lines.append(f"  colonne '{f.name}' : inconnue du schéma, ignorée")
            elif not _accepts(expected, f.type):
                ok = False
                lines.append(f"  ERREUR colonne '{f.name}' : attendu {expected}, trouvé {f.type}")
            else:
                present.append(f.name)
        for col, users in sorted(needed.get(name, {}).items()):
            if tin.schema.get_field_index(col) < 0:
                sev = "ERREUR" if cog else "manque"
                ok = ok and not cog
                lines.append(f"  {sev} colonne '{col}' absente : {', '.join(sorted(users))} "
                             "non calculable(s)")
        try:
            rows, nulls = 0, dict.fromkeys(present, 0)
            for batch in tin.batches(present):
                rows += batch.num_rows
                for col in present:
                    nulls[col] += batch.column(col).null_count
        except CogindError as exc:
            ok = False
            lines.append(f"  ERREUR lecture : {exc}")
            continue
        lines.append(f"  {rows} lignes ; colonnes avec valeurs manquantes : " + (", ".join(
            f"{c} ({n})" for c, n in nulls.items() if n) or "aucune"))
        dup_line = report_line(tin, spec)
        if dup_line:
            lines.append(dup_line)
    for name in sorted(set(needed) - set(inputs)):
        lines.append(f"table '{name}' absente : {len({c for u in needed[name].values() for c in u})}"
                     " indicateur(s) non calculable(s)")
    lines.append("OK" if ok else "ÉCHEC")
    return "\n".join(lines), ok
