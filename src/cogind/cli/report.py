"""``cogind report``: the self-contained HTML report."""
from __future__ import annotations

from pathlib import Path

import click

from cogind.cli.common import SECRET_DEFAULT, load_results, output_path


@click.command("report")
@click.argument("source", required=False, type=click.Path(path_type=Path))
@click.option("--sample", is_flag=True, help="Compute on the sample dataset bundled with cogind.")
@click.option("-o", "--output", type=click.Path(path_type=Path), default=Path("rapport.html"),
              callback=output_path((".html", ".htm")),
              show_default=True, help="The HTML file to write.")
@click.option("--cog", default="2023-2027", show_default=True,
              help="COG to compute with, when SOURCE is input data.")
@click.option("--period", type=click.Choice(["month", "quarter", "year"]), default="quarter",
              show_default=True, help="Period, when SOURCE is input data.")
@click.option("--year", "years", type=int, multiple=True, help="Year to report (repeatable).")
@click.option("--indicator", "indicators", multiple=True, metavar="CODE",
              help="Only this indicator (repeatable).")
@click.option("--secret", type=click.IntRange(2, 10_000), default=SECRET_DEFAULT,
              show_default=True, metavar="N",
              help="Mask caisse figures computed on fewer than N individuals.")
@click.option("--no-secret", is_flag=True, help="Do not apply the secret statistique.")
@click.pass_context
def report_command(ctx, source, sample, output, cog, period, years, indicators, secret,
                   no_secret):
    """Write a self-contained HTML report (opens offline) of SOURCE: a result file
    (cogind compute -o) or input data to compute from."""
    
    from cogind.report.html import with_yearly, write_report

    secret = None if no_secret else secret
    table = load_results(ctx, source, sample, cog=cog, period=period, indicators=indicators,
                         secret=secret, years=years)
    if indicators:
        import pyarrow as pa
        import pyarrow.compute as pc

        table = table.filter(pc.is_in(table["indicateur"], pa.array(list(indicators))))
    if period != "year" and (sample or not _is_results(source)):
        table = with_yearly(table, lambda codes: load_results(
            ctx, source, sample, cog=cog, period="year", indicators=codes, secret=secret,
            years=years))
    write_report(table, output, secret=secret)
    click.echo(f"rapport écrit dans {output}", err=True)


def _is_results(source) -> bool:
    from cogind.analyses.verify import is_results_file

    return source is not None and is_results_file(source)
