"""``cogind report``: the self-contained HTML report."""
from __future__ import annotations

from pathlib import Path

import click

from cogind.cli.common import (COG_OR_NONE, INDICATOR, PERIODS, SECRET_DEFAULT, load_results,
                               output_path, years_option)


@click.command("report")
@click.argument("source", required=False, type=click.Path(path_type=Path))
@click.option("--sample", is_flag=True, help="Calculer sur le jeu d'exemple livré avec cogind.")
@click.option("-o", "--output", type=click.Path(path_type=Path), default=Path("rapport.html"),
              callback=output_path((".html", ".htm")),
              show_default=True, help="Le fichier HTML à écrire.")
@click.option("--cog", default="2023-2027", show_default=True, **COG_OR_NONE,
              help="COG du calcul, quand SOURCE est une donnée d'entrée.")
@click.option("--period", type=click.Choice(["month", "mois", "quarter", "trimestre", "year",
                                             "annee"]), default="quarter",
              show_default=True, help="Période, quand SOURCE est une donnée d'entrée.")
@years_option("Année à restituer, ou plage AAAA-AAAA (répétable).")
@click.option("--indicator", "indicators", multiple=True, metavar="CODE",
              **INDICATOR, help="Seulement cet indicateur (répétable).")
@click.option("--secret", type=click.IntRange(2, 10_000), default=SECRET_DEFAULT,
              show_default=True, metavar="N",
              help="Masquer les valeurs de caisse calculées sur moins de N individus.")
@click.option("--no-secret", is_flag=True, help="Ne pas appliquer le secret statistique.")
@click.pass_context
def report_command(ctx, source, sample, output, cog, period, years, indicators, secret,
                   no_secret):
    """Écrire un rapport HTML autonome (s'ouvre hors ligne) de SOURCE : un fichier de
    résultats (cogind compute -o) ou une donnée d'entrée à calculer."""
    period = PERIODS[period]
    
    from cogind.report.html import keep_yearly, write_report

    secret = None if no_secret else secret
    computed = sample or not _is_results(source)
    # from inputs: the period and the year in one pass, under one secret statistique (yearly
    # targets are judged on the year rows, :func:`keep_yearly`); a result file is re-masked
    both = computed and period != "year"
    table = load_results(ctx, source, sample, cog=cog, period=(period, "year") if both else period,
                         indicators=indicators, secret=secret, years=years)
    if indicators:
        import pyarrow as pa
        import pyarrow.compute as pc

        table = table.filter(pc.is_in(table["indicateur"], pa.array(list(indicators))))
    if both:
        table = keep_yearly(table)
    write_report(table, output, secret=None if computed else secret)
    click.echo(f"rapport écrit dans {output}", err=True)


def _is_results(source) -> bool:
    from cogind.analyses.verify import is_results_file

    return source is not None and is_results_file(source)
