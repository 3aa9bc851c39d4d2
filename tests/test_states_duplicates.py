"""ij's duplicate counts under ``--states`` with a month added (issue 20 § 1): the stored
total's counts are kept and only the key groups the new rows may touch are grouped again.
Every case against a full run's counts (the separate duplicate pass), API and CLI: a key
seen once in the total and once in the new month, a key already repeated in the total that
repeats again, a key repeated within the month, null key parts, and colliding hashes."""
from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner
from test_states import doublons, monthly_folder, run, same_as_full, with_rows_of

from cogind.api import provenance
from cogind.cli import cli
from cogind.engine import duplicate_states


@pytest.fixture(scope="module")
def monthly(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("dups") / "data"
    monthly_folder(out)
    return out


@pytest.fixture
def data(monthly, tmp_path) -> Path:
    return Path(shutil.copytree(monthly, tmp_path / "data"))


def months(data: Path) -> list[Path]:
    return sorted(p for p in (data / "ij").iterdir() if p.stem != "none")


def with_null_keys(path: Path, n: int) -> None:
    """``path`` with ``n`` more rows: copies of its first rows with ARR_NUM null."""
    table = pq.read_table(path)
    rows = table.slice(0, n)
    i = rows.schema.get_field_index("ARR_NUM")
    rows = rows.set_column(i, "ARR_NUM", pa.nulls(rows.num_rows, rows.schema.field(i).type))
    pq.write_table(pa.concat_tables([table, rows]), path)


def month_added(data: Path, tmp_path: Path, prepare) -> tuple[pa.Table, pa.Table]:
    """The store filled without the last month, ``prepare(last, older months)`` run, the
    last month put back: (the run that adds it, the one before)."""
    store = tmp_path / "store"
    *older, last = months(data)
    aside = tmp_path / last.name
    shutil.move(last, aside)
    prepare(None, older)
    first = run(data, states=store)
    shutil.move(aside, last)
    prepare(last, older)
    return run(data, states=store), first


def _across(last, older):  # keys of an older month, each seen once before, once now
    if last is not None:
        with_rows_of(last, older[3], 4, start=1)


def _again(last, older):  # a key repeated in the total (a stored candidate) repeats again
    if last is None:
        with_rows_of(older[2], older[1], 2)
    else:
        with_rows_of(last, older[1], 2)


def _within(last, older):
    if last is not None:
        with_rows_of(last, last, 3)


def _nulls(last, older):  # null ARR_NUM: one group per (null, date, nature), as the full pass
    if last is None:
        with_null_keys(older[4], 3)
    else:
        shutil.copy(older[4], last.with_name("zz-copie.parquet"))  # the same null rows again
        with_null_keys(last, 2)


@pytest.mark.parametrize("prepare", [_across, _again, _within, _nulls],
                         ids=["across", "again", "within", "nulls"])
def test_a_month_added_counts_as_a_full_run(data, tmp_path, prepare):
    added, first = month_added(data, tmp_path, prepare)
    assert doublons(added)["lignes"] > doublons(first)["lignes"] or prepare is _again
    same_as_full(added, data)  # the counts in the provenance, and every figure


def test_colliding_hashes_give_the_same_counts(data, tmp_path, monkeypatch):
    """With a hash of 64 values (everything collides: the stored groups pulled in by the
    new rows' hashes are many, not only theirs), the counts still equal the full pass's."""
    real = duplicate_states.row_hashes
    monkeypatch.setattr(duplicate_states, "row_hashes",
                        lambda batch, key: real(batch, key) & np.uint64(63))
    added, first = month_added(data, tmp_path, lambda last, older: (
        _again(last, older), _across(last, older)))
    assert doublons(added)["lignes"] >= doublons(first)["lignes"] + 6
    monkeypatch.undo()
    same_as_full(added, data)


def test_cli_month_added_with_duplicates(data, tmp_path):
    """The CLI's run that adds a month records the full run's counts."""
    store = tmp_path / "store"
    *older, last = months(data)
    aside = tmp_path / last.name
    shutil.move(last, aside)
    args = ["compute", str(data), "--indicator", "IJ_MAL_DELAI_MOYEN", "--no-secret",
            "--states", str(store)]
    assert CliRunner().invoke(cli, [*args, "-o", str(tmp_path / "a.arrow")]).exit_code == 0
    shutil.move(aside, last)
    with_rows_of(last, older[0], 3)
    with_rows_of(last, last, 1)
    r = CliRunner().invoke(cli, [*args, "-o", str(tmp_path / "b.arrow")])
    assert r.exit_code == 0, r.output
    full = CliRunner().invoke(cli, ["compute", str(data), "--indicator", "IJ_MAL_DELAI_MOYEN",
                                    "--no-secret", "-o", str(tmp_path / "c.arrow")])
    assert full.exit_code == 0, full.output
    b, c = (pa.ipc.open_file(tmp_path / f"{x}.arrow").read_all() for x in "bc")
    assert provenance(b)["doublons"] == provenance(c)["doublons"]
    assert provenance(b)["doublons"]["ij"]["lignes"] >= 4
