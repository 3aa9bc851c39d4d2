"""CSV as SAS exports it (``PROC EXPORT``): dates in ``DATE9.`` (``31JAN2023``) and, since SNDS
dates reach SAS as datetimes, date columns in ``DATETIME20.`` (``31JAN2023:00:00:00``), read to
exactly the figures of the original Parquet; an unreadable one named by table, file, column and
line with the SAS form expected, never quoted."""
from __future__ import annotations

import datetime as dt
import json

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from synth_helpers import generated_plain
from test_french_csv import TABLES, _plant, _results, _run, _write, data  # noqa: F401

import cogind
from cogind.errors import InputError
from cogind.io.readers import open_inputs
from cogind.plugins import build_registry


def _sas(v, datetimes: bool, lower: bool = False) -> str:
    """A value as SAS writes it with the DATE9. or DATETIME20. format (written here, not by
    cogind: strftime's %b is English in the C locale, as SAS's month names)."""
    if v is None:
        return ""
    if isinstance(v, float):
        return repr(v).replace(".", ",")
    if isinstance(v, dt.datetime):
        text = v.strftime("%d%b%Y:%H:%M:%S")
    elif isinstance(v, dt.date):
        text = v.strftime("%d%b%Y:00:00:00" if datetimes else "%d%b%Y")
    else:
        return str(v)
    return text.lower() if lower else text.upper()


@pytest.fixture(scope="module")
def sas(data, tmp_path_factory):  # noqa: F811
    """ij with DATETIME20. dates (midnight), prestations with DATE9. in lower case."""
    out = tmp_path_factory.mktemp("sas")
    _write(pq.read_table(data / "ij.parquet"), out / "ij.csv", cell=lambda v: _sas(v, True))
    _write(pq.read_table(data / "prestations.parquet"), out / "prestations.csv",
           cell=lambda v: _sas(v, False, lower=True))
    return out


def test_a_sas_export_gives_the_parquet_results(data, sas, tmp_path):  # noqa: F811
    assert "00:00:00" in (sas / "ij.csv").read_text(encoding="cp1252").splitlines()[1]
    want, got = _results(data), _results(sas)
    assert got.num_rows == want.num_rows > 0 and got.equals(want)
    assert pa.compute.sum(pa.compute.is_valid(got["valeur"])).as_py() > 100
    for name, src in (("a", data), ("b", sas)):
        res = _run("compute", src, "--no-secret", "-o", tmp_path / f"{name}.parquet")
        assert res.exit_code == 0, res.output
    assert pq.read_table(tmp_path / "a.parquet").equals(pq.read_table(tmp_path / "b.parquet"))


def test_validate_and_the_provenance_name_the_sas_form(sas):
    res = _run("validate", sas)
    assert res.exit_code == 0, res.output
    assert "dates : JJMMMAAAA (" in res.output and "IJ_PAI_DTD" in res.output
    doc = {t["table"]: t for t in json.loads(_run("validate", sas, "--json").output)["tables"]}
    assert doc["prestations"]["csv"]["dates"]["EXE_SOI_DTD"] == "JJMMMAAAA"
    prov = cogind.provenance(_results(sas))
    assert prov["entrees"]["ij"]["csv"]["dates"]["IJ_PAI_DTD"] == "JJMMMAAAA"


def test_a_datetime_column_in_datetime20(tmp_path):
    """contacts' arrival and handling times, as SAS writes them, to the second."""
    t = generated_plain(tmp_path / "pq", "contacts", 3000)
    (tmp_path / "sas").mkdir()
    _write(t, tmp_path / "sas" / "contacts.csv", cell=lambda v: _sas(v, True))
    assert _results(tmp_path / "sas").equals(_results(tmp_path / "pq"))
    _plant(tmp_path / "sas" / "contacts.csv", 40, "CNT_ARR_DTH", "31FOO2023:14:05:00")
    want = ("table 'contacts', file contacts.csv, column 'CNT_ARR_DTH', line 40: a value cannot "
            "be read, expected a date and time JJMMMAAAA:HH:MM:SS (31JAN2023:14:05:00)")
    res = _run("compute", tmp_path / "sas", "--cog", "none")
    assert res.exit_code == 1 and want in res.output and "FOO" not in res.output, res.output


def test_an_unreadable_sas_date_names_its_line(data, tmp_path):  # noqa: F811
    folder = tmp_path / "in"
    folder.mkdir()
    _write(pq.read_table(data / "ij.parquet"), folder / "ij.csv", cell=lambda v: _sas(v, False))
    _plant(folder / "ij.csv", 321, "IJ_PAI_DTD", "31FOO2023")
    want = ("table 'ij', file ij.csv, column 'IJ_PAI_DTD', line 321: a value cannot be read, "
            "expected a date JJMMMAAAA (31JAN2023)")
    for args in (("compute", folder, "--cog", "none"), ("validate", folder)):
        res = _run(*args)
        assert res.exit_code == 1, res.output
        assert want in res.output and "FOO" not in res.output, res.output
    with pytest.raises(InputError) as err:
        cogind.compute(folder, None)
    assert str(err.value) == want


def test_sas_missing_values_written_as_a_point(data, tmp_path):  # noqa: F811
    """PROC EXPORT writes a missing number or date as ``.`` (SAS's MISSING= option): read as
    missing, so the figures and the counted exclusions are those of the Parquet's nulls."""
    t = pq.read_table(data / "ij.parquet")
    hole = pa.array([k % 37 == 0 for k in range(t.num_rows)])
    for name in ("ATT_REC_DTD", "IJ_PAI_MNT"):
        i = t.column_names.index(name)
        t = t.set_column(i, t.schema.field(i),
                         pa.compute.if_else(hole, pa.scalar(None, t.schema.field(i).type), t[name]))
    (tmp_path / "pq").mkdir()
    (tmp_path / "sas").mkdir()
    pq.write_table(t, tmp_path / "pq" / "ij.parquet")
    _write(t, tmp_path / "sas" / "ij.csv", cell=lambda v: "." if v is None else _sas(v, False))
    assert ";.;" in (tmp_path / "sas" / "ij.csv").read_text(encoding="cp1252")
    want, got = _results(tmp_path / "pq"), _results(tmp_path / "sas")
    assert got.equals(want)
    assert sum(n or 0 for n in got["n_exclus"].to_pylist()) > 0  # the holes were counted
    res = _run("validate", tmp_path / "sas")
    assert res.exit_code == 0 and "ATT_REC_DTD (" in res.output, res.output


@pytest.mark.parametrize("form", ["day-first", "sas"])
def test_fractions_of_a_second_read_to_the_microsecond(tmp_path, form):
    """``31/01/2023 14:05:00,250`` (a French database export) or ``31JAN2023:14:05:00.250``
    (SAS's DATETIME23.3): the contacts' delays in hours, compared with the 48 h bound, are
    those of the Parquet's own microseconds, a value without fraction on some rows too."""
    t = generated_plain(tmp_path / "pq", "contacts", 4000)
    t = t.cast(pa.schema([f.with_type(pa.timestamp("us")) if pa.types.is_timestamp(f.type)
                          else f for f in t.schema]))
    for name, step in (("CNT_ARR_DTH", 7919), ("CNT_TRT_DTH", 104729)):
        shift = pa.array([(k * step) % 1_000_000 if k % 5 else 0 for k in range(t.num_rows)],
                         pa.duration("us"))
        i = t.column_names.index(name)
        t = t.set_column(i, t.schema.field(i), pa.compute.add(t[name], shift))
    pq.write_table(t, tmp_path / "pq" / "contacts.parquet")

    def cell(v):
        if isinstance(v, dt.datetime):
            head = (v.strftime("%d/%m/%Y %H:%M:%S") if form == "day-first"
                    else v.strftime("%d%b%Y:%H:%M:%S").upper())
            mark = "," if form == "day-first" else "."
            return head + (f"{mark}{v.microsecond:06d}" if v.microsecond else "")
        return _sas(v, False)

    (tmp_path / "csv").mkdir()
    _write(t, tmp_path / "csv" / "contacts.csv", cell=cell)
    want = _results(tmp_path / "pq")
    assert _results(tmp_path / "csv").equals(want)
    spec = build_registry().table("contacts")  # the instants themselves, to the microsecond
    (tin,) = open_inputs(tmp_path / "csv", {"contacts": spec}).values()
    read = pa.Table.from_batches(list(tin.batches(["CNT_ARR_DTH", "CNT_TRT_DTH"])))
    assert read.equals(t.select(["CNT_ARR_DTH", "CNT_TRT_DTH"]))
    res = _run("validate", tmp_path / "csv")
    assert res.exit_code == 0 and "fractions de seconde : CNT_ARR_DTH, CNT_TRT_DTH" in res.output
    _plant(tmp_path / "csv" / "contacts.csv", 77, "CNT_TRT_DTH", "31/13/2023 14:05:00,5")
    res = _run("compute", tmp_path / "csv", "--cog", "none")
    assert res.exit_code == 1 and "column 'CNT_TRT_DTH', line 77" in res.output, res.output
    assert "HH:MM:SS[,fff]" in res.output and "31/13" not in res.output
