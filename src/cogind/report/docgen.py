"""Markdown documentation of each COG, generated from the registry (``cogind docs OUT_DIR``).

One page per COG: a summary table of its indicators and targets, then for each indicator its
definition, computation (``measure.describe``), inputs, conventions, targets and sources.
Everything comes from the declarations, never from docstrings.
"""
from __future__ import annotations

from pathlib import Path

from cogind.errors import InputError
from cogind.model import Cog, CogIndicator, Indicator, Target
from cogind.registry import Registry
from cogind.report.describe import automatic_form_text

SENS = {"hausse": "plus haut = mieux", "baisse": "plus bas = mieux"}
KINDS = {"niveau": "niveau à atteindre", "minimum": "au moins", "maximum": "au plus",
         "intervalle": "dans l'intervalle", "evolution": "évolution en %",
         "a_determiner": "à déterminer"}


def _cell(text: str) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def _target_text(t: Target) -> str:
    if t.kind == "intervalle":
        how = f"entre {t.low:g} et {t.high:g}"
    elif t.kind == "evolution":
        how = f"{t.value:+g} % par rapport à {t.base_year}" if t.base_year else f"{t.value:+g} %"
    elif t.kind == "a_determiner":
        how = "pas de valeur"
    else:
        how = f"{KINDS[t.kind]} {t.value:g}"
    return f"« {t.label} » ({how})"


def _summary(registry: Registry, cog: Cog) -> list[str]:
    years = list(cog.years)
    head = ["n°", "code", "indicateur", "unité", "sens", *map(str, years)]
    out = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for e in cog.indicators:
        ind = registry.indicator(e.code)
        cells = [e.numero or ("suivi" if "suivi" in e.fiche else ""), f"[`{e.code}`](#{e.code.lower()})", e.libelle or ind.libelle,
                 ind.unit, SENS[ind.direction]]
        cells += [e.targets[y].label if y in e.targets else "—" for y in years]
        out.append("| " + " | ".join(_cell(c) for c in cells) + " |")
    return out


def _inputs(ind: Indicator) -> list[str]:
    scope = " et ".join(f"`{c}`" for c in ind.where) or "toutes les lignes"
    caisse = (f"`{ind.caisse_column}` ; une ligne sans caisse compte dans le national seul "
              "(mesure nationale)" if ind.caisse_missing == "national" else
              f"`{ind.caisse_column}` ; national = toutes les lignes, jamais une moyenne des "
              "caisses")
    return [f"- Table : `{ind.table}` ; champ : {scope}",
            f"- Période : mois de `{ind.period_column}` (trimestres et années : sommes des mois)",
            f"- Caisse : {caisse}",
            "- Colonnes lues : " + ", ".join(f"`{c}`" for c in ind.required_columns)]


def _sources(sources) -> list[str]:
    """One line per passage: a COG entry and its indicator often cite the same lines."""
    best: dict = {}
    for s in sources:
        key = (s.seed, s.lines)
        if key not in best or (s.quote and not best[key].quote):
            best[key] = s
    return [f"- {s}" + (f" : « {s.quote} »" if s.quote else "") for s in best.values()]


def _indicator_section(registry: Registry, cog: Cog, e: CogIndicator) -> list[str]:
    ind = registry.indicator(e.code)
    title = f"n° {e.numero} — " if e.numero else ""
    out = [f'<a id="{e.code.lower()}"></a>', "",
           f"### {title}{e.libelle or ind.libelle}", "",
           f"Code `{ind.code}` · unité : {ind.unit} · {SENS[ind.direction]}"
           + (f" · {e.fiche}" if e.fiche else ""), "",
           "**Définition.** " + ind.definition, "", "**Calcul.**", ""]
    out += [f"  - {line.strip()}" if line.startswith("  ") else f"- {line}"
            for line in ind.measure.describe(ind)]
    out += ["", "**Données.**", ""] + _inputs(ind)
    if ind.notes:
        out += ["", "**Conventions.** " + ind.notes]
    automatic = automatic_form_text(registry, ind)
    if automatic:
        out += ["", "**Forme automatique.** " + automatic[0].upper() + automatic[1:]]
    out += ["", "**Cibles.**", ""]
    out += [f"- {y} : {_target_text(e.targets[y])}" for y in sorted(e.targets)]
    missing = [str(y) for y in cog.years if y not in e.targets]
    if missing:
        out.append(f"- pas de cible en {', '.join(missing)}")
    others = [c for c in registry.cogs_using(e.code) if c.code != cog.code]
    if others:
        out.append("- aussi suivi par la COG " + ", ".join(c.code for c in others))
    out += ["", "**Sources.**", ""] + _sources(tuple(e.source) + tuple(ind.source))
    return out + [""]


def cog_markdown(registry: Registry, code: str) -> str:
    """The markdown page of COG ``code``."""
    cog = registry.cog(code)
    out = [f"# COG {cog.code} — {cog.libelle}", "",
           "<!-- Généré par `cogind docs` depuis les plugins : ne pas modifier à la main. -->", "",
           f"Années {cog.years[0]}-{cog.years[-1]} · {len(cog.indicators)} indicateurs."]
    if cog.source:
        out.append("Source : " + "; ".join(str(s) for s in cog.source) + ".")
    tables = sorted({registry.indicator(e.code).table for e in cog.indicators})
    out += ["", "Tables d'entrée : " + ", ".join(f"`{t}`" for t in tables) + ".", "",
            "## Indicateurs et cibles", ""]
    out += _summary(registry, cog)
    out += ["", "## Définitions", ""]
    for e in cog.indicators:
        out += _indicator_section(registry, cog, e)
    return "\n".join(out).rstrip() + "\n"


def write_docs(registry: Registry, out_dir: str | Path,
               cogs: tuple[str, ...] = ()) -> list[Path]:
    """Write ``cog-<code>.md`` for ``cogs`` (default: every COG) into ``out_dir``; return the
    paths written (each atomically)."""
    from cogind.io.publish import Publication

    out = Path(out_dir)
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise InputError(f"cannot write {out}: {exc.strerror or exc}") from None
    paths = [out / f"cog-{code}.md" for code in cogs or sorted(registry.cogs)]
    if not paths:
        return []
    # one publication (io/publish.py): every file whole, all renamed together or none, and a
    # full disk named in one line (issue 18)
    with Publication(paths[0]) as pub:
        for path in paths:
            text = cog_markdown(registry, path.stem[len("cog-"):])
            pub.stage(path, lambda p, text=text: p.write_text(text, encoding="utf-8"))
        pub.commit()
    return paths
