"""Plain-string Parquet (as SAS or SQL exports write it) computes like dictionary Parquet."""
import pyarrow as pa
import pyarrow.parquet as pq

import cogind
from cogind.cli import sample_path


def _plain(table: pa.Table) -> pa.Table:
    cols = [c.cast(c.type.value_type) if pa.types.is_dictionary(c.type) else c
            for c in table.columns]
    return pa.table(cols, names=table.column_names)


def test_plain_string_columns_give_the_same_results(tmp_path):
    for name in ("ij", "contacts"):
        pq.write_table(_plain(pq.read_table(sample_path() / f"{name}.parquet")),
                       tmp_path / f"{name}.parquet", use_dictionary=False)
    assert not pa.types.is_dictionary(pq.read_schema(tmp_path / "ij.parquet").field(
        "ORG_CLE_NUM").type)
    codes = ["IJ_MAL_DELAI_MOYEN", "APPELS_TAUX_ABOUTIS", "COURRIELS_48H_TAUX"]
    a = cogind.compute(sample_path(), cog=None, indicators=codes)
    b = cogind.compute(tmp_path, cog=None, indicators=codes)
    for col in ("indicateur", "caisse", "periode", "valeur", "n", "exclusions"):
        assert a[col].equals(b[col]), col
