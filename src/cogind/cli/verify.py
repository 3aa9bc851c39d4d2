"""``cogind verify``: a result file recomputed from its inputs with the options it records."""
from __future__ import annotations

from pathlib import Path

import click

from cogind.cli.common import JSON_OPTION, echo_json, registry_of, sample_path
from cogind.errors import ExitCode


@click.command("verify")
@click.argument("results", type=click.Path(path_type=Path))
@click.argument("inputs", required=False, type=click.Path(path_type=Path))
@click.option("--sample", is_flag=True, help="Les entrées sont le jeu d'exemple livré.")
@JSON_OPTION
@click.pass_context
def verify_command(ctx, results, inputs, sample, as_json=False):
    """Recalculer RESULTS à partir d'INPUTS avec les options qu'il enregistre ; code 0 s'il
    correspond, 1 avec ce qui diffère sinon."""

    from cogind.analyses.verify import render_verification, verify

    if sample == (inputs is not None):
        raise click.UsageError("donner le dossier ou fichier INPUTS, ou --sample (pas les deux)")
    v = verify(results, sample_path() if sample else inputs, registry_of(ctx))
    if as_json:
        echo_json({"ok": v.ok, "cellules": v.cells, "differences": v.differences,
                   "notes": v.notes})
    else:
        click.echo(render_verification(v))
    if not v.ok:
        ctx.exit(ExitCode.ERROR)
