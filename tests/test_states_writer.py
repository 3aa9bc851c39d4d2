"""New generations written in the background (issue 20 § 1, docs/etats.md): packed while the
run goes on, written on a thread while the result is finalised, joined before ``compute``
returns. Same bytes as a write in the run; a write's error raised by ``compute`` (the CLI's
one line, exit 1); a store that cannot be written only costs a read; an interruption leaves
no half generation."""
from __future__ import annotations

import shutil
import threading
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner
from test_states import SUITE, data_bytes, etats, monthly_folder, run

import cogind.api
from cogind.cli import cli
from cogind.engine import packed
from cogind.io import publish


@pytest.fixture(scope="module")
def monthly(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("writer") / "data"
    monthly_folder(out)
    return out


@pytest.fixture
def data(monthly, tmp_path) -> Path:
    return Path(shutil.copytree(monthly, tmp_path / "data"))


def generations(store: Path) -> list[Path]:
    return sorted(store.glob("*/g*" + packed.SUFFIX))


def newest_month(data: Path) -> dict[str, Path]:
    """The last monthly file of each table, moved aside (put back to add a month)."""
    aside = {}
    for table in sorted(p for p in data.iterdir() if p.is_dir()):
        last = max(table.glob("*.parquet"))
        aside[table.name] = last.rename(data.parent / f"{table.name}-{last.name}")
    return aside


def put_back(data: Path, aside: dict[str, Path]) -> None:
    for name, path in aside.items():
        path.rename(data / name / path.name.split("-", 1)[1])


def writers() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name == "cogind-etats"]


def test_written_before_compute_returns_and_read_back(data, tmp_path, monkeypatch):
    """Each table's generation is written by a thread of its own (not the run's), joined
    when ``compute`` returns: the files are there, whole, and the next run reads them."""
    store = tmp_path / "store"
    aside = newest_month(data)
    seen = []
    finish = packed._finish

    def spy(*args):
        seen.append(threading.current_thread().name)
        finish(*args)

    monkeypatch.setattr(packed, "_finish", spy)
    run(data, states=store)
    assert not writers() and set(seen) == {"cogind-etats"} and len(seen) >= 3
    assert [g.name for g in generations(store)]  # written, readable
    for g in generations(store):
        packed.Generation(g)
    put_back(data, aside)
    added = run(data, states=store)
    assert not writers()
    full = run(data)
    assert data_bytes(added) == data_bytes(full)
    for name, entry in etats(added).items():
        assert entry["recalcules"] == 1, name  # the month added, the others reused
    again = run(data, states=store)
    assert data_bytes(again) == data_bytes(full)
    assert all(e["recalcules"] == 0 for e in etats(again).values())


def test_same_bytes_as_a_write_in_the_run(data, tmp_path, monkeypatch):
    """A generation written in the background holds the bytes a write in the run gives."""
    background, inline = tmp_path / "bg", tmp_path / "inline"
    run(data, states=background)
    monkeypatch.setattr(packed.Folder, "publish", _inline(packed.Folder.publish))
    run(data, states=inline)
    a, b = generations(background), generations(inline)
    assert [p.parent.name for p in a] == [p.parent.name for p in b] and a
    for x, y in zip(a, b):
        assert x.read_bytes() == y.read_bytes()


def _inline(publish_fn):
    def publish_now(self, items, keep, used, writer=None):
        return publish_fn(self, items, keep, used, None)
    return publish_now


def test_a_write_error_is_raised_by_compute_and_the_cli(data, tmp_path, monkeypatch):
    """An error raised by a background write is raised by ``compute`` once the result is
    ready (the Python API), and is the CLI's one line with exit 1; nothing half written."""
    store = tmp_path / "store"

    def broken(path, pieces):
        raise RuntimeError("disque défaillant")

    monkeypatch.setattr(packed, "_publish", broken)
    with pytest.raises(RuntimeError, match="disque défaillant"):
        run(data, states=store)
    assert not writers() and not generations(store)
    out = CliRunner().invoke(cli, ["compute", str(data), *[a for c in SUITE for a in (
        "--indicator", c)], "--no-secret", "--states", str(tmp_path / "s2"),
        "-o", str(tmp_path / "r.arrow")])
    assert out.exit_code == 1
    lines = out.output.strip().splitlines()
    assert lines[-1].startswith("Internal error: RuntimeError: disque défaillant")
    assert not (tmp_path / "r.arrow").exists() and not generations(tmp_path / "s2")


def test_a_store_that_cannot_be_written_only_costs_a_read(data, tmp_path, monkeypatch):
    """As before the writes went to the background: a generation that cannot be renamed into
    place is left out silently (no temporary file left), the run's result unchanged; the
    next run computes those files again."""
    store = tmp_path / "store"

    class ReadOnly(publish.StagedFile):
        def commit(self):
            raise publish.InputError("cannot write: read-only")

    monkeypatch.setattr(packed, "StagedFile", ReadOnly)
    first = run(data, states=store)
    assert not generations(store) and not list(store.rglob("*.cogind-tmp"))
    monkeypatch.undo()
    second = run(data, states=store)
    assert data_bytes(first) == data_bytes(second) == data_bytes(run(data))
    assert all(e["reutilises"] == 0 for e in etats(second).values())


def test_an_interrupted_run_leaves_whole_generations_only(data, tmp_path, monkeypatch):
    """Ctrl-C while the result is finalised (the writes under way): ``compute`` raises
    KeyboardInterrupt; once the writes end, every generation is whole and readable, no
    temporary file is left, and the next run gives the full run's bytes."""
    store = tmp_path / "store"

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(cogind.api.forms, "apply", interrupted)
    with pytest.raises(KeyboardInterrupt):
        run(data, states=store)
    for t in writers():
        t.join()
    monkeypatch.undo()
    assert not list(store.rglob("*.cogind-tmp"))
    for g in generations(store):
        packed.Generation(g)  # whole: a truncated one raises Unreadable
    table = run(data, states=store)
    assert data_bytes(table) == data_bytes(run(data))


def test_writer_raises_the_first_error_and_keeps_the_order():
    """The writes run one after the other, in order; wait() raises the first error."""
    order = []
    w = packed.Writer()
    for i in range(3):
        w.submit(lambda i=i: order.append(i))
    w.wait()
    assert order == [0, 1, 2]
    w.submit(lambda: (_ for _ in ()).throw(OSError("first")))
    w.submit(lambda: (_ for _ in ()).throw(ValueError("second")))
    with pytest.raises(OSError, match="first"):
        w.wait()
    w.wait()  # the errors were reported once


def test_encoded_arrays_are_copies_of_the_accumulator(data, tmp_path):
    """What a generation holds is taken when it is packed: the undated counts encoded are
    copies, so that a later change of the accumulator cannot alter the bytes written."""
    from cogind.engine.core import Accumulator, plan
    from cogind.engine.states import encode
    from cogind.plugins import build_registry

    reg = build_registry()
    tplan = plan([reg.indicator(SUITE[0])], reg.tables)["ij"]
    acc = Accumulator(tplan)
    _, arrays = encode(acc)
    assert acc.undated
    for i, und in enumerate(acc.undated):
        assert not np.shares_memory(arrays[3 * i + 2], und)
