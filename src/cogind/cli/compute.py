"""``cogind compute``: the indicators of a COG on a folder, a file or the sample."""
from __future__ import annotations

from pathlib import Path

import click

from cogind.cli.common import (COG_OR_NONE, INDICATOR, JSON_OPTION, LEVEL_CHOICES, PERIODS,
                               SECRET_DEFAULT, TIMEZONE_OPTION, check_month, echo_json,
                               output_path, registry_of, sample_path, years_option)


def _caisses(ctx, param, value):
    """Each ``--caisse`` must have the form the schemas give ORG_CLE_NUM (``01C751``)."""
    import re

    if not value or ctx.resilient_parsing:
        return value
    spec = registry_of(ctx).table("prestations").fields.get("ORG_CLE_NUM") or {}
    pattern = (spec.get("constraints") or {}).get("pattern")
    bad = [c for c in value if pattern and re.fullmatch(pattern, c) is None]
    if bad:
        raise click.BadParameter(f"code de caisse attendu sous la forme 01C751, reçu '{bad[0]}'",
                                 ctx, param)
    return value


def _csv_fr(ctx, param, value):
    ctx.meta["cogind.csv_fr"] = value  # read by the body: no parameter to add to compute()
    return value


def _wide(table, output: Path | None):
    """The caisse × indicator sheet of an .xlsx output (caisse and national rows)."""
    if output is None or output.suffix.lower() != ".xlsx":
        return None
    import pyarrow as pa
    import pyarrow.compute as pc

    from cogind.analyses.pivot import pivot_wide

    return pivot_wide(table.filter(pc.is_in(table["niveau"], pa.array(["caisse", "national"]))))


@click.command()
@click.argument("source", required=False, type=click.Path(path_type=Path))
@click.option("--sample", is_flag=True, help="Calculer sur le jeu d'exemple livré avec cogind.")
@click.option("--cog", default="2023-2027", show_default=True, **COG_OR_NONE,
              help="COG dont prendre les indicateurs et les cibles ('none' : aucune COG, tous "
                   "les indicateurs).")
@years_option("Année à restituer, ou plage AAAA-AAAA (répétable ; par défaut : les années de "
              "la COG présentes dans les données).")
@click.option("--level", "levels", type=click.Choice(LEVEL_CHOICES), multiple=True,
              help="Niveau à restituer (répétable ; par défaut caisse et national) : region "
                   "d'après le référentiel des caisses, groupe d'après --groupes ; tous à partir "
                   "des états fusionnés des caisses.")
@click.option("--groupes", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              default=None, help="CSV caisse;groupe pour le niveau 'groupe' (DCGDR, "
                                 "mutualisation…).")
@click.option("--cpg", type=click.Path(exists=True, dir_okay=False, path_type=Path), default=None,
              help="Contrats des caisses (schemas/cpg.json) : ajoute aux lignes caisse le socle, "
                   "l'objectif et la position face à chacun (docs/pilotage.md).")
@click.option("--period", type=click.Choice(sorted(PERIODS)), multiple=True,
              help="Période de chaque valeur [défaut : month ; year avec --sample].")
@click.option("--indicator", "indicators", multiple=True, metavar="CODE",
              **INDICATOR, help="Seulement cet indicateur (répétable).")
@click.option("--caisse", "caisse_codes", multiple=True, metavar="CODE", callback=_caisses,
              help="Seulement cette caisse au niveau caisse, p. ex. 01C751 (répétable) ; les "
                   "niveaux au-dessus restent calculés sur toutes les caisses.")
@click.option("--libelles", is_flag=True, help="Ajouter aux résultats écrits les colonnes "
              "caisse_libelle et region_libelle (le terminal montre toujours les noms).")
@click.option("-o", "--output", type=click.Path(path_type=Path), callback=output_path(),
              help="Écrire les résultats dans un fichier .arrow, .parquet, .csv, .json ou .xlsx "
                   "(atomiquement).")
@click.option("--csv-fr", is_flag=True, expose_value=False, callback=_csv_fr,
              help="Avec -o FICHIER.csv : le CSV d'Excel en français (séparateur ;, virgule "
                   "décimale, dates JJ/MM/AAAA, UTF-8 avec BOM), que cogind relit (docs/excel.md).")
@click.option("--caisses/--no-caisses", default=False,
              help="Au terminal, montrer aussi chaque caisse (les fichiers ont toujours toutes "
                   "les lignes) ; régions, groupes et national sont toujours montrés.")
@click.option("--strict", is_flag=True, help="Échouer si une ligne est exclue, au lieu de la "
              "compter, ou si une colonne ou une table nécessaire manque, est mal typée ou vide.")
@click.option("--threads", type=click.IntRange(1, 256), default=None,
              help="Fils de calcul (par défaut : jusqu'à 4).")
@click.option("--as-of", "as_of", metavar="AAAA-MM", default=None, callback=check_month,
              help="N'utiliser que les lignes disponibles à la fin de ce mois (prestations : "
                   "FLX_DIS_DTD).")
@click.option("--confidence", type=click.FloatRange(0, 1, min_open=True, max_open=True),
              default=0.95, show_default=True,
              help="Niveau des intervalles de confiance qui disent si un écart est significatif.")
@click.option("--consolidation", type=click.IntRange(0, 120), default=3, show_default=True,
              metavar="MOIS", help="Mois après la fin d'un mois avant que ses chiffres de "
              "prestations soient consolidés (colonne provisoire).")
@click.option("--spread", is_flag=True, help="Aussi la dispersion entre caisses : écrite à côté "
              "de la sortie sous NOM.dispersion.EXT, ou affichée.")
@click.option("--secret", type=click.IntRange(2, 10_000), default=SECRET_DEFAULT, show_default=True,
              metavar="N", help="Secret statistique : masquer les valeurs de caisse calculées "
              "sur moins de N individus (et une de plus si nécessaire).")
@click.option("--no-secret", is_flag=True, help="Ne pas masquer les petites valeurs de caisse.")
@click.option("--progress/--quiet", "progress", default=None,
              help="Afficher sur stderr lignes lues, lots et temps écoulé (par défaut : sur un "
                   "terminal).")
@click.option("--engine", type=click.Choice(["local", "dask"]), default="local",
              show_default=True, help="Où les tables sont lues et réduites : ici, ou sur un "
              "cluster Dask (extra cogind[dask], docs/dask.md).")
@click.option("--scheduler", metavar="ADRESSE", default=None,
              help="Avec --engine dask : l'ordonnanceur, p. ex. tcp://hote:8786 (par défaut : "
                   "un cluster local lancé pour le calcul).")
@click.option("--doublons", type=click.Choice(["compter", "exclure", "ignorer"]),
              default="compter", show_default=True, help="Lignes partageant la clé de leur "
              "table (primaryKey des schémas) : les compter et tout garder, ne garder que la "
              "première (les autres : exclusion 'doublon'), ou ne pas vérifier.")
@TIMEZONE_OPTION
@click.option("--states", "states", type=click.Path(file_okay=False, path_type=Path),
              default=None, metavar="DOSSIER",
              help="Dossier d'états partiels par fichier : un fichier inchangé depuis le calcul "
                   "précédent n'est pas relu, mêmes résultats (docs/etats.md).")
@JSON_OPTION
@click.pass_context
def compute(ctx, source, sample, cog, years, period, indicators, output, caisses, strict, threads,
            as_of, confidence, consolidation, progress, spread, secret, no_secret, engine,
            scheduler, levels, groupes, cpg, doublons, timezone, caisse_codes=(), libelles=False,
            as_json=False, states=None):
    """Calculer les indicateurs d'une COG sur SOURCE (un dossier ou un fichier de tables Arrow,
    Parquet ou CSV nommées prestations, ij, contacts, dossiers…)."""
    from cogind.api import compute as run, provenance
    from cogind.analyses.statuses import render_results
    from cogind.formatting import count
    from cogind.io.output import write_tables

    if sample == (source is not None):
        raise click.UsageError("donner un dossier ou fichier SOURCE, ou --sample (pas les deux)")
    if as_json and output is not None:
        raise click.UsageError("--json écrit sur la sortie standard : pas avec -o")
    if ctx.meta.get("cogind.csv_fr") and (output is None or output.suffix.lower() != ".csv"):
        raise click.UsageError("--csv-fr s'emploie avec -o FICHIER.csv")
    registry = registry_of(ctx)
    table = run(sample_path() if sample else source, None if cog == "none" else cog,
                indicators=indicators or None,
                period=[PERIODS[p] for p in period] or ("year" if sample else "month"),
                years=years or None,
                strict=strict, registry=registry, threads=threads, as_of=as_of,
                progress=progress, confidence=confidence, consolidation=consolidation,
                secret=False if no_secret else secret, engine=engine, scheduler=scheduler,
                levels=levels or None, groupes=groupes, cpg=cpg, doublons=doublons,
                timezone=timezone, caisses=caisse_codes or None, libelles=libelles,
                states=states)
    meta = provenance(table)
    from cogind.io.computable import summary

    for gap in meta.get("entrees_manquantes", []):
        click.echo(f"Attention : {summary(gap['motif'], gap['indicateurs'])}", err=True)
    present = set(table["caisse"].to_pylist()) if caisse_codes else set()
    for code in caisse_codes:
        if code not in present:
            click.echo(f"Attention : caisse {code} absente des résultats", err=True)
    for name, found in meta.get("doublons", {}).items():
        if found.get("lignes"):
            how = ("exclues (motif doublon)" if found["traitement"] == "exclues"
                   else "comptées comme les autres (--doublons exclure pour les écarter)")
            lignes = count(found["lignes"], "lignes")
            click.echo(f"Attention : table {name} : {lignes} en double sur la clé "
                       f"({', '.join(found['cle'])}), {how}", err=True)
        elif found.get("non_controle") and doublons == "exclure":  # asked for, not possible
            click.echo(f"Attention : table {name} : doublons non écartés "
                       f"({found['non_controle']})", err=True)
    for name, entry in meta.get("entrees", {}).items():  # --states (docs/etats.md)
        if "etats" in entry:
            e = entry["etats"]
            why = f" ({e['raison']})" if e.get("raison") else ""
            click.echo(f"États : table {name} : {e['reutilises']} fichier(s) repris, "
                       f"{e['recalcules']} lu(s){why}", err=True)
    for code, counts in meta.get("exclusions_hors_periode", {}).items():
        n = sum(counts.values())
        click.echo(f"Attention : {code} : {n} lignes sans date de période, exclues", err=True)
    if table.num_rows == 0 and meta.get("annees"):
        years = meta["annees"]
        click.echo(f"Attention : aucun résultat : les données n'ont aucune période dans les années "
                   f"demandées ({years[0]}-{years[-1]})", err=True)
    if output:
        items = [(table, output)]
        if spread:  # one publication: the dispersion renamed first, recorded by the results
            from cogind.analyses.spread import dispersion, spread_path

            items.append((dispersion(table), spread_path(output)))
        written = write_tables(items, csv_fr=bool(ctx.meta.get("cogind.csv_fr")),
                               wide=_wide(table, output))
        from cogind.formatting import count

        click.echo(f"{count(table.num_rows, 'lignes')} écrites dans {output}", err=True)
        if spread:
            click.echo(f"dispersion écrite dans {written[1]}", err=True)
        return
    if as_json:  # every row, as a file would hold them, and the provenance (docs/cli.md)
        _echo_json(table, meta, spread)
        return
    import pyarrow.compute as pc

    from cogind.engine.levels import with_labels

    shown = table if caisses or caisse_codes else table.filter(
        pc.not_equal(table["niveau"], "caisse"))
    click.echo(render_results(with_labels(shown)))
    if spread:
        from cogind.analyses.spread import dispersion, render_spread

        click.echo(render_spread(dispersion(table)))


def _echo_json(table, meta: dict, spread: bool) -> None:
    from cogind.report.listings import table_document

    doc = table_document(table, provenance=meta)
    if spread:
        from cogind.analyses.spread import dispersion

        doc["dispersion"] = table_document(dispersion(table))
    echo_json(doc)
