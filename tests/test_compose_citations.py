"""The source list says where each cell was read: page or line, and that it was OCR'd from a scan."""

from rag.compose import Citation, Citations


def _cell(source: str, page: int | None, line: int | None = None) -> dict:
    return {"table": "三", "row": "new", "column": "total", "row_label": "一、本年新收", "column_label": "总计",
            "page": page, "line": line, "value": 95, "source": source}  # fmt: skip


def test_ocr_cells_say_so_with_their_page():
    cites = Citations()
    cites.add(Citation(report="r1", body="洪泽区人民政府", year=2024, section="三", text="x", cell=_cell("ocr", 3)))
    cites.add(Citation(report="r2", body="洪泽区人民政府", year=2023, section="三", text="y", cell=_cell("text", 4)))
    cites.add(Citation(report="r3", body="衡山县人民政府", year=2023, section="三", text="z", cell=_cell("text", None, 30)))
    md = cites.markdown()
    assert "OCR 识别，第3页" in md
    assert "= 95，第4页" in md and "OCR 识别，第4页" not in md
    assert "第30行" in md
