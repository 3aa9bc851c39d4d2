"""The bundled sample: two years, every table, all 101 caisses, a few MB of Parquet."""
from __future__ import annotations

from pathlib import Path

from cogind.synth.core import check_options, run
from cogind.synth.reference import TABLES

SAMPLE_YEARS = (2023, 2024)
SAMPLE_SEED = 2024
SAMPLE_ROWS = {"prestations": 200_000, "ij": 60_000, "contacts": 80_000, "dossiers": 20_000,
               "enquetes": 40_000, "demarches": 100_000, "controles": 20_000}

README = """\
# cogind sample data

Synthetic data written by `cogind generate` (package `cogind.synth`), **not real data**: no row
describes a real person, claim or caisse activity. It is what `cogind compute --sample` reads.

- years {first}-{last}, all 101 caisses, seed {seed}, no defects; the codes and measures of
  `enquetes`, `demarches`, `controles` and `mesures` are those read by cogind's own indicators
  (listed under `indicator_codes` in manifest.json);
- tables (Parquet, zstd): {tables};
- regenerate it, byte for byte with the same numpy and pyarrow versions (see manifest.json):

      {command}

Caisse codes and nomenclature codes come from the SNDS reference tables of the Health Data Hub
schema-snds project (MPL-2.0). How the data are modelled: docs/generate.md.
"""


def sample_options():
    """Validated options of the sample."""
    return check_options(SAMPLE_YEARS, 1.0, SAMPLE_ROWS, SAMPLE_SEED, 0.0, "parquet", False,
                         TABLES, 1_000_000, builtin=True)


def write_sample(out_dir: str | Path) -> dict:
    """Write the sample tables, manifest.json and README.md to ``out_dir``; returns the manifest."""
    manifest = run(out_dir, sample_options(), sample=True)
    tables = ", ".join(f"{t} ({manifest['tables'][t]['rows']:,} rows)" for t in TABLES)
    text = README.format(first=SAMPLE_YEARS[0], last=SAMPLE_YEARS[1], seed=SAMPLE_SEED,
                         tables=tables, command=manifest["command"])
    (Path(out_dir) / "README.md").write_text(text, encoding="utf-8")
    return manifest
