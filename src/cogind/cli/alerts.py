"""``cogind alerts``: caisses that miss a target several months in a row."""
from __future__ import annotations

from pathlib import Path

import click

from cogind.cli.common import SECRET_DEFAULT, load_results, output_path
from cogind.errors import ConfigError


@click.command("alerts")
@click.argument("source", required=False, type=click.Path(path_type=Path))
@click.option("--sample", is_flag=True, help="Compute on the sample dataset bundled with cogind.")
@click.option("--months", type=click.IntRange(1, 120), default=3, show_default=True,
              help="Consecutive missed months that raise an alert.")
@click.option("--indicator", "indicators", multiple=True, metavar="CODE",
              help="Only this indicator (repeatable).")
@click.option("--threshold", type=float, default=None,
              help="Judge against this value instead of the COG target (one --indicator).")
@click.option("--cog", default="2023-2027", show_default=True,
              help="COG to compute with, when SOURCE is input data.")
@click.option("--secret", type=click.IntRange(2, 10_000), default=SECRET_DEFAULT, show_default=True,
              metavar="N", help="Mask caisse figures computed on fewer than N individuals.")
@click.option("--no-secret", is_flag=True, help="Do not apply the secret statistique.")
@click.option("-o", "--output", type=click.Path(path_type=Path), callback=output_path(),
              help="Write the alerts to a .arrow, .parquet, .csv or .json file.")
@click.option("--composite", is_flag=True,
              help="Also show the composite of the base service (needs CPG columns: compute "
                   "--cpg, see docs/pilotage.md).")
@click.pass_context
def alerts_command(ctx, source, sample, months, indicators, threshold, cog, secret, no_secret,
                   output, composite):
    """List the caisses that miss a target N months in a row. SOURCE is a result file
    (cogind compute -o, monthly) or input data to compute from."""
    from cogind.analyses.alerts import alerts_table, find_alerts, render_alerts
    from cogind.io.output import write_table
    
    if threshold is not None and len(indicators) != 1:
        raise click.UsageError("--threshold needs exactly one --indicator")
    table = load_results(ctx, source, sample, cog=cog, period="month",
                         indicators=indicators, secret=None if no_secret else secret)
    found = find_alerts(table, months, indicators or None,
                        {indicators[0]: threshold} if threshold is not None else None)
    if output:
        write_table(alerts_table(found), output)
        click.echo(f"{len(found)} alertes écrites dans {output}", err=True)
    else:
        click.echo(render_alerts(found, months))
    if composite:
        _echo_composite(table)


def _echo_composite(table) -> None:
    from cogind.analyses.composite import composite_table, render_composite

    if "objectif" not in table.column_names:
        raise ConfigError("--composite needs results with caisse contracts (compute --cpg FILE)")
    click.echo(render_composite(composite_table(table), table))
