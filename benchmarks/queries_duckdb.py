"""The benchmark suite in DuckDB SQL, written the way a DuckDB user would write it.

One statement per (table, period column): indicators that share a table and a period are
computed together with ``FILTER`` clauses, caisse × month and national months in one
``GROUPING SETS``. The exclusion rules are cogind's declarations (plugins/indicateurs_*.py and
cogind.measures.families), restated in SQL:

- a row with no caisse, no period date or a null in a scope column is not counted anywhere
  (not even nationally);
- a delay needs both dates and end ≥ start (compared in the delay's own unit), except that an
  e-mail or complaint never answered counts as late (``missing_end="hors_delai"``);
- hours are the ceiling of the exact duration; days of a timestamp are its calendar day;
- a ratio needs both amounts non-null and ≥ 0;
- quantiles are the inverted empirical CDF (``quantile_disc``), empty past the declared
  histogram top (``max_delay``), as cogind reports them.

``run(con, sources)`` returns one Arrow table per statement (wide, one ``<code>__n`` and
``<code>__v`` column pair per indicator); compare.py reshapes them for the check.
"""
from __future__ import annotations

import pyarrow as pa

MEDECINS = tuple(c for c in (*range(1, 19), 20, 22, 23, *range(31, 36), 37, 38,
                             *range(41, 50), 69, *range(70, 86)))
_MED = ", ".join(map(str, MEDECINS))
_KEYS = "ORG_CLE_NUM AS caisse, mois, GROUPING(ORG_CLE_NUM) AS national"
_SETS = "GROUP BY GROUPING SETS ((ORG_CLE_NUM, mois), (mois))"

QUERIES = {
    "ij": f"""
        SELECT {_KEYS},
          count(*) FILTER (IJ_RIS_COD = 'MAL') AS IJ_MAL_DELAI_MOYEN__n,
          avg(d) FILTER (IJ_RIS_COD = 'MAL') AS IJ_MAL_DELAI_MOYEN__v,
          count(*) FILTER (IJ_RIS_COD = 'MAL') AS IJ_MAL_DELAI_30J_PART__n,
          100.0 * count(*) FILTER (IJ_RIS_COD = 'MAL' AND d <= 30)
                / count(*) FILTER (IJ_RIS_COD = 'MAL') AS IJ_MAL_DELAI_30J_PART__v,
          count(*) FILTER (IJ_RIS_COD = 'ATMP') AS IJ_ATMP_DELAI_MOYEN__n,
          avg(d) FILTER (IJ_RIS_COD = 'ATMP') AS IJ_ATMP_DELAI_MOYEN__v
        FROM (SELECT ORG_CLE_NUM, IJ_RIS_COD, date_trunc('month', IJ_PAI_DTD) AS mois,
                     IJ_PAI_DTD - ATT_REC_DTD AS d
              FROM {{ij}}
              WHERE SIN_1IJ_IND = 1 AND IJ_SUB_TOP = 0 AND IJ_RIS_COD IN ('MAL', 'ATMP')
                AND ORG_CLE_NUM IS NOT NULL AND ATT_REC_DTD IS NOT NULL
                AND IJ_PAI_DTD >= ATT_REC_DTD)
        {_SETS}""",
    "fse": f"""
        SELECT {_KEYS},
          count(*) AS FSE_DELAI_D9__n,
          CASE WHEN quantile_disc(d, 0.9) <= 366 THEN quantile_disc(d, 0.9) END
            AS FSE_DELAI_D9__v
        FROM (SELECT ORG_CLE_NUM, date_trunc('month', PRS_PAI_DTD) AS mois,
                     PRS_PAI_DTD - FSE_REC_DTD AS d
              FROM {{prestations}}
              WHERE FSE_TOP = 1 AND DRG_ASS_TOP = 1 AND ORG_CLE_NUM IS NOT NULL
                AND FSE_REC_DTD IS NOT NULL AND PRS_PAI_DTD >= FSE_REC_DTD)
        {_SETS}""",
    "depassement": f"""
        SELECT {_KEYS},
          count(*) AS DEPASSEMENT_TAUX__n,
          100.0 * sum(PRS_DEP_MNT) / nullif(sum(BSE_REM_BSE), 0) AS DEPASSEMENT_TAUX__v
        FROM (SELECT ORG_CLE_NUM, date_trunc('month', EXE_SOI_DTD) AS mois,
                     PRS_DEP_MNT, BSE_REM_BSE
              FROM {{prestations}}
              WHERE PSE_CNV_COD IN (2, 3) AND PSE_SPE_COD IN ({_MED})
                AND ORG_CLE_NUM IS NOT NULL AND EXE_SOI_DTD IS NOT NULL
                AND PRS_DEP_MNT >= 0 AND BSE_REM_BSE >= 0)
        {_SETS}""",
    "contacts": f"""
        SELECT {_KEYS},
          count(*) FILTER (tel AND CNT_ABO_TOP IS NOT NULL) AS APPELS_TAUX_ABOUTIS__n,
          100.0 * count(*) FILTER (tel AND CNT_ABO_TOP = 1)
                / count(*) FILTER (tel AND CNT_ABO_TOP IS NOT NULL) AS APPELS_TAUX_ABOUTIS__v,
          count(*) FILTER (mel AND (ms IS NULL OR ms >= 0)) AS COURRIELS_48H_TAUX__n,
          100.0 * count(*) FILTER (mel AND ms >= 0 AND ceil(ms / 3600000.0) <= 48)
                / count(*) FILTER (mel AND (ms IS NULL OR ms >= 0)) AS COURRIELS_48H_TAUX__v,
          count(*) FILTER (rec AND (ms IS NULL OR ms >= 0)) AS RECLAMATIONS_10J_TAUX__n,
          100.0 * count(*) FILTER (rec AND ms >= 0 AND jours <= 10)
                / count(*) FILTER (rec AND (ms IS NULL OR ms >= 0))
            AS RECLAMATIONS_10J_TAUX__v
        FROM (SELECT ORG_CLE_NUM, CNT_ABO_TOP, date_trunc('month', CNT_ARR_DTH) AS mois,
                     CNT_CAN_COD = 'TEL' AS tel,
                     CNT_CAN_COD = 'MEL' AND CNT_NIV_COD IN (1, 2) AS mel,
                     CNT_CAN_COD = 'REC' AS rec,
                     -- e-mails: hours = ceil(exact duration); end before start is ms < 0
                     date_diff('millisecond', CNT_ARR_DTH, CNT_TRT_DTH) AS ms,
                     -- complaints: calendar days; end before start compared on the
                     -- instants (ms < 0), as cogind since b78a658
                     CAST(CNT_TRT_DTH AS DATE) - CAST(CNT_ARR_DTH AS DATE) AS jours
              FROM {{contacts}}
              WHERE CNT_CAN_COD IN ('TEL', 'MEL', 'REC') AND ORG_CLE_NUM IS NOT NULL
                AND CNT_ARR_DTH IS NOT NULL)
        {_SETS}""",
    "c2s": f"""
        SELECT {_KEYS},
          count(*) AS C2S_DELAI_D9__n,
          CASE WHEN quantile_disc(d, 0.9) <= 730 THEN quantile_disc(d, 0.9) END
            AS C2S_DELAI_D9__v
        FROM (SELECT ORG_CLE_NUM, date_trunc('month', DOS_DEC_DTD) AS mois,
                     DOS_DEC_DTD - DOS_REC_DTD AS d
              FROM {{dossiers}}
              WHERE DOS_TYP_COD IN ('C2S', 'C2SP', 'CMUC', 'ACS') AND ORG_CLE_NUM IS NOT NULL
                AND DOS_REC_DTD IS NOT NULL AND DOS_DEC_DTD >= DOS_REC_DTD)
        {_SETS}""",
}


def connect(threads: int):
    """A DuckDB connection limited to ``threads`` threads."""
    import duckdb

    con = duckdb.connect()
    con.execute(f"SET threads = {int(threads)}")
    return con


def register_memory(con, tables: dict[str, pa.Table]) -> dict[str, str]:
    """Register in-memory Arrow tables (zero copy); returns the names to put in the SQL."""
    for name, table in tables.items():
        con.register(name, table)
    return {name: name for name in tables}


def parquet_sources(paths: dict[str, str]) -> dict[str, str]:
    return {name: f"read_parquet('{path}')" for name, path in paths.items()}


def run(con, sources: dict[str, str]) -> list[pa.Table]:
    """Run every statement; results materialised as Arrow tables."""
    return [con.sql(q.format(**sources)).to_arrow_table() for q in QUERIES.values()]
