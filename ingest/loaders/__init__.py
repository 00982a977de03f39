"""One loader per file format; each returns a LoadedDocument (see nianbao.types)."""

from ingest.loaders.docx import load_docx
from ingest.loaders.html import load_html
from ingest.loaders.pdf import load_pdf
from ingest.loaders.text import load_text

__all__ = ["load_docx", "load_html", "load_pdf", "load_text"]
