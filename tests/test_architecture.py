"""The layers of src/cogind, read from the import graph (every import statement: module level,
inside functions and under TYPE_CHECKING alike), and the plugins' one import surface."""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SRC = ROOT / "src"
PACKAGE = SRC / "cogind"


def _module_name(path: Path, base: Path) -> str:
    parts = list(path.relative_to(base).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


def _imports(path: Path, module: str, known: set[str]) -> set[str]:
    """Every module of ``known`` (or outside: its top name, e.g. click) imported by ``path``."""
    is_package = path.name == "__init__.py"
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = module.split(".") if is_package else module.split(".")[:-1]
                base = base[:len(base) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            subs = [f"{target}.{a.name}" for a in node.names if f"{target}.{a.name}" in known]
            # `from package import module` imports the module; anything else, the package
            names = subs if len(subs) == len(node.names) else [target] + subs
        else:
            continue
        for name in names:
            while name and name not in known and "." in name:
                name = name.rsplit(".", 1)[0]
            found.add(name if name in known else name.split(".")[0])
    found.discard(module)
    return found


def _graph(base: Path, files) -> dict[str, set[str]]:
    names = {_module_name(p, base): p for p in files}
    known = set(names)
    return {m: _imports(p, m, known) for m, p in names.items()}


GRAPH = _graph(SRC, PACKAGE.rglob("*.py"))
PLUGINS = _graph(ROOT / "plugins", (ROOT / "plugins").glob("*.py"))
EXAMPLE = ROOT / "examples" / "cogind-plugin-exemple" / "src"
EXAMPLE_GRAPH = _graph(EXAMPLE, EXAMPLE.rglob("*.py"))


def _in(module: str, layer: str) -> bool:
    return module == layer or module.startswith(layer + ".")


def test_the_graph_is_read():
    assert "cogind.engine.core" in GRAPH["cogind.engine.finalise"]
    assert "click" in GRAPH["cogind.cli.compute"]
    assert len(GRAPH) > 60


def test_click_only_in_cli():
    offenders = sorted(m for m, deps in GRAPH.items()
                       if "click" in deps and not _in(m, "cogind.cli"))
    assert offenders == []


def test_nothing_imports_the_cli():
    offenders = sorted((m, d) for m, deps in GRAPH.items() if not _in(m, "cogind.cli")
                       for d in deps if _in(d, "cogind.cli"))
    assert offenders == []


def test_kernels_import_nothing_of_cogind():
    offenders = sorted((m, d) for m, deps in GRAPH.items() if _in(m, "cogind.kernels")
                       for d in deps if _in(d, "cogind") and not _in(d, "cogind.kernels"))
    assert offenders == []


@pytest.mark.parametrize("module", ["cogind.model", "cogind.errors", "cogind.hookspecs",
                                    "cogind.registry", "cogind.plugins"])
def test_declarations_know_no_family_engine_or_analysis(module):
    higher = ("cogind.measures", "cogind.engine", "cogind.analyses", "cogind.report",
              "cogind.io", "cogind.api", "cogind.kernels", "cogind.synth")
    assert sorted(d for d in GRAPH[module] if any(_in(d, h) for h in higher)) == []


# layer → layers it must never import (each imports only layers below it)
BELOW = {
    "cogind.io": ("cogind.measures", "cogind.engine", "cogind.analyses", "cogind.report",
                  "cogind.api"),
    "cogind.measures": ("cogind.engine", "cogind.analyses", "cogind.report", "cogind.api"),
    "cogind.engine": ("cogind.analyses", "cogind.report", "cogind.api"),
    "cogind.analyses": ("cogind.report",),
}


@pytest.mark.parametrize("layer", sorted(BELOW))
def test_layers_import_only_below(layer):
    offenders = sorted((m, d) for m, deps in GRAPH.items() if _in(m, layer)
                       for d in deps if any(_in(d, h) for h in BELOW[layer]))
    assert offenders == []


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan, iterative enough)."""
    index, low, stack, on, out = {}, {}, [], set(), []

    def visit(v):
        index[v] = low[v] = len(index)
        stack.append(v)
        on.add(v)
        for w in graph.get(v, ()):
            if w not in graph:
                continue
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(sorted(comp))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return out


def test_no_import_cycles():
    assert _cycles(GRAPH) == []


def test_cycle_finder_finds_a_cycle():
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def test_no_module_imports_the_package_root():
    """The root re-exports everything: a module importing it would close a circle."""
    offenders = sorted(m for m, deps in GRAPH.items() if "cogind" in deps and m != "cogind")
    assert offenders == []


@pytest.mark.parametrize("graph", [PLUGINS, EXAMPLE_GRAPH], ids=["builtin", "example"])
def test_plugins_import_only_the_public_surface(graph):
    allowed = {"cogind", "cogind.kernels"}
    offenders = sorted((m, d) for m, deps in graph.items() for d in deps
                       if _in(d, "cogind") and d not in allowed)
    assert offenders == []


def test_the_public_surface_resolves():
    import cogind

    for name in cogind.__all__:
        assert getattr(cogind, name) is not None, name


def test_secret_default_is_stated_once_for_the_cli():
    from cogind.analyses.secret import DEFAULT_THRESHOLD
    from cogind.cli.common import SECRET_DEFAULT

    assert SECRET_DEFAULT == DEFAULT_THRESHOLD


def test_every_command_module_is_listed_and_loads():
    from cogind.cli import COMMANDS, cli

    modules = {spec.split(":")[0] for spec in COMMANDS.values()}
    on_disk = {f"cogind.cli.{p.stem}" for p in (PACKAGE / "cli").glob("*.py")
               if p.stem not in ("__init__", "common")}
    assert modules == on_disk
    for name in COMMANDS:
        assert cli.get_command(None, name).name == name


@pytest.mark.parametrize("argv", [["--version"], ["--help"], ["compute", "--help"],
                                  ["report", "--help"], ["generate", "--help"]])
def test_fast_commands_import_no_heavy_module(argv):
    """What keeps `cogind --help` fast (timed in benchmarks/bench_cli_startup.py)."""
    import subprocess
    import sys

    code = ("import sys\nfrom cogind.cli import cli\n"
            f"try:\n    cli({argv!r}, prog_name='cogind')\nexcept SystemExit:\n    pass\n"
            "print([m for m in ('numba', 'pyarrow', 'matplotlib', 'cogind.engine', "
            "'cogind.api') if m in sys.modules], file=sys.stderr)")
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True)
    assert run.stderr.strip().splitlines()[-1] == "[]"
