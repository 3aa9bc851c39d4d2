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
    """The registry of the installed plugins, minus those the user disabled."""
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
