"""Generate a synthetic corpus: bodies with runs of consecutive years, figures and narrative per
report, rendered in the chosen layouts; writes reports/, truth/<stem>.json and qa.jsonl."""

from __future__ import annotations

import json
import random
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from eval.synth.document import build_document
from eval.synth.figures import make_figures, plant
from eval.synth.names import Body, make_bodies
from eval.synth.narrative import Narrative, make_narrative
from eval.synth.render import EXTENSIONS, LAYOUTS, RENDERERS
from eval.synth.rules import check

YEARS = range(2019, 2026)
WE = {"county": "我县", "district": "我区", "city": "我市", "department": "我局"}


def template_for(year: int) -> str:
    return "2019" if year <= 2020 else "2021"


@dataclass
class SynthReport:
    body: Body
    year: int
    template: str
    layout: str
    cells: dict[tuple[str, str, str], float]
    narrative: Narrative
    planted: list[str] = field(default_factory=list)
    violations: list[dict] = field(default_factory=list)
    noise: bool = False
    variants: bool = False  # row labels as real reports print them (eval.synth.variants)
    variant_kinds: list[str] = field(default_factory=list)
    stem: str = ""
    seed: int = 0

    @property
    def file(self) -> str:
        return self.stem + EXTENSIONS[self.layout]

    @property
    def short(self) -> str:
        return self.body.aliases[0]

    def truth(self) -> dict:
        return {
            "file": self.file,
            "body": self.body.name,
            "aliases": list(self.body.aliases),
            "year": self.year,
            "template": self.template,
            "layout": self.layout,
            "noise": self.noise,
            "variants": self.variant_kinds,
            "facts": [
                {"table": t, "row": r, "column": c, "value": _num(v)} for (t, r, c), v in self.cells.items()
            ],
            "planted": self.planted,
            "violations": self.violations,
            "narrative": {
                "received_quoted": self.narrative.received_quoted,
                "received_basis": self.narrative.received_basis,
                "fee_yuan": _num(self.narrative.fee_yuan),
                "problems": self.narrative.problems,
                "improvements": self.narrative.improvements,
            },
        }


def _num(v: float) -> int | float:
    return int(v) if float(v).is_integer() else float(v)


def iter_reports(
    n: int,
    seed: int = 0,
    violations: float = 0.1,
    layouts: tuple[str, ...] | list[str] = LAYOUTS,
    noise: bool = False,
    variants: bool = False,
) -> Iterator[SynthReport]:
    """n reports, one at a time (a 10^5-report scale build never holds them all); bodies report
    for 1–4 consecutive years so carry-over and year-on-year apply."""
    rng = random.Random(seed)
    unknown = set(layouts) - set(LAYOUTS)
    if unknown:
        raise ValueError(f"unknown layouts: {sorted(unknown)}; choose from {LAYOUTS}")
    bodies = make_bodies(max(1, n), rng)
    made = 0
    for body in bodies:
        if made >= n:
            break
        run = min(rng.randint(1, 4), n - made)
        start = rng.randint(YEARS.start, YEARS.stop - run)
        prev: SynthReport | None = None
        for year in range(start, start + run):
            template = template_for(year)
            r_seed = rng.randrange(2**31)
            r_rng = random.Random(r_seed)
            cells = make_figures(
                r_rng, body.kind, template, prev.cells if prev else None, prev.template if prev else None
            )
            planted = []
            if r_rng.random() < violations:
                rule = plant(r_rng, cells, template, prev is not None)
                planted = [rule] if rule else []
            narrative = make_narrative(r_rng, body.aliases[0], year, cells, WE[body.kind])
            layout = layouts[made % len(layouts)]
            rep = SynthReport(body, year, template, layout, cells, narrative, planted, seed=r_seed)
            rep.violations = check(
                cells, template, prev.cells if prev else None, prev.template if prev else None
            )
            rep.noise = noise and layout in ("pipe", "crawler", "html") and r_rng.random() < 0.5
            rep.variants = variants
            rep.stem = f"synth_{made:04d}_{layout}_{year}"
            made += 1
            yield rep
            prev = rep


def generate_reports(n: int, **options) -> list[SynthReport]:
    """n reports in a list; `options` as iter_reports (seed, violations, layouts, noise, variants)."""
    return list(iter_reports(n, **options))


def render_report(rep: SynthReport, reports_dir: Path) -> Path:
    rng = random.Random(rep.seed + 1)
    doc = build_document(rng, rep.body.name, rep.year, rep.template, rep.cells, rep.narrative)
    if rep.variants:
        from eval.synth import variants

        rep.variant_kinds = variants.apply(
            [s.table for s in doc.sections if s.table is not None], random.Random(rep.seed + 2)
        )
    return RENDERERS[rep.layout].render(doc, reports_dir / rep.file, rng, rep.noise)


def write_corpus(
    out: Path | str, reports: list[SynthReport], qa_seed: int = 0, progress: bool = False
) -> dict:
    """Render every report, write its truth and the Q&A set. Returns counts per layout."""
    from eval.synth.qa import make_questions

    out = Path(out)
    (out / "reports").mkdir(parents=True, exist_ok=True)
    (out / "truth").mkdir(parents=True, exist_ok=True)
    counts: dict[str, int] = {}
    items = reports
    if progress:
        from tqdm import tqdm

        items = tqdm(reports, desc="synth", unit="report")
    for rep in items:
        render_report(rep, out / "reports")
        (out / "truth" / f"{rep.stem}.json").write_text(
            json.dumps(rep.truth(), ensure_ascii=False, indent=1), encoding="utf-8"
        )
        counts[rep.layout] = counts.get(rep.layout, 0) + 1
    questions = make_questions(reports, random.Random(qa_seed))
    with open(out / "qa.jsonl", "w", encoding="utf-8") as f:
        for q in questions:
            f.write(json.dumps(q, ensure_ascii=False) + "\n")
    counts["questions"] = len(questions)
    return counts
