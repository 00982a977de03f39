"""Re-export of `nianbao.text` (the normalizer moved there so `rag` need not import `ingest`)."""

from nianbao.text import (
    NormText,
    clean_original,
    clutter_spans,
    is_clutter_line,
    normalize,
    normalize_document,
    normalize_line,
    normalize_with_offsets,
    repair_punctuation,
    strip_clutter,
    strip_pinyin,
    to_simplified,
    unify_width,
)

__all__ = [
    "NormText",
    "clean_original",
    "clutter_spans",
    "is_clutter_line",
    "normalize",
    "normalize_document",
    "normalize_line",
    "normalize_with_offsets",
    "repair_punctuation",
    "strip_clutter",
    "strip_pinyin",
    "to_simplified",
    "unify_width",
]
