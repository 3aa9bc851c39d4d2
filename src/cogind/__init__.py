"""cogind: indicators of the COG État–Cnam, computed exactly per caisse and per period.

Public API, all importable from ``cogind`` alone:

- computing: :func:`compute`, :func:`provenance`, the type :data:`TableSource` of its inputs;
- analyses of results: :func:`verify`, :func:`diff`, :func:`read_results`, :func:`alerts`,
  :func:`derive_targets`, :func:`composite`, :func:`dispersion`, :func:`apply_secret`,
  :func:`pivot_wide`, :func:`report`, :func:`write_report`, :func:`generate`;
- the plugin-author surface: ``hookimpl``, the declarations (:class:`Indicator`, :class:`Cog`,
  :class:`Target`, :class:`Kernel`, :class:`Input`…), every measure family (:class:`Delay`,
  :class:`Proportion`, :class:`Count`, :class:`Sum`, :class:`Stock`, :class:`RatioOfSums`,
  :class:`Evolution`, :class:`KernelMeasure`, :class:`Standardised`, :class:`SavingsVsTrend`,
  :class:`DistinctBeneficiaries`, :class:`ScreeningParticipation`, :class:`AldMedecinTraitant`,
  :class:`LongEpisodes`,
  their base :class:`Measure` and :class:`Finalised`), ``NULL`` for numba kernels, the
  plugin system (:func:`build_registry`, :func:`make_plugin_manager`) and the errors.

Names are loaded on first use (PEP 562), so that ``import cogind`` (and the command line's
start) costs only the declarations: the engine, numba and the analyses come when used.
"""
from __future__ import annotations

# First, before any other import (a Ctrl-C during one would be a traceback): sys and _signal
# are built in and already loaded by the interpreter, so nothing is looked up on disk.
import _signal
import sys


def _interrupted_at_start_up(signum, frame) -> None:
    """Ctrl-C while the ``cogind`` command still imports (nothing written yet): one line, exit
    130, never an exception inside an extension module's import (issue 18)."""
    import os

    os.write(2, "interrompu\n".encode())
    os._exit(130)


# the console script only, never a library user; cli.main() takes over
if sys.argv and sys.argv[0].replace("\\", "/").rsplit("/", 1)[-1] in ("cogind", "cogind.exe") \
        and _signal.getsignal(_signal.SIGINT) is _signal.default_int_handler:
    _signal.signal(_signal.SIGINT, _interrupted_at_start_up)  # START-UP HANDLER

import importlib  # noqa: E402  after the handler, see above
from typing import TYPE_CHECKING  # noqa: E402

# first: it sends numba's cache (cache=True) to the user cache before any numba function, of
# cogind or of a plugin, is declared (nothing is written inside site-packages at run time)
import cogind.kernels  # noqa: F401  isort: skip
from cogind._version import __version__
from cogind.errors import (CogindError, ConfigError, DataError, ExitCode, InputError,
                           PluginError, SchemaError)
from cogind.hookspecs import hookimpl
from cogind.model import (Cog, CogIndicator, Condition, Indicator, Input, Kernel, Source, Target,
                          where)

# public name → (module, attribute in it)
_LAZY = {
    "compute": ("cogind.api", "compute"),
    "provenance": ("cogind.api", "provenance"),
    "TableSource": ("cogind.io.sources", "TableSource"),  # the type of compute's inputs
    "build_registry": ("cogind.plugins", "build_registry"),
    "make_plugin_manager": ("cogind.plugins", "make_plugin_manager"),
    # measure families: what plugins declare indicators with
    "Measure": ("cogind.measures.families", "Measure"),
    "Finalised": ("cogind.measures.families", "Finalised"),
    "Delay": ("cogind.measures.families", "Delay"),
    "Proportion": ("cogind.measures.families", "Proportion"),
    "Count": ("cogind.measures.families", "Count"),
    "Sum": ("cogind.measures.families", "Sum"),
    "Stock": ("cogind.measures.families", "Stock"),
    "RatioOfSums": ("cogind.measures.families", "RatioOfSums"),
    "Evolution": ("cogind.measures.families", "Evolution"),
    "KernelMeasure": ("cogind.measures.families", "KernelMeasure"),
    "Standardised": ("cogind.measures.standard", "Standardised"),
    "SavingsVsTrend": ("cogind.measures.trend", "SavingsVsTrend"),
    "DistinctBeneficiaries": ("cogind.measures.beneficiaries", "DistinctBeneficiaries"),
    "ScreeningParticipation": ("cogind.measures.screening", "ScreeningParticipation"),
    "CareUseRate": ("cogind.measures.recours", "CareUseRate"),
    "CostPerConsumer": ("cogind.measures.cout", "CostPerConsumer"),
    "AldMedecinTraitant": ("cogind.measures.ald", "AldMedecinTraitant"),
    "LongEpisodes": ("cogind.measures.episodes", "LongEpisodes"),
    "NULL": ("cogind.kernels", "NULL"),
    # analyses of result tables
    "pivot_wide": ("cogind.analyses.pivot", "pivot_wide"),
    "verify": ("cogind.analyses.verify", "verify"),
    "read_results": ("cogind.analyses.verify", "read_results_table"),
    "diff": ("cogind.analyses.diff", "diff_files"),
    "alerts": ("cogind.analyses.alerts", "find_alerts"),
    "derive_targets": ("cogind.analyses.targets", "derive_cpg"),
    "composite": ("cogind.analyses.composite", "composite_table"),
    "dispersion": ("cogind.analyses.spread", "dispersion"),
    "apply_secret": ("cogind.analyses.secret", "apply_secret"),
    "report": ("cogind.report.html", "build_report"),
    "write_report": ("cogind.report.html", "write_report"),
    "generate": ("cogind.synth", "generate"),
}

__all__ = [
    "__version__", "hookimpl", "Cog", "CogIndicator", "Condition", "Indicator", "Input",
    "Kernel", "Source", "Target", "where", "CogindError", "ConfigError", "DataError", "ExitCode",
    "InputError", "PluginError", "SchemaError", *_LAZY,
]


def __getattr__(name: str):
    try:
        module, attr = _LAZY[name]
    except KeyError:
        raise AttributeError(f"module 'cogind' has no attribute {name!r}") from None
    value = getattr(importlib.import_module(module), attr)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY))


if TYPE_CHECKING:  # for type checkers and IDEs: the lazy names, statically
    from cogind.analyses.alerts import find_alerts as alerts
    from cogind.analyses.composite import composite_table as composite
    from cogind.analyses.diff import diff_files as diff
    from cogind.analyses.pivot import pivot_wide
    from cogind.analyses.secret import apply_secret
    from cogind.analyses.spread import dispersion
    from cogind.analyses.targets import derive_cpg as derive_targets
    from cogind.analyses.verify import read_results_table as read_results
    from cogind.analyses.verify import verify
    from cogind.api import compute, provenance
    from cogind.io.sources import TableSource
    from cogind.kernels import NULL
    from cogind.measures.families import (Count, Delay, Evolution, Finalised, KernelMeasure,
                                          Measure, Proportion, RatioOfSums, Stock, Sum)
    from cogind.measures.standard import Standardised
    from cogind.measures.trend import SavingsVsTrend
    from cogind.plugins import build_registry, make_plugin_manager
    from cogind.report.html import build_report as report
    from cogind.report.html import write_report
    from cogind.synth import generate
