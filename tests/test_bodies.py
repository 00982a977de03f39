"""Body names in questions (rag.bodies) over generated catalogs: every variant a citizen may type
(level word dropped or kept, 政府 for 人民政府, department abbreviations, a same-pinyin character,
a one-character typo before the level word, pinyin / English) resolves to its body, and real
other places and ordinary words resolve to nothing."""

from __future__ import annotations

import random
from functools import lru_cache

import pytest
from pypinyin import Style, lazy_pinyin, pinyin
from pypinyin.pinyin_dict import pinyin_dict

from eval.synth.names import SYLLABLES, make_bodies
from nianbao import bodynames as N
from rag.bodies import is_word, parse_name, syllables
from rag.numerals import normalize_question
from rag.query import Catalog, Context, FigureRef
from rag.understand import understand

SEEDS = (1, 2, 3)
TEMPLATES = (
    "{}2023年收到多少政府信息公开申请",
    "2023年{}的行政复议有几件",
    "请问{}予以公开了多少件",
)
LEVEL_OF = {"county": "县", "district": "区", "city": "市"}
EN_LEVEL = {"县": "County", "区": "District", "市": "City"}


def _catalog(entries: dict[str, list[str]]) -> Catalog:
    return Catalog({b: [b, *a] for b, a in entries.items()}, {b: [2023] for b in entries})


def _synth(seed: int, n: int = 60):
    rng = random.Random(seed)
    bodies = make_bodies(n, rng)
    return bodies, _catalog({b.name: list(b.aliases) for b in bodies})


def _stem(body) -> str:  # noqa: ANN001
    return body.place[:-1]


@lru_cache(maxsize=1)
def _by_reading() -> dict[str, list[str]]:
    """Toneless reading -> characters that have only that reading (homophone substitutes)."""
    out: dict[str, list[str]] = {}
    for cp, readings in pinyin_dict.items():
        if 0x4E00 <= cp <= 0x9FA5 and "," not in readings:
            ch = chr(cp)
            if not _common_simplified(ch):
                continue
            r = pinyin(ch, style=Style.NORMAL)[0][0]
            out.setdefault(r, []).append(ch)
    return out


def _common_simplified(ch: str) -> bool:
    """A character of the common simplified set (GB2312) that normalization leaves alone."""
    try:
        ch.encode("gb2312")
    except UnicodeEncodeError:
        return False
    return normalize_question(ch) == ch


def _in_real_word(question: str, i: int) -> bool:
    """Whether the changed character at i sits in a dictionary word of the question (rag.bodies
    must then leave it alone)."""
    for a in range(max(0, i - 2), i + 1):
        for b in range(i + 1, min(len(question), i + 3) + 1):
            w = question[a:b]
            if b - a >= 2 and all("\u4e00" <= c <= "\u9fff" for c in w) and is_word(w):
                return True
    return False


def _resolves(q, body: str, note: bool | None = None) -> None:  # noqa: ANN001
    assert q.bodies == [body], (q.text, q.bodies, q.ambiguous_bodies, q.unknown_bodies)
    assert not q.unknown_bodies, q.text
    if note is not None:
        has = any(n.endswith(f"按{body}理解") for n in q.notes)
        assert has == note, (q.text, q.notes)


# ------------------------------------------------------------------------------------------------
# Reading names
# ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("seed", SEEDS)
def test_generated_names_read_as_place_chain_and_organ(seed):
    rng = random.Random(seed)
    levels = ["省", "市", "县", "区", "自治州", "综合实验区", "新区", "镇", "街道"]
    depts = [(f, s) for f, fam in enumerate(N.DEPARTMENTS) for s in range(len(fam))]
    for _ in range(200):
        chain = []
        plain = [c for c in SYLLABLES if c not in "".join(N.LEVELS)]  # 镇江 is a name, 松鹤镇街道 a puzzle
        for _ in range(rng.randint(1, 3)):
            core = "".join(rng.sample(plain, rng.choice((2, 2, 3))))
            chain.append((core, rng.choice(levels)))
        kind = rng.choice(["gov", "gov_short", "zone", "office", "dept", "bare"])
        places = "".join(c + lv for c, lv in chain)
        if kind == "gov":
            name, organ = places + "人民政府", ("gov",)
        elif kind == "gov_short":
            name, organ = places + "政府", ("gov",)
        elif kind == "zone":
            name, organ = places + rng.choice(N.ZONE_GOV_FORMS), ("gov",)
        elif kind == "office":
            key = rng.choice(list(N.OFFICE_FORMS))
            name, organ = places + rng.choice(N.OFFICE_FORMS[key]), ("office", key)
        elif kind == "dept":
            f, s = rng.choice(depts)
            name, organ = places + rng.choice(N.DEPARTMENTS[f][s]), ("dept", f, s)
        else:
            name, organ = places, ("gov",)
        got = parse_name(name)
        assert got is not None, name
        assert [(p.core, p.level) for p in got.places] == chain, name
        if organ[0] == "dept":  # the same form may stand in two standards of a family
            assert got.organ[:2] == organ[:2] and name.endswith(N.DEPARTMENTS[f][got.organ[2]]), name
        else:
            assert got.organ == organ, name


def test_ethnic_autonomous_names_keep_the_place():
    for eth in ("土家族", "苗族", "土家族苗族", "蒙古族藏族", "回族"):
        for lv in ("自治县", "自治州"):
            got = parse_name(f"青岚{eth}{lv}人民政府")
            assert [(p.core, p.level) for p in got.places] == [("青岚", lv)]


# ------------------------------------------------------------------------------------------------
# Exact and structural variants
# ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("seed", SEEDS)
def test_governments_answer_to_every_written_form(seed):
    bodies, cat = _synth(seed)
    for b in bodies:
        if b.kind == "department":
            continue
        stem, place = _stem(b), b.place
        forms = [b.name, place, place + "政府", place + "人民政府"]
        if not _common(stem):
            forms += [stem, stem + "政府"]
        for form in forms:
            for t in TEMPLATES:
                _resolves(understand(t.format(form), cat), b.name, note=False)


def _common(core: str) -> bool:
    from rag.bodies import _common_word

    return _common_word(core)


@pytest.mark.parametrize("seed", SEEDS)
def test_parent_place_prefixes_with_and_without_level_words(seed):
    rng = random.Random(seed)
    stems = ["".join(rng.sample(SYLLABLES, 2)) for _ in range(40)]
    stems = list(dict.fromkeys(stems))
    entries = {}
    for i in range(0, len(stems) - 1, 2):
        parent, child = stems[i], stems[i + 1]
        name = f"{child}区人民政府"
        entries[name] = [f"{child}区", f"{parent}市{child}区人民政府", f"{parent}市{child}区"]
    cat = _catalog(entries)
    for i in range(0, len(stems) - 1, 2):
        parent, child = stems[i], stems[i + 1]
        for form in (f"{parent}市{child}区", f"{parent}{child}区", f"{parent}市{child}", f"{parent}{child}"):
            _resolves(understand(TEMPLATES[0].format(form + "政府"), cat), f"{child}区人民政府")
            _resolves(understand(TEMPLATES[1].format(form), cat), f"{child}区人民政府")
        sounds = [syllables(x) for x in stems if x not in (parent, child)]
        if syllables(parent) in sounds or syllables(child) in sounds:
            continue
        english = f"How many requests did {_romanised(parent)} {_romanised(child)} District receive in 2023?"
        _resolves(understand(english, cat), f"{child}区人民政府", note=True)


@pytest.mark.parametrize("seed", SEEDS)
def test_departments_answer_to_their_abbreviations(seed):
    """Every standard department of the table, under a generated place: its own abbreviations match
    outright, another standard of the same family (发改委 for 发改局) matches with a note."""
    rng = random.Random(seed)
    entries: dict[str, list[str]] = {}
    expect: list[tuple[str, str, bool]] = []
    for fam in N.DEPARTMENTS:
        std = rng.randrange(len(fam))
        stem = "".join(rng.sample(SYLLABLES, 2))
        while any(name.startswith(stem) for name in entries):
            stem = "".join(rng.sample(SYLLABLES, 2))
        level = rng.choice("市县区")
        name = f"{stem}{level}{fam[std][0]}"
        entries[name] = [f"{stem}{fam[std][0]}"]
        for s, forms in enumerate(fam):
            for form in forms:
                if s == std or form not in fam[std]:
                    expect.append((f"{stem}{level}{form}", name, s != std and form not in fam[std]))
                    expect.append((f"{stem}{form}", name, s != std and form not in fam[std]))
    cat = _catalog(entries)
    for text, name, note in expect:
        _resolves(understand(TEMPLATES[0].format(text), cat), name, note=note)


def test_a_place_alone_means_its_government_not_its_departments():
    cat = _catalog({"青岚县人民政府": ["青岚县", "青岚"], "青岚县教育局": [], "青岚县财政局": []})
    _resolves(understand("青岚2023年收到多少申请", cat), "青岚县人民政府", note=False)
    _resolves(understand("青岚县教委2023年收到多少申请", cat), "青岚县教育局", note=True)
    _resolves(understand("青岚县财政局2023年收到多少申请", cat), "青岚县财政局", note=False)
    q = understand("青岚县公安局2023年收到多少申请", cat)  # a department the store lacks
    assert q.bodies == [] and q.unknown_bodies == ["青岚县公安局"]
    only_depts = _catalog({"青岚县教育局": [], "青岚县财政局": []})
    q = understand("青岚县2023年收到多少申请", only_depts)  # no government: ask which
    assert q.bodies == [] and sorted(q.ambiguous_bodies) == ["青岚县教育局", "青岚县财政局"]


@pytest.mark.parametrize("seed", SEEDS)
def test_government_offices_and_generic_names(seed):
    rng = random.Random(seed)
    stems = list(dict.fromkeys("".join(rng.sample(SYLLABLES, 2)) for _ in range(12)))[:8]
    office = f"{stems[0]}市人民政府办公厅"
    cat = _catalog({office: [], f"{stems[1]}县人民政府": [f"{stems[1]}县"]})
    for form, note in (
        (f"{stems[0]}市政府办公厅", False),
        (f"{stems[0]}市人民政府办公厅", False),
        (f"{stems[0]}办公厅", False),
        (f"{stems[0]}市政府办公室", True),
        (f"{stems[0]}市", True),  # its only body is the office: answered, with a note
        ("市政府办公厅", True),  # the only 市 office in the store
    ):
        for t in TEMPLATES:
            _resolves(understand(t.format(form), cat), office, note=note)
    offices = [f"{s}市人民政府办公厅" for s in stems[:3]]
    few = _catalog({o: [] for o in offices})
    q = understand("市政府办公厅2023年收到多少申请", few)
    assert sorted(q.bodies) == sorted(offices) and q.notes
    assert understand("市政府办公厅收到多少申请", few, body=offices[1]).bodies == [offices[1]]
    many = _catalog({f"{s}市人民政府办公厅": [] for s in stems[:7]})
    q = understand("市政府办公厅2023年收到多少申请", many)
    assert q.bodies == [] and len(q.ambiguous_bodies) == 7
    # A generic word inside another name is not that name: 上海市人民政府 is no 市人民政府 of the store.
    q = understand(f"{stems[5]}市人民政府办公厅2023年收到多少申请", cat)
    assert q.bodies == [] and q.unknown_bodies


def test_a_generic_name_in_a_conversation_means_the_same_place():
    cat = _catalog(
        {
            "青岚县人民政府": ["青岚县", "青岚"],
            "青岚县教育局": [],
            "松阳县人民政府": ["松阳县", "松阳"],
            "松阳县教育局": [],
        }
    )
    ctx = Context(bodies=["青岚县人民政府"], years=[2023], figures=[FigureRef("三", "new")])
    q = understand("那教育局呢？", cat, context=ctx)
    assert q.bodies == ["青岚县教育局"] and q.notes
    q = understand("教育局2023年收到多少申请", cat)  # no conversation: both, said so
    assert sorted(q.bodies) == ["松阳县教育局", "青岚县教育局"] and q.notes
    q = understand("青岚区呢？", cat, context=ctx)  # another level word, but the body talked about
    assert q.bodies == ["青岚县人民政府"] and q.notes


def test_zones_answer_to_short_level_words_and_their_committee():
    cat = _catalog({"青岚综合实验区": ["青岚", "青岚综合实验区管委会"]})
    cat.bodies["松阳县人民政府"] = ["松阳县人民政府", "松阳县"]
    cat.years["松阳县人民政府"] = [2023]
    for form in ("青岚实验区", "青岚综合实验区", "青岚管委会", "青岚综合实验区管理委员会", "青岚区"):
        _resolves(understand(TEMPLATES[0].format(form), cat), "青岚综合实验区", note=False)


# ------------------------------------------------------------------------------------------------
# Homophones, typos, pinyin
# ------------------------------------------------------------------------------------------------


def _same_sound(stem: str, others: list[str], rng: random.Random) -> tuple[str, int] | None:
    """stem with one character replaced by another of the same toneless pinyin that no other
    catalog place shares."""
    pos = rng.randrange(len(stem))
    r = lazy_pinyin(stem[pos])[0]
    subs = [c for c in _by_reading().get(r, []) if c != stem[pos]]
    if not subs:
        return None
    new = stem[:pos] + rng.choice(subs) + stem[pos + 1 :]
    if any(syllables(o) == syllables(new) for o in others):
        return None
    return new, pos


@pytest.mark.parametrize("seed", SEEDS)
def test_homophones_answer_with_a_note_unless_they_spell_a_real_word(seed):
    rng = random.Random(seed)
    bodies, cat = _synth(seed)
    stems = [_stem(b) for b in bodies]
    checked = rejected = 0
    for b in bodies:
        if b.kind == "department":
            continue
        got = _same_sound(_stem(b), [s for s in stems if s != _stem(b)], rng)
        if got is None:
            continue
        new, pos = got
        for form in (new + b.place[-1], new):
            question = TEMPLATES[0].format(form)
            q = understand(question, cat)
            if _in_real_word(question, pos):
                assert b.name not in q.bodies, question  # 恒山 is a place of its own, 平坦 a word
                rejected += 1
            else:
                _resolves(q, b.name, note=True)
                checked += 1
    assert checked >= 20


@pytest.mark.parametrize("seed", SEEDS)
def test_one_character_typos_before_the_level_word(seed):
    rng = random.Random(seed)
    bodies, cat = _synth(seed)
    pool = [c for cs in _by_reading().values() for c in cs[:3]]
    places = {b.place for b in bodies}
    checked = 0
    for b in bodies:
        if b.kind == "department":
            continue
        stem, level = _stem(b), b.place[-1]
        pos = rng.randrange(len(stem))
        new = stem[:pos] + rng.choice(pool) + stem[pos + 1 :]
        close = [
            p
            for p in places
            if p[-1] == level
            and len(p) == len(b.place)
            and sum(x != y for x, y in zip(p, new + level, strict=True)) == 1
        ]
        if close != [b.place] or any(syllables(_stem(o)) == syllables(new) for o in bodies if o is not b):
            continue
        question = TEMPLATES[0].format(new + level)
        q = understand(question, cat)
        if _in_real_word(question, pos):
            assert b.name not in q.bodies, question
        else:
            _resolves(q, b.name, note=True)
            checked += 1
        # anchored by an organ word instead: 青岗政府 (one core only may be one character away)
        cores = [_stem(o) for o in bodies if len(_stem(o)) == len(new)]
        if [c for c in cores if sum(x != y for x, y in zip(c, new, strict=True)) == 1] != [stem]:
            continue
        question = TEMPLATES[0].format(new + "政府")
        q = understand(question, cat)
        if _in_real_word(question, pos) or is_word(new + "政府"):
            assert b.name not in q.bodies, question
        else:
            _resolves(q, b.name, note=True)
    assert checked >= 15


def _romanised(stem: str) -> str:
    syl = lazy_pinyin(stem)
    out = syl[0]
    for s in syl[1:]:
        out += ("'" if s[0] in "aeo" else "") + s
    return out.capitalize()


@pytest.mark.parametrize("seed", SEEDS)
def test_pinyin_and_english_names(seed):
    bodies, cat = _synth(seed)
    checked = 0
    for b in bodies:
        if b.kind == "department":
            continue
        stem, level = _stem(b), b.place[-1]
        if any(syllables(_stem(o)) == syllables(stem) for o in bodies if o is not b):
            continue
        py = _romanised(stem)
        for question in (
            f"How many requests did {py} {EN_LEVEL[level]} receive in 2023?",
            f"What was {py}'s disclosure rate in 2023?",
            f"{py.lower()} 2023年收到多少申请",
        ):
            _resolves(understand(question, cat), b.name, note=True)
        checked += 1
    assert checked >= 20


def test_equally_close_bodies_are_asked_back():
    cat = _catalog({"青岚县人民政府": ["青岚县", "青岚"], "清岚县人民政府": ["清岚县", "清岚"]})
    assert not is_word("情岚")
    q = understand("情岚县2023年收到多少申请", cat)  # qing lan: both equally close
    assert q.bodies == [] and sorted(q.ambiguous_bodies) == sorted(cat.bodies)
    q = understand("Qinglan County 2023年收到多少申请", cat)
    assert q.bodies == [] and sorted(q.ambiguous_bodies) == sorted(cat.bodies)


def test_a_different_level_word_is_asked_not_answered():
    cat = _catalog({"青岚区人民政府": ["青岚区", "青岚"], "松阳市人民政府": ["松阳市", "松阳"]})
    for question in ("青岚县2023年收到多少申请", "Qinglan County 2023年收到多少申请"):
        q = understand(question, cat)
        assert q.bodies == [] and q.ambiguous_bodies == ["青岚区人民政府"], question


# ------------------------------------------------------------------------------------------------
# Negatives
# ------------------------------------------------------------------------------------------------

REAL_OTHER = (
    "长沙市",
    "南京市鼓楼区",
    "北京市海淀区",
    "泰安市",
    "恒山区",
    "西安市",
    "福州市",
    "湖南省",
    "朝阳区",
)
ORDINARY = (
    "收到多少政府信息公开申请",
    "行政复议被纠正了几件",
    "全区政府信息公开申请有多少件",
    "本年度道路平坦吗，和平发展",
    "市场监管方面的申请有多少",
    "政府网站和政务新媒体关了几个",
    "How many requests were received in 2023?",
)


@pytest.mark.parametrize("seed", SEEDS)
def test_real_other_places_and_ordinary_words_resolve_to_nothing(seed):
    bodies, cat = _synth(seed)
    places = {b.place for b in bodies} | {_stem(b) for b in bodies}
    for real in REAL_OTHER:
        if real in places or real[:-1] in places:
            continue
        for t in TEMPLATES:
            q = understand(t.format(real), cat)
            assert q.bodies == [] and not q.ambiguous_bodies and q.unknown_bodies, (t.format(real), q.bodies)
            assert not q.notes, q.notes
    for text in ORDINARY:
        q = understand(text, cat)
        assert q.bodies == [] and not q.ambiguous_bodies, (text, q.bodies)
        assert not any(b in n for n in q.notes for b in cat.bodies), q.notes


def test_one_character_places_are_not_inside_longer_names():
    he = _catalog({"和县人民政府": ["和县"]})
    he.bodies["松阳县人民政府"] = ["松阳县人民政府"]
    he.years["松阳县人民政府"] = [2023]
    assert understand("平和县2023年收到多少申请", he).bodies == []
    assert understand("和县2023年收到多少申请", he).bodies == ["和县人民政府"]
    pinghe = _catalog({"平和县人民政府": ["平和县"], "松阳县人民政府": ["松阳县"]})
    assert understand("和县2023年收到多少申请", pinghe).bodies == []


@pytest.mark.parametrize("seed", SEEDS)
def test_a_known_place_before_an_unknown_one_is_not_answered(seed):
    bodies, cat = _synth(seed)
    for b in bodies:
        if b.kind != "city":
            continue
        q = understand(f"{b.place}清江浦区2023年收到多少申请", cat)
        assert q.bodies == [] and q.unknown_bodies, q.text


PARENTS = ("福建", "湖南省", "江苏", "浙江省")


@pytest.mark.parametrize("seed", SEEDS)
def test_a_parent_place_before_a_body_is_taken_as_its_parent(seed):
    rng = random.Random(seed)
    bodies, cat = _synth(seed)
    for b in rng.sample([b for b in bodies if b.kind != "department"], 10):
        parent = rng.choice(PARENTS)
        _resolves(understand(f"{parent}{b.place}2023年收到多少申请", cat), b.name, note=True)


def test_a_different_parent_than_the_known_one_is_not_answered_silently():
    cat = _catalog({"青岚区人民政府": ["青岚区", "青岚", "松阳市青岚区人民政府", "松阳市青岚区"]})
    q = understand("南京市青岚区2023年收到多少申请", cat)
    assert "南京市" in q.unknown_bodies


def test_a_place_inside_a_longer_place_name_is_not_that_place():
    cat = _catalog({"江浦县人民政府": ["江浦县", "江浦"], "清江市人民政府": ["清江市", "清江"]})
    for question in ("淮安市清江浦区2024年收到多少申请", "清江浦区2024年收到多少申请"):
        q = understand(question, cat)
        assert q.bodies == [] and not q.ambiguous_bodies, (question, q.bodies, q.ambiguous_bodies)


# Questions that name no body, in ordinary words (years, 的/和, 信息, 新收…).
PLAIN = (
    "2021年和2022年收到的申请数量相比有什么变化？",
    "2023年和2024年一共收到多少申请？",
    "信息公开申请是不是全是老百姓个人提的？",
    "2024年新收申请比2023年增加了多少",
    "网上申请和信函申请各多少件",
    "下一步政务公开培训打算怎么搞",
    "年报里自己承认的不足是啥",
    "二零二四年新收依申请公开多少件",
    "行政复议被纠正的比例是多少",
    "政府网站和政务新媒体关了几个",
)


@pytest.mark.parametrize("seed", SEEDS)
def test_ordinary_words_never_fuzzy_match_a_large_catalog(seed):
    rng = random.Random(seed)
    bodies = make_bodies(1000, rng)
    cat = _catalog({b.name: list(b.aliases) for b in bodies})
    for text in PLAIN:
        q = understand(text, cat)
        assert q.bodies == [] and not q.ambiguous_bodies, (text, q.bodies, q.ambiguous_bodies, q.notes)
