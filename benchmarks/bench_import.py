"""Import speed: reading Pol.is exports against a plain polars.read_csv in the same run.

Target (issue 2): importing vtaiwan.uberx is dominated by reading the files, within 2x of
plain ``polars.read_csv`` of the same files. Prints rows/s and the ratio.
"""

from __future__ import annotations

import polars as pl
from _common import best_of, shared_data

from coprod_analytics import read_polis, read_votes


def main() -> None:
    folder = shared_data() / "polis" / "vtaiwan.uberx"
    files = ["votes.csv", "comments.csv", "participants-votes.csv", "summary.csv"]
    rows = pl.read_csv(folder / "votes.csv").height

    plain_votes = best_of(lambda: pl.read_csv(folder / "votes.csv"))
    plain_all = best_of(lambda: [pl.read_csv(folder / f) for f in files[:3]])
    ours_folder = best_of(lambda: read_polis(folder))
    ours_votes = best_of(
        lambda: read_votes(
            folder / "votes.csv",
            participant_id="voter-id",
            statement_id="comment-id",
            vote="vote",
            time="timestamp",
        )
    )
    print(f"vtaiwan.uberx: {rows:,} vote rows")
    print(
        f"  plain polars.read_csv(votes.csv)        {plain_votes * 1e3:7.1f} ms  {rows / plain_votes:12,.0f} rows/s"
    )
    print(
        f"  coprod read_votes(votes.csv, long)      {ours_votes * 1e3:7.1f} ms  {rows / ours_votes:12,.0f} rows/s  ratio {ours_votes / plain_votes:.2f}x"
    )
    print(f"  plain polars.read_csv of the 3 CSVs     {plain_all * 1e3:7.1f} ms")
    print(
        f"  coprod read_polis(folder), validated    {ours_folder * 1e3:7.1f} ms  {rows / ours_folder:12,.0f} rows/s  ratio {ours_folder / plain_all:.2f}x"
    )
    print("  target: ratio <= 2x")


if __name__ == "__main__":
    main()
