"""``coprod rank``: rank alternatives from ballots or pairwise comparisons.

FILE is a PrefLib ``.soc``/``.soi``/``.toc``/``.toi`` file or a CSV file holding either a
ranked-ballot long table (``voter_id,alternative,rank[,weight]``) or pairwise comparisons
(``winner,loser[,tie][,rater][,weight]``). Ballots can be ranked by every method; pairwise
comparisons only by ``bradley-terry``. Ballots ranked by ``bradley-terry`` are first turned
into comparisons: every pair a ballot orders strictly is one comparison.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

import polars as pl

from coprod_analytics.cli import plain_text
from coprod_analytics.errors import ValidationError

METHODS = ("borda", "copeland", "schulze", "kemeny", "bradley-terry")
_PREFLIB = (".soc", ".soi", ".toc", ".toi")


def add_parser(subparsers: Any) -> argparse.ArgumentParser:
    """Register ``rank`` on the ``coprod`` sub-parsers."""
    parser: argparse.ArgumentParser = subparsers.add_parser(
        "rank",
        help="rank alternatives from ballots (PrefLib or CSV) or pairwise comparisons",
        description=plain_text(__doc__),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("file", metavar="FILE", help="PrefLib .soc/.soi/.toc/.toi or CSV file")
    parser.add_argument("--method", choices=METHODS, default="schulze", help="default: schulze")
    parser.add_argument("--json", action="store_true", help="print the result as JSON")
    parser.add_argument(
        "--l2",
        type=float,
        default=0.0,
        help="bradley-terry: L2 penalty (needed when the comparison graph is not strongly "
        "connected); default 0",
    )
    parser.add_argument(
        "--alpha", type=float, default=0.05, help="bradley-terry: CI level; default 0.05"
    )
    parser.set_defaults(func=run)
    return parser


def _load(path: Path) -> tuple[str, pl.DataFrame]:
    """('ballots' | 'pairwise', table) from a PrefLib or CSV file."""
    if not path.exists():
        raise FileNotFoundError(f"no such file: {path}")
    if path.suffix.lower() in _PREFLIB:
        from coprod_analytics.io.preflib import read_preflib

        return "ballots", read_preflib(path).ballots
    if path.suffix.lower() == ".pb":
        raise ValidationError(
            "a participatory-budgeting election: use 'coprod budget' for it ('coprod rank' "
            "reads PrefLib .soc/.soi/.toc/.toi files and CSVs of ballots or comparisons)",
            file=path,
        )
    from coprod_analytics.io._csv import read_csv_table

    df, _ = read_csv_table(path, required={}, other_columns="string")
    if "participant_id" in df.columns and "voter_id" not in df.columns:
        df = df.rename({"participant_id": "voter_id"})  # the inquiry's name for a voter
    cols = set(df.columns)
    if {"winner", "loser"} <= cols:
        return "pairwise", df
    if {"voter_id", "alternative", "rank"} <= cols:
        return "ballots", df
    raise ValidationError(
        "expected a ballots table (columns voter_id or participant_id, alternative, rank) or "
        "pairwise "
        f"comparisons (columns winner, loser); found columns {df.columns}",
        file=path,
        line=1,
    )


def run(args: argparse.Namespace) -> int:
    """Run ``coprod rank``; prints a table (or JSON) and returns the exit code."""
    path = Path(args.file)
    kind, table = _load(path)
    if args.method == "bradley-terry":
        from coprod_analytics.preferences.pairwise import bradley_terry_pairwise

        if kind == "ballots":
            comparisons = _ballots_to_comparisons(table, path)
            file = None
        else:
            comparisons, file = table, path
        bt = bradley_terry_pairwise(comparisons, l2=args.l2, alpha=args.alpha, file=file)
        frame = bt.to_frame()
        out: dict[str, Any] = {
            "method": "bradley-terry",
            "file": str(path),
            "winners": bt.winners,
            "ranking": [list(g) for g in bt.ranking],
            "n_comparisons": float(bt.comparisons.sum()) / 2,
            "l2": bt.l2,
            "alpha": bt.alpha,
            "scores": frame.to_dicts(),
        }
        text = bt.summary()
    else:
        if kind != "ballots":
            raise ValidationError(
                f"method '{args.method}' needs ranked ballots; this file holds pairwise "
                "comparisons (use --method bradley-terry)",
                file=path,
            )
        from coprod_analytics.preferences.rankings import rank_ballots

        res = rank_ballots(table, method=args.method, file=path)
        frame = res.scores
        out = {
            "method": res.method,
            "file": str(path),
            "winners": res.winners,
            "ranking": [list(g) for g in res.ranking],
            "n_voters": res.n_voters,
            "scores": frame.to_dicts(),
        }
        if res.method == "kemeny":
            out["exact"] = res.details["exact"]
            out["n_optimal"] = res.details["n_optimal"]
        text = res.summary()
    if args.json:
        # NaN / inf (e.g. an undefined interval) become null: strict JSON has no NaN.
        out = json.loads(json.dumps(out, default=str), parse_constant=lambda _: None)
        print(json.dumps(out, indent=2))
    else:
        print(text)
        with pl.Config(tbl_rows=-1, tbl_cols=-1, tbl_hide_dataframe_shape=True):
            print(frame)
    return 0


def _ballots_to_comparisons(table: pl.DataFrame, path: Path) -> pl.DataFrame:
    """Weighted comparisons (winner, loser, weight) from every strict pair of every ballot."""
    from coprod_analytics.preferences.rankings import majority_matrix, validate_ballots

    validate_ballots(table, file=path)
    mm = majority_matrix(table)
    alts = mm["alternative"].to_list()
    rows = [
        (a, b, float(mm[b][i]))
        for i, a in enumerate(alts)
        for b in alts
        if a != b and float(mm[b][i]) > 0
    ]
    return pl.DataFrame(
        rows, schema={"winner": pl.String, "loser": pl.String, "weight": pl.Float64}, orient="row"
    )
