"""``cogind.compute``: the one entry point the CLI and pipelines share."""
from __future__ import annotations

import dataclasses
import datetime as dt
import json
import os
from pathlib import Path
from typing import Any, Iterable, Sequence

import pyarrow as pa

from cogind.engine.bounds import check_sums
from cogind.engine.core import check_strict, plan
from cogind.engine.dask import engine_pass
from cogind.engine.duplicate_states import DuplicateStates
from cogind.engine.states import StateStore
from cogind.io.duplicates import MODES, check_table, pass_check
from cogind.errors import ConfigError, DataError, InputError
from cogind.io.fingerprint import Fingerprints
from cogind.engine.levels import (check_levels, only_caisses, read_grouping, region_of,
                                  with_labels)
from cogind.plugins import build_registry
from cogind.io.progress import Progress, make_progress
from cogind.io.computable import ABSENT, EMPTY, by_input, computable, motif
from cogind.io.readers import DEFAULT_BATCH, open_inputs
from cogind.io.timezones import BY_CAISSE, DEFAULT_TIMEZONE, OVERSEAS_ZONES, check_timezone
from cogind.registry import Registry
from cogind.io.sources import Tables
from cogind.measures.periods import (PERIOD_KINDS, PERIOD_NAMES, month_label, month_number,
                                     month_start)
from cogind.engine.finalise import (Options, Rows, add_indicator_rows, add_unavailable_rows,
                                    periods_for, select_periods)
from cogind.analyses.secret import (DEFAULT_THRESHOLD, apply_secret, record_no_secret,
                                    record_subset)
from cogind.analyses import forms

from cogind._version import __version__


def _selected(registry: Registry, cog: str | None, indicators: Sequence[str] | None):
    cog_obj = registry.cog(cog) if cog else None
    if indicators:
        codes = list(indicators)
        for c in codes:
            registry.indicator(c)
    elif cog_obj is not None:
        codes = [e.code for e in cog_obj.indicators]
    else:
        codes = list(registry.indicators)
    return cog_obj, [registry.indicator(c) for c in codes], bool(indicators)


def _years(years, cog_obj) -> tuple[int, ...] | None:
    if years is None:
        return tuple(cog_obj.years) if cog_obj else None
    ys = (years,) if isinstance(years, int) else tuple(int(y) for y in years)
    if cog_obj is not None:
        outside = [y for y in ys if y not in cog_obj.years]
        if outside:
            raise ConfigError(f"year {outside[0]} is outside COG {cog_obj.code} "
                              f"({cog_obj.years[0]}-{cog_obj.years[-1]})")
    return ys


def _as_of_day(as_of: str | None) -> int | None:
    """Last day of month ``YYYY-MM`` in days since 1970-01-01."""
    if as_of is None:
        return None
    try:
        nxt = month_start(month_number(as_of) + 1)
    except ValueError:  # 2024-13 too, not only malformed text
        raise ConfigError(f"--as-of expects YYYY-MM, got '{as_of}'") from None
    return (nxt - dt.date(1970, 1, 1)).days - 1


def compute(tables: Tables, cog: str | None = "2023-2027", *,
            indicators: Sequence[str] | None = None,
            period: str | Sequence[str] = "month", years: int | Iterable[int] | None = None,
            strict: bool = False, registry: Registry | None = None,
            plugins: Iterable[object] = (), batch_size: int = DEFAULT_BATCH,
            threads: int | None = None, as_of: str | None = None,
            progress: bool | None | Progress = False, confidence: float = 0.95,
            consolidation: int = 3, secret: int | None = None, engine: str = "local",
            scheduler: str | None = None, levels: Sequence[str] | None = None,
            groupes: str | Path | dict | None = None, cpg: Any = None,
            doublons: str = "compter", timezone: str = DEFAULT_TIMEZONE,
            caisses: Sequence[str] | None = None, libelles: bool = False,
            states: str | Path | None = None) -> pa.Table:
    """Compute indicators per caisse and nationally, per period, with targets and statuses.

    :param levels: levels to report among ``caisse``, ``region``, ``groupe`` and ``national``
        (default caisse and national); every level comes from merged caisse states.
    :param groupes: for the ``groupe`` level, a CSV file (caisse;groupe) or a mapping.
    :param cpg: caisse contracts (``schemas/cpg.json``: a path or a pyarrow Table): appends
        ``socle``, ``objectif``, ``statut_socle``, ``statut_objectif`` (:mod:`cogind.analyses.cpg`).
    :param doublons: rows sharing the key their schema declares (``primaryKey``):
        ``compter`` (default) counts them (provenance ``doublons``) and keeps every row in the
        figures; ``exclure`` keeps the first in file order, the others are the exclusion
        ``doublon``; ``ignorer`` skips the check (:mod:`cogind.io.duplicates`).
    :param tables: a folder or file path, or a mapping ``{table name: path | pyarrow.Table |
        RecordBatch | RecordBatchReader | Dataset | polars.DataFrame | polars.LazyFrame |
        object with __arrow_c_stream__}`` (:data:`cogind.TableSource`). A LazyFrame is
        collected in streaming batches, the needed columns only, at each pass; a
        RecordBatchReader is read once.
    :param cog: COG code whose indicators and targets to use (``None``: no targets).
    :param indicators: restrict to these indicator codes.
    :param period: ``month``, ``quarter``, ``year``, ``rolling12`` (the 12 months ending with
        each month), ``ytd`` (January to each month) or ``span`` (one period over all the
        reported years: the COG's whole duration by default); all sums of the monthly states.
        The French names of the CLI's ``--period`` are accepted too: ``mois``, ``trimestre``,
        ``annee``, ``glissant12``, ``cumul``, ``pluriannuel`` (the provenance records the
        English kind). Several
        kinds (a sequence, or joined by ``+``: ``"month+ytd"``) give one table holding the
        periods of each kind once (a label is a span of months), with one secret statistique
        chosen on all of them together.
    :param years: years to report (default: the COG's years); other years are still read,
        since evolutions and trends need them.
    :param strict: raise :class:`~cogind.errors.DataError` if any row is excluded.
    :param as_of: ``YYYY-MM``: compute with only the rows available by the end of that month
        (tables whose schema declares an availability column, e.g. FLX_DIS_DTD of claims).
    :param confidence: level of the confidence intervals (``ic_bas``, ``ic_haut``) that say
        whether a miss is significant.
    :param consolidation: months after a month's end before its figures are consolidated,
        for tables with an availability column (others: 0); until then ``provisoire`` is true.
        Counted up to ``as_of``, or to the last month of the data.
    :param secret: secret statistique threshold: figures below the national computed on fewer
        individuals are masked, with a complementary masking chosen on every period and level
        of the table together (:mod:`cogind.analyses.secret`). ``None`` (default): the default
        threshold, 11, as the CLI; ``False`` or ``0``: no masking, recorded in the provenance
        (``secret: false``).
    :param engine: ``local`` (threads here) or ``dask`` (partitions read and reduced on a Dask
        cluster, finalised here; extra ``cogind[dask]``, see docs/dask.md).
    :param scheduler: with ``dask``, the scheduler address (``tcp://host:8786``); ``None``:
        the current Dask client, else a LocalCluster started for the call.
    :param progress: ``False`` (default): nothing drawn, details on the ``cogind`` logger;
        ``True``: rows read, batches and elapsed time on stderr; ``None``: only if stderr is a
        terminal; or a :class:`cogind.io.progress.Progress`.
    :param registry: a registry built beforehand (default: every installed plugin, plus
        ``plugins`` registered in memory).
    :returns: a table with the columns of ``schemas/resultats.json``; provenance in its
        schema metadata under ``cogind``.
    :param caisses: keep only these caisses' rows at the caisse level (``["01C751"]``); the
        levels above are still computed from every caisse (recorded in the provenance).
    :param states: a folder of stored partial states (:mod:`cogind.engine.states`,
        docs/etats.md): each file of a table read from files is reduced once and its states
        stored, keyed by its SHA-256 and the plan; unchanged files are not read again, with
        the same results. The provenance says per table ``etats``: reused, recomputed, why.
    :param libelles: add the columns ``caisse_libelle`` and ``region_libelle`` (before the
        CPG ones), from the referential shipped in the package
        (:func:`cogind.engine.levels.with_labels`).
    :param timezone: civil time zone of calendar days and months for timestamps that carry a
        time zone (``timestamp[ms, tz=UTC]``); naive timestamps and dates are read as they are
        (:mod:`cogind.io.timezones`). ``"caisse"``: each row in its caisse's zone (the overseas
        caisses' own, Europe/Paris for the others).
    """
    timezone = check_timezone(timezone)
    kinds = _period_kinds(period)
    registry = registry or build_registry(extra=plugins)
    bar = make_progress(progress)
    cog_obj, inds, explicit = _selected(registry, cog, indicators)
    autos = forms.pairs(registry, inds)  # computed forms of reported ones (issue 21 § 1)
    inds, cog_obj = inds + list(autos.values()), forms.with_targets(cog_obj, autos)
    ys = _years(years, cog_obj)
    aux_names = sorted({t for ind in inds for t in _aux_tables(ind.measure)})
    inputs = open_inputs(tables, registry.tables, wanted=list(dict.fromkeys(
        [i.table for i in inds] + aux_names)))
    for tin in inputs.values():
        tin.timezone = timezone
    inds = _for_inputs(inds, inputs)
    gaps = computable(registry, inds, inputs)
    if strict:
        _refuse_gaps(forms.public(gaps, autos), inds, inputs, registry, explicit)
    by_table = plan((i for i in inds if i.code not in gaps), registry.tables)
    threads = threads or min(os.cpu_count() or 1, 4)
    as_of_day = _as_of_day(as_of)
    _check_options(confidence, consolidation)
    user_groups = (read_grouping(groupes) if isinstance(groupes, (str, Path))
                   else dict(groupes) if groupes else None)
    lvls = check_levels(levels, user_groups)
    rows, undated, read, consolidated = Rows(), {}, {}, {}
    accs = {}
    run_pass = engine_pass(engine, scheduler, registry)
    store = StateStore(states, registry, timezone) if states is not None else None
    known = DuplicateStates(store) if store is not None else None  # counts from stored hashes
    etats: dict[str, dict] = {}
    prints = Fingerprints({n: inputs[n] for n in by_table if n in inputs})
    dups: dict[str, dict] = {}
    if doublons not in MODES:
        raise ConfigError(f"doublons: expected {', '.join(MODES)}, got '{doublons}'")
    if doublons == "exclure" and engine != "local":
        raise ConfigError("doublons='exclure' needs the local engine")
    for name, tplan in by_table.items():
        needed: dict[str, list[str]] = {}
        for sp in tplan.states:
            for ind in sp.indicators:
                for col in ind.required_columns:
                    needed.setdefault(col, []).append(ind.code)
        spec = registry.table(name)
        if as_of_day is not None and spec.availability:
            tplan.as_of = (spec.availability, as_of_day)
            needed.setdefault(spec.availability, []).append(f"--as-of {as_of}")
        inputs[name].check(spec, needed)
        # with Dask the client may not see the files: no duplicate pass here
        mode = doublons if engine == "local" else "ignorer"
        tap = pass_check(inputs[name], spec, mode, known, tplan.as_of)  # hashed by the pass
        found = None
        if tap is None:
            tplan.duplicates, found = check_table(inputs[name], spec, mode, batch_size,
                                                  known=known)
        with bar.reading(name, inputs[name]):
            if tap is not None:
                acc = run_pass(inputs[name], tplan, batch_size, threads, on_batch=bar.batch,
                               keys=tap)
                found = tap.info(inputs[name], batch_size)
            elif store is None:
                acc = run_pass(inputs[name], tplan, batch_size, threads, on_batch=bar.batch)
            else:  # states of unchanged files reused (issue 20)
                acc, etats[name] = store.accumulate(run_pass, inputs[name], tplan, batch_size,
                                                    threads, on_batch=bar.batch, engine=engine)
        if found:
            dups[name] = found
        if acc.rows_read == 0:  # a stream or CSV that turned out empty
            users = [ind for sp in tplan.states for ind in sp.indicators]
            gaps.update(computable(registry, users, inputs, rows={name: 0}))
            if strict:
                _refuse_gaps(forms.public(gaps, autos), inds, inputs, registry, explicit)
            continue
        check_sums(acc, name)
        if strict:
            check_strict(acc, name)
        accs[name] = acc
        read[name] = {"origine": inputs[name].origin, "lignes": acc.rows_read,
                      **prints.result(name)}
        if name in etats:
            read[name]["etats"] = etats[name]
        if tplan.as_of:
            read[name]["lignes_non_disponibles"] = acc.rows_not_yet_available
        dialect = inputs[name].csv_dialect
        if dialect is not None and dialect.french:  # how a French CSV was read (docs/excel.md)
            read[name]["csv"] = dialect.describe()
        if inputs[name].stored:  # named as the schema but for case (cogind.io.names)
            read[name]["colonnes_renommees"] = {v: k for k, v in inputs[name].stored.items()}
    run_pass.close()  # on error, the Dask client and cluster close when it is collected
    aux = _auxiliary(inputs, registry, [i for i in inds if i.code not in gaps])
    for ind in inds:
        acc = accs.get(ind.table)
        if acc is None or ind.code in gaps:
            continue
        i = next(k for k, sp in enumerate(acc.plan.states) if ind in sp.indicators)
        opts = _options(acc, registry.table(ind.table).availability, as_of, confidence,
                        consolidation, lvls)
        u = add_indicator_rows(rows, acc, i, ind, cog_obj, _union(
                                   select_periods(acc, k, ys, cog_obj) for k in kinds),
                               opts, _groupings(acc, lvls, user_groups), aux)
        consolidated[ind.table] = {"delai_mois": opts.consolidation,
                                   "reference": month_label(opts.reference_month)}
        if u:
            undated[ind.code] = u
    _add_unavailable(rows, [i for i in inds if i.code in gaps], gaps, cog_obj, accs, kinds, ys,
                     lvls, user_groups, as_of)
    skipped = {code: motif(gs) for code, gs in gaps.items()}
    meta = {"version": __version__, "cog": cog_obj.code if cog_obj else None,
            "periode": "+".join(kinds), "annees": list(ys) if ys else None, "entrees": read,
            "situation_au": as_of, "niveau_confiance": confidence,
            "consolidation": consolidated,
            "plugins": [{"nom": p.name, "distribution": p.distribution, "version": p.version}
                        for p in registry.plugins],
            "non_calcules": skipped,
            "entrees_manquantes": [{"motif": g.motif, "table": g.table, "colonne": g.column,
                                    "indicateurs": codes}
                                   for g, codes in by_input(gaps).items()],
            "sans_secret": sorted(i.code for i in inds if not i.secret),
            "exclusions_hors_periode": undated,
            "fuseau_horaire": {"fuseau": timezone, "colonnes_avec_fuseau": {
                n: list(t.zoned) for n, t in inputs.items() if t.zoned},
                **({"par_caisse": {**OVERSEAS_ZONES, "autres": DEFAULT_TIMEZONE}}
                   if timezone == BY_CAISSE else {})},
            "doublons": dups,
            "options": {"indicateurs": list(indicators) if indicators else None,
                        "consolidation": consolidation, "strict": strict,
                        "niveaux": list(levels) if levels else None,
                        "groupes": dict(user_groups) if user_groups else None}}
    table, row_forms = forms.apply(rows.table(), meta, autos, gaps, cog_obj, user_groups)
    table = table.replace_schema_metadata({"cogind": json.dumps(meta, ensure_ascii=False)})
    if secret is False or (secret == 0 and not isinstance(secret, bool)):
        table = record_no_secret(table)  # raw figures, asked for and recorded
    else:
        table = apply_secret(table, DEFAULT_THRESHOLD if secret is None else secret,
                             {"groupe": user_groups} if user_groups else None)
    table = forms.keep(table, row_forms)  # a masked row still says its form
    if libelles:  # optional columns in the order of schemas/resultats.json: names, then CPG
        table = with_labels(table)
    if cpg is not None:  # after the secret: a masked figure is never judged (issue 12)
        from cogind.analyses.cpg import apply_cpg

        table = apply_cpg(table, cpg)
    table = _selected_caisses(table, caisses, libelles)
    if store is not None:  # its new generations, written meanwhile (a write's error raised)
        store.wait()
    return table


def _selected_caisses(table: pa.Table, caisses, libelles: bool) -> pa.Table:
    """``caisses`` kept last, after the secret (a subset of a safe publication is safe);
    both options recorded only when asked, so that default files do not change."""
    if not caisses and not libelles:
        return table
    meta = provenance(table)
    if caisses:
        caisses = [str(c) for c in caisses]
        meta["options"]["caisses"] = caisses
        table = only_caisses(table, caisses)
    if libelles:
        meta["options"]["libelles"] = True
    table = table.replace_schema_metadata({"cogind": json.dumps(meta, ensure_ascii=False)})
    return record_subset(table) if caisses else table  # the empreinte of the rows kept


def _period_kinds(period) -> tuple[str, ...]:
    """The period kinds asked for: one name, several joined by ``+``, or a sequence."""
    kinds = tuple(period.split("+")) if isinstance(period, str) else tuple(period)
    if not kinds or not all(isinstance(k, str) and k for k in kinds):
        raise ConfigError(f"period: expected one or more period kinds, got {period!r}")
    kinds = tuple(PERIOD_NAMES.get(k.strip().lower(), k) for k in kinds)  # French names too
    unknown = [k for k in kinds if k not in PERIOD_KINDS and k != "span"]
    if unknown:  # said before any table is read
        raise ConfigError(f"unknown period '{unknown[0]}' (expected one of "
                          f"{', '.join(PERIOD_NAMES)})")
    return tuple(dict.fromkeys(kinds))


def _union(lists) -> list:
    """Periods of several kinds, each label once (same label, same months, same figures)."""
    seen: dict = {}
    for periods in lists:
        for p in periods:
            seen.setdefault(p.label, p)
    return list(seen.values())


def _check_options(confidence: float, consolidation: int) -> None:
    if not 0 < confidence < 1:
        raise ConfigError(f"confidence level must be between 0 and 1, got {confidence}")
    if consolidation < 0:
        raise ConfigError(f"consolidation delay must be ≥ 0 months, got {consolidation}")


def _options(acc, availability: str | None, as_of: str | None, confidence: float,
             consolidation: int, levels: tuple[str, ...]) -> Options:
    """Provisional months of a table: only tables with late rows (an availability column)."""
    last = acc.month0 + acc.n_months - 1
    ref = month_number(as_of) if as_of else last
    return Options(confidence, as_of, ref, consolidation if availability else 0, levels)


def _aux_tables(measure) -> tuple[str, ...]:
    """Tables a measure reads whole: required (``auxiliary_tables``) and optional ones
    (``optional_tables``: a supplied trend, used when present)."""
    return tuple(measure.auxiliary_tables) + tuple(getattr(measure, "optional_tables", ()))


def _for_inputs(inds, inputs: dict) -> list:
    """Indicators whose measure adapts to the columns the inputs have (``for_inputs``: the
    ALD stratum of a standardised rate when prestations has EXO_MTF, issue 21 § 2)."""
    out = []
    for ind in inds:
        adapt = getattr(ind.measure, "for_inputs", None)
        measure = (adapt(tuple(inputs[ind.table].schema.names))
                   if adapt is not None and ind.table in inputs else ind.measure)
        out.append(ind if measure is ind.measure else dataclasses.replace(ind, measure=measure))
    return out


def _auxiliary(inputs: dict, registry: Registry, inds) -> dict:
    """Auxiliary tables (a population…) of the computable measures, read whole."""
    names = sorted({t for ind in inds for t in _aux_tables(ind.measure)})
    out = {}
    for name in names:
        if name not in inputs:  # an optional table not given
            continue
        tin = inputs[name]
        tin.check(registry.table(name), {f: [name] for f in registry.table(name).fields
                                          if tin.schema.get_field_index(f) >= 0})
        out[name] = pa.Table.from_batches(list(tin.batches(tin.schema.names)), tin.schema)
    return out


def _refuse_gaps(gaps: dict, inds, inputs: dict, registry: Registry, explicit: bool) -> None:
    """Under ``strict``, a missing input fails as before issue 17: a column absent or of the
    wrong type, an empty table; an absent table only for an indicator named by the caller
    (a COG's indicators whose table was not given are reported non calculable)."""
    for ind in inds:
        for g in gaps.get(ind.code, ()):
            if g.kind == ABSENT and not explicit:
                continue
            users = [c for c, gs in gaps.items() if g in gs]
            if g.kind == ABSENT:
                raise InputError(f"table '{g.table}' not found in the input (needed by "
                                 f"{', '.join(users[:3])})")
            if g.kind == EMPTY:
                raise DataError(f"table '{g.table}' ({inputs[g.table].origin}) has no row "
                                f"(needed by {', '.join(users[:3])}) under --strict")
            inputs[g.table].check(registry.table(g.table), {g.column: users})


def _add_unavailable(rows: Rows, inds, gaps: dict, cog_obj, accs: dict, kinds: tuple, ys,
                     levels: tuple[str, ...], user_groups: dict | None, as_of) -> None:
    """Rows of the non calculable indicators: the months and caisses of the tables read (the
    requested years when none was read), at every level asked for; figures null."""
    if not inds:
        return
    spans = [(a.month0, a.month0 + a.n_months - 1) for a in accs.values() if a.n_months]
    if spans:
        first, last = min(a for a, _ in spans), max(b for _, b in spans)
    elif ys:
        first, last = (min(ys) - 1970) * 12, (max(ys) - 1970) * 12 + 11
    else:
        return
    periods = _union(periods_for(first, last, k, ys) for k in kinds)
    caisses = sorted({code for a in accs.values() for code in a.slots})
    units = [("caisse", c) for c in caisses] if "caisse" in levels else []
    groups = {"region": region_of(caisses) if "region" in levels else None,
              "groupe": user_groups}
    for level in ("region", "groupe"):
        if level in levels:
            units += [(level, g) for g in sorted({groups[level].get(c, "99") for c in caisses})]
    units += [("national", None)] if "national" in levels else []
    for ind in inds:
        add_unavailable_rows(rows, ind, cog_obj, periods, units, motif(gaps[ind.code]), as_of)


def _groupings(acc, levels: tuple[str, ...], user_groups: dict | None) -> dict:
    """Group of each caisse for the levels above the caisse that were asked for."""
    out = {}
    if "region" in levels:
        out["region"] = region_of(list(acc.slots))
    if "groupe" in levels:
        out["groupe"] = user_groups
    return out


def provenance(table: pa.Table) -> dict:
    """The provenance recorded by :func:`compute` in a result table."""
    raw = (table.schema.metadata or {}).get(b"cogind")
    return json.loads(raw) if raw else {}
