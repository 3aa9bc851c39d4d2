"""``cogind plugin new``: scaffold a plugin package (:mod:`cogind.templates`)."""
from __future__ import annotations

from pathlib import Path

import click


@click.group("plugin")
def plugin_group() -> None:
    """Écrire un plugin : créer le paquet d'un nouveau plugin (docs/plugins.md)."""


@plugin_group.command("new")
@click.argument("name")
@click.option("-o", "--output", type=click.Path(path_type=Path), default=None,
              help="Dossier du paquet à créer (défaut : ./cogind-NAME) ; il ne doit pas exister.")
def new_command(name: str, output: Path | None) -> None:
    """Créer le paquet du plugin NAME (nom de module Python : minuscules, chiffres, _) : un
    pyproject.toml avec son point d'entrée « cogind », un module déclarant un indicateur, un
    test contre un calcul de référence et un README, comme examples/cogind-plugin-exemple."""
    from cogind.errors import ConfigError
    from cogind.templates import check_name, default_folder, scaffold

    try:
        check_name(name)
    except ConfigError as exc:
        raise click.BadParameter(str(exc), param_hint="NAME") from None
    out = output if output is not None else default_folder(name)
    for path in scaffold(name, out):
        click.echo(out / path)
    click.echo(f"Ensuite : cd {out} && pip install -e '.[test]' && python -m pytest", err=True)
