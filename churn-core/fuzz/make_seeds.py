"""Writes the seed corpora of the `bundle` and `csv_pipeline` fuzz targets, and the two tiny
models the `bundle` target builds bundles from (`seeds/tiny_xgb.json`, `seeds/tiny_lgb.txt`).

Run from the repository root with the project's venv (xgboost, lightgbm, pandas):

    .venv/bin/python churn-core/fuzz/make_seeds.py

Seeds stay small (a few KB) so that libFuzzer's default input length covers them. The first
byte of a `bundle` seed picks the parser (see `churn_core::fuzzing::bundle`).
"""

import codecs
import hashlib
import json
from pathlib import Path

import lightgbm as lgb
import numpy as np
import pandas as pd
import xgboost as xgb

ROOT = Path(__file__).resolve().parents[2]
FUZZ = ROOT / "churn-core" / "fuzz"
SEEDS = FUZZ / "seeds"
BUNDLE = FUZZ / "corpus" / "bundle"
CSV = FUZZ / "corpus" / "csv_pipeline"

# Modes of `churn_core::fuzzing::bundle` (first byte).
BUNDLE_RAW, BUNDLE_REHASH, SCHEMA_JSON, SCHEMA_TOML = 0, 1, 2, 3
ENRICH_JSON, ENRICH_TOML, OVERRIDES, VOCABULARY = 4, 5, 6, 7

FEATURES = ["tenure", "Contract", "MonthlyCharges", "TechSupport"]


def telco(n):
    df = pd.read_csv(ROOT / "examples" / "data" / "telco.csv", nrows=n)
    x = pd.DataFrame(
        {
            "tenure": df["tenure"].astype(float),
            "Contract": df["Contract"].astype("category"),
            "MonthlyCharges": df["MonthlyCharges"].astype(float),
            "TechSupport": df["TechSupport"].astype("category"),
        }
    )
    y = (df["Churn"] == "Yes").astype(int)
    return x, y


def tiny_models():
    x, y = telco(600)
    booster = xgb.train(
        {"objective": "binary:logistic", "max_depth": 2, "eta": 0.3, "seed": 0},
        xgb.DMatrix(x, y, enable_categorical=True),
        num_boost_round=3,
    )
    booster.save_model(str(SEEDS / "tiny_xgb.json"))
    booster.save_model(str(SEEDS / "tiny_xgb.ubj"))
    gbm = lgb.train(
        {"objective": "binary", "num_leaves": 4, "verbose": -1, "seed": 0, "min_data_in_leaf": 5},
        lgb.Dataset(x, y),
        num_boost_round=3,
    )
    gbm.save_model(str(SEEDS / "tiny_lgb.txt"))


def schema():
    cats = {
        "Contract": ["Month-to-month", "One year", "Two year"],
        "TechSupport": ["No", "No internet service", "Yes"],
    }
    return {
        "features": [
            {"name": "tenure", "kind": "numeric", "display_name": "Tenure", "unit": "months",
             "min": 0, "concept": "tenure", "required": True},
            {"name": "Contract", "kind": "categorical", "categories": cats["Contract"],
             "concept": "contract", "required": True},
            {"name": "MonthlyCharges", "kind": "numeric", "unit": "currency", "min": 0,
             "max": 500, "concept": "monthly_charges", "on_invalid": "clamp"},
            {"name": "TechSupport", "kind": "categorical", "categories": cats["TechSupport"],
             "concept": "tech_support", "on_invalid": "missing"},
            {"name": "customerID", "kind": "identifier", "concept": "customer_id"},
            {"name": "Churn", "kind": "label", "categories": ["No", "Yes"], "concept": "churn",
             "aliases": ["Churn Label"]},
        ]
    }


def bundle_text(model_format, encoding, data, with_extras):
    """A bundle file the way `Bundle::to_json` writes one (pretty JSON, hash over the text with
    the hash's own 64 digits zeroed)."""
    doc = {
        "format": "churnlens.bundle",
        "format_version": 1,
        "metadata": {"name": "tiny", "version": "1", "content_hash": "0" * 64},
        "model": {"format": model_format, "encoding": encoding, "data": data},
        "schema": schema(),
    }
    if with_extras:
        doc["tiers"] = {"tiers": [{"name": "low", "min_probability": 0.0},
                                  {"name": "high", "min_probability": 0.4}]}
        doc["reference"] = {
            "rows": 600,
            "features": [
                {"name": "tenure", "kind": "numeric", "missing_rate": 0.0,
                 "edges": [10.0, 40.0], "proportions": [0.3, 0.4, 0.3],
                 "min": 0.0, "max": 72.0, "mean": 32.0},
                {"name": "Contract", "kind": "categorical", "missing_rate": 0.0,
                 "categories": [{"value": "Month-to-month", "proportion": 0.55},
                                {"value": "Two year", "proportion": 0.45}], "other": 0.0},
            ],
        }
        doc["sample"] = {"features": FEATURES, "rows": [[1.0, 0.0, 29.85, 0.0],
                                                         [34.0, 1.0, 56.95, 2.0]],
                         "labels": [1.0, 0.0]}
    text = json.dumps(doc, indent=1)
    digest = hashlib.sha256(text.encode()).hexdigest()
    return text.replace('"content_hash": "' + "0" * 64 + '"', f'"content_hash": "{digest}"', 1)


def toml_schema(s):
    out = []
    for f in s["features"]:
        out.append("[[features]]")
        for k, v in f.items():
            out.append(f"{k} = {json.dumps(v)}")
        out.append("")
    return "\n".join(out)


def write(dir_, name, mode, body):
    dir_.mkdir(parents=True, exist_ok=True)
    data = body.encode() if isinstance(body, str) else body
    (dir_ / name).write_bytes((bytes([mode]) if mode is not None else b"") + data)


def bundle_seeds():
    import base64

    xgb_text = (SEEDS / "tiny_xgb.json").read_text()
    lgb_text = (SEEDS / "tiny_lgb.txt").read_text()
    ubj = base64.b64encode((SEEDS / "tiny_xgb.ubj").read_bytes()).decode()
    write(BUNDLE, "bundle_xgb", BUNDLE_RAW, bundle_text("xgboost_json", "utf8", xgb_text, True))
    write(BUNDLE, "bundle_xgb_rehash", BUNDLE_REHASH,
          bundle_text("xgboost_json", "utf8", xgb_text, True))
    write(BUNDLE, "bundle_lgb_rehash", BUNDLE_REHASH,
          bundle_text("lightgbm_text", "utf8", lgb_text, False))
    write(BUNDLE, "bundle_ubj_rehash", BUNDLE_REHASH,
          bundle_text("xgboost_ubjson", "base64", ubj, False))
    write(BUNDLE, "bare_model", BUNDLE_RAW, lgb_text)
    s = schema()
    write(BUNDLE, "schema_json", SCHEMA_JSON, json.dumps(s, indent=1))
    write(BUNDLE, "schema_toml", SCHEMA_TOML, toml_schema(s))
    patch = {"features": [{"name": "tenure", "required": True, "max": 100},
                          {"name": "Contract", "kind": "categorical",
                           "categories": s["features"][1]["categories"]},
                          {"name": "Cust", "kind": "identifier"}]}
    write(BUNDLE, "enrich_json", ENRICH_JSON, json.dumps(patch))
    write(BUNDLE, "enrich_toml", ENRICH_TOML, toml_schema(patch))
    write(BUNDLE, "overrides", OVERRIDES,
          json.dumps({"columns": {"MonthlyCharges": "Monthly Charge ($)", "TechSupport": None}}))
    write(BUNDLE, "vocabulary", VOCABULARY,
          'format_version = 1\nstopwords = ["of"]\n[abbreviations]\nmo = "month"\n[units]\nmonth = "months"\n'
          '[[concept]]\nid = "tenure"\nlabel = "Tenure"\nkind = "numeric"\n'
          'synonyms = ["months active", "tenure"]\n'
          '[[concept]]\nid = "contract"\nlabel = "Contract"\nkind = "categorical"\n'
          'synonyms = ["contract", "plan term"]\n')


def csv_seeds():
    telco = (ROOT / "examples" / "data" / "telco.csv").read_text().splitlines()
    head = "\n".join(telco[:9]) + "\n"
    write(CSV, "telco_head.csv", None, head)
    messy = (ROOT / "tests" / "data" / "messy_customers.csv").read_text().splitlines()
    write(CSV, "messy_head.csv", None, "\n".join(messy[:12]) + "\n")
    write(CSV, "semicolon_crlf.csv", None,
          "\r\n".join(line.replace(",", ";") for line in telco[:5]) + "\r\n")
    utf16 = codecs.BOM_UTF16_LE + "\n".join(telco[:4]).encode("utf-16-le")
    write(CSV, "utf16le.csv", None, utf16)
    write(CSV, "cp1252.csv", None,
          ("Cust ID|Tenure (months)|Contract|Monthly Charge\n"
           "A1|3|Month-to-month|\u20ac 29,85\nB2|x|Two year|12\n").encode("cp1252"))
    write(CSV, "quoted_ragged.csv", None,
          'customerID,tenure,Contract,MonthlyCharges\n"A,1",2,"One\nyear",5\nB,,Two year\n'
          'C,7,Two year,9,extra\n,,,\n=cmd|\' /C calc\'!A0,1,Two year,+5\n')


def main():
    SEEDS.mkdir(parents=True, exist_ok=True)
    np.random.seed(0)
    tiny_models()
    bundle_seeds()
    csv_seeds()


if __name__ == "__main__":
    main()
