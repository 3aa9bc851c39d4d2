"""The two set-up commands of README.md, as a new user runs them: extracted from the README (the
blocks marked setup:run and setup:test, as .ci/run does), run in order in a copy of the
repository with a new venv and its own pip, nothing written inside site-packages at run time,
and nothing of cogind importable after ``pip uninstall``."""
from __future__ import annotations

import importlib.util
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
_spec = importlib.util.spec_from_file_location("readme_commands",
                                               ROOT / ".ci" / "readme_commands.py")
readme_commands = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(readme_commands)

COMMANDS = readme_commands.setup_commands((ROOT / "README.md").read_text(encoding="utf-8"))
VENV = "python3 -m venv .venv && . .venv/bin/activate && "
QUICK = "test_the_graph_is_read or test_plugins_lists_it_with_its_version"


def test_the_readme_gives_both_commands_on_one_line_each_in_a_new_venv():
    assert set(COMMANDS) == {"run", "test"}
    assert all(c.startswith(VENV) for c in COMMANDS.values())
    assert COMMANDS["run"].endswith("cogind compute --sample")
    assert COMMANDS["test"].endswith("python -m pytest -q")  # the slow test narrows it with -k


@pytest.mark.parametrize("text, message", [
    ("<!-- setup:run -->\n```bash\necho 1\n```\n", "no block marked setup:test"),
    ("<!-- setup:run -->\n```bash\necho 1\necho 2\n```\n<!-- setup:test -->\n```bash\nx\n```",
     "setup:run must be one command"),
    ("```bash\necho 1\n```\n", "no block marked setup:run, setup:test"),
])
def test_a_readme_without_its_commands_is_refused(text, message):
    with pytest.raises(ValueError, match=message):
        readme_commands.setup_commands(text)


def test_ci_runs_the_readme_commands_and_installs_nothing_itself():
    script = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    code = [line.strip() for line in script.splitlines() if not line.lstrip().startswith("#")]
    assert readme_commands.missing_from_ci((ROOT / "README.md").read_text(encoding="utf-8"),
                                           script) == []
    assert "python3 .ci/readme_commands.py check" in code
    others = [line for line in code if line not in COMMANDS.values()]
    assert not [line for line in others if re.search(r"\bpip\b", line)]


def test_the_ci_check_catches_a_readme_that_changed():
    script = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    changed = readme.replace(COMMANDS["test"], COMMANDS["test"] + " -x")
    assert readme_commands.missing_from_ci(changed, script) == [COMMANDS["test"] + " -x"]


def _copy_of_the_repository(dest: Path) -> Path:
    """The working tree as a fresh clone has it: no venv, build or cache folder."""
    shutil.copytree(ROOT, dest, ignore=shutil.ignore_patterns(
        ".git", ".venv", "venv", "build", "dist", "*.egg-info", "__pycache__", ".pytest_cache",
        ".hypothesis", ".benchmarks"))
    return dest


def _new_user_env(cache: Path) -> dict:
    """This environment without the test's venv; compiled caches in ``cache``."""
    env = {k: v for k, v in os.environ.items()
           if k not in ("VIRTUAL_ENV", "PYTHONPATH", "PYTHONHOME", "NUMBA_CACHE_DIR",
                        "PYTEST_ADDOPTS", "PYTEST_CURRENT_TEST")}
    venv_bin = str(Path(sys.prefix) / "bin")
    env["PATH"] = os.pathsep.join(p for p in env["PATH"].split(os.pathsep) if p != venv_bin)
    env["COGIND_CACHE_DIR"] = str(cache)
    env["PIP_DISABLE_PIP_VERSION_CHECK"] = "1"
    return env


def _run(command: str, cwd: Path, env: dict) -> subprocess.CompletedProcess:
    done = subprocess.run(["bash", "-c", command], cwd=cwd, env=env, capture_output=True,
                          text=True, timeout=1500)
    assert done.returncode == 0, f"{command}\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
    return done


def _written_at_run_time(site: Path) -> list[str]:
    """Files under cogind's installed packages that the installed RECORD does not list."""
    (record,) = site.glob("cogind-*.dist-info/RECORD")
    listed = {line.split(",")[0] for line in record.read_text().splitlines()}
    return sorted(str(p.relative_to(site)) for top in ("cogind", "cogind_plugins")
                  for p in (site / top).rglob("*") if p.is_file()
                  and str(p.relative_to(site)) not in listed)


def _expected_national_rows() -> list[tuple[str, str]]:
    import cogind
    from cogind.cli.common import sample_path

    table = cogind.compute(sample_path(), period="year", levels=["national"])
    return sorted(set(zip(table.column("indicateur").to_pylist(),
                          table.column("periode").to_pylist())))


@pytest.mark.slow
def test_the_readme_commands_in_order_in_a_new_venv(tmp_path):
    work = _copy_of_the_repository(tmp_path / "repo")  # not "cogind": a namespace package
    env = _new_user_env(tmp_path / "cache")
    python = work / ".venv" / "bin" / "python"

    out = _run(COMMANDS["run"], work, env).stdout
    printed = {tuple(line.split()[:3]) for line in out.splitlines()}
    assert [(code, period) for code, period in _expected_national_rows()
            if (code, "national", period) not in printed] == []
    (site,) = (work / ".venv" / "lib").glob("python3*/site-packages")
    assert _written_at_run_time(site) == []
    assert list((tmp_path / "cache" / "numba").rglob("*.nbi"))  # numba's cache went there

    out = _run(f"{COMMANDS['test']} -k '{QUICK}'", work, env).stdout
    assert re.search(r"^2 passed", out, re.M), out[-2000:]
    where = _run(f"{python} -c 'import cogind; print(cogind.__file__)'", tmp_path, env).stdout
    assert Path(where.strip()) == work / "src" / "cogind" / "__init__.py"  # the editable one

    _run(f"{python} -m pip uninstall -y -q cogind cogind-plugin-exemple", tmp_path, env)
    left = subprocess.run([str(python), "-c", "import cogind"], cwd=tmp_path, env=env,
                          capture_output=True, text=True)
    assert left.returncode == 1 and "No module named 'cogind'" in left.stderr
    assert not (site / "cogind").exists() and not (site / "cogind_plugins").exists()
