"""``cogind validate``: the tables of a folder or file checked against the schemas."""
from __future__ import annotations

import sys
from pathlib import Path

import click

from cogind.cli.common import COG, JSON_OPTION, TIMEZONE_OPTION, echo_json, registry_of
from cogind.errors import ExitCode


@click.command()
@click.argument("source", type=click.Path(path_type=Path))
@click.option("--cog", default=None, **COG,
              help="Ne vérifier que les colonnes dont les indicateurs de cette COG ont besoin.")
@click.option("--strict", is_flag=True, help="Échouer là où compute --strict échoue : une "
              "colonne nécessaire absente, ou sa table vide.")
@TIMEZONE_OPTION
@JSON_OPTION
@click.pass_context
def validate(ctx, source, cog, strict, timezone, as_json):
    """Vérifier les tables de SOURCE d'après les schémas : colonnes, types, contraintes, avec
    des messages précis ; code 1 si une vérification échoue."""
    from cogind.io.validate import validate_report

    registry = registry_of(ctx)
    report, ok, doc = validate_report(source, registry, cog, strict, timezone)
    if as_json:
        echo_json(doc)
    else:
        click.echo(report)
    if not ok:
        sys.exit(ExitCode.ERROR)
