"""`cogind list` is a table a reader scans down: every column starts at the same place, however
long the longest code (40 characters) or table name (``beneficiaires``)."""
from click.testing import CliRunner

from cogind.cli import cli


def test_every_indicator_line_starts_its_unit_at_one_column():
    run = CliRunner().invoke(cli, ["list"])
    assert run.exit_code == 0, run.output
    heads = [line for line in run.output.splitlines() if line and not line.startswith(" ")]
    assert len(heads) > 100
    longest = max(len(line.split()[0]) for line in heads)
    units = {line.index(line.split()[1], longest) for line in heads}
    assert units == {longest + 1}
    tables = {line.find(" " + t + " ") for line in heads for t in ("beneficiaires",)
              if " beneficiaires " in line}
    assert tables and all(line[min(tables) + len(" beneficiaires")] == " " for line in heads)


def test_a_cog_listing_aligns_its_numbers_codes_and_units():
    """Some numbers are long (« 7 (téléphone) »): the codes still start at one column."""
    run = CliRunner().invoke(cli, ["list", "--cog", "2023-2027"])
    assert run.exit_code == 0, run.output
    heads = [line for line in run.output.splitlines() if line.startswith("n° ")]
    assert len(heads) > 40 and max(len(line.split("  ")[0]) for line in heads) > 6
    starts = {_code_start(line) for line in heads}
    assert len(starts) == 1
    start = starts.pop()
    longest = max(len(line[start:].split(" ")[0]) for line in heads)
    assert all(line[start + longest] == " " and line[start + longest + 1] != " "
               for line in heads)  # the unit right after the longest code, on every line


def _code_start(line: str) -> int:
    """Where the indicator code (upper case, underscores) starts on a line of the listing."""
    return next(i for i in range(3, len(line)) if line[i - 1] == " " and line[i:i + 2].isupper()
                and "_" in line[i:].split(" ")[0])
