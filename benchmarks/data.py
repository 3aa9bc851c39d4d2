"""Synthetic input tables for the benchmarks, built quickly in memory with NumPy."""
from __future__ import annotations

import numpy as np
import pyarrow as pa

CAISSES = [f"01C{n:03d}" for n in range(11, 1000, 10)][:101]


def ij_table(n: int, seed: int = 0) -> pa.Table:
    """``n`` IJ payments over 2023-2024, most of them first non-subrogated payments."""
    rng = np.random.default_rng(seed)
    start = np.datetime64("2023-01-01").astype(np.int64)
    rec = start + rng.integers(0, 700, n)
    pay = rec + rng.gamma(2.0, 13.0, n).astype(np.int64)
    caisse = pa.DictionaryArray.from_arrays(
        pa.array(rng.integers(0, len(CAISSES), n).astype(np.int32)), pa.array(CAISSES))
    return pa.table({
        "ORG_CLE_NUM": caisse,
        "ARR_NUM": pa.array(np.arange(n).astype(str)) if n <= 1000 else pa.nulls(n, pa.string()),
        "IJ_RIS_COD": pa.DictionaryArray.from_arrays(
            pa.array((rng.random(n) < 0.15).astype(np.int32)), pa.array(["MAL", "ATMP"])),
        "ASS_REG_COD": pa.DictionaryArray.from_arrays(
            pa.array((rng.random(n) < 0.1).astype(np.int32)), pa.array(["TS", "TI"])),
        "IJ_SUB_TOP": pa.array((rng.random(n) < 0.3).astype(np.int8)),
        "SIN_1IJ_IND": pa.array((rng.random(n) < 0.8).astype(np.int8)),
        "PRS_NAT_REF": pa.array(rng.integers(6111, 6119, n).astype(np.int16)),
        "ARR_DEB_DTD": pa.array(rec - 3, pa.int32()).cast(pa.date32()),
        "ATT_REC_DTD": pa.array(rec.astype(np.int32)).cast(pa.date32()),
        "IJ_PAI_DTD": pa.array(pay.astype(np.int32)).cast(pa.date32()),
        "IJ_PAI_MNT": pa.array(np.round(rng.gamma(3, 15, n), 2)),
        "IJ_NBR": pa.array(rng.integers(1, 30, n).astype(np.int32)),
    })
