"""Commands that show the catalogue: ``list``, ``describe``, ``cogs``, ``plugins``, ``docs``."""
from __future__ import annotations

from pathlib import Path

import click

from cogind.cli.common import registry_of
from cogind.errors import PluginError


@click.command("list")
@click.option("--cog", default=None, help="Only the indicators of this COG, with its targets.")
@click.pass_context
def list_(ctx, cog):
    """Every indicator: code, unit, direction, table and the COGs that use it."""
    from cogind.report.describe import list_text

    click.echo(list_text(registry_of(ctx), cog))


@click.command()
@click.argument("code")
@click.pass_context
def describe(ctx, code):
    """Definition of indicator CODE: computation, exclusions, sources, targets."""
    from cogind.report.describe import indicator_text

    click.echo(indicator_text(registry_of(ctx), code.upper()))


@click.command()
@click.pass_context
def cogs(ctx):
    """The COGs known, their years and number of indicators."""
    from cogind.report.describe import cogs_text

    click.echo(cogs_text(registry_of(ctx)))


@click.command()
@click.pass_context
def plugins(ctx):
    """The plugins loaded, their distribution and version, and what they declared."""
    from cogind.report.describe import plugins_text
    from cogind.plugins import make_plugin_manager
    from cogind.registry import Registry

    try:
        registry = registry_of(ctx, allow_broken=True)
    except PluginError as exc:
        _, infos = make_plugin_manager(disabled=ctx.find_root().params.get("disable_plugin"))
        click.echo(plugins_text(Registry(infos)))
        raise exc
    click.echo(plugins_text(registry))
    broken = [i for i in registry.plugins if i.error]
    if broken:
        from cogind.plugins import describe_plugin

        raise PluginError(f"{describe_plugin(broken[0])}: {broken[0].error}")


@click.command("docs")
@click.argument("out_dir", type=click.Path(file_okay=False, path_type=Path))
@click.option("--cog", "cogs", multiple=True, help="Only this COG (repeatable).")
@click.pass_context
def docs(ctx, out_dir, cogs):
    """Write one markdown page per COG (indicators, definitions, targets) into OUT_DIR."""
    from cogind.report.docgen import write_docs

    from cogind.plugins import build_registry

    registry = build_registry(disabled=ctx.find_root().params.get("disable_plugin") or ())
    for code in cogs:
        registry.cog(code)  # an unknown COG is a ConfigError before anything is written
    for path in write_docs(registry, out_dir, tuple(cogs)):
        click.echo(str(path))
