"""Shipped reference data (caisses, nomenclature codes) and the Arrow schema of each input table."""
from __future__ import annotations

import csv
import functools
import importlib.resources
import json
from pathlib import Path

import pyarrow as pa

from cogind.synth.names import SERVED, TABLES

# Low-cardinality codes are dictionary-encoded: smaller files, cheaper group-by for the engine.
DICTIONARY_COLUMNS = {"ORG_CLE_NUM", "IJ_RIS_COD", "ASS_REG_COD", "CNT_CAN_COD", "DOS_TYP_COD",
                      "DOS_CAN_COD", "ENQ_PUB_COD", "ENQ_CAN_COD", "DEM_TYP_COD", "DEM_CAN_COD",
                      "CTL_TYP_COD"}
# MES_COD has one value per measure an indicator reads: possibly more than an int8 can index.
WIDE_DICTIONARY_COLUMNS = {"MES_COD"}
INT_TYPES = {
    "ENQ_SAT_TOP": pa.int8(), "ENQ_REI_TOP": pa.int8(), "IND_FRA_TOP": pa.int8(),
    "ERR_TOP": pa.int8(),
    "SIN_1IJ_IND": pa.int8(), "IJ_SUB_TOP": pa.int8(), "FSE_TOP": pa.int8(),
    "DRG_ASS_TOP": pa.int8(), "CNT_ABO_TOP": pa.int8(), "CNT_NIV_COD": pa.int8(),
    "BEN_SEX_COD": pa.int8(), "PSE_CNV_COD": pa.int8(), "PRS_NAT_REF": pa.int16(),
    "PSE_SPE_COD": pa.int16(), "BEN_AMA_COD": pa.int16(), "IJ_NBR": pa.int16(),
    "PSP_SPE_COD": pa.int16(),
}
_SIMPLE_TYPES = {"number": pa.float64(), "date": pa.date32(), "datetime": pa.timestamp("s"),
                 "boolean": pa.bool_()}

_HERE = Path(__file__).resolve().parent


def _read_csv(name: str) -> list[dict[str, str]]:
    text = (_HERE / name).read_text(encoding="utf-8")
    lines = [line for line in text.splitlines() if line and not line.startswith("#")]
    return list(csv.DictReader(lines, delimiter=";"))


@functools.cache
def caisses() -> tuple[dict[str, str], ...]:
    """The 101 caisses shipped in caisses.csv (code, label, département, region)."""
    return tuple(_read_csv("caisses.csv"))


@functools.cache
def nomenclature() -> dict[str, dict[int, str]]:
    """``{nomenclature: {code: label}}`` for every code the generator writes."""
    out: dict[str, dict[int, str]] = {}
    for row in _read_csv("nomenclature.csv"):
        out.setdefault(row["NOMENCLATURE"], {})[int(row["CODE"])] = row["LIBELLE"]
    return out


def _schema_text(name: str) -> str:
    try:
        resource = importlib.resources.files("cogind.schemas").joinpath(name)
        if resource.is_file():
            return resource.read_text(encoding="utf-8")
    except (ModuleNotFoundError, TypeError):
        pass
    # Source checkout without install: schemas/ sits at the repository root.
    return (_HERE.parents[2] / "schemas" / name).read_text(encoding="utf-8")


@functools.cache
def table_schema(table: str) -> dict:
    """The Table Schema JSON of an input table, as shipped with cogind."""
    return json.loads(_schema_text(f"{table}.json"))


def arrow_type(field: dict) -> pa.DataType:
    """Arrow type written for one Table Schema field."""
    name, kind = field["name"], field["type"]
    if kind == "string":
        if name in WIDE_DICTIONARY_COLUMNS:
            return pa.dictionary(pa.int16(), pa.string())
        return pa.dictionary(pa.int8(), pa.string()) if name in DICTIONARY_COLUMNS else pa.string()
    if kind == "integer":
        return INT_TYPES.get(name, pa.int32())
    return _SIMPLE_TYPES[kind]


NOT_GENERATED: dict[str, tuple[str, ...]] = {}
"""Optional schema columns the generator does not write (none: BEN_NIR_PSA is written since
issue 21 § 1, :mod:`cogind.synth.beneficiaires`)."""


@functools.cache
def arrow_schema(table: str) -> pa.Schema:
    """Arrow schema of a generated table: every schema column it writes, in schema order."""
    fields = [f for f in table_schema(table)["fields"]
              if f["name"] not in NOT_GENERATED.get(table, ())]
    return pa.schema([pa.field(f["name"], arrow_type(f)) for f in fields])
