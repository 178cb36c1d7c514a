#!/usr/bin/env python3
"""Score a million customers with Dask on a laptop: churnlens.dask on a LocalCluster of two
worker processes.

    .venv/bin/pip install ./bindings/python[dask]
    .venv/bin/python examples/dask_score.py                  # 1,000,000 rows (generated once)
    .venv/bin/python examples/dask_score.py --single         # also time one process, for comparison

The data is the one examples/spark_score.py prepares: a messy CRM export of --rows customers
(examples/make_messy_export.py) stored as a Parquet dataset of --partitions files of text
columns. churnlens.dask.score_dask maps the columns once on the client, ships the bundle's
bytes to each worker once (one node of the task graph), loads the model once per worker
process, and scores each partition with churnlens.score_frame (map_partitions with meta).
Results are written as Parquet to bench-results/scaleout/.

--single also times, in this process and on the same rows: churnlens.score_csv streaming the
CSV file, and churnlens.score_frame on the whole table (the GIL is released; every core is
used).
"""
from __future__ import annotations

import argparse
import pathlib
import sys
import time

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
from spark_score import BUNDLE, OUT, export_csv, export_parquet  # noqa: E402


def single_process(rows: int, data: pathlib.Path, bundle: pathlib.Path) -> None:
    import pandas as pd

    import churnlens as cl

    b = cl.Bundle.load(bundle)
    t0 = time.perf_counter()
    s = cl.score_csv(export_csv(rows), b, out_csv=OUT / "scored_single.csv",
                     rejects=OUT / "rejects_single.csv")
    wall = time.perf_counter() - t0
    print(f"score_csv (1 process, streaming, CSV + rejects written): {wall:.1f} s, "
          f"{s.rows_read / wall:,.0f} rows/s")
    frame = pd.read_parquet(data)
    t0 = time.perf_counter()
    out = cl.score_frame(frame, b)
    wall = time.perf_counter() - t0
    print(f"score_frame (1 process, in memory): {wall:.1f} s, {len(out) / wall:,.0f} rows/s")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--partitions", type=int, default=8)
    ap.add_argument("--shap", action="store_true", help="add shap_<feature> columns")
    ap.add_argument("--bundle", type=pathlib.Path, default=BUNDLE)
    ap.add_argument("--single", action="store_true", help="also time a single process")
    args = ap.parse_args()

    import dask.dataframe as dd
    from distributed import Client, LocalCluster

    from churnlens.dask import score_dask

    data = export_parquet(args.rows, args.partitions)
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                      dashboard_address=None) as cluster, Client(cluster):
        customers = dd.read_parquet(str(data))
        print(f"{args.rows:,} customers in {customers.npartitions} partitions ({data})")
        scored = score_dask(customers, args.bundle, shap=args.shap)
        result = OUT / f"scored_dask_{args.rows}.parquet"
        t0 = time.perf_counter()
        scored.to_parquet(str(result), overwrite=True)
        wall = time.perf_counter() - t0
        print(f"scored and written in {wall:.1f} s: {args.rows / wall:,.0f} rows/s "
              f"(Dask, 2 worker processes)")

        out = dd.read_parquet(str(result))
        counts = out.groupby(["status", "risk_tier"], dropna=False).size().compute()
        print(counts.sort_index())
        rejected = out[out.status == "rejected"][["row", "customer_id", "reject_reasons"]]
        print(rejected.head(3).to_string(index=False))
    if args.single:
        single_process(args.rows, data, args.bundle)


if __name__ == "__main__":
    main()
