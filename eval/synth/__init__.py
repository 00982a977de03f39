"""Synthetic 政府信息公开工作年度报告: made-up bodies and figures that obey the template's rules
(with planted violations), rendered in the layouts real reports come in, plus their truth and a Q&A set.

Depends on nothing but nianbao.template, so evaluation can start before the parser exists.
"""

from eval.synth.corpus import SynthReport, generate_reports, write_corpus

__all__ = ["SynthReport", "generate_reports", "write_corpus"]
