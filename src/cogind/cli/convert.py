"""``cogind convert``: input tables rewritten as uncompressed Arrow IPC files."""
from __future__ import annotations

from pathlib import Path

import click

from cogind.cli.common import output_path, registry_of


@click.command("convert")
@click.argument("source", type=click.Path(exists=True, path_type=Path))
@click.argument("out_dir", type=click.Path(path_type=Path), callback=output_path(folder=True))
@click.option("--table", "tables", multiple=True, help="Only this table (repeatable).")
@click.pass_context
def convert_command(ctx, source, out_dir, tables):
    """Rewrite the tables of SOURCE (CSV, Parquet, Arrow) as uncompressed Arrow IPC files in
    OUT_DIR: the fastest input for repeated computations (memory-mapped, nothing decoded).
    OUT_DIR appears whole or not at all."""
    from cogind.formatting import count
    from cogind.io.convert import convert

    for name, rows in convert(source, out_dir, registry_of(ctx), tables or None).items():
        click.echo(f"{name} : {count(rows, 'lignes')} -> {out_dir / (name + '.arrow')}", err=True)
