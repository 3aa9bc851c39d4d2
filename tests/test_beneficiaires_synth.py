"""Generated beneficiary ids (prestations.BEN_NIR_PSA, issue 21 § 1), checked with plain pyarrow
and Python: one sex and one birth date per id across years, moves between partner caisses,
repeat visits, and every other column untouched by the ids' own random stream. The programme
acts of those people (dental care, cancer screenings, Mon soutien psy) and the population table
that is those people: tests/test_programmes_synth.py."""
from __future__ import annotations

import datetime as dt
import re
from collections import defaultdict
from itertools import pairwise

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner

import cogind
from cogind.cli import cli as main
from cogind.synth import beneficiaires, network, programme_lines

YEARS = (2022, 2024)
ROWS = 300_000  # about 100 k claim lines a year


@pytest.fixture(scope="module")
def claims(tmp_path_factory):
    out = tmp_path_factory.mktemp("ids")
    cogind.generate(out, years=YEARS, rows={"prestations": ROWS}, seed=5,
                    tables=("prestations",))
    return pq.read_table(out / "prestations.parquet").to_pylist()


def _by_id(rows):
    out = defaultdict(list)
    for r in rows:
        out[r["BEN_NIR_PSA"]].append(r)
    return out


def _years_back(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


def test_every_id_has_17_characters_of_the_alphabet(claims):
    assert all(re.fullmatch(r"[0-9A-Za-z]{17}", r["BEN_NIR_PSA"]) for r in claims)


def test_one_sex_and_one_birth_date_per_id_across_years(claims):
    """Age at care = whole years from one birth date: the intervals of each id's rows meet."""
    ids = _by_id(claims)
    spanning = 0
    for rows in ids.values():
        assert len({r["BEN_SEX_COD"] for r in rows}) == 1
        lo, hi = dt.date.min, dt.date.max  # birth date in (lo, hi]
        for r in rows:
            lo = max(lo, _years_back(r["EXE_SOI_DTD"], r["BEN_AMA_COD"] + 1))
            hi = min(hi, _years_back(r["EXE_SOI_DTD"], r["BEN_AMA_COD"]))
        assert lo < hi
        spanning += len({r["EXE_SOI_DTD"].year for r in rows}) == 3
    assert spanning > len(ids) / 3  # the same people come back year after year


def test_ages_at_care_change_with_the_calendar(claims):
    """Some ids are seen at two ages: a birthday between two claims, not a fixed age."""
    ids = _by_id(claims)
    assert sum(len({r["BEN_AMA_COD"] for r in rows}) > 1 for rows in ids.values()) > len(ids) / 4


def test_a_few_people_move_once_to_the_partner_caisse(claims):
    codes = network(5)["ORG_CLE_NUM"].to_pylist()
    index = {c: i for i, c in enumerate(codes)}
    moved = 0
    ids = _by_id(claims)
    for rows in ids.values():
        rows.sort(key=lambda r: r["EXE_SOI_DTD"])
        seq = [r["ORG_CLE_NUM"] for r in rows]
        changes = sum(a != b for a, b in pairwise(seq))
        assert changes <= 1  # on any day a person is in one caisse; a move is for good
        if changes:
            moved += 1
            assert index[seq[0]] ^ 1 == index[seq[-1]]
    share_per_year = moved / len(ids) / (YEARS[1] - YEARS[0] + 1)
    assert 0.002 < share_per_year < 0.03


def test_repeat_visits_per_person_and_year(claims):
    per_year = defaultdict(set)
    lines = defaultdict(int)
    for r in claims:
        per_year[r["EXE_SOI_DTD"].year].add(r["BEN_NIR_PSA"])
        lines[r["EXE_SOI_DTD"].year] += 1
    for year in range(YEARS[0], YEARS[1] + 1):
        assert 4 < lines[year] / len(per_year[year]) < 12


def test_older_people_have_more_claims(claims):
    ids = _by_id(claims)
    young = [len(v) for v in ids.values() if 20 <= v[0]["BEN_AMA_COD"] < 40]
    old = [len(v) for v in ids.values() if v[0]["BEN_AMA_COD"] >= 70]
    assert sum(old) / len(old) > 1.4 * sum(young) / len(young)  # pools of one at this size


def test_other_columns_do_not_depend_on_the_ids(tmp_path, monkeypatch):
    kw = {"years": (2023, 2024), "rows": {"prestations": 20_000}, "seed": 3,
          "tables": ("prestations",)}
    cogind.generate(tmp_path / "a", **kw)
    monkeypatch.setattr(beneficiaires, "ids",
                        lambda rng, net, caisse, *a: pa.nulls(len(caisse), pa.string()))
    cogind.generate(tmp_path / "b", **kw)
    a, b = (pq.read_table(tmp_path / d / "prestations.parquet") for d in ("a", "b"))
    # the programme lines' ids come from their people's keys, not from this stream
    other = pc.invert(pc.is_in(b["PRS_NAT_REF"], pa.array(programme_lines.NATURES, pa.int16())))
    assert b.filter(other)["BEN_NIR_PSA"].null_count == pc.sum(other).as_py() > 0
    assert a["BEN_NIR_PSA"].null_count == 0
    assert a.drop_columns(["BEN_NIR_PSA"]).equals(b.drop_columns(["BEN_NIR_PSA"]))


def test_cli_generate_writes_ids_and_validate_accepts_them(tmp_path):
    runner = CliRunner()
    r = runner.invoke(main, ["generate", "-o", str(tmp_path), "--year", "2024", "--rows",
                             "prestations=4000", "--tables", "prestations"])
    assert r.exit_code == 0, r.output
    t = pq.read_table(tmp_path / "prestations.parquet")
    assert t.schema.field("BEN_NIR_PSA").type == pa.string() and t["BEN_NIR_PSA"].null_count == 0
    assert pc.all(pc.match_substring_regex(t["BEN_NIR_PSA"], r"^[0-9A-Za-z]{17}$")).as_py()
    r = runner.invoke(main, ["validate", str(tmp_path)])
    assert r.exit_code == 0, r.output
    assert "BEN_NIR_PSA" not in r.output


def test_same_seed_same_ids_and_another_seed_other_ids(tmp_path):
    kw = {"years": (2024, 2024), "rows": {"prestations": 3_000}, "tables": ("prestations",)}
    for name, seed in (("a", 1), ("b", 1), ("c", 2)):
        cogind.generate(tmp_path / name, seed=seed, **kw)
    a, b, c = (pq.read_table(tmp_path / d / "prestations.parquet")["BEN_NIR_PSA"]
               for d in "abc")
    assert a.equals(b) and not set(a.to_pylist()) & set(c.to_pylist())
