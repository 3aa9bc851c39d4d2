"""``cogind verify``: a result file recomputed from its inputs with the options it records."""
from __future__ import annotations

from pathlib import Path

import click

from cogind.cli.common import registry_of, sample_path
from cogind.errors import ExitCode


@click.command("verify")
@click.argument("results", type=click.Path(path_type=Path))
@click.argument("inputs", required=False, type=click.Path(path_type=Path))
@click.option("--sample", is_flag=True, help="The inputs are the sample dataset bundled.")
@click.pass_context
def verify_command(ctx, results, inputs, sample):
    """Recompute RESULTS from INPUTS with the options it records; exit 0 if it matches,
    1 with what differs otherwise."""
    
    from cogind.analyses.verify import render_verification, verify

    if sample == (inputs is not None):
        raise click.UsageError("give the INPUTS folder or file, or --sample (not both)")
    v = verify(results, sample_path() if sample else inputs, registry_of(ctx))
    click.echo(render_verification(v))
    if not v.ok:
        ctx.exit(ExitCode.ERROR)
