"""The optional ``beneficiaires`` table: ALD exonerations and the patients' médecin traitant
(COG 2023-2027 n° 22 computed, issue 21 § 1).

One row per ALD exoneration starting in a generated year (``IMB_ALD_DTD`` uniform in the
year), an extraction made at the end of the last year: an end or a declaration after that day
is not known yet (empty). For each row:

- caisse, age and sex as the claims (:func:`population.caisse_alias`,
  :func:`population.draw_age_sex`: older people more), the person's ``BEN_NIR_PSA`` from
  :func:`cogind.synth.beneficiaires.ids` at the ALD start day, so the patient is one of the
  claims' people (same pools when the claims have about ``claims_per_year`` rows a year);
- ``IMB_ALD_DTF``: a share ``ALD_END_SHARE`` of exonerations end, after an exponential
  duration (mean ``ALD_MEAN_DAYS``);
- médecin traitant: declared for a share of patients that varies by caisse (mean
  ``MT_SHARE``, sd ``MT_SD``); mostly before the ALD (up to six years), a share
  ``MT_LATE_SHARE`` within six months after it; a share ``MT_END_SHARE`` of declarations end
  (the doctor left) without a new one.

Drawn from a stream of its own (no other table changes). Written only when asked.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pyarrow as pa

from cogind.synth import beneficiaires, population
from cogind.synth.calendar import year_bounds
from cogind.synth.reference import arrow_schema
from cogind.synth.reseau import Network
from cogind.synth.writers import FileWriter, table_path

NAME = "beneficiaires"
ROWS_PER_YEAR = 20_000  # new ALD exonerations a year at scale 1
ALD_END_SHARE, ALD_MEAN_DAYS = 0.25, 4 * 365
MT_SHARE, MT_SD = 0.96, 0.02
MT_LATE_SHARE, MT_END_SHARE = 0.15, 0.06
TAG = 0x414C44  # 'ALD': the table's own random streams


def _doctor(rng, caisse, start, end_day, share):
    """(MTT_DEB_DTD, MTT_FIN_DTD) as days since 1970, -1 where empty."""
    n = len(caisse)
    has = rng.random(n) < share[caisse]
    late = rng.random(n) < MT_LATE_SHARE
    offset = np.where(late, rng.integers(0, 183, n), -rng.integers(0, 6 * 365, n))
    mt0 = np.where(has, start + offset, -1)
    mt0 = np.where(mt0 > end_day, -1, mt0)
    stop = (mt0 >= 0) & (rng.random(n) < MT_END_SHARE)
    mt1 = np.where(stop, mt0 + rng.integers(30, 5 * 365, n), -1)
    return mt0, np.where(mt1 > end_day, -1, mt1)


def columns(net: Network, year: int, n: int, seed: int, last_year: int,
            claims_per_year: int | None = None) -> dict[str, pa.Array]:
    """The ``n`` ALD rows starting in ``year``, as Arrow arrays in schema order."""
    rng = np.random.default_rng([int(seed), TAG, int(year)])
    share = np.clip(MT_SHARE + MT_SD * np.random.default_rng([int(seed), TAG]).standard_normal(
        len(net.codes)), 0.75, 0.995)
    caisse = population.caisse_alias(net, year).draw(rng, n).astype(np.int64)
    age, sex = population.draw_age_sex(rng, caisse, year, net.seed, np.zeros(n, bool))
    lo, hi = year_bounds(year)
    end_day = year_bounds(last_year)[1] - 1
    start = np.sort(rng.integers(lo, hi, n))
    ends = rng.random(n) < ALD_END_SHARE
    stop = start + np.ceil(rng.exponential(ALD_MEAN_DAYS, n)).astype(np.int64)
    stop = np.where(ends & (stop <= end_day), stop, -1)
    mt0, mt1 = _doctor(rng, caisse, start, end_day, share)
    ids = beneficiaires.ids(beneficiaires.stream(seed, year, (1 << 40) | TAG), net, caisse, sex,
                            age, start, claims_per_year)
    day = lambda v: pa.array(v.astype(np.int32), pa.date32(), mask=v < 0)
    return {"BEN_NIR_PSA": ids,
            "ORG_CLE_NUM": pa.DictionaryArray.from_arrays(pa.array(caisse, pa.int8()),
                                                          pa.array(net.codes, pa.string())),
            "IMB_ALD_DTD": day(start), "IMB_ALD_DTF": day(stop), "MTT_DEB_DTD": day(mt0),
            "MTT_FIN_DTD": day(mt1)}


def table(net: Network, years: range, rows_per_year: int, seed: int,
          claims_per_year: int | None = None) -> pa.Table:
    schema = arrow_schema(NAME)
    parts = [pa.table(columns(net, y, rows_per_year, seed, years[-1], claims_per_year))
             .cast(schema) for y in years]
    return pa.concat_tables(parts)


def write(out: Path, years: tuple[int, int] = (2023, 2024), seed: int = 0,
          rows_per_year: int = ROWS_PER_YEAR, fmt: str = "parquet",
          claims_per_year: int | None = None) -> Path:
    """Write ``out/beneficiaires.<fmt>`` beside generated tables of the same seed."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    data = table(Network.build(seed), range(years[0], years[1] + 1), rows_per_year, seed,
                 claims_per_year)
    path = table_path(out, NAME, fmt, False)
    writer = FileWriter(path, data.schema, fmt)
    try:
        writer.write(data)
    except BaseException:
        writer.abort()
        raise
    writer.close()
    return path


def rows_for(rows: dict, n_years: int, scale: float) -> int:
    """The table's row count in a ``generate`` run (``rows`` given, else scaled), a multiple of
    its years (the same count each year)."""
    n = int(rows.get(NAME, round(ROWS_PER_YEAR * n_years * scale)))
    return n - n % n_years


def write_entry(out: Path, opts, net: Network, progress=None) -> dict:
    """The table in a ``generate`` run (one file, or one per year when partitioned): its
    manifest entry. The claims' pools are those of this run's prestations when it has them."""
    years = opts.year_range
    per_year = opts.rows[NAME] // len(years)
    claims = opts.rows.get("prestations")
    data = table(net, years, per_year, opts.seed, claims // len(years) if claims else None)
    files = []
    for year in (years if opts.partition else [years[0]]):
        part = (data.slice((year - years[0]) * per_year, per_year) if opts.partition else data)
        path = table_path(out, NAME, opts.fmt, opts.partition, year)
        path.parent.mkdir(parents=True, exist_ok=True)
        writer = FileWriter(path, data.schema, opts.fmt)
        try:
            writer.write(part)
        except BaseException:
            writer.abort()
            raise
        writer.close()
        files.append(path.relative_to(out).as_posix())
    if progress is not None:
        progress(NAME, data.num_rows, data.num_rows)
    return {"rows": data.num_rows, "rows_per_year": {str(y): per_year for y in years},
            "files": files, "defects": {}}
