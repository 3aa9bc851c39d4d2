"""Plugin manager factory: built-ins and third-party plugins load the same way."""
from __future__ import annotations

import importlib.metadata as md
import os
from typing import Iterable

import pluggy

import cogind.hookspecs as hookspecs
from cogind.errors import PluginError
from cogind.registry import PluginInfo, Registry, describe_plugin

ENTRY_POINT_GROUP = "cogind"
DISABLE_ENV = "COGIND_DISABLE_PLUGINS"


def _entry_points() -> list[md.EntryPoint]:
    return sorted(md.entry_points(group=ENTRY_POINT_GROUP), key=lambda ep: ep.name)


def _dist_of(ep: md.EntryPoint, seen: dict) -> tuple[str, str]:
    """(name, version) of the distribution of ``ep``; ``seen`` keeps those of the distributions
    already met, whose metadata file is then read once, not twice per entry point."""
    dist = getattr(ep, "dist", None)
    if dist is None:
        return "?", "?"
    if id(dist) not in seen:
        seen[id(dist)] = (dist, dist.metadata["Name"], dist.version)  # dist kept: id not reused
    return seen[id(dist)][1:]


def make_plugin_manager(
    load_entry_points: bool = True,
    extra: Iterable[object] = (),
    disabled: Iterable[str] = (),
) -> tuple[pluggy.PluginManager, list[PluginInfo]]:
    """A fresh manager: specs, blocked names, entry points one at a time, then ``extra``.

    Plugins that fail to import are recorded as broken in the returned infos, not raised:
    the caller decides (``cogind plugins`` lists them, computing commands refuse to run).
    """
    pm = pluggy.PluginManager(hookspecs.PROJECT)
    pm.add_hookspecs(hookspecs)
    blocked = set(disabled) | {n for n in os.environ.get(DISABLE_ENV, "").split(",") if n}
    for name in blocked:
        pm.set_blocked(name)
    infos: list[PluginInfo] = []
    if load_entry_points:
        seen: dict = {}
        for ep in _entry_points():
            if pm.is_blocked(ep.name):
                continue
            dist, version = _dist_of(ep, seen)
            info = PluginInfo(ep.name, dist, version, ep.value)
            infos.append(info)
            try:
                pm.register(ep.load(), name=ep.name)
            except Exception as exc:  # any import failure is the plugin's, reported per plugin
                info.error = f"{type(exc).__name__}: {exc}"
    for obj in extra:
        name = getattr(obj, "__name__", None) or type(obj).__name__
        info = PluginInfo(name, "en mémoire", "", getattr(obj, "__module__", "") or "")
        infos.append(info)
        pm.register(obj, name=name if pm.get_plugin(name) is None else None)
    try:
        pm.check_pending()
    except pluggy.PluginValidationError as exc:
        name = pm.get_name(exc.plugin) or "?"
        raise PluginError(f"plugin '{name}': {str(exc).splitlines()[0]}") from exc
    for info in infos:
        plugin = pm.get_plugin(info.name)
        if plugin is not None:
            info.hooks = sorted(h.name for h in pm.get_hookcallers(plugin) or ())
    return pm, infos


def build_registry(
    load_entry_points: bool = True,
    extra: Iterable[object] = (),
    disabled: Iterable[str] = (),
    allow_broken: bool = False,
) -> Registry:
    """Load the plugins and fill a validated :class:`Registry` from their hooks."""
    pm, infos = make_plugin_manager(load_entry_points, extra, disabled)
    broken = [i for i in infos if i.error]
    if broken and not allow_broken:
        i = broken[0]
        raise PluginError(f"{describe_plugin(i)}: {i.error}")
    registry = Registry(infos)
    for hook in ("cogind_register_tables", "cogind_register_indicators", "cogind_register_cogs"):
        for impl in getattr(pm.hook, hook).get_hookimpls():  # registration order
            info = _info_for(infos, impl.plugin_name)
            with registry.registering(info):
                try:
                    impl.function(**{a: registry for a in impl.argnames if a == "registry"})
                except PluginError:
                    raise
                except Exception as exc:
                    raise PluginError(f"{describe_plugin(info)}: {hook}: "
                                      f"{type(exc).__name__}: {exc}") from exc
    registry.validate()
    return registry


def _info_for(infos: list[PluginInfo], name: str) -> PluginInfo:
    for info in infos:
        if info.name == name:
            return info
    return PluginInfo(name, "?", "?", "")
