"""Column mapping, overrides, validation and the data-quality report from Python, on the shipped
demo bundle, the real IBM Telco table and the messy customer export (issue 4's acceptance)."""

from __future__ import annotations

import datetime as dt
import json
import pickle

import numpy as np
import pandas as pd
import pytest

import churnlens as cl

from conftest import REPO

BUNDLE = REPO / "examples" / "demo" / "telco_bundle.json"
TELCO = REPO / "examples" / "data" / "telco.csv"
MESSY = REPO / "tests" / "data" / "messy_customers.csv"
MESSY_REPORT = REPO / "tests" / "data" / "messy_report.json"

TELCO_HEADERS = [
    "customerID", "gender", "SeniorCitizen", "Partner", "Dependents", "tenure", "PhoneService",
    "MultipleLines", "InternetService", "OnlineSecurity", "OnlineBackup", "DeviceProtection",
    "TechSupport", "StreamingTV", "StreamingMovies", "Contract", "PaperlessBilling",
    "PaymentMethod", "MonthlyCharges", "TotalCharges", "Churn",
]


@pytest.fixture(scope="module")
def bundle():
    return cl.Bundle.load(BUNDLE)


@pytest.fixture(scope="module")
def telco():
    return pd.read_csv(TELCO)


@pytest.fixture(scope="module")
def messy():
    return cl.Table.read_csv(MESSY)


# --- map_columns -----------------------------------------------------------------------------


def test_telco_headers_map_exactly(bundle):
    m = cl.map_columns(TELCO_HEADERS, bundle)
    assert m.as_dict() == {h: h for h in TELCO_HEADERS}
    assert m.unmapped == [] and m.missing == [] and m.ambiguous == []
    assert all(c == 1.0 for c in m.confidence.values())
    assert m.get("tenure")["source"] == "exact"
    assert m.headers == TELCO_HEADERS
    assert repr(m).startswith("<churnlens.Mapping: 21 of 21 features mapped")


def test_messy_headers_map_by_meaning_and_leave_look_alikes(bundle, messy):
    m = cl.map_columns(messy, bundle)  # a whole table: its rows are value evidence
    d = m.as_dict()
    assert d["customerID"] == "Cust ID"
    assert d["tenure"] == "Tenure (months)"
    assert d["MonthlyCharges"] == "Monthly Charge ($)"
    assert d["Contract"] == "Contract Type"
    assert d["InternetService"] == "Internet Type"
    assert d["Churn"] == "Churn Label"
    assert len(d) == 21
    # A model's churn score is not the label; notes are not a feature.
    assert m.unmapped == ["Churn Score", "Notes"]
    assert m.missing == [] and m.missing_required == []
    assert 0.8 <= m.confidence["Contract"] < 1.0
    assert m.get("Contract")["source"] == "concept"
    assert set(m.alternatives) == set(m.confidence)
    for alts in m.alternatives.values():
        assert all(isinstance(h, str) and 0.0 <= c <= 1.0 for h, c in alts)
    decisions = m.features
    assert [f["feature"] for f in decisions] == [f["name"] for f in bundle.schema.features]
    assert json.loads(m.to_json())["features"] == decisions


def test_features_may_be_names_schema_model_or_bundle(bundle):
    headers = ["Customer Tenure (months)", "MRR", "Churn Score"]
    by_names = cl.map_columns(headers, ["tenure", "monthly_charges", "Churn"])
    assert by_names.as_dict() == {"tenure": "Customer Tenure (months)", "monthly_charges": "MRR"}
    assert by_names.unmapped == ["Churn Score"]
    assert by_names.missing == ["Churn"]
    schema = cl.Schema(["tenure", "monthly_charges", "Churn"])
    assert cl.map_columns(headers, schema).as_dict() == by_names.as_dict()
    assert cl.map_columns(TELCO_HEADERS, bundle.model).as_dict() == {
        h: h for h in TELCO_HEADERS if h not in ("customerID", "Churn")
    }
    assert cl.map_columns(TELCO_HEADERS, bundle).as_dict()["customerID"] == "customerID"
    with pytest.raises(TypeError):
        cl.map_columns(headers, "tenure")
    with pytest.raises(cl.InputError):
        cl.map_columns("tenure", ["tenure"])


def test_samples_are_value_evidence():
    schema = cl.Schema(["support_tickets"])
    yes_no = [["Yes"], ["No"], ["Yes"]]
    assert cl.map_columns(["TechSupport"], schema, yes_no).as_dict() == {}
    frame = pd.DataFrame({"Tickets": [0, 3, 1]})
    assert cl.map_columns(frame, schema).as_dict() == {"support_tickets": "Tickets"}
    # numbers as samples are written out as text cells
    assert cl.map_columns(["Tickets"], schema, [[0], [3], [1]]).as_dict() == {
        "support_tickets": "Tickets"
    }


def test_threshold():
    schema = cl.Schema(["monthly_charges"])
    assert cl.map_columns(["MRR"], schema).as_dict() == {"monthly_charges": "MRR"}
    assert cl.map_columns(["MRR"], schema, threshold=0.99).as_dict() == {}
    with pytest.raises(cl.InputError):
        cl.map_columns(["MRR"], schema, threshold=2.0)


# --- Overrides ----------------------------------------------------------------------------------


def test_overrides_round_trip(bundle, messy, tmp_path):
    m = cl.map_columns(messy, bundle)
    o = m.to_overrides()
    assert isinstance(o, cl.Overrides) and len(o) == 21
    assert o.columns["Contract"] == "Contract Type"
    o.set("MonthlyCharges", "Total Charges ($)")  # a person overrules the mapper...
    o.set("TotalCharges", "Monthly Charge ($)")
    o.keep_unmapped("Churn")  # ...and keeps the label out
    path = tmp_path / "mapping.json"
    o.save(path)
    again = cl.Overrides.load(path)
    assert again == o
    assert cl.Overrides.from_json(o.to_json()) == o
    assert pickle.loads(pickle.dumps(o)) == o
    m2 = cl.map_columns(messy, bundle, overrides=again)
    d = m2.as_dict()
    assert d["MonthlyCharges"] == "Total Charges ($)" and d["TotalCharges"] == "Monthly Charge ($)"
    assert "Churn" not in d and "Churn" in m2.missing
    assert m2.get("MonthlyCharges")["source"] == "override"
    assert "Churn Label" in m2.unmapped
    assert repr(cl.Overrides({"a": "b", "c": None})) == "churnlens.Overrides({\"a\": \"b\", \"c\": None})"


def test_bad_overrides(bundle, tmp_path):
    o = cl.Overrides({"no_such_feature": "tenure"})
    with pytest.raises(cl.OverrideError) as e:
        cl.map_columns(TELCO_HEADERS, bundle, overrides=o)
    assert e.value.feature == "no_such_feature" and e.value.kind == "override"
    with pytest.raises(cl.OverrideError) as e:
        cl.map_columns(TELCO_HEADERS, bundle, overrides=cl.Overrides({"tenure": "Months"}))
    assert "Months" in str(e.value)
    with pytest.raises(cl.OverrideError) as e:
        cl.Overrides.from_json('{"columns": {"tenure": ')
    assert "line 1" in str(e.value) and e.value.kind == "override"
    bad = tmp_path / "bad.json"
    bad.write_text('{"columns": 5}')
    with pytest.raises(cl.OverrideError):
        cl.Overrides.load(bad)
    with pytest.raises(cl.FileError):
        cl.Overrides.load(tmp_path / "missing.json")


# --- validate -----------------------------------------------------------------------------------


def test_every_messy_row_is_accepted_or_rejected_with_reasons(bundle, messy):
    m = cl.map_columns(messy, bundle)
    v = cl.validate(MESSY, m, bundle)
    s = v.summary
    assert s["rows"] == messy.num_rows == 35
    assert s["accepted"] + s["rejected"] == s["rows"]
    assert len(v.rows) == s["accepted"] == v.features.shape[0]
    assert len(v.rejected) == s["rejected"]
    # Every row number exactly once, accepted or rejected.
    accepted = set(v.rows.tolist())
    rejected = {r["row"] for r in v.rejected}
    assert not accepted & rejected
    assert accepted | rejected == set(range(1, 36))
    for r in v.rejected:
        assert r["reasons"] and len(r["reasons"]) == len(r["codes"])
    by_row = {r["row"]: r for r in v.rejected}
    assert by_row[8]["codes"] == ["missing_required"] and "tenure" in by_row[8]["reasons"][0]
    assert by_row[9]["codes"] == ["type_mismatch"] and "abc" in by_row[9]["reasons"][0]
    assert by_row[10]["codes"] == ["out_of_range"]
    assert by_row[11]["codes"] == ["unknown_category"] and "Weekly" in by_row[11]["reasons"][0]
    assert by_row[14]["codes"] == ["duplicate_id"] and by_row[14]["customer_id"] == "5575-GNVDE"
    assert by_row[17]["codes"] == ["empty_row"]
    # Issues carry the stable fields.
    keys = {"code", "severity", "row", "customer_id", "column", "feature", "value", "message"}
    assert v.issues and all(set(i) == keys for i in v.issues)
    tc = [i for i in v.issues if i["row"] == 9]
    assert tc[0]["column"] == "Monthly Charge ($)" and tc[0]["value"] == "abc"
    assert tc[0]["severity"] == "error"
    # Accepted rows are model inputs: the model scores them.
    assert v.feature_names == bundle.schema.input_names
    p = bundle.model.predict(v.features)
    assert p.shape == (27,) and np.all((p > 0) & (p < 1))
    assert len(v.customer_ids) == 27 and v.customer_ids[0] == "7590-VHVEG"
    assert v.labels.dtype == np.float64 and v.labels[0] == 0.0 and v.labels[2] == 1.0
    frame = v.to_frame()
    assert list(frame.columns) == v.feature_names and frame.index.name == "row"
    assert frame.index.tolist() == v.rows.tolist()
    assert repr(v) == f"<churnlens.Validated: 35 rows, 27 accepted, 8 rejected, {sum(s['by_severity'].values())} issues>"


def test_validate_accepts_every_table_form(bundle, telco):
    text = TELCO.read_text()
    results = [
        cl.validate(telco, None, bundle),  # DataFrame; mapping=None maps first
        cl.validate(TELCO, None, bundle),  # pathlib path
        cl.validate(str(TELCO), None, bundle),  # str path
        cl.validate(text, None, bundle),  # CSV text
        cl.validate(cl.Table.from_csv(text), None, bundle),
    ]
    for v in results:
        assert v.summary["rows"] == 7043 and v.summary["accepted"] == 7043
        np.testing.assert_array_equal(v.features, results[1].features)
    # 11 blank TotalCharges: missing, not rejected (the feature is optional).
    assert np.isnan(results[0].features[:, v.feature_names.index("TotalCharges")]).sum() == 11


def test_validate_options(bundle, messy):
    v = cl.validate(messy, None, bundle, max_issues=2)
    assert len(v.issues) == 2 and v.summary["issues_not_listed"] > 0
    with pytest.raises(cl.InputError):
        cl.validate(messy, None, bundle, max_issues=-1)
    schema = cl.Schema(["tenure"]).enrich_json(
        '{"features": [{"name": "tenure", "kind": "date_derived", "unit": "months"}]}'
    )
    table = cl.Table(["Start Date"], [["2023-06-01"], ["2024-01-15"], ["soon"]])
    mapping = cl.map_columns(table, schema, overrides=cl.Overrides({"tenure": "Start Date"}))
    for as_of in ("2024-06-01", dt.date(2024, 6, 1), dt.datetime(2024, 6, 1, 9, 30),
                  pd.Timestamp("2024-06-01")):
        v = cl.validate(table, mapping, schema, as_of=as_of)
        assert v.features[:, 0].tolist() == [12.0, 4.0]
        assert v.rejected[0]["row"] == 3
    with pytest.raises(cl.InputError):
        cl.validate(table, mapping, schema, as_of="not a date")
    with pytest.raises(cl.InputError):
        cl.validate(table, mapping, schema, as_of=12)


# --- the quality report --------------------------------------------------------------------------


def _without(df: pd.DataFrame, column: str) -> pd.DataFrame:
    return df.drop(columns=[column])


def test_telco_quality_report(bundle, telco):
    r = cl.quality_report(telco, bundle)
    text = r.to_text()
    # Names the blank TotalCharges rows.
    s = [x for x in r.suggestions if "'TotalCharges' is blank in 11 rows" in x["message"]]
    assert s and "all with tenure 0" in s[0]["message"]
    assert "'TotalCharges' is blank in 11 rows" in text
    tc = [c for c in r.column_quality if c["header"] == "TotalCharges"][0]
    assert tc["completeness"] == pytest.approx(1 - 11 / 7043, abs=1e-4)
    # A score and an estimated AUC.
    assert 0.95 < r.score <= 1.0 and r.grade == "good"
    assert (r.rows, r.rows_accepted, r.rows_rejected) == (7043, 7043, 0)
    assert r.missing_features == [] and r.unmapped_columns == []
    assert r.complete_auc > 0.8
    assert abs(r.expected_auc - r.complete_auc) < 0.005
    assert r.accuracy["expected_auc"] == r.expected_auc
    # Removing an important column lowers the expected AUC (and the score).
    for column in ("Contract", "tenure"):
        d = cl.quality_report(_without(telco, column), bundle)
        assert column in d.missing_features
        assert d.score < r.score
        assert d.expected_auc < r.expected_auc - 0.005, (column, d.expected_auc, r.expected_auc)
        assert d.complete_auc == r.complete_auc
    # The same report from the CSV file.
    from_file = cl.quality_report(TELCO, BUNDLE)
    assert from_file.to_dict() == r.to_dict()


def test_report_renders(bundle, messy):
    r = cl.quality_report(messy, bundle)
    d = r.to_dict()
    assert d == json.loads(r.to_json())
    assert d["score"] == r.score and d["grade"] == r.grade
    assert str(r) == r.to_text() and r.to_text().startswith("Data-quality report")
    assert repr(r).startswith("<churnlens.QualityReport: 35 rows, score ")
    assert r.unmapped_columns == ["Churn Score", "Notes"]
    # The core's committed snapshot of the same report (churn-core/tests/telco_quality.rs): the Python
    # binding reads the file the same way.
    assert d == json.loads(MESSY_REPORT.read_text())


def test_report_with_overrides_and_a_bare_model(bundle, messy):
    o = cl.Overrides()
    o.keep_unmapped("Contract")
    r = cl.quality_report(messy, bundle, overrides=o)
    assert "Contract" in r.missing_features
    bare = cl.Bundle.load(REPO / "tests" / "fixtures" / "xgb_binary" / "model.json")
    r = cl.quality_report(cl.Table(["x"], [["1"]]), bare)
    assert r.accuracy is None and r.expected_auc is None
    with pytest.raises(cl.InputError):
        cl.quality_report(messy, 42)


# --- DataFrames become tables of text ------------------------------------------------------------


def test_dataframe_cells():
    df = pd.DataFrame(
        {
            "f": [29.85, 2.0, np.nan, 1e-7],
            "i": [1, 2, 3, 4],
            "b": [True, False, True, False],
            "s": ["Yes", " no ", None, ""],
            "c": pd.Categorical(["One year", None, "Two year", "One year"]),
            "n": pd.array([1, None, 3, 4], dtype="Int64"),
            "d": pd.to_datetime(["2024-01-31", None, "2023-12-01", "2020-02-29"]),
            "t": pd.to_datetime(["2024-01-31 10:30", None, "2023-12-01 00:00", "2020-02-29 00:00"]),
            "o": [dt.date(2024, 1, 31), 3.5, None, "x"],
        }
    )
    t = cl.Table.from_dataframe(df)
    assert t.headers == list(df.columns)
    assert t.rows[0] == ["29.85", "1", "True", "Yes", "One year", "1", "2024-01-31",
                         "2024-01-31T10:30:00", "2024-01-31"]
    assert t.rows[1] == ["2", "2", "False", " no ", "", "", "", "", "3.5"]
    assert t.rows[2] == ["", "3", "True", "", "Two year", "3", "2023-12-01",
                         "2023-12-01T00:00:00", ""]
    assert t.rows[3][0] == "1e-07"
    assert len(t) == t.num_rows == 4 and t.num_columns == 9
    assert t.cell(0, 4) == "One year" and t.cell(9, 0) is None
    assert t.sample(2) == t.rows[:2]
    assert repr(t) == "<churnlens.Table: 4 rows x 9 columns>"


def test_polars_and_arrow_tables(telco):
    pl = pytest.importorskip("polars")
    pa = pytest.importorskip("pyarrow")
    small = telco.head(50)
    want = cl.Table.from_dataframe(small).rows
    assert cl.Table.from_dataframe(pl.from_pandas(small)).rows == want
    assert cl.Table.from_dataframe(pa.Table.from_pandas(small, preserve_index=False)).rows == want


def test_csv_tables(tmp_path):
    t = cl.Table.from_csv('id,MRR\nA-1,"$1,200.50"\nA-2,\n')
    assert t.headers == ["id", "MRR"] and t.rows == [["A-1", "$1,200.50"], ["A-2", ""]]
    assert cl.Table.from_csv("a;b\n1,5;2\n", delimiter=";").rows == [["1,5", "2"]]
    with pytest.raises(cl.InputError):
        cl.Table.from_csv("a\n", delimiter=";;")
    latin = tmp_path / "latin1.csv"
    latin.write_bytes("name\nJos\xe9\n".encode("latin-1"))
    with pytest.raises(cl.EncodingError) as e:
        cl.Table.read_csv(latin)
    assert isinstance(e.value, cl.CsvError) and isinstance(e.value, cl.InputError)
    assert "UTF-8" in str(e.value)
    with pytest.raises(cl.FileError):
        cl.Table.read_csv(tmp_path / "missing.csv")
    with pytest.raises(cl.InputError):
        cl.validate(12345, None, ["a"])


# --- Schema and errors ----------------------------------------------------------------------------


def test_schema(bundle, tmp_path):
    s = bundle.schema
    assert s.identifier == "customerID" and s.label == "Churn"
    assert s.num_inputs == 19 and len(s) == 21 and "Contract" in s
    assert s.feature("Contract")["categories"] == ["Month-to-month", "One year", "Two year"]
    assert s.feature("nope") is None
    assert cl.Schema.from_json(s.to_json()) == s
    assert pickle.loads(pickle.dumps(s)) == s
    m = bundle.model
    assert cl.Schema.from_model(m).input_names == m.feature_names == s.input_names
    s.check_model(m)
    with pytest.raises(cl.SchemaError):
        cl.Schema(["x"]).check_model(m)
    toml = tmp_path / "schema.toml"
    toml.write_text('[[features]]\nname = "tenure"\nkind = "numeric"\nmin = 0\n')
    assert cl.Schema.load(toml).feature("tenure")["min"] == 0
    assert cl.Schema.from_toml(toml.read_text()) == cl.Schema.load(toml)
    assert cl.Schema.from_names(["a", "b"]) == cl.Schema(["a", "b"])
    assert cl.Schema(["a"]).enrich_toml('[[features]]\nname = "Churn"\nkind = "label"\n').label == "Churn"
    assert repr(s) == '<churnlens.Schema: 19 inputs, id "customerID", label "Churn">'


def test_new_exception_classes():
    for cls in (cl.SchemaError, cl.VocabularyError, cl.OverrideError, cl.BundleError,
                cl.CsvError, cl.EncodingError, cl.RecordError, cl.DatabaseError):
        assert issubclass(cls, cl.ChurnlensError)
    for cls in (cl.SchemaError, cl.VocabularyError, cl.OverrideError, cl.BundleError):
        assert issubclass(cls, ValueError)
    assert issubclass(cl.CsvError, cl.InputError) and issubclass(cl.EncodingError, cl.CsvError)
    with pytest.raises(cl.SchemaError) as e:
        cl.Schema.from_json("{")
    assert e.value.kind == "schema" and "line 1" in e.value.field
    with pytest.raises(cl.SchemaError) as e:
        cl.Schema.from_json('{"features": [{"name": "a", "kind": "numeric"}, {"name": "a", "kind": "numeric"}]}')
    assert "used twice" in str(e.value) and e.value.field == "feature `a`"
    with pytest.raises(cl.SchemaError):
        cl.Schema(["a"]).enrich_toml('[[features]]\nname = "b"\n')
