"""Who published a report and which year it covers.

`extract_meta(doc)` reads the title (「衡山县人民政府 / 2023年政府信息公开工作年度报告」, crawler
`标题：` lines), the statistics period (「自2023年1月1日起至2023年12月31日止」) and a publication
date, and names the body canonically so the same body gets the same name across years:

- governments: the region plus 人民政府, without a leading parent-level prefix
  (淮安市洪泽区人民政府 -> 洪泽区人民政府, 湖南省衡阳市衡山县人民政府 -> 衡山县人民政府); a title that
  prints only the region (「衡山县2023年…」) still means 衡山县人民政府. Prefixed forms are aliases.
- zones (综合实验区, 开发区, 高新区, …): the zone name; 管委会 / 管理委员会 forms are aliases.
- 街道 / 乡镇: 街道办事处 / 乡镇人民政府 names, same prefix rule.
- departments (局, 委员会, 办公室, …): their own name as printed (淮安市教育局), alias without 市.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from ingest.labels import detect_template_in_text
from nianbao.text import normalize_line
from nianbao.types import LoadedDocument, RejectedFile, ReportMeta

__all__ = ["extract_meta", "override_meta", "title_year", "canonical_body", "meta_form", "BodyName"]

_HEAD_CHARS = 2500
_YEAR = r"((?:19|20)\d{2})"
# A title: optional body, year, optional body, 政府信息公开…报告.
_TITLE_RE = re.compile(
    r"(?P<pre>[^\n。；：:，,、]{0,40}?)(?:关于)?(?P<year>(?:19|20)\d{2})\s*年度?(?P<mid>[^\n。；，0-9]{0,30}?)"
    r"(?:政府信息公开|政务公开|信息公开)(?:工作)?(?:年度)?(?:报告|年报)"
)
# 「自2024年1月1日起至2024年12月31日止」「2024年1月1日至12月31日」「2024年1月至12月」「统计期限为2024年度」
_PERIOD_RE = re.compile(
    rf"{_YEAR}年\s*1\s*月(?:\s*1\s*日)?(?:起)?\s*(?:至|到|—|–|-|~)\s*(?:{_YEAR}年)?\s*12\s*月"
    rf"|统计(?:期限|周期|时限|时间|区间|范围)[^。\n]{{0,12}}?{_YEAR}年度?"
)
_SHORT_LINE = 40  # a title broken over lines: each part is shorter than this
_CN_DIGITS = str.maketrans("〇○零一二三四五六七八九", "00012345678" + "9")
_CN_YEAR = re.compile(r"[〇○零一二三四五六七八九]{4}(?=年)")
_DIGIT_GAP = re.compile(r"(?<=\d)[ \t]+(?=\d)")
_SIGNED_DATE = re.compile(rf"^{_YEAR}年(\d{{1,2}})月(\d{{1,2}})日$")
_BODY_SUFFIX = re.compile(
    r"(?:人民政府|政府|办公室|办公厅|管理委员会|管委会|街道办事处|委员会|局|厅|委|办|中心|院|署|"
    r"综合实验区|开发区|高新区|示范区|新区)$"
)
_FILE_YEAR = re.compile(r"(?<!\d)((?:19|20)\d{2})(?!\d)")
_TEXT_YEAR = re.compile(r"(?<!\d)((?:19|20)\d{2})年")
_CRAWLER_TITLE = re.compile(r"^\s*(?:标题|题目|title)\s*[：:]\s*(.+)$", re.M | re.I)
_DATE_FIELD = re.compile(
    rf"(?:发布时间|发布日期|成文日期|印发日期|公开日期|日期)\s*[：:]\s*{_YEAR}\s*[-年/.]\s*(\d{{1,2}})\s*[-月/.]\s*(\d{{1,2}})"
)
_DATE_LINE = re.compile(rf"^\s*[（(]?\s*{_YEAR}\s*年\s*(\d{{1,2}})\s*月\s*(\d{{1,2}})\s*日\s*[）)]?\s*$")
_NON_NAME = re.compile(r"[\s，。、：；！？“”‘’《》（）()【】\[\]<>\-—_·|｜/\\0-9a-zA-Z]")

_ZONE_SUFFIX = (
    "综合实验区",
    "实验区",
    "试验区",
    "示范区",
    "合作区",
    "开发区",
    "高新区",
    "保税区",
    "产业园区",
    "园区",
    "新城",
    "度假区",
    "管理区",
    "风景区",
)
_ZONE_ADMIN = ("管理委员会", "管委会")
_ZONE_KIND = re.compile(
    r"(?:综合实验区|高新技术产业开发区|经济技术开发区|经济开发区|工业园区|综合保税区|产业园区|"
    r"实验区|试验区|示范区|合作区|开发区|高新区|保税区|园区|新城|度假区|管理区|风景区)$"
)
_ETHNIC_AUTONOMY = re.compile(r"^[\u4e00-\u9fff]{2,3}?(?=(?:[\u4e00-\u9fff]{1,6}?族)+自治(?:县|旗)$)")
_GOV_SUFFIX = "人民政府"
_REGION_SUFFIX = (
    "自治县",
    "自治州",
    "自治区",
    "自治旗",
    "特区",
    "林区",
    "省",
    "市",
    "县",
    "区",
    "旗",
    "盟",
    "州",
)
_TOWN_SUFFIX = ("街道办事处", "街道", "镇", "乡")
_DEPT_SUFFIX = (
    "委员会",
    "办公室",
    "管理局",
    "局",
    "委",
    "厅",
    "办",
    "中心",
    "署",
    "院",
    "馆",
    "所",
    "站",
    "队",
    "公司",
    "协会",
    "集团",
    "社",
)
# Parent-level prefixes dropped from a government/town name: province, prefecture-level unit.
_PROVINCE_PREFIX = re.compile(r"^(?:[\u4e00-\u9fff]{2,7}?(?:省|自治区)|北京市|天津市|上海市|重庆市)")
_PREFECTURE_PREFIX = re.compile(r"^[\u4e00-\u9fff]{2,5}?(?:市|自治州|地区|盟)")
_COUNTY_UNIT = re.compile(r"(?:自治县|自治旗|县|区|市|旗|特区|林区)$")


@dataclass
class BodyName:
    body: str
    aliases: list[str]
    region: str | None = None  # the bare region/zone name (洪泽区) when the body is a government


def _clean_name(raw: str) -> str:
    name = _NON_NAME.sub("", raw)
    name = re.sub(r"^(?:关于|中共)", "", name)
    return re.sub(r"(?:关于|的|年度|本级)$", "", name)


def _strip_parents(name: str) -> tuple[str, list[str]]:
    """Drop province / prefecture prefixes before a county-level (or lower) name.
    Returns (name without prefixes, prefixed variants seen)."""
    variants = []
    current = name
    for pattern in (_PROVINCE_PREFIX, _PREFECTURE_PREFIX):
        m = pattern.match(current)
        if not m:
            continue
        rest = current[m.end() :]
        # Keep the prefix if what remains is not a named unit of its own (沙市区 stays whole).
        if len(rest) >= 2 and not rest.startswith(("人民政府", "政府")) and _has_unit(rest):
            variants.append(current)
            current = rest
    return current, variants


def _has_unit(rest: str) -> bool:
    """Whether `rest` (a name after a dropped prefix) is still a named unit of its own."""
    for suffix in ("街道办事处", "街道"):
        if rest.endswith(suffix):
            return len(rest) - len(suffix) >= 2
    core = rest
    for suffix in (_GOV_SUFFIX, *_ZONE_ADMIN):
        if core.endswith(suffix):
            core = core[: -len(suffix)]
            break
    if len(core) < 2:
        return False
    return bool(_COUNTY_UNIT.search(core)) or core.endswith(_TOWN_SUFFIX + _ZONE_SUFFIX)


def _short(region: str) -> str | None:
    m = _ETHNIC_AUTONOMY.match(region)
    if m:
        return m.group(0)
    for suffix in ("新区", "自治县", "自治旗", "县", "区", "市", "旗"):
        if region.endswith(suffix) and len(region) - len(suffix) >= 2:
            return region[: -len(suffix)]
    return None


def _dedupe(items: list[str], body: str) -> list[str]:
    out: list[str] = []
    for it in items:
        if it and it != body and it not in out:
            out.append(it)
    return out


def canonical_body(raw: str) -> BodyName | None:
    """Canonical body name and aliases from a name as printed (simplified). None if not a name."""
    name = _clean_name(raw)
    if len(name) < 2:
        return None
    # Zones: 平潭综合实验区(管委会) -> 平潭综合实验区.
    for admin in _ZONE_ADMIN:
        if name.endswith(admin) and name[: -len(admin)].endswith(_ZONE_SUFFIX):
            name = name[: -len(admin)]
    if name.endswith(_ZONE_SUFFIX):
        zone, variants = _strip_parents(name)
        aliases = [f"{zone}管委会", f"{zone}管理委员会", *variants]
        m = _ZONE_KIND.search(zone)
        if m and m.start() >= 2:
            aliases.insert(0, zone[: m.start()])
        return BodyName(zone, _dedupe(aliases, zone), region=zone)
    name = re.sub(r"街道(?:办)?$", "街道办事处", name)
    # Governments: X人民政府 / X政府 / a bare region name.
    region = None
    if name.endswith(_GOV_SUFFIX):
        region = name[: -len(_GOV_SUFFIX)]
    elif name.endswith("政府") and len(name) > 4:
        region = name[:-2]
    elif name.endswith((*_REGION_SUFFIX, "镇", "乡")) and not name.endswith(_DEPT_SUFFIX):
        region = name
    if region:
        if region.endswith(("街道", "街道办事处")):
            street = region if region.endswith("街道办事处") else region + "办事处"
            base, variants = _strip_parents(street)
            short = base[: -len("办事处")]
            return BodyName(
                base,
                _dedupe([short, *variants, *(v[: -len("办事处")] for v in variants)], base),
                region=short,
            )
        if len(region) < 2:
            return None
        base, variants = _strip_parents(region)
        body = base + _GOV_SUFFIX
        aliases = [base]
        short = _short(base)
        if short:
            aliases.append(short)
        for v in variants:
            aliases += [v + _GOV_SUFFIX, v]
        return BodyName(body, _dedupe(aliases, body), region=base)
    if name.endswith(("街道办事处", "街道办")):
        base, variants = _strip_parents(re.sub(r"街道办$", "街道办事处", name))
        return BodyName(base, _dedupe([base[:-3], *variants], base))
    # Departments keep their own name; 淮安市教育局 also answers to 淮安教育局.
    aliases = []
    m = re.match(r"^([\u4e00-\u9fff]{2,4}?)(?:市|县|区)(.{2,})$", name)
    if (
        m
        and not m.group(2).startswith(("人民政府", "政府"))
        and not re.match(r"^.{0,4}?(?:市|县|区)", m.group(2))
    ):
        aliases.append(m.group(1) + m.group(2))
    for office in ("人民政府办公室", "人民政府办公厅"):
        if office in name:
            aliases += [name.replace(office, "政府" + office[-3:]), name.replace(office, "政府办")]
    stripped, _ = _strip_parents(name)
    if stripped != name:
        aliases.append(stripped)
    return BodyName(name, _dedupe(aliases, name))


def _title_candidates(text: str) -> list[tuple[int, str, str]]:
    """(year, name-part, title) for titles found near the top, crawler `标题：` lines first. A
    title broken over two or three short lines (「2024年上海市科委政府信息公开工作」/「年度报告」) is
    read joined."""
    found = []
    head = text[:_HEAD_CHARS]
    sources = [m.group(1) for m in _CRAWLER_TITLE.finditer(head)]
    lines = [ln.strip() for ln in head.split("\n")]
    lines = [ln for ln in lines if ln]
    for i, line in enumerate(lines):
        sources.append(line)
        if len(line) <= _SHORT_LINE and not _TITLE_RE.search(line):
            joined = line
            for nxt in lines[i + 1 : i + 3]:
                if len(nxt) > _SHORT_LINE or joined.endswith("。"):
                    break
                joined += nxt
                if _TITLE_RE.search(joined):
                    sources.append(joined)
                    break
    seen: set[str] = set()
    for src in sources:
        m = _TITLE_RE.match(src)  # a title starts its line; a sentence quoting one does not
        if not m or m.group(0) in seen or not _plausible_year(int(m.group("year"))):
            continue
        seen.add(m.group(0))
        year = int(m.group("year"))
        pre, mid = m.group("pre"), m.group("mid")
        name = _clean_name(pre) or _clean_name(mid)
        if not name:
            # Body printed on the line above the title (衡山县人民政府 / 2023年…报告).
            j = lines.index(src) if src in lines else -1
            prev = lines[j - 1] if j > 0 else ""
            if prev and len(prev) <= 40 and not _TITLE_RE.search(prev):
                name = _clean_name(prev)
        found.append((year, name, m.group(0).strip()))
    return found


_BODY_IN_TEXT = re.compile(r"([\u4e00-\u9fff]{2,20}?(?:人民政府|管委会|管理委员会|街道办事处))")


_YEARLESS_TITLE = re.compile(
    r"^([^\n。；：:，]{0,40}?)(?:政府信息公开|政务公开)(?:工作)?(?:年度)?(?:报告|年报)"
)


def _body_from_text(text: str) -> str | None:
    """Fallbacks: a title without a year (「某某县人民政府政府信息公开工作年度报告」), then
    「本报告由XX人民政府办公室…编制」-style statements near the top."""
    head = text[:_HEAD_CHARS]
    lines = [ln.strip() for ln in head.split("\n")[:12] if ln.strip()]
    for k, line in enumerate(lines[:8]):
        m = _YEARLESS_TITLE.match(line)
        if not m:
            continue
        if _clean_name(m.group(1)):
            return _clean_name(m.group(1))
        if k > 0 and len(lines[k - 1]) <= _SHORT_LINE and _BODY_SUFFIX.search(_clean_name(lines[k - 1])):
            return _clean_name(lines[k - 1])  # the body on the line above a yearless title
    m = re.search(r"本报告由(.{2,30}?)(?:根据|依据|按照|编制|汇总)", head)
    if m:
        name = re.sub(r"(?:办公室|办公厅)$", "", m.group(1))
        return name
    return None


def _parent_variants(text: str, region: str) -> list[str]:
    """Prefixed forms of a region that the report itself prints (淮安市洪泽区)."""
    out = []
    for m in re.finditer(rf"([\u4e00-\u9fff]{{2}}(?:市|省|自治州|地区|盟)){re.escape(region)}", text[:20000]):
        variant = m.group(1) + region
        if variant not in out:
            out.append(variant)
    return out


def _published(text: str, year: int) -> str | None:
    def ok(y: int, mo: int, d: int) -> str | None:
        if year <= y <= year + 1 and 1 <= mo <= 12 and 1 <= d <= 31:
            return f"{y:04d}-{mo:02d}-{d:02d}"
        return None

    for m in _DATE_FIELD.finditer(text[:_HEAD_CHARS]):
        if iso := ok(int(m.group(1)), int(m.group(2)), int(m.group(3))):
            return iso
    lines = [ln for ln in text.split("\n") if ln.strip()]
    for ln in lines[:6] + lines[-4:]:
        m = _DATE_LINE.match(ln)
        if m and (iso := ok(int(m.group(1)), int(m.group(2)), int(m.group(3)))):
            return iso
    return None


def _plausible_year(year: int) -> bool:
    return 2000 <= year <= 2100


def meta_form(text: str) -> str:
    """The document's matching form, made readable for dates: spaced digits joined (`2 0 2 4年`),
    Chinese-numeral years as digits (二〇二四年)."""
    text = _DIGIT_GAP.sub("", text)
    return _CN_YEAR.sub(lambda m: m.group(0).translate(_CN_DIGITS), text)


def _period_year(text: str) -> int | None:
    m = _PERIOD_RE.search(text)
    if not m:
        return None
    years = {int(y) for y in m.groups() if y}
    return years.pop() if len(years) == 1 else None


def _signature(text: str) -> tuple[str | None, int | None]:
    """(body, year of the date) from the closing lines: 「XX县人民政府办公室」 above 「2024年1月20日」."""
    lines = [ln.strip() for ln in text.split("\n")[-12:] if ln.strip()]
    for k in range(len(lines) - 1, -1, -1):
        m = _SIGNED_DATE.match(lines[k])
        if not m:
            continue
        for prev in reversed(lines[max(0, k - 2) : k]):
            name = _clean_name(prev)
            if 2 <= len(name) <= 30 and len(prev) <= 32 and _BODY_SUFFIX.search(name):
                return name, int(m.group(1))
        return None, int(m.group(1))
    return None, None


def _from_file_name(path: str) -> tuple[str | None, int | None]:
    """Last hints: a year and a Chinese name in the file name (「沭阳县2023年年报.pdf」)."""
    stem = normalize_line(Path(path).stem) if path else ""
    years = [int(y) for y in _FILE_YEAR.findall(stem) if _plausible_year(int(y))]
    m = _TITLE_RE.search(stem)
    name = (_clean_name(m.group("pre")) or _clean_name(m.group("mid"))) if m else None
    if not name:
        cjk = re.sub(r"(?:19|20)\d{2}年?度?|政府信息公开|政务公开|信息公开|工作|年度|年报|报告", "", stem)
        cjk = _clean_name(cjk)
        name = cjk if _BODY_SUFFIX.search(cjk or "") else None
    return name, (years[0] if len(years) == 1 else None)


def _template(text: str) -> str:
    return detect_template_in_text(text) or "2021"  # the one template decision (ingest.labels)


def _read(doc: LoadedDocument, warnings: list[str]) -> tuple[BodyName | None, int | None, str, str | None]:
    """(body, year, metadata text, title) as far as the report states them; fallbacks warn."""
    norm = doc.normalized.text
    # Title, period and header dates are near the top, a signature date at the very end.
    text = meta_form(norm if len(norm) <= _HEAD_CHARS * 4 else norm[: _HEAD_CHARS * 3] + "\n" + norm[-800:])
    titles = _title_candidates(text)
    year = titles[0][0] if titles else None
    signed_body, signed_year = _signature(text)
    file_body, file_year = _from_file_name(doc.path)
    if year is None:
        year = _period_year(text[: _HEAD_CHARS * 2])
        if year is not None:
            warnings.append(f"标题中未读出年度，按统计期限取{year}年 / year taken from the statistics period")
    if year is None and signed_year:
        year = signed_year - 1
        warnings.append(f"标题中未读出年度，按落款日期推断为{year}年 / year inferred from the signature date")
    if year is None and file_year:
        year = file_year
        warnings.append(f"标题中未读出年度，按文件名取{year}年 / year taken from the file name")
    name = next((n for y, n, _ in titles if n and y == year), None) or _body_from_text(text)
    if not name and signed_body:
        name = signed_body
        warnings.append(f"标题中未读出机关名称，按落款取「{name}」 / body taken from the signature")
    if not name and file_body:
        name = file_body
        warnings.append(f"标题中未读出机关名称，按文件名取「{name}」 / body taken from the file name")
    body = canonical_body(name) if name else None
    return body, year, text, (titles[0][2] if titles else None)


def title_year(doc: LoadedDocument) -> int | None:
    """The year a disclosure-report title near the top names (「XX2015年政府信息公开工作年度报告」),
    or None when the document has no such title."""
    norm = doc.normalized.text
    titles = _title_candidates(meta_form(norm[: _HEAD_CHARS * 2]))
    return titles[0][0] if titles else None


def extract_meta(doc: LoadedDocument, warnings: list[str] | None = None) -> ReportMeta:
    """Body, aliases, covered year and publication date, from the title first, then the statistics
    period, the signature and date lines, and the file name as a last hint (each fallback adds a
    line to `warnings`). RejectedFile only when no year or no body can be read at all."""
    body, year, text, title = _read(doc, warnings if warnings is not None else [])
    if year is None:
        raise RejectedFile(
            "找不到报告年度（标题、统计期限、落款日期或文件名） / no report year found "
            "(title, statistics period, signature date or file name); staff can set it with --year"
        )
    if body is None:
        raise RejectedFile(
            "找不到发布机关名称 / no publishing body found in the title, signature or file name; "
            "staff can set it with --body"
        )
    return _meta(body, year, text, title)


def _meta(body: BodyName, year: int, text: str, title: str | None) -> ReportMeta:
    aliases = list(body.aliases)
    if body.region:
        for variant in _parent_variants(text, body.region):
            suffix = body.body[len(body.region) :]
            aliases += [variant + suffix, variant] if suffix else [variant]
    if title and body.body not in title and not any(a in title for a in aliases):
        title = f"{body.body}{title}"
    return ReportMeta(
        body=body.body,
        aliases=_dedupe(aliases, body.body),
        year=year,
        template=_template(text),
        published=_published(text, year),
        title=title,
    )


def override_meta(
    doc: LoadedDocument, body: str | None, year: int | None, warnings: list[str] | None = None
) -> ReportMeta:
    """Staff correction of body and/or year (`python -m ingest --body B --year Y`, the upload form):
    the given name is canonicalized like a printed one; what is not given is read from the report.
    Raises ValueError for a name or year that cannot be a report's, or when the report does not
    state the part that was not given."""
    if year is not None and not _plausible_year(int(year)):
        raise ValueError(f"不合理的年度 / implausible year: {year}")
    read_body, read_year, text, title = _read(doc, warnings if warnings is not None else [])
    name = canonical_body(normalize_line(body)) if body else read_body
    if body and name is None:
        raise ValueError(f"无法识别的机关名称 / not a body name: {body!r}")
    if name is None:
        raise ValueError(
            "报告中读不出机关名称，请一并给出 --body / the report names no body: give --body too"
        )
    year = int(year) if year is not None else read_year
    if year is None:
        raise ValueError("报告中读不出年度，请一并给出 --year / the report states no year: give --year too")
    return _meta(name, year, text, title if read_body and name.body == read_body.body else None)
