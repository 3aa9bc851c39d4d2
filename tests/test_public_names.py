"""The public names of ``cogind`` keep meaning the function they document, whatever was imported
before: ``cogind.report`` is both a subpackage and the public function build_report."""
import subprocess
import sys

import cogind

SCRIPT = """
import cogind.report.html, cogind.report.describe   # what the CLI and compute import
import cogind
from cogind.cli import sample_path
res = cogind.compute(sample_path(), cog="2023-2027", period="year", indicators=["C2S_DELAI_D9"])
page = cogind.report(res, now=__import__("datetime").datetime(2026, 1, 2))
assert page == cogind.report.html.build_report(res, now=__import__("datetime").datetime(2026, 1, 2))
assert "C2S_DELAI_D9" in page
print("ok")
"""


def test_report_is_the_function_after_its_subpackage_was_imported():
    out = subprocess.run([sys.executable, "-c", SCRIPT], check=False, capture_output=True,
                         text=True, timeout=300)
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.strip() == "ok"


def test_every_lazy_name_resolves_to_what_it_names():
    import importlib
    for name, (module, attr) in cogind._LAZY.items():
        target = getattr(importlib.import_module(module), attr)
        if name == "report" and getattr(cogind, name) is not target:  # the package answers calls
            assert type(cogind.report).__call__ and cogind.report.__name__ == "cogind.report"
            continue
        assert getattr(cogind, name) is target, name
