"""Catalog.names_in: the names a question loses before its content words are read, found by the
question's substrings instead of by walking every alias of the catalog (540,000 at 100,000 reports).

It must strip exactly what the walk stripped: for generated catalogs and questions, the question
text and the content words are the same with the found names as with every name.
"""

from __future__ import annotations

import random

import pytest

from eval.synth.names import make_bodies
from rag.query import Catalog, Query
from rag.retrieve import Retriever
from rag.textnumbers import content_terms

FORMS = (
    "{a}{y}年收到多少申请？", "{y}年{a}的行政复议有几件", "{a}和{b}哪个被起诉的多", "请问{a}主动公开了哪些文件",
    "{a}{y}年{b}信息处理费", "{a}{a}重复问一次", "关于{b}：{y}年怎么样", "没有机关名的问题{y}年", "{a}政府网站",
)


def catalogs():
    for seed in range(4):
        rng = random.Random(seed)
        bodies = make_bodies(300, rng)
        yield rng, bodies, Catalog(
            bodies={b.name: [b.name, *b.aliases] for b in bodies},
            years={b.name: [2022, 2023] for b in bodies},
        )


def every_name(cat: Catalog) -> list[str]:
    return [a for b in cat.bodies for a in cat.bodies[b]]


@pytest.mark.parametrize("seed_cat", list(catalogs()), ids=lambda c: f"{len(c[2].bodies)}-bodies")
def test_found_names_strip_what_every_name_strips(seed_cat):
    rng, bodies, cat = seed_cat
    for _ in range(200):
        a, b = rng.sample(bodies, 2)
        text = rng.choice(FORMS).format(
            a=rng.choice([a.name, *a.aliases]), b=rng.choice([b.name, *b.aliases]), y=rng.choice([2022, 2023])
        )
        found = cat.names_in(text)
        assert set(found) <= set(every_name(cat))
        assert content_terms(text, found) == content_terms(text, every_name(cat)), text
        q = Query(text=text, norm=text)
        assert Retriever.query_text(q, found) == Retriever.query_text(q, every_name(cat)), text


def test_names_are_found_in_any_of_the_texts_longest_first():
    cat = Catalog(bodies={"青岚县人民政府": ["青岚县人民政府", "青岚县", "青岚"]}, years={"青岚县人民政府": [2023]})
    assert cat.names_in("青岚县人民政府的申请", "") == ["青岚县人民政府", "青岚县", "青岚"]
    assert cat.names_in("没有", "问青岚") == ["青岚"]
    assert cat.names_in("", None or "") == []
