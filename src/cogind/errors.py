"""Exceptions raised by cogind and the exit codes the CLI maps them to."""
from __future__ import annotations

import enum


class ExitCode(enum.IntEnum):
    """Exit codes promised by the CLI."""

    OK = 0
    ERROR = 1  # data, input, plugin, computation or internal error
    USAGE = 2  # click's own usage errors


class CogindError(Exception):
    """Base of every error cogind raises on purpose; its message is one line, no row content."""

    exit_code = ExitCode.ERROR


class InputError(CogindError):
    """An input file, folder or object cannot be read."""


class SchemaError(CogindError):
    """An input table lacks a needed column or has one of the wrong type."""


class DataError(CogindError):
    """Rows that the indicators cannot use, under ``strict`` mode."""


class PluginError(CogindError):
    """A plugin failed to load or declared something invalid."""


class ConfigError(CogindError):
    """A request names an unknown COG, indicator, period or option."""


def compile_reason(exc: Exception) -> str:
    """The one line of a numba compilation error that says what failed (its first lines name
    the compiler's pipeline stage only; none holds row contents: numba sees types)."""
    lines = [x.strip() for x in str(exc).splitlines() if x.strip()]
    useful = [x for x in lines if not x.startswith(("Failed in ", "During: ", "File ", "^"))]
    return (useful or lines or [type(exc).__name__])[0][:200]
