"""Files -> ParsedReport -> stores, idempotently and atomically.

Per file: same content (sha256) already stored = no-op; otherwise parse, embed the passages (before
any write), then in one SQL transaction replace the file's old report and add the new one while the
vectors go into Chroma; if Chroma fails the transaction rolls back and the vectors added are deleted,
so SQL, Chroma and BM25 stay as they were. One broken file never stops the rest. After the batch the
BM25 index is rebuilt from SQL and the cross-year rule R5 is re-run for the bodies touched.
"""

from __future__ import annotations

import hashlib
import inspect
import logging
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from tqdm import tqdm

from nianbao.types import ParsedReport, Passage, RejectedFile, Violation
from rag.stores import Stores, open_stores

log = logging.getLogger(__name__)

SUFFIXES = (".txt", ".html", ".htm", ".pdf", ".docx")
R5 = "R5_carry_over"
CROSS_YEAR_RULES = ("R5_carry_over", "R6_in_force")  # what ingest.validate.cross_year reports


@dataclass
class FileResult:
    path: str
    status: str  # "ingested" | "unchanged" | "replaced" | "rejected"
    report_id: str | None = None
    body: str | None = None
    year: int | None = None
    n_facts: int = 0
    n_passages: int = 0
    n_violations: int = 0
    reason: str = ""


@dataclass
class IngestSummary:
    results: list[FileResult]
    totals: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0
    warnings: list[str] = field(default_factory=list)  # batch-level problems (files are stored regardless)

    def by_status(self, status: str) -> list[FileResult]:
        return [r for r in self.results if r.status == status]

    @property
    def ok(self) -> bool:
        """Something is in the store for these files (not everything was rejected)."""
        return any(r.status != "rejected" for r in self.results)


def discover(paths: Iterable[str | Path]) -> list[Path]:
    """Files to ingest: files named directly are taken as they are (the parser judges them);
    folders are walked for report formats, skipping SOURCES.md / README* and hidden files."""
    out: list[Path] = []
    seen: set[Path] = set()
    for p in map(Path, paths):
        if p.is_dir():
            found = sorted(
                f for f in p.rglob("*") if f.is_file() and f.suffix.lower() in SUFFIXES and not _skipped(f, p)
            )
        else:
            found = [p]
        for f in found:
            r = f.resolve()
            if r not in seen:
                seen.add(r)
                out.append(f)
    return out


def _skipped(f: Path, root: Path) -> bool:
    name = f.name.lower()
    if name == "sources.md" or name.startswith("readme"):
        return True
    return any(part.startswith(".") for part in f.relative_to(root).parts)


def file_sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def passage_id(report_id: str, p: Passage) -> str:
    """Stable id: the same passage of the same report gets the same id on every ingest."""
    return hashlib.sha256(f"{report_id}\x00{p.section}\x00{p.start}\x00{p.text}".encode()).hexdigest()[:40]


def _default_parse(path: str) -> ParsedReport:
    from ingest.parse import parse_file

    return parse_file(path)


def same_body(a: str, b: str) -> bool:
    """Two body names denote the same body: equal, or one is the other with a parent prefix
    (洪泽区人民政府 / 淮安市洪泽区人民政府)."""
    return a == b or (min(len(a), len(b)) >= 4 and (a.endswith(b) or b.endswith(a)))


class Ingestor:
    """Ingests files into one home's stores. `parse` is the per-file parser (ingest.parse.parse_file)."""

    def __init__(
        self,
        stores: Stores | None = None,
        parse: Callable[[str], ParsedReport] | None = None,
        supersede: bool = False,
    ) -> None:
        """`supersede`: a new report also replaces stored reports of the same body and year from
        other files (staff uploading a corrected report under a new name). Off by default, so a
        folder holding one report in two formats stays idempotent."""
        self.stores = stores or open_stores()
        self.parse = parse or _default_parse
        self.supersede = supersede

    # ---------------------------------------------------------------- batch
    def ingest_paths(self, paths: Iterable[str | Path], progress: bool = True) -> IngestSummary:
        t0 = time.perf_counter()
        files = discover(paths)
        results: list[FileResult] = []
        bar = tqdm(files, desc="ingest", unit="file", disable=not progress, dynamic_ncols=True)
        for f in bar:
            bar.set_postfix_str(f.name[:40])
            results.append(self.ingest_file(f))
        changed = [r for r in results if r.status in ("ingested", "replaced")]
        n_r5 = 0
        warnings: list[str] = []
        # The files are stored; what follows derives from SQL and heals on the next run if it fails.
        try:
            if changed:
                n_r5 = self.rerun_cross_year({r.body for r in changed if r.body})
        except Exception as exc:  # noqa: BLE001
            log.warning("cross-year check failed: %r", exc, exc_info=log.isEnabledFor(logging.DEBUG))
            warnings.append(f"跨年度核对失败：{type(exc).__name__}: {exc}")
        try:
            self.sync_indexes(force_bm25=bool(changed))
        except Exception as exc:  # noqa: BLE001
            log.warning("index sync failed: %r", exc, exc_info=log.isEnabledFor(logging.DEBUG))
            warnings.append(f"检索索引未能更新（下次运行时重建）：{type(exc).__name__}: {exc}")
        counts = self.stores.facts.counts()
        totals = {
            s: sum(1 for r in results if r.status == s)
            for s in ("ingested", "replaced", "unchanged", "rejected")
        }
        totals.update(
            files=len(results),
            facts=sum(r.n_facts for r in changed),
            passages=sum(r.n_passages for r in changed),
            violations=sum(r.n_violations for r in changed),
            cross_year_violations=n_r5,
            store_reports=counts["reports"],
            store_facts=counts["facts"],
            store_passages=counts["passages"],
            store_violations=counts["violations"],
        )
        return IngestSummary(results, totals, time.perf_counter() - t0, warnings)

    # ---------------------------------------------------------------- one file
    def ingest_file(self, path: str | Path) -> FileResult:
        """Ingest one file; never raises for a bad file (the result says why it was rejected)."""
        path = Path(path)
        key = str(path.resolve())
        try:
            sha = file_sha256(path)
        except OSError as exc:
            return FileResult(key, "rejected", reason=f"无法读取文件：{exc.strerror or exc}")
        facts = self.stores.facts
        existing = facts.report_by_sha(sha)
        if existing is not None:
            return FileResult(
                key,
                "unchanged",
                existing.id,
                existing.body,
                existing.year,
                existing.n_facts,
                existing.n_passages,
                len(facts.violations(report_id=existing.id)),
                reason="" if existing.path == key else f"内容与已入库文件相同：{existing.path}",
            )
        try:
            parsed = self.parse(str(path))
        except RejectedFile as exc:
            return FileResult(key, "rejected", reason=str(exc) or "不是政府信息公开工作年度报告")
        except Exception as exc:  # noqa: BLE001 - one broken file must not stop the batch
            log.warning("parsing %s failed: %r", path, exc, exc_info=log.isEnabledFor(logging.DEBUG))
            return FileResult(key, "rejected", reason=f"解析出错：{type(exc).__name__}: {exc}")
        parsed.path = key
        old = [r.id for r in facts.reports_by_path(key) if r.id != parsed.report_id]
        superseded: list[str] = []  # source paths of the reports a --supersede run replaces
        if self.supersede:
            same = facts.reports(body=parsed.meta.body, year=parsed.meta.year)
            same = [r for r in same if r.id != parsed.report_id and r.id not in old]
            old += [r.id for r in same]
            superseded = [r.path for r in same]
        try:
            self.store(parsed, replaces=old)
        except Exception as exc:  # noqa: BLE001
            log.warning("storing %s failed: %r", path, exc, exc_info=log.isEnabledFor(logging.DEBUG))
            return FileResult(
                key,
                "rejected",
                parsed.report_id,
                parsed.meta.body,
                parsed.meta.year,
                reason=f"写入存储失败，已回滚：{type(exc).__name__}: {exc}",
            )
        return FileResult(
            key,
            "replaced" if old else "ingested",
            parsed.report_id,
            parsed.meta.body,
            parsed.meta.year,
            len(parsed.facts),
            len(parsed.passages),
            len(parsed.violations),
            reason=("取代了同一机关同一年度的报告：" + "、".join(superseded)) if superseded else "",
        )

    def store(self, parsed: ParsedReport, replaces: list[str] | None = None) -> list[str]:
        """Write one report to SQL and Chroma, all or nothing; returns its passage ids."""
        st = self.stores
        rid = parsed.report_id
        texts = [p.search_text or p.text for p in parsed.passages]
        vectors = st.embedder.embed_array(texts)  # the slow part, before anything is written
        ids = _unique([passage_id(rid, p) for p in parsed.passages])
        metas = [
            {"report_id": rid, "body": parsed.meta.body, "year": int(parsed.meta.year), "section": p.section}
            for p in parsed.passages
        ]
        old_ids = [p.id for r in (replaces or []) for p in st.facts.passages(report_id=r)]
        old_ids += [p.id for p in st.facts.passages(report_id=rid)]
        touched = False
        try:
            with st.facts.engine.begin() as conn:
                st.facts.replace_report(parsed, ids, replaces, conn)
                touched = True
                st.vectors.add(ids, vectors, metas, documents=texts)
        except BaseException:
            if touched:
                keep = set(old_ids)
                try:
                    st.vectors.delete([i for i in ids if i not in keep])
                except Exception:  # noqa: BLE001 - the original error matters more
                    log.exception("could not undo Chroma writes for %s", rid)
            raise
        stale = sorted(set(old_ids) - set(ids))
        try:
            st.vectors.delete(stale)
        except Exception:  # noqa: BLE001 - orphans are removed by the next sync_indexes
            log.exception("could not delete %d stale vectors", len(stale))
        return ids

    # ---------------------------------------------------------------- after a batch
    def sync_indexes(self, force_bm25: bool = False) -> None:
        """Bring BM25 and Chroma in line with SQL (the source of truth): rebuild BM25 when asked or
        when its ids differ; add missing vectors (from the embedding cache), then drop orphans."""
        st = self.stores
        pairs = st.facts.passage_search_texts()
        if force_bm25 or st.bm25.ids != [pid for pid, _ in pairs] or (pairs and not st.bm25.is_saved()):
            st.bm25.rebuild(pairs)
        want = {pid for pid, _ in pairs}
        have = set(st.vectors.ids())  # ~0.1 s for tens of thousands of ids: once per batch
        if want == have:
            return
        missing = want - have
        if missing:  # add first: if Chroma refuses, nothing was removed
            rows = st.facts.passages(ids=sorted(missing))
            vecs = st.embedder.embed_array([p.search_text for p in rows])
            metas = [
                {"report_id": p.report_id, "body": p.body, "year": p.year, "section": p.section} for p in rows
            ]
            st.vectors.add([p.id for p in rows], vecs, metas, documents=[p.search_text for p in rows])
        orphans = sorted(have - want)
        if orphans:
            st.vectors.delete(orphans)

    def rerun_cross_year(self, bodies: set[str]) -> int:
        """Replace the cross-year violations (R5, soft R6) of every body group touched: one check per
        pair of consecutive years. Returns how many are now stored for those groups."""
        cross_year = _cross_year_fn()
        if cross_year is None or not bodies:
            return 0
        facts = self.stores.facts
        all_reports = facts.reports()
        pairs: dict[tuple[str, str], tuple] = {}
        involved: set[str] = set()
        for b in sorted(bodies):
            by_year: dict[int, object] = {}
            for r in sorted((r for r in all_reports if same_body(r.body, b)), key=lambda r: (r.year, r.id)):
                by_year.setdefault(r.year, r)
                involved.add(r.id)
            for year, rep in by_year.items():
                prev = by_year.get(year - 1)
                if prev is not None:
                    pairs[(prev.id, rep.id)] = (prev, rep)
        found: list[tuple[str, list[Violation]]] = []
        for prev, rep in pairs.values():
            try:
                items = _call_cross_year(
                    cross_year,
                    facts.facts(report_id=prev.id),
                    facts.facts(report_id=rep.id),
                    prev.year,
                    rep.year,
                )
            except Exception:  # noqa: BLE001 - a rule bug must not lose the batch
                log.exception("cross-year check %s -> %s failed", prev.id, rep.id)
                continue
            for v in items:
                v.rule = v.rule or R5
            found.append((rep.id, items))
        with facts.engine.begin() as conn:
            for rule in CROSS_YEAR_RULES:
                facts.delete_violations(rule, conn, report_ids=sorted(involved))
            for rid, items in found:
                facts.add_violations(rid, items, conn)
        return sum(len(items) for _, items in found)


def _unique(ids: list[str]) -> list[str]:
    """Passage ids are content hashes; identical passages in one report get a numeric suffix."""
    seen: dict[str, int] = {}
    out = []
    for i in ids:
        n = seen.get(i, 0)
        seen[i] = n + 1
        out.append(i if n == 0 else f"{i}-{n}")
    return out


def _cross_year_fn():
    try:
        from ingest.validate import cross_year
    except ImportError:
        return None
    return cross_year


def _call_cross_year(fn, prev_facts, facts, prev_year: int, year: int) -> list[Violation]:  # noqa: ANN001
    """Call ingest.validate.cross_year with whichever of the year arguments it takes."""
    params = inspect.signature(fn).parameters
    kwargs = {}
    if "prev_year" in params:
        kwargs["prev_year"] = prev_year
    if "year" in params:
        kwargs["year"] = year
    return list(fn(prev_facts, facts, **kwargs) or [])
