"""``cogind validate``: every input table checked against its schema, column by column."""
from __future__ import annotations

import dataclasses

from cogind.errors import CogindError
from cogind.formatting import count
from cogind.io.constraints import ConstraintCounts
from cogind.io.duplicates import report_line
from cogind.io.computable import ABSENT, by_input, computable
from cogind.io.csv_fr import SEPARATORS
from cogind.io.padding import padded_count, unpadded
from cogind.io.readers import _accepts, open_inputs
from cogind.io.timezones import BY_CAISSE, DEFAULT_TIMEZONE, check_timezone
from cogind.registry import Registry


def _zone_words(timezone: str) -> str:
    if timezone == BY_CAISSE:
        return "à l'heure de chaque caisse (outre-mer : la sienne, sinon Europe/Paris)"
    return f"à l'heure de {timezone}"


def _needed(registry: Registry, cog: str | None) -> dict[str, dict[str, list[str]]]:
    codes = ([e.code for e in registry.cog(cog).indicators] if cog else list(registry.indicators))
    out: dict[str, dict[str, list[str]]] = {}
    for code in codes:
        ind = registry.indicator(code)
        for col in ind.required_columns:
            out.setdefault(ind.table, {}).setdefault(col, []).append(code)
    return out


def validate_source(source, registry: Registry, cog: str | None = None,
                    strict: bool = False, timezone: str = DEFAULT_TIMEZONE) -> tuple[str, bool]:
    """(report, ok): types of present columns, a full read, then the indicators ``compute``
    will report non calculable and why (:func:`cogind.io.computable.computable`, the same
    decision); under ``strict`` those fail as ``compute --strict`` does."""
    text, ok, _ = validate_report(source, registry, cog, strict, timezone)
    return text, ok


def verdict(ok: bool, failing: int) -> str:
    """The last line: « OK » only when no value fails the schema's constraints."""
    if not ok:
        return "ÉCHEC"
    if failing:
        return (f"OK avec réserves : {count(failing)} valeur(s) hors des contraintes du schéma "
                "(exclues ou signalées par compute ; --strict : ÉCHEC)")
    return "OK"


def validate_report(source, registry: Registry, cog: str | None = None,
                    strict: bool = False, timezone: str = DEFAULT_TIMEZONE
                    ) -> tuple[str, bool, dict]:
    """(report, ok, document): :func:`validate_source` and the same facts as the JSON-ready
    document of ``validate --json`` (docs/cli.md): ``ok``, ``tables`` (per table: origine,
    lignes, colonnes_inconnues, erreurs, valeurs_manquantes, messages: the report's lines),
    ``non_calculables`` (motif, type, table, colonne, indicateurs, erreur). ``timezone`` is
    compute's (:func:`cogind.io.timezones.check_timezone`): the zone calendar days are read in."""
    timezone = check_timezone(timezone)
    needed = _needed(registry, cog)
    inputs = open_inputs(source, registry.tables)
    for tin in inputs.values():
        tin.timezone = timezone
    lines, ok, counts, failing = [], True, {}, 0
    doc: dict = {"ok": True, "tables": [], "non_calculables": []}
    starts = []
    for name, tin in sorted(inputs.items()):
        spec = registry.table(name)
        starts.append(len(lines))
        entry = {"table": name, "origine": tin.origin, "lignes": None, "colonnes_inconnues": [],
                 "erreurs": [], "valeurs_manquantes": {}, "messages": []}
        doc["tables"].append(entry)
        lines.append(f"table '{name}' ({tin.origin})")
        if tin.csv_dialect is not None:  # separator, encoding, decimal marks, date formats
            lines += [f"  {line}" for line in tin.csv_dialect.lines()]
            entry["csv"] = tin.csv_dialect.describe()
        elif tin.csv_separator is not None:
            lines.append(f"  séparateur CSV : {SEPARATORS[tin.csv_separator]} (lu sur la ligne "
                         "d'en-tête)")
        if tin.stored:  # named as the schema's but for case or spaces (cogind.io.names)
            entry["colonnes_renommees"] = {v: k for k, v in tin.stored.items()}
            lines.append("  colonnes lues sous le nom du schéma (même nom, autre casse) : " +
                         ", ".join(f"'{v}' → {k}" for k, v in tin.stored.items()))
        if tin.zoned:
            lines.append(f"  horodatages avec fuseau ({', '.join(tin.zoned)}) : jours et mois "
                         f"civils lus {_zone_words(tin.timezone)}")
        present = []
        for f in tin.schema:
            expected = spec.field_type(f.name)
            if expected is None:
                entry["colonnes_inconnues"].append(f.name)
                lines.append(f"  colonne '{f.name}' : inconnue du schéma, ignorée")
            elif not _accepts(expected, f.type):
                ok = False
                entry["erreurs"].append({"colonne": f.name, "attendu": expected,
                                         "trouve": str(f.type)})
                lines.append(f"  ERREUR colonne '{f.name}' : attendu {expected}, trouvé {f.type}")
            else:
                present.append(f.name)
        try:
            rows, nulls = 0, dict.fromkeys(present, 0)
            checked = ConstraintCounts(spec, present)
            pads = dict.fromkeys(tin.codes, 0)  # read as written, counted, then as compute does
            for batch in dataclasses.replace(tin, codes=()).batches(present):
                for col in pads:
                    pads[col] += padded_count(batch.column(col)) if col in present else 0
                batch = unpadded(batch, tin.codes)
                rows += batch.num_rows
                checked.update(batch)
                for col in present:
                    nulls[col] += batch.column(col).null_count
        except CogindError as exc:
            ok = False
            entry["erreurs"].append({"lecture": str(exc)})
            lines.append(f"  ERREUR lecture : {exc}")
            continue
        counts[name] = entry["lignes"] = rows
        entry["valeurs_manquantes"] = {c: n for c, n in nulls.items() if n}
        lines.append(f"  {count(rows, 'lignes')} ; colonnes avec valeurs manquantes : " + (
            ", ".join(f"{c} ({count(n)})" for c, n in nulls.items() if n) or "aucune"))
        if any(pads.values()):  # SAS's padding (cogind.io.padding)
            entry["codes_entoures_de_blancs"] = {c: n for c, n in pads.items() if n}
            lines.append("  codes entourés de blancs, lus sans eux (comme SAS les compare) : "
                         + ", ".join(f"{c} ({count(n)})" for c, n in pads.items() if n))
        lines += checked.lines(name)
        failing += checked.failing  # as compute: excluded or reported, an error under --strict
        entry["hors_contraintes"] = checked.by_column()
        ok = ok and not (strict and checked.failing)
        dup_line = report_line(tin, spec)
        if dup_line:
            lines.append(dup_line)
    codes = list(dict.fromkeys(c for cols in needed.values() for us in cols.values() for c in us))
    gaps = computable(registry, [registry.indicator(c) for c in codes], inputs, counts)
    for gap, users in by_input(gaps).items():
        fatal = strict and gap.kind != ABSENT  # as compute: a COG table not given is no error
        ok = ok and not fatal
        doc["non_calculables"].append({"motif": gap.motif, "type": gap.kind, "table": gap.table,
                                       "colonne": gap.column, "indicateurs": list(users),
                                       "erreur": fatal})
        lines.append(f"{'ERREUR' if fatal else 'non calculable'} : {gap.motif} : "
                     f"{len(users)} indicateur(s) ({', '.join(users)})")
    for entry, start, end in zip(doc["tables"], starts, starts[1:] + [len(lines)]):
        entry["messages"] = [line.strip() for line in lines[start + 1:end]
                             if line.startswith("  ")]
    doc["ok"] = ok
    lines.append(verdict(ok, failing))
    return "\n".join(lines), ok, doc
