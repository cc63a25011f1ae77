"""Estimate how hard a task is from its wording and context: simple | medium | complex | planning.

Heuristics, tested on the labeled set in `tests/data/routing_tasks.yaml`. The design biases up:
sending a hard task to Haiku costs a failed attempt and a retry on a bigger model, sending an easy
one to Sonnet only costs a few cents, so when signals disagree the higher level wins, and
diminishing words ("just", "quick") never lower the level.

Signals, in order:
1. *Phrases* (matched in priority order; a phrase consumes its words, so the "migration" in "format
   the migration files with black" is not read as a migration): each has a level, a task type, and
   flags for *mechanical* (tool-driven edits like formatting) and *weak* (vague verbs: fix, add).
2. *Clauses*: "rename X and migrate Y" is two pieces of work; the hardest clause decides. Within a
   clause the first action decides, except that a weak verb defers to its object ("fix the typo"
   is simple, "fix the deadlock" is not) and planning wording wins unless the clause opens with a
   simple edit ("fix the formatting of the architecture section").
3. *Topics*: security, concurrency, data integrity, leaks raise medium work to complex. When the
   task's own action is a simple edit (a typo in the auth error message), topics are only mentions.
4. *Negations*: words after "don't / no need to / without / instead of" up to the next clause are ignored.
5. *Scope*: "entire", "across all services", "every endpoint" raise non-mechanical work by a level.
   "just", "quick", "small" never lower anything (they are noted in the reasons).
6. *Context*: many files, several packages or languages, large inputs raise non-mechanical work.
"""

from __future__ import annotations

import contextlib
import os
import re
from pathlib import Path
from typing import NamedTuple

LEVELS = ("simple", "medium", "complex", "planning")
RANK = {name: i for i, name in enumerate(LEVELS)}


class TaskContext:
    """What is known about the change besides its wording. (Plain classes here: dataclass
    generation costs ~1 ms per class at import, on the `br model route` path.)"""

    __slots__ = ("files", "total_bytes", "languages", "packages")

    def __init__(self, files: int = 0, total_bytes: int = 0, languages: tuple[str, ...] = (),
                 packages: tuple[str, ...] = ()) -> None:
        self.files, self.total_bytes, self.languages, self.packages = files, total_bytes, languages, packages

    @classmethod
    def from_paths(cls, paths: list[str | Path], root: Path | None = None, files: int | None = None) -> "TaskContext":
        """Context from real paths: sizes, languages by extension, top-level packages touched."""
        root = Path(root or os.getcwd())
        size, langs, pkgs = 0, set(), set()
        for raw in paths:
            path = Path(raw)
            full = path if path.is_absolute() else root / path
            with contextlib.suppress(OSError):  # a missing file adds nothing
                size += full.stat().st_size
            lang = _EXT_LANG.get(path.suffix.lower())
            if lang:
                langs.add(lang)
            try:
                rel = full.resolve().relative_to(root.resolve())
            except (ValueError, OSError):
                rel = path
            if len(rel.parts) > 1:
                pkgs.add(rel.parts[0] if rel.parts[0] not in {"src", "lib", "packages", "services", "apps"}
                         or len(rel.parts) < 3 else f"{rel.parts[0]}/{rel.parts[1]}")
        count = max(files or 0, len(paths))
        return cls(files=count, total_bytes=size, languages=tuple(sorted(langs)), packages=tuple(sorted(pkgs)))


_EXT_LANG = {".py": "python", ".js": "javascript", ".jsx": "javascript", ".mjs": "javascript",
             ".ts": "typescript", ".tsx": "typescript", ".go": "go", ".rs": "rust", ".java": "java",
             ".kt": "kotlin", ".rb": "ruby", ".php": "php", ".cs": "csharp", ".c": "c", ".h": "c",
             ".cpp": "cpp", ".hpp": "cpp", ".swift": "swift", ".sql": "sql", ".sh": "shell"}


class Complexity:
    def __init__(self, level: str, task_type: str, reasons: list[str] | None = None) -> None:
        self.level, self.task_type, self.reasons = level, task_type, reasons or []

    def as_dict(self) -> dict:
        return {"level": self.level, "task_type": self.task_type, "reasons": list(self.reasons)}

    def __repr__(self) -> str:
        return f"Complexity({self.level!r}, {self.task_type!r})"


class _Phrase(NamedTuple):
    pattern: re.Pattern
    level: str
    task_type: str
    mechanical: bool = False  # a tool-driven edit: scope and context never raise it
    weak: bool = False  # a vague verb ("fix", "add") whose object decides the level


def _p(regex: str, level: str, task_type: str, **kw) -> _Phrase:
    return _Phrase(re.compile(regex), level, task_type, **kw)


_W = r"(?:[\w`'./-]+\s+){0,4}?"  # up to four filler words between a verb and its object
_PHRASES: list[_Phrase] = [
    # simple, mechanical (tool-driven) edits: matched first so their objects are not read as work
    _p(r"\b(?:re)?format\w*\s+" + _W + r"(?:with|using)\s+\w+|" +
       r"\b(?:black|prettier|ruff format|gofmt|isort)\b", "simple", "format", mechanical=True),
    _p(r"\breformat\w*\b|" + r"\b(?:formatting|indentation|(?:trailing )?whitespace|tabs to spaces)\b", "simple", "format",
       mechanical=True),
    _p(r"\blint\w*\b|" + r"\b(?:lint|linter) (?:warnings|errors)\b", "simple", "lint", mechanical=True),
    _p(r"\bsort\w*\s+(?:the\s+)?imports\b|" + r"\bunused imports?\b", "simple", "lint",
       mechanical=True),
    _p(r"\b(?:typos?|spelling(?: mistakes)?|broken (?:markdown )?links?)\b", "simple", "typo", mechanical=True),
    # simple, non-mechanical text work
    _p(r"\bdocstrings?\b|" + r"\bcomments?\b", "simple", "docs"),
    _p(r"\btodos?\b", "simple", "todo"),
    _p(r"\brenam\w*\b", "simple", "rename"),
    _p(r"\btype hints?\b", "simple", "docs"),
    _p(r"\b(?:readme|changelog(?: entry)?|license|copyright|\.?gitignore|badge)\b", "simple", "docs"),
    _p(r"\bbump\w*\s+" + _W + r"version\b", "simple", "chore"),
    _p(r"\bexplain\w*\b|\bsummar\w*\b|\bdescribe\b|\blist the\b", "simple", "explain"),
    _p(r"\bcommit message\b|\btranslat\w*\b", "simple", "text"),
    # planning: designing, deciding, specifying, sequencing work
    _p(r"\b(?:design|architect|sketch|structure)\w*\s+" + _W + r"(?:architecture|system|service|services|"
       r"data model|api surface|plugin system|platform)\b", "planning", "architecture"),
    _p(r"\barchitect(?:ure)?\b|\bsystem design\b|\bhigh[- ]level design\b", "planning", "architecture"),
    _p(r"\b(?:prd|rfc|adr|design doc(?:ument)?|technical spec(?:ification)?|product requirements?)\b",
       "planning", "planning"),
    _p(r"\b(?:roadmap|rollout plan|milestones?|epic)\b", "planning", "planning"),
    _p(r"\bplan(?:ning)?\s+(?:the\s+|how\b|our\b|for\b)", "planning", "planning"),
    _p(r"\b(?:evaluate|compare|weigh)\w*\s+" + _W + r"(?:trade-?offs?|options|alternatives)\b|\btrade-?offs?\b",
       "planning", "planning"),
    _p(r"\bhow should we\b|\bpropose\b", "planning", "planning"),
    _p(r"\bbreak\w*\s+" + _W + r"down\b", "planning", "planning"),
    # complex actions
    _p(r"\bmigrat\w*\b|\bport\w*\s+" + _W + r"from\b|\bupgrade\w*\s+" + _W + r"from\b", "complex", "migration"),
    _p(r"\b(?:split|extract)\w*\s+" + _W + r"into\s+(?:its own|a separate|separate)\s+service", "complex",
       "refactor"),
    _p(r"\brewrit\w*\b|\bredesign\w*\b|\bre-?architect\w*\b", "complex", "refactor"),
    # medium: ordinary engineering
    _p(r"\bimplement\w*\b|\bbuild\b", "medium", "implement"),
    _p(r"\bbugs?\b|\bcrash\w*\b|\bdebug\w*\b|\bbroken\b|\bfailing\b|\bflaky\b|\berrors?\b", "medium", "fix"),
    _p(r"\btests?\b|\btesting\b|\bcoverage\b|\bpytest\b", "medium", "test"),
    _p(r"\brefactor\w*\b|\bclean\w* up\b|\btidy\w* up\b", "medium", "refactor"),
    _p(r"\boptimi[sz]\w*\b|\bperformance\b|\bslow\b|\bindex\b", "medium", "performance"),
    _p(r"\bvalidat\w*\b|\berror handling\b|\bhandl\w*\b|\bpars(?:e|er|ing)\b|\bcach\w*\b|\bretry\b|"
       r"\bpaginat\w*\b|\bendpoint\b|\bflag\b|\boption\b|\bexport\b|\bprogress bar\b|\bapi\b",
       "medium", "implement"),
    _p(r"\bfix\w*\b", "medium", "fix", weak=True),
    _p(r"\b(?:add|update|change|make|tweak|adjust|remove|delete|write|create|extract|convert|replace|move)\w*\b",
       "medium", "change", weak=True),
]

# Topics: what the change touches. They raise medium work to complex, never a mechanical/simple edit.
_TOPICS: list[tuple[re.Pattern, str, str]] = [
    (re.compile(r"\b(?:auth\w*|oauth\w*|login|password\w*|credential\w*|jwt|token|session\w*|csrf|xss|"
                r"sql injection|injection|encrypt\w*|decrypt\w*|crypto\w*|signing keys?|permission\w*|"
                r"authori[sz]ation|access control|secrets?|security|tenant isolation|multi-tenant)\b"),
     "security-sensitive", "security"),
    (re.compile(r"\b(?:race condition|race between|deadlock\w*|thread-?safe\w*|concurren\w*|mutex|lock\w*|"
                r"async(?:/await)?|asynchronous|goroutines?|parallel|idempoten\w*|distributed|leader election|"
                r"message queue|event-driven|worker crashes|shared across)\b"),
     "concurrency", "concurrency"),
    (re.compile(r"\b(?:schema|zero downtime|without downtime|existing data|data layer|data access layer|orm|"
                r"roll back|rollback|transaction\w*|consistently|consistency)\b"),
     "data integrity", "data"),
    (re.compile(r"\b(?:memory leak|leaks?|under (?:high )?load)\b"), "hard-to-reproduce runtime behaviour", "runtime"),
]

_NEGATION = re.compile(r"\b(?:don'?t|do not|does not|never|without|no need to|not|avoid|instead of|rather than)\b"
                       r"[^.;:!?,]*?(?=\b(?:just|only|but|instead)\b|[.;:!?,]|$)")
_SCOPE_UP = re.compile(r"\b(?:entire|whole|every\w*|everywhere|throughout|codebase-wide|project-wide|repo-wide|"
                       r"monorepo|all (?:services|modules|packages|endpoints|callers|repos|the services|worker)\w*|"
                       r"across (?:all|the|every|\w+,)|multiple (?:services|modules|packages|devices))\b")
_SCOPE_DOWN = re.compile(r"\b(?:just|only|quick(?:ly)?|small|tiny|minor|simple|trivial|one-line|single)\b")
_SPANS_PACKAGES = re.compile(r"\b(?:across|between) the \w+(?:, \w+)* and \w+ (?:packages|modules|services|clients)\b|"
                             r"\bthe \w+, \w+ and \w+ modules\b|\bweb and mobile\b")


def estimate_complexity(task: str, context: TaskContext | None = None) -> Complexity:  # noqa: C901 — existing debt: split it
    """The level of `task` with the reasons that decided it (`br model route --explain`)."""
    ctx = context or TaskContext()
    text = " ".join((task or "").lower().split())
    reasons: list[str] = []
    negated = [m.span() for m in _NEGATION.finditer(text)]
    if negated:
        reasons.append("ignored negated wording: " + "; ".join(repr(text[a:b]) for a, b in negated))

    def is_negated(pos: int) -> bool:
        return any(a <= pos < b for a, b in negated)

    taken: list[tuple[int, int]] = []
    hits: list[tuple[int, _Phrase, str]] = []
    for phrase in _PHRASES:
        for m in phrase.pattern.finditer(text):
            a, b = m.span()
            if a == b or is_negated(a) or any(a < y and x < b for x, y in taken):
                continue
            taken.append((a, b))
            hits.append((a, phrase, m.group(0).strip()))
    hits.sort(key=lambda h: h[0])
    topics = []
    for pattern, label, kind in _TOPICS:
        m = next((m for m in pattern.finditer(text) if not is_negated(m.start())), None)
        if m:
            topics.append((label, kind, m.group(0)))

    decisive: list = []
    if not hits:
        level, task_type = "medium", "general"
        reasons.append("no decisive wording: medium (biased up: a too-small model costs more than a bigger one)")
    else:
        words = ", ".join(dict.fromkeys(f"{h[2]!r}→{h[1].level}" for h in hits))
        reasons.append(f"wording: {words}")
        decisive = [_clause_lead(group) for group in _by_clause(text, hits)]
        lead = max(decisive, key=lambda h: RANK[h[1].level])
        level, task_type = lead[1].level, lead[1].task_type
        if len(decisive) > 1:
            reasons.append("clauses: " + ", ".join(f"{h[2]!r}→{h[1].level}" for h in decisive))
    mechanical = level == "simple" and all(h[1].mechanical for h in decisive if h[1].level == "simple")

    if topics and level in ("simple", "medium"):
        names = ", ".join(f"{label} ({word!r})" for label, _, word in topics)
        if level == "medium":
            level = "complex"
            task_type = topics[0][1] if task_type in ("change", "general", "implement", "fix") else task_type
            reasons.append(f"touches {names}: complex")
        else:
            reasons.append(f"mentions {names}, but the change itself is a {task_type} edit")

    scope_up = [m.group(0) for m in _SCOPE_UP.finditer(text) if not is_negated(m.start())]
    spans_packages = bool(_SPANS_PACKAGES.search(text))
    if scope_up or spans_packages:
        words = ", ".join(repr(w) for w in scope_up) or "names several packages"
        if mechanical:
            reasons.append(f"scope {words} ignored: a tool-driven {task_type} edit stays simple at any size")
        elif level == "medium" or (level == "simple" and task_type == "rename"):
            level = LEVELS[RANK[level] + 1]
            reasons.append(f"scope {words}: raised to {level}")
    down = [m.group(0) for m in _SCOPE_DOWN.finditer(text)]
    if down and RANK[level] >= RANK["medium"]:
        reasons.append(f"{', '.join(map(repr, down))} ignored: the work itself is {level}")

    level = _apply_context(level, task_type, mechanical, ctx, reasons)
    return Complexity(level=level, task_type=task_type, reasons=reasons)


_CLAUSE_BREAK = re.compile(r"[.;:!?]|,\s+(?:then|and)\b|\s+(?:and|then|so|plus)\s+")


def _by_clause(text: str, hits: list) -> list[list]:
    """Hits grouped by clause ("rename X and migrate Y" is two pieces of work)."""
    cuts = [m.start() for m in _CLAUSE_BREAK.finditer(text)]
    groups: dict[int, list] = {}
    for hit in hits:
        groups.setdefault(sum(1 for c in cuts if c < hit[0]), []).append(hit)
    return [groups[k] for k in sorted(groups)]


def _clause_lead(group: list):
    """The hit that decides a clause: its first action; a vague verb ("fix", "add") defers to its object.
    Planning wording anywhere in the clause wins (bias up) unless the clause opens with a simple edit
    ("fix the formatting of the architecture section")."""
    first = group[0]
    lead = next((h for h in group[1:] if not h[1].weak), first) if first[1].weak else first
    planning = next((h for h in group if h[1].level == "planning"), None)
    if planning is not None and not (lead[1].level == "simple" and not lead[1].weak):
        return planning
    return lead


def _apply_context(level: str, task_type: str, mechanical: bool, ctx: TaskContext, reasons: list[str]) -> str:
    if mechanical:
        if ctx.files > 1:
            reasons.append(f"{ctx.files} files, but a tool-driven edit: stays simple")
        return level
    raise_to, why = level, []
    if (ctx.files >= 20 and RANK[level] < RANK["complex"] and level != "simple") or \
            (ctx.files >= 8 and level == "medium"):
        raise_to, why = "complex", [f"{ctx.files} files"]
    elif ctx.files >= 10 and level == "simple":
        raise_to, why = "medium", [f"{ctx.files} files"]
    if len(ctx.packages) >= 2 and RANK[raise_to] < RANK["complex"] and level != "simple":
        raise_to = "complex"
        why.append(f"spans packages {', '.join(ctx.packages[:4])}")
    if len(ctx.languages) >= 2 and level == "medium" and ctx.files >= 4:
        raise_to = "complex"
        why.append(f"languages {', '.join(ctx.languages)}")
    if ctx.total_bytes > 400_000 and RANK[raise_to] < RANK["medium"]:
        raise_to = "medium"
        why.append(f"{ctx.total_bytes // 1000} KB of input")
    if raise_to != level:
        reasons.append(f"context ({'; '.join(why)}): raised to {raise_to}")
    elif ctx.files:
        reasons.append(f"context: {ctx.files} file(s), no change")
    return raise_to
