"""cogind: indicators of the COG État–Cnam, computed exactly per caisse and per period.

Public API: :func:`compute`, the declaration classes plugins build, the ``hookimpl`` marker
and the errors.
"""
from cogind.api import __version__, compute, provenance
from cogind.errors import (CogindError, ConfigError, DataError, ExitCode, InputError,
                           PluginError, SchemaError)
from cogind.hookspecs import hookimpl
from cogind.model import Cog, CogIndicator, Condition, Indicator, Input, Kernel, Source, Target, where
from cogind.pivot import pivot_wide
from cogind.plugins import build_registry, make_plugin_manager

__all__ = [
    "__version__", "compute", "provenance", "hookimpl", "build_registry", "make_plugin_manager",
    "Cog", "CogIndicator", "Condition", "Indicator", "Input", "Kernel", "Source", "Target",
    "where", "CogindError", "ConfigError", "DataError", "ExitCode", "InputError",
    "PluginError", "SchemaError", "pivot_wide",
]
