"""Which files hold which table: extensions read, files of a folder, files named after a
table that are not read (docs/donnees-reelles.md)."""
from __future__ import annotations

from pathlib import Path

from cogind.errors import InputError

EXTENSIONS = {".parquet": "parquet", ".pq": "parquet", ".arrow": "ipc", ".feather": "ipc",
              ".ipc": "ipc", ".csv": "csv", ".tsv": "csv", ".csv.gz": "csv", ".tsv.gz": "csv"}
"""What is read, by file extension (a gzipped CSV is decompressed as it is read)."""
NOT_READ = {".xlsx": "Excel", ".xls": "Excel", ".ods": "LibreOffice", ".sas7bdat": "SAS",
            ".json": "JSON", ".zip": "zip", ".txt": "text", ".dta": "Stata"}
"""Files named after a table that cogind does not read: said, never skipped silently."""


def extension(path: Path) -> str:
    """``path``'s extension, lower case, ``.csv.gz`` as one."""
    name = path.name.lower()
    return next((e for e in EXTENSIONS if "." in e[1:] and name.endswith(e)), path.suffix.lower())


def find_in_folder(folder: Path, name: str) -> Path | None:
    """``name``'s file or folder in ``folder`` (``ij.parquet``, ``ij.csv.gz``, ``ij/``…), None
    when there is none; a file named after it in a format not read is an InputError."""
    found = [p for p in [folder / f"{name}{ext}" for ext in EXTENSIONS] if p.is_file()]
    found += [folder / name] if (folder / name).is_dir() else []
    if len(found) > 1:
        raise InputError(f"table '{name}': {found[0].name} and {found[1].name} are both in "
                         f"{folder}: keep one (which one holds the table cannot be guessed)")
    if found:
        return found[0]
    for ext, kind in NOT_READ.items():
        if (folder / f"{name}{ext}").is_file():
            raise InputError(f"table '{name}': {name}{ext} is not read ({kind}): save it as CSV "
                             f"({name}.csv, any separator, French or not), Parquet or Arrow")
    return None


def folder_files(name: str, path: Path) -> tuple[list[Path], str]:
    """The data files of a table's folder (hive partitions included; names starting with '.'
    or '_' left out, as Arrow does: Spark's _SUCCESS, .crc) and their format. Other files
    (notes, logs) are not read; data files of two formats are an error."""
    files = sorted(p for p in path.rglob("*") if extension(p) in EXTENSIONS and p.is_file()
                   and not any(part[0] in "._" for part in p.relative_to(path).parts))
    if not files:
        raise InputError(f"table '{name}': folder {path} holds no .parquet, .arrow or .csv file")
    fmt = EXTENSIONS[extension(files[0])]
    other = next((f for f in files if EXTENSIONS[extension(f)] != fmt), None)
    if other is not None:
        raise InputError(f"table '{name}': folder {path} holds files of two formats "
                         f"({files[0].name}, {other.name}): one format per table")
    return files, fmt
