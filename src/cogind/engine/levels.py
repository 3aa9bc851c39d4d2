"""Levels above the caisse: regions from the caisse referential, or any user grouping.

Every level is computed from merged partial states (caisse states combined into the group's),
never as an average of caisse values. The region of a caisse comes from the referential
bundled with cogind (one CPAM per département, ORG_CLE_REG regions, after the Health Data
Hub's schema-snds, MPL-2.0); a caisse missing from it is placed by its département, read in
its code (01C751 → 75), else in region 99 (Inconnu).
"""
from __future__ import annotations

import csv
from importlib import resources
from pathlib import Path
from typing import Mapping

from cogind.errors import ConfigError, InputError

LEVELS = ("caisse", "region", "groupe", "national")
DEFAULT_LEVELS = ("caisse", "national")

REGIONS = {  # ORG_CLE_REG (shared/reference/snds/ORG_CLE_REG.csv)
    "5": "Régions et Départements d'outre-mer", "11": "Ile-de-France",
    "24": "Centre-Val de Loire", "27": "Bourgogne-Franche-Comté", "28": "Normandie",
    "32": "Hauts-de-France", "44": "Grand Est", "52": "Pays de la Loire", "53": "Bretagne",
    "75": "Nouvelle-Aquitaine", "76": "Occitanie", "84": "Auvergne-Rhône-Alpes",
    "93": "Provence-Alpes-Côte d'Azur et Corse", "99": "Inconnu",
}


def _referential() -> list[dict[str, str]]:
    text = resources.files("cogind.synth").joinpath("caisses.csv").read_text(encoding="utf-8")
    lines = [line for line in text.splitlines() if line and not line.startswith("#")]
    return list(csv.DictReader(lines, delimiter=";"))


def region_of(codes: list[str]) -> dict[str, str]:
    """ORG_CLE_REG region of each caisse code."""
    rows = _referential()
    by_code = {r["ORG_CLE_NUM"]: r["ORG_CLE_REG"] for r in rows}
    by_dept = {r["DPT_COD"]: r["ORG_CLE_REG"] for r in rows}
    out = {}
    for code in codes:
        dept = code[3:5] if len(code) == 6 else ""
        out[code] = by_code.get(code) or by_dept.get(dept) or "99"
    return out


def read_grouping(path: str | Path) -> dict[str, str]:
    """A user grouping: a CSV with a caisse column (ORG_CLE_NUM or caisse) and a group column."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except OSError as exc:
        raise InputError(f"cannot read the grouping file {path}: {exc.strerror}") from None
    lines = [line for line in text.splitlines() if line.strip()]
    if not lines:
        raise InputError(f"grouping file {path} is empty")
    delimiter = ";" if lines[0].count(";") >= lines[0].count(",") else ","
    reader = csv.reader(lines, delimiter=delimiter)
    header = [h.strip() for h in next(reader)]
    if len(header) < 2:
        raise InputError(f"grouping file {path}: expected two columns (caisse, groupe)")
    return {row[0].strip(): row[1].strip() for row in reader if len(row) >= 2}


def check_levels(levels, grouping: Mapping[str, str] | None) -> tuple[str, ...]:
    levels = tuple(levels or DEFAULT_LEVELS)
    unknown = [lv for lv in levels if lv not in LEVELS]
    if unknown:
        raise ConfigError(f"unknown level '{unknown[0]}' (expected {', '.join(LEVELS)})")
    if "groupe" in levels and not grouping:
        raise ConfigError("level 'groupe' needs a grouping file (--groupes FILE)")
    return levels


def group_slots(slots: Mapping[str, int], group_of: Mapping[str, str]):
    """(group of each slot as an index, group codes): slot 0 (no caisse) goes to group 0."""
    names = sorted({group_of.get(code, "99") for code in slots})
    index = {name: k + 1 for k, name in enumerate(names)}
    mapping = [0] * (len(slots) + 1)
    for code, slot in slots.items():
        mapping[slot] = index[group_of.get(code, "99")]
    return mapping, names


def caisse_labels() -> dict[str, str]:
    """ORG_CAI_LIB of each caisse of the shipped referential (``01C751`` → ``CPAM Paris``)."""
    return {r["ORG_CLE_NUM"]: r["ORG_CAI_LIB"] for r in _referential()}


def with_labels(table):
    """``table`` (results) with ``caisse_libelle`` and ``region_libelle`` appended: the
    caisse's name on caisse rows, the region's name on caisse and region rows; empty elsewhere
    and for a code the referential does not know (issue 22)."""
    import pyarrow as pa

    if "caisse_libelle" in table.column_names:
        return table
    levels, codes = table["niveau"].to_pylist(), table["caisse"].to_pylist()
    names = caisse_labels()
    regions = region_of(sorted({c for c, lv in zip(codes, levels) if lv == "caisse" and c}))
    caisse = [names.get(c) if lv == "caisse" else None for c, lv in zip(codes, levels)]
    region = [REGIONS.get(regions.get(c, "")) if lv == "caisse" else
              REGIONS.get(c) if lv == "region" else None for c, lv in zip(codes, levels)]
    table = table.append_column(pa.field("caisse_libelle", pa.string()),
                                pa.array(caisse, pa.string()))
    return table.append_column(pa.field("region_libelle", pa.string()),
                               pa.array(region, pa.string()))


def only_caisses(table, caisses):
    """The rows of ``table`` (results) except caisse rows of other caisses than ``caisses``:
    the levels above stay, computed from every caisse."""
    import pyarrow as pa
    import pyarrow.compute as pc

    keep = pc.or_(pc.not_equal(table["niveau"], "caisse"),
                  pc.is_in(table["caisse"], pa.array(list(caisses), pa.string())))
    return table.filter(pc.fill_null(keep, False))
