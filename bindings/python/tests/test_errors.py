"""Hostile and broken model files, the exception hierarchy, and panics that must not escape."""

from __future__ import annotations

import json
import os
import pickle

import numpy as np
import pytest

import churnlens as cl

from conftest import FIXTURES, REPO

XGB_JSON = (FIXTURES / "xgb_binary/model.json").read_bytes()
XGB_UBJ = (FIXTURES / "xgb_binary_ubj/model.ubj").read_bytes()
LGB_TXT = (FIXTURES / "lgb_binary/model.txt").read_bytes()


def test_hierarchy():
    for cls in (cl.ModelError, cl.UnsupportedError, cl.InputError, cl.FileError, cl.InternalError):
        assert issubclass(cls, cl.ChurnlensError)
    assert issubclass(cl.ChurnlensError, Exception)
    assert issubclass(cl.InputError, ValueError)
    assert issubclass(cl.ModelError, ValueError)
    assert issubclass(cl.FileError, OSError)


def test_missing_file_is_a_file_error(tmp_path):
    path = tmp_path / "nope.json"
    with pytest.raises(cl.FileError) as e:
        cl.Model.load(path)
    err = e.value
    assert isinstance(err, OSError)
    assert err.errno == 2
    assert err.filename == str(path)
    assert err.kind == "io"
    assert str(err).startswith(f"cannot read {path}")
    with pytest.raises(cl.FileError):
        cl.Model.load(tmp_path)  # a directory


@pytest.mark.parametrize(
    "content,kind,fragment",
    [
        (b"", "unknown_format", "empty"),
        (b"   \n\t ", "unknown_format", "empty"),
        (b"hello world", "unknown_format", "hello world"),
        (b"\x00\x01\x02\xff" * 10, "unknown_format", "not a recognised model file"),
        (b'{"learner": ', "json", "line 1"),
        (b"{}", "model", "learner"),
        (b'{"learner": {"gradient_booster": 5}}', "model", ""),
        (b"[1, 2, 3]", "unknown_format", ""),
        (b"tree\nversion=v4\nnum_class=1\n", "model", ""),
        (b"version=v4\n\xff\xfe", "unknown_format", "UTF-8"),
    ],
)
def test_garbage_is_a_model_error(content, kind, fragment):
    with pytest.raises(cl.ChurnlensError) as e:
        cl.Model.load(content)
    err = e.value
    assert err.kind == kind, (err.kind, str(err))
    assert fragment in str(err)
    if kind in ("unknown_format", "json", "ubjson", "model"):
        assert isinstance(err, cl.ModelError)


def test_json_error_carries_line_and_column():
    broken = XGB_JSON[: len(XGB_JSON) // 2]
    with pytest.raises(cl.ModelError) as e:
        cl.Model.load(broken)
    assert e.value.kind == "json"
    assert e.value.line >= 1 and e.value.column >= 1


def test_truncated_files_are_refused():
    # (LightGBM's text after `end of trees` is parameters only: a cut there still loads.)
    lgb_trees = LGB_TXT[: LGB_TXT.index(b"end of trees")]
    for blob in (XGB_JSON, XGB_UBJ, lgb_trees):
        for frac in (0.05, 0.3, 0.7, 0.99):
            cut = blob[: int(len(blob) * frac)]
            with pytest.raises(cl.ModelError):
                cl.Model.load(cut)
    with pytest.raises(cl.ModelError, match="end of trees"):
        cl.Model.load(lgb_trees)


def test_ubjson_error_carries_offset():
    with pytest.raises(cl.ModelError) as e:
        cl.Model.load(XGB_UBJ[:200])
    assert e.value.kind == "ubjson"
    assert e.value.offset >= 0


def test_deeply_nested_json_does_not_crash():
    deep = b'{"learner": ' + b"[" * 200_000 + b"]" * 200_000 + b"}"
    with pytest.raises(cl.ModelError):
        cl.Model.load(deep)


def test_lying_xgboost_structure():
    model = json.loads(XGB_JSON)
    tree = model["learner"]["gradient_booster"]["model"]["trees"][0]
    bad = [
        ("left_children", lambda t: t["left_children"].__setitem__(0, 10**6)),
        ("cycle", lambda t: t["left_children"].__setitem__(0, 0)),  # self loop
        ("feature index 999", lambda t: t["split_indices"].__setitem__(0, 999)),
        ("split_conditions", lambda t: t["split_conditions"].pop()),
        ("node 0", lambda t: t["split_conditions"].__setitem__(0, "x")),
        ("node 3", lambda t: t["split_conditions"].__setitem__(3, None)),  # null = NaN threshold
    ]
    # the message names where the problem is (the field, or the node)
    for field, mutate in bad:
        m = json.loads(json.dumps(model))
        mutate(m["learner"]["gradient_booster"]["model"]["trees"][0])
        with pytest.raises(cl.ModelError, match=field):
            cl.Model.load(json.dumps(m).encode())
    assert tree  # the original was not touched


def test_unsupported_objective():
    model = json.loads(XGB_JSON)
    model["learner"]["objective"]["name"] = "survival:cox"
    with pytest.raises(cl.UnsupportedError, match="survival:cox") as e:
        cl.Model.load(json.dumps(model).encode())
    assert e.value.kind == "unsupported"


def test_lying_lightgbm_sizes():
    text = LGB_TXT.decode()
    for old, new in (("num_leaves=", "num_leaves=9999"), ("max_feature_idx=", "max_feature_idx=-5")):
        i = text.index(old)
        j = text.index("\n", i)
        with pytest.raises(cl.ModelError):
            cl.Model.load((text[:i] + new + text[j:]).encode())


@pytest.mark.parametrize("blob", [XGB_JSON, XGB_UBJ, LGB_TXT], ids=["json", "ubj", "lightgbm"])
def test_random_corruption_never_crashes(blob):
    """Flip bytes at random: every result is a model that predicts, or a ChurnlensError."""
    rng = np.random.default_rng(len(blob))
    x = rng.uniform(-5, 100, (8, 8))
    x[::3, ::2] = np.nan
    loaded = 0
    for _ in range(300):
        b = bytearray(blob)
        for _ in range(int(rng.integers(1, 6))):
            pos = int(rng.integers(0, len(b)))
            b[pos] = int(rng.integers(0, 256))
        try:
            m = cl.Model.load(bytes(b))
        except cl.ChurnlensError:
            continue
        loaded += 1
        try:
            xx = x[:, : m.num_features] if m.num_features <= 8 else np.zeros((2, m.num_features))
            m.predict(xx)
            m.shap_values(xx)
        except cl.ChurnlensError:
            pass
    assert loaded > 0  # most flips hit numbers, which still give a valid model


def test_wrong_source_type():
    with pytest.raises(TypeError, match="path"):
        cl.Model.load(12345)
    with pytest.raises(TypeError):
        cl.Model.load(None)


def test_bytes_like_sources():
    want = cl.Model.load(XGB_JSON).expected_value
    assert cl.Model.load(memoryview(XGB_JSON)).expected_value == want
    assert cl.Model.load(bytearray(XGB_JSON)).expected_value == want
    assert cl.Model.load(os.fspath(FIXTURES / "xgb_binary/model.json")).expected_value == want


def test_panics_become_internal_errors():
    from churnlens import _churnlens

    with pytest.raises(cl.InternalError, match="deliberate test panic") as e:
        _churnlens._panic_for_tests()
    assert isinstance(e.value, cl.ChurnlensError)
    assert e.value.kind == "internal"
    # the module still works afterwards
    assert cl.Model.load(XGB_JSON).num_features == 8


def test_not_picklable_with_a_clear_message():
    m = cl.Model.load(XGB_JSON)
    with pytest.raises(TypeError, match="Model.load"):
        pickle.dumps(m)


def test_model_is_immutable():
    import copy

    m = cl.Model.load(XGB_JSON)
    assert copy.copy(m) is m and copy.deepcopy(m) is m
    with pytest.raises(AttributeError):
        m.num_features = 3
    with pytest.raises(AttributeError):
        m.extra = 1


# --- err.code and err.position: the core's Error::code / Error::position (docs/errors.md) ---


def _broken_child(tree: int) -> bytes:
    """The XGBoost fixture with the root of tree `tree` pointing at a node that does not exist."""
    model = json.loads(XGB_JSON)
    model["learner"]["gradient_booster"]["model"]["trees"][tree]["left_children"][0] = 99999
    return json.dumps(model).encode()


def test_malformed_model_file_has_code_and_position(tmp_path):
    path = tmp_path / "broken.json"
    path.write_bytes(_broken_child(1))
    with pytest.raises(cl.ModelError) as e:
        cl.Model.load(path)
    err = e.value
    assert err.code == "model" and err.kind == "model"
    assert err.position == {"file": str(path), "tree": 1, "node": 0, "field": "left_children"}
    assert "tree 1, node 0, field `left_children`" in str(err)
    # From bytes there is no file to name.
    with pytest.raises(cl.ModelError) as e:
        cl.Model.load(_broken_child(1))
    assert e.value.position == {"tree": 1, "node": 0, "field": "left_children"}


def test_json_syntax_error_position_has_line_and_column(tmp_path):
    path = tmp_path / "cut.json"
    path.write_bytes(b'{\n  "learner": ]')
    with pytest.raises(cl.ModelError) as e:
        cl.Model.load(path)
    assert e.value.code == "json"
    assert e.value.position == {"file": str(path), "line": 2, "column": 14}
    assert (e.value.line, e.value.column) == (2, 14)


def latin1_after_sniff_window(rows: int = 4000) -> tuple[bytes, int]:
    """A CSV whose first 64 KiB are UTF-8 and whose last row holds a Latin-1 byte; and the
    offset at which that row starts."""
    head = "customerID,tenure,Contract\n" + "".join(
        f"C{i},{i % 70},Month-to-month\n" for i in range(1, rows + 1)
    )
    data = head.encode()
    assert len(data) > 64 * 1024
    return data + f"C{rows + 1},5,Mon\xe9\n".encode("latin-1"), len(data)


def test_bad_csv_has_code_and_position():
    data, start = latin1_after_sniff_window()
    bundle = cl.Bundle.load(REPO / "examples" / "demo" / "telco_bundle.json")
    with pytest.raises(cl.EncodingError) as e:
        cl.score_csv(data, bundle)
    err = e.value
    assert err.code == "encoding"
    assert err.position == {
        "line": 4002,
        "row": 4001,
        "column": 3,
        "field": "Contract",
        "byte": start,
    }


def test_errors_without_a_place_have_a_code_and_an_empty_position():
    with pytest.raises(cl.InputError) as e:
        cl.Model.load(XGB_JSON).predict(np.zeros((2, 999)))
    assert e.value.code == "input" and e.value.position == {}
    err = cl.CsvError("raised by hand")
    assert err.code == "csv" and err.position == {}
