"""``cogind states``: inspect and bound a store of partial states (``compute --states``)."""
from __future__ import annotations

from pathlib import Path

import click

from cogind.cli.common import JSON_OPTION, echo_json

STORE = click.Path(exists=True, file_okay=False, path_type=Path)


@click.group("states")
def states_group():
    """Dossier d'états partiels de `cogind compute --states` : les lister, les purger
    (docs/etats.md)."""


@states_group.command("list")
@click.argument("store", type=STORE)
@JSON_OPTION
def list_command(store, as_json=False):
    """Lister les plans d'un dossier d'états : table, version, indicateurs, fichiers d'états,
    taille, dernier usage."""
    from cogind.engine.states import listing
    from cogind.formatting import count

    plans = listing(store)
    if as_json:
        echo_json({"etats": plans})
        return
    if not plans:
        click.echo(f"aucun état dans {store}")
        return
    for p in plans:
        click.echo(f"{p['cle'][:12]}  {p['table'] or '?':<12} cogind {p['version'] or '?'}  "
                   f"{count(p['indicateurs'], 'indicateurs')}  {count(p['etats'], 'états')}  "
                   f"{count(p['octets'], 'octets')}  dernier usage {p['dernier_usage'] or '-'}")


@states_group.command("prune")
@click.argument("store", type=STORE)
@click.option("--keep-days", type=click.FloatRange(min=0), default=30, show_default=True,
              metavar="JOURS", help="Garder les états utilisés depuis moins de JOURS jours.")
def prune_command(store, keep_days):
    """Supprimer les états inutilisés depuis plus de --keep-days jours (0 : tous)."""
    from cogind.engine.states import prune
    from cogind.formatting import count

    removed, freed = prune(store, keep_days)
    click.echo(f"{count(removed, 'états')} supprimés ({count(freed, 'octets')})")
