"""``cogind plugin new``: a plugin package scaffolded from the template shipped here
(``plugin/*.tmpl``), like ``examples/cogind-plugin-exemple``, published whole or not at all."""
from __future__ import annotations

import importlib.util
import keyword
import re
from importlib import resources
from pathlib import Path
from string import Template

from cogind._version import __version__
from cogind.errors import ConfigError, InputError
from cogind.io.publish import Publication, check_output

FILES = {  # template → path in the package, ``$module`` replaced
    "pyproject.toml.tmpl": "pyproject.toml",
    "README.md.tmpl": "README.md",
    "init.py.tmpl": "src/$module/__init__.py",
    "indicateurs.py.tmpl": "src/$module/indicateurs.py",
    "test.py.tmpl": "tests/test_$module.py",
}


def check_name(name: str) -> str:
    """``name`` if it can be the plugin's module: a lower-case Python identifier, not a keyword,
    not a module already importable here (it would be shadowed, or shadow it)."""
    if not re.fullmatch(r"[a-z][a-z0-9_]*", name) or keyword.iskeyword(name):
        raise ConfigError(f"'{name}' is not a valid module name (lower-case Python identifier: "
                          "letters, digits, _)")
    if importlib.util.find_spec(name) is not None:
        raise ConfigError(f"'{name}' is already an importable module: choose another name")
    return name


def fields(name: str) -> dict[str, str]:
    """What the templates are filled with."""
    major, minor = (__version__.split(".") + ["0"])[:2]
    return {"module": name, "dist": "cogind-" + name.replace("_", "-"),
            "code": name.upper(), "cogind": f"{major}.{minor}"}


def default_folder(name: str) -> Path:
    return Path(fields(name)["dist"])


def scaffold(name: str, folder: str | Path | None = None) -> list[Path]:
    """Write the package of plugin ``name`` into ``folder`` (created, must not exist);
    returns the files written, relative to it."""
    check_name(name)
    out = Path(folder) if folder is not None else default_folder(name)
    if out.exists() or out.is_symlink():
        raise InputError(f"output folder {out} already exists")
    check_output(out, folder=True)
    values = fields(name)
    files = {Path(Template(dest).substitute(values)): src for src, dest in FILES.items()}
    with Publication(out) as pub:
        pub.stage(out, lambda tmp: _write(tmp, files, values))
        pub.commit()
    return sorted(files)


def _write(folder: Path, files: dict[Path, str], values: dict[str, str]) -> None:
    templates = resources.files("cogind.templates") / "plugin"
    for dest, src in files.items():
        text = Template(templates.joinpath(src).read_text(encoding="utf-8")).substitute(values)
        (folder / dest).parent.mkdir(parents=True, exist_ok=True)
        (folder / dest).write_text(text, encoding="utf-8")
