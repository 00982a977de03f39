"""Question understanding: question text + catalog (+ previous turn) -> Query.

Deterministic and fast (well under 5 ms): the lexicon index is built once per process from
nianbao.template, the body-name index (rag.bodies) once per Catalog. Matching is longest-first over the
normalized question (rag.numerals), so 「复议后起诉」 beats 「复议」 and 「淮安洪泽」 beats 「淮安」.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

from nianbao import template as T
from rag.bodies import add_unknown as add_unknown_bodies
from rag.bodies import find as find_bodies
from rag.numerals import normalize_question
from rag.query import Catalog, Context, FigureRef, Query

# ------------------------------------------------------------------------------------------------
# Longest-first span matching over a key set (shared by the lexicon and the body aliases)
# ------------------------------------------------------------------------------------------------


class _KeyIndex:
    """Exact keys -> payloads; finds non-overlapping occurrences, longest key first."""

    def __init__(self) -> None:
        self.payloads: dict[str, list] = {}
        self.lengths: dict[str, set[int]] = {}

    def add(self, key: str, payload) -> None:  # noqa: ANN001
        if not key:
            return
        self.payloads.setdefault(key, []).append(payload)
        self.lengths.setdefault(key[0], set()).add(len(key))

    def find(self, text: str, taken: list[bool] | None = None) -> list[tuple[int, int, str]]:
        hits = []
        for i, ch in enumerate(text):
            for n in self.lengths.get(ch, ()):
                key = text[i : i + n]
                if len(key) == n and key in self.payloads and _word_ok(text, i, i + n):
                    hits.append((i, i + n, key))
        hits.sort(key=lambda h: (h[0] - h[1], h[0]))
        taken = taken if taken is not None else [False] * len(text)
        out = []
        for s, e, k in hits:
            if any(taken[s:e]):
                continue
            for j in range(s, e):
                taken[j] = True
            out.append((s, e, k))
        out.sort()
        return out


def _word_ok(text: str, s: int, e: int) -> bool:
    """ASCII keys must stand as whole words ("fee" is not in "feel")."""
    if not text[s].isascii():
        return True
    before = text[s - 1] if s > 0 else " "
    after = text[e] if e < len(text) else " "
    return not (before.isascii() and before.isalnum()) and not (after.isascii() and after.isalnum())


# ------------------------------------------------------------------------------------------------
# The lexicon (from nianbao.template), built once
# ------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Cue:
    kind: str  # row | applicant | t4col | t2col | section | qualifier
    value: object


def _build_lexicon() -> _KeyIndex:
    idx = _KeyIndex()
    for term in T.LEXICON:
        for w in term.words:
            idx.add(w.lower(), _Cue("row", term))
    for code, words in T.APPLICANT_WORDS.items():
        for w in words:
            idx.add(w.lower(), _Cue("applicant", code))
    for code, words in T.T4_RESULT_WORDS.items():
        for w in words:
            idx.add(w.lower(), _Cue("t4col", code))
    for code, words in T.T2_COLUMN_WORDS.items():
        for w in words:
            idx.add(w.lower(), _Cue("t2col", code))
    for num, words in T.SECTION_WORDS.items():
        for w in words:
            idx.add(w.lower(), _Cue("section", num))
    for kind, words in T.QUALIFIER_WORDS.items():
        for w in words:
            idx.add(w.lower(), _Cue("qualifier", kind))
    for m in T.MEASURES.values():
        for w in m.words:
            idx.add(w.lower(), _Cue("measure", m.code))
    for g in T.COLUMN_GROUPS.values():
        for w in g.words:
            idx.add(w.lower(), _Cue("colgroup", g.code))
    return idx


_LEXICON = _build_lexicon()

# ------------------------------------------------------------------------------------------------
# Years of a Catalog, built once per Catalog (body names: rag.bodies)
# ------------------------------------------------------------------------------------------------

@dataclass
class _CatalogIndex:
    fingerprint: tuple
    newest: int | None
    all_years: list[int]


def _fingerprint(cat: Catalog) -> tuple:
    """O(1) for every question (a sum over 10^4 bodies was milliseconds each time): a rebuilt
    catalog has new dicts, an added body a new length (as rag.bodies._fingerprint)."""
    return (id(cat.bodies), id(cat.years), len(cat.bodies), len(cat.years))


def _index(cat: Catalog) -> _CatalogIndex:
    fp = _fingerprint(cat)
    cached = cat.__dict__.get("_understand_index")
    if cached is not None and cached.fingerprint == fp:
        return cached
    ys = sorted({y for v in cat.years.values() for y in v})
    idx = _CatalogIndex(fp, ys[-1] if ys else None, ys)
    cat.__dict__["_understand_index"] = idx
    return idx


# ------------------------------------------------------------------------------------------------
# Cue patterns
# ------------------------------------------------------------------------------------------------

_PRONOUN = re.compile(
    r"我县|我区|我市|本县|本区|本市|该县|该区|该市|该地|该机关|这个地方|这个县|这个区|这个市|当地|它|他们|their|its\b"
)
_FOLLOWUP = re.compile(
    r"^(那|那么|那个|其中|另外|还有|再看|再问|换成|and\b|what about|how about|then\b)|呢[?？]?$|其中|同期|同一年|[?？]?$(?<=呢)"
)
_RANK = re.compile(
    r"哪个|哪一个|哪家|哪些地方|哪个地方|哪里|排名|排序|排行|最多|最少|最高|最低|前\d+|which\b|most\b|fewest|highest|lowest|rank"
)
_RANK_STRONG = re.compile(r"排名|排序|排行|前\d+名?|rank")
_WHICH_YEAR = re.compile(r"哪[一1]?个?年|哪个年份|哪个年度|which year|what year|in which year")
_TREND = re.compile(
    r"趋势|历年|逐年|每年|各年|每一年|这几年|近几年|这些年|变化情况|走势|trend|over the years|each year|every year"
)
_ALL_YEARS = re.compile(
    r"历年|每年|各年|每一年|所有年份|全部年份|历年来|over the years|each year|every year|all years"
)
_SHARE = re.compile(
    r"比例|占比|占多少|占了多少|占几|占全部|百分之|百分比|%|率|多大比重|几成|\bproportion|\bpercentage|\bpercent|\bshare\b|\brate\b|\bratio\b"
)
_DIFF = re.compile(
    r"增加|减少|增长|下降|上升|降低|变化|增减|多了|少了|多几|少几|差多少|相差|差距|比去年|同比|环比|相比|对比|比较|比上年|和去年比|与去年比"
    r"|increase|decrease|change|compared|versus|\bvs\b|difference|grew|fell"
)
_BREAKDOWN = re.compile(
    r"分别|各类|各项|各种|各自|哪些原因|什么原因|哪些理由|什么理由|原因|理由|构成|明细|细分|分类|分项|哪几类|哪些类型|具体情况|具体数"
    r"|breakdown|broken down|reasons|by reason|by type|each type"
)
_SUM_STRONG = re.compile(r"一共|总共|合计|加起来|加在一起|总和|共计|合起来|in total|altogether|combined")
_EACH = re.compile(r"各(?:是|有|为|自|多少|几)|分别")
_SUM = re.compile(_SUM_STRONG.pattern + r"|总数|sum")  # 总数 may be a column's name (对外公开总数量)
_LIST = re.compile(
    r"有哪些报告|哪些报告|哪些年报|哪些地方|哪些机关|哪些单位|收录|列出|列表|清单|which reports|list\b"
)
_NARRATIVE = re.compile(
    r"怎么|怎样|如何|为什么|为何|做了哪些|做了什么|采取了|哪些措施|什么措施|措施|举措|做法|经验|亮点|介绍|说明|概况|情况怎么样"
    r"|问题|不足|短板|改进|整改|下一步|平台|培训|信息处理费|处理费|解读|主要内容|工作情况"
    r"|\bhow\b(?! many| much| often)|\bwhy\b|what did|what was done|measures|describe|summar"
)
_COUNTISH = re.compile(r"多少|几件|几个|几次|几项|数量|数目|件数|\d+件|how many|number of|count")
_GRANTED_PARTIAL = re.compile(
    r"(?<!部分)(?<!不予)(?<!不)公开(?:和|与|及|或|以及|加|加上|跟|同|还有|,)部分公开|全部或部分公开|granted (?:and|or) partial|(?:in full or in part|fully or partially|in whole or in part)"
)
_LOOKUP = re.compile(r"查信息|查询信息|要信息|获取信息|申请公开|applicants?|requesters?")
_BY_APPLICANT = re.compile(r"谁提|谁申请|谁提出|哪些人|什么人|哪类申请人|申请人(?:是|有)?(?:谁|哪些)|who (?:filed|made|submitted|asked)")
# The bodies below the one named, summed (全市各区, 各县区, 下辖各部门).
_SUBORDINATES = re.compile(r"(?:全(?:市|省|区|县)|下辖|所属)?各(?:区县|县区|区|县|乡镇|街道|部门|委办局)(?:政府)?(?:一共|总共|合计|加起来|共|的总|总)")
_APPLICANT_IS = re.compile(r"申请人(?:是|为|属于)|(?:是|为)(?:自然人|个人)的|只算|仅")
_CONTENT = re.compile(r"是什么事|什么事情|什么内容|哪个案|哪些案|什么案|具体内容|具体是什么|涉及什么|关于什么|哪一件事")
# A reason stated (因为手里没有…): it must be one of the template's. 「出于什么理由」 asks for the reasons instead.
_REASON = re.compile(r"(?:因为|由于|出于|(?<!原)因(?=[\u4e00-\u9fff]{2}))(?!什么|哪些|何|啥|哪种|哪类)")
_WITH_PARTIAL = re.compile(r"全部或部分|(?:含|包括|包含|连同|加上)部分公开")
# Lexicon words that name a table 三 outcome only when the question is about requests
# (「公开了几期常务会议」 is not 予以公开).
_NEEDS_REQUEST_CONTEXT = {
    "公开了",
    "全部公开",
    "received",
    "processed",
    "closed",
    "handled",
    "disclosed",
    "approved",
}
_STRONG_NEW = re.compile(r"新收|收到|受理|received")
_APPLY = re.compile(r"申请|requests?\b|applications?\b")
# 「申请」 as the thing counted (not 「申请了低保」).
_REQUEST_COUNT = re.compile(
    r"公开申请|申请(?:件|数|量|总数|总量)|申请(?:有|是|共|一共)?(?:多少|几)|(?:多少|几)(?:件|个|份)?(?:政府信息公开|信息公开)?申请"
    r"|requests?\b|applications?\b"
)

_RANGE = re.compile(
    r"(?<!\d)(20\d{2}|19\d{2}|\d{2})\s*年?度?\s*(?:-|–|—|~|～|到|至|through|to)\s*(20\d{2}|19\d{2}|\d{2})(?!\d)\s*年?"
)
_YEAR4 = re.compile(r"(?<!\d)(19[89]\d|20\d{2}|2100)(?!\d)(?!\s*(?:件|个|元|万|家|项|次|%|名|位))")
_YEAR2 = re.compile(r"(?<![\d.近前后这那多几过去])(\d{2})\s*年(?!来|间|内|以来|代)")
_LASTN = re.compile(r"(?:近|最近|过去|这|前|last|past)\s*(\d{1,2})\s*(?:个)?\s*(?:年|years?)")
_LASTN_EN = re.compile(r"(?:last|past) (two|three|four|five) years")
_BARE_N_YEARS = re.compile(r"(?<![\d近最过这前])([2-9])\s*个?年(?!来|间|内|以来)")
_FEW_YEARS = re.compile(r"近几年|这几年|近年来|最近几年|recent years")
_THIS_YEAR = re.compile(r"今年|本年度(?!新收|制发|废止|办理|结转)|this year")
_LAST_YEAR = re.compile(
    r"去年(?!结转)|上一年度?(?!度|结转|项目)|上个年度|上年度(?!结转)|last year|previous year|prior year"
)
_YEAR_BEFORE = re.compile(r"前年|year before last")
_EN_NUM = {"two": 2, "three": 3, "four": 4, "five": 5}


# ------------------------------------------------------------------------------------------------
# Parts
# ------------------------------------------------------------------------------------------------


def _years(
    norm: str, idx: _CatalogIndex, anchor: int | None, notes: list[str]
) -> tuple[list[int], str | None]:
    """Years the question names, and a hint: 'range' | 'lastn' | 'all' | 'relative' | None."""
    years: list[int] = []
    hint = None
    text = norm

    def full(y: str) -> int:
        v = int(y)
        return v if v >= 100 else 2000 + v

    for m in _RANGE.finditer(text):
        a, b = full(m.group(1)), full(m.group(2))
        if 1990 <= a < b <= 2100 and b - a <= 30:
            years += range(a, b + 1)
            hint = "range"
            text = text[: m.start()] + " " * (m.end() - m.start()) + text[m.end() :]
    for m in _YEAR4.finditer(text):
        if not re.search(
            r"结转(?:到|至)\s*$", text[max(0, m.start() - 4) : m.start()]
        ):  # 结转到2025年 = carried_out
            years.append(int(m.group(1)))
    for m in _YEAR2.finditer(text):
        years.append(2000 + int(m.group(1)))
    # 「24年年报里说2025年准备…」: a year naming the report itself decides which report; the other
    # years are what the report talks about (its plans for next year)
    report_years = {y for y in years if re.search(rf"(?:{y}|{y % 100})\s*年?(?:度)?(?:的)?(?:年报|年度报告|报告)", text)}
    if report_years and set(years) - report_years:
        notes.append(f"按{'、'.join(str(y) for y in sorted(report_years))}年的报告回答（其余年份是报告所谈的内容）")
        years = [y for y in years if y in report_years]
    explicit = sorted(set(years))

    base = explicit[-1] if explicit else anchor
    if base is not None:
        rel = []
        if _LAST_YEAR.search(norm):
            rel.append((base - 1, "去年" if "去年" in norm else "上一年"))
        if _YEAR_BEFORE.search(norm):
            rel.append((base - 2, "前年"))
        if _THIS_YEAR.search(norm) and not explicit:
            rel.append((base, "今年"))
        for y, word in rel:
            years.append(y)
            notes.append(f"「{word}」按{y}年理解（以{base}年为基准）")
            hint = hint or "relative"

    n = None
    m = _LASTN.search(norm)
    if m:
        n = int(m.group(1))
    elif (m := _LASTN_EN.search(norm)) is not None:
        n = _EN_NUM[m.group(1)]
    elif _FEW_YEARS.search(norm):
        n = 3
    elif not explicit and (m := _BARE_N_YEARS.search(norm)) is not None:
        n = int(m.group(1))
    if n and 1 < n <= 30 and anchor is not None:
        years += range(anchor - n + 1, anchor + 1)
        hint = "lastn"
        notes.append(f"「近{n}年」按{anchor - n + 1}–{anchor}年理解")
    elif _ALL_YEARS.search(norm) and not years:
        hint = "all"
    return sorted(set(years)), hint


def _figures(
    norm: str, hits: list[tuple[int, int, str]]
) -> tuple[list[FigureRef], list[str], dict, list[str]]:
    """Figures, applicant columns, per-table column words, narrative sections — from lexicon hits."""
    figs: list[FigureRef] = []
    applicants: list[str] = []
    cols: dict[str, list[str]] = {"四": [], "二": [], "measure": [], "group": []}
    sections: list[str] = []

    def add(table: str, row: str, related: tuple[str, ...] = ()) -> None:
        for f in figs:
            if f.table == table and f.row == row:
                return
        figs.append(FigureRef(table, row, None, list(related)))

    if _GRANTED_PARTIAL.search(norm):
        add("三", "granted")
    about_requests = bool(_APPLY.search(norm))
    specific_suit = any(
        c.kind == "row" and c.value.table == "四" and c.value.row.startswith("suit") and not c.value.related
        for _, _, k in hits
        for c in _LEXICON.payloads[k]
    )
    for _, _, key in hits:
        if key in _NEEDS_REQUEST_CONTEXT and not about_requests:
            continue
        for cue in _LEXICON.payloads[key]:
            if cue.kind == "row":
                term = cue.value
                if (
                    term.table == "四" and term.related
                ):  # generic 诉讼: both lawsuit rows, unless one is named
                    if not specific_suit:
                        add(term.table, term.row)
                        for r in term.related:
                            add(term.table, r)
                else:
                    add(term.table, term.row, term.related)
            elif cue.kind == "applicant" and cue.value not in applicants:
                applicants.append(cue.value)
            elif cue.kind in ("t4col", "t2col"):
                lst = cols["四" if cue.kind == "t4col" else "二"]
                if cue.value not in lst:
                    lst.append(cue.value)
            elif cue.kind == "section" and cue.value not in sections:
                sections.append(cue.value)
            elif cue.kind in ("measure", "colgroup"):
                lst = cols["measure" if cue.kind == "measure" else "group"]
                if cue.value not in lst:
                    lst.append(cue.value)
    # A row named by a generic word and also by a more specific child: keep the specific one.
    codes = {f.row for f in figs}
    figs = [f for f in figs if not any(c.startswith(f.row + ".") for c in codes)]
    # 「多少申请被拒绝」: 「申请」 only says what is counted; the outcome row is the figure asked.
    # Keep `new` where it is named as such (新收/收到) or is the base of a share.
    outcome = [f for f in figs if f.table == "三" and f.row != "new"]
    keep_new = re.search(r"新收", norm) or (_STRONG_NEW.search(norm) and _SHARE.search(norm))
    if outcome and not keep_new:
        figs = [f for f in figs if f.row != "new"]
    return figs, applicants, cols, sections


def _qualifiers(hits: list[tuple[int, int, str]]) -> list[str]:
    """Qualifier words of the question (网上, 书面, 县本级 …) that no table column distinguishes."""
    out: list[str] = []
    for _, _, key in hits:
        if any(c.kind == "qualifier" for c in _LEXICON.payloads[key]) and key not in out:
            out.append(key)
    return out


def _apply_columns(figs: list[FigureRef], cols: dict, applicants: list[str]) -> list[FigureRef]:
    """Put column words onto the figures of their table (四: result; 二: issued/repealed/in_force; 三: applicant).

    Table 二 questions often ask for several columns of one row (「制发、废止和现行有效各多少」):
    each column asked becomes its own FigureRef, in the order the question names them.
    """
    out = []
    for f in figs:
        cols_for = [f.column]
        if f.table == "四" and cols["四"]:
            cols_for = list(cols["四"])  # 「维持几件、纠正几件」: every result asked, in order
        elif f.table == "二" and cols["二"]:
            allowed = T.row("二", f.row).columns
            cols_for = [c for c in cols["二"] if c in allowed] or [f.column]
        elif f.table == "三" and len(applicants) == 1:
            cols_for = [applicants[0]]
        out.extend(FigureRef(f.table, f.row, col, list(f.related)) for col in cols_for)
    return out


def _operation(q: Query, norm: str, hint: str | None, n_figs_named: int, n_bodies_named: int = 0) -> str:
    if _LIST.search(norm) and not q.figures:
        return "list"
    if _WHICH_YEAR.search(norm) and q.figures and n_bodies_named <= 1 and len(q.bodies) <= 1:
        return "rank_years"  # 「平潭哪年的申请量最高」: the years of one body, not bodies in one year
    if _RANK_STRONG.search(norm):
        return "rank"
    if _RANK.search(norm) and re.search(r"哪|which", norm) and q.figures and n_bodies_named < 2:
        return "rank"  # 「哪个…更多」 over named bodies is a comparison of exactly those (below)
    if _SUM.search(norm) and len(q.years) >= 2 and q.figures and not _TREND.search(norm):
        return "sum"  # 「2019到2021年一共新收了多少」: a total over the years
    if _TREND.search(norm) or hint == "all" or len(q.years) >= 3:
        return "trend"
    if len(q.bodies) >= 2:
        return "compare"
    if q.measure or (_SHARE.search(norm) and q.figures):
        return "share"
    summing = _SUM_STRONG.search(norm) or (_SUM.search(norm) and not _EACH.search(norm))
    if summing and (n_figs_named >= 2 or len(q.years) >= 2 or len(q.applicants) >= 2):
        return "sum"  # 「…总数量各是多少」 asks each figure: 总数 there is a column's name, not a sum
    if _BREAKDOWN.search(norm) and q.figures:
        return "breakdown"
    if len(q.years) == 2 or (_DIFF.search(norm) and q.figures and len(q.years) >= 2):
        return "diff"
    if q.wants_narrative and not q.figures:
        return "narrative"
    return "single"


# ------------------------------------------------------------------------------------------------
# The entry point
# ------------------------------------------------------------------------------------------------


def understand(
    question: str,
    catalog: Catalog,
    context: Context | None = None,
    body: str | None = None,
    year: int | None = None,
) -> Query:
    """Parse one question. `context` is the previous turn's state; `body`/`year` are the UI filters."""
    norm = normalize_question(question)
    idx = _index(catalog)
    q = Query(text=question, norm=norm)
    ctx = context if (context and (context.bodies or context.years or context.figures)) else None
    is_followup_shaped = bool(_FOLLOWUP.search(norm)) or len(norm) <= 8

    # ---- bodies
    fixed = [b for b in ([body] if body else []) + (ctx.bodies if ctx else []) if b]
    found = find_bodies(question, norm, catalog, fixed)
    lex_hits = _LEXICON.find(norm, found.taken(len(norm)))
    add_unknown_bodies(found, norm, question, [(s, e) for s, e, _ in lex_hits], _LEXICON.payloads)
    q.bodies, q.ambiguous_bodies, q.unknown_bodies = found.bodies, found.ambiguous, found.unknown
    q.notes += found.notes
    named_bodies = list(found.bodies)
    if not q.bodies and not q.ambiguous_bodies and not q.unknown_bodies:
        if body and body in catalog.bodies:
            q.bodies = [body]
        elif ctx and ctx.bodies:
            q.bodies = list(ctx.bodies)
            q.followup = True
        elif len(catalog.bodies) == 1:
            q.bodies = list(catalog.bodies)
        elif _PRONOUN.search(norm):
            q.notes.append("问题中的「本地/该机关」无法确定指哪个机关，请指明")

    # ---- figures, applicants, narrative
    figs, applicants, cols, sections = _figures(norm, lex_hits)
    n_named = len(figs)
    reused_figs = False
    reuse = ctx and ctx.figures and (is_followup_shaped or not (found.bodies or _YEAR4.search(norm)))
    if not figs and reuse and (applicants or cols["四"] or cols["二"] or not _NARRATIVE.search(norm)):
        figs = [FigureRef(f.table, f.row, f.column, list(f.related)) for f in ctx.figures]
        if not applicants and ctx.applicants:
            applicants = list(ctx.applicants)
            q.column_group = ctx.column_group  # 「那2024年呢」 after 法人或其他组织: still their sum
        q.followup = reused_figs = True
    if not figs and (cols["四"]) and not sections:
        figs = [FigureRef("四", "review")]  # 「被纠正的有多少」: table 四 results default to 行政复议
    defaulted = False
    if not figs and (applicants or cols["group"] or (_REQUEST_COUNT.search(norm) and _COUNTISH.search(norm))):
        figs = [FigureRef("三", "new")]  # 「多少申请」/「企业申请了几件」: the count of requests received
        defaulted = True
    if cols["group"] and not (applicants and q.column_group):
        q.column_group = cols["group"][0]
        applicants = list(T.COLUMN_GROUPS[q.column_group].columns)
    if any((f.table, f.row) == ("二", "fees") for f in figs) and (_APPLY.search(norm) or _LOOKUP.search(norm)):
        # 「申请公开要收费吗」: the fee an applicant pays is the 信息处理费 of section 六, not table 二's
        # 行政事业性收费 (the body's administrative fees, in 万元)
        figs = [f for f in figs if (f.table, f.row) != ("二", "fees")]
        sections = ["六", *[x for x in sections if x != "六"]]
    if figs and _BY_APPLICANT.search(norm) and not applicants and all(f.table == "三" for f in figs):
        q.operation = "breakdown_applicants"  # 「谁提的」: by applicant type
    if applicants and figs and all(f.table == "四" for f in figs):
        if applicants == ["person"] and not _APPLICANT_IS.search(norm):
            # 「被老百姓告了几次」: the people as the generic subject of suing, not a restriction
            q.notes.append("年报表四（行政复议、行政诉讼）不按申请人类型分列，以下是全部案件数。")
            applicants = []
        else:
            q.notes.append("年报表四（行政复议、行政诉讼）不按申请人类型分列，表中没有按申请人区分的复议、诉讼件数。")
            figs, applicants = [], []
            q.not_tabulated = True
    if figs and q.bodies and _SUBORDINATES.search(norm):
        # 「上海市全市各区一共收到多少」: a sum over the bodies below the one named, whose reports the
        # store does not hold — the named body's own report counts only its own requests
        q.notes.append(
            f"问题问的是{'、'.join(q.bodies)}下属各区县（或各部门）的合计；库中只有{'、'.join(q.bodies)}本身的报告，"
            "其表格只统计本机关收到和办理的申请，无法给出下属各单位的合计。"
        )
        figs, applicants = [], []
        q.not_tabulated = True
    q.applicants = applicants
    q.figures = _apply_columns(figs, cols, applicants)
    if q.figures and _CONTENT.search(norm):
        q.confidence = 0.3  # 「纠正的那一件是什么事」: the tables hold counts, not what a case was about
        q.asks_content = True
        q.assumptions.append("问的是具体内容，年报表格只有件数")
    measures = list(cols["measure"])
    if not measures and _SHARE.search(norm) and (_GRANTED_PARTIAL.search(norm) or _WITH_PARTIAL.search(norm)):
        measures = ["disclosure_rate"]  # 「公开（含部分公开）的比例」
    if not measures and _SHARE.search(norm) and "corrected" in cols["四"] and not sections:
        measures = ["correction_rate"]  # 「被纠错的比例」: a table 四 result as a rate is the correction rate
    q.measure = measures[0] if measures else None
    q.more_measures = measures[1:]  # 「公开率和办结率各是多少」: the answerer answers each in turn
    q.figures = measure_figures(q.measure, q.figures)
    if q.figures and not q.measure and not reused_figs:
        _judge(q, norm, found.spans + [(s, e) for s, e, _ in lex_hits], lex_hits, defaulted)
    q.section = sections[0] if sections else None
    q.qualifiers = _qualifiers(lex_hits)
    q.wants_narrative = (
        q.confidence < FIGURE_CONFIDENCE
        or bool(_NARRATIVE.search(norm))
        or (bool(sections) and not _COUNTISH.search(norm))
        or not q.figures  # a count the tables do not hold (条信息, 新媒体, 发布会…) can only come from the text
        or bool(q.qualifiers)  # 网上/县本级: the tables hold only the overall figure; the text may say more
    )
    if q.wants_narrative and sections and not q.section:
        q.section = sections[0]

    # ---- years
    anchor = _anchor(q.bodies, idx, catalog)
    explicit_anchor = None
    same_bodies = not named_bodies or (ctx is not None and set(named_bodies) <= set(ctx.bodies))
    if ctx and ctx.years and same_bodies and not _YEAR4.search(norm):
        explicit_anchor = max(ctx.years)
    elif year:
        explicit_anchor = year
    notes: list[str] = []
    years, hint = _years(norm, idx, explicit_anchor or anchor, notes)
    if hint == "lastn" and explicit_anchor and explicit_anchor != anchor:  # 近N年 counts back from the newest
        notes = []
        years, hint = _years(norm, idx, anchor, notes)
    q.notes += notes
    comparing = _DIFF.search(norm) or "比" in norm
    if hint == "relative" and ctx and ctx.years and explicit_anchor and not _YEAR4.search(norm) and comparing:
        years = sorted(set(years) | {explicit_anchor})
        q.followup = True
    if hint == "all":
        years = sorted({y for b in q.bodies for y in catalog.years.get(b, [])}) if q.bodies else list(_index(catalog).all_years)
    if not years:
        if year:
            years = [year]
        elif ctx and ctx.years:
            have_ctx = {y for b in (q.bodies or list(catalog.bodies)) for y in catalog.years.get(b, [])}
            years = [y for y in ctx.years if y in have_ctx]
            if years:
                q.followup = True
            else:
                q.notes.append(f"{'、'.join(map(str, ctx.years))}年无该机关的年报，未沿用上一问的年份")
        elif re.search(r"这2年|2年", norm) and anchor:
            years = [anchor - 1, anchor]
    q.years = years
    q.relative_years = hint == "relative" and not q.bodies and not (ctx and ctx.years)
    if q.bodies:
        have = {y for b in q.bodies for y in catalog.years.get(b, [])}
    else:  # the whole catalog: its years, cached (not a walk over every body per question)
        have = set(_index(catalog).all_years)
    q.years_missing = [y for y in q.years if y not in have]

    # ---- operation
    if reused_figs and not _operation_cues(norm) and len(q.years) <= 1:
        q.operation = ctx.operation if ctx.operation in ("single", "breakdown", "share") else "single"
        q.measure = q.measure or getattr(ctx, "measure", None)
    elif q.operation != "breakdown_applicants":
        q.operation = _operation(q, norm, hint, n_named, len(named_bodies))
    if q.operation == "compare" and len(found.hits) == 1 and len(found.hits[0][2]) >= 2:
        q.operation = "each"  # 「区政府」 meaning several bodies: list each, nobody asked to compare them
    if _points_inside(q):
        # 「怕影响国家安全而不给公开的」 named the group (不予公开) and words understanding could not
        # place — most likely one of its sub-items: answer with all of them rather than the total alone
        q.operation = "breakdown"
        q.assumptions.append(f"按「{T.row(q.figures[0].table, q.figures[0].row).short}」的各项列出")
    if q.operation == "rank" and len(named_bodies) < 2:
        q.bodies = list(catalog.bodies)
    return q


FIGURE_CONFIDENCE = 0.5  # below this the answer states no figure (see _judge)
# Words that carry no figure meaning of their own: question words, measure words, particles,
# the report's subject. What is left of a question after these, the body, the years and the
# lexicon's words is what understanding could not account for.
_FILLER = re.compile(
    r"\d+|[a-z]+|政府信息公开|信息公开|依申请公开|依申请|依|政府信息|年度报告|年报|报告|申请人|申请|信息"
    r"|多少|几|一共|总共|合计|共计|总数|数量|数目|件数|大概|大约|请问|想知道|知道|查询|查一下|统计|告诉我|帮我"
    r"|是否|有没有|有无|是不是|能不能|可以|怎么样|情况|分别|各自|其中|以及|或者|还有|另外|一下|所有|全部|总体|整体|相关"
    r"|原因|理由|分布|构成|明细|具体|分别|各项|机关|单位|部门|地方|增加|减少|增长|下降|上升|降低|变化|增减|相比|对比|比较|排名|比|哪些|哪个|哪年|哪一年|什么|如何|怎么|为什么|谁|最大|最小|最高|最低|最多|最少|排名|排序|因为|因|而|又|后|方面|本年度|本年|年度|今年|去年|前年|上一年|上年|同比|比例|占比|比率"
    r"|受理|收到|提出|提交|办理|处理|答复|回复|收|提|有|是|的|了|吗|呢|吧|啊|呀|么|在|被|给|对|向|从|把|将|和|与|及|或|并|还|都|也|就"
    r"|这|那|其|该|各|每|个|件|项|次|条|起|宗|类|种|份|位|名|人|年|月|日|共|总|计|请|问|要|想|能|会|多|少|中|里|内|上|下|来|去|过|到"
    r"|[\s,.?!:;()\[\]'\"“”‘’《》【】、，。？！：；（）~～\-—/]"
)
# Lexicon words too general to name a figure alone: they say requests are counted, not which count.
_WEAK_WORDS = {"多少申请", "多少件申请", "申请多少", "申请数量", "申请量", "requests", "applications"}


def _unexplained(norm: str, spans: list[tuple[int, int]]) -> str:
    chars = list(norm)
    for s, e in spans:
        for j in range(s, min(e, len(chars))):
            chars[j] = " "
    return re.sub(r"\s+", " ", _FILLER.sub(" ", "".join(chars))).strip()


def _row_words(figs: list[FigureRef]) -> list[str]:
    """The printed label, short name, aliases and lexicon words of the rows asked about."""
    return [w for f in figs for w in _words_of_row(f.table, f.row)]


def _points_inside(q: Query) -> bool:
    """One group figure (a row with sub-items) asked as a single lookup, with words left over that
    are not the question's frame (Chinese fragments, or an English question whose words are never
    accounted for)."""
    if q.operation != "single" or len(q.figures) != 1 or q.measure or q.confidence < FIGURE_CONFIDENCE:
        return False
    f = q.figures[0]
    meta = T.ALL_ROWS.get((f.table, f.row))
    if meta is None or not meta.group:
        return False
    english = sum(ch.isascii() and ch.isalpha() for ch in q.norm) > len(q.norm) / 2
    return any(len(f) >= 2 for f in q.unexplained.split()) or (english and len(re.findall(r"[a-z]+", q.norm)) >= 8)


def measure_figures(measure: str | None, figures: list[FigureRef]) -> list[FigureRef]:
    """The cells a derived measure is computed from (its numerator and denominator rows)."""
    m = T.MEASURES.get(measure or "")
    if m is not None and m.table == "三":
        return [FigureRef("三", r) for r in m.numerator + m.denominator]
    if m is not None and m.table == "四" and not any(f.table == "四" for f in figures):
        return [FigureRef("四", "review")]
    return figures


def _column_words(figs: list[FigureRef]) -> list[str]:
    """The printed column labels of the tables asked about: 「结果」 of 「行政复议的结果」 is the
    heading of table 四's columns (结果维持, 结果纠正 …), not a word understanding failed to place."""
    return [w for t in dict.fromkeys(f.table for f in figs) for w in _words_of_columns(t)]


@cache
def _words_of_columns(table: str) -> tuple[str, ...]:
    cols = T.COLUMNS.get(table, {})
    return tuple(normalize_question(w) for c in cols.values() for w in (c.label, *c.aliases) if w)


@cache
def _words_of_row(table: str, row: str) -> tuple[str, ...]:
    meta = T.ALL_ROWS.get((table, row))
    out = [normalize_question(meta.label), meta.short, *meta.aliases] if meta is not None else []
    return tuple(out + [w for t in T.LEXICON if (t.table, t.row) == (table, row) for w in t.words])


def _judge(
    q: Query, norm: str, spans: list[tuple[int, int]], hits: list[tuple[int, int, str]], defaulted: bool
) -> None:
    """How sure is it that q.figures is what was asked? A figure that only the question's most
    general words (「申请」「多少」) point to, while other words of the question stay unaccounted
    for (「因为手里没有这个信息而答复不了」), is a guess; so is a reason (因为…) that is not one of the
    template's reasons. A confident wrong figure is worse than asking.

    Words that are part of the asked row's own printed label (「本机关」 of 本机关不掌握相关政府信息)
    count as accounted for."""
    rest = _unexplained(norm, spans)
    for name in q.unknown_bodies:  # a body the store lacks is answered as such, not as an unknown figure
        rest = re.sub(r"\s+", " ", rest.replace(_FILLER.sub(" ", normalize_question(name)).strip(), " ")).strip()
    words = _row_words(q.figures) + _column_words(q.figures)
    rest = " ".join(f for f in rest.split() if len(f) < 2 or not any(f in w for w in words))
    q.unexplained = rest  # fragments, space-separated
    rest = rest.replace(" ", "")
    weak_only = defaulted or all(k in _WEAK_WORDS for _, _, k in hits if _is_row_hit(k))
    if [(f.table, f.row) for f in q.figures] == [("三", "new")] and not _APPLY.search(norm):
        weak_only = True  # 「收到群众诉求多少件」: something received, not information requests
    # a reason row asked (不予公开·国家秘密 …) is itself one of the template's reasons
    reason_row = any(getattr(T.ALL_ROWS.get((f.table, f.row)), "parent", None) for f in q.figures)
    if rest and len(rest) >= 2 and (weak_only or (_REASON.search(norm) and not reason_row)):
        q.confidence = 0.3
        q.assumptions.append(f"问题中的「{'…'.join(q.unexplained.split())}」对应不到年报表格中的栏目")
    elif rest and len(rest) >= 6:
        q.confidence = 0.7
        q.assumptions.append(f"问题中的「{'…'.join(q.unexplained.split())}」未用于查表")


def _is_row_hit(key: str) -> bool:
    return any(c.kind == "row" for c in _LEXICON.payloads.get(key, ()))


def _operation_cues(norm: str) -> bool:
    return any(p.search(norm) for p in (_RANK, _TREND, _SHARE, _DIFF, _BREAKDOWN, _SUM))


def _anchor(bodies: list[str], idx: _CatalogIndex, catalog: Catalog) -> int | None:
    """The 'this year' of relative years: the newest report of the body asked about, else of the store."""
    ys = [y for b in bodies for y in catalog.years.get(b, [])]
    return max(ys) if ys else idx.newest


# A question word: a clause carrying one asks something of its own (「被纠正了几件」).
_ASKS = re.compile(r"多少|几|哪些|哪个|什么|如何|怎么|怎样|是否|吗|呢|有无|how|what|which|whether")
_CLAUSE_END = re.compile(r"[？?；;]+")
# 「收到多少申请，其中企业申请多少」: 「，其中」 opens a new clause when the one before asks something.
_QIZHONG = re.compile(r"[，,]\s*(?=其中)")
_COMMA = re.compile(r"[，,、]")


def split_clauses(question: str) -> list[str]:
    """The clauses of a question that asks several things at once (「行政诉讼有多少件？被纠正了几件？」),
    each still asking something (a figure or a question word); [question] when there is only one.
    The caller decides whether answering them one by one is needed (see Answerer.ask)."""
    pieces: list[str] = []
    for part in _CLAUSE_END.split(question):
        start = 0
        for m in _QIZHONG.finditer(part):
            if _ASKS.search(part[start : m.start()]):
                pieces.append(part[start : m.start()])
                start = m.end()
        pieces.append(part[start:])
    clauses = [p.strip(" ，,。\t\n") for p in pieces]
    clauses = [c for c in clauses if c]
    # 「收到多少，办结了多少」: comma-separated parts that each ask something are clauses too
    split: list[str] = []
    for c in clauses:
        bits = [b.strip() for b in _COMMA.split(c) if b.strip()]
        if len(bits) >= 2 and all(_ASKS.search(normalize_question(b)) for b in bits):
            split += bits
        else:
            split.append(c)
    clauses = split
    if len(clauses) < 2 or not all(
        _ASKS.search(normalize_question(c)) or _COUNTISH.search(normalize_question(c)) for c in clauses
    ):
        return [question]
    return clauses
