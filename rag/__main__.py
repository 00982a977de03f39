"""`python -m rag ask "问题" [--json] [--body B] [--year Y] [--home DIR]`: answer one question."""

from __future__ import annotations

import argparse
import json
import os
import sys


def main(argv: list[str] | None = None) -> int:
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    ap = argparse.ArgumentParser(
        prog="python -m rag", description="Nianbao question answering over the store."
    )
    sub = ap.add_subparsers(dest="cmd", required=True)
    ask = sub.add_parser("ask", help="answer one question from the store (NIANBAO_HOME)")
    ask.add_argument("question")
    ask.add_argument("--json", action="store_true", help="print the Answer JSON instead of markdown")
    ask.add_argument("--body", help="restrict to one body (full name, as the report browser shows it)")
    ask.add_argument("--year", type=int, help="restrict to one year")
    ask.add_argument("--home", help="NIANBAO_HOME (default: env NIANBAO_HOME or ./var)")
    ask.add_argument("--context", help="context JSON of the previous answer, for a follow-up question")
    args = ap.parse_args(argv)

    from nianbao.settings import configure
    from rag.answer import Answerer
    from rag.stores import open_stores

    if args.home:
        configure(home=args.home)
    answerer = Answerer(open_stores())
    ctx = json.loads(args.context) if args.context else None
    ans = answerer.ask(args.question, body=args.body, year=args.year, context=ctx)
    if args.json:
        print(json.dumps(ans.to_dict(), ensure_ascii=False, indent=2))
    else:
        print(ans.answer)
    return 0


if __name__ == "__main__":
    sys.exit(main())
