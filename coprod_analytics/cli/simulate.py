"""``coprod simulate``: write a synthetic inquiry (the sample data is made this way)."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any


def add_parser(sub: Any) -> None:
    p = sub.add_parser(
        "simulate",
        help="write a synthetic inquiry with planted opinion groups",
        description=(
            "Write a synthetic inquiry with planted opinion groups, consensus and divisive "
            "statements, pass votes and heavy-tailed participation. --sample writes the sample "
            "citizens' inquiry shipped in data/ (byte for byte)."
        ),
    )
    p.add_argument("-o", "--output", type=Path, required=True, help="folder to write")
    p.add_argument("--sample", action="store_true", help="the sample citizens' inquiry")
    p.add_argument("--participants", type=int, default=150)
    p.add_argument("--statements", type=int, default=60)
    p.add_argument("--groups", type=int, default=3)
    p.add_argument("--votes-per-participant", type=float, default=25.0)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--format", choices=["polis", "parquet"], default="polis", help="output layout")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from coprod_analytics.simulate import sample_inquiry, simulate_inquiry

    if args.sample:
        inquiry = sample_inquiry()
    else:
        inquiry = simulate_inquiry(
            args.participants,
            args.statements,
            n_groups=args.groups,
            votes_per_participant=args.votes_per_participant,
            seed=args.seed,
        )
    if args.format == "polis":
        from coprod_analytics.io.polis import write_polis

        out = write_polis(inquiry, args.output)
        # attributes and the planted truth travel in side tables read_polis merges
        inquiry.participants.write_csv(out / "participants.csv")
        inquiry.statements.select("statement_id", "planted_role", "lean_x", "lean_y").write_csv(
            out / "statements.csv"
        )
    else:
        from coprod_analytics.io.parquet import write_parquet

        out = write_parquet(inquiry, args.output)
    c = inquiry.counts()
    print(
        f"wrote {out}: {c['participants']} participants, {c['statements']} statements, "
        f"{c['votes']} votes"
    )
    return 0
