"""``cogind targets derive``: a CPG table proposed from the network's own distribution.

The Cnam sets caisse targets on the network's distribution: « des cibles de productivité […] se
calant généralement sur le 7e ou le 8e décile » (seed 000, near line 2087). That passage is
about productivity, where higher is better, so the 8th decile is the level that only the best
20 % of caisses reach. cogind reads « the k-th decile » *in the indicator's direction*, so that
it always means the level reached by the best (10 − k) × 10 % of caisses:

* higher is better (rates): Dk is the smallest caisse value v such that at least k × 10 % of the
  caisses have a value ≤ v (Hyndman-Fan type 1, the rule of cogind's percentiles and of the
  dispersion table): the value of rank ⌈k·m/10⌉ in ascending order;
* lower is better (delays): the mirror, the largest value v such that at least k × 10 % of the
  caisses have a value ≥ v: the value of rank ⌈k·m/10⌉ in *descending* order. For a delay, the
  « 8th decile in the right direction » is therefore the plain 2nd decile of the delays.

Only published caisse figures of the base year count (not masked, not empty). Every rule, the
base year and the network's levels are recorded, in column ``regle`` of each row and in the
table's metadata under ``cogind`` → ``cpg_derive``.
"""
from __future__ import annotations

import json
import math
from collections import defaultdict

import pyarrow as pa

from cogind.analyses.cpg import CPG_SCHEMA
from cogind import formatting
from cogind.errors import ConfigError
from cogind.analyses.spread import decile

MIN_CAISSES = 10
"""Fewer published caisse values in the base year: no decile, the indicator is left out."""

QUANTILE_RULE = ("Hyndman-Fan type 1 dans le sens favorable : rang ⌈k·m/10⌉ des valeurs des "
                 "caisses classées de la moins bonne à la meilleure")


def network_decile(values: list[float], k: int, direction: str) -> float | None:
    """Dk of caisse values counted in the indicator's direction (see the module docstring)."""
    ordered = sorted(values, reverse=direction != "hausse")
    return decile(ordered, k)


def parse_socle(text: str | int) -> str | int:
    """``base`` (the caisse's own base value) or a decile 1-9 of the network."""
    if isinstance(text, int) or str(text).strip().isdigit():
        k = int(text)
        if not 1 <= k <= 9:
            raise ConfigError(f"--socle decile must be between 1 and 9, got {k}")
        return k
    if str(text).strip().lower() != "base":
        raise ConfigError(f"--socle expects 'base' or a decile 1-9, got '{text}'")
    return "base"


def _better(a: float, b: float, direction: str) -> bool:
    """Whether ``a`` is strictly better than ``b``."""
    return a > b if direction == "hausse" else a < b


def _published(r: dict) -> float | None:
    v = r["valeur"]
    if r.get("masque") or v is None or (isinstance(v, float) and math.isnan(v)):
        return None
    return float(v)


def _base_rows(results: pa.Table, base: int, indicators) -> dict[str, list[dict]]:
    names = [c for c in ("indicateur", "niveau", "caisse", "periode", "valeur", "sens", "masque",
                         "unite") if c in results.column_names]
    by_code: dict[str, list[dict]] = defaultdict(list)
    for r in results.select(names).to_pylist():
        if r["niveau"] == "caisse" and r["periode"] == str(base):
            by_code[r["indicateur"]].append(r)
    if not by_code:
        raise ConfigError(f"no annual caisse results for base year {base} (compute with "
                          "--period year and a --year that includes it)")
    if indicators:
        unknown = sorted(set(indicators) - set(by_code))
        if unknown:
            raise ConfigError(f"indicator {unknown[0]} has no caisse result in {base}")
        by_code = {c: by_code[c] for c in indicators}
    return by_code


def _years(base: int, years, path_to: int | None) -> list[int]:
    if path_to is not None:
        if path_to <= base:
            raise ConfigError(f"--path-to {path_to} must come after the base year {base}")
        return list(range(base + 1, path_to + 1))
    ys = sorted(set(int(y) for y in years)) if years else [base + 1]
    if ys[0] < base:  # the base year itself is allowed: judging it against its own deciles
        raise ConfigError(f"contract year {ys[0]} comes before the base year {base}")
    return ys


def derive_cpg(results: pa.Table, base: int, *, decile: int = 8, socle: str | int = "base",
               years=None, path_to: int | None = None, indicators=None) -> pa.Table:
    """Propose socle and objectif per caisse × indicator × year from the base year's deciles.

    :param results: annual results (``period="year"``) holding the base year.
    :param decile: objectif at this decile of the network, in the indicator's direction.
    :param socle: ``"base"``: the caisse's own base value (never regress); or a decile k ≤
        ``decile``. A socle is never more demanding than the objectif of its year: where it
        would be (a caisse already beyond the objectif), it is set to the objectif.
    :param years: contract years ≥ ``base`` (default: ``base + 1``); the objectif is the same
        every year.
    :param path_to: instead of ``years``: a linear path from the caisse's base value, reaching
        the decile in ``path_to`` (one row per year from ``base + 1``); a caisse already at or
        beyond the decile gets the decile every year.
    :returns: a table with the columns of ``schemas/cpg.json``; rule and network levels in its
        metadata (``cogind`` → ``cpg_derive``).
    """
    if not 1 <= decile <= 9:
        raise ConfigError(f"--decile must be between 1 and 9, got {decile}")
    socle = parse_socle(socle)
    if isinstance(socle, int) and socle > decile:
        raise ConfigError(f"socle decile {socle} is more demanding than objectif decile {decile}")
    ys = _years(base, years, path_to)
    out = {f.name: [] for f in CPG_SCHEMA}
    network, left_out, skipped = {}, {}, {}
    for code, rows in sorted(_base_rows(results, base, indicators).items()):
        direction = rows[0]["sens"]
        values = [v for v in map(_published, rows) if v is not None]
        if len(values) < MIN_CAISSES:
            left_out[code] = f"{len(values)} caisse(s) publiée(s) en {base} (< {MIN_CAISSES})"
            continue
        target = network_decile(values, decile, direction)
        floor = network_decile(values, socle, direction) if isinstance(socle, int) else None
        network[code] = {"sens": direction, "caisses": len(values), "objectif": target,
                         "socle": floor}
        rule = _rule(decile, socle, base, path_to, len(values))
        n_skip = 0
        for r in sorted(rows, key=lambda r: r["caisse"]):
            own = _published(r)
            if own is None and (path_to is not None or socle == "base"):
                n_skip += 1  # no base value: no path and no own floor
                continue
            for y in ys:
                obj = _objectif(own, target, direction, base, y, path_to)
                flo = own if socle == "base" else floor
                if _better(flo, obj, direction):
                    flo = obj
                for k, v in (("caisse", r["caisse"]), ("indicateur", code), ("annee", y),
                             ("socle", flo), ("objectif", obj), ("regle", rule)):
                    out[k].append(v)
        if n_skip:
            skipped[code] = n_skip
    if not network:
        raise ConfigError(f"no indicator has {MIN_CAISSES} published caisse values in {base}")
    meta = {"cpg_derive": {
        "annee_base": base, "decile_objectif": decile,
        "socle": "valeur de la caisse l'année de base" if socle == "base" else f"décile {socle}",
        "trajectoire_jusqu_a": path_to, "annees": ys, "regle_quantile": QUANTILE_RULE,
        "reseau": network, "indicateurs_ecartes": left_out,
        "caisses_sans_valeur_de_base": skipped,
        "resultats": {k: v for k, v in _provenance(results).items()
                      if k in ("version", "cog", "entrees", "secret")}}}
    table = pa.table({f.name: pa.array(out[f.name], f.type) for f in CPG_SCHEMA},
                     schema=CPG_SCHEMA)
    return table.replace_schema_metadata({"cogind": json.dumps(meta, ensure_ascii=False)})


def _objectif(own: float | None, target: float, direction: str, base: int, year: int,
              path_to: int | None) -> float:
    if path_to is None or own is None or not _better(target, own, direction):
        return target
    return own + (target - own) * (year - base) / (path_to - base)


def _rule(k: int, socle, base: int, path_to: int | None, m: int) -> str:
    text = f"objectif : {k}e décile du réseau en {base} (sens favorable, type 1, {m} caisses)"
    if path_to is not None:
        text += f", trajectoire linéaire depuis la valeur {base} de la caisse jusqu'en {path_to}"
    text += " ; socle : " + (f"valeur de la caisse en {base}" if socle == "base"
                             else f"{socle}e décile du réseau en {base}")
    return text + ", jamais plus exigeant que l'objectif"


def _provenance(table: pa.Table) -> dict:
    raw = (table.schema.metadata or {}).get(b"cogind")
    return json.loads(raw) if raw else {}


def derive_info(cpg: pa.Table) -> dict:
    """The rule recorded by :func:`derive_cpg` (empty for a CPG not derived by cogind)."""
    return _provenance(cpg).get("cpg_derive", {})


def render_derived(cpg: pa.Table) -> str:
    """Summary for the terminal: the network's levels per indicator and the rows proposed."""
    info = derive_info(cpg)
    lines = [f"CPG proposé : {cpg.num_rows} lignes, années {', '.join(map(str, info['annees']))}"
             f" ; base {info['annee_base']}, objectif au {info['decile_objectif']}e décile "
             f"(sens favorable), socle : {info['socle']}"]
    for code, net in info["reseau"].items():
        floor = "" if net["socle"] is None else f", socle {formatting.number(net['socle'])}"
        lines.append(f"  {code}  {'plus haut' if net['sens'] == 'hausse' else 'plus bas'} = "
                     f"mieux  {net['caisses']} caisses  objectif {formatting.number(net['objectif'])}"
                     f"{floor}")
    for code, why in info["indicateurs_ecartes"].items():
        lines.append(f"  {code}  écarté : {why}")
    return "\n".join(lines)
