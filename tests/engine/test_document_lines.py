"""`Document.line_text`: the snippet of every finding comes from it."""

from __future__ import annotations

from buildrunner.engine.model import Document


def test_line_text_numbers_lines_like_findings_and_follows_the_offset():
    doc = Document("a.py", "first\nsecond\r\nthird")
    assert [doc.line_text(n) for n in (0, 1, 2, 3, 4)] == ["", "first", "second", "third", ""]
    hunk = Document("a.py", "x = 1\ny = 2", line_offset=40)  # a history hunk starting at line 41
    assert hunk.line_text(42) == "y = 2" and hunk.line_text(2) == ""


def test_line_text_reads_a_replaced_text_not_the_lines_split_before():
    doc = Document("a.py", "old one\nold two")
    assert doc.line_text(2) == "old two"
    doc.text = "new one\nnew two"
    assert doc.line_text(2) == "new two"
    assert doc == Document("a.py", "new one\nnew two")  # the split lines are not part of equality
