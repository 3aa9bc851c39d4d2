"""Every command's --help as a user reads it: click prints help strings verbatim, so a
printf-style escape (``%%``) shows as two signs."""
import click
from click.testing import CliRunner

from cogind.cli import cli


def _commands(group: click.Group, ctx: click.Context, prefix: list[str]):
    for name in group.list_commands(ctx):
        command = group.get_command(ctx, name)
        yield prefix + [name]
        if isinstance(command, click.Group):
            yield from _commands(command, click.Context(command, parent=ctx), prefix + [name])


def test_no_help_shows_a_doubled_percent_sign():
    paths = list(_commands(cli, click.Context(cli), []))
    assert len(paths) > 20 and ["targets", "composite"] in paths
    for path in paths:
        run = CliRunner().invoke(cli, path + ["--help"])
        assert run.exit_code == 0, (path, run.output)
        assert "%%" not in run.output, path
