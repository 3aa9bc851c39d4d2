"""``cogind diff``: what moved between two result files."""
from __future__ import annotations

from pathlib import Path

import click


@click.command("diff")
@click.argument("old", type=click.Path(path_type=Path))
@click.argument("new", type=click.Path(path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Print the differences as JSON.")
@click.option("--tolerance", type=click.FloatRange(min=0), default=1e-9, show_default=True,
              help="Smallest change of a value that counts as a move.")
@click.option("--max-rows", type=click.IntRange(min=1), default=100, show_default=True,
              help="Differences shown on the terminal.")
def diff_command(old: Path, new: Path, as_json: bool, tolerance: float, max_rows: int) -> None:
    """Compare two result files (OLD, NEW: .arrow, .parquet, .csv or .json): what moved, by
    how much, and which cells crossed their target line."""
    from cogind.analyses.diff import compare, diff_json, read_results, render_diff

    a, b = read_results(old), read_results(new)
    diff = compare(a, b, tolerance)
    click.echo(diff_json(a, b, diff) if as_json else render_diff(a, b, diff, max_rows))
