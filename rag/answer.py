"""Answering a question: understand it, route it to facts and/or passages, compose a cited answer.

Deterministic (no LLM): figures come from table cells via FactAnswerer, narrative from the best
passages of hybrid retrieval, quoted in the report's own characters. A figure narrowed by a
qualifier no table column holds (网上, 县本级: template.QUALIFIER_WORDS) gets the table's overall
figure, labelled as such, beside the passage that states the narrower figure. Unknown bodies, missing years and questions nothing answers get
kind "not_found" saying what the store does hold; several matching bodies get kind "clarify".
"""

from __future__ import annotations

import copy
import re
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from functools import lru_cache

from nianbao import template as T
from nianbao.settings import get_settings
from nianbao.text import clean_original, to_simplified
from rag.compose import Citation, Citations, escape_md, key_sentences, quote_block
from rag.factanswer import MAX_UNSCOPED, FactAnswerer, FactBook
from rag.query import Catalog, Context, Query, understand
from rag.retrieve import Hit, Retriever, store_signature
from rag.textnumbers import (
    CHANGE_WORDS,
    asked_unit,
    asks_stock,
    content_terms,
    insists_on_number,
    is_count_question,
    quoted_numbers,
    stated_numbers,
)
from rag.understand import FIGURE_CONFIDENCE, measure_figures, split_clauses

# A passage answers only when it holds enough of the question's content words (IDF-weighted
# coverage, see Retriever.coverage): dense similarity of e5-small barely separates related from
# unrelated report text, while "低保" or "平均答复天数" simply never occur in a report.
COVERAGE_FLOOR = 0.45
MAX_PASSAGES = 3
AVAILABLE_LISTED = 50  # a not-found answer lists the library's bodies up to this many, else counts them
TITLE_MIN_IDF = 1.5  # a word in over ~22% of passages (政务公开, 工作) names no heading
TITLE_SHARE = 0.35  # of the question's distinctive weight, held by the heading
# A question over the collection itself (「哪些报告提到…」「哪个地方…」), not one report's section.
_ACROSS_REPORTS = re.compile(
    r"(?:哪些|哪个|哪几个?|哪份|所有|各个?|全部|每个)(?:报告|年报|地方|机关|单位|部门|地区|政府)|谁|各地|which|any report"
)
# Words that ask what was done rather than name a topic (「采取了哪些做法」「开展了哪些举措」).
_ASKING = re.compile(r"做法|采取|举措|措施|开展|做了|哪些|怎么|如何|情况|工作|方面|具体|主要|有何|有什么|什么")


@dataclass
class Answer:
    """The Answer JSON of DESIGN.md / docs/INTERNALS.md."""

    question: str
    answer: str
    kind: str  # figure | narrative | mixed | not_found | clarify
    figures: list[dict] = field(default_factory=list)
    citations: list[dict] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    latency_ms: float = 0.0
    context: dict = field(default_factory=dict)
    understood: str = ""  # the plan in plain words (「我是这样理解的」), see Query.explain

    def to_dict(self) -> dict:
        return {
            "understood": self.understood,
            "question": self.question,
            "answer": self.answer,
            "kind": self.kind,
            "figures": self.figures,
            "citations": self.citations,
            "warnings": self.warnings,
            "latency_ms": self.latency_ms,
            "context": self.context,
        }


def context_dict(q: Query) -> dict:
    """Context for the next turn: the shared Context fields plus the flat keys of INTERNALS.md."""
    d = Context.from_query(q).to_dict()
    d.update(
        body=q.bodies[0] if q.bodies else None,
        year=q.years[-1] if q.years else None,
        rows=[f.row for f in q.figures],
        columns=[f.column for f in q.figures],
        table=q.figures[0].table if q.figures else None,
    )
    return d


def figure_kinds() -> str:
    """The kinds of figures the reports hold, in plain words, from the template."""
    t2 = "、".join(dict.fromkeys(r.label for r in T.T2_ROWS if "2021" in r.templates))
    t3 = "、".join(r.short for r in T.T3_ROWS if r.parent is None)
    t4 = "、".join(r.short for r in T.T4_ROWS)
    cols = "、".join(T.T3_COLUMNS[c].label for c in T.T3_COLUMN_ORDER[:-1])
    return (
        f"主动公开（{t2}）；依申请公开（{t3}，不予公开等的具体理由，按申请人：{cols}）；"
        f"{t4}（结果维持、结果纠正、其他结果、尚未审结、总计）；以及各部分的文字内容"
        "（总体情况、存在的主要问题及改进情况、其他需要报告的事项）。"
    )


def section_name(path: str) -> str:
    """「五、存在的主要问题及改进情况」 for "五" (template title; printed headings vary)."""
    top = path.split("/")[0]
    sec = T.SECTION_BY_NUMBER.get(top)
    return f"{top}、{sec.title}" if sec else path


_COUNT = re.compile(r"\d+\s*(?:件|个|次|条|项|人次|万元)")


@lru_cache(maxsize=256)
def _counted(word: str) -> re.Pattern:
    """`word` followed closely by a count, within one clause: 「网上申请14件」 「县本级共收到…7件」."""
    return re.compile(re.escape(word) + r"[^。；，\d]{0,24}\d+\s*(?:件|个|次|条|项|人次|万元)")


def _squash(text: str) -> str:
    return re.sub(r"\s+", "", text or "")


class Answerer:
    """Answers questions over one set of stores. Models and caches are loaded once."""

    def __init__(self, stores):  # noqa: ANN001
        self.stores = stores
        self.book = FactBook(stores.facts)
        self.facts = FactAnswerer(self.book)
        self.retriever = Retriever(stores)
        self._catalog: Catalog | None = None
        self._signature: tuple | None = None
        self._lock = threading.Lock()

    def warm(self) -> None:
        """Load what the first question would otherwise pay for: catalog, jieba (understanding and
        BM25), the embedding model, Chroma, OpenCC (quotes), the facts of every report."""
        q = understand("政府信息公开工作存在哪些问题？", self.catalog())
        self.retriever.search(q, k=1, checked=True)
        key_sentences("政務公開工作", q.norm)
        from rag.figuremeaning import nearest_figures

        nearest_figures("政府信息")  # the template's figure catalog, embedded once
        self.book.warm()  # a bounded start: the newest reports, not the corpus
        if get_settings().llm_mode != "off":
            from rag.llm.hooks import warm

            warm()  # the chat model's import and client, not on the first question

    # ---- catalog
    def catalog(self) -> Catalog:
        """The catalog, rebuilt (and caches dropped) when the store's reports changed."""
        sig = store_signature(self.stores.facts)
        with self._lock:
            if sig != self._signature or self._catalog is None:
                self.book.refresh()
                self.retriever.refresh(sig)
                self._catalog = Catalog.from_store(self.stores.facts)
                self._signature = sig
            return self._catalog

    def _context(
        self, catalog: Catalog, history: list | None, context: dict | Context | None
    ) -> Context | None:
        if isinstance(context, Context):
            return context
        if context:
            return Context.from_dict(context)
        ctx = None
        for turn in history or []:
            if isinstance(turn, dict) and turn.get("context"):
                ctx = Context.from_dict(turn["context"])
                continue
            text = turn.get("question") if isinstance(turn, dict) else turn
            if text:
                ctx = Context.from_query(understand(str(text), catalog, context=ctx))
        return ctx

    # ---- answering
    def ask(
        self,
        question: str,
        history: list | None = None,
        body: str | None = None,
        year: int | None = None,
        context: dict | Context | None = None,
    ) -> Answer:
        t0 = time.perf_counter()
        catalog = self.catalog()
        ctx = self._context(catalog, history, context)
        q = understand(question, catalog, context=ctx, body=body, year=year)
        llm = get_settings().llm_mode != "off"  # README "Optional LLM": imported only when a mode is on
        if llm:
            from rag.llm.hooks import replan

            q = replan(q, question, catalog, ctx) or q
        cites = Citations()
        clauses = self._clauses(q, catalog, ctx, body, year)
        if clauses:
            ans = self._merge(q, [self._answer(c, catalog, cites) for c in clauses])
        else:
            ans = self._answer(q, catalog, cites)
        one_report = clauses or q.operation in ("single", "breakdown", "share", "sum")
        bal = self.facts.balance(cites) if ans.kind in ("figure", "mixed") and one_report else None
        if bal is not None:
            ans.answer += "\n\n" + bal.text
            ans.figures += [f.to_dict() for f in bal.figures]
        if llm:
            from rag.llm.hooks import rewrite

            ans = rewrite(ans, q, cites.to_list())
        ans.answer += cites.markdown()
        ans.citations = cites.to_list()
        ans.understood = "\n\n".join(c.explain() for c in clauses) if clauses else q.explain()
        ans.latency_ms = round((time.perf_counter() - t0) * 1000, 1)
        return ans

    def plan(
        self,
        question: str,
        history: list | None = None,
        body: str | None = None,
        year: int | None = None,
        context: dict | Context | None = None,
    ) -> list[Query]:
        """How a question is understood, without answering it (`python -m rag explain`): one plan,
        or one per clause when the question asks several things at once (as `ask` answers it)."""
        catalog = self.catalog()
        ctx = self._context(catalog, history, context)
        q = understand(question, catalog, context=ctx, body=body, year=year)
        return self._clauses(q, catalog, ctx, body, year) or [q]

    @staticmethod
    def _clauses(
        q: Query, catalog: Catalog, ctx: Context | None, body: str | None, year: int | None
    ) -> list[Query]:
        """The clauses of a several-part question, each understood as a follow-up of the one
        before (「行政诉讼有多少件？被纠正了几件？」), when the whole question's understanding misses
        a figure some clause asks for; [] when the whole question is answered as one."""
        if q.more_measures:  # 「公开率和办结率各是多少」: one plan per measure, in the order asked
            return [q] + [
                replace(copy.deepcopy(q), measure=m, more_measures=[], figures=measure_figures(m, []), notes=[])
                for m in q.more_measures
            ]
        texts = split_clauses(q.text)
        if len(texts) < 2:
            return []
        parts: list[Query] = []
        prev = ctx
        for text in texts:
            cq = understand(text, catalog, context=prev, body=body, year=year)
            parts.append(cq)
            prev = Context.from_query(cq)

        def asked(x: Query) -> set:
            return {(f.table, f.row, f.column) for f in x.figures} | ({x.measure} if x.measure else set())

        whole = asked(q)
        missed = any(asked(cq) - whole for cq in parts)
        return parts if missed and all(cq.figures or cq.measure for cq in parts) else []

    @staticmethod
    def _merge(q: Query, parts: list[Answer]) -> Answer:
        """One answer of the clauses' answers, in order; they already share one Citations."""
        for a in parts:
            if a.kind == "clarify":  # which body is meant is asked once, not once per clause
                a.question = q.text
                return a
        kinds = {a.kind for a in parts}
        figures: list[dict] = []
        for a in parts:
            figures += [f for f in a.figures if f not in figures]
        return Answer(
            question=q.text,
            answer="\n\n".join(dict.fromkeys(a.answer for a in parts if a.answer)),
            kind=kinds.pop() if len(kinds) == 1 else "mixed",
            figures=figures,
            warnings=list(dict.fromkeys(w for a in parts for w in a.warnings)),
            context=parts[-1].context,
        )

    def stream(self, question: str, **kwargs) -> Iterator[str]:
        """The answer's markdown in pieces (paragraphs), for the web chat."""
        ans = self.ask(question, **kwargs)
        parts = ans.answer.split("\n\n")
        for i, part in enumerate(parts):
            yield part + ("\n\n" if i < len(parts) - 1 else "")

    def _answer(self, q: Query, catalog: Catalog, cites: Citations) -> Answer:
        """The answer's text without its source list: `cites` may be shared by several clauses,
        and ask() appends the one list (and fills `citations`) when all are answered."""
        notes = [escape_md(n) for n in q.notes]
        warnings: list[str] = []

        if not catalog.bodies:
            return self._final(q, "not_found", ["库中还没有任何年报。请先导入报告。"], [], warnings)

        if q.ambiguous_bodies and not q.bodies:
            if q.operation == "compare":
                q.bodies = list(q.ambiguous_bodies)
            else:
                return self._clarify(q, catalog, q.ambiguous_bodies)

        if q.unknown_bodies and not q.bodies:
            names = "、".join(f"「{escape_md(b)}」" for b in q.unknown_bodies)
            text = [f"库中没有{names}的政府信息公开年报，无法回答。", self._available(catalog)]
            return self._final(q, "not_found", text, [], warnings)
        if q.unknown_bodies and q.operation not in ("compare", "rank"):
            # 「淮安市清江浦区」: a body the store lacks, even if a broader name in it matched.
            names = "、".join(f"「{escape_md(b)}」" for b in q.unknown_bodies)
            text = [f"库中没有{names}的政府信息公开年报，无法回答。", self._available(catalog)]
            return self._final(q, "not_found", text, [], warnings)
        if q.unknown_bodies:
            names = "、".join(escape_md(b) for b in q.unknown_bodies)
            notes.append(f"库中没有{names}的年报，以下只回答库中已有的机关。")

        if q.years_missing:
            bodies = q.bodies or list(catalog.bodies)
            have = sorted({y for b in bodies for y in catalog.years.get(b, [])})
            present = [y for y in q.years if y in have]
            missing = "、".join(f"{y}年" for y in q.years_missing)
            if not present:
                who = "、".join(bodies) if q.bodies else "库中任何机关"
                text = [
                    f"{escape_md(who)}没有{missing}的年报，无法回答。",
                    f"现有年份：{'、'.join(f'{y}年' for y in have) or '无'}。",
                    self._available(catalog),
                ]
                return self._final(q, "not_found", text, [], warnings)
            notes.append(f"库中没有{missing}的报告，以下只回答已有年份。")

        if q.not_tabulated:
            return self._final(q, "not_found", notes, [], warnings)
        if len(q.bodies) >= 2 and not (q.figures or q.measure) and q.operation == "compare" and not q.wants_narrative:
            return self._what_to_compare(q)
        unsure = bool(q.figures or q.measure) and q.confidence < FIGURE_CONFIDENCE
        wants_facts = bool(q.figures or q.measure) and not unsure
        fact_res = None
        if wants_facts:
            if q.ambiguous_bodies and not q.bodies:
                q.bodies = list(q.ambiguous_bodies)
            if not q.bodies and len(catalog.bodies) > 1 and q.operation not in ("rank", "compare"):
                each = self._unscoped(q, catalog)
                if not each:
                    return self._clarify(q, catalog, sorted(catalog.bodies))
                notes.append(each)
            fact_res = self.facts.answer(q, catalog, cites)
            if fact_res is not None and fact_res.kind == "not_found":
                notes.append(fact_res.text)  # e.g. the report's template has no such row
                fact_res = None

        if not wants_facts and not q.bodies and q.section and not _ACROSS_REPORTS.search(q.norm):
            # 「存在的主要问题有哪些？」 asks one report's section; with no body named and more reports
            # than a short answer can quote, ask which one rather than quote some of them
            years = set(q.years)
            n = sum(1 for ys in catalog.years.values() for y in ys if not years or y in years)
            if n > MAX_UNSCOPED:
                return self._clarify(q, catalog, sorted(catalog.bodies))
        hits: list[Hit] = []
        retrieved: list[Hit] = []
        if q.wants_narrative or not wants_facts:
            hits = self._passages(q, catalog, retrieved)
        stated: list[dict] = []
        if q.qualifiers and fact_res is not None and is_count_question(q.norm):
            _, stated, _ = self._stated(q, catalog, hits, cites, retrieved)  # 「书面申请几件」: the narrower count
        elif q.operation == "diff" and q.years_missing and fact_res is not None:
            # the year before is not in the store: the report itself often states the change (较上年增长12%)
            hits, stated, _ = self._stated(q, catalog, hits, cites, retrieved, any_of=CHANGE_WORDS)
        elif not wants_facts and is_count_question(q.norm):
            hits, stated, missing = self._stated(q, catalog, hits, cites, retrieved)
            if missing:
                return self._final(q, "not_found", [*notes, missing], [], warnings)
            if unsure and not stated:
                return self._unsure(q, catalog, hits)
        elif unsure and not hits:
            return self._unsure(q, catalog, hits)

        if q.qualifiers and q.figures and fact_res is not None:
            words = "、".join(f"「{escape_md(w)}」" for w in q.qualifiers)
            if hits or stated:
                notes.append(f"报告表格不区分{words}，表中只有合计数（如下）；正文中的相关说法见下文引述。")
            else:
                notes.append(f"报告没有给出按{words}统计的数字：表格不区分{words}，正文也没有提到。表中的合计数如下，仅供参考。")
        parts = list(notes)
        figures: list[dict] = []
        if fact_res is not None:
            parts.append(fact_res.text)
            figures = [f.to_dict() for f in fact_res.figures]
            warnings.extend(fact_res.warnings)
        quoted = self._quoted(fact_res.quotes, cites) if fact_res is not None else ""
        if quoted:
            parts.append(quoted)
        if stated:
            parts.append(self._stated_line(stated, cites))
            figures += stated
        if hits:
            quoted_figs: list[dict] = []
            parts.extend(self._narrative(q, hits, cites, must=[f["label"] for f in stated], figures=quoted_figs))
            have = {(f.get("report"), f.get("value"), f.get("unit")) for f in stated}
            figures += [f for f in quoted_figs if (f["report"], f["value"], f["unit"]) not in have]

        if fact_res is None and not hits and len(q.bodies) >= 2 and q.operation == "compare" and not (q.figures or q.measure):
            return self._what_to_compare(q)  # 「平潭和洪泽哪个好」: no passage answers it as asked either
        if fact_res is None and not hits:
            if wants_facts:
                text = notes + [
                    "所选报告的表格中没有找到这一数字。",
                    self._available(catalog),
                ]
            else:
                text = notes + [
                    "报告中没有找到与这个问题相关的内容。",
                    self._available(catalog),
                ]
            return self._final(q, "not_found", text, [], warnings)
        # a count the narrative states, given as the answer beside its quote, is a figure with its passage
        kind = (
            "mixed"
            if (fact_res is not None and (hits or quoted)) or (stated and hits)
            else ("figure" if fact_res is not None else "narrative")
        )
        if kind == "figure" and not figures:
            # every cell asked is printed so that it cannot be read one way (「898989」): no figure is
            # given, the candidates are shown — the report does not say it legibly
            kind = "not_found"
        if q.qualifiers and fact_res is not None and not hits and not stated:
            # 「网上提交的申请多少件」: neither table nor text counts that way — the figure asked is not
            # in the report; the overall count stays beside it for reference, not as the answer
            kind = "not_found"
        return self._final(q, kind, parts, figures, warnings)

    def _passages(self, q: Query, catalog: Catalog, pool: list[Hit] | None = None) -> list[Hit]:
        """The passages that answer `q`; `pool`, when given, receives every passage retrieved."""
        strip = catalog.names_in(q.norm, q.text, q.unexplained)
        hits = self.retriever.search(
            q, bodies=q.bodies or None, years=q.years or None, k=MAX_PASSAGES * 2, strip=strip, checked=True
        )
        if pool is not None:
            pool.extend(hits)
        if q.qualifiers and q.figures:
            return self._in_report_order(self._qualified(q, hits))
        # A passage in the section the question points to (问题/改进 -> 五) answers it as such;
        # elsewhere a passage must hold enough of the question's content words.
        in_section = [h for h in hits if q.section and h.top_section == q.section]
        titled = [h for h in self._titled(q, hits, strip) if not q.section or h.top_section == q.section]
        if titled:  # a subsection's own heading names the topic: narrower than the section
            chosen = titled
        elif in_section:
            chosen = in_section[: MAX_PASSAGES + 1]  # a section's list often runs over passages
        else:
            good = [h for h in hits if h.coverage >= COVERAGE_FLOOR]
            if not good:
                return []
            best = max(h.coverage for h in good)
            chosen = [h for h in good if h.coverage >= best * 0.6][:MAX_PASSAGES]
        return self._in_report_order(chosen)

    def _titled(self, q: Query, hits: list[Hit], strip: list[str]) -> list[Hit]:
        """The passages of the subsection whose own heading names the question's topic
        (「监督保障上做了什么」 -> 「（五）监督保障方面」), read in order from its first passage.
        A report's headings are its own index of topics: a passage under the right heading answers
        even when a general passage shares more of the question's common words. Only distinctive
        words count (a word most passages use, such as 政务公开, names no heading); a heading must
        hold at least half the question's distinctive weight."""
        terms = self.retriever.content_terms(self.retriever.query_text(q, strip))
        weights = {t: self.retriever.idf(t) for t in terms}
        weights = {t: w for t, w in weights.items() if w >= TITLE_MIN_IDF and not _ASKING.search(t)}
        total = sum(weights.values())
        if not total:
            return []
        best: list[tuple[float, int, list]] = []
        reports = list(dict.fromkeys(h.passage.report_id for h in hits))[:MAX_PASSAGES]
        for rank, rid in enumerate(reports):
            sections: dict[str, list] = {}
            for p in self.stores.facts.passages(report_id=rid):
                sections.setdefault(p.section, []).append(p)
            scored = []
            for ps in sections.values():
                title = to_simplified(clean_original(ps[0].section_title or "")).lower()
                got = sum(w for t, w in weights.items() if t in title)
                scored.append((got / total, ps))
            top = max((sc for sc, _ in scored), default=0.0)
            winners = [ps for sc, ps in scored if sc == top]
            if top >= TITLE_SHARE and len(winners) == 1:  # two headings tie: the title does not decide
                best.append((top, rank, winners[0]))
        if not best:
            return []
        best.sort(key=lambda x: (-x[0], x[1]))
        per = MAX_PASSAGES + 1 if len(best) == 1 else 2
        return [Hit(p, 0.0, coverage=1.0) for _, _, ps in best[:MAX_PASSAGES] for p in ps[:per]]

    @staticmethod
    def _qualified(q: Query, hits: list[Hit]) -> list[Hit]:
        """For 「网上申请多少件」: the passages that state a count right after the qualifier words
        (「网上申请14件」), else that name them beside some count. The tables cannot answer such a
        question, so only text that says it will do."""

        def score(h: Hit) -> int:
            text = h.passage.search_text or ""
            if not _COUNT.search(text):
                return 0
            named = sum(w in text for w in q.qualifiers)
            counted = sum(bool(_counted(w).search(text)) for w in q.qualifiers)
            return named + 2 * counted

        scored = [(score(h), h) for h in hits]
        best = max((n for n, _ in scored), default=0)
        return [h for n, h in scored if n == best][:MAX_PASSAGES] if best else []

    @staticmethod
    def _in_report_order(chosen: list[Hit]) -> list[Hit]:
        # read passages of one report in the report's order (an enumeration split over two
        # passages stays 一是…二是…), reports in order of their best passage
        first = {}
        for i, h in enumerate(chosen):
            first.setdefault(h.passage.report_id, i)
        return sorted(chosen, key=lambda h: (first[h.passage.report_id], h.passage.seq))

    def _quoted(self, quotes: list[tuple[str, str]], cites: Citations) -> str:
        """Cite the passages whose sentences a text-vs-table warning quotes (「收到75件」)."""
        marks = []
        for rid, quote in quotes:
            key = _squash(quote)[:40]
            for p in self.stores.facts.passages(report_id=rid):
                if key and (key in _squash(p.search_text) or key in _squash(p.text)):
                    cite = Citation(report=rid, body=p.body, year=p.year, section=p.section, text=quote)
                    marks.append(f"[{cites.add(cite)}]")
                    break
        return f"正文原话见{''.join(dict.fromkeys(marks))}。" if marks else ""

    def _narrative(
        self, q: Query, hits: list[Hit], cites: Citations, must: list[str] = (), figures: list[dict] | None = None
    ) -> list[str]:
        """Quote each passage (its key sentences). `figures`, when given, receives the quantities the
        quotes state (source "text"), so the Answer JSON lists every number the answer shows."""
        out = []
        for h in hits:
            p = h.passage
            # quote the original characters (traditional stays traditional), cleaned only of mirror
            # artifacts (pinyin after characters, doubled punctuation, mixed widths); a count the
            # answer states is quoted in the sentence that states it
            quote = key_sentences(p.text or p.search_text, q.norm, must=[*q.qualifiers, *must])
            n = cites.add(
                Citation(report=p.report_id, body=p.body, year=p.year, section=p.section, text=quote)
            )
            head = f"{escape_md(p.body)}{p.year}年报告「{section_name(p.section)}」部分写道[{n}]："
            if figures is not None:
                figures.extend(_text_figure(p, x) for x in quoted_numbers(quote))
            out.append(head + "\n\n" + quote_block(quote))
        return out

    def _unscoped(self, q: Query, catalog: Catalog) -> str:
        """A figure question naming no body: answer for each matching report when there are few
        (a short list beats a question back); '' when there are too many to list."""
        if q.relative_years:
            return ""  # 「去年」 of which body? counting back from the store's newest report is a guess
        years = set(q.years)
        bodies = sorted(b for b, ys in catalog.years.items() if not years or years & set(ys))
        n = sum(len([y for y in catalog.years[b] if not years or y in years]) for b in bodies)
        if not bodies or n > MAX_UNSCOPED:
            return ""
        q.bodies = bodies
        if q.operation == "single":
            q.operation = "each"
        when = f"{'、'.join(str(y) for y in sorted(years))}年" if years else ""
        return f"问题没有指明机关，以下分别列出库中{when}的{n}份报告（{'、'.join(bodies)}）。"

    def _stated(
        self, q: Query, catalog: Catalog, hits: list[Hit], cites: Citations, retrieved: list[Hit],
        any_of: tuple[str, ...] = (),
    ) -> tuple[list[Hit], list[dict], str]:
        """For a count the tables don't hold: the sentences that state it. Returns the passages to
        quote (the stating one first), the numbers as `figures` entries, and a not-found text when
        the asked unit (天, 个 …) is stated nowhere near the question's words."""
        strip = catalog.names_in(q.norm, q.text, q.unexplained)
        # a figure question understanding could not place is about its unplaced words, not 「申请」
        unplaced = q.confidence < FIGURE_CONFIDENCE
        terms = content_terms(q.unexplained if unplaced else q.norm, strip)
        unit = asked_unit(q.norm)
        best: dict[str, tuple] = {}  # report -> (number, hit)

        def scan(candidates: list[Hit]) -> None:
            for h in candidates:
                if not terms and not (q.section and h.top_section == q.section):
                    continue  # no Chinese content words (an English question): only the section it names
                nums = stated_numbers(
                    h.passage.search_text or "", terms, None if any_of else unit, tuple(q.qualifiers),
                    1 if unplaced or any_of else 2, any_of, stock=asks_stock(q.norm),
                )
                rid = h.passage.report_id
                if nums and (rid not in best or nums[0].score > best[rid][0][0].score):
                    best[rid] = (nums, h)

        scan([*hits, *retrieved])
        if q.operation == "trend" and q.bodies:  # 「历年…条数」: each year's report states its own
            years = q.years or sorted({y for b in q.bodies for y in catalog.years.get(b, [])})
            have = {(h.passage.body, h.passage.year) for _, h in best.values()}
            for b in q.bodies:
                for y in [y for y in years if y in catalog.years.get(b, [])][:MAX_UNSCOPED]:
                    if (b, y) not in have:
                        scan(self.retriever.search(q, bodies=[b], years=[y], k=MAX_PASSAGES * 2, strip=strip, checked=True))
        if not best:  # deeper, once: the stating sentence may rank below the passages first retrieved
            scan(self.retriever.search(
                q, bodies=q.bodies or None, years=q.years or None, k=MAX_PASSAGES * 4, strip=strip, checked=True
            ))  # fmt: skip
        if not best:
            if unit and hits and insists_on_number(q.norm):
                return hits, [], (
                    f"报告正文没有给出这一数字（没有找到以「{unit}」计的相关说法）。"
                    "下面是最接近的段落，供参考：\n\n" + "\n\n".join(self._narrative(q, hits[:1], cites))
                )
            return hits, [], ""
        top = max(n[0].score for n, _ in best.values())
        out_hits, figures = [], []
        for nums, h in sorted(best.values(), key=lambda x: (x[1].passage.year, x[1].passage.seq)):
            if nums[0].score < top * 0.5:
                continue
            out_hits.append(h)
            sent = nums[0].sentence
            for n in [x for x in nums if x.sentence == sent][:4]:
                figures.append(_text_figure(h.passage, n))
        rest = [h for h in hits if h not in out_hits]
        return [*out_hits, *rest][:MAX_PASSAGES], figures, ""

    @staticmethod
    def _stated_line(stated: list[dict], cites: Citations) -> str:  # noqa: ARG004
        by_report: dict[tuple, list[str]] = {}
        for f in stated:
            by_report.setdefault((f["body"], f["year"]), []).append(f"**{escape_md(f['label'])}**")
        return "；".join(f"{escape_md(b)}{y}年报告正文写明：" + "、".join(v) for (b, y), v in by_report.items()) + (
            "（正文所述数字，表格不含此项；原句见下文引述）。"
        )

    def _unsure(self, q: Query, catalog: Catalog, hits: list[Hit]) -> Answer:
        """The figure is not identified: say which words could not be placed and offer the nearest
        template figures instead of guessing one. A question about what a counted case was about
        is answered plainly: the tables hold counts only."""
        from rag.figuremeaning import nearest_figures

        if q.asks_content and not hits:
            text = ["年报表格只有件数，不载明具体案件或申请的内容；报告正文中也没有找到相关说明。"]
            return self._final(q, "not_found", text, [], [])

        near = nearest_figures(q.unexplained or q.norm, k=3)
        offer = "、".join(f"「{label}」" for _, _, label in near)
        text = [
            f"我不确定您问的是年报表格中的哪个数字：问题中的「{escape_md(q.unexplained)}」对应不到表格中的栏目，"
            "报告正文中也没有找到相应的说法。",
            f"表格中意思最接近的栏目可能是：{offer}。请换个说法，或直接问其中一项。" if offer else "",
        ]
        return self._final(q, "clarify", text, [], [f"未能确定所问的数字：{q.unexplained}"])

    def _available(self, catalog: Catalog) -> str:
        """What the library holds: every body when they are few; a count and the years when a list
        would bury the answer (a province's archive holds tens of thousands)."""
        if len(catalog.bodies) > AVAILABLE_LISTED:
            years = catalog.all_years
            span = f"{years[0]}—{years[-1]}年" if len(years) > 1 else f"{years[0]}年"
            return (
                f"库中现有{len(catalog.bodies)}个机关{span}的报告；问题里写明机关名称即可查询。"
                f"\n\n可以查询的内容：{figure_kinds()}"
            )
        bodies = "；".join(
            f"{escape_md(b)}（{'、'.join(str(y) for y in catalog.years.get(b, []))}年）"
            for b in sorted(catalog.bodies)
        )
        return f"库中现有的报告：{bodies}。\n\n可以查询的内容：{figure_kinds()}"

    def _what_to_compare(self, q: Query) -> Answer:
        text = [f"您想比较{'、'.join(escape_md(b) for b in q.bodies)}的哪一项、哪一年？", f"可以比较的内容：{figure_kinds()}"]
        return self._final(q, "clarify", text, [], ["问题没有说比较哪一项"])

    def _clarify(self, q: Query, catalog: Catalog, bodies: list[str]) -> Answer:
        items = "\n".join(
            f"- {escape_md(b)}（{'、'.join(str(y) for y in catalog.years.get(b, []))}年）" for b in bodies
        )
        text = [f"这个问题可能指以下几个机关，请说明是哪一个：\n{items}"]
        return self._final(q, "clarify", text, [], [f"问题中的机关不明确：{'、'.join(bodies)}"])

    def _final(
        self,
        q: Query,
        kind: str,
        parts: list[str],
        figures: list[dict],
        warnings: list[str],
    ) -> Answer:
        text = "\n\n".join(p for p in parts if p)
        return Answer(
            question=q.text,
            answer=text,
            kind=kind,
            figures=figures,
            warnings=list(dict.fromkeys(warnings)),
            context=context_dict(q),
        )


def _text_figure(p, n) -> dict:  # noqa: ANN001 - a StoredPassage and a StatedNumber
    """A number the narrative states, in the Answer JSON's figure shape (no cell: source "text")."""
    return {
        "body": p.body, "year": p.year, "table": None, "row": None, "column": None,
        "value": n.value, "unit": n.unit, "label": n.token, "row_label": "",
        "column_label": "", "page": None, "line": None, "report": p.report_id,
        "derived": False, "source": "text", "approx": n.approx,
    }  # fmt: skip
