"""``cogind validate``: the tables of a folder or file checked against the schemas."""
from __future__ import annotations

import sys
from pathlib import Path

import click

from cogind.cli.common import registry_of
from cogind.errors import ExitCode


@click.command()
@click.argument("source", type=click.Path(path_type=Path))
@click.option("--cog", default=None, help="Check only the columns this COG's indicators need.")
@click.option("--strict", is_flag=True, help="Fail where compute --strict fails: a column an "
              "indicator needs missing, or its table empty.")
@click.pass_context
def validate(ctx, source, cog, strict):
    """Check the tables in SOURCE against the schemas: columns and types, with precise messages."""
    from cogind.io.validate import validate_source

    registry = registry_of(ctx)
    report, ok = validate_source(source, registry, cog, strict)
    click.echo(report)
    if not ok:
        sys.exit(ExitCode.ERROR)
