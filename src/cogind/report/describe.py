"""Text renderings of the registry for ``cogind list``, ``describe``, ``cogs`` and ``plugins``.

Everything is rendered from the declarations, never from docstrings.
"""
from __future__ import annotations

import textwrap

from cogind import formatting
from cogind.model import Indicator
from cogind.plugins import describe_plugin
from cogind.registry import Registry
from cogind.report.listings import computed_forms, form_of

SENS = {"hausse": "plus haut = mieux", "baisse": "plus bas = mieux"}


def _wrap(text: str, indent: str = "  ") -> str:
    return textwrap.fill(text, 96, initial_indent=indent, subsequent_indent=indent)


def _fact(text: str) -> str:
    """A « Clé : valeur » line wrapped at 96 columns, continued two spaces in; codes and column
    names are never split."""
    return textwrap.fill(text, 96, subsequent_indent="  ", break_long_words=False,
                         break_on_hyphens=False)


def indicator_text(registry: Registry, code: str) -> str:
    # the engine and its numba kernels only for describe: `cogind list` stays light
    from cogind.engine.core import ENGINE_REASONS
    from cogind.engine.judgement import rule_text

    ind: Indicator = registry.indicator(code)
    out = [f"{ind.code} — {ind.libelle}", "", "Définition :", _wrap(ind.definition), "",
           "Calcul :"]
    out += [_wrap(line) for line in ind.measure.describe(ind)]
    out += ["", *map(_fact, [
            f"Table : {ind.table}   Unité : {ind.unit}   Sens : {SENS[ind.direction]}",
            f"Période : mois de {ind.period_column} ({_longer_periods(ind.measure)})",
            "Jours et mois civils : horodatages avec fuseau lus à l'heure du fuseau déclaré "
            "(--timezone, défaut Europe/Paris ; --timezone caisse : celui de chaque caisse, "
            "971 America/Guadeloupe, 972 America/Martinique, 973 America/Cayenne, "
            "974 Indian/Reunion, 976 Indian/Mayotte, Europe/Paris sinon) ; "
            "dates et horodatages sans fuseau lus tels quels ; "
            "dates hors 1900-2199 lues comme manquantes (exclusion comptée)",
            f"Caisse : {ind.caisse_column} ; national = calcul sur l'ensemble des lignes, "
            "jamais une moyenne des caisses",
            "Champ : " + (" et ".join(str(c) for c in ind.where) or "toutes les lignes"),
            "Colonnes requises : " + ", ".join(ind.required_columns),
            "Niveaux : caisse, région, groupe de caisses (--groupes), national — chacun calculé "
            "sur les états fusionnés de ses caisses ; périodes : mois, trimestre, année, 12 mois "
            "glissants, cumul annuel, toute la COG",
            "Standardisation : " + ("directe, voir le calcul ci-dessus"
                                    if getattr(ind.measure, "statistic", "") == "standardise"
                                    else "non (valeur brute)"),
            "Exclusions comptées par motif : " + ", ".join(
                list(ind.measure.kernel().reasons) + list(ENGINE_REASONS)
                + ["date_periode_manquante"])])]
    if ind.notes:
        out += ["", "Conventions :", _wrap(ind.notes)]
    text = automatic_form_text(registry, ind)
    out += ["", "Forme automatique :", _wrap(text)] if text else []
    out += ["", "Sources :"]
    for s in ind.source:
        out.append(f"  {s}" + (f" : « {s.quote} »" if s.quote else ""))
    cogs = registry.cogs_using(code)
    if cogs:
        rule = rule_text(ind.measure).capitalize()
        out += ["", "Cibles :", _wrap(f"{rule} (docs/periodes.md).")]
        for cog in cogs:
            entry = cog.entry(code)
            targets = ", ".join(f"{y} : {_target(entry.targets[y], ind.unit)}"
                                for y in sorted(entry.targets))
            num = f" n° {entry.numero}" if entry.numero else ""
            fiche = f" ({entry.fiche})" if entry.fiche else ""
            out.append(_wrap(f"COG {cog.code}{num}{fiche} — {targets}"))
            if entry.source:
                out.append("    source : " + "; ".join(str(s) for s in entry.source))
    owner = registry.owner.get(("indicateur", code))
    if owner:
        out += ["", f"Déclaré par : {describe_plugin(owner)}"]
    return "\n".join(out)


def automatic_form_text(registry: Registry, ind: Indicator) -> str:
    """The automatic computed/reported form (issue 21 § 1), for either of the two codes."""
    computed = computed_forms(registry).get(ind.code)
    reported = getattr(ind.measure, "reported", "")
    if computed:
        text = (f"calculé des remboursements ({computed}) par caisse et période où ce calcul a "
                "une valeur, sinon le chiffre déclaré de la caisse ; régions et national : la "
                "forme de toutes leurs caisses, ou « mixte » (somme des caisses, taux pondérés "
                "par leur population) ; details dit la forme de chaque ligne "
                "(docs/beneficiaires.md).")
    elif reported:
        text = (f"forme calculée de {reported} : demander {reported} donne ce calcul par caisse "
                "où il a une valeur, le chiffre déclaré ailleurs (docs/beneficiaires.md).")
    else:
        return ""
    return text


def _longer_periods(measure) -> str:
    """How a quarter or a year is made from the months of ``measure``."""
    if getattr(measure, "multi_period", False):  # distinct counts: no sum of months
        return "trimestres et années : chacun compté une fois sur la période, pas une somme des mois"
    return "trimestres et années : sommes des mois"


def _target(target, unit: str) -> str:
    """The COG's wording, a bare number in French (« 6600000 » → « 6 600 000 », issue 23)."""
    return formatting.target(target.label, target.value, unit)


def _form_text(registry: Registry, code: str, forms: dict[str, str]) -> str:
    f = form_of(registry, code, forms)
    return f["forme_libelle"] + (f" ({f['forme_calculee']})" if f["forme_calculee"] else "")


def list_text(registry: Registry, cog_code: str | None) -> str:
    forms = computed_forms(registry)
    if cog_code:
        cog = registry.cog(cog_code)
        out = [f"COG {cog.code} — {cog.libelle} ({len(cog.indicators)} indicateurs)", ""]
        numbers = [f"n° {e.numero}" if e.numero else "" for e in cog.indicators]
        first = max(map(len, numbers), default=0)  # columns aligned
        width = max((len(e.code) for e in cog.indicators), default=0)
        for e, number in zip(cog.indicators, numbers):
            ind = registry.indicator(e.code)
            out.append(f"{number:{first}} {e.code:{width}} "
                       f"{ind.unit:7} {SENS[ind.direction]}")
            out.append(_wrap(e.libelle or ind.libelle, "         "))
            out.append(_wrap("cibles : " + ", ".join(
                f"{y} {_target(e.targets[y], ind.unit)}" for y in sorted(e.targets)),
                "         "))
            out.append(_wrap("forme : " + _form_text(registry, e.code, forms), "         "))
        return "\n".join(out)
    out = []
    width = max((len(code) for code in registry.indicators), default=0)  # columns aligned
    tables = max((len(ind.table) for ind in registry.indicators.values()), default=0)
    for code, ind in sorted(registry.indicators.items()):
        cogs = ", ".join(c.code for c in registry.cogs_using(code)) or "aucune COG"
        out.append(f"{code:{width}} {ind.unit:7} {SENS[ind.direction]:18} {ind.table:{tables}} "
                   f"{cogs}")
        out.append(_wrap(ind.libelle, "    "))
        out.append(_wrap("forme : " + _form_text(registry, code, forms), "    "))
    return "\n".join(out)


def cogs_text(registry: Registry) -> str:
    out = []
    for code, cog in sorted(registry.cogs.items()):
        out.append(f"{code}  {cog.libelle}  années {cog.years[0]}-{cog.years[-1]}  "
                   f"{len(cog.indicators)} indicateurs")
    return "\n".join(out)


def plugins_text(registry: Registry) -> str:
    out = []
    for info in registry.plugins:
        state = f"CASSÉ : {info.error}" if info.error else ", ".join(info.hooks)
        out.append(f"{info.name:26} {info.distribution} {info.version:8} {state}")
        if info.registered:
            out.append(_wrap(", ".join(info.registered), "    "))
    return "\n".join(out)
