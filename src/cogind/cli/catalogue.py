"""Commands that show the catalogue: ``list``, ``describe``, ``cogs``, ``plugins``, ``docs``."""
from __future__ import annotations

from pathlib import Path

import click

from cogind.cli.common import (COG, check_indicators, complete_indicators, folder_output,
                               registry_of)
from cogind.errors import PluginError


JSON = click.option("--json", "as_json", is_flag=True,
                    help="Écrire les mêmes champs en JSON (pour les scripts), pas en texte.")


def _show(as_json: bool, text_of, data_of, *args) -> None:
    """Print the text rendering, or with --json the data one (report/listings.py)."""
    if as_json:
        from cogind.report.listings import to_json

        click.echo(to_json(data_of(*args)))
    else:
        click.echo(text_of(*args))


@click.command("list")
@click.option("--cog", default=None, **COG,
              help="Seulement les indicateurs de cette COG, avec ses cibles.")
@JSON
@click.pass_context
def list_(ctx, cog, as_json):
    """Tous les indicateurs : code, unité, sens, table et COG qui les utilisent."""
    from cogind.report.describe import list_text
    from cogind.report.listings import list_data

    _show(as_json, list_text, list_data, registry_of(ctx), cog)


@click.command()
@click.argument("code", shell_complete=complete_indicators,
                callback=lambda ctx, param, code: check_indicators(ctx, param, code.upper()))
@JSON
@click.pass_context
def describe(ctx, code, as_json):
    """Définition de l'indicateur CODE : calcul, exclusions, sources, cibles."""
    from cogind.report.describe import indicator_text
    from cogind.report.listings import indicator_data

    _show(as_json, indicator_text, indicator_data, registry_of(ctx), code.upper())


@click.command()
@JSON
@click.pass_context
def cogs(ctx, as_json):
    """Les COG connues, leurs années et leur nombre d'indicateurs."""
    from cogind.report.describe import cogs_text
    from cogind.report.listings import cogs_data

    _show(as_json, cogs_text, cogs_data, registry_of(ctx))


@click.command()
@JSON
@click.pass_context
def plugins(ctx, as_json):
    """Les plugins chargés, leur distribution et version, et ce qu'ils déclarent."""
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
@click.argument("out_dir", required=False, type=click.Path(file_okay=False, path_type=Path))
@click.option("-o", "--output", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Dossier où écrire les pages (ou OUT_DIR en argument, forme d'origine).")
@click.option("--cog", "cogs", multiple=True, **COG,
              help="Seulement cette COG (répétable).")
@click.pass_context
def docs(ctx, out_dir, output, cogs):
    """Écrire une page markdown par COG (indicateurs, définitions, cibles) dans le dossier
    -o/--output (ou OUT_DIR)."""
    from cogind.report.docgen import write_docs

    out_dir = folder_output(ctx, out_dir, output, "OUT_DIR")
    for path in write_docs(registry_of(ctx), out_dir, tuple(cogs)):
        click.echo(str(path))
