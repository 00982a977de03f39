"""Re-export of `nianbao.text` (the normalizer moved there so `rag` need not import `ingest`)."""

from nianbao.text import (  # noqa: F401
    clean_original,
    clutter_spans,
    is_clutter_line,
    normalize,
    normalize_line,
    normalize_with_offsets,
    repair_punctuation,
    strip_clutter,
    strip_pinyin,
    to_simplified,
    unify_width,
)
from nianbao.text import __all__ as __all__  # noqa: F401
