"""``cogind diff``: what moved between two result files."""
from __future__ import annotations

from pathlib import Path

import click


@click.command("diff")
@click.argument("old", type=click.Path(path_type=Path))
@click.argument("new", type=click.Path(path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Écrire les différences en JSON.")
@click.option("--tolerance", type=click.FloatRange(min=0), default=1e-9, show_default=True,
              help="Plus petit changement d'une valeur qui compte comme un mouvement.")
@click.option("--max-rows", type=click.IntRange(min=1), default=100, show_default=True,
              help="Différences montrées au terminal.")
def diff_command(old: Path, new: Path, as_json: bool, tolerance: float, max_rows: int) -> None:
    """Comparer deux fichiers de résultats (OLD, NEW : .arrow, .parquet, .csv ou .json) : ce
    qui a bougé, de combien, et quelles cellules ont franchi leur cible."""
    from cogind.analyses.diff import compare, diff_json, read_results, render_diff

    a, b = read_results(old), read_results(new)
    diff = compare(a, b, tolerance)
    click.echo(diff_json(a, b, diff) if as_json else render_diff(a, b, diff, max_rows))
