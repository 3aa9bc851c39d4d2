"""The validated options of one ``generate`` run (:func:`cogind.synth.core.check_options`)."""
from __future__ import annotations

import os
from dataclasses import dataclass, field

from cogind.synth.served import Catalogue


@dataclass
class Options:
    """Validated options of one ``generate`` run."""

    years: tuple[int, int]
    rows: dict[str, int]
    seed: int
    defects: float
    fmt: str
    partition: bool
    tables: tuple[str, ...]
    batch_rows: int
    scale: float
    catalogue: Catalogue = field(default_factory=Catalogue)
    postes: tuple = ()  # (POSTE, natures) of the tendanciel table (synth.tendanciel.postes)
    threads: int = field(default_factory=lambda: min(2, os.cpu_count() or 1))

    @property
    def year_range(self) -> range:
        return range(self.years[0], self.years[1] + 1)
