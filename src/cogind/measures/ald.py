"""Share of ALD patients with a declared médecin traitant, at the end of each period (COG
2023-2027 n° 22, issue 21 § 1), from the beneficiary-level table ``beneficiaires``.

The table lists the ALD exonerations (one row per beneficiary and ALD period, as IR_IMB_R):
the beneficiary's pseudonym, their caisse, the ALD start and end days and the start and end
days of their declared médecin traitant (empty start: none declared; empty end: ongoing).

On the last day ``D`` of a period, a beneficiary is **in ALD** when one of their rows has
``IMB_ALD_DTD ≤ D`` and no ``IMB_ALD_DTF`` before ``D``; they **have a médecin traitant** when
one of those rows has ``MTT_DEB_DTD ≤ D`` and no ``MTT_FIN_DTD`` before ``D``. Value = in ALD
with a médecin traitant / in ALD × 100, each beneficiary once, in the caisse of their
ALD row in force with the latest start (same day: the smallest caisse code).

The state is the rows in scope (five words a row: id, caisse, four days), concatenated across
batches, threads and partitions (merge: concatenation, any order); each period's figure is read
from them at finalisation, never from a second read of the table.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np

from cogind.kernels import counts, distinct
from cogind.measures.beneficiaries import (
    REASONS,
    _caisses,
    _days,
    _encoded,
    caisse_code,
    unit_totals,
)
from cogind.measures.families import Finalised, Measure
from cogind.model import Kernel

_COLUMNS = tuple(np.dtype(t) for t in ("i8", "i8", "i8", "i4", "i4", "i4", "i4"))
"""id (two words), caisse key, ALD start and end, médecin traitant start and end."""
NEVER = np.iinfo(np.int32).max  # an empty end: ongoing; an empty doctor start: none
EPOCH = dt.date(1970, 1, 1)


def _bound(column, empty: int) -> np.ndarray:
    day, valid = _days(column)
    return np.where(valid, day, empty).astype(np.int32)


@dataclass(frozen=True)
class SituationFactory:
    """Makes the engine's side state of one kernel (picklable, compared by its columns)."""

    measure: AldMedecinTraitant

    def __call__(self) -> SituationState:
        return SituationState(self.measure)


class SituationState:
    """The ALD rows in scope: ``update`` per batch, ``merge``, ``shares`` per day."""

    def __init__(self, measure: AldMedecinTraitant) -> None:
        self.measure = measure
        self.parts: list[tuple] = []
        self._sorted = False  # parts: one, sorted by id (:meth:`_by_id`)

    def update(self, batch, group=None, month0: int = 0, n_months: int = 1, state=None):
        m = self.measure
        group = np.asarray(group)
        hi, lo, status = _encoded(batch.column(m.id_column))
        caisse = _caisses(batch.column(m.caisse_column))
        keep = (group >= 0) & (status == distinct.OK) & (caisse >= 0)
        if state is not None:  # ids left out, counted in their row's cell
            for col, code in ((1, distinct.ID_NULL), (2, distinct.ID_BAD)):
                np.add.at(state[:, col], group[(group >= 0) & (status == code)], 1)
        cols = (hi, lo, caisse, _bound(batch.column(m.ald_start), NEVER),
                _bound(batch.column(m.ald_end), NEVER), _bound(batch.column(m.mt_start), NEVER),
                _bound(batch.column(m.mt_end), NEVER))
        self.parts.append(tuple(c[keep] for c in cols))
        self._sorted = False
        return status

    def merge(self, other: SituationState) -> SituationState:
        self.parts.extend(other.parts)
        self._sorted = False
        return self

    def arrays(self) -> list[np.ndarray]:
        """The rows as seven arrays (what ``--states`` stores; :meth:`load` reads them)."""
        if not self.parts:
            return [np.empty(0, t) for t in _COLUMNS]
        if len(self.parts) > 1:
            self.parts = [tuple(np.concatenate(c) for c in zip(*self.parts))]
            self._sorted = False
        return list(self.parts[0])

    def load(self, arrays: list[np.ndarray]) -> SituationState:
        """This (empty) state filled from :meth:`arrays` (ValueError if they are not one)."""
        if [a.dtype for a in arrays] != list(_COLUMNS) or len({len(a) for a in arrays}) != 1:
            raise ValueError("not an ALD situation state")
        self.parts = [tuple(arrays)] if len(arrays[0]) else []
        self._sorted = False
        return self

    def shares(self, day: int) -> tuple[dict[str, tuple[int, int]], tuple[int, int]]:
        """({caisse: (with a médecin traitant, in ALD)}, national) on ``day``."""
        if not self.parts:
            return {}, (0, 0)
        hi, lo, caisse, a0, a1, m0, m1 = self._by_id()
        on = (a0 <= day) & (a1 >= day)
        hi, lo, caisse = hi[on], lo[on], caisse[on]
        mt = ((m0[on] <= day) & (m1[on] >= day)).astype(np.int8)
        first = np.ones(len(hi), bool)
        first[1:] = (hi[1:] != hi[:-1]) | (lo[1:] != lo[:-1])
        starts = np.flatnonzero(first)
        with_mt = np.maximum.reduceat(mt, starts) if len(starts) else mt[:0]
        keys, where = np.unique(caisse[starts], return_inverse=True)
        patients = np.bincount(where, minlength=len(keys))
        followed = np.zeros(len(keys), np.int64)
        np.add.at(followed, where, with_mt)
        return ({caisse_code(k): (int(a), int(b)) for k, a, b in zip(keys, followed, patients)},
                (int(with_mt.sum()), len(starts)))

    def _by_id(self) -> tuple[np.ndarray, ...]:
        """The rows in one part, sorted per id with the latest start first (same start: the
        smallest caisse), so that a day's rows in force keep that order: sorted once for
        every period's day."""
        if len(self.parts) > 1 or not self._sorted:
            cols = [np.concatenate(c) for c in zip(*self.parts)]
            hi, lo, caisse, a0 = cols[:4]
            order = np.lexsort((caisse, -a0.astype(np.int64), lo, hi))
            self.parts = [tuple(c[order] for c in cols)]
            self._sorted = True
        return self.parts[0]


@dataclass(frozen=True)
class AldMedecinTraitant(Measure):
    """Patients in ALD with a declared médecin traitant / patients in ALD × 100, on the last
    day of the period; each beneficiary once."""

    id_column: str = "BEN_NIR_PSA"
    ald_start: str = "IMB_ALD_DTD"
    ald_end: str = "IMB_ALD_DTF"
    mt_start: str = "MTT_DEB_DTD"
    mt_end: str = "MTT_FIN_DTD"
    caisse_column: str = "ORG_CLE_NUM"
    statistic: str = "part_patients"
    reported: str = ""
    """Code of the reported indicator this computed form stands for (as
    :attr:`DistinctBeneficiaries.reported`, :mod:`cogind.analyses.forms`)."""
    multi_period = True  # a situation on a day, no sum of months

    @property
    def side_columns(self) -> tuple[str, ...]:
        return (self.id_column, self.ald_end, self.mt_start, self.mt_end)

    def kernel(self) -> Kernel:
        return Kernel(f"ald_medecin_traitant_{self.id_column}", (), 3, counts.update_count,
                      REASONS[:2], step=counts.step_count, side=SituationFactory(self))

    def validate(self, indicator, registry) -> None:
        if indicator.period_column != self.ald_start:
            raise ValueError(f"the ALD rows are dated by {self.ald_start}: it must be the "
                             "indicator's period column")
        fields = registry.table(indicator.table).fields
        for col in self.side_columns:
            if col not in fields:
                raise ValueError(f"column '{col}' is not in table '{indicator.table}'")

    def finalise(self, rows):
        raise NotImplementedError("the ALD share is finalised from the side state")

    def finalise_grid(self, grid, periods):
        size = grid.states.shape[0] + 1
        out = []
        for p in periods:
            totals = unit_totals(grid.context, size, *grid.side.shares((p.end - EPOCH).days),
                                 width=2)
            num, den = totals[:, 0].copy(), totals[:, 1].copy()
            value = np.full(size, np.nan)
            ok = den > 0
            value[ok] = 100.0 * num[ok] / den[ok]
            out.append(Finalised.empty_reasons(value, num.astype(float), den.astype(float), den,
                                               "aucun patient en ALD à la fin de la période"))
        return out

    def describe(self, indicator):
        return [("Valeur : patients en ALD ayant un médecin traitant déclaré le dernier jour de "
                 "la période / patients en ALD ce jour-là × 100, chaque bénéficiaire "
                 f"({self.id_column}) compté une fois."),
                (f"En ALD le jour J : une ligne avec {self.ald_start} ≤ J et {self.ald_end} vide "
                 f"ou ≥ J ; médecin traitant : sur l'une de ces lignes, {self.mt_start} ≤ J et "
                 f"{self.mt_end} vide ou ≥ J ({self.mt_start} vide : aucun médecin traitant)."),
                (f"Caisse d'un patient : celle de sa ligne d'ALD en cours commencée le plus tard "
                 f"(le même jour, le plus petit code {self.caisse_column}) ; la somme des caisses "
                 "est le nombre national."),
                f"Exclus du décompte : {self.id_column} manquant ou hors format."]

