"""What the generator knows of each table: its maker, codes, and where defects can be put."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from cogind.synth import contacts, dossiers, ij, prestations

# Rows per year at scale 1 (10 M claim lines, 2 M IJ payments, 3 M contacts, 300 k applications
# over the default ten years).
ROWS_PER_YEAR = {"prestations": 1_000_000, "ij": 200_000, "contacts": 300_000,
                 "dossiers": 30_000}


@dataclass(frozen=True)
class TableSpec:
    """How to make a table and which of its columns each defect kind may touch."""

    name: str
    ident: int  # part of every block seed, so tables never share random streams
    make: Callable
    dictionaries: dict[str, tuple[str, ...]]  # codes of dictionary columns (ORG_CLE_NUM aside)
    dates: tuple[str, ...]
    pairs: tuple[tuple[str, str], ...]  # (start, end) columns, end >= start when clean
    amounts: tuple[str, ...]
    unknown: tuple[str, object]  # code column and a value outside its nomenclature or enum
    last: str  # latest event of a row: rows are cut at the end of the last year (extraction)


SPECS = {
    "prestations": TableSpec(
        "prestations", 1, prestations.make, {},
        ("EXE_SOI_DTD", "FLX_TRT_DTD", "FLX_DIS_DTD", "FSE_REC_DTD", "PRS_PAI_DTD"),
        (("EXE_SOI_DTD", "FLX_TRT_DTD"), ("FSE_REC_DTD", "PRS_PAI_DTD")),
        ("PRS_PAI_MNT", "BSE_REM_BSE", "BSE_REM_MNT", "PRS_DEP_MNT"),
        ("PRS_NAT_REF", 8888), "PRS_PAI_DTD"),
    "ij": TableSpec(
        "ij", 2, ij.make, {"IJ_RIS_COD": ("MAL", "ATMP"), "ASS_REG_COD": ("TS", "TI")},
        ("ARR_DEB_DTD", "ATT_REC_DTD", "IJ_PAI_DTD"),
        (("ATT_REC_DTD", "IJ_PAI_DTD"), ("ARR_DEB_DTD", "ATT_REC_DTD")),
        ("IJ_PAI_MNT",), ("PRS_NAT_REF", 6199), "IJ_PAI_DTD"),
    "contacts": TableSpec(
        "contacts", 3, contacts.make, {"CNT_CAN_COD": contacts.CHANNELS},
        ("CNT_ARR_DTH",), (("CNT_ARR_DTH", "CNT_TRT_DTH"),), (), ("CNT_CAN_COD", "FAX"),
        "CNT_TRT_DTH"),
    "dossiers": TableSpec(
        "dossiers", 4, dossiers.make,
        {"DOS_TYP_COD": dossiers.TYPES, "DOS_CAN_COD": dossiers.CANALS},
        ("DOS_REC_DTD", "DOS_DEC_DTD"), (("DOS_REC_DTD", "DOS_DEC_DTD"),), (),
        ("DOS_TYP_COD", "INC"), "DOS_DEC_DTD"),
}
