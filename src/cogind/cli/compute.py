"""``cogind compute``: the indicators of a COG on a folder, a file or the sample."""
from __future__ import annotations

from pathlib import Path

import click

from cogind.cli.common import (LEVEL_CHOICES, PERIODS, SECRET_DEFAULT, output_path, registry_of,
                               sample_path)


def _zone(ctx, param, value):
    from cogind.errors import ConfigError
    from cogind.io.timezones import check_timezone

    try:
        return check_timezone(value)
    except ConfigError as exc:
        raise click.BadParameter(str(exc)) from None


@click.command()
@click.argument("source", required=False, type=click.Path(path_type=Path))
@click.option("--sample", is_flag=True, help="Compute on the sample dataset bundled with cogind.")
@click.option("--cog", default="2023-2027", show_default=True, help="COG whose indicators and "
              "targets to use ('none': no COG, all indicators).")
@click.option("--year", "years", type=int, multiple=True,
              help="Year to report (repeatable; default: the COG's years present in the data).")
@click.option("--level", "levels", type=click.Choice(LEVEL_CHOICES), multiple=True,
              help="Level to report (repeatable; default caisse and national): region from the "
                   "caisse referential, groupe from --groupes; all from merged caisse states.")
@click.option("--groupes", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              default=None, help="CSV caisse;groupe for the 'groupe' level (DCGDR, mutualisation…).")
@click.option("--cpg", type=click.Path(exists=True, dir_okay=False, path_type=Path), default=None,
              help="Caisse contracts (schemas/cpg.json): add socle, objectif and the status "
                   "against each to the caisse rows (docs/pilotage.md).")
@click.option("--period", type=click.Choice(sorted(PERIODS)), default=None,
              help="Period of each figure [default: month; year with --sample].")
@click.option("--indicator", "indicators", multiple=True, metavar="CODE",
              help="Only this indicator (repeatable).")
@click.option("-o", "--output", type=click.Path(path_type=Path), callback=output_path(),
              help="Write the results to a .arrow, .parquet, .csv or .json file (atomically).")
@click.option("--caisses/--no-caisses", default=False,
              help="On the terminal, also show every caisse (files always hold every row); "
                   "regions, groups and the national level are always shown.")
@click.option("--strict", is_flag=True, help="Fail if any row is excluded, instead of counting it, "
              "or if a column or table an indicator needs is missing, mistyped or empty.")
@click.option("--threads", type=click.IntRange(1, 256), default=None,
              help="Worker threads (default: up to 4).")
@click.option("--as-of", "as_of", metavar="YYYY-MM", default=None,
              help="Use only the rows available by the end of that month (claims: FLX_DIS_DTD).")
@click.option("--confidence", type=click.FloatRange(0, 1, min_open=True, max_open=True),
              default=0.95, show_default=True,
              help="Level of the confidence intervals that tell a significant miss.")
@click.option("--consolidation", type=click.IntRange(0, 120), default=3, show_default=True,
              metavar="MONTHS", help="Months after a month's end before its claims figures are "
              "consolidated (column provisoire).")
@click.option("--spread", is_flag=True, help="Also the dispersion between caisses: written "
              "next to the output as NAME.dispersion.EXT, or shown.")
@click.option("--secret", type=click.IntRange(2, 10_000), default=SECRET_DEFAULT, show_default=True,
              metavar="N", help="Secret statistique: mask caisse figures computed on fewer "
              "than N individuals (and one more where needed).")
@click.option("--no-secret", is_flag=True, help="Do not mask small caisse figures.")
@click.option("--progress/--quiet", "progress", default=None,
              help="Show rows read, batches and elapsed time on stderr (default: on a terminal).")
@click.option("--engine", type=click.Choice(["local", "dask"]), default="local",
              show_default=True, help="Where the tables are read and reduced: here, or on a "
              "Dask cluster (extra cogind[dask], docs/dask.md).")
@click.option("--scheduler", metavar="ADDRESS", default=None,
              help="With --engine dask: the scheduler, e.g. tcp://host:8786 (default: a local "
              "cluster started for the run).")
@click.option("--doublons", type=click.Choice(["compter", "exclure", "ignorer"]),
              default="compter", show_default=True, help="Rows sharing their table's key "
              "(schemas primaryKey): count them and keep every row, keep only the first (the "
              "others: exclusion 'doublon'), or skip the check.")
@click.option("--timezone", default="Europe/Paris", show_default=True, metavar="ZONE",
              callback=_zone,
              help="Civil time zone of calendar days and months for timestamps that carry a "
              "time zone (naive timestamps and dates are read as they are).")
@click.pass_context
def compute(ctx, source, sample, cog, years, period, indicators, output, caisses, strict, threads,
            as_of, confidence, consolidation, progress, spread, secret, no_secret, engine,
            scheduler, levels, groupes, cpg, doublons, timezone):
    """Compute the indicators of a COG on SOURCE (a folder or a file of Arrow, Parquet or CSV
    tables named prestations, ij, contacts, dossiers)."""
    from cogind.api import compute as run, provenance
    from cogind.io.output import render, write_tables

    if sample == (source is not None):
        raise click.UsageError("give a SOURCE folder or file, or --sample (not both)")
    registry = registry_of(ctx)
    table = run(sample_path() if sample else source, None if cog == "none" else cog,
                indicators=indicators or None,
                period=PERIODS[period or ("year" if sample else "month")], years=years or None,
                strict=strict, registry=registry, threads=threads, as_of=as_of,
                progress=progress, confidence=confidence, consolidation=consolidation,
                secret=None if no_secret else secret, engine=engine, scheduler=scheduler,
                levels=levels or None, groupes=groupes, cpg=cpg, doublons=doublons,
                timezone=timezone)
    meta = provenance(table)
    for gap in meta.get("entrees_manquantes", []):
        codes = gap["indicateurs"]
        click.echo(f"Attention : {gap['motif']} : {len(codes)} indicateur(s) non calculable(s) "
                   f"({', '.join(codes)})", err=True)
    for name, found in meta.get("doublons", {}).items():
        if found.get("lignes"):
            how = ("exclues (motif doublon)" if found["traitement"] == "exclues"
                   else "comptées comme les autres (--doublons exclure pour les écarter)")
            click.echo(f"Attention : table {name} : {found['lignes']} lignes en double sur la clé "
                       f"({', '.join(found['cle'])}), {how}", err=True)
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
        written = write_tables(items)
        click.echo(f"{table.num_rows} lignes écrites dans {output}", err=True)
        if spread:
            click.echo(f"dispersion écrite dans {written[1]}", err=True)
        return
    import pyarrow.compute as pc

    shown = table if caisses else table.filter(pc.not_equal(table["niveau"], "caisse"))
    click.echo(render(shown))
    if spread:
        from cogind.analyses.spread import dispersion, render_spread

        click.echo(render_spread(dispersion(table)))
