"""``cogind alerts``: caisses that miss a target several months in a row."""
from __future__ import annotations

from pathlib import Path

import click

from cogind.cli.common import (COG_OR_NONE, INDICATOR, JSON_OPTION, SECRET_DEFAULT, echo_json,
                               load_results, output_path)
from cogind.errors import ConfigError


@click.command("alerts")
@click.argument("source", required=False, type=click.Path(path_type=Path))
@click.option("--sample", is_flag=True, help="Calculer sur le jeu d'exemple livré avec cogind.")
@click.option("--months", type=click.IntRange(1, 120), default=3, show_default=True,
              help="Mois manqués consécutifs qui déclenchent une alerte.")
@click.option("--indicator", "indicators", multiple=True, metavar="CODE",
              **INDICATOR, help="Seulement cet indicateur (répétable).")
@click.option("--threshold", type=float, default=None,
              help="Juger face à cette valeur au lieu de la cible de la COG (un seul "
                   "--indicator).")
@click.option("--cog", default="2023-2027", show_default=True, **COG_OR_NONE,
              help="COG du calcul, quand SOURCE est une donnée d'entrée.")
@click.option("--secret", type=click.IntRange(2, 10_000), default=SECRET_DEFAULT, show_default=True,
              metavar="N", help="Masquer les valeurs de caisse calculées sur moins de N "
                                "individus.")
@click.option("--no-secret", is_flag=True, help="Ne pas appliquer le secret statistique.")
@click.option("-o", "--output", type=click.Path(path_type=Path), callback=output_path(),
              help="Écrire les alertes dans un fichier .arrow, .parquet, .csv ou .json.")
@click.option("--composite", is_flag=True,
              help="Montrer aussi le composite du service de base (colonnes CPG nécessaires : "
                   "compute --cpg, voir docs/pilotage.md).")
@JSON_OPTION
@click.pass_context
def alerts_command(ctx, source, sample, months, indicators, threshold, cog, secret, no_secret,
                   output, composite, as_json=False):
    """Lister les caisses qui manquent une cible N mois de suite. SOURCE est un fichier de
    résultats (cogind compute -o, mensuel) ou une donnée d'entrée à calculer."""
    from cogind.analyses.alerts import alerts_table, find_alerts, render_alerts
    from cogind.io.output import write_table
    
    if threshold is not None and len(indicators) != 1:
        raise click.UsageError("--threshold needs exactly one --indicator")
    table = load_results(ctx, source, sample, cog=cog, period="month",
                         indicators=indicators, secret=None if no_secret else secret)
    found = find_alerts(table, months, indicators or None,
                        {indicators[0]: threshold} if threshold is not None else None)
    if composite and "objectif" not in table.column_names:
        raise ConfigError("--composite needs results with caisse contracts (compute --cpg FILE)")
    if output:
        write_table(alerts_table(found), output)
        click.echo(f"{len(found)} alertes écrites dans {output}", err=True)
    elif as_json:
        _echo_json(found, months, threshold, indicators, table if composite else None)
    else:
        click.echo(render_alerts(found, months))
    if composite and not as_json:
        from cogind.analyses.composite import composite_table, render_composite

        click.echo(render_composite(composite_table(table), table))


def _echo_json(found, months, threshold, indicators, with_composite) -> None:
    """The document of ``alerts --json`` (docs/cli.md)."""
    from cogind.analyses.alerts import alerts_table
    from cogind.report.listings import table_document

    doc = table_document(alerts_table(found), mois=months, seuil=threshold,
                         indicateurs=list(indicators) or None)
    if with_composite is not None:
        from cogind.analyses.composite import composite_table

        doc["composite"] = table_document(composite_table(with_composite))
    echo_json(doc)
