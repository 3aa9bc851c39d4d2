"""``cogind generate``: the click command over :func:`cogind.synth.generate`."""
from __future__ import annotations

import sys

import click

from cogind.errors import ConfigError
from cogind.formatting import count
from cogind.synth.names import TABLES

DATA_OPTIONS = ("years", "scale", "rows", "seed", "defects", "fmt", "partition", "tables",
                "batch_rows")


def parse_years(text: str) -> tuple[int, int]:
    """``2018-2027`` or ``2024`` to (first, last)."""
    parts = text.split("-")
    try:
        if len(parts) == 1:
            return int(parts[0]), int(parts[0])
        if len(parts) == 2:
            return int(parts[0]), int(parts[1])
    except ValueError:
        pass
    raise ConfigError(f"--years must be YYYY or YYYY-YYYY, got {text!r}")


def parse_rows(items: tuple[str, ...]) -> dict[str, int]:
    """``("prestations=1000000", "ij=2e5")`` to a dict; accepts ``_`` separators and 1e6."""
    rows = {}
    for item in items:
        table, sep, value = item.partition("=")
        try:
            n = float(value.replace("_", "")) if sep else -1.0
        except ValueError:
            n = -1.0
        if table not in TABLES or n < 0 or n != int(n):
            raise ConfigError(f"--rows must be TABLE=N with TABLE among {', '.join(TABLES)} "
                              f"and N a non-negative integer, got {item!r}")
        rows[table] = int(n)
    return rows


def parse_tables(text: str) -> tuple[str, ...]:
    """Comma-separated table names."""
    tables = tuple(t.strip() for t in text.split(",") if t.strip())
    bad = [t for t in tables if t not in TABLES]
    if bad or not tables:
        raise ConfigError(f"--tables must list tables among {', '.join(TABLES)}, got {text!r}")
    return tables


def _report(table: str, done: int, total: int) -> None:
    if done == total:
        click.echo(f"{table} : {count(done, 'lignes')}", err=True)


def _check_sample_alone(ctx: click.Context) -> None:
    given = [name for name in DATA_OPTIONS
             if ctx.get_parameter_source(name) is not click.core.ParameterSource.DEFAULT]
    if given:
        raise ConfigError("--sample takes no other data option (got "
                          + ", ".join("--" + g.replace("_", "-") for g in given) + ")")


@click.command("generate")
@click.option("--out", required=True, type=click.Path(file_okay=False),
              help="Output folder (created if needed); also receives manifest.json.")
@click.option("--years", default="2018-2027", show_default=True,
              help="Years of activity, YYYY-YYYY or YYYY.")
@click.option("--scale", type=float, default=1.0, show_default=True,
              help="Multiplies the default row counts (per year: 1 M prestations, 200 k ij, "
                   "300 k contacts, 30 k dossiers, 50 k enquetes, 200 k demarches, 30 k "
                   "controles; mesures: one row per measure, caisse and month).")
@click.option("--rows", multiple=True, metavar="TABLE=N",
              help="Exact row count of a table, overriding --scale (repeatable), "
                   "e.g. --rows prestations=10000000.")
@click.option("--seed", type=int, default=0, show_default=True,
              help="Random seed; same seed and options give the same data.")
@click.option("--defects", type=float, default=0.0, show_default=True, metavar="RATE",
              help="Rate (0 to 0.2) of each defect kind: null dates, end before start, "
                   "negative amounts, duplicated rows, unknown codes, null caisse. 0 = clean.")
@click.option("--format", "fmt", type=click.Choice(["parquet", "arrow"]), default="parquet",
              show_default=True, help="Parquet (zstd) or Arrow IPC file (uncompressed).")
@click.option("--partition/--no-partition", default=False, show_default=True,
              help="One folder per table, one hive-style year=YYYY sub-folder per year.")
@click.option("--tables", default=",".join(TABLES), show_default=True,
              help="Comma-separated tables to write.")
@click.option("--batch-rows", type=int, default=1_000_000, show_default=True,
              help="Rows per Parquet row group / Arrow record batch (does not change the data).")
@click.option("--sample", is_flag=True,
              help="Write the sample bundled with cogind (2023-2024, every table, all caisses) "
                   "to --out; takes no other data option.")
@click.pass_context
def generate_command(ctx: click.Context, out, years, scale, rows, seed, defects, fmt, partition,
                     tables, batch_rows, sample) -> None:
    """Generate realistic synthetic input tables (prestations, ij, contacts, dossiers,
    enquetes, demarches, controles, mesures).

    The data follow the cogind table schemas: 101 caisses with skewed sizes, seasonality,
    growth, caisse performance differences and national levels near the published COG
    figures; codes and measures cover every installed indicator. Nothing in them is real.
    Details: docs/generate.md.
    """
    from cogind.synth import generate, generate_sample

    if sample:
        _check_sample_alone(ctx)
        manifest = generate_sample(out)
    else:
        manifest = generate(out, years=parse_years(years), scale=scale, rows=parse_rows(rows),
                            seed=seed, defects=defects, fmt=fmt, partition=partition,
                            tables=parse_tables(tables), batch_rows=batch_rows,
                            progress=_report if sys.stderr.isatty() else None)
    click.echo(f"{count(manifest['total_rows'], 'lignes')} dans {len(manifest['tables'])} tables "
               f"écrites dans {out} (manifest.json)")
