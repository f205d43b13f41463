"""coprod rank FILE: rank items from ballots or pairwise comparisons.

FILE is one of:

  a PrefLib .soc/.soi/.toc/.toi file (ranked ballots);
  a pabulib .pb file with ordinal ballots (its voters' project rankings);
  a CSV file of ranked ballots (columns participant_id, item_id, rank and an optional
  weight) or of pairwise comparisons (columns winner, loser and optional tie,
  participant_id, weight).

Columns named differently are named with --participant-id, --item-id, --rank, --winner and
--loser. Ballots can be ranked by every method; pairwise comparisons only by
bradley-terry. Ballots ranked by bradley-terry are first turned into comparisons: every
pair a ballot orders strictly is one comparison.

Examples:

  coprod rank election.soc --method kemeny
  coprod rank ballots.csv --participant-id voter --item-id option --json
  coprod rank poland_krakow_2019_bienczyce.pb --method schulze
  coprod rank pairs.csv --method bradley-terry --alpha 0.1
"""

from __future__ import annotations

import argparse
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import polars as pl

from coprod_analytics.cli import plain_text
from coprod_analytics.errors import ValidationError

__all__ = ["METHODS", "add_parser", "run"]

#: The methods ``--method`` accepts.
METHODS = ("borda", "copeland", "schulze", "kemeny", "bradley-terry")


def add_parser(subparsers: Any) -> argparse.ArgumentParser:
    """Register ``rank`` on the ``coprod`` sub-parsers.

    Parameters
    ----------
    subparsers : argparse sub-parsers action
        What ``ArgumentParser.add_subparsers()`` returned.

    Returns
    -------
    argparse.ArgumentParser
        The ``rank`` parser (its default ``func`` is :func:`run`).

    Examples
    --------
    >>> import argparse
    >>> parser = argparse.ArgumentParser(prog="coprod")
    >>> p = add_parser(parser.add_subparsers())
    >>> parser.parse_args(["rank", "x.soc", "--method", "borda"]).method
    'borda'
    """
    parser: argparse.ArgumentParser = subparsers.add_parser(
        "rank",
        help="rank items from ballots (PrefLib, ordinal .pb or CSV) or pairwise comparisons",
        description=plain_text(__doc__),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "file", metavar="FILE", help="PrefLib .soc/.soi/.toc/.toi, ordinal .pb or CSV file"
    )
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
        "--alpha",
        type=float,
        default=0.05,
        help="bradley-terry: intervals at level 1 - alpha; default 0.05",
    )
    for name, canonical in (
        ("--participant-id", "participant_id"),
        ("--item-id", "item_id"),
        ("--rank", "rank"),
        ("--winner", "winner"),
        ("--loser", "loser"),
    ):
        parser.add_argument(
            name,
            metavar="COLUMN",
            default=None,
            help=f"CSV files: the column holding {canonical} (default: {canonical})",
        )
    parser.set_defaults(func=run)
    return parser


@dataclass(frozen=True)
class _Input:
    kind: str  # "ballots" or "pairwise"
    table: pl.DataFrame
    participant_id: str | None = None
    item_id: str | None = None
    rank: str | None = None
    winner: str | None = None
    loser: str | None = None


def _load(path: Path, args: argparse.Namespace) -> _Input:
    """The ballots or comparisons of a PrefLib, pabulib or CSV file."""
    if not path.exists():
        raise FileNotFoundError(f"no such file: {path}")
    suffix = path.suffix.lower()
    from coprod_analytics.io.preference_tables import PREFLIB_SUFFIXES

    if suffix in PREFLIB_SUFFIXES:
        from coprod_analytics.io.preflib import read_preflib

        return _Input("ballots", read_preflib(path).tables["rankings"])
    if suffix == ".pb":
        from coprod_analytics.io.pabulib import read_pabulib

        votes = read_pabulib(path).tables["budget_votes"]
        if "rank" not in votes.columns:
            raise ValidationError(
                "this participatory-budgeting election has no ranked ballots (its vote_type "
                "is not ordinal): use 'coprod budget' for it",
                file=path,
            )
        return _Input("ballots", votes)
    from coprod_analytics.io._csv import read_csv_table

    df, _ = read_csv_table(path, required={}, other_columns="string")
    cols = set(df.columns)
    winner, loser = args.winner or "winner", args.loser or "loser"
    if {winner, loser} <= cols:
        return _Input(
            "pairwise", df, participant_id=args.participant_id, winner=args.winner, loser=args.loser
        )
    pid = args.participant_id or "participant_id"
    iid = args.item_id or "item_id"
    rank = args.rank or "rank"
    if {pid, iid, rank} <= cols:
        return _Input(
            "ballots", df, participant_id=args.participant_id, item_id=args.item_id, rank=args.rank
        )
    raise ValidationError(
        f"expected a ballots table (columns {pid}, {iid}, {rank}) or pairwise comparisons "
        f"(columns {winner}, {loser}); found columns {df.columns}",
        file=path,
        line=1,
    )


def run(args: argparse.Namespace) -> int:
    """Run ``coprod rank``: print a table (or JSON).

    Parameters
    ----------
    args : argparse.Namespace
        Parsed by the parser of :func:`add_parser`.

    Returns
    -------
    int
        The exit code (0).

    Examples
    --------
    >>> import argparse, tempfile, pathlib
    >>> f = pathlib.Path(tempfile.mkdtemp()) / "b.csv"
    >>> _ = f.write_text("participant_id,item_id,rank\\n1,a,1\\n1,b,2\\n2,a,1\\n2,b,2\\n")
    >>> parser = argparse.ArgumentParser(prog="coprod")
    >>> _ = add_parser(parser.add_subparsers())
    >>> args = parser.parse_args(["rank", str(f), "--method", "borda"])
    >>> args.func(args)  # doctest: +ELLIPSIS
    borda: winner a; ranking a > b; 2 ballots
    ...
    0
    """
    path = Path(args.file)
    data = _load(path, args)
    if args.method == "bradley-terry":
        from coprod_analytics.preferences.pairwise import bradley_terry_pairwise

        if data.kind == "ballots":
            comparisons = _ballots_to_comparisons(data, path)
            bt = bradley_terry_pairwise(comparisons, l2=args.l2, alpha=args.alpha)
        else:
            bt = bradley_terry_pairwise(
                data.table,
                winner=data.winner,
                loser=data.loser,
                participant_id=data.participant_id,
                l2=args.l2,
                alpha=args.alpha,
                file=path,
            )
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
        if data.kind != "ballots":
            raise ValidationError(
                f"method '{args.method}' needs ranked ballots; this file holds pairwise "
                "comparisons (use --method bradley-terry)",
                file=path,
            )
        from coprod_analytics.preferences.rankings import rank_ballots

        res = rank_ballots(
            data.table,
            method=args.method,
            participant_id=data.participant_id,
            item_id=data.item_id,
            rank=data.rank,
            file=path,
        )
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


def _ballots_to_comparisons(data: _Input, path: Path) -> pl.DataFrame:
    """Weighted comparisons (winner, loser, weight) from every strict pair of every ballot."""
    from coprod_analytics.preferences.rankings import majority_matrix, validate_ballots

    pid, iid = data.participant_id, data.item_id
    validate_ballots(data.table, participant_id=pid, item_id=iid, value=data.rank, file=path)
    mm = majority_matrix(data.table, participant_id=pid, item_id=iid, rank=data.rank)
    alts = mm["item_id"].to_list()
    rows = [
        (a, b, float(mm[b][i]))
        for i, a in enumerate(alts)
        for b in alts
        if a != b and float(mm[b][i]) > 0
    ]
    return pl.DataFrame(
        rows, schema={"winner": pl.String, "loser": pl.String, "weight": pl.Float64}, orient="row"
    )
