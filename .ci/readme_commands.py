"""The set-up commands of README.md, exactly as written there.

Each is the one-line fenced ``bash`` block that follows a ``<!-- setup:NAME -->`` marker:
``run`` (install and compute on the sample), ``test`` (install for development and run the
tests). ``.ci/run`` and tests/test_setup.py run them verbatim, so CI fails when the README does.

    python3 .ci/readme_commands.py run      # prints the command
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


if __name__ == "__main__":
    print(setup_commands(README.read_text(encoding="utf-8"))[sys.argv[1]])
