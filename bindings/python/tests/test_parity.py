"""The Python leg of the cross-runtime parity suite.

`tests/parity/*.json` holds the core's outputs for fixture models and inputs (written by
`CHURNLENS_BLESS=1 cargo test --test parity`). Every runtime must reproduce them bit for bit:
here through the Python API, with the JSON numbers parsed by Python (shortest round-trip
decimal, so the float64 values are exact).
"""

from __future__ import annotations

import json

import numpy as np
import pytest

import churnlens as cl

from conftest import FIXTURES, PARITY

CASES = sorted(PARITY.glob("*.json"))


def _arr(values):
    return np.array([np.nan if v is None else v for v in values], dtype=np.float64)


def test_there_are_parity_cases():
    assert len(CASES) >= 10


@pytest.mark.parametrize("path", CASES, ids=[p.stem for p in CASES])
def test_bit_identical_to_the_committed_outputs(path):
    case = json.loads(path.read_text())
    m = cl.Model.load(FIXTURES / case["model"])
    n, F, K = case["rows"], case["cols"], case["outputs"]
    assert (m.num_features, m.num_outputs) == (F, K)
    x = _arr(case["x"]).reshape(n, F)
    ni = case["interaction_rows"]
    got = {
        "margin": m.predict(x, output="margin"),
        "prediction": m.predict(x),
        "expected_value": np.atleast_1d(m.expected_value),
        "shap": m.shap_values(x),
        "interactions": m.shap_interaction_values(x[:ni]),
    }
    for key, value in got.items():
        want = _arr(case[key])
        have = np.ascontiguousarray(value, dtype=np.float64).reshape(-1)
        assert have.shape == want.shape, key
        # bit for bit: equal as float64 (NaN only where the case has null)
        assert np.array_equal(have, want, equal_nan=True), (
            f"{case['case']} {key}: {np.sum(have != want)} values differ, "
            f"max |diff| {np.nanmax(np.abs(have - want)):.3e}"
        )
    # single rows (the low-latency predict path; SHAP rows outside their batch) give the same bits
    for r in range(n):
        assert np.array_equal(m.predict(x[r : r + 1]).reshape(-1), got["prediction"].reshape(n, K)[r])
        assert np.array_equal(m.shap_values(x[r : r + 1]), got["shap"][r : r + 1])
    assert np.array_equal(m.shap_values(x[3:n]), got["shap"][3:n])
    # float32 input of an XGBoost model: the same bits (it rounds to f32 itself)
    if m.format == "xgboost":
        assert np.array_equal(m.shap_values(x.astype(np.float32)), got["shap"])
