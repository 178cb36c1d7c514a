"""One model shared by 8 Python threads: results equal the serial ones, nothing deadlocks, and the
GIL is released while the core computes (threads overlap)."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor

import numpy as np

import churnlens as cl

from conftest import FIXTURES


def _inputs(F, seed, n=257):
    rng = np.random.default_rng(seed)
    X = rng.uniform(-10, 120, (n, F))
    X[rng.random(X.shape) < 0.1] = np.nan
    return X


def test_eight_threads_share_one_model():
    models = [
        cl.Model.load(FIXTURES / "xgb_multiclass/model.json"),
        cl.Model.load(FIXTURES / "lgb_binary/model.txt"),
    ]
    inputs = [_inputs(m.num_features, i) for i, m in enumerate(models)]
    serial = [
        (m.predict(x), m.predict(x, output="margin"), m.shap_values(x), m.shap_interaction_values(x[:7]))
        for m, x in zip(models, inputs)
    ]
    barrier = threading.Barrier(8)

    def work(t):
        barrier.wait()
        for it in range(6):
            i = (t + it) % 2
            m, x, want = models[i], inputs[i], serial[i]
            n_threads = [None, 1, 2, 0][(t + it) % 4]
            assert np.array_equal(m.predict(x, n_threads=n_threads), want[0])
            assert np.array_equal(m.predict(x, output="margin", n_threads=n_threads), want[1])
            assert np.array_equal(m.shap_values(x, n_threads=n_threads), want[2])
            assert np.array_equal(m.shap_interaction_values(x[:7], n_threads=n_threads), want[3])
            # single rows (the fast path) from many threads
            for r in (0, 100, 256):
                assert np.array_equal(m.predict(x[r : r + 1]), want[0][r : r + 1])
        return t

    with ThreadPoolExecutor(8) as pool:
        assert sorted(pool.map(work, range(8))) == list(range(8))


def test_concurrent_loading_and_errors():
    blob = (FIXTURES / "lgb_multiclass/model.txt").read_bytes()

    def work(t):
        m = cl.Model.load(blob)
        try:
            m.predict(np.zeros((3, m.num_features + 1)))
        except cl.InputError:
            pass
        else:  # pragma: no cover
            raise AssertionError("no InputError")
        return m.shap_values(np.zeros((2, m.num_features))).sum()

    with ThreadPoolExecutor(8) as pool:
        results = list(pool.map(work, range(32)))
    assert len(set(results)) == 1


def test_the_gil_is_released_while_computing():
    """A pure-Python thread keeps running while another thread sits in a long shap call."""
    m = cl.Model.load(FIXTURES / "xgb_deep/model.json")
    x = _inputs(m.num_features, 9, n=3000)
    while True:  # make the call last at least 0.2 s, whatever the machine
        t0 = time.perf_counter()
        m.shap_values(x, n_threads=1)
        one_call = time.perf_counter() - t0
        if one_call >= 0.2:
            break
        x = np.vstack([x] * max(2, int(0.25 / max(one_call, 1e-3)) + 1))
    ticks = 0
    done = threading.Event()

    def spin():
        nonlocal ticks
        while not done.is_set():
            ticks += 1
            time.sleep(0.001)

    th = threading.Thread(target=spin)
    th.start()
    time.sleep(0.01)
    start = ticks
    m.shap_values(x, n_threads=1)
    during = ticks - start
    done.set()
    th.join()
    # with the GIL held for the whole call the spinner could not tick at all
    assert during >= 5, (during, one_call)
