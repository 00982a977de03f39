"""The page's CSS: a CJK font stack (so Chinese never renders as boxes) and the table/cell flags."""

CSS = """
:root, body, .gradio-container, .gradio-container * {
  font-family: "Noto Sans CJK SC", "Noto Sans SC", "Source Han Sans SC", "Microsoft YaHei", sans-serif;
}
.nb-table, .nb-row { border-collapse: collapse; margin: 0.4em 0 1em; font-size: 0.92em; }
.nb-table th, .nb-table td, .nb-row th, .nb-row td { border: 1px solid #bbb; padding: 3px 7px; text-align: center; }
.nb-table .nb-label, .nb-row .nb-label { text-align: left; font-weight: normal; }
.nb-table .nb-group { font-weight: bold; }
.nb-table .nb-child { padding-left: 1.6em; }
.nb-head th { background: #f0f2f6; }
.nb-cell.nb-violation { background: #ffd6d6; outline: 2px solid #d33; cursor: help; }
.nb-cell.nb-uncertain { background: #fff3c4; cursor: help; }
.nb-cell.nb-computed { font-style: italic; color: #1d5fb8; cursor: help; }
.nb-cell.nb-blank { color: #999; cursor: help; }
.nb-cell.nb-missing { color: #bbb; }
.nb-legend .nb-cell { padding: 1px 6px; border: 1px solid #bbb; }
.nb-cited { background: #fff2a8 !important; font-weight: bold; }
.nb-source { margin: 0.25em 0; }
.nb-source summary { cursor: pointer; }
.nb-quote { border-left: 3px solid #bbb; margin: 0.3em 0; padding-left: 0.6em; color: #333; }
.nb-loc { font-size: 0.85em; color: #666; }
.nb-violations li { margin: 0.3em 0; }
.nb-error b { color: #c00; }
.nb-passage { margin: 0.3em 0 0.6em; line-height: 1.6; }
.nb-subsec { font-weight: bold; }
.nb-upload-results td, .nb-upload-results th { border: 1px solid #bbb; padding: 3px 7px; }
.nb-rejected { color: #c00; }
"""
