"""Which catalog bodies a question names — built from the catalog, so a new report needs no code.

Every catalog name and alias is read as place chain + organ (nianbao.bodynames): 淮安市洪泽区 +
人民政府, 上海市 + 人民政府办公厅, 淮安市 + 教育局. From that the index holds the forms people
type, strongest first:

- exact: the catalog's own name or alias;
- structural: the same places with or without level words (淮安市洪泽区 / 洪泽区 / 洪泽 / 淮安洪泽)
  and an equivalent organ (政府 ≡ 人民政府, 管委会, a department's abbreviation: 发改局, 卫健委);
- a place alone means its 人民政府 (洪泽 -> 洪泽区人民政府, not every body in 洪泽);
- near: a related organ (办公室 for 办公厅, 发改委 for 发改局) or a place whose only body is its
  government's office: answered, with a note;
- generic: a level word + organ with no place (市政府办公厅, 区政府): used only when nothing else
  is named, answered with a note when one body fits, asked back when several do;

then, on what is left of the question: English and romanised names (Shuyang County, Huai'an city),
homophones (the same toneless pinyin as a catalog name) and one-character typos of a place
followed by its level word. Those answer with a note 「…」按…理解; two bodies equally close are
returned as ambiguous (the answer asks which). A fuzzy match needs a place-like anchor and never
lands on a real word or place (恒山 is not 衡山, 平坦 is not 平潭). Names that match nothing are
reported as unknown, so the answer can say the store has no report of them.

Indexes are built once per catalog fingerprint; matching a question takes about a millisecond.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from itertools import product

from nianbao import bodynames as N
from rag.numerals import normalize_question

# Strength of a key for a body; a question span takes the bodies of its strongest tier.
EXACT, STRUCT, PLACE, NEAR, ASK, GENERIC = 6, 5, 4, 3, 2, 1
GENERIC_MAX = 5  # 区政府 with at most this many 区 governments in the store means each of them
_FUZZY_TIERS = (EXACT, STRUCT, PLACE, NEAR)  # forms a homophone / typo / English name may stand for

_CJK = re.compile(r"[\u4e00-\u9fff]")
_LEVEL_WORDS = sorted(N.LEVELS, key=len, reverse=True)
# A place is a core of two or more characters and its level word; one-character cores only for
# counties (和县, 沙县): 沙林区 is 沙林 + 区, not 沙 + 林区.
_LEVEL_RE = re.compile("(.(?=县)|.{2,}?)(" + "|".join(map(re.escape, _LEVEL_WORDS)) + ")(?![市州盟县区旗])")
# Characters after which a one-character place (和县, 沙县) may start: not inside 平和县.
_BOUNDARY = set("的和与及跟同或在对比是了给向从由将把为年里中问请查看说找那这个些,.:;!?()\"'《》“”‘’ ")


@dataclass(frozen=True)
class Place:
    full: str  # 洪泽区
    core: str  # 洪泽
    level: str  # 区 ('' when the name has no level word)


@dataclass(frozen=True)
class Name:
    """One body name read as places + organ: ('gov',), ('office', 办公厅), ('dept', family, standard)."""

    places: tuple[Place, ...]
    organ: tuple


# ------------------------------------------------------------------------------------------------
# Reading a name
# ------------------------------------------------------------------------------------------------

_DEPT_FORMS: list[tuple[str, int, int]] = sorted(
    ((form, f, s) for f, fam in enumerate(N.DEPARTMENTS) for s, std in enumerate(fam) for form in std),
    key=lambda x: -len(x[0]),
)
_OFFICE_FORMS: list[tuple[str, str]] = sorted(
    ((form, k) for k, forms in N.OFFICE_FORMS.items() for form in forms), key=lambda x: -len(x[0])
)
_GOV_FORMS_ALL = tuple(sorted((*N.GOV_FORMS, *N.ZONE_GOV_FORMS, *N.STREET_GOV_FORMS), key=len, reverse=True))
# Every organ word, for "a place followed by an organ the catalog lacks" (淮安市教育局).
_ORGAN_WORDS: list[tuple[str, str]] = sorted(
    [(f, "dept") for f, _, _ in _DEPT_FORMS]
    + [(f, "office") for f, _ in _OFFICE_FORMS]
    + [(f, "gov") for f in _GOV_FORMS_ALL],
    key=lambda x: -len(x[0]),
)
_ORGAN_SET = {w for w, _ in _ORGAN_WORDS}


def _core(stem: str, level: str) -> str:
    core = stem
    if level.startswith("自治"):
        changed = True
        while changed:
            changed = False
            for eth in N.ETHNIC:
                if core.endswith(eth) and len(core) > len(eth):
                    core, changed = core[: -len(eth)], True
    return core


def _split_places(stem: str) -> tuple[Place, ...] | None:
    """淮安市洪泽区 -> (淮安市, 洪泽区); a bare name (平潭) is one level-less place."""
    if not stem:
        return None
    out, pos = [], 0
    for m in _LEVEL_RE.finditer(stem):
        if m.start() != pos:
            break
        core = _core(m.group(1), m.group(2))
        if len(core) > 8:
            return None
        out.append(Place(m.group(0), core, m.group(2)))
        pos = m.end()
    if pos < len(stem):
        rest = stem[pos:]
        if len(rest) > 8 or not all(_CJK.match(c) for c in rest):
            return None
        out.append(Place(rest, rest, ""))
    return tuple(out)


@lru_cache(maxsize=20000)
def parse_name(name: str) -> Name | None:
    """A body name (simplified, as rag.numerals.normalize_question leaves it) as places + organ, or
    None when it does not read as one (国家统计局…)."""
    name = name.replace(" ", "")  # normalized by the caller (build_index)
    organ: tuple = ("gov",)
    stem = name
    for form, f, s in _DEPT_FORMS:
        if name.endswith(form) and len(name) > len(form):
            organ, stem = ("dept", f, s), name[: -len(form)]
            break
    else:
        for form, k in _OFFICE_FORMS:
            if name.endswith(form) and len(name) > len(form):
                organ, stem = ("office", k), name[: -len(form)]
                break
        else:
            for form in _GOV_FORMS_ALL:
                if name.endswith(form) and len(name) > len(form):
                    stem = name[: -len(form)]
                    break
    places = _split_places(stem)
    if not places:
        return None
    return Name(places, organ)


# ------------------------------------------------------------------------------------------------
# Word lists and pinyin (loaded lazily: only catalog building and fuzzy matching need them)
# ------------------------------------------------------------------------------------------------

_jieba_state: dict = {}


def jieba_state():
    """(lcut, word -> tag, word -> frequency), initialized once."""
    if not _jieba_state:
        import logging

        import jieba
        import jieba.posseg

        jieba.setLogLevel(logging.WARNING)
        jieba.initialize()
        _jieba_state.update(lcut=jieba.lcut, tags=jieba.posseg.dt.word_tag_tab, freq=jieba.dt.FREQ)
    return _jieba_state["lcut"], _jieba_state["tags"], _jieba_state["freq"]


def is_word(w: str) -> bool:
    """A word of the dictionary (a real place: 恒山, 泰安; an everyday word: 平坦): a question that
    writes one means it, not a typo of a catalog name."""
    _, _, freq = jieba_state()
    return (freq.get(w) or 0) > 0


def _common_word(core: str) -> bool:
    """A place core that is also an everyday word (和平, 平安, 新华): never matched bare."""
    _, tags, freq = jieba_state()
    return tags.get(core) != "ns" and (freq.get(core) or 0) >= 300


@lru_cache(maxsize=50000)
def syllables(text: str) -> tuple[str, ...]:
    """Toneless pinyin in context (长沙 -> chang sha)."""
    from pypinyin import lazy_pinyin

    return tuple(lazy_pinyin(text))


@lru_cache(maxsize=20000)
def readings(ch: str) -> frozenset[str]:
    """Every toneless reading of one character (to look candidates up by)."""
    from pypinyin import Style, pinyin

    return frozenset(pinyin(ch, style=Style.NORMAL, heteronym=True)[0])


@lru_cache(maxsize=20000)
def reading(ch: str) -> str:
    """The usual reading of one character: a homophone typed by mistake sounds like this (年 is
    nian, not its rare ning)."""
    from pypinyin import Style, pinyin

    return pinyin(ch, style=Style.NORMAL)[0][0]


# ------------------------------------------------------------------------------------------------
# The index of one catalog
# ------------------------------------------------------------------------------------------------


@dataclass
class _Meta:
    """What a key is: kind place|gov|other|generic, and the levels of a bare place's bodies."""

    kind: str
    bare_levels: set[str] = field(default_factory=set)
    one_char_core: bool = False


@dataclass
class BodyIndex:
    fingerprint: tuple
    keys: dict[str, dict[str, tuple[int, str]]] = field(default_factory=dict)  # key -> body -> (tier, mode)
    meta: dict[str, _Meta] = field(default_factory=dict)
    lengths: dict[str, set[int]] = field(default_factory=dict)  # first character -> key lengths
    places: dict[str, dict[str, tuple[int, str]]] = field(default_factory=dict)  # bare core -> cands
    offices: dict[str, dict[str, tuple[int, str]]] = field(default_factory=dict)  # core -> office cands
    sound: dict[tuple[str, str], list[tuple[str, tuple[str, ...]]]] = field(default_factory=dict)
    typo: dict[str, list[str]] = field(default_factory=dict)  # 淮?市 -> [淮安市]; 淮? -> [淮安]
    english: dict[str, list[str]] = field(default_factory=dict)  # huaian -> [淮安]
    romanised: set[str] = field(default_factory=set)  # pinyin of every place named (beijing in 北京市海淀区)
    levels_of: dict[str, set[str]] = field(default_factory=dict)  # bare core -> its levels
    parts: dict[str, tuple[str, str]] = field(default_factory=dict)  # key -> (places, organ word)
    body_places: dict[str, set[str]] = field(default_factory=dict)  # body -> its places (淮安市, 洪泽区)
    parents: dict[str, set[Place]] = field(default_factory=dict)  # body -> places above it (淮安市)

    def add(self, key: str, body: str, tier: int, mode: str, meta: _Meta) -> None:
        if len(key) < 2:
            return
        cur = self.keys.setdefault(key, {})
        if body not in cur or cur[body][0] < tier:
            cur[body] = (tier, mode)
        m = self.meta.get(key)
        if m is None:
            self.meta[key] = _Meta(meta.kind, set(meta.bare_levels), meta.one_char_core)
        else:
            if _KIND_RANK[meta.kind] > _KIND_RANK[m.kind]:
                m.kind = meta.kind
            m.bare_levels |= meta.bare_levels
            m.one_char_core = m.one_char_core or meta.one_char_core
        self.lengths.setdefault(key[0], set()).add(len(key))


_KIND_RANK = {"generic": 0, "other": 1, "gov": 2, "place": 3}


def _level_forms(level: str) -> list[str]:
    return [level, *N.ALT_LEVELS.get(level, ())] if level else []


def _place_forms(p: Place, last: bool) -> list[tuple[str, bool]]:
    """(text, bare) forms of one place: 洪泽区, 洪泽; 平潭综合实验区, 平潭实验区, 平潭."""
    forms = [(p.core + lv, False) for lv in _level_forms(p.level)] or [(p.full, not p.level)]
    if p.level and len(p.core) >= 2:
        forms.append((p.core, True))
    if not last:
        forms = [f for f in forms if len(f[0]) >= 2]
    return forms


def _chain_forms(places: tuple[Place, ...]) -> list[tuple[str, bool, bool]]:
    """Every way to write the chain ending in its last place: 淮安市洪泽区 … 洪泽, with whether it is
    a bare place core and whether it starts with a one-character place (和县)."""
    out: list[tuple[str, bool, bool]] = []
    for i in range(len(places)):
        sub = places[i:]
        parts = [_place_forms(p, j == len(sub) - 1) for j, p in enumerate(sub)]
        for combo in product(*parts):
            bare = combo[-1][1] and len(combo) == 1
            out.append(("".join(t for t, _ in combo), bare, len(sub[0].core) == 1))
    return out


def _organ_forms(organ: tuple, level: str) -> tuple[list[str], list[str]]:
    """(forms meaning this organ, forms of a related organ that match with a note)."""
    if organ[0] == "gov":
        forms = list(N.GOV_FORMS)
        if N.LEVELS.get(level) == "zone":
            forms += N.ZONE_GOV_FORMS
        if level == "街道":
            forms += N.STREET_GOV_FORMS
        return forms, []
    if organ[0] == "office":
        other = [f for k, fs in N.OFFICE_FORMS.items() if k != organ[1] for f in fs]
        return list(N.OFFICE_FORMS[organ[1]]), other
    fam = N.DEPARTMENTS[organ[1]]
    same = list(fam[organ[2]])
    other = [f for s, std in enumerate(fam) if s != organ[2] for f in std if f not in same]
    return same, other


def _add_name(idx: BodyIndex, body: str, name: Name) -> None:
    last = name.places[-1]
    idx.body_places.setdefault(body, set()).add(last.core + last.level)
    idx.parents.setdefault(body, set()).update(name.places[:-1])
    for p in name.places:
        if len(p.core) >= 2:
            idx.romanised.add("".join(syllables(p.core)))
    same, near = _organ_forms(name.organ, last.level)
    for text, bare, one_char in _chain_forms(name.places):
        meta = _Meta("place", {last.level} if bare and last.level else set(), one_char)
        if bare and _common_word(text):
            pass  # 和平区 answers to 和平区, not to the word 和平
        elif name.organ == ("gov",):
            idx.add(text, body, PLACE if text != body else EXACT, "", meta)
            idx.parts[text] = (text, "")
        elif name.organ[0] == "office":
            idx.add(text, body, NEAR, "note", meta)
            idx.parts[text] = (text, "")
        else:
            idx.add(text, body, ASK, "ask", meta)
        if bare:
            cands = idx.places.setdefault(text, {})
            tier = PLACE if name.organ == ("gov",) else NEAR if name.organ[0] == "office" else ASK
            mode = "" if tier == PLACE else "note" if tier == NEAR else "ask"
            if body not in cands or cands[body][0] < tier:
                cands[body] = (tier, mode)
            if last.level:
                idx.levels_of.setdefault(text, set()).add(last.level)
        kind = "gov" if name.organ == ("gov",) else "other"
        m = _Meta(kind, set(), one_char)
        for form in same:
            idx.add(text + form, body, STRUCT, "", m)
            if (
                name.organ[0] != "dept"
            ):  # homophones of places and of 政府 / 办公厅 (正府), not of departments
                idx.parts[text + form] = (text, form)
            if bare and name.organ[0] == "office":
                cands = idx.offices.setdefault(text, {})
                cands[body] = (STRUCT, "")
        for form in near:
            idx.add(text + form, body, NEAR, "note", m)
            if name.organ[0] != "dept":
                idx.parts[text + form] = (text, form)
    generic = _Meta("generic")
    for lv in _level_forms(last.level):
        for form in same + near:
            idx.add(lv + form, body, GENERIC, "note", generic)
    if name.organ[0] != "gov":
        for form in same + near:
            idx.add(form, body, GENERIC, "note", generic)
    elif N.LEVELS.get(last.level) == "zone":
        for form in N.ZONE_GOV_FORMS:
            idx.add(form, body, GENERIC, "note", generic)


def _fingerprint(cat) -> tuple:  # noqa: ANN001
    """Cheap enough for every question: a rebuilt catalog has new dicts, an added body a new length."""
    return (id(cat.bodies), len(cat.bodies))


def build_index(cat) -> BodyIndex:  # noqa: ANN001
    """All keys of a catalog (rag.query.Catalog): its bodies with their aliases."""
    idx = BodyIndex(_fingerprint(cat))
    for body, aliases in cat.bodies.items():
        names = list(dict.fromkeys(normalize_question(a).replace(" ", "") for a in [body, *aliases]))
        for alias in names:
            parsed = parse_name(alias)
            if parsed is not None:
                _add_name(idx, body, parsed)
        for alias in names:
            idx.add(alias, body, EXACT, "", _alias_meta(alias, idx, alias == names[0]))
    _build_fuzzy(idx)
    return idx


def _alias_meta(alias: str, idx: BodyIndex, own_name: bool) -> _Meta:
    parsed = parse_name(alias)
    if parsed is None:
        return _Meta("other")
    first = parsed.places[0]
    one_char = len(first.core) == 1 and bool(first.level)
    if parsed.organ != ("gov",):
        return _Meta("other", set(), one_char)
    if alias.endswith(_GOV_FORMS_ALL):
        return _Meta("gov", set(), one_char)
    bare = len(parsed.places) == 1 and not first.level
    return _Meta("place", set(idx.levels_of.get(alias, ())) if bare else set(), one_char)


def _build_fuzzy(idx: BodyIndex) -> None:
    for key, (places, organ) in idx.parts.items():
        cands = idx.keys.get(key)
        if not cands or idx.meta[key].kind == "generic" or len(key) < 2:
            continue
        if not any(t in _FUZZY_TIERS for t, _ in cands.values()):
            continue
        syl = syllables(places) + (syllables(organ) if organ else ())
        if len(syl) != len(key):
            continue
        idx.sound.setdefault(syl[:2], []).append((key, syl))
    for core, _cands in idx.places.items():
        if len(core) < 2:
            continue
        for i in range(len(core)):
            idx.typo.setdefault(core[:i] + "?" + core[i + 1 :], []).append(core)
        py = "".join(syllables(core))
        if len(syllables(core)) >= 2:
            idx.english.setdefault(py, []).append(core)
        for lv in idx.levels_of.get(core, ()):
            for form in _level_forms(lv):
                full = core + form
                if full not in idx.keys:
                    continue
                for i in range(len(core)):
                    idx.typo.setdefault(core[:i] + "?" + core[i + 1 :] + form, []).append(full)


def index_for(cat) -> BodyIndex:  # noqa: ANN001
    """The catalog's index, cached on the catalog object and rebuilt when its bodies change."""
    fp = _fingerprint(cat)
    cached = cat.__dict__.get("_body_index")
    if cached is not None and cached.fingerprint == fp:
        return cached
    idx = build_index(cat)
    cat.__dict__["_body_index"] = idx
    return idx


# ------------------------------------------------------------------------------------------------
# Matching a question
# ------------------------------------------------------------------------------------------------


@dataclass
class _Hit:
    s: int
    e: int
    cands: dict[str, tuple[int, str]]
    kind: str  # exact | generic | sound | typo | english
    key: str
    text: str  # the question's own words, for notes


@dataclass
class BodyMatch:
    """The bodies a question names; `spans` are the question positions they took."""

    bodies: list[str] = field(default_factory=list)
    ambiguous: list[str] = field(default_factory=list)
    unknown: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    spans: list[tuple[int, int]] = field(default_factory=list)
    hits: list[tuple[int, int, list[str]]] = field(default_factory=list)  # span -> bodies taken there
    romanised: set[str] = field(default_factory=set)  # the catalog's place names in pinyin
    parents: dict[str, set[Place]] = field(default_factory=dict)  # body -> places above it in its names

    def taken(self, n: int) -> list[bool]:
        mask = [False] * n
        for s, e in self.spans:
            for j in range(s, min(e, n)):
                mask[j] = True
        return mask


def _free(mask: list[bool], s: int, e: int) -> bool:
    return not any(mask[s:e])


def _take(mask: list[bool], s: int, e: int) -> None:
    for j in range(s, e):
        mask[j] = True


def _exact_hits(norm: str, idx: BodyIndex) -> list[_Hit]:
    hits = []
    for i, ch in enumerate(norm):
        for n in idx.lengths.get(ch, ()):
            key = norm[i : i + n]
            if len(key) != n or key not in idx.keys:
                continue
            if not _word_ok(norm, i, i + n):
                continue
            meta = idx.meta[key]
            inside = i > 0 and _CJK.match(norm[i - 1]) and norm[i - 1] not in _BOUNDARY
            if inside and (meta.one_char_core or meta.kind == "generic"):
                continue  # 平和县 does not contain 和县; 上海市人民政府 is not a 市人民政府 of the catalog
            bare = key[-1] not in _LEVEL_CHARS
            if meta.kind == "place" and _inside_other_place(norm, i, i + n, inside, bare):
                continue
            kind = "generic" if meta.kind == "generic" else "exact"
            if kind == "generic" and (_organ_at(norm, i + n) or ("", ""))[1] in ("office", "dept"):
                continue  # 市政府办公厅 is not a 市政府 of the catalog
            hits.append(_Hit(i, i + n, idx.keys[key], kind, key, key))
    return hits


def _inside_other_place(norm: str, s: int, e: int, inside: bool, bare: bool) -> bool:
    """A place name that is part of a longer one: 江浦 in 清江浦区 (a word runs into it from the
    left, and no word, such as a parent place, ends right before it), 清江 in 清江浦区 (one or two
    more characters and a level word follow)."""
    crossed = is_word(norm[s - 1 : s + 1]) or (s > 1 and is_word(norm[s - 2 : s + 1]))
    parent = any(s >= k and is_word(norm[s - k : s]) for k in (2, 3))  # 福建平潭: 福建 ends where 平潭 starts
    if inside and crossed and not parent:
        return True
    for k in (1, 2) if bare else ():  # 淮安市淮阴区 is a city and its district
        more = norm[e : e + k]
        if len(more) < k or not all(_CJK.match(c) and c not in _BOUNDARY for c in more):
            break
        if more[-1] in _LEVEL_CHARS or _organ_at(norm, e + k - 1) is not None:
            break
        lv = _level_at(norm, e + k)
        if (
            lv
            and norm[e : e + k + len(lv)] not in N.GENERIC_PLACES
            and norm[e : e + k] not in N.GENERIC_PLACES
        ):
            return True
    return False


def _word_ok(text: str, s: int, e: int) -> bool:
    if not text[s].isascii():
        return True
    before = text[s - 1] if s > 0 else " "
    after = text[e] if e < len(text) else " "
    return not (before.isascii() and before.isalnum()) and not (after.isascii() and after.isalnum())


_ORGAN_BY_FIRST: dict[str, list[tuple[str, str]]] = {}
for _w, _k in _ORGAN_WORDS:
    _ORGAN_BY_FIRST.setdefault(_w[0], []).append((_w, _k))


def _organ_at(norm: str, e: int) -> tuple[str, str] | None:
    for word, kind in _ORGAN_BY_FIRST.get(norm[e : e + 1], ()):
        if norm.startswith(word, e):
            return word, kind
    return None


_LEVEL_FIRST = {w[0] for w in _LEVEL_WORDS}
_LEVEL_CHARS = {w[-1] for w in _LEVEL_WORDS}


def _level_at(norm: str, e: int) -> str | None:
    """A level word at e that is one (县 in 洪泽县2023年, not 市 in 市场)."""
    if e >= len(norm) or norm[e] not in _LEVEL_FIRST:
        return None
    for lv in _LEVEL_WORDS:
        if not norm.startswith(lv, e):
            continue
        nxt = norm[e + len(lv) : e + len(lv) + 2]
        if nxt.startswith(("政府", "人民")) or len(lv) > 1:
            return lv
        _, _, freq = jieba_state()
        if (freq.get(norm[e : e + 2]) or 0) > 0:
            return None
        return lv
    return None


def _compatible(asked: str, level: str) -> bool:
    return asked == level or asked in N.ALT_LEVELS.get(level, ()) or level in N.ALT_LEVELS.get(asked, ())


def _neighbour_words(norm: str, positions: list[int], key: str, s: int) -> bool:
    """Whether a changed character sits in a real word of the question (平坦, 谈判, 恒山)."""
    for i in positions:
        for a in range(max(0, i - 2), i + 1):
            for b in range(i + 1, min(len(norm), i + 3) + 1):
                if b - a < 2:
                    continue
                w = norm[a:b]
                if not all(_CJK.match(c) for c in w):
                    continue
                if s <= a and b <= s + len(key) and w == key[a - s : b - s]:
                    continue
                if is_word(w):
                    return True
    return False


def _sound_hits(norm: str, idx: BodyIndex, mask: list[bool]) -> list[_Hit]:
    hits = []
    n = len(norm)
    for i in range(n - 1):
        if mask[i] or mask[i + 1] or not _CJK.match(norm[i]) or not _CJK.match(norm[i + 1]):
            continue
        seen = set()
        for r1 in readings(norm[i]):
            for r2 in readings(norm[i + 1]):
                for key, syl in idx.sound.get((r1, r2), ()):
                    if key in seen:
                        continue
                    e = i + len(key)
                    if e > n or not _free(mask, i, e):
                        continue
                    span = norm[i:e]
                    if span == key:
                        continue
                    diff = [i + j for j in range(len(key)) if span[j] != key[j]]
                    if len(diff) > max(1, len(key) // 3):
                        continue
                    if any(reading(norm[d]) != syl[d - i] or norm[d] in _BOUNDARY for d in diff):
                        continue  # 的信 is no 德信: a function word is not a misspelt place
                    if not all(span[j] == key[j] or syl[j] in readings(span[j]) for j in range(len(key))):
                        continue
                    if _neighbour_words(norm, diff, key, i):
                        continue
                    seen.add(key)
                    hits.append(_Hit(i, e, idx.keys[key], "sound", key, span))
    return hits


def _typo_hits(norm: str, idx: BodyIndex, mask: list[bool]) -> list[_Hit]:
    """青岗市 / 青岗政府 for 青岚市: one character off in a place followed by its level word or by
    an organ word the place has (政府, 教育局)."""
    hits = []
    for j in range(2, len(norm)):
        anchors = []
        lv = _level_at(norm, j)
        if lv:
            anchors.append((lv, lv))
        org = _organ_at(norm, j)
        if org:
            anchors.append(("", org[0]))
        for level, word in anchors:
            for k in (2, 3, 4):
                s, e = j - k, j + len(word)
                if s < 0 or not _free(mask, s, e) or not all(_CJK.match(c) for c in norm[s:j]):
                    continue
                x = norm[s:j]
                if is_word(x) or is_word(x + word) or x in N.GENERIC_PLACES:
                    continue
                if not level and x[-1] in _LEVEL_CHARS:  # 我区政府, 全市政府: no place name before 政府
                    continue
                for p in range(k):
                    for found in idx.typo.get(x[:p] + "?" + x[p + 1 :] + level, ()):
                        key = found if level else found + word
                        if key not in idx.keys or _neighbour_words(norm, [s + p], key, s):
                            continue
                        hits.append(_Hit(s, e, idx.keys[key], "typo", key, norm[s:e]))
    return hits


_EN_TOKEN = re.compile(r"[a-z]+")
_EN_RAW_TOKEN = re.compile(r"[A-Za-z]+(?:['’][A-Za-z]+)*")
# Organ words among the next few words, level words right after (compiled once: names vary, these don't).
_EN_ORGAN_RES = [(re.compile(rf"^\W*(?:\w+\W+){{0,3}}?{re.escape(w)}\b"), o) for w, o in N.EN_ORGANS.items()]
_EN_LEVEL_RES = [(re.compile(rf"^\W*{re.escape(w)}\b"), lv) for w, lv in N.EN_LEVELS.items()]


def _english_hits(norm: str, question: str, idx: BodyIndex, mask: list[bool]) -> list[_Hit]:
    """Shuyang's, Huai'an city, Shanghai Municipal Government General Office."""
    if not idx.english:
        return []
    hits = []
    toks = list(_EN_TOKEN.finditer(norm))
    for i in range(len(toks)):
        for n in (3, 2, 1):
            group = toks[i : i + n]
            if len(group) < n or any(group[k + 1].start() - group[k].end() > 1 for k in range(n - 1)):
                continue
            word = "".join(t.group(0) for t in group)
            cores = idx.english.get(word)
            if cores is None and word.endswith("s"):
                cores = idx.english.get(word[:-1])
            s, e = group[0].start(), group[-1].end()
            if not cores or not _free(mask, s, e):
                continue
            tail = norm[e : e + 60]
            organs = {o for rx, o in _EN_ORGAN_RES if rx.match(tail)}
            asked = next((lv for rx, lv in _EN_LEVEL_RES if rx.match(tail)), None)
            cands: dict[str, tuple[int, str]] = {}
            for core in cores:  # Qinglan: 青岚 and 清岚 alike
                own = idx.offices[core] if "office" in organs and core in idx.offices else idx.places[core]
                levels = idx.levels_of.get(core, ())
                if asked and not any(_compatible(a, lv) for a in asked for lv in levels):
                    own = {b: (ASK, "ask") for b in own}
                for b, c in own.items():
                    if b not in cands or cands[b][0] < c[0]:
                        cands[b] = c
            text = re.sub(r"['’]s$", "", _original(question, group) or word)
            hits.append(_Hit(s, e, cands, "english", cores[0], text))
            break
    return hits


def _original(question: str, group: list[re.Match]) -> str | None:
    """The question's own spelling of the matched words (Huai'an, not huaian), for the note."""
    want = [t.group(0) for t in group]
    raw = list(_EN_RAW_TOKEN.finditer(question))
    low = [re.sub(r"['’]", "", t.group(0)).lower() for t in raw]
    for i in range(len(raw) - len(want) + 1):
        if low[i : i + len(want)] == want:
            return question[raw[i].start() : raw[i + len(want) - 1].end()]
    return None


def _choose(hits: list[_Hit]) -> list[_Hit]:
    """Longest first, non-overlapping."""
    hits.sort(key=lambda h: (h.s - h.e, h.s))
    out: list[_Hit] = []
    for h in hits:
        if any(h.s < o.e and o.s < h.e for o in out):
            if any(h.s == o.s and h.e == o.e for o in out):
                o = next(o for o in out if h.s == o.s and h.e == o.e)
                for b, c in h.cands.items():  # same span, another key: merge (equally close)
                    if b not in o.cands or o.cands[b][0] < c[0]:
                        o.cands = {**o.cands, b: c}
            continue
        out.append(h)
    out.sort(key=lambda h: h.s)
    return out


def _follow(norm: str, h: _Hit, idx: BodyIndex) -> str | None:
    """After a place: an organ the catalog lacks (淮安市教育局) -> 'unknown'; a different level word
    (洪泽县 for 洪泽区) -> 'ask'; its government word (上海市政府) -> 'extend'."""
    if h.kind == "english":
        return None
    meta = idx.meta.get(h.key)
    kind = meta.kind if meta else "other"
    if kind not in ("place", "gov"):
        return None
    org = _organ_at(norm, h.e)
    if org is not None:
        word, okind = org
        if okind == "gov":
            if kind == "place":
                h.e += len(word)
                return "extend"
            return None
        return "unknown:" + word
    if kind == "place" and meta is not None and meta.bare_levels:
        lv = _level_at(norm, h.e)
        if lv and not any(_compatible(lv, own) for own in meta.bare_levels):
            h.e += len(lv)
            return "ask"
    return None


def find(question: str, norm: str, catalog, fixed: list[str] | None = None) -> BodyMatch:  # noqa: ANN001
    """The bodies `question` (normalized: `norm`) names. `fixed` (the UI filter, the previous
    turn's bodies) settles a name several bodies share."""
    idx = index_for(catalog)
    fixed = fixed or []
    out = BodyMatch(romanised=idx.romanised, parents=idx.parents)
    mask = [False] * len(norm)
    exact = _exact_hits(norm, idx)
    specific = [h for h in exact if h.kind != "generic"]
    sound = _sound_hits(norm, idx, mask)
    # A homophone that spans more than an exact name (上海市正府办公厅 over 上海市) is the longer name.
    wider = [
        h
        for h in sound
        if any(h.s <= x.s and x.e <= h.e and x.e - x.s < h.e - h.s for x in specific)
        and not any(x.s <= h.s and h.e <= x.e for x in specific)
    ]
    chosen = _choose(specific + wider)
    for h in chosen:
        _take(mask, h.s, h.e)
    for h in _choose([h for h in exact if h.kind == "generic" and _free(mask, h.s, h.e)]):
        _take(mask, h.s, h.e)
        chosen.append(h)
    fuzzy = _english_hits(norm, question, idx, mask)
    for h in _choose(fuzzy):
        _take(mask, h.s, h.e)
        chosen.append(h)
    more = [h for h in sound if _free(mask, h.s, h.e)]
    for h in _choose(more):
        _take(mask, h.s, h.e)
        chosen.append(h)
    more = _typo_hits(norm, idx, mask)
    for h in _choose(more):
        _take(mask, h.s, h.e)
        chosen.append(h)
    chosen.sort(key=lambda h: h.s)
    specific = [h for h in chosen if h.kind != "generic"]
    generic = [h for h in chosen if h.kind == "generic"]
    for h in specific:
        what = _follow(norm, h, idx)
        if what and what.startswith("unknown:"):
            out.unknown.append(norm[h.s : h.e] + what.split(":", 1)[1])
            out.spans.append((h.s, h.e + len(what.split(":", 1)[1])))
            continue
        out.spans.append((h.s, h.e))
        if what == "ask":
            h.cands = {b: (ASK, "ask") for b in h.cands}
            h.text = norm[h.s : h.e]
        _resolve(h, fixed, out, idx)
    if not out.bodies and not out.ambiguous and not out.unknown:
        for h in generic:
            out.spans.append((h.s, h.e))
            _resolve(h, fixed, out, idx)
    else:
        out.spans += [(h.s, h.e) for h in generic]
    out.spans.sort()
    return out


def _resolve(h: _Hit, fixed: list[str], out: BodyMatch, idx: BodyIndex) -> None:
    """Bodies of one span: the strongest tier; several equally strong -> the one in `fixed` (the UI
    filter, the conversation), else ambiguous — except a generic name (区政府) that fits a few bodies:
    each of them, with a note. A generic name after a conversation about a place (那教育局呢) means
    that place's body."""
    if not h.cands:
        return
    top = max(t for t, _ in h.cands.values())
    names = [b for b, (t, _) in h.cands.items() if t == top]
    modes = {h.cands[b][1] for b in names}
    out.hits.append((h.s, h.e, names))
    picks = names if len(names) == 1 and modes != {"ask"} else []
    if not picks and fixed:
        picks = [b for b in names if b in fixed]
        if len(picks) != 1 and h.kind == "generic":
            here = {p for f in fixed for p in idx.body_places.get(f, ())}
            picks = [b for b in names if idx.body_places.get(b, set()) & here]
        if len(picks) != 1:
            picks = []
    if not picks and h.kind == "generic" and len(names) <= GENERIC_MAX:
        picks = names
    if not picks:
        out.ambiguous += [b for b in names if b not in out.ambiguous]
        return
    out.bodies += [b for b in picks if b not in out.bodies]
    fuzzy = h.kind in ("sound", "typo", "english")
    mode = h.cands[picks[0]][1]
    if fuzzy or mode == "ask" or (mode == "note" and not (h.kind == "generic" and picks[0] in fixed)):
        note = f"「{h.text}」按{'、'.join(picks)}理解"
        if note not in out.notes:
            out.notes.append(note)


# ------------------------------------------------------------------------------------------------
# Names the catalog lacks
# ------------------------------------------------------------------------------------------------

_LIST_SEP = set("和与跟及,、同")
_PLACE_TOKEN = re.compile(r"^[\u4e00-\u9fff]{1,8}(?:省|市|县|区|州|盟|旗|局|厅|委|镇|乡|街道)$")
_EN_PLACE = re.compile(
    r"\b([A-Z][a-z]+(?:'[a-z]+)?)(?:'s\b|\s+(?:County|City|District|Province|Municipality|Prefecture|"
    r"[Mm]unicipal|[Cc]ounty|[Cc]ity|[Dd]istrict|[Pp]rovincial|[Gg]overnment)\b)"
    r"|\b(?:in|of|for|did|does|do|has|had)\s+([A-Z][a-z]{3,}(?:'[a-z]+)?)\b"
)
_EN_NOT_PLACE = {
    "China",
    "Chinese",
    "What",
    "Which",
    "How",
    "The",
    "Government",
    "County",
    "City",
    "District",
}


def _parent_of_match(m: BodyMatch, norm: str, tok: str, s: int, e: int) -> bool:
    """福建 in 福建平潭, 江苏 in 江苏淮安: a place right before a matched body is taken as its parent,
    with a note — unless the body's own parent at that level is known and differs (南京市 before
    a 鼓楼区 known to be 福州市's: then the store has no report of that place)."""
    for hs, he, names in m.hits:
        if hs != e or len(names) != 1 or names[0] not in m.bodies:
            continue
        body = names[0]
        parsed = _split_places(tok)
        rank = N.LEVELS.get(parsed[-1].level) if parsed else None
        known = m.parents.get(body, set())
        if rank and any(N.LEVELS.get(p.level) == rank and p.full != tok for p in known):
            return False
        if any(p.full == tok or p.core == tok for p in known):
            return True
        note = f"「{norm[s:he]}」按{body}理解"
        if note not in m.notes:
            m.notes.append(note)
        return True
    return False


# References to the report's own tables and parts (表三中, 第四部分里): never place names.
_TABLE_REF = re.compile(r"(?:表|第)\s*[一二三四五六七八九1-9]\s*(?:张表|部分|项|栏)?\s*(?:中|里|内)?")


def add_unknown(m: BodyMatch, norm: str, question: str, other_spans: list[tuple[int, int]], words) -> None:  # noqa: ANN001
    """Place names left in the question once bodies and `other_spans` (lexicon words) are taken,
    and English place words no body matched. A body matched only as the prefix of an unknown
    place (淮安市 in 淮安市清江浦区) is dropped: the question is about the place the store lacks."""
    chars = list(norm)
    for s, e in m.spans + other_spans:
        for j in range(s, min(e, len(chars))):
            chars[j] = ","
    text = _TABLE_REF.sub(lambda t: "," * len(t.group(0)), "".join(chars))  # 「表三中」 is no place 三中
    found: list[str] = []
    if re.search(r"[\u4e00-\u9fff]{2}", text):
        lcut, tags, _ = jieba_state()
        pos = 0
        for tok in lcut(text):
            start, pos = pos, pos + len(tok)
            if len(tok) < 2 or tok in N.GENERIC_PLACES or tok in words:
                continue
            if tok in _ORGAN_SET and (m.bodies or m.ambiguous or tok in _GOV_FORMS_ALL):
                continue  # an organ word alone names a body only when nothing else does
            shaped = bool(_PLACE_TOKEN.match(tok)) and len(tok) >= 3
            # jieba's "ns" tag alone is noisy (满意度 is tagged ns): with a body already named, a bare
            # ns word counts only when it stands in a list beside it (淮安和南京, 淮安、南京)
            listed = (
                norm[start - 1 : start] in _LIST_SEP
                or norm[pos : pos + 1] in _LIST_SEP
                or any(e == start or s == pos for s, e in m.spans)  # 淮安市清江浦, 福建平潭
            )
            is_place = shaped or (tags.get(tok) == "ns" and (not (m.bodies or m.ambiguous) or listed))
            if not is_place or any(tok in o or o in tok for o in found + m.unknown):
                continue
            if _parent_of_match(m, norm, tok, start, pos):
                continue
            found.append(tok)
    for mt in _EN_PLACE.finditer(question):
        w = re.sub(r"['’]s$", "", mt.group(1) or mt.group(2) or "")
        if not w or w in _EN_NOT_PLACE or w in found:
            continue
        low = w.lower().replace("'", "").replace("’", "")
        if low in m.romanised and m.bodies:  # Beijing in "Beijing Haidian": the parent of a body named
            continue
        start = norm.find(low)
        if start >= 0 and any(s <= start < e for s, e in m.spans):
            continue
        found.append(w)
    for _s, e, names in list(m.hits):
        if any(norm.startswith(u, e) for u in found):
            m.bodies = [b for b in m.bodies if b not in names]
            m.notes = [n for n in m.notes if not any(n.endswith(f"按{b}理解") for b in names)]
    m.unknown += [u for u in found if u not in m.unknown]
