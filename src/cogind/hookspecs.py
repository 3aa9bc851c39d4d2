"""Every hook a cogind plugin can implement, and the two pluggy markers.

A plugin is a module or object with functions decorated by :data:`hookimpl`, found through the
``cogind`` entry-point group (built-in plugins included) or passed to
:func:`cogind.plugins.make_plugin_manager`. Hooks only *declare*: they hand frozen dataclasses
from :mod:`cogind.model` to the registry and compute nothing.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

import pluggy

if TYPE_CHECKING:
    from cogind.registry import Registry

PROJECT = "cogind"
hookspec = pluggy.HookspecMarker(PROJECT)
hookimpl = pluggy.HookimplMarker(PROJECT)

# --------------------------------------------------------------------------- input tables


@hookspec
def cogind_register_tables(registry: Registry) -> None:
    """Declare input tables through ``registry.add_table(TableSchema)``.

    A table's schema is a Table Schema JSON document (see ``schemas/``); the readers check every
    input against it. Called first, so that indicators can name columns of these tables.

    :param registry: the registry being filled; call ``registry.add_table`` or
        ``registry.add_table_file(path)``.

    .. versionadded:: 0.1
    """


# --------------------------------------------------------------------------- indicators


@hookspec
def cogind_register_indicators(registry: Registry) -> None:
    """Declare indicators through ``registry.add_indicator(Indicator)``.

    An indicator names its input table, its measure family (see :mod:`cogind.measures.families`) or its
    own kernel, its scope, its unit, direction and the seed passage it rests on. Codes are
    unique across all plugins.

    :param registry: the registry being filled.

    .. versionadded:: 0.1
    """


# --------------------------------------------------------------------------- COGs


@hookspec
def cogind_register_cogs(registry: Registry) -> None:
    """Declare COGs through ``registry.add_cog(Cog)``: years and per-year targets.

    A COG may name indicators declared by any plugin; the registry checks, after every plugin
    ran, that each exists and that target years fall within the COG's years.

    :param registry: the registry being filled.

    .. versionadded:: 0.1
    """
