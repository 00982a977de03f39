"""OCR for pages without a text layer (scans), offline, with RapidOCR (PP-OCRv4 ONNX models inside
the `rapidocr-onnxruntime` wheel; nothing is downloaded).

A page image becomes positioned words (`ingest.geotable.Word`, in page points like pdfplumber's),
each with the recogniser's confidence, so the same geometric table reader reads scans and text PDFs.
Small rotations (a sheet fed askew) are measured from the horizontal rules and text lines and
undone before recognition. Results are memoised per page image, so re-reading a file in one
process (tests, re-ingest) does not pay for OCR twice.
"""

from __future__ import annotations

import hashlib
import re
import threading
from functools import lru_cache

import numpy as np

from ingest.geotable import Word

MAX_SKEW_DEG = 3.0  # larger rotations are not "small": left alone (and read worse)
_SKEW_STEP = 0.1
TARGET_LONG_SIDE = 1800  # pixels: the detector's sweet spot for A4 at ~150 dpi
_cache: dict[str, list[Word]] = {}
_lock = threading.Lock()

# Characters the recogniser confuses with digits inside numeric cells.
_DIGIT_LOOKALIKE = str.maketrans({"O": "0", "o": "0", "〇": "0", "l": "1", "I": "1", "|": "1", "，": ",", "．": "."})
_NUMERIC_LIKE = re.compile(r"^[\dOol〇I|,，]*\d[\dOol〇I|,，]*$|^[Oo〇]$")
_EDGE_JUNK = re.compile(r"^[.．,，·°'`\"“”:：;；_~]+|[.．,，·°'`\"“”:：;；_~]+$")


def _few_malloc_arenas() -> None:
    """glibc gives each inference thread its own 64 MB malloc arena of address space; under the
    upload sandbox's address-space limit (ingest.sandbox) that alone makes OCR fail. Two arenas
    keep a page's OCR under 1 GB of address space (measured: 972 MB instead of over 1.5 GB)."""
    try:
        import ctypes

        ctypes.CDLL("libc.so.6").mallopt(-8, 2)  # M_ARENA_MAX
    except (OSError, AttributeError):  # not glibc: nothing to tune
        pass


@lru_cache(maxsize=1)
def engine():  # noqa: ANN201 - rapidocr's type
    """The recogniser, built once per process (threads: settings.ocr_threads, NIANBAO_OCR_THREADS)."""
    from rapidocr_onnxruntime import RapidOCR

    _few_malloc_arenas()

    from nianbao.settings import get_settings

    threads = get_settings().ocr_threads or -1
    return RapidOCR(
        text_score=0.0,  # keep low-confidence reads: the table reader decides, with the confidence
        box_thresh=0.3,  # single small digits (a lone 0) score low in detection
        intra_op_num_threads=threads,
        inter_op_num_threads=1,
    )


def _gray(img: np.ndarray) -> np.ndarray:
    import cv2

    if img.ndim == 3:
        return cv2.cvtColor(img, cv2.COLOR_BGR2GRAY if img.shape[2] == 3 else cv2.COLOR_BGRA2GRAY)
    return img


def estimate_skew(gray: np.ndarray) -> float:
    """The page's rotation in degrees (counter-clockwise positive), from the angle at which the
    rows of ink line up best (projection profile: table rules and text lines give sharp peaks)."""
    import cv2

    h, w = gray.shape
    scale = 800.0 / max(h, w)
    small = cv2.resize(gray, (int(w * scale), int(h * scale)), interpolation=cv2.INTER_AREA)
    ink = (small < 160).astype(np.float32)
    centre = (ink.shape[1] / 2, ink.shape[0] / 2)
    best, best_score = 0.0, -1.0
    for k in range(int(-MAX_SKEW_DEG / _SKEW_STEP), int(MAX_SKEW_DEG / _SKEW_STEP) + 1):
        angle = k * _SKEW_STEP
        m = cv2.getRotationMatrix2D(centre, angle, 1.0)
        rot = cv2.warpAffine(ink, m, (ink.shape[1], ink.shape[0]), flags=cv2.INTER_NEAREST)
        profile = rot.sum(axis=1)
        score = float(np.square(np.diff(profile)).sum())
        if score > best_score:
            best, best_score = angle, score
    return best


def deskew(gray: np.ndarray) -> tuple[np.ndarray, float]:
    """The image rotated upright (white fill) and the angle undone."""
    import cv2

    angle = estimate_skew(gray)
    if abs(angle) < _SKEW_STEP / 2:
        return gray, 0.0
    h, w = gray.shape
    m = cv2.getRotationMatrix2D((w / 2, h / 2), angle, 1.0)
    out = cv2.warpAffine(gray, m, (w, h), flags=cv2.INTER_CUBIC, borderValue=255)
    return out, angle


def clean_numeric(text: str, conf: float = 1.0) -> tuple[str, float]:
    """A recognised token that is a number but for look-alike letters (`1O` -> `10`) or stray
    marks at its ends (`0°`, `1.`, `.0`: specks and rules read as punctuation), and its confidence:
    halved when anything had to be changed, so the arithmetic must confirm it."""
    t = text.strip()
    core = _EDGE_JUNK.sub("", t)
    if core and _NUMERIC_LIKE.match(core):
        fixed = core.translate(_DIGIT_LOOKALIKE)
        if fixed != t:
            return fixed, conf * 0.5
    return t, conf


def ocr_image(img: np.ndarray, scale_to_points: float = 1.0) -> list[Word]:
    """Words of a page image (deskewed first); coordinates are multiplied by `scale_to_points`."""
    gray = _gray(img)
    key = hashlib.sha256(gray.tobytes()).hexdigest() + f"{gray.shape}{scale_to_points}"
    with _lock:
        if key in _cache:
            return list(_cache[key])
    upright, _angle = deskew(gray)
    result, _ = engine()(upright, use_cls=False)
    words: list[Word] = []
    for box, text, score in result or []:
        xs = [p[0] for p in box]
        ys = [p[1] for p in box]
        t, score = clean_numeric(text, float(score))
        if not t:
            continue
        words.append(
            Word(
                t,
                min(xs) * scale_to_points,
                min(ys) * scale_to_points,
                max(xs) * scale_to_points,
                max(ys) * scale_to_points,
                float(score),
            )
        )
    words.extend(_recheck_words(upright, words, scale_to_points))
    with _lock:
        _cache[key] = words
    return list(words)


def _ink_crop(gray: np.ndarray) -> np.ndarray | None:
    """The inked part of a cell crop, padded (the recogniser reads a lone glyph in a wide empty
    crop as noise); None when there is no glyph-sized ink. Table rules along the crop's edges
    (long thin runs) are ignored."""
    ink = gray < 140
    if not ink.any():
        return None
    rows = ink.mean(axis=1)
    cols = ink.mean(axis=0)
    ink = ink.copy()
    ink[rows > 0.6, :] = False  # horizontal rules
    ink[:, cols > 0.6] = False  # vertical rules
    ys, xs = np.nonzero(ink)
    if len(ys) < 6:
        return None
    a, b, c, d = ys.min(), ys.max() + 1, xs.min(), xs.max() + 1
    if (b - a) < 0.25 * gray.shape[0]:
        return None  # a speck, not a digit
    pad = max(4, (b - a) // 3)
    out = np.full((b - a + 2 * pad, max(d - c + 2 * pad, (b - a) + 2 * pad)), 255, dtype=np.uint8)
    off = (out.shape[1] - (d - c)) // 2
    out[pad : pad + b - a, off : off + d - c] = gray[a:b, c:d]
    return out


def recognise_crop(gray: np.ndarray) -> tuple[str, float]:
    """Text and confidence of one cell crop (recognition only, no detection)."""
    if gray.size == 0 or min(gray.shape) < 4:
        return "", 0.0
    crop = _ink_crop(gray)
    if crop is None:
        return "", 0.0
    res, _ = engine()(crop, use_det=False, use_cls=False, use_rec=True)
    if not res:
        return "", 0.0
    return clean_numeric(res[0][0], float(res[0][1]))


def _recheck_words(upright: np.ndarray, words: list[Word], s: float) -> list[Word]:
    """Cells the detector skipped: a lone small `0` often scores under the box threshold. Where the
    table's rows and columns cross and no word was found, the crop is recognised directly; only
    digits that come back are added (with their confidence), so an empty cell stays empty."""
    from ingest.geotable import empty_cells

    out: list[Word] = []
    h, w = upright.shape
    for x0, top, x1, bottom in empty_cells(words):
        a, b = max(0, int(top / s)), min(h, int(bottom / s) + 1)
        c, d = max(0, int(x0 / s)), min(w, int(x1 / s) + 1)
        text, score = recognise_crop(upright[a:b, c:d])
        if text and re.fullmatch(r"\d[\d,]*", text):
            out.append(Word(text, x0, top, x1, bottom, score))
    return out


def render_page(page, long_side: int = TARGET_LONG_SIDE) -> tuple[np.ndarray, float]:  # noqa: ANN001
    """A pdfplumber page as a grey image (pypdfium2) and the factor from pixels to PDF points."""
    pts = max(float(page.width), float(page.height))
    resolution = 72.0 * long_side / pts
    im = page.to_image(resolution=resolution).original.convert("L")
    arr = np.asarray(im)
    return arr, 72.0 / resolution


def ocr_page(page) -> list[Word]:  # noqa: ANN001
    """Positioned words of a pdfplumber page that has no text layer."""
    img, s = render_page(page)
    return ocr_image(img, s)
