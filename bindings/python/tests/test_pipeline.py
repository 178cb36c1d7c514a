"""The main job from Python (issue 5): ``score_csv``, ``report_csv``, ``score_frame``,
``Bundle.explain`` and the ``OutcomeStore``, on the shipped demo bundle, the messy demo export
and the real IBM Telco table.

Reference values come from the core through other doors: the intake API (``validate``) and
``Model.predict`` / ``Model.shap_values`` of the same validated rows, the CLI binary when the
Rust suite has built it, and scikit-learn's ``roc_auc_score``.
"""

from __future__ import annotations

import csv
import io
import json
import os
import pathlib
import subprocess

import numpy as np
import pandas as pd
import pytest

import churnlens as cl

from conftest import REPO

BUNDLE = REPO / "examples" / "demo" / "telco_bundle.json"
EXPORT = REPO / "examples" / "demo" / "customers_export.csv"
TELCO = REPO / "examples" / "data" / "telco.csv"
REGRESSION = REPO / "tests" / "fixtures" / "xgb_regression" / "model.json"


@pytest.fixture(scope="module")
def bundle():
    return cl.Bundle.load(BUNDLE)


def export_frame(path=EXPORT) -> pd.DataFrame:
    """The export as a DataFrame of its text cells. Its one ragged row (an extra trailing
    cell, which the pipeline ignores and reports) is cut to the header's width."""
    with open(path, encoding="utf-8-sig", newline="") as f:
        rows = list(csv.reader(f))
    head, body = rows[0], rows[1:]
    body = [(r + [""] * len(head))[: len(head)] for r in body]
    return pd.DataFrame(body, columns=head)


@pytest.fixture(scope="module")
def demo_run(bundle, tmp_path_factory):
    out = tmp_path_factory.mktemp("demo")
    s = cl.score_csv(
        EXPORT,
        bundle,
        out_csv=out / "scored.csv",
        out_jsonl=out / "scored.jsonl",
        rejects=out / "rejects.csv",
    )
    return s, out


@pytest.fixture(scope="module")
def demo_frame(bundle):
    return cl.score_frame(export_frame(), bundle, shap=True)


def read_text_csv(path) -> pd.DataFrame:
    """An output CSV as text cells; rows longer than the header (a ragged input row's
    original cells in the rejects file) are cut to it."""
    with open(path, encoding="utf-8", newline="") as f:
        rows = list(csv.reader(f))
    return pd.DataFrame([r[: len(rows[0])] for r in rows[1:]], columns=rows[0])


# --- score_csv -------------------------------------------------------------------------------


def test_every_row_is_scored_or_rejected_once(demo_run):
    s, out = demo_run
    assert s.rows_read == 1000
    assert s.rows_scored + s.rows_rejected == s.rows_read
    scored = read_text_csv(out / "scored.csv")
    rejects = read_text_csv(out / "rejects.csv")
    assert (len(scored), len(rejects)) == (s.rows_scored, s.rows_rejected)
    rows = sorted(scored.row.astype(int).tolist() + rejects.row.astype(int).tolist())
    assert rows == list(range(1, 1001))
    assert len((out / "scored.jsonl").read_text().splitlines()) == s.rows_scored
    assert all(r for r in rejects.reject_reasons)  # every reject says why


def test_summary_matches_validate_and_model_predict(demo_run, bundle):
    """Tier counts and rejected rows equal what the intake API and Model.predict give for the
    same rows with the same mapping."""
    s, _ = demo_run
    checked = cl.validate(str(EXPORT), s.mapping, bundle)
    assert checked.summary["rejected"] == s.rows_rejected
    p = bundle.model.predict(checked.features)
    bounds = bundle.tiers
    names = [n for n, _ in bounds]
    lows = np.array([t for _, t in bounds])
    idx = np.maximum(np.searchsorted(lows, p, side="right") - 1, 0)
    want = {n: int((idx == i).sum()) for i, n in enumerate(names)}
    assert {n: t["count"] for n, t in s.tiers.items()} == want
    assert sum(t["percent"] for t in s.tiers.values()) == pytest.approx(100.0)
    assert s.mean_probability == pytest.approx(float(p.mean()), rel=1e-12)


def test_summary_object(demo_run):
    s, _ = demo_run
    d = s.to_dict()
    assert d["rows_read"] == 1000 and d["log"] is None
    assert json.loads(s.to_json())["tiers"] == d["tiers"]
    assert isinstance(s.mapping, cl.Mapping) and isinstance(s.quality, cl.QualityReport)
    assert s.mapping.header_of("tenure") == "Tenure (Months)"
    assert 0.9 < s.quality_score <= 1.0
    text = s.to_text()
    assert "Risk tiers" in text and s.quality.to_text() in text
    assert s.to_text(quality=False).startswith("Model: telco-churn-demo")
    assert s.timings["total"] > 0 and s.rows_per_second > 0
    assert list(s.tier_counts) == [(n, t["count"]) for n, t in s.tiers.items()]
    assert "1000 rows, 992 scored, 8 rejected" in repr(s)


def cli_binary():
    exe = os.environ.get("CHURNLENS_CLI")
    if exe:
        return pathlib.Path(exe)
    found = [REPO / "target" / k / "churnlens" for k in ("release", "debug")]
    found = [p for p in found if p.exists()]
    return max(found, key=lambda p: p.stat().st_mtime) if found else None


def test_outputs_equal_the_cli(demo_run, tmp_path):
    """The CLI and score_csv run the same core pipeline: byte-identical outputs."""
    exe = cli_binary()
    if exe is None:
        pytest.skip("the churnlens CLI is not built (cargo build -p churnlens-cli)")
    s, out = demo_run
    r = subprocess.run(
        [str(exe), "score", str(EXPORT), "--bundle", str(BUNDLE), "--out-dir", str(tmp_path),
         "--no-log", "--json", "--quiet"],
        capture_output=True, text=True, timeout=300,
    )
    assert r.returncode == 0, r.stderr
    cli = json.loads(r.stdout)["summary"]
    mine = s.to_dict()
    for key in ("rows_read", "rows_scored", "rows_rejected", "tiers", "validation", "mapping"):
        assert cli[key] == mine[key], key
    stem = EXPORT.stem
    assert (tmp_path / f"{stem}.scored.csv").read_bytes() == (out / "scored.csv").read_bytes()
    assert (tmp_path / f"{stem}.rejects.csv").read_bytes() == (out / "rejects.csv").read_bytes()
    assert (tmp_path / f"{stem}.scored.jsonl").read_bytes() == (out / "scored.jsonl").read_bytes()


def test_sources_and_targets(bundle, tmp_path):
    """A path, bytes, CSV text, binary and text file objects give the same run."""
    ref = io.BytesIO()
    cl.score_csv(EXPORT, bundle, out_csv=ref)
    data = EXPORT.read_bytes()
    variants = [data, data.decode("utf-8"), io.BytesIO(data)]
    with open(EXPORT, encoding="utf-8", newline="") as f:
        variants.append(f)
        for v in variants:
            out = io.StringIO()
            s = cl.score_csv(v, bundle, out_csv=out)
            assert s.rows_scored == 992
            assert out.getvalue().encode("utf-8") == ref.getvalue()


def test_chunking_does_not_change_results(bundle):
    outs = []
    for chunk_rows in (1, 97, 100_000):
        buf = io.BytesIO()
        s = cl.score_csv(EXPORT, bundle, out_csv=buf, rejects=buf, chunk_rows=chunk_rows)
        outs.append(buf.getvalue())
    assert outs[0] == outs[1] == outs[2]


def test_progress_and_stop(bundle):
    seen = []
    s = cl.score_csv(TELCO, bundle, chunk_rows=1000, progress=seen.append)
    assert [p.rows_read for p in seen] == [1000 * k for k in range(1, 8)] + [7043]
    assert seen[-1].bytes_read == seen[-1].total_bytes == TELCO.stat().st_size
    assert not s.stopped_early
    s = cl.score_csv(TELCO, bundle, chunk_rows=500, progress=lambda p: p.rows_read < 1000)
    assert s.stopped_early and s.rows_read < 7043


def test_progress_exception_propagates(bundle):
    class Boom(Exception):
        pass

    def progress(p):
        raise Boom("stop here")

    with pytest.raises(Boom):
        cl.score_csv(TELCO, bundle, progress=progress, chunk_rows=500)


def test_file_object_exception_propagates(bundle):
    class Broken(io.RawIOBase):
        def read(self, n=-1):
            raise ConnectionError("the network went away")

    with pytest.raises(ConnectionError):
        cl.score_csv(Broken(), bundle)


def test_report_csv(bundle):
    s = cl.report_csv(EXPORT, bundle)
    assert (s.rows_read, s.rows_rejected) == (1000, 8)
    assert s.tiers == {} and s.base_probability is None
    assert s.quality.score == pytest.approx(cl.score_csv(EXPORT, bundle).quality.score)


def test_overrides_forms(bundle, tmp_path):
    base = cl.score_csv(EXPORT, bundle)
    o = base.mapping.to_overrides()
    o.keep_unmapped("gender")  # optional: scored as missing
    path = tmp_path / "map.json"
    o.save(path)
    for form in (o, o.columns, str(path)):
        s = cl.score_csv(EXPORT, bundle, overrides=form)
        assert s.mapping.header_of("gender") is None
        assert s.rows_scored == base.rows_scored


def test_errors_are_typed(bundle, tmp_path):
    with pytest.raises(cl.FileError) as e:
        cl.score_csv(tmp_path / "nope.csv", bundle)
    assert "nope.csv" in str(e.value)
    with pytest.raises(cl.FileError):
        cl.score_csv(EXPORT, bundle, out_csv=tmp_path)  # a directory
    with pytest.raises(cl.OverrideError):
        cl.score_csv(EXPORT, bundle, overrides={"tenure": "No Such Column"})
    with pytest.raises(cl.InputError):
        cl.score_csv(b"alpha,beta\n1,2\n", bundle)  # no model feature in the file
    with pytest.raises(cl.UnsupportedError):
        cl.score_csv(b"tenure,seats\n1,2\n", cl.Bundle.load(REGRESSION))
    with pytest.raises(cl.EncodingError):
        cl.score_csv(b"tenure,Contract\n1,Month-to-month\n", bundle, encoding="utf-16")
    with pytest.raises(cl.InputError):
        cl.score_csv(EXPORT, bundle, chunk_rows=0)
    with pytest.raises(cl.InputError):
        cl.score_csv(EXPORT, bundle, delimiter="x")
    with pytest.raises(cl.InputError):
        cl.score_csv(EXPORT, bundle, as_of="someday")
    with pytest.raises(cl.ModelError):
        cl.score_csv(EXPORT, EXPORT)  # neither a bundle nor a bare model
    with pytest.raises(cl.InputError):
        cl.score_frame([[1, 2]], bundle)


def test_binary_inputs_are_refused_as_in_node(bundle, tmp_path):
    """Files that are not delimited text are refused by the core's reader, the path every
    runtime takes: a ``CsvError`` of kind ``csv``, the ``code`` Node and WASM give them."""
    noise = bytes((i * 2654435761 >> 13) & 0xFF for i in range(4096))
    cases = [
        (b"PK\x03\x04\x14\x00\x06\x00\x08\x00\x00\x00!\x00", "zip archive"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x10", "PNG image"),
        (noise, "NUL byte"),
    ]
    for data, why in cases:
        path = tmp_path / "upload.bin"
        path.write_bytes(data)
        for source in (lambda: data, lambda: path, lambda: io.BytesIO(data)):
            for run in (cl.score_csv, cl.report_csv):
                with pytest.raises(cl.CsvError) as e:
                    run(source(), bundle)
                assert e.value.kind == "csv"
                assert "not delimited text" in str(e.value) and why in str(e.value)
    # Nothing is logged for a refused file but the run's start (as the CLI).
    db = cl.OutcomeStore()
    with pytest.raises(cl.CsvError):
        cl.score_csv(cases[1][0], bundle, outcomes=db)
    assert db.counts()["predictions"] == 0
    # A stray NUL inside ordinary text is data (that row is rejected), not a binary file.
    s = cl.score_csv(
        b"customerID,tenure,Contract,MonthlyCharges\nA,2,One year,30\nB,\x00,One year,30\n", bundle
    )
    assert (s.rows_scored, s.rows_rejected) == (1, 1)


def test_options_use_the_core_parsers(bundle):
    """Encoding, delimiter and n_threads are parsed by the core (``churn_core::run::options``),
    with the same spellings and texts as the CLI and the JS packages, named by argument."""
    text = b"customerID;tenure;Contract;MonthlyCharges\nA;2;One year;30\n"
    for delimiter in (";", "semicolon", "SEMICOLON"):
        assert cl.score_csv(text, bundle, delimiter=delimiter).delimiter == ";"
    tabbed = b"customerID\ttenure\nA\t2\n"
    for delimiter in ("\t", "\\t", "tab"):
        assert cl.report_csv(tabbed, bundle, delimiter=delimiter).headers == ["customerID", "tenure"]
    for encoding in ("latin1", "CP1252", "utf8", "auto"):
        assert cl.score_csv(text, bundle, encoding=encoding).rows_scored == 1
    cases = [
        (dict(delimiter="x"), 'delimiter: invalid input: delimiter "x" is not one of , ; tab |'),
        (dict(encoding="ebcdic"), 'encoding: invalid input: encoding "ebcdic" is not one of auto'),
        (dict(n_threads=-1), 'n_threads: invalid input: threads must be 0 or auto (one per core) '
                             'or 1..=1024, got "-1"'),
    ]
    for kwargs, message in cases:
        with pytest.raises(cl.InputError) as e:
            cl.score_csv(text, bundle, **kwargs)
        assert e.value.kind == "input"
        assert str(e.value).startswith(message), str(e.value)


# --- score_frame -----------------------------------------------------------------------------


def test_frame_has_every_row_in_order(demo_frame):
    f = demo_frame
    assert len(f) == 1000 and list(f.row) == list(range(1, 1001))
    assert list(f.columns[:10]) == list(cl._pipeline.FRAME_COLUMNS)
    scored, rejected = f[f.status == "scored"], f[f.status == "rejected"]
    assert (len(scored), len(rejected)) == (992, 8)
    assert scored.churn_probability.notna().all() and rejected.churn_probability.isna().all()
    assert rejected.reject_reasons.notna().all() and scored.reject_reasons.isna().all()
    assert scored.risk_tier.isin(["low", "medium", "high"]).all()


def test_frame_equals_score_csv(demo_frame, demo_run):
    _, out = demo_run
    f = demo_frame
    scored = read_text_csv(out / "scored.csv")
    mine = f[f.status == "scored"]
    assert mine.row.tolist() == scored.row.astype(int).tolist()
    assert (mine.customer_id.fillna("").values == scored.customer_id.values).all()
    assert (mine.risk_tier.values == scored.risk_tier.values).all()
    assert (mine.raises_risk.values == scored.raises_risk.values).all()
    assert (mine.lowers_risk.values == scored.lowers_risk.values).all()
    assert (mine.top_drivers.values == scored.top_drivers.values).all()
    assert ([f"{p:.6f}" for p in mine.churn_probability] == scored.churn_probability.tolist())
    rejects = read_text_csv(out / "rejects.csv")
    rej = f[f.status == "rejected"]
    assert rej.row.tolist() == rejects.row.astype(int).tolist()
    assert rej.reject_codes.tolist() == rejects.reject_codes.tolist()
    assert rej.reject_reasons.tolist() == rejects.reject_reasons.tolist()


def test_frame_probabilities_and_shap_are_the_models_bit_for_bit(demo_frame, bundle):
    df = export_frame()
    checked = cl.validate(df, cl.map_columns(df, bundle), bundle)
    f = demo_frame
    scored = f[f.status == "scored"]
    assert scored.row.tolist() == checked.rows.tolist()
    p = bundle.model.predict(checked.features)
    assert np.array_equal(scored.churn_probability.to_numpy(), p)
    phi = bundle.model.shap_values(checked.features)
    cols = cl.shap_columns(bundle)
    assert cols[-1] == "shap_bias" and len(cols) == phi.shape[1]
    assert np.array_equal(scored[cols].to_numpy(), phi)
    assert np.isnan(f.loc[f.status == "rejected", cols].to_numpy()).all()


def test_frame_from_typed_columns(bundle):
    """Numbers and categories as dtypes, not text: the same cells reach the core."""
    telco = pd.read_csv(TELCO)
    as_text = pd.read_csv(TELCO, dtype=str, keep_default_na=False)
    a = cl.score_frame(telco.head(500), bundle)
    b = cl.score_frame(as_text.head(500), bundle)
    pd.testing.assert_frame_equal(a, b)
    telco["Contract"] = telco["Contract"].astype("category")
    c = cl.score_frame(telco.head(500), bundle)
    pd.testing.assert_frame_equal(a, c)


def test_frame_keeps_the_index_and_offsets_rows(bundle):
    df = export_frame().iloc[100:160]
    df.index = [f"k{i}" for i in range(len(df))]
    f = cl.score_frame(df, bundle, first_row=1_000_001)
    assert list(f.index) == list(df.index)
    assert f.row.tolist() == list(range(1_000_001, 1_000_061))


def test_frame_edge_cases(bundle):
    empty = cl.score_frame(export_frame().head(0), bundle, shap=True)
    assert len(empty) == 0
    assert list(empty.columns) == list(cl._pipeline.FRAME_COLUMNS) + cl.shap_columns(bundle)
    # a blank row, a formula, quotes and line breaks in cells: nothing lost or shifted
    df = export_frame().head(4).copy()
    df.iloc[1, :] = ""
    df.loc[2, "Notes"] = '=HYPERLINK("x") "quoted",\nnext line'
    f, s = cl.score_frame(df, bundle, return_summary=True)
    assert f.status.tolist() == ["scored", "rejected", "scored", "scored"]
    assert f.reject_codes[1] == "empty_row"
    assert s.rows_read == 4
    with pytest.raises(cl.InputError):
        cl.score_frame(pd.DataFrame(index=range(3)), bundle)
    bad = export_frame().head(2).astype(object)
    bad.loc[0, "Notes"] = "\udcff"  # a lone surrogate: not encodable text
    with pytest.raises(cl.InputError):
        cl.score_frame(bad, bundle)


def test_frame_polars_and_arrow(bundle):
    pl = pytest.importorskip("polars")
    pa = pytest.importorskip("pyarrow")
    df = export_frame().head(50)
    want = cl.score_frame(df, bundle)
    pd.testing.assert_frame_equal(cl.score_frame(pl.from_pandas(df), bundle), want)
    pd.testing.assert_frame_equal(cl.score_frame(pa.Table.from_pandas(df), bundle), want)


# --- explain ---------------------------------------------------------------------------------


def test_bundle_explain_equals_the_run(demo_frame, bundle):
    df = export_frame()
    checked = cl.validate(df, cl.map_columns(df, bundle), bundle)
    scored = demo_frame[demo_frame.status == "scored"]
    many = bundle.explain(checked.features[:20])
    assert len(many) == 20
    for i, e in enumerate(many):
        row = scored.iloc[i]
        assert e.probability == row.churn_probability
        assert e.tier == row.risk_tier
        assert "; ".join(r.text for r in e.raises) == row.raises_risk
        assert "; ".join(r.text for r in e.lowers) == row.lowers_risk
        assert e.all_points() == pytest.approx(100 * (e.probability - e.base_probability), abs=1e-4)
    one = bundle.explain(checked.features[0])
    assert isinstance(one, cl.Explanation) and one.summary() == many[0].summary()
    frame = pd.DataFrame(checked.features[:3], columns=bundle.schema.input_names)
    assert [e.summary() for e in bundle.explain(frame)] == [e.summary() for e in many[:3]]
    assert bundle.explain(frame.iloc[0]).summary() == many[0].summary()


def test_explanation_objects(bundle):
    x = bundle.sample[0][:1]
    e = bundle.explain(x[0], top_k=2)
    assert len(e.raises) <= 2 and len(e.lowers) <= 2
    full = bundle.explain(x[0], top_k=None)
    assert full.other_points == 0.0
    listed = sum(r.points for r in full.raises + full.lowers)
    assert listed == pytest.approx(e.all_points(), abs=1e-9)
    r = full.raises[0]
    assert r.direction == "raises" and r.points > 0 and r.text == str(r)
    assert r.to_dict()["feature"] == r.feature and r.display_name in r.text
    d = e.to_dict()
    assert d["tier"] == e.tier and d["probability"] == e.probability
    assert "churn probability" in e.to_text()
    with pytest.raises(cl.InputError):
        bundle.explain([1.0, 2.0])
    with pytest.raises(cl.UnsupportedError):
        cl.Bundle.load(REGRESSION).explain([[0.0] * 8])


def test_explain_reads_labelled_rows(bundle):
    """A row as exported (``"Male"``, ``"Month-to-month"``, ``"Yes"``, ``"29.85"``) explains
    as its validated inputs do: as a pandas Series, a dict, a one-row DataFrame or a list."""
    telco = pd.read_csv(TELCO, nrows=30)  # text columns are object dtype, numbers numbers
    names = bundle.schema.input_names
    checked = cl.validate(telco, None, bundle)
    assert len(checked.rows) == 30
    want = bundle.explain(checked.features[:30], top_k=None)
    row = telco.iloc[0]
    assert row["gender"] == "Female" and row["Contract"] == "Month-to-month"
    one = bundle.explain(row, top_k=None)  # extra keys (customerID, Churn) are ignored
    assert isinstance(one, cl.Explanation)
    assert one.to_dict() == want[0].to_dict()
    assert bundle.explain(row.to_dict(), top_k=None).to_dict() == want[0].to_dict()
    assert bundle.explain([row[n] for n in names], top_k=None).to_dict() == want[0].to_dict()
    frame = bundle.explain(telco[names].iloc[[0]], top_k=None)
    assert isinstance(frame, list) and frame[0].to_dict() == want[0].to_dict()
    many = bundle.explain(telco[names], top_k=None)
    assert [e.to_dict() for e in many] == [e.to_dict() for e in want]
    assert bundle.explain(telco[names].to_numpy(), top_k=None)[5].to_dict() == want[5].to_dict()
    # Words, case and blanks as validation reads them; numbers stay model inputs.
    d = row.to_dict()
    d.update(gender="MALE", Partner="y", TotalCharges=" ", tenure=np.int64(1))
    x = checked.features[0].copy()
    x[names.index("gender")] = 1.0  # Female, Male
    x[names.index("Partner")] = 1.0
    x[names.index("TotalCharges")] = np.nan
    x[names.index("tenure")] = 1.0
    assert bundle.explain(d, top_k=None).to_dict() == bundle.explain(x, top_k=None).to_dict()
    # A value the schema does not know names the feature and the value.
    with pytest.raises(cl.InputError, match="feature 'Contract', row 0: \"Fortnightly\""):
        bundle.explain({**row.to_dict(), "Contract": "Fortnightly"})
    with pytest.raises(cl.InputError, match="no value for"):
        bundle.explain({"gender": "Male"})


# --- outcomes --------------------------------------------------------------------------------


def test_outcome_round_trip(bundle, tmp_path):
    """Log a run, record outcomes, export the training table; the realised AUC is
    scikit-learn's on the same (probability, outcome) pairs."""
    from sklearn.metrics import roc_auc_score

    db = cl.OutcomeStore(tmp_path / "log" / "churn.db")
    s = cl.score_csv(TELCO, bundle, outcomes=db)
    assert s.log["logged"] == 7043 and s.log["database"].endswith("churn.db")
    assert s.labelled["rows"] == 7043 and 0.85 < s.auc < 0.95  # Telco has its Churn column
    assert db.counts() == {"models": 1, "runs": 1, "predictions": 7043, "outcomes": 0}

    telco = pd.read_csv(TELCO, dtype=str)
    outcomes = telco[["customerID", "Churn"]].iloc[::3]
    imported = db.record_outcomes_csv(outcomes, date="2099-01-31")
    assert imported == {"rows": len(outcomes), "recorded": len(outcomes), "blank": 0}
    db.record_outcome("7590-VHVEG", True, date="2099-02-01")  # overrides the Churn column
    db.record_outcome("nobody", "no", date="2099-02-01")       # no prediction to pair with

    frame = cl.score_frame(telco, bundle).set_index("customer_id")
    y = outcomes.set_index("customerID").Churn.map({"Yes": 1, "No": 0})
    y["7590-VHVEG"] = 1
    want = roc_auc_score(y.to_numpy(), frame.churn_probability[y.index].to_numpy())

    perf = db.performance()
    assert (perf.rows, perf.unmatched_outcomes) == (len(y), 1)
    assert perf.churned == int(y.sum())
    assert perf.auc == pytest.approx(want, rel=1e-12)
    assert len(perf.deciles) == 10 and sum(d["rows"] for d in perf.deciles) == len(y)
    assert [t["tier"] for t in perf.tiers] == ["low", "medium", "high"]
    assert "Hit rate per tier" in perf.to_text()
    assert perf.to_dict()["auc"] == perf.auc

    training = db.export_training()
    assert len(training) == len(y)
    assert training.customer_id.tolist() == sorted(y.index)
    t = training.set_index("customer_id")
    assert (t.churned == y[t.index]).all()
    np.testing.assert_allclose(t.probability, frame.churn_probability[t.index], atol=5e-7)
    assert db.performance(model_hash=bundle.content_hash).rows == len(y)
    assert db.performance(model_hash="0" * 64).rows == 0
    n = db.export_training(tmp_path / "train.csv")
    assert n == len(y) and pd.read_csv(tmp_path / "train.csv").shape == training.shape
    db.close()
    # the file is the CLI's database: reopening sees everything
    with cl.OutcomeStore(tmp_path / "log" / "churn.db") as again:
        assert again.counts()["outcomes"] == len(y) + 1


def test_outcome_errors(tmp_path):
    db = cl.OutcomeStore()
    assert db.path == ":memory:"
    with pytest.raises(cl.RecordError):
        db.record_outcome("C-1", "maybe")
    with pytest.raises(cl.RecordError):
        db.record_outcome("C-1", 2)
    with pytest.raises(cl.RecordError):
        db.record_outcome("C-1", True, date="someday")
    with pytest.raises(cl.RecordError):
        db.record_outcomes_csv(b"id,churned\nA,yes\nB,perhaps\n")
    assert db.counts()["outcomes"] == 0  # all or nothing
    db.record_outcome("C-1", 1, date=pd.Timestamp("2026-01-05"))
    assert db.counts()["outcomes"] == 1
    db.close()
    with pytest.raises(cl.DatabaseError):
        db.counts()
    bad = tmp_path / "not-a-db"
    bad.write_bytes(b"this is not sqlite" * 100)
    with pytest.raises(cl.DatabaseError):
        cl.OutcomeStore(bad)
    with pytest.raises(cl.InputError):
        cl.score_csv(EXPORT, BUNDLE, outcomes="churn.db")


def test_readme_main_job_runs(tmp_path, monkeypatch, capsys):
    """The README's main-job example runs as written (from a folder that has the repository's
    examples/), and its shown results hold."""
    text = (REPO / "bindings" / "python" / "README.md").read_text()
    start = text.index("## The main job")
    block = text[start:].split("```python\n", 1)[1].split("```", 1)[0]
    (tmp_path / "examples").symlink_to(REPO / "examples")
    monkeypatch.chdir(tmp_path)
    env: dict = {}
    exec(compile(block, "README.md", "exec"), env)  # noqa: S102
    s = env["summary"]
    assert repr(s).startswith("<churnlens.RunSummary: 1000 rows, 992 scored, 8 rejected "
                              "(high 214, medium 212, low 566)")
    assert env["scored"].raises_risk[0].startswith("Tenure (1 month) raises churn risk by 19.4")
    assert env["e"].to_text().startswith("churn probability 68.8%, tier high")
    assert env["db"].counts()["outcomes"] == 2
    assert (tmp_path / "scored.csv").exists() and (tmp_path / "churnlens-out").is_dir()
