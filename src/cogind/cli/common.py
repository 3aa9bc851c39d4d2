"""What every command shares: the error boundary, the registry, the sample, loading results."""
from __future__ import annotations

import functools
import os
import re
import sys

import click

from cogind.errors import CogindError, ConfigError, ExitCode, PluginError

PERIODS = {"month": "month", "mois": "month", "quarter": "quarter", "trimestre": "quarter",
           "year": "year", "annee": "year", "rolling12": "rolling12", "glissant12": "rolling12",
           "ytd": "ytd", "cumul": "ytd", "span": "span", "pluriannuel": "span"}
LEVEL_CHOICES = ("caisse", "region", "groupe", "national")
SECRET_DEFAULT = 11
"""The default threshold of the secret statistique (:data:`cogind.analyses.secret.DEFAULT_THRESHOLD`,
restated so that drawing the options imports no analysis; a test keeps them equal)."""


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
        except KeyboardInterrupt as exc:  # SIGINT, or SIGTERM through cli.main's handler
            click.echo("interrompu", err=True)
            sys.exit(getattr(exc, "exit_code", INTERRUPTED))
        except (click.ClickException, click.exceptions.Exit, click.Abort, SystemExit):
            raise
        except Exception as exc:  # an internal error still gets one line, not a traceback
            if _debug(ctx):
                raise
            click.echo(f"Internal error: {type(exc).__name__}: {exc} (rerun with --debug)",
                       err=True)
            sys.exit(ExitCode.ERROR)

    return wrapper


INTERRUPTED = 130  # 128 + SIGINT, what shells report for a Ctrl-C


def output_path(formats=None, folder: bool = False):
    """A click callback checking an output path before any data is read (docs/rapports.md):
    an unknown extension is a usage error (exit 2), a folder problem a one-line error (exit 1)."""

    def callback(ctx: click.Context, param: click.Parameter, value):
        if value is None:
            return None
        from cogind.io.publish import FORMATS, check_output

        try:
            return check_output(value, formats or FORMATS, folder=folder)
        except ConfigError as exc:
            raise click.BadParameter(str(exc), ctx, param) from None

    return callback


def registry_of(ctx: click.Context, allow_broken: bool = False):
    """The registry of the installed plugins, minus those the user disabled (built once per
    invocation: the option callbacks that check a COG or an indicator code share it)."""
    meta = ctx.find_root().meta
    if not allow_broken and "cogind.registry" in meta:
        return meta["cogind.registry"]
    registry = _build_registry(ctx, allow_broken)
    if not allow_broken:
        meta["cogind.registry"] = registry
    return registry


def _build_registry(ctx: click.Context, allow_broken: bool):
    from cogind.plugins import build_registry

    try:
        return build_registry(disabled=ctx.find_root().params.get("disable_plugin") or (),
                              allow_broken=allow_broken)
    except PluginError as exc:  # name the way out: the other plugins work without this one
        culprit = re.match(r"plugin '([^']+)'", str(exc))
        if culprit is None:
            raise
        raise PluginError(f"{exc} (--disable-plugin {culprit.group(1)} to run without it)") from exc


def sample_path():
    """The folder of the sample dataset bundled with cogind."""
    from cogind.sample import sample_path as path

    return path()


def load_results(ctx, source, sample: bool, *, cog: str | None, period: str,
                 indicators=(), secret: int | None = SECRET_DEFAULT, years=()):
    """Read SOURCE if it is a result file, else compute from it (or the sample)."""
    from cogind.analyses.secret import apply_secret
    from cogind.analyses.verify import is_results_file, read_results_table

    if sample == (source is not None):
        raise click.UsageError("give a SOURCE (result file or input data), or --sample")
    if source is not None and is_results_file(source):
        table = read_results_table(source)
        return table if secret is None else apply_secret(table, secret)
    from cogind.api import compute

    return compute(sample_path() if sample else source, None if cog == "none" else cog,
                   indicators=list(indicators) or None, period=period, years=list(years) or None,
                   registry=registry_of(ctx), secret=False if secret is None else secret)


# ------------------------------------------------------------------ options shared by commands
# A usage mistake (unknown COG or indicator, bad month or year) is found while the options are
# parsed, so that it exits 2 with click's usage form before anything is read (issue 22).


def _bad(ctx, param, exc: Exception):
    return click.BadParameter(str(exc), ctx, param)


def check_cog(allow_none: bool = False):
    """Callback: the COG code must be known to the registry (``none`` too if allowed)."""

    def callback(ctx: click.Context, param: click.Parameter, value):
        if value is None or ctx.resilient_parsing:
            return value
        for code in (value if isinstance(value, tuple) else (value,)):
            if not (allow_none and code == "none"):
                try:
                    registry_of(ctx).cog(code)
                except ConfigError as exc:
                    raise _bad(ctx, param, exc) from None
        return value

    return callback


def check_indicators(ctx: click.Context, param: click.Parameter, value):
    """Callback: every indicator code must be known to the registry."""
    if not value or ctx.resilient_parsing:
        return value
    for code in (value if isinstance(value, tuple) else (value,)):
        try:
            registry_of(ctx).indicator(code)
        except ConfigError as exc:
            raise _bad(ctx, param, exc) from None
    return value


def complete_cog(ctx: click.Context, param: click.Parameter, incomplete: str) -> list[str]:
    """Shell completion: the COG codes of the installed plugins."""
    try:
        return [c for c in sorted(registry_of(ctx).cogs) if c.startswith(incomplete)]
    except CogindError:
        return []


def complete_indicators(ctx: click.Context, param: click.Parameter, incomplete: str):
    """Shell completion: the indicator codes of the installed plugins."""
    try:
        codes = sorted(registry_of(ctx).indicators)
    except CogindError:
        return []
    return [c for c in codes if c.startswith(incomplete.upper())]


COG = {"callback": check_cog(), "shell_complete": complete_cog}
"""Keywords of a ``--cog`` option: checked while parsing (exit 2), completed by the shell."""
COG_OR_NONE = {"callback": check_cog(allow_none=True), "shell_complete": complete_cog}
INDICATOR = {"callback": check_indicators, "shell_complete": complete_indicators}


def check_month(ctx: click.Context, param: click.Parameter, value):
    """Callback: ``YYYY-MM`` with a month from 01 to 12."""
    if value is None:
        return value
    if re.fullmatch(r"\d{4}-\d{2}", value) is None or not 1 <= int(value[5:]) <= 12:
        raise click.BadParameter(f"attendu AAAA-MM (un mois de 01 à 12), reçu '{value}'",
                                 ctx, param)
    return value


def parse_year_range(text: str) -> tuple[int, int]:
    """``2024`` or ``2023-2027`` to (first, last); ValueError otherwise."""
    m = re.fullmatch(r"(\d{4})(?:-(\d{4}))?", text.strip())
    if m is None or int(m.group(2) or m.group(1)) < int(m.group(1)):
        raise ValueError(f"attendu AAAA ou AAAA-AAAA (croissant), reçu '{text}'")
    return int(m.group(1)), int(m.group(2) or m.group(1))


def _years(ctx: click.Context, param: click.Parameter, value):
    out = []
    for item in value or ():
        try:
            first, last = parse_year_range(item)
        except ValueError as exc:
            raise _bad(ctx, param, exc) from None
        out += [y for y in range(first, last + 1) if y not in out]
    return tuple(out)


def years_option(help: str):
    """``--year AAAA`` or ``AAAA-AAAA``, repeatable, the one spelling of every command (issue
    22); ``--years`` stays accepted, hidden. The command receives ``years``: a tuple of ints."""

    def decorator(fn):
        @functools.wraps(fn)
        def wrapper(*args, years=(), years_alias=(), **kwargs):
            return fn(*args, years=tuple(dict.fromkeys(years + years_alias)), **kwargs)

        wrapper = click.option("--years", "years_alias", multiple=True, hidden=True,
                               callback=_years, help="Ancienne orthographe de --year.")(wrapper)
        return click.option("--year", "years", multiple=True, metavar="AAAA[-AAAA]",
                            callback=_years, help=help)(wrapper)

    return decorator


def _zone(ctx, param, value):
    from cogind.errors import ConfigError
    from cogind.io.timezones import check_timezone

    try:
        return check_timezone(value)
    except ConfigError as exc:
        raise click.BadParameter(str(exc)) from None


TIMEZONE_OPTION = click.option(
    "--timezone", default="Europe/Paris", show_default=True, metavar="FUSEAU", callback=_zone,
    help="Fuseau civil des jours et mois pour les horodatages qui portent un fuseau "
    "(horodatages naïfs et dates lus tels quels) ; 'caisse' : celui de chaque caisse "
    "(outre-mer : le sien, sinon Europe/Paris).")


JSON_OPTION = click.option("--json", "as_json", is_flag=True,
                           help="Écrire sur la sortie standard un document JSON (pour les "
                                "scripts, docs/cli.md) au lieu du texte.")


def echo_json(data) -> None:
    """Print ``data`` as the JSON of the listings (report/listings.py)."""
    from cogind.report.listings import to_json

    click.echo(to_json(data))


def folder_output(ctx: click.Context, positional, option, name: str):
    """The folder given either as the positional argument or as ``-o/--output`` (not both,
    unless they name the same folder): a usage error (exit 2) otherwise."""
    if positional is not None and option is not None and \
            os.path.abspath(positional) != os.path.abspath(option):
        raise click.UsageError(f"{name} et -o/--output désignent deux dossiers différents : "
                               "n'en donner qu'un", ctx)
    if positional is None and option is None:
        raise click.UsageError(f"donner le dossier de sortie : -o/--output DOSSIER (ou {name})",
                               ctx)
    return positional if positional is not None else option
