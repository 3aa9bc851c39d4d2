"""Shared fixtures: tiny hand-made tables whose figures are worked out by hand in the tests."""
from __future__ import annotations

import datetime as dt
import os

import pyarrow as pa
import pytest
from hypothesis import settings

# CI draws the same examples on every run (a red CI must be reproducible); elsewhere hypothesis
# explores new ones each time. Deeper runs: COGIND_REFERENCE_EXAMPLES, COGIND_PROPERTY_EXAMPLES.
settings.register_profile("ci", derandomize=True, print_blob=True)
if os.environ.get("CI"):
    settings.load_profile("ci")

D = dt.date.fromisoformat


def T(s: str) -> dt.datetime:
    return dt.datetime.fromisoformat(s)


def tiny_ij() -> pa.Table:
    return pa.table({
        "ORG_CLE_NUM": ["01C751", "01C751", "01C131", None, "01C131", "01C751", "01C131"],
        "ARR_NUM": ["a", "b", "c", "d", "e", "f", "g"],
        "IJ_RIS_COD": ["MAL", "MAL", "MAL", "MAL", "ATMP", "MAL", "MAL"],
        "ASS_REG_COD": ["TS", "TI", "TS", "TS", "TS", "TS", "TS"],
        "IJ_SUB_TOP": pa.array([0, 0, 0, 0, 0, 1, 0], pa.int8()),
        "SIN_1IJ_IND": pa.array([1, 1, 1, 1, 1, None, 1], pa.int8()),
        "PRS_NAT_REF": pa.array([6111] * 7, pa.int16()),
        "ARR_DEB_DTD": [D("2024-01-01")] * 7,
        "ATT_REC_DTD": [D("2024-01-05"), D("2024-01-10"), D("2024-02-01"), D("2024-01-01"),
                        D("2024-01-01"), None, D("2024-03-01")],
        "IJ_PAI_DTD": [D("2024-02-01"), D("2024-02-03"), D("2024-02-20"), D("2024-02-01"),
                       D("2024-03-01"), D("2024-02-02"), D("2024-02-25")],
        "IJ_PAI_MNT": [10.0] * 7,
        "IJ_NBR": pa.array([1] * 7, pa.int32()),
    })


def tiny_contacts() -> pa.Table:
    return pa.table({
        "ORG_CLE_NUM": ["01C751"] * 4 + ["01C131"] * 4,
        "CNT_CAN_COD": ["TEL", "TEL", "MEL", "MEL", "TEL", "MEL", "REC", "REC"],
        "CNT_ARR_DTH": [T("2024-01-03 09:00"), T("2024-01-04 10:00"), T("2024-01-05 08:00"),
                        T("2024-01-06 08:00"), T("2024-01-07 08:00"), T("2024-01-08 08:00"),
                        T("2024-01-09 08:00"), T("2024-01-10 08:00")],
        "CNT_TRT_DTH": [None, None, T("2024-01-07 08:00"), T("2024-01-08 08:00:01"), None, None,
                        T("2024-01-19 23:00"), T("2024-01-21 08:00")],
        "CNT_ABO_TOP": pa.array([1, 0, None, None, 1, None, None, None], pa.int8()),
        "CNT_NIV_COD": pa.array([None, None, 1, 2, None, 1, None, None], pa.int8()),
    })


@pytest.fixture
def ij() -> pa.Table:
    return tiny_ij()


@pytest.fixture
def contacts() -> pa.Table:
    return tiny_contacts()


def pytest_collection_modifyitems(config, items):
    """Tests marked ``slow`` (minutes: a new venv, pip installs) run in CI (``CI`` set, as
    ``.ci/run`` has it) or when asked for with ``-m slow``; elsewhere they skip and say how."""
    if os.environ.get("CI") or "slow" in (config.option.markexpr or ""):
        return
    skip = pytest.mark.skip(reason="slow: runs in CI; here with CI=1 or -m slow")
    for item in items:
        if "slow" in item.keywords:
            item.add_marker(skip)
