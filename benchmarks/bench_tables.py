"""Terminal tables: cogind.formatting.table against tabulate and rich (issue 22).

    python benchmarks/bench_tables.py [--rows 200] [--repeat 7]

Needs tabulate and rich (``pip install tabulate rich``, not dependencies of cogind). Prints the
import time of each (median of fresh processes: what ``cogind compute`` pays before its first
line) and the time to render the same 8-column table of ``--rows`` rows, numbers right-aligned,
the status column wrapped between words at 40 characters.
"""
from __future__ import annotations

import argparse
import io
import random
import statistics
import subprocess
import sys
import time
from pathlib import Path

# the module alone (it imports nothing of cogind): this runs in any venv that has the others
SRC = Path(__file__).resolve().parents[1] / "src" / "cogind"
sys.path.insert(0, str(SRC))
import formatting

HEADER = ("indicateur", "niveau", "période", "valeur", "IC", "cible", "écart", "statut")
RIGHT = (3, 4, 6)
STATUSES = ("atteinte", "non atteinte", "non atteinte (IC 95 % non disjoint de la cible)",
            "non calculable (aucune valeur sur la période, données absentes)")


def rows(n: int) -> list[tuple[str, ...]]:
    rng = random.Random(22)
    out = []
    for i in range(n):
        v = rng.uniform(0, 100)
        out.append((f"INDICATEUR_{i % 61}", f"{rng.randint(1, 99):02d}C{rng.randint(100, 999)}",
                    "2024-T3", formatting.number(v, "%"),
                    f"[{formatting.number(v - 2, '%')} ; {formatting.number(v + 2, '%')}]",
                    "≥ 84 %", formatting.number(rng.uniform(-9999, 9999), "cas"),
                    rng.choice(STATUSES)))
    return out


def ours(data):
    return formatting.table(HEADER, data, right=RIGHT, wrap={7: 40})


def with_tabulate(data):
    from tabulate import tabulate

    align = ["right" if i in RIGHT else "left" for i in range(len(HEADER))]
    return tabulate(data, HEADER, colalign=align, maxcolwidths=[None] * 7 + [40],
                    disable_numparse=True)


def with_rich(data):
    from rich.console import Console
    from rich.table import Table

    t = Table(*HEADER, box=None)
    for i in RIGHT:
        t.columns[i].justify = "right"
    t.columns[7].max_width = 40
    for r in data:
        t.add_row(*r)
    console = Console(file=io.StringIO(), width=200, color_system=None)
    console.print(t)
    return console.file.getvalue()


IMPORTS = {"ours": "import formatting, textwrap", "tabulate": "import tabulate",
           "rich": "import rich.console, rich.table"}


def import_ms(stmt: str, repeat: int) -> float:
    code = (f"import sys; sys.path.insert(0, {str(SRC)!r}); import time; "
            f"t = time.perf_counter(); {stmt}; print(time.perf_counter() - t)")
    return 1000 * statistics.median(
        float(subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                             check=True).stdout) for _ in range(repeat))


def render_ms(fn, data, repeat: int) -> float:
    fn(data)  # warm-up: lazy imports outside the timing
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn(data)
        times.append(time.perf_counter() - t)
    return 1000 * statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=200)
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args()
    data = rows(args.rows)
    for name, fn in (("ours", ours), ("tabulate", with_tabulate), ("rich", with_rich)):
        print(f"{name:9} import {import_ms(IMPORTS[name], args.repeat):6.1f} ms   render "
              f"{args.rows} rows {render_ms(fn, data, args.repeat):6.1f} ms")


if __name__ == "__main__":
    main()
