"""The ``cogind`` command line: click only, one module per command group.

A command's module is imported when that command runs (or its help is shown), so that
``cogind --version`` and ``cogind --help`` import neither numba nor pyarrow.
"""
from __future__ import annotations

import importlib
import sys

import click

from cogind.cli.common import handle_errors, sample_path

# name → "module:attribute" of its click command, in the order of `cogind --help`
COMMANDS = {
    "compute": "cogind.cli.compute:compute",
    "validate": "cogind.cli.validate:validate",
    "list": "cogind.cli.catalogue:list_",
    "describe": "cogind.cli.catalogue:describe",
    "cogs": "cogind.cli.catalogue:cogs",
    "plugins": "cogind.cli.catalogue:plugins",
    "docs": "cogind.cli.catalogue:docs",
    "generate": "cogind.cli.generate:generate_command",
    "convert": "cogind.cli.convert:convert_command",
    "diff": "cogind.cli.diff:diff_command",
    "verify": "cogind.cli.verify:verify_command",
    "alerts": "cogind.cli.alerts:alerts_command",
    "report": "cogind.cli.report:report_command",
    "targets": "cogind.cli.targets:targets_command",
    "plugin": "cogind.cli.plugin:plugin_group",
    "states": "cogind.cli.states:states_group",
    "warmup": "cogind.cli.warmup:warmup",
}


class CogindGroup(click.Group):
    """Commands loaded on demand from :data:`COMMANDS`; each runs under :func:`handle_errors`."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(set(COMMANDS) | set(self.commands))

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        if name in self.commands or name not in COMMANDS:
            return self.commands.get(name)
        module, attr = COMMANDS[name].split(":")
        command = getattr(importlib.import_module(module), attr)
        _french_help(command)
        self.add_command(command, name)
        return command

    def invoke(self, ctx: click.Context):
        return handle_errors(super().invoke)(ctx)


HELP = "Afficher cette aide et quitter."


def _french_help(command: click.Command) -> None:
    """click's -h/--help in French, on a command and the sub-commands of a group (click makes
    that option when help is drawn, with the context's option names: it is relabelled then)."""
    if getattr(command, "_cogind_french_help", False):
        return
    original = command.get_help_option

    def get_help_option(ctx: click.Context):
        option = original(ctx)
        if option is not None:
            option.help = HELP
        return option

    command.get_help_option = get_help_option
    command._cogind_french_help = True
    for param in command.params:
        if isinstance(param, click.Option) and param.metavar is None and not param.is_flag:
            param.metavar = _metavar(param)
    for sub in getattr(command, "commands", {}).values():
        _french_help(sub)


def _metavar(param: click.Option) -> str | None:
    """The placeholder of an option's value in French (click writes TEXT, INTEGER, PATH…)."""
    t = param.type
    if param.name in ("cog", "cogs"):
        return "COG"
    if isinstance(t, click.Path):
        return "DOSSIER" if not t.file_okay else "FICHIER" if not t.dir_okay else "CHEMIN"
    if isinstance(t, click.Choice):
        return None  # click lists the choices
    return {"integer": "ENTIER", "integer range": "ENTIER", "float": "NOMBRE",
            "float range": "NOMBRE", "text": "TEXTE"}.get(t.name)


@click.group(cls=CogindGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--debug", is_flag=True,
              help="Montrer la trace complète des erreurs (ou COGIND_DEBUG=1).")
@click.option("--disable-plugin", multiple=True, metavar="NOM",
              help="Ne pas charger ce plugin (répétable ; ou COGIND_DISABLE_PLUGINS=a,b).")
@click.version_option(package_name="cogind", help="Afficher la version et quitter.")
@click.help_option("-h", "--help", help=HELP)
def cli(debug: bool, disable_plugin: tuple[str, ...]) -> None:
    """Indicateurs des COG État–Cnam, calculés par caisse et par période.

    Aide d'une commande : cogind COMMANDE --help ; complétion du shell : docs/cli.md."""
    if debug:  # the tracebacks, and the Dask log lines engine/dask.py silences otherwise
        _debug_logs(click.get_current_context())


def _debug_logs(ctx: click.Context) -> None:
    """Let the Dask engine's log lines through for this command (issue 18)."""
    import logging

    log = logging.getLogger("cogind.engine.dask")
    level = log.level
    log.setLevel(logging.DEBUG)
    ctx.call_on_close(lambda: log.setLevel(level))


class Terminated(KeyboardInterrupt):
    """SIGTERM, turned into an interruption so that ``finally`` blocks remove temporary files."""

    exit_code = 143  # 128 + SIGTERM


def _terminate(signum, frame) -> None:
    raise Terminated()


def main() -> None:
    """The console entry point: SIGINT and SIGTERM print « interrompu », exit 130 / 143.

    Once the command is over and its exit code known, the process ends as soon as the atexit
    handlers have run (:func:`_exit_now`)."""
    try:
        _main()
    except SystemExit as exc:  # click's standalone mode always ends here
        _exit_now(exc.code)
        raise


def _exit_now(code) -> None:
    """``os._exit(code)`` once stdout and stderr are flushed and every atexit handler has run
    (temporary folders, logging, Dask): the interpreter's teardown then frees nothing the OS
    does not free with the process (numba's and pyarrow's objects: ~30 ms of ``compute
    --sample``, benchmarks/README.md, start-up). Returns (a normal exit) when a thread other
    than a daemon is still running, when the code is a message, or a stream cannot be flushed."""
    import atexit
    import os
    import threading

    run_exitfuncs = getattr(atexit, "_run_exitfuncs", None)
    if not (code is None or isinstance(code, int)) or run_exitfuncs is None or any(
            t.is_alive() and not t.daemon and t is not threading.main_thread()
            for t in threading.enumerate()):
        return
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except (OSError, ValueError):  # a closed pipe, a closed stream: the usual exit says it
        return
    run_exitfuncs()
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except (OSError, ValueError):
        pass
    os._exit(code or 0)


def _main() -> None:
    import gc
    import signal

    try:  # from the first line: the start-up handler (cogind/__init__.py) hands over here
        signal.signal(signal.SIGTERM, _terminate)
        if signal.getsignal(signal.SIGINT) is not signal.SIG_IGN:  # ignored in a background job
            signal.signal(signal.SIGINT, signal.default_int_handler)
        cli(prog_name="cogind")
    except KeyboardInterrupt as exc:  # outside a command (parsing the group's options)
        click.echo("interrompu", err=True)
        sys.exit(getattr(exc, "exit_code", 130))
    finally:  # the run is over, its exit code decided: a late Ctrl-C must not kill the
        signal.signal(signal.SIGINT, signal.SIG_IGN)  # interpreter's shutdown (-2, silent)
        # nor its shutdown collect every object numba and pyarrow made, cycles the OS frees
        gc.freeze()  # anyway: 0.2 s CPU of `compute --sample` (benchmarks/README.md)


__all__ = ["cli", "main", "sample_path", "COMMANDS"]
