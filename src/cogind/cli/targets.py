"""``cogind targets``: caisse targets (CPG) derived from the network, and the composite."""
from __future__ import annotations

from pathlib import Path

import click

from cogind.cli.common import load_results, output_path


@click.group("targets")
def targets_command():
    """Caisse targets (CPG): derive a CPG table from the network's distribution, composite."""


def _load(ctx, source, sample, cog, period, indicators):
    
    return load_results(ctx, source, sample, cog=cog, period=period, indicators=indicators,
                        secret=None)


@targets_command.command("derive")
@click.argument("results", required=False, type=click.Path(path_type=Path))
@click.option("--sample", is_flag=True, help="Compute the sample's annual results first.")
@click.option("--base", "base", type=int, required=True,
              help="Base year: its annual caisse values make the network's distribution.")
@click.option("--decile", type=click.IntRange(1, 9), default=8, show_default=True,
              help="Objectif at this decile of the network, counted in the right direction "
                   "(8: the level the best 20 %% of caisses reach).")
@click.option("--socle", "socle", default="base", show_default=True, metavar="base|K",
              help="Socle: the caisse's own base value ('base') or decile K of the network.")
@click.option("--year", "years", type=int, multiple=True,
              help="Contract year to write (repeatable; default: the year after --base).")
@click.option("--path-to", "path_to", type=int, default=None, metavar="YEAR",
              help="Linear path from each caisse's base value to the decile, reached in YEAR "
                   "(one row per year from base+1 to YEAR).")
@click.option("--indicator", "indicators", multiple=True, metavar="CODE",
              help="Only this indicator (repeatable; default: every indicator in RESULTS).")
@click.option("--cog", default="2023-2027", show_default=True,
              help="COG to compute with, when RESULTS is input data or --sample.")
@click.option("-o", "--output", type=click.Path(path_type=Path), callback=output_path(),
              help="Write the CPG table (.parquet, .arrow, .csv, .json); else show a summary.")
@click.pass_context
def derive_command(ctx, results, sample, base, decile, socle, years, path_to, indicators, cog,
                   output):
    """Propose a CPG table (socle and objectif per caisse) from the distribution of the caisses
    in RESULTS (annual results, `cogind compute --period year -o`) for the base year."""
    from cogind.io.output import write_table
    from cogind.analyses.targets import derive_cpg, parse_socle, render_derived

    socle_rule = parse_socle(socle)
    if path_to is not None and years:
        raise click.UsageError("give --year or --path-to, not both")
    table = _load(ctx, results, sample, cog, "year", indicators)
    cpg = derive_cpg(table, base, decile=decile, socle=socle_rule, years=years or None,
                     path_to=path_to, indicators=indicators or None)
    if output:
        write_table(cpg, output)
        click.echo(f"{cpg.num_rows} lignes CPG écrites dans {output}", err=True)
    else:
        click.echo(render_derived(cpg))


@targets_command.command("composite")
@click.argument("results", required=False, type=click.Path(path_type=Path))
@click.option("--sample", is_flag=True, help="Compute the sample's results first.")
@click.option("--cpg", "cpg", type=click.Path(path_type=Path), default=None,
              help="CPG table to judge against (default: the CPG columns RESULTS already has).")
@click.option("--cog", default="2023-2027", show_default=True,
              help="COG whose base-service indicators to count (and to compute with).")
@click.option("--indicator", "indicators", multiple=True, metavar="CODE",
              help="Count these indicators instead of the COG's base-service list (repeatable).")
@click.option("--period", type=click.Choice(["year", "quarter", "month"]), default="year",
              show_default=True, help="Period, when RESULTS is input data or --sample.")
@click.option("--reduction", type=click.FloatRange(0, 100), default=15.0, show_default=True,
              help="Year-on-year reduction targeted, in %% of the count (seed 000 §65: 15 %%).")
@click.option("-o", "--output", type=click.Path(path_type=Path), callback=output_path(),
              help="Write the composite table (.parquet, .arrow, .csv, .json).")
@click.pass_context
def composite_command(ctx, results, sample, cpg, cog, indicators, period, reduction, output):
    """Composite indicator of the base service: caisses below socle and below objectif, their
    year-on-year change against the reduction target, and what drives it."""
    from cogind.analyses.composite import base_service, composite_table, render_composite
    from cogind.io.output import write_table

    codes = list(indicators) or list(base_service(None if cog == "none" else cog))
    table = _load(ctx, results, sample, cog, period, codes)
    from cogind.analyses.cpg import require_cpg

    table = require_cpg(table, cpg)
    comp = composite_table(table, codes, reduction=reduction)
    if output:
        write_table(comp, output)
        click.echo(f"{comp.num_rows} lignes écrites dans {output}", err=True)
    else:
        click.echo(render_composite(comp, table, codes))
