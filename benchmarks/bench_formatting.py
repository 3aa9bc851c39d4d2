"""cogind.formatting against babel's ``format_decimal(..., locale="fr_FR")``: speed, import time,
and where the two disagree (issue 23).

    python benchmarks/bench_formatting.py [--n 100000]

Needs babel (``pip install babel``, not a dependency of cogind). Formats the same values with
the same number of decimals, compares the texts (babel's grouping is U+202F too, and it rounds
half to even on ``str(value)``), and times both.
"""
from __future__ import annotations

import argparse
import random
import subprocess
import sys
import time
from decimal import Decimal
from pathlib import Path

# the module alone (it imports nothing of cogind): this runs in any venv that has babel
SRC = Path(__file__).resolve().parents[1] / "src" / "cogind"
sys.path.insert(0, str(SRC))
import formatting


def values(n: int) -> list[tuple[float, int]]:
    rng = random.Random(23)
    out = [(round(rng.uniform(-1e6, 1e7), rng.randint(0, 4)), rng.randint(0, 2))
           for _ in range(n)]
    # ties at the shown precision: where rounding rules differ
    out += [(k + 0.5, 0) for k in range(50)] + [(k / 100 + 0.005, 2) for k in range(50)]
    return out


def ours(v: float, places: int) -> str:
    return formatting.plain(v, places)


def babel_text(v: float, places: int) -> str:
    from babel.numbers import format_decimal

    pattern = "#,##0" + ("." + "0" * places if places else "")
    return format_decimal(v, format=pattern, locale="fr_FR")


def timed(fn, items) -> float:
    start = time.perf_counter()
    for v, p in items:
        fn(v, p)
    return time.perf_counter() - start


def import_time(module: str) -> float:
    code = (f"import sys; sys.path.insert(0, {str(SRC)!r}); import time; "
            f"t = time.perf_counter(); import {module}; print(time.perf_counter() - t)")
    runs = [float(subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                                 check=True).stdout) for _ in range(5)]
    return sorted(runs)[2]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=100_000)
    args = parser.parse_args()
    items = values(args.n)
    babel_text(1.0, 1)  # locale data loaded once, outside the timing
    t_ours, t_babel = timed(ours, items), timed(babel_text, items)
    differ = [(v, p, ours(v, p), babel_text(v, p)) for v, p in items
              if ours(v, p) != babel_text(v, p)]
    print(f"{len(items)} values: cogind.formatting {t_ours * 1e6 / len(items):.2f} µs each, "
          f"babel {t_babel * 1e6 / len(items):.2f} µs each ({t_babel / t_ours:.1f}×)")
    print(f"import: cogind.formatting {import_time('formatting') * 1000:.1f} ms, "
          f"babel.numbers {import_time('babel.numbers') * 1000:.1f} ms")
    ties = [d for d in differ if abs(Decimal(repr(d[0])).scaleb(d[1]) % 1) == Decimal("0.5")]
    print(f"{len(differ)} texts differ, {len(ties)} of them ties at the shown precision (half "
          f"away from zero here, half to even in babel); first ones (value, decimals, ours, babel):")
    for row in differ[:8]:
        print("  ", row)


if __name__ == "__main__":
    main()
