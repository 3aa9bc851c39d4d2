"""``cogind states``: inspect and bound a store of partial states (``compute --states``)."""
from __future__ import annotations

from pathlib import Path

import click

from cogind.cli.common import JSON_OPTION, echo_json

STORE = click.Path(exists=True, file_okay=False, path_type=Path)


@click.group("states")
def states_group():
    """Dossier d'états partiels de `cogind compute --states` : les lister, les vérifier, les
    purger (docs/etats.md)."""


@states_group.command("list")
@click.argument("store", type=STORE)
@JSON_OPTION
def list_command(store, as_json=False):
    """Lister les plans d'un dossier d'états : table, version, indicateurs, fichiers dont
    l'état est stocké, générations (un fichier par calcul), taille, dernier usage."""
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
        what = (p["table"] or "?") + (" (doublons)" if p["contenu"] == "doublons" else "")
        click.echo(f"{p['cle'][:12]}  {what:<12} cogind {p['version'] or '?'}  "
                   f"{count(p['indicateurs'], 'indicateurs')}  {count(p['etats'], 'états')}  "
                   f"{count(p['generations'], 'générations')}  "
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


@states_group.command("verify")
@click.argument("store", type=STORE)
@JSON_OPTION
def verify_command(store, as_json=False):
    """Vérification complète : relire chaque fichier d'entrée enregistré (SHA-256 recalculé)
    et chaque état stocké (somme de contrôle) ; corriger les empreintes fausses, ôter les
    générations illisibles. Sortie 1 si l'une ou l'autre a été trouvée."""
    from cogind.engine.states import verify
    from cogind.errors import InputError
    from cogind.formatting import count

    found = verify(store)
    if as_json:
        echo_json({"verification": found})
    else:
        click.echo(f"{count(found['fichiers'], 'fichiers vérifiés')}, "
                   f"{count(found['etats'], 'états vérifiés')}"
                   + (f", {count(found['fichiers_absents'], 'fichiers absents')} oubliés"
                      if found["fichiers_absents"] else ""))
    problems = []
    if found["empreintes_fausses"]:
        problems.append(_plural(found["empreintes_fausses"], "empreinte fausse corrigée",
                                "empreintes fausses corrigées")
                        + ", refaire les calculs qui ont repris leurs états")
    if found["generations_illisibles"]:
        problems.append(_plural(found["generations_illisibles"], "génération illisible ôtée",
                                "générations illisibles ôtées"))
    if problems:
        raise InputError(f"{'; '.join(problems)} ({store})")


def _plural(n: int, one: str, many: str) -> str:
    return f"{n} {one if n == 1 else many}"
