"""``cogind generate``: the click command over :func:`cogind.synth.generate`."""
from __future__ import annotations

import sys

import click

from cogind.cli.common import folder_output, years_option
from cogind.errors import ConfigError
from cogind.formatting import count
from cogind.synth.names import ALL_TABLES, OPTIONAL_TABLES, TABLES

DATA_OPTIONS = ("years", "years_alias", "scale", "rows", "seed", "defects", "fmt", "partition",
                "tables",
                "batch_rows")


DEFAULT_YEARS = (2018, 2027)


def year_span(ctx: click.Context, years: tuple[int, ...]) -> tuple[int, int]:
    """The years of ``--year`` (default 2018-2027) as (first, last): they must follow."""
    if not years:
        return DEFAULT_YEARS
    first, last = min(years), max(years)
    if len(set(years)) != last - first + 1:
        raise click.UsageError("--year : les années générées se suivent (AAAA-AAAA)", ctx)
    return first, last


def parse_rows(items: tuple[str, ...]) -> dict[str, int]:
    """``("prestations=1000000", "ij=2e5")`` to a dict; accepts ``_`` separators and 1e6."""
    rows = {}
    for item in items:
        table, sep, value = item.partition("=")
        try:
            n = float(value.replace("_", "")) if sep else -1.0
        except ValueError:
            n = -1.0
        if table not in ALL_TABLES or n < 0 or n != int(n):
            raise ConfigError(f"--rows must be TABLE=N with TABLE among {', '.join(ALL_TABLES)} "
                              f"and N a non-negative integer, got {item!r}")
        rows[table] = int(n)
    return rows


def parse_tables(text: str) -> tuple[str, ...]:
    """Comma-separated table names."""
    tables = tuple(t.strip() for t in text.split(",") if t.strip())
    bad = [t for t in tables if t not in ALL_TABLES]
    if bad or not tables:
        raise ConfigError(f"--tables must list tables among {', '.join(ALL_TABLES)}, "
                          f"got {text!r}")
    return tables


def _report(table: str, done: int, total: int) -> None:
    if done == total:
        click.echo(f"{table} : {count(done, 'lignes')}", err=True)


def _check_sample_alone(ctx: click.Context) -> None:
    given = [name for name in DATA_OPTIONS
             if ctx.get_parameter_source(name) is not click.core.ParameterSource.DEFAULT]
    if given:
        raise ConfigError("--sample takes no other data option (got " + ", ".join(
            "--" + g.replace("_alias", "").replace("_", "-") for g in given) + ")")


def _output(ctx: click.Context, output, out):
    """``-o/--output``, or the old ``--out`` (hidden, still accepted, with a warning)."""
    if out is not None:
        click.echo("Attention : --out est remplacé par -o/--output", err=True)
    return folder_output(ctx, out, output, "--out")


@click.command("generate")
@click.option("-o", "--output", type=click.Path(file_okay=False), default=None,
              help="Dossier de sortie (créé si besoin) ; reçoit aussi manifest.json.")
@click.option("--out", type=click.Path(file_okay=False), default=None, hidden=True,
              help="Ancienne orthographe de -o/--output (toujours acceptée).")
@years_option("Années d'activité, AAAA-AAAA ou AAAA, consécutives [défaut : 2018-2027].")
@click.option("--scale", type=float, default=1.0, show_default=True,
              help="Multiplie les nombres de lignes par défaut (par an : 1 M prestations, "
                   "200 k ij, 300 k contacts, 30 k dossiers, 50 k enquetes, 200 k demarches, "
                   "30 k controles ; mesures : une ligne par mesure, caisse et mois).")
@click.option("--rows", multiple=True, metavar="TABLE=N",
              help="Nombre exact de lignes d'une table, prioritaire sur --scale (répétable), "
                   "p. ex. --rows prestations=10000000.")
@click.option("--seed", type=int, default=0, show_default=True,
              help="Graine aléatoire ; même graine et mêmes options, mêmes données.")
@click.option("--defects", type=float, default=0.0, show_default=True, metavar="TAUX",
              help="Taux (0 à 0,2) de chaque sorte de défaut : dates nulles, fin avant début, "
                   "montants négatifs, lignes en double, codes inconnus, caisse nulle. 0 = "
                   "propre.")
@click.option("--format", "fmt", type=click.Choice(["parquet", "arrow"]), default="parquet",
              show_default=True, help="Parquet (zstd) ou fichier Arrow IPC (non compressé).")
@click.option("--partition/--no-partition", default=False, show_default=True,
              help="Un dossier par table, un sous-dossier year=AAAA (hive) par année.")
@click.option("--tables", default=",".join(TABLES), show_default=True,
              help="Tables à écrire, séparées par des virgules ; en plus, sur demande : "
                   + ", ".join(OPTIONAL_TABLES) + " (tendanciel mensuel par poste, tiré des "
                   "prestations générées ; bénéficiaires en ALD et médecin traitant).")
@click.option("--batch-rows", type=int, default=1_000_000, show_default=True,
              help="Lignes par groupe de lignes Parquet / lot Arrow (ne change pas les "
                   "données).")
@click.option("--sample", is_flag=True,
              help="Écrire dans -o le jeu d'exemple livré avec cogind (2023-2024, toutes les "
                   "tables, toutes les caisses) ; n'accepte aucune autre option de données.")
@click.pass_context
def generate_command(ctx: click.Context, output, out, years, scale, rows, seed, defects, fmt,
                     partition, tables, batch_rows, sample) -> None:
    """Générer des tables d'entrée synthétiques réalistes (prestations, ij, contacts,
    dossiers, enquetes, demarches, controles, mesures).

    Les données suivent les schémas des tables de cogind : 101 caisses de tailles inégales,
    saisonnalité, croissance, écarts de performance entre caisses et niveaux nationaux proches
    des chiffres publiés des COG ; codes et mesures couvrent tous les indicateurs installés.
    Rien n'y est réel. Détails : docs/generate.md.
    """
    from cogind.synth import generate, generate_sample

    out = _output(ctx, output, out)
    if sample:
        _check_sample_alone(ctx)
        manifest = generate_sample(out)
    else:
        manifest = generate(out, years=year_span(ctx, years), scale=scale, rows=parse_rows(rows),
                            seed=seed, defects=defects, fmt=fmt, partition=partition,
                            tables=parse_tables(tables), batch_rows=batch_rows,
                            progress=_report if sys.stderr.isatty() else None)
    click.echo(f"{count(manifest['total_rows'], 'lignes')} dans {len(manifest['tables'])} tables "
               f"écrites dans {out} (manifest.json)")
