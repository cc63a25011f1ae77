"""Engine analyses used by code rules (`when: dynamic-string`), one module per language family.

Imported by `engine.code` only after a document passed the keyword prefilter; never imports libcst.
"""

from __future__ import annotations

from buildrunner.engine.analysis.base import CONST, DYNAMIC, PARAM, UNKNOWN, Analyzer, Step, Value


def analyzer_class(language: str) -> type[Analyzer] | None:
    if language == "python":
        from buildrunner.engine.analysis.python import PythonAnalyzer

        return PythonAnalyzer
    if language in ("javascript", "typescript", "tsx"):
        from buildrunner.engine.analysis.javascript import JavaScriptAnalyzer

        return JavaScriptAnalyzer
    return None


__all__ = ["CONST", "DYNAMIC", "PARAM", "UNKNOWN", "Analyzer", "Step", "Value", "analyzer_class"]
