"""The set-up commands of README.md, exactly as written there.

Each is the one-line fenced ``bash`` block that follows a ``<!-- setup:NAME -->`` marker:
``run`` (install and compute on the sample), ``test`` (install for development and run the
tests). ``.ci/run`` and tests/test_setup.py run them verbatim, so CI fails when the README does.

    python3 .ci/readme_commands.py run      # prints the command
    python3 .ci/readme_commands.py check    # exit 1 unless .ci/run holds both, verbatim
"""
from __future__ import annotations

import re
import sys
from pathlib import Path

README = Path(__file__).resolve().parents[1] / "README.md"
NAMES = ("run", "test")
_BLOCK = re.compile(r"^<!-- setup:(\w+) -->\n+```bash\n(.*?)\n```", re.M | re.S)


def setup_commands(text: str) -> dict[str, str]:
    """``{name: command}`` for every marked block; a block must hold one command line."""
    found: dict[str, str] = {}
    for name, body in _BLOCK.findall(text):
        lines = [line for line in body.splitlines() if line.strip()]
        if len(lines) != 1 or name in found:
            raise ValueError(f"README.md: the block setup:{name} must be one command, once")
        found[name] = lines[0].strip()
    missing = [n for n in NAMES if n not in found]
    if missing:
        raise ValueError(f"README.md: no block marked setup:{', setup:'.join(missing)}")
    return found


CI_RUN = README.parent / ".ci" / "run"


def missing_from_ci(readme: str, script: str) -> list[str]:
    """The README's commands that ``script`` does not hold as one line of its own, verbatim."""
    lines = {line.strip() for line in script.splitlines()}
    return [c for c in setup_commands(readme).values() if c not in lines]


if __name__ == "__main__":
    readme = README.read_text(encoding="utf-8")
    if sys.argv[1] == "check":
        missing = missing_from_ci(readme, CI_RUN.read_text(encoding="utf-8"))
        for command in missing:
            print(f".ci/run does not run the README command verbatim: {command}", file=sys.stderr)
        sys.exit(1 if missing else 0)
    print(setup_commands(readme)[sys.argv[1]])
