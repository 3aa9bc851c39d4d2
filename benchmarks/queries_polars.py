"""The benchmark suite as Polars lazy queries, written the way a Polars user would write them.

Same statements as queries_duckdb.py (one per table and period column, the same exclusion
rules, see its docstring): each filtered LazyFrame is grouped twice (caisse × month, then
month for the national rows) and every query goes to one ``pl.collect_all`` so that Polars
can share scans and common sub-plans. Quantiles use ``interpolation="equiprobable"``, the
inverted empirical CDF (Hyndman-Fan type 1), checked against cogind's rule by compare.py.

Import this module only after setting ``POLARS_MAX_THREADS`` (compare.py does).
"""
from __future__ import annotations

import polars as pl
import pyarrow as pa

from queries_duckdb import MEDECINS

C = pl.col
HOUR_MS = 3_600_000


def _month(column: str) -> pl.Expr:
    return C(column).dt.truncate("1mo").alias("mois")


def _share(mask: pl.Expr, within: pl.Expr, code: str) -> list[pl.Expr]:
    n = mask.sum()
    return [n.alias(f"{code}__n"), (100.0 * (mask & within).sum() / n).alias(f"{code}__v")]


def _d9(top: int, code: str) -> list[pl.Expr]:
    q = C("d").quantile(0.9, interpolation="equiprobable")
    return [pl.len().alias(f"{code}__n"),
            pl.when(q <= top).then(q).otherwise(None).alias(f"{code}__v")]


def _frames(src: dict[str, pl.LazyFrame]) -> list[tuple[pl.LazyFrame, list[pl.Expr]]]:
    """(filtered rows, aggregations) per statement."""
    ij = (src["ij"]
          .filter((C("SIN_1IJ_IND") == 1) & (C("IJ_SUB_TOP") == 0)
                  & C("IJ_RIS_COD").is_in(["MAL", "ATMP"]) & C("ORG_CLE_NUM").is_not_null()
                  & C("ATT_REC_DTD").is_not_null() & (C("IJ_PAI_DTD") >= C("ATT_REC_DTD")))
          .select("ORG_CLE_NUM", _month("IJ_PAI_DTD"), C("IJ_RIS_COD") == "MAL",
                  (C("IJ_PAI_DTD") - C("ATT_REC_DTD")).dt.total_days().alias("d")))
    mal, d = C("IJ_RIS_COD"), C("d")
    ij_aggs = [mal.sum().alias("IJ_MAL_DELAI_MOYEN__n"),
               d.filter(mal).mean().alias("IJ_MAL_DELAI_MOYEN__v"),
               *_share(mal, d <= 30, "IJ_MAL_DELAI_30J_PART"),
               (~mal).sum().alias("IJ_ATMP_DELAI_MOYEN__n"),
               d.filter(~mal).mean().alias("IJ_ATMP_DELAI_MOYEN__v")]

    fse = (src["prestations"]
           .filter((C("FSE_TOP") == 1) & (C("DRG_ASS_TOP") == 1) & C("ORG_CLE_NUM").is_not_null()
                   & C("FSE_REC_DTD").is_not_null() & (C("PRS_PAI_DTD") >= C("FSE_REC_DTD")))
           .select("ORG_CLE_NUM", _month("PRS_PAI_DTD"),
                   (C("PRS_PAI_DTD") - C("FSE_REC_DTD")).dt.total_days().alias("d")))

    dep = (src["prestations"]
           .filter(C("PSE_CNV_COD").is_in([2, 3]) & C("PSE_SPE_COD").is_in(MEDECINS)
                   & C("ORG_CLE_NUM").is_not_null() & C("EXE_SOI_DTD").is_not_null()
                   & (C("PRS_DEP_MNT") >= 0) & (C("BSE_REM_BSE") >= 0))
           .select("ORG_CLE_NUM", _month("EXE_SOI_DTD"), "PRS_DEP_MNT", "BSE_REM_BSE"))
    den = C("BSE_REM_BSE").sum()
    dep_aggs = [pl.len().alias("DEPASSEMENT_TAUX__n"),
                pl.when(den != 0).then(100.0 * C("PRS_DEP_MNT").sum() / den)
                .otherwise(None).alias("DEPASSEMENT_TAUX__v")]

    ms = (C("CNT_TRT_DTH") - C("CNT_ARR_DTH")).dt.total_milliseconds()
    days = (C("CNT_TRT_DTH").dt.date() - C("CNT_ARR_DTH").dt.date()).dt.total_days()
    can = C("CNT_CAN_COD")
    contacts = (src["contacts"]
                .filter(can.is_in(["TEL", "MEL", "REC"]) & C("ORG_CLE_NUM").is_not_null()
                        & C("CNT_ARR_DTH").is_not_null())
                .select("ORG_CLE_NUM", _month("CNT_ARR_DTH"),
                        (can == "TEL").alias("tel"),
                        ((can == "MEL") & C("CNT_NIV_COD").is_in([1, 2])).fill_null(False)
                        .alias("mel"),
                        (can == "REC").alias("rec"), "CNT_ABO_TOP",
                        ms.alias("ms"), days.alias("jours")))
    ms, days = C("ms"), C("jours")
    # hours = ceil(exact duration); an unanswered contact (null end) stays in n, as late
    hours = (ms + HOUR_MS - 1) // HOUR_MS
    contacts_aggs = [
        *_share(C("tel") & C("CNT_ABO_TOP").is_not_null(), C("CNT_ABO_TOP") == 1,
                "APPELS_TAUX_ABOUTIS"),
        *_share(C("mel") & (ms.is_null() | (ms >= 0)), (hours <= 48).fill_null(False),
                "COURRIELS_48H_TAUX"),
        *_share(C("rec") & (ms.is_null() | (ms >= 0)), (days <= 10).fill_null(False),
                "RECLAMATIONS_10J_TAUX")]

    c2s = (src["dossiers"]
           .filter(C("DOS_TYP_COD").is_in(["C2S", "C2SP", "CMUC", "ACS"])
                   & C("ORG_CLE_NUM").is_not_null() & C("DOS_REC_DTD").is_not_null()
                   & (C("DOS_DEC_DTD") >= C("DOS_REC_DTD")))
           .select("ORG_CLE_NUM", _month("DOS_DEC_DTD"),
                   (C("DOS_DEC_DTD") - C("DOS_REC_DTD")).dt.total_days().alias("d")))
    return [(ij, ij_aggs), (fse, _d9(366, "FSE_DELAI_D9")), (dep, dep_aggs),
            (contacts, contacts_aggs), (c2s, _d9(730, "C2S_DELAI_D9"))]


def memory_sources(tables: dict[str, pa.Table]) -> dict[str, pl.LazyFrame]:
    return {name: pl.from_arrow(t, rechunk=False).lazy() for name, t in tables.items()}


def parquet_sources(paths: dict[str, str]) -> dict[str, pl.LazyFrame]:
    return {name: pl.scan_parquet(path) for name, path in paths.items()}


def run(src: dict[str, pl.LazyFrame]) -> list[pa.Table]:
    """Every statement in one ``collect_all``; per statement, caisse rows then national rows."""
    plans = []
    for rows, aggs in _frames(src):
        plans.append(rows.group_by("ORG_CLE_NUM", "mois").agg(aggs))
        plans.append(rows.group_by("mois").agg(aggs))
    done = pl.collect_all(plans)
    out = []
    for by_caisse, national in zip(done[::2], done[1::2]):
        both = pl.concat([
            by_caisse.with_columns(C("ORG_CLE_NUM").cast(pl.String).alias("caisse"),
                                   pl.lit(0).alias("national")),
            national.with_columns(pl.lit(None, pl.String).alias("caisse"),
                                  pl.lit(1).alias("national"))], how="diagonal_relaxed")
        out.append(both.drop("ORG_CLE_NUM").to_arrow())
    return out
