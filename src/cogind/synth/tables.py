"""What the generator knows of each table: its maker, codes, and where defects can be put."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from cogind.synth import (ald, contacts, controles, demarches, dossiers, enquetes, ij, mesures,
                          prestations)

# Rows per year at scale 1 (10 M claim lines, 2 M IJ payments, 3 M contacts, 300 k applications
# over the default ten years). ``mesures`` has one row per measure, caisse and month instead.
ROWS_PER_YEAR = {"prestations": 1_000_000, "ij": 200_000, "contacts": 300_000,
                 "dossiers": 30_000, "enquetes": 50_000, "demarches": 200_000,
                 "controles": 30_000}
# Months of events drawn before each year so that its first months are complete (warm-up):
# six months cover nearly every claim and decision; IJ payments run up to three years after the
# start of an arrêt (payments after 18 months are an indicator), so IJ draw two years.
WARMUP_MONTHS = 6
CLAIMS_WARMUP_MONTHS = 3  # 99.9 % of claims are paid within three months of the care
IJ_WARMUP_MONTHS = 24


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
    period: str  # the date that puts a row in a year (the indicators' period date)
    warmup: int = 0  # months of the previous year drawn too (events begun before the year)
    finish: Callable | None = None  # (rng, cols, nulls, ctx): columns set on the rows kept


SPECS = {
    "prestations": TableSpec(
        "prestations", 1, prestations.make, {},
        ("EXE_SOI_DTD", "FLX_TRT_DTD", "FLX_DIS_DTD", "FSE_REC_DTD", "PRS_PAI_DTD"),
        (("EXE_SOI_DTD", "FLX_TRT_DTD"), ("FSE_REC_DTD", "PRS_PAI_DTD")),
        ("PRS_PAI_MNT", "BSE_REM_BSE", "BSE_REM_MNT", "PRS_DEP_MNT"),
        ("PRS_NAT_REF", 8888), "PRS_PAI_DTD", "PRS_PAI_DTD", CLAIMS_WARMUP_MONTHS,
        finish=ald.finish),
    "ij": TableSpec(
        "ij", 2, ij.make, {"IJ_RIS_COD": ("MAL", "ATMP"), "ASS_REG_COD": ("TS", "TI")},
        ("ARR_DEB_DTD", "ATT_REC_DTD", "IJ_PAI_DTD"),
        (("ATT_REC_DTD", "IJ_PAI_DTD"), ("ARR_DEB_DTD", "ATT_REC_DTD")),
        ("IJ_PAI_MNT",), ("PRS_NAT_REF", 6199), "IJ_PAI_DTD", "IJ_PAI_DTD", IJ_WARMUP_MONTHS),
    "contacts": TableSpec(
        "contacts", 3, contacts.make, {"CNT_CAN_COD": contacts.CHANNELS},
        ("CNT_ARR_DTH",), (("CNT_ARR_DTH", "CNT_TRT_DTH"),), (), ("CNT_CAN_COD", "FAX"),
        "CNT_TRT_DTH", "CNT_ARR_DTH"),
    "dossiers": TableSpec(
        "dossiers", 4, dossiers.make,
        {"DOS_TYP_COD": dossiers.TYPES, "DOS_CAN_COD": dossiers.CANALS},
        ("DOS_REC_DTD", "DOS_DEC_DTD"), (("DOS_REC_DTD", "DOS_DEC_DTD"),), (),
        ("DOS_TYP_COD", "INC"), "DOS_DEC_DTD", "DOS_DEC_DTD", WARMUP_MONTHS),
    "enquetes": TableSpec(
        "enquetes", 5, enquetes.make,
        {"ENQ_PUB_COD": enquetes.PUBLICS, "ENQ_CAN_COD": enquetes.CANALS},
        ("ENQ_REP_DTD",), (), (), ("ENQ_PUB_COD", "XXX"), "ENQ_REP_DTD", "ENQ_REP_DTD"),
    "demarches": TableSpec(
        "demarches", 6, demarches.make,
        {"DEM_TYP_COD": demarches.TYPES, "DEM_CAN_COD": demarches.CANALS},
        ("DEM_REC_DTD",), (), (), ("DEM_TYP_COD", "XXX"), "DEM_REC_DTD", "DEM_REC_DTD",
        finish=demarches.finish),
    "controles": TableSpec(
        "controles", 7, controles.make, {"CTL_TYP_COD": controles.TYPES},
        ("CTL_DTD",), (), ("IND_NOT_MNT", "IND_REC_MNT", "PRJ_SUB_MNT", "PRJ_EVI_MNT",
                           "ERR_MNT", "CTL_MNT"),
        ("CTL_TYP_COD", "XXX"), "CTL_DTD", "CTL_DTD"),
    "mesures": TableSpec(
        "mesures", 8, mesures.make, {"MES_COD": ()},
        ("MES_MOI_DTD",), (), ("MES_NUM", "MES_DEN", "MES_VAL"), ("MES_COD", "INCONNU"),
        "MES_MOI_DTD", "MES_MOI_DTD"),
}


def dictionaries(table: str, catalogue) -> dict[str, tuple[str, ...]]:
    """Codes of each dictionary column of ``table`` in a run (registry-driven for some)."""
    return {**SPECS[table].dictionaries, **catalogue.dictionaries(table)}
