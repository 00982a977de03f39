"""Renderers: one module per layout, each `render(doc, path, rng, noise) -> Path` (the file written)."""

from eval.synth.render import crawler, docx, html, pdf, pipe

RENDERERS = {"pipe": pipe, "html": html, "docx": docx, "pdf": pdf, "crawler": crawler}
EXTENSIONS = {"pipe": ".txt", "html": ".html", "docx": ".docx", "pdf": ".pdf", "crawler": ".txt"}
LAYOUTS = tuple(RENDERERS)
