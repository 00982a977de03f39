"""Files -> ParsedReport -> stores, idempotently and atomically.

Per file: same content (sha256) already stored = no-op; otherwise parse, embed the passages (before
any write), then in one SQL transaction replace the file's old report and add the new one while the
vectors go into Chroma; if Chroma fails the transaction rolls back and the vectors added are deleted,
so SQL, Chroma and BM25 stay as they were. One broken file never stops the rest. After the batch the
BM25 index is rebuilt from SQL and, for the bodies touched, ambiguous cells that a neighbouring
year decides are settled (ingest.crossyear) and the cross-year rules R5/R6 are re-run.

Reliability: a batch holds the home's ingest lock (ingest.lock; questions never take it), checks
first that the SQL store is intact and the home writable (rag.health: StoreError otherwise, with
instructions), owes the cross-year pass of every body it stores in SQL (ingest.pending, so a
killed run's successor finishes it), and heals BM25 and Chroma from SQL when they are missing,
damaged or out of step (`sync_indexes`, also run by the web app at start-up).
"""

from __future__ import annotations

import errno
import hashlib
import logging
import re
import sqlite3
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.exc import OperationalError
from tqdm import tqdm

from ingest import claims, crossyear, pending
from ingest.lock import ingest_lock
from ingest.validate import cross_year
from nianbao.types import ParsedReport, Passage, RejectedFile, Violation
from rag import lexical
from rag.factstore import reports as reports_table
from rag.health import check_sql, check_writable, store_error_from
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


# A parent-level place printed before a body's own name (江苏省 / 淮安市 / 江苏省淮安市).
_PARENT_PREFIX = re.compile(
    r"^(?:[\u4e00-\u9fff]{2,7}?(?:省|自治区)|北京市|天津市|上海市|重庆市)?"
    r"(?:[\u4e00-\u9fff]{2,6}?(?:市|自治州|地区|盟))?$"
)
# A body name that starts with a named place (洪泽区…, 城区…, 平潭综合实验区); 人民政府办公室 does not.
_NAMED_PLACE = re.compile(
    r"^[\u4e00-\u9fff]{1,12}?(?:自治区|自治州|自治县|自治旗|地区|省|市|州|县|区|旗|盟|镇|乡|街道)"
)


def same_body(a: str, b: str) -> bool:
    """Two body names denote the same body: equal, or the longer is the shorter with its parent
    places in front (洪泽区人民政府 / 淮安市洪泽区人民政府). A bare suffix is not enough: 和县 is
    not 平和县, 城区 is not 东城区, and 人民政府办公室 names no body at all."""
    if a == b:
        return True
    short, long_ = sorted((a, b), key=len)
    if not long_.endswith(short) or short.startswith(("人民政府", "政府")):
        return False
    prefix = long_[: len(long_) - len(short)]
    return bool(_PARENT_PREFIX.match(prefix)) and bool(_NAMED_PLACE.match(short))


def same_report_body(a, b) -> bool:  # noqa: ANN001 - ReportRow
    """Reports `a` and `b` come from the same body. Bodies are stored without parent prefixes, so
    南京市鼓楼区 and 福州市鼓楼区 both become 鼓楼区人民政府: when both reports printed a prefixed name
    (body or alias) and no prefixed name of one extends the other's, they are different bodies."""
    if not same_body(a.body, b.body):
        return False
    core = min(a.body, b.body, key=len)

    def prefixed(r) -> set[str]:  # noqa: ANN001
        return {n for n in (r.body, *(r.aliases or [])) if n != core and n.endswith(core)}

    pa, pb = prefixed(a), prefixed(b)
    if not pa or not pb:
        return True  # one side never printed its parents: nothing contradicts
    return any(x.endswith(y) or y.endswith(x) for x in pa for y in pb)


class Ingestor:
    """Ingests files into one home's stores. `parse` is the per-file parser (ingest.parse.parse_file)."""

    def __init__(
        self,
        stores: Stores | None = None,
        parse: Callable[[str], ParsedReport] | None = None,
        supersede: bool = False,
        lock_wait_s: float | None = None,
    ) -> None:
        """`supersede`: a new report also replaces stored reports of the same body and year from
        other files (staff uploading a corrected report under a new name). Off by default, so a
        folder holding one report in two formats stays idempotent.
        `lock_wait_s`: how long a batch waits for another ingest of the same home (None: as long
        as it takes); then ingest.lock.IngestBusy."""
        self.stores = stores or open_stores()
        self.parse = parse or _default_parse
        self.supersede = supersede
        self.lock_wait_s = lock_wait_s
        self.last_settled = 0  # cells the last cross-year pass settled (ingest.crossyear)

    # ---------------------------------------------------------------- batch
    def ingest_paths(self, paths: Iterable[str | Path], progress: bool = True) -> IngestSummary:
        """Ingest files and folders as one batch under the home's ingest lock. Raises StoreError
        (damaged SQL store, read-only or full home) and IngestBusy; never for a bad file."""
        files = discover(paths)
        with ingest_lock(self.stores.settings.home, self.lock_wait_s):
            check_sql(self.stores.facts.engine)
            check_writable(self.stores.settings)
            pending.ensure(self.stores.facts.engine)
            return self._batch(files, progress)

    def _batch(self, files: list[Path], progress: bool) -> IngestSummary:
        t0 = time.perf_counter()
        results: list[FileResult] = []
        bar = tqdm(files, desc="ingest", unit="file", disable=not progress, dynamic_ncols=True)
        for f in bar:
            bar.set_postfix_str(f.name[:40])
            results.append(self._claimed(f))
        for i, r in enumerate(results):  # files another worker held: done by now, or its worker died
            if r.status == claims.CLAIMED:
                results[i] = self._claimed(files[i], wait=True)
        changed = [r for r in results if r.status in ("ingested", "replaced")]
        n_r5 = 0
        warnings: list[str] = []
        # The files are stored; what follows derives from SQL and heals on the next run if it fails.
        try:
            owed = pending.owed(self.stores.facts.engine)  # this batch's bodies and any a killed run left
            if owed:
                if not changed:
                    log.info("finishing the cross-year pass an earlier ingest left undone: %s", sorted(owed))
                n_r5 = self.rerun_cross_year(owed)
        except Exception as exc:  # noqa: BLE001
            log.warning("cross-year check failed: %r", exc, exc_info=log.isEnabledFor(logging.DEBUG))
            warnings.append(f"跨年度核对失败：{type(exc).__name__}: {exc}")
        try:
            self.sync_indexes(force_bm25=bool(changed))
        except OSError as exc:
            raise store_error_from(exc, self.stores.settings.home) from exc
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
            cross_year_settled=self.last_settled if (changed or n_r5) else 0,
            store_reports=counts["reports"],
            store_facts=counts["facts"],
            store_passages=counts["passages"],
            store_violations=counts["violations"],
        )
        return IngestSummary(results, totals, time.perf_counter() - t0, warnings)

    # ---------------------------------------------------------------- one file
    def _claimed(self, path: Path, wait: bool = False) -> FileResult:
        """ingest_file under this file's claim (ingest.claims): several workers, one store."""
        try:
            sha = file_sha256(path)
        except OSError:
            return self.ingest_file(path)  # reports the read error
        with claims.claim(self.stores.facts.engine, sha, wait=wait) as mine:
            if not mine:
                return FileResult(str(path.resolve()), claims.CLAIMED, reason="另一个导入进程正在处理此文件")
            return self.ingest_file(path)

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
            fault = _store_fault(exc)
            if fault is not None:  # the home cannot take writes: stop the batch, say why
                raise store_error_from(fault, self.stores.settings.home) from exc
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
                old_bodies = {
                    b
                    for (b,) in conn.execute(
                        select(reports_table.c.body).where(reports_table.c.id.in_([rid, *(replaces or [])]))
                    )
                }
                st.facts.replace_report(parsed, ids, replaces, conn)
                # owed until rerun_cross_year clears it, in this same transaction as the report
                pending.mark(conn, {parsed.meta.body, *old_bodies})
                touched = True
                st.vectors.add(ids, vectors, metas)  # passage text is read from SQL only, never from Chroma
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
    def sync_indexes(self, force_bm25: bool = False) -> dict[str, str]:
        """Bring the lexical index, BM25 and Chroma in line with SQL (the source of truth). The SQL
        lexical table (rag.lexical) gets passages it lacks and loses orphans. The signature compared
        is the list of SQL passage ids: BM25 (NIANBAO_LEXICAL=bm25s only) is rebuilt when asked,
        missing, damaged or holding other ids; Chroma is emptied and refilled when unreadable, gets
        missing vectors (from the embedding cache) and loses orphans. Returns what was done per store, each also logged."""
        st = self.stores
        done: dict[str, str] = {}
        with st.facts.engine.begin() as conn:  # rag.lexical: written with the passages; heal if not
            lex = lexical.sync(conn)
        if lex["added"] or lex["removed"]:
            done["lexical"] = f"passage_lex synced with SQL: {lex['added']} added, {lex['removed']} removed"
            log.warning("lexical index %s", done["lexical"])
        pairs = st.facts.passage_search_texts()
        ids = [pid for pid, _ in pairs]
        if st.settings.lexical != "sql":  # with `sql` the in-process BM25 index is not used or rebuilt
            self._sync_bm25(pairs, force_bm25, done)
        want = set(ids)
        try:
            have = set(st.vectors.ids())  # ~0.1 s for tens of thousands of ids: once per batch
            st.vectors.probe(ids=list(have))  # self_check sorts and spreads them
        except Exception as exc:  # noqa: BLE001 - derived data: start it afresh from SQL
            log.warning("Chroma store unreadable (%s: %s); rebuilding it from SQL", type(exc).__name__, exc)
            st.vectors.reset()
            have = set()
            done["chroma"] = "reset (unreadable)"
        if want == have:
            return done
        missing = want - have
        if missing:  # add first: if Chroma refuses, nothing was removed
            rows = st.facts.passages(ids=sorted(missing))
            vecs = st.embedder.embed_array([p.search_text for p in rows])
            metas = [
                {"report_id": p.report_id, "body": p.body, "year": p.year, "section": p.section} for p in rows
            ]
            st.vectors.add([p.id for p in rows], vecs, metas)
        orphans = sorted(have - want)
        if orphans:
            st.vectors.delete(orphans)
        done["chroma"] = f"{done.get('chroma', 'synced')}: {len(missing)} vectors added, {len(orphans)} removed"
        log.warning("Chroma %s", done["chroma"])
        return done

    def _sync_bm25(self, pairs: list[tuple[str, str]], force: bool, done: dict[str, str]) -> None:
        st = self.stores
        ids = [pid for pid, _ in pairs]
        st.bm25.refresh()
        if force or not st.bm25.in_step(ids):
            why = (
                "after ingest" if force else "damaged" if st.bm25.damaged
                else "missing" if not st.bm25.is_saved() else "out of step with SQL"
            )
            st.bm25.rebuild(pairs)
            done["bm25"] = f"rebuilt from SQL ({why}, {len(ids)} passages)"
            (log.info if force else log.warning)("BM25 index %s", done["bm25"])

    def rerun_cross_year(self, bodies: set[str]) -> int:
        """Redo the cross-year work of every body group touched, in one transaction: settle the
        ambiguous cells that a neighbouring year decides (ingest.crossyear; earlier settlements are
        undone first, so this is idempotent), then replace the cross-year violations (R5, soft R6),
        one check per report against its same body's previous year. Returns how many violations
        are now stored for those groups; `last_settled` counts the cells settled."""
        self.last_settled = 0
        if not bodies:
            return 0
        facts = self.stores.facts
        all_reports = facts.reports()
        group = sorted(
            (r for r in all_reports if any(same_body(r.body, b) for b in bodies)),
            key=lambda r: (r.year, r.id),
        )
        stored: dict[str, list] = {}

        def facts_of(rid: str) -> list:
            if rid not in stored:
                stored[rid] = facts.facts(report_id=rid)
            return stored[rid]

        printed = {}  # report id -> its facts as parsed (earlier cross-year settlements undone)

        def as_parsed(rid: str) -> list:
            if rid not in printed:
                printed[rid] = crossyear.restore(facts_of(rid))
            return printed[rid]

        final: dict[str, list] = {}
        for r in group:
            prev, nxt = neighbour(all_reports, r, r.year - 1), neighbour(all_reports, r, r.year + 1)
            final[r.id] = crossyear.settle(
                as_parsed(r.id),
                (prev.year, as_parsed(prev.id)) if prev else None,
                (nxt.year, as_parsed(nxt.id)) if nxt else None,
            )
        updates = []
        for r in group:
            for old, new in zip(facts_of(r.id), final[r.id], strict=True):
                if (old.value, old.uncertain, old.note) != (new.value, new.uncertain, new.note):
                    updates.append((r.id, new))
            self.last_settled += sum(1 for f in final[r.id] if crossyear.is_settled(f))
        found: list[tuple[str, list[Violation]]] = []
        for r in group:
            prev = neighbour(all_reports, r, r.year - 1)
            if prev is None:
                continue
            try:
                prev_facts = final.get(prev.id) or as_parsed(prev.id)
                items = cross_year(prev_facts, final[r.id], prev_year=prev.year, year=r.year)
            except Exception:  # noqa: BLE001 - a rule bug must not lose the batch
                log.exception("cross-year check %s -> %s failed", prev.id, r.id)
                continue
            for v in items:
                v.rule = v.rule or R5
            found.append((r.id, items))
        with facts.engine.begin() as conn:
            facts.update_facts(conn, updates)
            for rule in CROSS_YEAR_RULES:
                facts.delete_violations(rule, conn, report_ids=[r.id for r in group])
            for rid, items in found:
                facts.add_violations(rid, items, conn)
            pending.clear(conn, bodies)
        return sum(len(items) for _, items in found)


def _store_fault(exc: BaseException) -> OSError | None:
    """The OSError behind a failed write when the home itself is at fault (full, read-only,
    no permission), else None: such a batch stops instead of rejecting every file in turn."""
    e: BaseException | None = exc
    while e is not None:
        if isinstance(e, OSError) and e.errno in (errno.ENOSPC, errno.EROFS, errno.EACCES, errno.EPERM):
            return e
        if isinstance(e, OperationalError | sqlite3.OperationalError):
            msg = str(e).lower()
            if "disk is full" in msg or "database or disk is full" in msg:
                return OSError(errno.ENOSPC, "database or disk is full")
            if "readonly" in msg or "read-only" in msg:
                return OSError(errno.EROFS, "attempt to write a readonly database")
        e = e.__cause__ or e.__context__
    return None


def neighbour(reports: list, r, year: int):  # noqa: ANN001, ANN201 - ReportRow
    """The report of `r`'s body for `year` (another file of the very same name first), or None."""
    same = [o for o in reports if o.year == year and o.id != r.id and same_report_body(o, r)]
    return min(same, key=lambda o: (o.body != r.body, o.id)) if same else None


def _unique(ids: list[str]) -> list[str]:
    """Passage ids are content hashes; identical passages in one report get a numeric suffix."""
    seen: dict[str, int] = {}
    out = []
    for i in ids:
        n = seen.get(i, 0)
        seen[i] = n + 1
        out.append(i if n == 0 else f"{i}-{n}")
    return out
