"""The ``cogind`` command line. Only this module prints and exits."""
from __future__ import annotations

import functools
import os
import re
import sys
from importlib import resources
from pathlib import Path

import click

from cogind.errors import CogindError, ExitCode, PluginError

PERIODS = {"month": "month", "mois": "month", "quarter": "quarter", "trimestre": "quarter",
           "year": "year", "annee": "year", "rolling12": "rolling12", "glissant12": "rolling12",
           "ytd": "ytd", "cumul": "ytd", "span": "span", "pluriannuel": "span"}
LEVEL_CHOICES = ("caisse", "region", "groupe", "national")


def _debug(ctx: click.Context | None) -> bool:
    flag = bool(ctx and ctx.find_root().params.get("debug"))
    return flag or os.environ.get("COGIND_DEBUG") == "1"


def handle_errors(fn):
    """One line on stderr and exit 1 for any error; the traceback only with --debug."""

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        ctx = click.get_current_context(silent=True)
        if ctx is None and args and isinstance(args[-1], click.Context):
            ctx = args[-1]
        try:
            return fn(*args, **kwargs)
        except CogindError as exc:
            if _debug(ctx):
                raise
            click.echo(f"Error: {exc}", err=True)
            sys.exit(exc.exit_code)
        except (click.ClickException, click.exceptions.Exit, click.Abort, SystemExit):
            raise
        except Exception as exc:  # an internal error still gets one line, not a traceback
            if _debug(ctx):
                raise
            click.echo(f"Internal error: {type(exc).__name__}: {exc} (rerun with --debug)",
                       err=True)
            sys.exit(ExitCode.ERROR)

    return wrapper


def _registry(ctx: click.Context, allow_broken: bool = False):
    from cogind.plugins import build_registry

    try:
        return build_registry(disabled=ctx.find_root().params.get("disable_plugin") or (),
                              allow_broken=allow_broken)
    except PluginError as exc:  # name the way out: the other plugins work without this one
        culprit = re.match(r"plugin '([^']+)'", str(exc))
        if culprit is None:
            raise
        raise PluginError(f"{exc} (--disable-plugin {culprit.group(1)} to run without it)") from exc


def sample_path() -> Path:
    return Path(str(resources.files("cogind.sample")))


class CogindGroup(click.Group):
    """Every subcommand, built-in or added by a module, runs under :func:`handle_errors`."""

    def invoke(self, ctx: click.Context):
        return handle_errors(super().invoke)(ctx)


@click.group(cls=CogindGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--debug", is_flag=True, help="Show full tracebacks (or set COGIND_DEBUG=1).")
@click.option("--disable-plugin", multiple=True, metavar="NAME",
              help="Do not load this plugin (repeatable; or COGIND_DISABLE_PLUGINS=a,b).")
@click.version_option(package_name="cogind")
def cli(debug: bool, disable_plugin: tuple[str, ...]) -> None:
    """Indicateurs des COG État–Cnam, calculés par caisse et par période."""


@cli.command()
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
@click.option("-o", "--output", type=click.Path(path_type=Path),
              help="Write the results to a .arrow, .parquet, .csv or .json file (atomically).")
@click.option("--caisses/--no-caisses", default=False,
              help="On the terminal, also show every caisse (files always hold every row); "
                   "regions, groups and the national level are always shown.")
@click.option("--strict", is_flag=True, help="Fail if any row is excluded, instead of counting it.")
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
@click.option("--secret", type=click.IntRange(2, 10_000), default=11, show_default=True,
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
@click.pass_context
def compute(ctx, source, sample, cog, years, period, indicators, output, caisses, strict, threads,
            as_of, confidence, consolidation, progress, spread, secret, no_secret, engine,
            scheduler, levels, groupes, cpg):
    """Compute the indicators of a COG on SOURCE (a folder or a file of Arrow, Parquet or CSV
    tables named prestations, ij, contacts, dossiers)."""
    from cogind.api import compute as run, provenance
    from cogind.output import render, write_table

    if sample == (source is not None):
        raise click.UsageError("give a SOURCE folder or file, or --sample (not both)")
    registry = _registry(ctx)
    table = run(sample_path() if sample else source, None if cog == "none" else cog,
                indicators=indicators or None,
                period=PERIODS[period or ("year" if sample else "month")], years=years or None,
                strict=strict, registry=registry, threads=threads, as_of=as_of,
                progress=progress, confidence=confidence, consolidation=consolidation,
                secret=None if no_secret else secret, engine=engine, scheduler=scheduler,
                levels=levels or None, groupes=groupes, cpg=cpg)
    meta = provenance(table)
    for code, why in meta.get("non_calcules", {}).items():
        click.echo(f"Attention : {code} non calculé ({why})", err=True)
    for code, counts in meta.get("exclusions_hors_periode", {}).items():
        n = sum(counts.values())
        click.echo(f"Attention : {code} : {n} lignes sans date de période, exclues", err=True)
    if table.num_rows == 0 and meta.get("annees"):
        years = meta["annees"]
        click.echo(f"Attention : aucun résultat : les données n'ont aucune période dans les années "
                   f"demandées ({years[0]}-{years[-1]})", err=True)
    if output:
        write_table(table, output)
        click.echo(f"{table.num_rows} lignes écrites dans {output}", err=True)
        if spread:
            from cogind.spread import dispersion, spread_path

            written = write_table(dispersion(table), spread_path(output))
            click.echo(f"dispersion écrite dans {written}", err=True)
        return
    import pyarrow.compute as pc

    shown = table if caisses else table.filter(pc.not_equal(table["niveau"], "caisse"))
    click.echo(render(shown))
    if spread:
        from cogind.spread import dispersion, render_spread

        click.echo(render_spread(dispersion(table)))


@cli.command("list")
@click.option("--cog", default=None, help="Only the indicators of this COG, with its targets.")
@click.pass_context
def list_(ctx, cog):
    """Every indicator: code, unit, direction, table and the COGs that use it."""
    from cogind.describe import list_text

    click.echo(list_text(_registry(ctx), cog))


@cli.command()
@click.argument("code")
@click.pass_context
def describe(ctx, code):
    """Definition of indicator CODE: computation, exclusions, sources, targets."""
    from cogind.describe import indicator_text

    click.echo(indicator_text(_registry(ctx), code.upper()))


@cli.command()
@click.pass_context
def cogs(ctx):
    """The COGs known, their years and number of indicators."""
    from cogind.describe import cogs_text

    click.echo(cogs_text(_registry(ctx)))


@cli.command()
@click.pass_context
def plugins(ctx):
    """The plugins loaded, their distribution and version, and what they declared."""
    from cogind.describe import plugins_text
    from cogind.plugins import make_plugin_manager
    from cogind.registry import Registry

    try:
        registry = _registry(ctx, allow_broken=True)
    except PluginError as exc:
        _, infos = make_plugin_manager(disabled=ctx.find_root().params.get("disable_plugin"))
        click.echo(plugins_text(Registry(infos)))
        raise exc
    click.echo(plugins_text(registry))
    broken = [i for i in registry.plugins if i.error]
    if broken:
        from cogind.plugins import describe_plugin

        raise PluginError(f"{describe_plugin(broken[0])}: {broken[0].error}")


@cli.command()
@click.argument("source", type=click.Path(path_type=Path))
@click.option("--cog", default=None, help="Check only the columns this COG's indicators need.")
@click.pass_context
def validate(ctx, source, cog):
    """Check the tables in SOURCE against the schemas: columns and types, with precise messages."""
    from cogind.validate import validate_source

    registry = _registry(ctx)
    report, ok = validate_source(source, registry, cog)
    click.echo(report)
    if not ok:
        sys.exit(ExitCode.ERROR)


# Commands living in their own modules ("module:attribute" of a click command), one per line.
EXTRA_COMMANDS = (
    "cogind.synth:generate_command",
    "cogind.diff:diff_command",
    "cogind.docgen:docs_command",
    "cogind.alerts:alerts_command",
    "cogind.report:report_command",
    "cogind.verify:verify_command",
    "cogind.cpg:targets_command",
    "cogind.convert_cli:convert_command",
)


def _add_extra_commands() -> None:
    import importlib

    for spec in EXTRA_COMMANDS:
        module, attr = spec.split(":")
        command = getattr(importlib.import_module(module), attr)
        cli.add_command(command, command.name)


_add_extra_commands()


def main() -> None:
    cli(prog_name="cogind")
