"""cogind-plugin-exemple: a CPAM's own cogind indicators and contract, as a third-party package.

Modules: ``indicateurs`` (hook ``cogind_register_indicators``), ``noyau`` (the numba kernel of
one indicator) and ``contrat`` (hook ``cogind_register_cogs``). cogind loads the two hook
modules through the ``cogind`` entry points declared in ``pyproject.toml``.
"""
from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("cogind-plugin-exemple")
except PackageNotFoundError:  # imported from a source tree that was not installed
    __version__ = "0+inconnu"
