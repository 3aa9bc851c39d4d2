"""``cogind warmup``: compile, into the user cache, the kernels and loops a COG's run needs.

Every input reaches a kernel as int64 (:mod:`cogind.kernels`), so computing the bundled sample,
which has every input table, compiles the same separate kernels as any data; it is computed a
second time with ``COGIND_FUSED=always``, which compiles the generated loop of each table plan
(:mod:`cogind.engine.fused`) that tables of 1 M rows or more use, for the sample's column types.
"""
from __future__ import annotations

import os
import time
from contextlib import contextmanager

import click

from cogind.cli.common import COG, registry_of, sample_path

# (COGIND_FUSED, period): the separate loops of small tables (months alone are read by a kernel
# of their own, engine/core.py stacked), then the fused loop of each table plan
PASSES = (("never", "month"), ("never", "year"), ("always", "month"))


@contextmanager
def _fused(value: str):
    """``COGIND_FUSED`` set for one pass, the user's own value restored after it."""
    before = os.environ.get("COGIND_FUSED")
    os.environ["COGIND_FUSED"] = value
    try:
        yield
    finally:
        if before is None:
            os.environ.pop("COGIND_FUSED", None)
        else:
            os.environ["COGIND_FUSED"] = before


@click.command("warmup")
@click.option("--cog", "cogs", multiple=True, **COG,
              help="COG dont compiler les calculs (répétable ; par défaut : 2023-2027).")
@click.pass_context
def warmup(ctx, cogs):
    """Compiler une fois pour toutes, dans le cache de l'utilisateur, les noyaux numba et les
    boucles fusionnées qu'un calcul de la COG emploie : les calculs suivants ne compilent plus
    rien (docs/cli.md). Une deuxième exécution ne fait rien."""
    from cogind.api import compute
    from cogind.formatting import count
    from cogind.kernels import cache_files, user_cache_dir

    registry = registry_of(ctx)
    start, since = time.perf_counter(), time.time_ns()
    for cog in cogs or ("2023-2027",):
        for fused, period in PASSES:
            with _fused(fused):
                compute(sample_path(), cog, period=period, registry=registry,
                        secret=False, threads=1)
    new = [p for p, (_, mtime) in cache_files().items() if mtime >= since]
    where = f"{os.environ.get('NUMBA_CACHE_DIR', 'numba')}, {user_cache_dir('fused')}"
    if not new:
        click.echo(f"Rien à compiler : le cache est à jour ({where}).", err=True)
        return
    click.echo(f"{count(len(new), 'fichiers')} de code compilé écrits dans le cache en "
               f"{time.perf_counter() - start:.1f} s ({where}).", err=True)
