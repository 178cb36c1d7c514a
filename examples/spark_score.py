#!/usr/bin/env python3
"""Score a million customers with Spark on a laptop: churnlens.spark in local[2] mode.

    .venv/bin/pip install ./bindings/python[spark]          # pyspark; Java 17+ must be installed
    .venv/bin/python examples/spark_score.py                 # 1,000,000 rows (generated once)
    .venv/bin/python examples/spark_score.py --rows 100000 --shap

What it does:

1. generates a messy CRM export of --rows customers with examples/make_messy_export.py (the
   demo data scaled up; skipped when the file exists) and stores it as a Parquet dataset of
   --partitions files of text columns, the way a customer table sits in a lake (a CSV whose
   cells hold line breaks cannot be split between Spark tasks, Parquet can);
2. starts Spark in local[2] mode (two executor cores, so two Python workers);
3. scores the table with churnlens.spark.score_spark: the bundle's bytes are broadcast once,
   every Python worker loads the model once and reuses it, the column mapping is resolved once
   on the driver; every row comes back scored or rejected with its reasons;
4. writes the results as Parquet and prints throughput, tier counts and the riskiest customers.

Outputs go to bench-results/scaleout/ (gitignored).
"""
from __future__ import annotations

import argparse
import csv
import os
import pathlib
import subprocess
import sys
import time

ROOT = pathlib.Path(__file__).resolve().parent.parent
BUNDLE = ROOT / "examples" / "demo" / "telco_bundle.json"
OUT = ROOT / "bench-results" / "scaleout"


def export_csv(rows: int) -> pathlib.Path:
    """The generated export of `rows` customers (made once, same seed as benches/pipeline.sh)."""
    path = ROOT / "bench-results" / "pipeline" / f"customers_{rows}.csv"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        subprocess.run(
            [sys.executable, str(ROOT / "examples" / "make_messy_export.py"), "--rows",
             str(rows), "--out", str(path)],
            check=True,
        )
    return path


def export_parquet(rows: int, partitions: int) -> pathlib.Path:
    """The export as a Parquet dataset of `partitions` files, every column text, cells exactly
    as in the CSV (blank = ""); a ragged row's stray trailing cell is dropped."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    out = OUT / f"customers_{rows}_{partitions}p.parquet"
    if out.exists():
        return out
    src = export_csv(rows)
    with open(src, encoding="utf-8-sig", newline="") as f:
        reader = csv.reader(f)
        header = next(reader)
        body = [(r + [""] * len(header))[: len(header)] for r in reader]
    tmp = out.with_suffix(".tmp")
    tmp.mkdir(parents=True, exist_ok=True)
    per = -(-len(body) // partitions)
    for i in range(partitions):
        part = body[i * per:(i + 1) * per]
        table = pa.table({h: [r[j] for r in part] for j, h in enumerate(header)})
        pq.write_table(table, tmp / f"part-{i:05d}.parquet")
    tmp.rename(out)
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--partitions", type=int, default=8)
    ap.add_argument("--shap", action="store_true", help="add shap_<feature> columns")
    ap.add_argument("--bundle", type=pathlib.Path, default=BUNDLE)
    args = ap.parse_args()

    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    from pyspark.sql import SparkSession, functions as F

    from churnlens.spark import score_spark

    data = export_parquet(args.rows, args.partitions)
    spark = (
        SparkSession.builder.master("local[2]")
        .appName("churnlens-example")
        .config("spark.ui.enabled", "false")
        .config("spark.driver.memory", "4g")
        .config("spark.sql.shuffle.partitions", "2")
        .getOrCreate()
    )
    spark.sparkContext.setLogLevel("ERROR")
    customers = spark.read.parquet(str(data))
    print(f"{args.rows:,} customers in {customers.rdd.getNumPartitions()} partitions ({data})")

    scored = score_spark(customers, args.bundle, shap=args.shap)
    result = OUT / f"scored_spark_{args.rows}.parquet"
    t0 = time.perf_counter()
    scored.write.mode("overwrite").parquet(str(result))
    wall = time.perf_counter() - t0
    print(f"scored and written in {wall:.1f} s: {args.rows / wall:,.0f} rows/s (Spark local[2])")

    out = spark.read.parquet(str(result))
    print(out.groupBy("status", "risk_tier").count().orderBy("status", "risk_tier").toPandas())
    top = out.where("status = 'scored'").orderBy(F.desc("churn_probability")).limit(5)
    for r in top.select("customer_id", "churn_probability", "raises_risk").collect():
        print(f"{r.customer_id}  {r.churn_probability:.1%}  {r.raises_risk}")
    rejected = out.where("status = 'rejected'")
    print(f"{rejected.count():,} rejected, e.g.:")
    for r in rejected.select("row", "customer_id", "reject_reasons").limit(3).collect():
        print(f"  row {r.row}: {r.customer_id}: {r.reject_reasons}")
    spark.stop()


if __name__ == "__main__":
    main()
