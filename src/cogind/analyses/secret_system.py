"""Complementary suppression chosen on the whole published system of one indicator (issue 18).

Each additive figure of a row (n, numerator, denominator, a delay's sums) is a sum of base
cells, one per caisse and *time atom* (the months between two consecutive bounds of the
periods in the table): the row of unit U (caisse, region, groupe, national) and period P adds
the cells of U's caisses over P's atoms, whatever the period kinds (month, quarter, year, ytd,
rolling12, span) and levels published together.

A masked row, or a small quantity the published rows would give (the months two nested
periods of a unit differ by, a total minus its published parts), is protected by a
*certificate*: a perturbation ``z = u ⊗ v`` of the base cells, ``u = e_k − e_k2`` (or ``e_k``)
over caisses and ``v = e_j − e_j2`` (or ``e_j``) over atoms, that changes it while leaving
every published row unchanged. Every row that ``z`` moves is masked; masks only grow, so every
certificate holds at the end and no protected quantity is a linear combination of published
rows. The cheapest certificate is chosen: fewest new rows, the smallest ``n`` first, a row of
zero next, the national last.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

NATIONAL_COST = 1e4
NEVER = 1e12


@dataclass
class System:
    """One indicator's rows as units × periods over caisses × atoms."""

    rows: np.ndarray       # (U, P) row index in the table, -1: none
    member: np.ndarray     # (U, K) bool: caisses of each unit
    atoms: np.ndarray      # (P, J) bool: atoms of each period
    n: np.ndarray          # (U, P) float, nan: unknown
    national: np.ndarray   # (U,) bool
    masked: np.ndarray     # (U, P) bool
    threshold: int
    blocks: np.ndarray     # (J,) block of each atom: atoms no period joins stay apart
    children: list = field(default_factory=list)  # (parent unit, [child units]) families
    certificates: list = field(default_factory=list)  # (k, k2, j, j2); -1: absent
    safe: np.ndarray | None = None  # (U, P) rows some certificate moves
    weights: np.ndarray | None = None
    options: dict = field(default_factory=dict)
    table: np.ndarray = field(default_factory=lambda: np.zeros((64, 4), np.int64))
    member_t: np.ndarray | None = None
    bases: list = field(default_factory=list)  # (unit, period, base period): an evolution's
    # row also publishes its base period's value (its denominator)
    spans: list = field(default_factory=list)  # (first, last) month of each period
    pairs: tuple | None = None  # _pairing(), computed once
    shared: dict = field(default_factory=dict)  # Layout.cache of the system's units

    @property
    def published(self) -> np.ndarray:
        return (self.rows >= 0) & ~self.masked & np.isfinite(self.n)


@dataclass
class Layout:
    """The units of an indicator's rows and the caisses each holds (shared by the indicators
    published at the same units)."""

    member: np.ndarray     # (U, K) bool
    national: np.ndarray   # (U,) bool
    children: list         # (parent unit, [child units]) families
    cache: dict = field(default_factory=dict)  # what depends on the units only (_pairing)


def layout(units: list[tuple[str, str | None]], caisses: list[str], members: list[set]) -> Layout:
    """``members``: caisses of each unit."""
    index = {c: i for i, c in enumerate(caisses)}
    member = np.zeros((len(units), len(caisses)), bool)
    for u, ks in enumerate(members):
        member[u, np.array([index[k] for k in ks if k in index], np.int64)] = True
    national = np.array([lvl == "national" for lvl, _ in units], bool)
    return Layout(member, national, _families(units, member))


def build(units: Layout, periods: list[tuple[int, int]], rows: np.ndarray, n: np.ndarray,
          masked: np.ndarray, threshold: int) -> System:
    """``rows``: (U, P) row of each cell in the table, -1: none; ``n``, ``masked``: per row."""
    bounds = sorted({b for first, last in periods for b in (first, last + 1)})
    atom_of = {b: i for i, b in enumerate(bounds)}
    J, P = max(len(bounds) - 1, 1), len(periods)
    atoms = np.zeros((P, J), bool)
    for p, (first, last) in enumerate(periods):
        atoms[p, atom_of[first]:atom_of[last + 1]] = True
    there = rows >= 0
    system = System(rows, units.member, atoms, np.where(there, n[rows], np.nan),
                    units.national, there & masked[rows], threshold, _blocks(atoms))
    system.children, system.spans, system.shared = units.children, periods, units.cache
    return system


def _blocks(atoms: np.ndarray) -> np.ndarray:
    """Atoms linked by a period spanning several of them share a block."""
    J = atoms.shape[1]
    block = np.arange(J)
    for p in range(atoms.shape[0]):
        js = np.flatnonzero(atoms[p])
        if len(js) > 1:
            old = set(block[js].tolist())
            block[np.isin(block, list(old))] = min(old)
    return block


def _families(units: list, member: np.ndarray) -> list[tuple[int, list[int]]]:
    """(parent, children) whose figures add up: the national over each lower level, each region
    or groupe over its caisses."""
    by_level: dict[str, list[int]] = {}
    for u, (lvl, _) in enumerate(units):
        by_level.setdefault(lvl, []).append(u)
    out = []
    for parent in by_level.get("national", []):
        out += [(parent, kids) for lvl, kids in by_level.items() if lvl != "national"]
    for lvl in ("region", "groupe"):
        for parent in by_level.get(lvl, []):
            kids = [c for c in by_level.get("caisse", [])
                    if member[c].any() and not (member[c] & ~member[parent]).any()]
            out.append((parent, kids))
    return out


# --------------------------------------------------------------------------- targets


def targets(system: System) -> list[tuple]:
    """(caisses, atoms) of every quantity still to protect: masked rows no certificate moves,
    small period differences of a unit, small masked remainders of a total."""
    out = [(system.member[u], system.atoms[p], (u, p))
           for u, p in zip(*np.nonzero(system.masked & (system.rows >= 0) & ~system.safe))]
    quantities = _gaps(system) + _remainders(system)
    moved = _moved(system, quantities)
    return out + [(*t, None) for t, m in zip(quantities, moved) if not m]


def _gaps(system: System) -> list:
    """Per unit below the national, the months between two bounds its published periods link
    (a difference of nested or overlapping periods) when they hold 1 to threshold - 1
    (:func:`cogind.kernels.secret.small_gaps`; compiled only for overlapping periods)."""
    if not _overlapping(system.atoms):
        return []
    from cogind.kernels.secret import small_gaps

    if "bounds" not in system.options:
        system.options["bounds"] = np.array(
            [[np.argmax(a), len(a) - np.argmax(a[::-1])] for a in system.atoms], np.int64)
    found = small_gaps(system.options["bounds"], system.published, system.n,
                       ~system.national, float(system.threshold))
    out = []
    for u, a, b in found.tolist():
        span = np.zeros(system.atoms.shape[1], bool)
        span[a:b] = True
        out.append((system.member[u], span))
    return out


def _overlapping(atoms: np.ndarray) -> bool:
    return bool((atoms.sum(axis=0) > 1).any())


def _remainders(system: System) -> list:
    """A published total whose masked parts add up to 1 to threshold - 1 (but for the
    national level itself: it is published whatever its size)."""
    out, pub = [], system.published
    for parent, kids in system.children:
        kids = np.asarray(kids, np.int64)
        if not len(kids):
            continue
        for p in np.flatnonzero(pub[parent]):
            hidden = kids[system.masked[kids, p]]
            if not len(hidden) or not (system.rows[kids, p] >= 0).all():
                continue
            shown = kids[pub[kids, p]]
            if system.national[parent] and not len(shown):
                continue  # the national itself, published whatever its size
            rest = system.n[parent, p] - system.n[shown, p].sum()
            if 0 < rest < system.threshold:
                out.append((system.member[hidden].any(axis=0), system.atoms[p]))
    return out


# --------------------------------------------------------------------------- certificates


def protected(system: System, caisses: np.ndarray, atoms: np.ndarray, since: int = 0) -> bool:
    """Whether a certificate (from the ``since``-th) already moves (caisses, atoms)."""
    if len(system.certificates) <= since:
        return False
    k1, k2, j1, j2 = system.table[since:len(system.certificates)].T
    u = caisses[k1] != np.where(k2 >= 0, caisses[np.maximum(k2, 0)], False)
    v = atoms[j1] != np.where(j2 >= 0, atoms[np.maximum(j2, 0)], False)
    return bool((u & v).any())


def _moved(system: System, quantities: list[tuple]) -> np.ndarray:
    """:func:`protected` of each (caisses, atoms), all at once."""
    out = np.zeros(len(quantities), bool)
    if not system.certificates or not quantities:
        return out
    k1, k2, j1, j2 = system.table[:len(system.certificates)].T
    for start in range(0, len(quantities), 256):
        part = quantities[start:start + 256]
        caisses = np.zeros((len(part), system.member.shape[1] + 1), bool)  # k = -1: none
        atoms = np.zeros((len(part), system.atoms.shape[1] + 1), bool)
        caisses[:, :-1] = [c for c, _ in part]
        atoms[:, :-1] = [a for _, a in part]
        moves = (caisses[:, k1] != caisses[:, k2]) & (atoms[:, j1] != atoms[:, j2])
        out[start:start + len(part)] = moves.any(axis=1)
    return out


def _weights(system: System) -> np.ndarray:
    """Cost of masking each published row: 1 (plus a fraction growing with n; a row of zero
    after every small row), the national far more; 0 when masked or absent."""
    pub = system.published
    n = np.where(pub, system.n, 0.0)
    top = n.max() + 1 if n.size else 1
    w = np.where(pub, 1.0 + 0.5 * n / top + 0.6 * (n == 0), 0.0)
    w[system.national] *= NATIONAL_COST
    return w


def certify(system: System, caisses: np.ndarray, atoms: np.ndarray) -> int:
    """Add the cheapest certificate protecting (caisses, atoms); mask what it moves. Returns
    the number of rows masked."""
    w = system.weights
    key = atoms.tobytes()
    if key not in system.options:
        options = _time_options(system, atoms)
        system.options[key] = options, np.abs(
            system.atoms[:, [j for j, _ in options]].astype(float)
            - _columns(system.atoms, [j2 for _, j2 in options]))  # (P, V)
    options, sep = system.options[key]
    cost_u = w @ sep  # (U, V): cost of each unit's rows over each v
    cost_k = system.member_t @ cost_u  # (K, V): every unit holding k
    best, choice, width = NEVER, None, len(options)
    inside = np.flatnonzero(caisses)
    outside = np.flatnonzero(~caisses)
    for k in inside[:16].tolist():
        alone = cost_k[k]
        if len(outside):
            holders, member_h = _holders(system, k)
            common = member_h @ cost_u[holders]  # (K, V)
            pair = alone[None, :] + cost_k[outside] - 2 * common[outside]
            i, v = divmod(int(np.argmin(pair)), width)
            if pair[i, v] < best - 1e-9:
                best, choice = pair[i, v], (k, int(outside[i]), *options[v])
        v = int(np.argmin(alone))
        if alone[v] < best - 1e-9:
            best, choice = alone[v], (k, -1, *options[v])
    if choice is None:  # an empty unit: no figure to protect
        return 0
    return _add_certificate(system, *choice)


def _holders(system: System, k: int) -> tuple[np.ndarray, np.ndarray]:
    """The units holding caisse k, and their (K, units) membership as floats."""
    key = ("holders", k)
    if key not in system.shared:
        holders = np.flatnonzero(system.member[:, k])
        system.shared[key] = holders, system.member[holders].T.astype(float)
    return system.shared[key]


def _time_options(system: System, atoms: np.ndarray) -> list[tuple[int, int]]:
    """v = e_j (j in the target) or e_j − e_j2, j2 outside the target in the same block: any
    such month for a one-atom target, the months next to its ends for a longer one (their
    number would grow as the square of the block)."""
    inside = np.flatnonzero(atoms)
    out = [(int(j), -1) for j in inside]
    first, last = int(inside[0]), int(inside[-1])
    block = np.flatnonzero((system.blocks == system.blocks[first]) & ~atoms)
    near = block if first == last else [j2 for j2 in (first - 1, last + 1) if j2 in block]
    return out + [(j, int(j2)) for j in dict.fromkeys((first, last)) for j2 in near]


def _columns(atoms: np.ndarray, js: list[int]) -> np.ndarray:
    out = np.zeros((atoms.shape[0], len(js)))
    for v, j in enumerate(js):
        if j >= 0:
            out[:, v] = atoms[:, j]
    return out


def _carry_bases(system: System) -> None:
    """An evolution's row holds its base period's value: masked with that period's row."""
    for u, p, base in system.bases:
        if system.masked[u, base] and not system.masked[u, p]:
            system.masked[u, p] = True
            system.weights[u, p] = 0.0


def _free_pairs(system: System) -> None:
    """Certificates that mask nothing new, found in bulk: two caisses of the same region and
    groupe whose own rows that ``v`` moves are all masked already (most primary cells pair
    this way: two small caisses of one month)."""
    if system.pairs is None:
        system.pairs = _pairing(system)
    if not system.pairs:
        return
    own, cls, js, j2s, sep = system.pairs
    rows = system.rows[own] >= 0
    # free of cost: no published own row over the months v moves (weights only fall to 0)
    costly = (system.weights[own] != 0).astype(np.int64) @ sep.astype(np.int64) > 0  # (K, C)
    pending = system.masked[own] & rows & ~system.safe[own]  # (K, P), only shrinks below
    candidates = ~costly & (pending.astype(np.int64) @ sep.astype(np.int64) > 0)
    for c in np.flatnonzero(candidates.sum(axis=0) > 1).tolist():
        ks = np.flatnonzero(candidates[:, c])
        ks = ks[(system.masked[own[ks]] & rows[ks] & ~system.safe[own[ks]])[:, sep[:, c]]
                .any(axis=1)]
        first, second = _paired(ks[np.argsort(cls[ks], kind="stable")], cls)
        if len(first):
            _add_free(system, own, first, second, int(js[c]), int(j2s[c]), sep[:, c])


def _pairing(system: System) -> tuple:
    """(own unit of each caisse, its class: the other units holding it, and every time option
    (j, j2) with the periods it separates), or () when some caisse has no unit of its own."""
    if "own" not in system.shared:
        system.shared["own"] = _own_units(system.member, system.national)
    if not system.shared["own"]:
        return ()
    options = [(j, j2) for j in range(system.atoms.shape[1])
               for j2 in [-1] + [int(x) for x in np.flatnonzero(system.blocks == system.blocks[j])
                                 if x != j]]
    js, j2s = (np.array(x, np.int64) for x in zip(*options))
    sep = system.atoms[:, js] != np.where(j2s >= 0, system.atoms[:, np.maximum(j2s, 0)], False)
    return (*system.shared["own"], js, j2s, sep)


def _own_units(member: np.ndarray, national: np.ndarray) -> tuple:
    """(the unit holding caisse k alone, for each k; the class of k: the other units holding
    it), or () when some caisse has no unit of its own."""
    alone = member & (member.sum(axis=1) == 1)[:, None]
    units = [np.flatnonzero(alone[:, k]) for k in range(member.shape[1])]
    own = np.array([u[0] if len(u) and not national[u[0]] else -1 for u in units], np.int64)
    if not len(own) or (own < 0).any():
        return ()
    others = member.copy()
    others[own] = False
    classes: dict[bytes, int] = {}
    cls = np.array([classes.setdefault(others[:, k].tobytes(), len(classes))
                    for k in range(len(own))], np.int64)
    return own, cls


def _paired(ks: np.ndarray, cls: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Consecutive pairs of ``ks`` (grouped by class, in class order) within each class."""
    if len(ks) < 2:
        return ks[:0], ks[:0]
    c = cls[ks]
    start = np.flatnonzero(np.r_[True, c[1:] != c[:-1]])
    pos = np.arange(len(ks)) - np.repeat(start, np.diff(np.r_[start, len(ks)]))
    first = np.flatnonzero((pos % 2 == 0) & (np.r_[c[1:] == c[:-1], False]))
    return ks[first], ks[first + 1]


def _add_free(system: System, own: np.ndarray, first: np.ndarray, second: np.ndarray,
              j: int, j2: int, sep: np.ndarray) -> None:
    """Record the certificates (k, k2, j, j2) of caisse pairs of one class at once: each moves
    only the two caisses' own rows (their other units are the same), disjoint pairs."""
    new = np.stack([first, second, np.full(len(first), j), np.full(len(first), j2)], axis=1)
    while len(system.certificates) + len(new) > len(system.table):
        system.table = np.concatenate([system.table, np.zeros_like(system.table)])
    system.table[len(system.certificates):len(system.certificates) + len(new)] = new
    system.certificates.extend(map(tuple, new.tolist()))
    units = own[np.r_[first, second]]
    support = np.zeros_like(system.masked)
    support[np.ix_(units, np.flatnonzero(sep))] = True
    support &= system.rows >= 0
    move = support & ~system.masked & np.isfinite(system.n)
    system.masked |= move
    system.safe |= support
    system.weights[move] = 0.0


def _add_certificate(system: System, k: int, k2: int, j: int, j2: int) -> int:
    """Record (k, k2, j, j2); mask the published rows it moves; returns their number."""
    if len(system.certificates) == len(system.table):
        system.table = np.concatenate([system.table, np.zeros_like(system.table)])
    system.table[len(system.certificates)] = (k, k2, j, j2)
    system.certificates.append((k, k2, j, j2))
    uvec = system.member[:, k] != (system.member[:, k2] if k2 >= 0 else False)
    vvec = system.atoms[:, j] != (system.atoms[:, j2] if j2 >= 0 else False)
    support = np.outer(uvec, vvec) & (system.rows >= 0)
    move = support & ~system.masked & np.isfinite(system.n)
    system.masked |= move
    system.safe |= support
    system.weights[move] = 0.0
    return int(move.sum())


def suppress(system: System) -> np.ndarray:
    """Mask rows until every target is protected (a fixed point: a mask may expose a new small
    difference); returns the (U, P) rows masked here."""
    start = system.masked.copy()
    if not system.member.shape[1]:
        return np.zeros_like(start)
    system.safe = np.zeros_like(system.masked)
    system.weights = _weights(system)
    system.member_t = system.member.T.astype(float)
    for _ in range(10_000):
        _carry_bases(system)
        _free_pairs(system)
        todo = targets(system)
        if not todo:
            break
        before = len(system.certificates)  # no earlier one protects the todo quantities
        for caisses, atoms, row in todo:
            if caisses.any() and not (system.safe[row] if row else
                                      protected(system, caisses, atoms, before)):
                certify(system, caisses, atoms)
        if len(system.certificates) == before:
            break
    return system.masked & ~start
