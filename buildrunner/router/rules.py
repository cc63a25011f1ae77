"""Phrase rules: the first-generation wording heuristic, now one *feature* of the learned estimator
(features.py adds `rules:<level>` and `rules:<type>`; the estimator weighs it with everything else).

Heuristics. The design biases up:
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

from typing import NamedTuple

from buildrunner.router.lazyre import LazyPattern, lazy

LEVELS = ("simple", "medium", "complex", "planning")
RANK = {name: i for i, name in enumerate(LEVELS)}


class _Phrase(NamedTuple):
    pattern: LazyPattern
    level: str
    task_type: str
    mechanical: bool = False  # a tool-driven edit: scope and context never raise it
    weak: bool = False  # a vague verb ("fix", "add") whose object decides the level


def _p(regex: str, level: str, task_type: str, **kw) -> _Phrase:
    return _Phrase(lazy(regex), level, task_type, **kw)


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
_TOPICS: list[tuple[LazyPattern, str, str]] = [
    (lazy(r"\b(?:auth\w*|oauth\w*|login|password\w*|credential\w*|jwt|token|session\w*|csrf|xss|"
                r"sql injection|injection|encrypt\w*|decrypt\w*|crypto\w*|signing keys?|permission\w*|"
                r"authori[sz]ation|access control|secrets?|security|tenant isolation|multi-tenant)\b"),
     "security-sensitive", "security"),
    (lazy(r"\b(?:race condition|race between|deadlock\w*|thread-?safe\w*|concurren\w*|mutex|lock\w*|"
                r"async(?:/await)?|asynchronous|goroutines?|parallel|idempoten\w*|distributed|leader election|"
                r"message queue|event-driven|worker crashes|shared across)\b"),
     "concurrency", "concurrency"),
    (lazy(r"\b(?:schema|zero downtime|without downtime|existing data|data layer|data access layer|orm|"
                r"roll back|rollback|transaction\w*|consistently|consistency)\b"),
     "data integrity", "data"),
    (lazy(r"\b(?:memory leak|leaks?|under (?:high )?load)\b"), "hard-to-reproduce runtime behaviour", "runtime"),
]

_NEGATION = lazy(r"\b(?:don'?t|do not|does not|never|without|no need to|not|avoid|instead of|rather than)\b"
                       r"[^.;:!?,]*?(?=\b(?:just|only|but|instead)\b|[.;:!?,]|$)")
_SCOPE_UP = lazy(r"\b(?:entire|whole|every\w*|everywhere|throughout|codebase-wide|project-wide|repo-wide|"
                       r"monorepo|all (?:services|modules|packages|endpoints|callers|repos|the services|worker)\w*|"
                       r"across (?:all|the|every|\w+,)|multiple (?:services|modules|packages|devices))\b")
_SPANS_PACKAGES = lazy(r"\b(?:across|between) the \w+(?:, \w+)* and \w+ (?:packages|modules|services|clients)\b|"
                             r"\bthe \w+, \w+ and \w+ modules\b|\bweb and mobile\b")


def rule_level(text: str) -> tuple[str, str, bool]:
    """(level, task type, mechanical) of the normalised `text` by the phrase rules (no context)."""
    text = " ".join((text or "").lower().split())
    negated = [m.span() for m in _NEGATION.finditer(text)]

    def is_negated(pos: int) -> bool:
        return any(a <= pos < b for a, b in negated)

    hits = _phrase_hits(text, is_negated)
    decisive: list = []
    if not hits:
        level, task_type = "medium", "general"  # no decisive wording: biased up
    else:
        decisive = [_clause_lead(group) for group in _by_clause(text, hits)]
        lead = max(decisive, key=lambda h: RANK[h[1].level])
        level, task_type = lead[1].level, lead[1].task_type
    mechanical = level == "simple" and all(h[1].mechanical for h in decisive if h[1].level == "simple")
    topics = [kind for pattern, _, kind in _TOPICS
              if any(not is_negated(m.start()) for m in pattern.finditer(text))]
    if topics and level == "medium":  # a topic raises ordinary work, never a simple edit
        level = "complex"
        task_type = topics[0] if task_type in ("change", "general", "implement", "fix") else task_type
    scope_up = any(not is_negated(m.start()) for m in _SCOPE_UP.finditer(text)) or _SPANS_PACKAGES.search(text)
    if scope_up and not mechanical and (level == "medium" or (level == "simple" and task_type == "rename")):
        level = LEVELS[RANK[level] + 1]
    return level, task_type, mechanical


def _phrase_hits(text: str, is_negated) -> list[tuple[int, _Phrase, str]]:
    """Phrase matches in text order; a phrase consumes its words (earlier phrases win)."""
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
    return hits


_CLAUSE_BREAK = lazy(r"[.;:!?]|,\s+(?:then|and)\b|\s+(?:and|then|so|plus)\s+")


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
