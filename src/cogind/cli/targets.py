"""``cogind targets``: caisse targets (CPG) derived from the network, and the composite."""
from __future__ import annotations

from pathlib import Path

import click

from cogind.cli.common import (COG_OR_NONE, INDICATOR, JSON_OPTION, PERIODS, echo_json,
                               load_results, output_path, years_option)


@click.group("targets")
def targets_command():
    """Cibles des caisses (CPG) : proposer une table CPG d'après la distribution du réseau,
    indicateur composite."""


def _load(ctx, source, sample, cog, period, indicators):
    
    return load_results(ctx, source, sample, cog=cog, period=period, indicators=indicators,
                        secret=None)


@targets_command.command("derive")
@click.argument("results", required=False, type=click.Path(path_type=Path))
@click.option("--sample", is_flag=True, help="Calculer d'abord les résultats annuels du jeu "
              "d'exemple.")
@click.option("--base", "base", type=int, required=True,
              help="Année de base : ses valeurs annuelles de caisse font la distribution du "
                   "réseau.")
@click.option("--decile", type=click.IntRange(1, 9), default=8, show_default=True,
              help="Objectif à ce décile du réseau, compté dans le bon sens (8 : le niveau "
                   "qu'atteignent les 20 % meilleures caisses).")
@click.option("--socle", "socle", default="base", show_default=True, metavar="base|K",
              help="Socle : la valeur de base de la caisse ('base') ou le décile K du réseau.")
@years_option("Année de contrat à écrire, ou plage AAAA-AAAA (répétable ; par défaut : "
              "l'année après --base).")
@click.option("--path-to", "path_to", type=int, default=None, metavar="ANNEE",
              help="Trajectoire linéaire de la valeur de base de chaque caisse au décile, "
                   "atteint en ANNEE (une ligne par année de base+1 à ANNEE).")
@click.option("--indicator", "indicators", multiple=True, metavar="CODE",
              **INDICATOR, help="Seulement cet indicateur (répétable ; par "
              "défaut : tous les indicateurs de RESULTS).")
@click.option("--cog", default="2023-2027", show_default=True, **COG_OR_NONE,
              help="COG du calcul, quand RESULTS est une donnée d'entrée ou --sample.")
@click.option("-o", "--output", type=click.Path(path_type=Path), callback=output_path(),
              help="Écrire la table CPG (.parquet, .arrow, .csv, .json) ; sinon en montrer un "
                   "résumé.")
@JSON_OPTION
@click.pass_context
def derive_command(ctx, results, sample, base, decile, socle, years, path_to, indicators, cog,
                   output, as_json=False):
    """Proposer une table CPG (socle et objectif par caisse) d'après la distribution des
    caisses de RESULTS (résultats annuels, `cogind compute --period year -o`) l'année de
    base."""
    from cogind.io.output import write_table
    from cogind.analyses.targets import derive_cpg, parse_socle, render_derived

    socle_rule = parse_socle(socle)
    if path_to is not None and years:
        raise click.UsageError("donner --year ou --path-to, pas les deux")
    table = _load(ctx, results, sample, cog, "year", indicators)
    cpg = derive_cpg(table, base, decile=decile, socle=socle_rule, years=years or None,
                     path_to=path_to, indicators=indicators or None)
    if output:
        write_table(cpg, output)
        click.echo(f"{cpg.num_rows} lignes CPG écrites dans {output}", err=True)
    elif as_json:
        from cogind.analyses.targets import derive_info
        from cogind.report.listings import table_document

        echo_json(table_document(cpg, regle=derive_info(cpg)))
    else:
        click.echo(render_derived(cpg))


@targets_command.command("composite")
@click.argument("results", required=False, type=click.Path(path_type=Path))
@click.option("--sample", is_flag=True, help="Calculer d'abord les résultats du jeu d'exemple.")
@click.option("--cpg", "cpg", type=click.Path(path_type=Path), default=None,
              help="Table CPG face à laquelle juger (par défaut : les colonnes CPG que RESULTS "
                   "porte déjà).")
@click.option("--cog", default=None, **COG_OR_NONE,
              help="COG dont compter les indicateurs du service de base (et du calcul) "
                   "[défaut : celle de RESULTS, sinon 2023-2027].")
@click.option("--indicator", "indicators", multiple=True, metavar="CODE",
              **INDICATOR, help="Compter ces indicateurs au lieu de la liste du "
              "service de base de la COG (répétable).")
@click.option("--period", type=click.Choice(["year", "annee", "quarter", "trimestre", "month",
                                             "mois"]), default="year",
              show_default=True, help="Période, quand RESULTS est une donnée d'entrée ou "
                                      "--sample.")
@click.option("--reduction", type=click.FloatRange(0, 100), default=15.0, show_default=True,
              help="Baisse visée d'une année sur l'autre, en % du nombre (seed 000 §65 : "
                   "15 %).")
@click.option("-o", "--output", type=click.Path(path_type=Path), callback=output_path(),
              help="Écrire la table du composite (.parquet, .arrow, .csv, .json).")
@JSON_OPTION
@click.pass_context
def composite_command(ctx, results, sample, cpg, cog, indicators, period, reduction, output,
                      as_json=False):
    """Indicateur composite du service de base : caisses sous le socle et sous l'objectif,
    leur évolution sur un an face à la baisse visée, et ce qui la porte."""
    from cogind.analyses.composite import base_service, composite_table, render_composite
    from cogind.io.output import write_table

    table, cog = _results_and_cog(ctx, results, sample, cog)
    codes = list(indicators) or list(base_service(None if cog == "none" else cog))
    if table is None:
        table = _load(ctx, results, sample, cog, PERIODS[period], codes)
    from cogind.analyses.cpg import require_cpg

    table = require_cpg(table, cpg)
    comp = composite_table(table, codes, reduction=reduction)
    if output:
        write_table(comp, output)
        click.echo(f"{comp.num_rows} lignes écrites dans {output}", err=True)
    elif as_json:
        from cogind.analyses.composite import drivers_table
        from cogind.report.listings import table_document

        doc = table_document(comp, reduction=reduction, indicateurs=codes)
        doc["moteurs"] = table_document(drivers_table(table, codes))
        echo_json(doc)
    else:
        click.echo(render_composite(comp, table, codes))


def _results_and_cog(ctx, results, sample, cog) -> tuple:
    """(RESULTS read, when it is a result file and no --cog is given; the COG to count): a
    file computed for another COG counts that COG's base service, not 2023-2027's."""
    from cogind.analyses.verify import is_results_file

    if cog is not None or sample or results is None or not is_results_file(results):
        return None, cog or "2023-2027"
    table = _load(ctx, results, sample, None, "year", ())
    from cogind.api import provenance

    return table, provenance(table).get("cog") or "2023-2027"

