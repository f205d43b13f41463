"""``coprod topics``: topics and near-duplicates of short texts, offline and seeded.

PATH is anything ``coprod info`` reads (its statements are used; a folder of input tables
uses its free_text table) or a CSV/TSV file with an id column (id, text_id or statement_id)
and a text column. Without ``--json`` a readable summary is printed; with ``--json`` one
JSON object: {"topics": [{"topic", "label", "size", "quotes": [ids]}], "assignments":
[{"id", "topic"}], "near_duplicates": [{"a", "b", "score"}]}, ids as strings. The same
input and seed give the same JSON. Nothing is downloaded: the default vectors need no model,
and --backend wordllama loads the model shipped inside the wordllama package (install it with
pip install "coprod-analytics[text]").
"""

from __future__ import annotations

import argparse
import json
from typing import Any

from coprod_analytics.cli import plain_text

__all__ = ["add_parser", "run"]


def add_parser(subparsers: Any) -> argparse.ArgumentParser:
    """Register ``topics`` on the ``coprod`` sub-parsers.

    Parameters
    ----------
    subparsers : argparse sub-parsers action
        The ``coprod`` sub-parsers.

    Returns
    -------
    argparse.ArgumentParser
        The ``topics`` parser.

    Examples
    --------
    >>> import argparse
    >>> sub = argparse.ArgumentParser(prog="coprod").add_subparsers()
    >>> add_parser(sub).parse_args(["ideas.csv", "--json"]).n_topics is None
    True
    """
    parser: argparse.ArgumentParser = subparsers.add_parser(
        "topics",
        help="topics and near-duplicates of statements or open answers (offline, seeded)",
        description=plain_text(__doc__),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("path", metavar="PATH", help="inquiry input or a CSV/TSV of id, text")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    parser.add_argument(
        "--n-topics",
        dest="n_topics",
        type=int,
        default=None,
        help="number of topics (default: chosen by modularity, 2 to --max-topics)",
    )
    parser.add_argument(
        "--max-topics", dest="max_topics", type=int, default=10, help="largest k tried (10)"
    )
    parser.add_argument(
        "--backend",
        choices=("tfidf", "wordllama"),
        default="tfidf",
        help="text vectors: tfidf (default, no model) or wordllama (the text extra)",
    )
    parser.add_argument(
        "--threshold",
        type=float,
        default=0.8,
        help="smallest near-duplicate score listed (default 0.8)",
    )
    parser.set_defaults(func=run)
    return parser


def run(args: argparse.Namespace) -> int:
    """Run ``coprod topics``; prints a summary (or JSON) and returns the exit code.

    Parameters
    ----------
    args : argparse.Namespace
        Parsed arguments (see :func:`add_parser`).

    Returns
    -------
    int
        0 on success (errors raise :class:`~coprod_analytics.errors.CoprodError`, which
        ``coprod`` prints as one line with exit code 2).

    Examples
    --------
    >>> import argparse, tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "ideas.csv"
    >>> _ = p.write_text("id,text\\n1,More buses\\n2,more buses!\\n3,Plant trees\\n")
    >>> run(argparse.Namespace(path=str(p), json=True, seed=0, n_topics=1, max_topics=10,
    ...                        backend="tfidf", threshold=0.8))  # doctest: +ELLIPSIS
    {"topics": [{"topic": 1, ...}], ..., "near_duplicates": [{"a": "1", "b": "2", "score": 1.0}]}
    0
    """
    from coprod_analytics.text.corpus import read_texts
    from coprod_analytics.text.duplicates import near_duplicates
    from coprod_analytics.text.topic_model import topics

    frame = read_texts(args.path)
    res = topics(
        frame,
        n_topics=args.n_topics,
        max_topics=args.max_topics,
        backend=args.backend,
        seed=args.seed,
        progress=not args.json,
    )
    dups = near_duplicates(frame, threshold=args.threshold, seed=args.seed)
    if args.json:
        print(json.dumps(res.to_json_dict(dups.pairs), ensure_ascii=False))
    else:
        print(res.summary())
        print(dups.summary())
    return 0
