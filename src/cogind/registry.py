"""The object hooks fill: tables, indicators and COGs, validated in one place."""
from __future__ import annotations

import contextlib
import dataclasses
import json
from pathlib import Path
from dataclasses import dataclass, field
from typing import Iterator

from cogind.checks import (FieldError, MissingColumn, check_cog, check_indicator, check_kernel,
                           check_kernel_fields)
from cogind.errors import ConfigError, PluginError
from cogind.model import Cog, Indicator, TableSchema, Target, as_target


@dataclass
class PluginInfo:
    """What ``cogind plugins`` shows of one plugin."""

    name: str
    distribution: str
    version: str
    module: str
    hooks: list[str] = field(default_factory=list)
    registered: list[str] = field(default_factory=list)
    error: str | None = None


def describe_plugin(info: PluginInfo) -> str:
    """``plugin 'name' (dist version)``, the prefix of every plugin error message."""
    ver = f" {info.version}" if info.version else ""
    return f"plugin '{info.name}' ({info.distribution}{ver})"


class Registry:
    """Everything the loaded plugins declared, keyed by code, with who declared it."""

    def __init__(self, plugins: list[PluginInfo] | None = None) -> None:
        self.plugins = list(plugins or [])
        self.tables: dict[str, TableSchema] = {}
        self.indicators: dict[str, Indicator] = {}
        self.cogs: dict[str, Cog] = {}
        self.owner: dict[tuple[str, str], PluginInfo | None] = {}
        self._current: PluginInfo | None = None

    # ------------------------------------------------------------------ filling
    @contextlib.contextmanager
    def registering(self, info: PluginInfo | None) -> Iterator[None]:
        self._current = info
        try:
            yield
        finally:
            self._current = None

    def _who(self, info: PluginInfo | None = None) -> str:
        info = info or self._current
        return describe_plugin(info) if info else "plugin"

    def _claim(self, kind: str, code: str, store: dict) -> None:
        if code in store:
            first = self.owner.get((kind, code))
            raise PluginError(f"{self._who()}: {kind} code '{code}' already declared by "
                              f"{self._who(first) if first else 'another plugin'}")
        self.owner[(kind, code)] = self._current
        if self._current is not None:
            self._current.registered.append(f"{kind} {code}")

    def add_table(self, schema: TableSchema) -> None:
        self._claim("table", schema.name, self.tables)
        self.tables[schema.name] = schema

    def add_table_file(self, path: str | Path) -> None:
        """Declare a table from a Table Schema JSON file."""
        doc = json.loads(Path(path).read_text(encoding="utf-8"))
        fields = {f["name"]: f for f in doc["fields"]}
        self.add_table(TableSchema(doc["name"], doc.get("title", ""), fields, str(path),
                                   doc.get("cogind:disponibilite"), _primary_key(doc)))

    def add_indicator(self, indicator: Indicator) -> None:
        if not isinstance(indicator, Indicator):
            raise PluginError(f"{self._who()}: add_indicator expects an Indicator, "
                              f"got {type(indicator).__name__}")
        self._claim("indicateur", indicator.code, self.indicators)
        self.indicators[indicator.code] = indicator

    def add_cog(self, cog: Cog) -> None:
        self._claim("cog", cog.code, self.cogs)
        self.cogs[cog.code] = cog

    # ------------------------------------------------------------------ checks
    def validate(self) -> None:
        """Check every declared field and the cross-references once every plugin has run:
        the first wrong one raises a one-line PluginError naming the plugin, the indicator (or
        COG) and the field."""
        for code, ind in list(self.indicators.items()):
            try:
                self.indicators[code] = self._validate_indicator(ind)
            except ValueError as exc:
                who = self._who(self.owner.get(("indicateur", code)))
                raise PluginError(f"{who}: indicator '{code}'{_sep(exc)}{exc}") from exc
        for code, cog in list(self.cogs.items()):
            who = self._who(self.owner.get(("cog", code)))
            try:
                check_cog(cog)
            except FieldError as exc:
                raise PluginError(f"{who}: COG {code}: {exc}") from exc
            self._validate_cog(cog, who)
            self.cogs[code] = self._labelled(cog)

    def _validate_indicator(self, ind: Indicator) -> Indicator:
        """``ind`` checked, its measure with what it leaves to the schema decided."""
        check_indicator(ind, self.tables)
        schema = self.tables[ind.table]
        decide = getattr(ind.measure, "for_schema", None)  # a plugin family may have none
        measure = decide(schema) if decide is not None else ind.measure
        if measure is not ind.measure:
            ind = dataclasses.replace(ind, measure=measure)
        try:
            ind.measure.validate(ind, self)
            kernel = ind.measure.kernel()
        except FieldError:
            raise
        except ValueError as exc:  # a family's own check
            raise FieldError("measure", str(exc)) from exc
        except Exception as exc:  # a measure that cannot even build its kernel
            raise FieldError("measure", f"{type(exc).__name__}: {exc}") from exc
        check_kernel_fields(kernel)
        for col in ind.required_columns:
            if col not in schema.fields:
                raise MissingColumn("kernel.inputs", f"'{col}' that table '{ind.table}' does "
                                                     "not declare")
        for k, inp in enumerate(kernel.inputs):
            allowed = INPUT_TYPES.get(inp.kind)
            if allowed and schema.field_type(inp.column) not in allowed:
                raise FieldError(f"kernel.inputs[{k}]", f"kind '{inp.kind}' cannot read "
                                 f"{schema.field_type(inp.column)} column '{inp.column}'")
        check_kernel(kernel)
        return ind

    def _validate_cog(self, cog: Cog, who: str) -> None:
        code = cog.code
        for code_base in cog.service_de_base:  # CPG indicators: not always COG ones
            if code_base not in self.indicators:
                raise PluginError(f"{who}: COG {code}: unknown base-service indicator "
                                  f"'{code_base}'")
        for entry in cog.indicators:
            if entry.code not in self.indicators:
                raise PluginError(f"{who}: COG {code} names unknown indicator '{entry.code}'")
            for year, target in entry.targets.items():
                if year not in cog.years:
                    raise PluginError(f"{who}: COG {code}: target for {entry.code} in {year},"
                                      f" outside the COG years {cog.years[0]}-{cog.years[-1]}")
                as_target(target)

    def _labelled(self, cog: Cog) -> Cog:
        """``cog`` with « % » in the labels cogind wrote itself (``Target.at_least(50)``: « ≥ 50
        % ») of its indicators in %, whatever their family; labels a plugin wrote are kept."""
        entries = []
        for entry in cog.indicators:
            if self.indicators[entry.code].unit != "%":
                entries.append(entry)
                continue
            targets = {y: _with_percent(as_target(t)) for y, t in entry.targets.items()}
            entries.append(dataclasses.replace(entry, targets=targets))
        if all(a is b for a, b in zip(entries, cog.indicators)):
            return cog
        return dataclasses.replace(cog, indicators=tuple(entries))

    # ------------------------------------------------------------------ lookups
    def indicator(self, code: str) -> Indicator:
        try:
            return self.indicators[code]
        except KeyError:
            raise ConfigError(f"unknown indicator '{code}' (see 'cogind list')") from None

    def cog(self, code: str) -> Cog:
        try:
            return self.cogs[code]
        except KeyError:
            known = ", ".join(sorted(self.cogs)) or "none"
            raise ConfigError(f"unknown COG '{code}' (known: {known})") from None

    def table(self, name: str) -> TableSchema:
        try:
            return self.tables[name]
        except KeyError:
            raise ConfigError(f"unknown table '{name}'") from None

    def cogs_using(self, code: str) -> list[Cog]:
        return [c for c in self.cogs.values() if c.entry(code) is not None]


INPUT_TYPES = {"days": ("date", "datetime"), "seconds": ("datetime",),
               "microseconds": ("datetime",), "cents": ("number", "integer"),
               "int": ("integer", "boolean")}
"""Schema types each input kind converts (a ``flag`` reads any)."""


def _sep(exc: Exception) -> str:
    return "" if str(exc).startswith(" ") else ": "


def _default_label(t: Target) -> str | None:
    """The label a Target factory writes for ``t``'s numbers, or None (an evolution, à
    déterminer: their labels say what they are)."""
    make = {"niveau": lambda: Target.level(t.value), "minimum": lambda: Target.at_least(t.value),
            "maximum": lambda: Target.at_most(t.value),
            "intervalle": lambda: Target.between(t.low, t.high)}.get(t.kind)
    return None if make is None else make().label


def _with_percent(t: Target) -> Target:
    if t.label and t.label == _default_label(t) and not t.label.endswith("%"):
        return dataclasses.replace(t, label=f"{t.label} %")
    return t


def _primary_key(doc: dict) -> tuple[str, ...]:
    """A Table Schema ``primaryKey`` (one name or a list), checked against the fields."""
    key = doc.get("primaryKey") or ()
    key = (key,) if isinstance(key, str) else tuple(key)
    names = {f["name"] for f in doc["fields"]}
    unknown = [k for k in key if k not in names]
    if unknown:
        raise ConfigError(f"schema '{doc['name']}': primaryKey column '{unknown[0]}' is not a field")
    return key
