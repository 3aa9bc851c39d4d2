"""Commands that show the catalogue: ``list``, ``describe``, ``cogs``, ``plugins``, ``docs``."""
from __future__ import annotations

from pathlib import Path

import click

from cogind.cli.common import registry_of
from cogind.errors import PluginError


JSON = click.option("--json", "as_json", is_flag=True,
                    help="Print the same fields as JSON (for scripts), not as text.")


def _show(as_json: bool, text_of, data_of, *args) -> None:
    """Print the text rendering, or with --json the data one (report/listings.py)."""
    if as_json:
        from cogind.report.listings import to_json

        click.echo(to_json(data_of(*args)))
    else:
        click.echo(text_of(*args))


@click.command("list")
@click.option("--cog", default=None, help="Only the indicators of this COG, with its targets.")
@JSON
@click.pass_context
def list_(ctx, cog, as_json):
    """Every indicator: code, unit, direction, table and the COGs that use it."""
    from cogind.report.describe import list_text
    from cogind.report.listings import list_data

    _show(as_json, list_text, list_data, registry_of(ctx), cog)


@click.command()
@click.argument("code")
@JSON
@click.pass_context
def describe(ctx, code, as_json):
    """Definition of indicator CODE: computation, exclusions, sources, targets."""
    from cogind.report.describe import indicator_text
    from cogind.report.listings import indicator_data

    _show(as_json, indicator_text, indicator_data, registry_of(ctx), code.upper())


@click.command()
@JSON
@click.pass_context
def cogs(ctx, as_json):
    """The COGs known, their years and number of indicators."""
    from cogind.report.describe import cogs_text
    from cogind.report.listings import cogs_data

    _show(as_json, cogs_text, cogs_data, registry_of(ctx))


@click.command()
@JSON
@click.pass_context
def plugins(ctx, as_json):
    """The plugins loaded, their distribution and version, and what they declared."""
    from cogind.plugins import make_plugin_manager
    from cogind.registry import Registry
    from cogind.report.describe import plugins_text
    from cogind.report.listings import plugins_data

    try:
        registry = registry_of(ctx, allow_broken=True)
    except PluginError as exc:
        _, infos = make_plugin_manager(disabled=ctx.find_root().params.get("disable_plugin"))
        _show(as_json, plugins_text, plugins_data, Registry(infos))
        raise exc
    _show(as_json, plugins_text, plugins_data, registry)
    broken = [i for i in registry.plugins if i.error]
    if broken:
        from cogind.registry import describe_plugin

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
