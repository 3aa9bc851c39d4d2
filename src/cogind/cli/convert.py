"""``cogind convert``: input tables rewritten as uncompressed Arrow IPC files."""
from __future__ import annotations

from pathlib import Path

import click

from cogind.cli.common import folder_output, output_path, registry_of


@click.command("convert")
@click.argument("source", type=click.Path(exists=True, path_type=Path))
@click.argument("out_dir", required=False, type=click.Path(path_type=Path),
                callback=output_path(folder=True))
@click.option("-o", "--output", type=click.Path(path_type=Path), default=None,
              callback=output_path(folder=True),
              help="Dossier à écrire (ou OUT_DIR en argument, forme d'origine).")
@click.option("--table", "tables", multiple=True, help="Seulement cette table (répétable).")
@click.pass_context
def convert_command(ctx, source, out_dir, output, tables):
    """Réécrire les tables de SOURCE (CSV, Parquet, Arrow) en fichiers Arrow IPC non compressés
    dans le dossier -o/--output (ou OUT_DIR) : l'entrée la plus rapide pour des calculs répétés
    (projetée en mémoire, rien à décoder). Le dossier apparaît entier ou pas du tout."""
    from cogind.formatting import count
    from cogind.io.convert import convert

    out_dir = folder_output(ctx, out_dir, output, "OUT_DIR")

    for name, rows in convert(source, out_dir, registry_of(ctx), tables or None).items():
        click.echo(f"{name} : {count(rows, 'lignes')} -> {out_dir / (name + '.arrow')}", err=True)
