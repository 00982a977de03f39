"""Optional LLM over an OpenAI-compatible endpoint (NIANBAO_LLM_MODE, off by default).

The model may interpret a question the deterministic reader could not place (planner) and write a
narrative answer in sentences (writer); every figure still comes from table cells, and the number
guard drops any written answer holding a number its sources do not. Nothing here is imported
unless a mode is on: rag/answer.py imports `rag.llm.hooks` lazily.
"""
