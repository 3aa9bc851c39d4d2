"""The optional ``tendanciel`` table: the Cnam's monthly trend per spending line (issue 21 § 2).

The Cnam sets a trend per poste and declines it monthly in the network (seed 001 l.2032-2049):
an econometric extension of past spending corrected by experts, often missed. Here, from the
claims of the same run: for caisse c, poste p, year y and month m,

    trend = (spending of c on p in y / 12) × season(p, m) × (1 + bias(p, y) + error(c, p, y))

with season(p, m) the national share of month m in the poste's year (× 12), bias(p, y) the
national mis-estimate of the year (normal, mean +2 %, sd 1.5 %: trends tend to be set high)
and error(c, p, y) the caisse's own (sd 2 %). National rows (``ORG_CLE_NUM`` empty) are the sum
of the caisses'. The postes and their natures are those of the registered indicators
(``SavingsVsTrend`` with one poste, scoped on ``PRS_NAT_REF``); draws come from a stream of
their own, so every other table keeps its bytes. Written only when asked
(``--tables ...,tendanciel``): the default tables and the sample do not have it.
"""
from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.dataset as ds

from cogind.errors import ConfigError
from cogind.synth.reference import arrow_schema
from cogind.synth.writers import FileWriter, table_path

NAME = "tendanciel"
BIAS_MEAN, BIAS_SD, CAISSE_SD = 0.02, 0.015, 0.02


def postes(registry) -> tuple[tuple[str, tuple[int, ...]], ...]:
    """(POSTE, PRS_NAT_REF natures) of every registered one-poste savings indicator."""
    out: dict[str, tuple[int, ...]] = {}
    for ind in registry.indicators.values():
        ps = getattr(ind.measure, "postes", ())
        if ind.table != "prestations" or len(ps) != 1 or ps[0] in out:
            continue
        natures = [c.values for c in ind.where if c.column == "PRS_NAT_REF" and not c.negate]
        if natures:
            out[ps[0]] = tuple(int(v) for v in natures[0])
    return tuple(sorted(out.items()))


def check(tables: tuple[str, ...]) -> tuple[str, ...]:
    """The tables in writing order: the trend after the claims it is derived from."""
    if NAME not in tables:
        return tables
    if "prestations" not in tables:
        raise ConfigError("table 'tendanciel' is derived from the generated prestations: "
                          "generate both (--tables prestations,tendanciel)")
    return tuple(t for t in tables if t != NAME) + (NAME,)


def cells_per_year(n_caisses: int, n_postes: int) -> int:
    return (n_caisses + 1) * n_postes * 12


def _claims_table(data: ds.Dataset, plan) -> pa.Table:
    """The columns the trends need, of the lines of every poste (one read)."""
    natures = sorted({n for _, ns in plan for n in ns})
    return data.to_table(columns=["ORG_CLE_NUM", "EXE_SOI_DTD", "PRS_NAT_REF", "PRS_PAI_MNT"],
                         filter=pc.is_in(pc.field("PRS_NAT_REF"),
                                         value_set=pa.array(natures, pa.int64())))


def _monthly(table: pa.Table, codes: tuple[str, ...], natures: tuple[int, ...],
             years: range) -> np.ndarray:
    """Realised spending (caisses × years × 12, euros) of the lines of ``natures``."""
    grid = np.zeros((len(codes), len(years), 12))
    table = table.filter(pc.is_in(table["PRS_NAT_REF"],
                                  value_set=pa.array(natures, table["PRS_NAT_REF"].type)))
    if table.num_rows == 0:
        return grid
    caisse = pc.index_in(pc.cast(table["ORG_CLE_NUM"], pa.string()),
                         value_set=pa.array(codes)).to_numpy(zero_copy_only=False)
    day = table["EXE_SOI_DTD"].to_numpy().astype("datetime64[D]")
    year = day.astype("datetime64[Y]").astype(np.int64) + 1970
    month = day.astype("datetime64[M]").astype(np.int64) % 12
    amount = pc.fill_null(table["PRS_PAI_MNT"], 0.0).to_numpy()
    keep = (~np.isnan(caisse.astype(float))) & (year >= years.start) & (year < years.stop)
    np.add.at(grid, (caisse[keep].astype(np.int64), year[keep] - years.start, month[keep]),
              np.maximum(amount[keep], 0.0))
    return grid


def trend(realised: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Trend (caisses × years × 12, cents) of one poste from its realised spending."""
    national = realised.sum(axis=0)  # years × 12
    yearly = national.sum(axis=1, keepdims=True)
    season = np.divide(national * 12, yearly, out=np.ones_like(national), where=yearly > 0)
    bias = BIAS_MEAN + BIAS_SD * rng.standard_normal(realised.shape[1])
    error = CAISSE_SD * rng.standard_normal(realised.shape[:2])
    level = realised.sum(axis=2) / 12 * (1 + bias[None, :] + error)
    return np.round(level[:, :, None] * season[None, :, :] * 100)


def claims(out: Path, fmt: str, partition: bool) -> ds.Dataset:
    """The prestations this run wrote in ``out``."""
    if partition:
        return ds.dataset(str(out / "prestations"), format="ipc" if fmt == "arrow" else fmt,
                          partitioning="hive")
    return ds.dataset(str(table_path(out, "prestations", fmt, False)),
                      format="ipc" if fmt == "arrow" else fmt)


def columns(data: ds.Dataset, seed: int, codes: tuple[str, ...], plan, years: range) -> dict:
    """Rows of the table (poste, then caisse with national last, then month) as columns."""
    rng = np.random.default_rng([seed, 0x54454E44])  # 'TEND': the trend's own stream
    cols: dict[str, list] = {"ORG_CLE_NUM": [], "POSTE": [], "MOIS": [], "MONTANT": []}
    months = [dt.date(y, m, 1) for y in years for m in range(1, 13)]
    table = _claims_table(data, plan)
    for poste, natures in plan:
        cents = trend(_monthly(table, codes, natures, years), rng).reshape(len(codes), -1)
        rows = np.vstack([cents, cents.sum(axis=0, keepdims=True)])
        for k, code in enumerate(codes + (None,)):
            cols["ORG_CLE_NUM"] += [code] * len(months)
            cols["POSTE"] += [poste] * len(months)
            cols["MOIS"] += months
            cols["MONTANT"] += list(rows[k] / 100)
    return cols


def write(out: Path, opts, net, progress=None) -> dict:
    """Write the table (one file, or one per year when partitioned); its manifest entry."""
    cols = columns(claims(out, opts.fmt, opts.partition), opts.seed, net.codes, opts.postes,
                   opts.year_range)
    table = pa.table(cols, schema=arrow_schema(NAME))
    years = np.array([d.year for d in cols["MOIS"]])
    files, per_year = [], {}
    for year in (opts.year_range if opts.partition else [opts.years[0]]):
        part = table.filter(pa.array(years == year)) if opts.partition else table
        path = table_path(out, NAME, opts.fmt, opts.partition, year)
        writer = FileWriter(path, table.schema, opts.fmt)
        try:
            writer.write(part)
        except BaseException:
            writer.abort()
            raise
        writer.close()
        files.append(path.relative_to(out).as_posix())
    for y in opts.year_range:
        per_year[str(y)] = int((years == y).sum())
    if progress is not None:
        progress(NAME, table.num_rows, table.num_rows)
    return {"rows": table.num_rows, "rows_per_year": per_year, "files": files, "defects": {}}
