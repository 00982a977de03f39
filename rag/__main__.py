"""`python -m rag ask "问题" [--json] [--explain] [--body B] [--year Y] [--home DIR]`: answer one question.
`python -m rag explain "问题"`: print only how the question was understood (the plan)."""

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
    ask.add_argument("--explain", action="store_true", help="also print how the question was understood")
    exp = sub.add_parser("explain", help="print how a question is understood (the plan), without answering")
    exp.add_argument("question")
    exp.add_argument("--body")
    exp.add_argument("--year", type=int)
    exp.add_argument("--home")
    exp.add_argument("--context")
    args = ap.parse_args(argv)

    from nianbao.settings import configure
    from rag.answer import Answerer
    from rag.stores import open_stores

    if args.home:
        configure(home=args.home)
    answerer = Answerer(open_stores())
    ctx = json.loads(args.context) if args.context else None
    if args.cmd == "explain":
        plans = answerer.plan(args.question, body=args.body, year=args.year, context=ctx)
        print("我是这样理解的：\n" + "\n\n".join(p.explain() for p in plans))
        return 0
    ans = answerer.ask(args.question, body=args.body, year=args.year, context=ctx)
    if args.explain and not args.json:
        print("我是这样理解的：\n" + ans.understood + "\n")
    if args.json:
        print(json.dumps(ans.to_dict(), ensure_ascii=False, indent=2))
    else:
        print(ans.answer)
    return 0


if __name__ == "__main__":
    sys.exit(main())
