"""Turn a task as people paste it into the prose the estimator should read.

Issue reports and chat messages carry a lot that is not the request: code fences, stack traces,
REPL sessions, URLs, file names, identifiers and issue-template headings ("Describe the bug").
Their *words* mislead a word-based estimator ("Describe" is not an explain task, `migrate.py` is
not a migration, `session.commit()` is not session handling), but their *presence* is a signal:
a stack trace or a bug template means a bug report. `normalize` removes them from the text and
reports what it removed as flags.
"""

from __future__ import annotations

import re

from buildrunner.router.lazyre import lazy


class Normalized:
    """The prose of a task plus what was stripped from it."""

    __slots__ = ("text", "has_code", "has_trace", "is_issue", "headings", "identifiers", "paths", "title",
                 "error_name")

    def __init__(self, text: str, has_code: bool, has_trace: bool, is_issue: bool, headings: list[str],
                 identifiers: int, paths: int = 0, title: str = "", error_name: str = "") -> None:
        self.text, self.has_code, self.has_trace, self.is_issue = text, has_code, has_trace, is_issue
        self.headings, self.identifiers, self.paths = headings, identifiers, paths
        self.title = title  # an issue's title line (lower-cased, no inline code) when a body follows it
        self.error_name = error_name  # the first exception class named ("IntegrityError"), before it became "name"


_FENCE = lazy(r"^[ \t]*(```|~~~)[^\n]*\n.*?(?:^[ \t]*\1[ \t]*$|\Z)", re.S | re.M)
_TRACE_LINE = lazy(
    r"^\s*(?:Traceback \(most recent call last\):|File \"[^\"]+\", line \d+.*|at [\w$.<>]+\([\w.]*:?\d*\)|"
    r"goroutine \d+ \[.*|panic: .*|thread '.*' panicked at .*|Caused by: .*|"
    r"(?:[\w.]+\.)?[A-Z]\w*(?:Error|Exception|Interrupt|Warning)(?::.*)?|\w+\.\w+\.\w*Error: .*|"
    r"Exception ignored in: .*|\^+|~+\^*~*|\d{4}-\d\d-\d\dT[\d:.]+Z? +[A-Z]+ .*)\s*$", re.M)
_TRACE_START = lazy(r"Traceback \(most recent call last\)|^\s*File \"[^\"]+\", line \d+|"
                          r"^\s*at [\w$.<>]+\([\w.]+:\d+\)|^panic: |^goroutine \d+ \[|"
                          r"\b[A-Z]\w*(?:Error|Exception): |"
                          # a Rust panic, a compiler's or a tool's error line: "error[E0308]: mismatched
                          # types", "error: Incompatible types", "npm ERR! code", "Segmentation fault"
                          r"\bthread (?:'[^'\n]*' )?panicked at |^\s*error(?:\[\w+\])?: |^npm ERR! |"
                          r"\bSegmentation fault\b", re.M)
_REPL = lazy(r"^(?:>>>|\.\.\.|In \[\d+\]:|\$|PS [A-Z]:\\[^>]*>|#)\s.*$|"
                   r"^Python \d+\.\d+[^\n]*\[(?:GCC|Clang|MSC)[^\n]*$|"
                   r"^Type \"help\", \"copyright\".*$", re.M)
_HEADING = lazy(
    r"^[ \t]*(?:#{1,6}[ \t]*|\*\*)?(describe the bug|bug description|bug report|bug|to reproduce|"
    r"steps to reproduce|reproduction|how to reproduce|(?:the )?expected behaviou?r|(?:the )?(?:actual|current|observed) "
    r"behaviou?r|expected results?|actual results?|expected|actual|"
    r"environment|version|versions|browser|os|logs?|additional context|screenshots|summary|"
    r"description|documentation|what happened\??|what did you expect\??|what version are you using\??|"
    r"feature request|motivation|problem|ask|proposal|bisect|"
    r"is your feature request related to a problem\??|describe the solution you'?d like|"
    r"describe alternatives you'?ve considered)[ \t]*(?:\*\*)?[ \t]*:?(?:\*\*)?",
    re.I | re.M)
_BUG_HEADINGS = {"describe the bug", "bug description", "bug report", "bug", "to reproduce", "steps to reproduce",
                 "reproduction", "expected behavior", "expected behaviour", "actual behavior", "actual behaviour",
                 "what happened", "what happened?", "expected", "actual", "how to reproduce",
                 "the expected behavior", "the expected behaviour", "current behavior", "current behaviour",
                 "the current behavior", "the current behaviour", "observed behavior", "observed behaviour",
                 "the actual behavior", "the actual behaviour", "expected result", "expected results",
                 "actual result", "actual results"}
_URL = lazy(r"\b(?:https?|ftp)://\S+|\bwww\.\S+", re.I)
_INLINE_CODE = lazy(r"`[^`\n]+`")
_PATH = lazy(r"(?<![\w@])(?:[\w.-]+/)+(?:[\w-]*\.\w+\b|(?=[\s,;:)]|$))|\b[\w-]+\.(?:py|js|jsx|ts|tsx|go|rs|java|kt|rb|php|cs|c|h|"
                   r"cpp|hpp|swift|sql|sh|md|rst|txt|yaml|yml|json|toml|cfg|ini|lock|html|css|xml|csv|tf|tfvars|hcl|ipynb|plist|"
                   r"gradle|kts|scss|sass|less|vue|svelte|dart|proto|conf|properties|ino|tsv)\b"
                   # well-known files without an extension, and dotfiles: "the Dockerfile", ".dockerignore"
                   r"|\b(?:[Dd]ockerfile|[Mm]akefile|Jenkinsfile|Procfile|Gemfile|Podfile|Vagrantfile|CODEOWNERS)\b"
                   r"|(?<![\w.])\.(?:dockerignore|gitignore|gitattributes|npmrc|nvmrc|editorconfig|prettierrc|eslintrc"
                   r"|env(?:\.\w+)?)\b")
_IDENT = lazy(r"\b(?:[a-z]+_[\w]+|[a-z]+[A-Z]\w*|[A-Z][a-z]+[A-Z]\w*|\w+\.\w+(?:\.\w+)*\(?\)?|\w+\(\))")
# An issue as filed: a title line, a blank line, then a body of some length
_TITLED = lazy(r"\A[ \t]*([^\n]{5,160})\n[ \t]*\n(.+)", re.S)
_TITLE_BODY_WORDS = 12
_ERROR_NAME = lazy(r"\b[A-Z][A-Za-z]*(?:Error|Exception)\b")
_ENV_LINE = lazy(r"^[ \t]*[-*][ \t]*(?:os|version|python|browser|platform|node)[ \t]*:.*$", re.I | re.M)


def normalize(task: str) -> Normalized:
    """The prose of `task` and the flags of what was removed (see module docstring)."""
    text = (task or "").replace("\r\n", "\n")
    has_code = False
    titled = _TITLED.match(text)
    title = ""
    if titled and len(titled.group(2).split()) >= _TITLE_BODY_WORDS:
        title = _INLINE_CODE.sub(" code ", titled.group(1)).lower()
    has_trace = bool(_TRACE_START.search(text))
    error_name = _ERROR_NAME.search(text)

    def fence(m: re.Match) -> str:
        nonlocal has_code
        has_code = True
        return "\n"

    text = _FENCE.sub(fence, text)
    headings = [m.group(1).lower().rstrip("?") for m in _HEADING.finditer(text) if _heading_alone(text, m)]
    text = _strip_headings(text)
    if _REPL.search(text):
        has_code = True
    text = _REPL.sub(" ", text)
    text = _TRACE_LINE.sub(" ", text)
    text = _ENV_LINE.sub(" ", text)
    text = _URL.sub(" ", text)
    text, n_inline = _INLINE_CODE.subn(" code ", text)
    text, n_paths = _PATH.subn(" file ", text)
    text, n_idents = _IDENT.subn(" name ", text)
    is_issue = bool(set(headings) & _BUG_HEADINGS) or (has_trace and len(text.split()) > 3)
    prose = " ".join(text.split())
    return Normalized(prose, has_code or n_inline > 0, has_trace, is_issue, headings, n_inline + n_paths + n_idents,
                      n_paths, title, error_name.group(0) if error_name else "")


def _heading_alone(text: str, m: re.Match) -> bool:
    """A template heading is a line of its own (or a bold label): not "Describe the bug in a sentence"."""
    line_end = text.find("\n", m.end())
    rest = text[m.end(): len(text) if line_end < 0 else line_end].strip()
    raw = m.group(0).lstrip()
    return not rest or raw.startswith(("#", "**")) or m.group(0).rstrip().endswith(":")


def _strip_headings(text: str) -> str:
    out = []
    for line in text.split("\n"):
        m = _HEADING.match(line)
        if m and _heading_alone(line, m):
            line = line[m.end():]
        out.append(line)
    return "\n".join(out)
