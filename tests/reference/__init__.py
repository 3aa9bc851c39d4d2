"""Independent plain-Python references of every indicator (STYLE.md §6); no cogind import."""
from .definitions import REFERENCES, SPECS, period_label, period_months, undated

__all__ = ["REFERENCES", "SPECS", "period_label", "period_months", "undated"]
