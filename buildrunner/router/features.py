"""Explainable features of a task for the routing estimator.

Each feature has a name a person can read (`act:typo`, `plan:doc`, `ask:decision`, `ctx:files>=8`),
a value (1.0 for phrase classes, a bounded number for counts) and the words that triggered it, so
`br model route --explain` can say *why*. The weights live in `data/weights.json` (fitted offline by
bench/router_train.py); this module only reads text and context, in pure Python.

Phrase classes are matched on the normalised prose (normalize.py: no code, traces, URLs, file
names or identifiers) with negated spans ("don't touch the auth logic") removed, and with word
boundaries (`auth` never matches "author"). The *lead* action (the first action verb of the task)
is a feature of its own: "fix the labels in the architecture doc" leads with a small edit, and
its planning noun is only the object.
"""

from __future__ import annotations

import math
import re

from buildrunner.router.lazyre import LazyPattern, lazy
from buildrunner.router.normalize import Normalized, normalize
from buildrunner.router.rules import rule_level

_F = 0  # the text is lower-cased once; case-insensitive patterns cost ~2x to compile
# Patterns are LazyPattern (lazyre.py): compiled only when the text contains a literal they need.


def _rx(*alternatives: str) -> LazyPattern:
    return lazy(r"\b(?:" + "|".join(alternatives) + r")\b", _F)


# What the task asks for. Order matters only for the lead action (the earliest match wins; ties go
# to the earlier class).
ACTIONS: list[tuple[str, LazyPattern]] = [
    ("act:format", _rx(r"(?:re)?format(?:ted|ting|ter)?", r"black", r"prettier", r"gofmt", r"isort",
                       r"trailing (?:whitespace|spaces|commas?)", r"whitespace", r"indentation",
                       r"tabs to spaces", r"newline at (?:the )?end", r"clang-format", r"rustfmt", r"pretty-print\w*",
                       r"tidy(?: up)?", r"line endings?", r"crlf", r"long lines", r"wrap(?:ped)? (?:the )?(?:long )?lines",
                       r"(?:single|double) quotes", r"semicolons?", r"title case", r"upper ?case\w*", r"lower ?case\w*",
                       r"alphabeti[sz]\w*", r"alphabetically")),
    ("act:lint", _rx(r"lint(?:s|ing|er)?", r"flake8", r"eslint", r"ruff(?: --fix)?", r"unused imports?",
                     r"(?:sort|order)(?: the)? imports?", r"import order", r"autofix(?:es)?", r"mypy", r"pylint",
                     r"rubocop", r"shellcheck", r"stylelint", r"markdownlint", r"golangci-lint", r"ktlint", r"swiftlint",
                     r"clippy", r"checkstyle", r"warnings?", r"style guide", r"offen[cs]es",
                     r"unused (?:variables?|imports?|arguments?|params?|parameters?|functions?)", r"dead code",
                     r"commented[- ]out")),
    ("act:typo", _rx(r"typos?", r"spell(?:ing|check)?(?: mistakes)?", r"misspell\w*", r"grammar", r"reword\w*",
                     r"wording", r"(?:broken|dead) (?:markdown )?links?", r"links? (?:is|are) (?:a )?404",
                     r"rephrase", r"proofread\w*", r"punctuation", r"capitali[sz]ation")),
    ("act:todo", _rx(r"(?:extract|collect|list|find|gather)\w* (?:all |the |every |open )*(?:todo|fixme)s?"
                     r"(?: comments?)?", r"todos?", r"fixmes?")),
    ("act:docs", _rx(r"docstrings?", r"comments?", r"readme", r"changelog(?: entry)?", r"changes\.md",
                     r"license headers?", r"copyright(?: year| notices?)?", r"badges?", r"alt text",
                     r"table of contents", r"toc", r"help (?:text|string)", r"front matter", r"citation", r"jsdoc",
                     r"javadoc", r"rustdoc", r"release notes", r"usage section", r"caption", r"faq",
                     r"code of conduct")),
    ("act:rename", _rx(r"renam\w*", r"renumber\w*")),
    ("act:version", _rx(r"bump\w*", r"pin(?:ned)?", r"version (?:number|string)", r"python_requires",
                        r"classifiers?")),
    ("act:explain", _rx(r"explain\w*", r"summari[sz]\w*", r"tl;?dr", r"what does", r"what is", r"what'?s",
                        r"which (?:file|port|python|version)", r"where is", r"list (?:the|all|every)",
                        r"describe")),
    ("act:text", _rx(r"commit (?:message|msg)", r"translat\w*", r"french", r"description for")),
    ("act:implement", _rx(r"implement\w*", r"build(?:s|ing)? (?:a|an|the|our)", r"add(?:s|ing)? support",
                          r"support(?:s|ing)?", r"feature", r"new (?:command|endpoint|option|flag)",
                          r"endpoint", r"option", r"--[a-z][\w-]*", r"flag", r"command", r"export",
                          r"integrat\w*", r"instrument\w*", r"code (?:it )?up")),
    ("act:bug", _rx(r"bugs?", r"crash\w*", r"fail(?:s|ed|ing|ure)?", r"errors?", r"exceptions?", r"broken",
                    r"regression", r"hangs?", r"deadlock\w*", r"leak\w*", r"race\w*", r"500s?", r"502s?", r"401",
                    r"400", r"oom", r"flaky", r"raises?", r"throws?", r"corrupt\w*", r"vulnerab\w*", r"injection",
                    r"xss", r"traversal", r"escalation", r"plaintext",
                    r"panic\w*", r"segfault\w*", r"(?:nil|null) pointer", r"off[- ]by[- ]one", r"breakages?",
                    r"break(?:s|ing)? (?:on|when|after|if|with)", r"los(?:e|es|ing) (?:their|the|its|our|my)")),
    # symptoms: words bug reports use, but so do small edits ("missing alt text", "wrong order")
    ("act:symptom", _rx(r"wrong", r"incorrect\w*", r"doesn'?t", r"does not", r"isn'?t", r"never", r"instead of",
                        r"ignor\w*", r"lags?", r"drops?", r"missing", r"duplicat\w*", r"twice", r"stale",
                        r"slow")),
    ("act:test", _rx(r"tests?", r"testing", r"coverage", r"pytest", r"e2e", r"playwright", r"mock\w*")),
    ("act:refactor", _rx(r"refactor\w*", r"extract\w*", r"split\w*", r"dedupe", r"clean(?:ing)? up",
                         r"restructur\w*", r"port(?:ed|ing)?", r"rewrit\w*", r"deprecat\w*", r"standardi[sz]e\w*",
                         r"promisify")),
    # generic verbs: their object decides ("drop the unused imports" vs "drop the ORM")
    ("act:swap", _rx(r"convert\w*", r"replace\w*", r"move\w*", r"switch\w*", r"drop\w*", r"shrink\w*")),
    ("act:perf", _rx(r"optimi[sz]\w*", r"speed(?:s|ing)? up", r"speedup", r"performance", r"faster", r"index",
                     r"n\+1", r"profil\w*", r"benchmark\w*", r"throttl\w*", r"debounc\w*", r"lazy")),
    ("act:migrate", _rx(r"migrat\w*", r"upgrad\w*", r"py2", r"python 2")),
    # a change in behaviour, not a value: "make it configurable", "automatically", "let users set it"
    ("act:behaviour", _rx(r"configurabl\w*", r"automatic(?:ally)?", r"(?:let|allow)(?:s|ing)? (?:users|people|customers|admins)",
                          r"remember\w*", r"persist\w*", r"(?:instead of|rather than|no more) hard-?cod\w*",
                          r"dynamic(?:ally)?", r"per (?:user|tenant|account|customer|project)",
                          r"at (?:build|run) ?time")),
    ("act:fix", _rx(r"fix\w*", r"correct\w*", r"handle\w*", r"make (?:it|them|the \w+) (?:work|safe)")),
    ("act:change", _rx(r"add\w*", r"updat\w*", r"chang\w*", r"mak(?:e|ing)", r"remov\w*", r"delet\w*",
                       r"set", r"use", r"write", r"creat\w*", r"generat\w*", r"put", r"point")),
]
# Simple edits: the lead action that keeps a planning noun or a scary topic an object, not the task.
SIMPLE_ACTIONS = {"act:format", "act:lint", "act:typo", "act:docs", "act:rename", "act:todo", "act:version",
                  "act:explain", "act:text"}

MECHANICAL = {"act:format", "act:lint"}
_WEAK = {"act:change", "act:swap"}  # vague verbs: the next action or planning word leads
_GENERIC = {"act:change", "act:fix", "act:swap", "act:symptom"}  # compatible with a simple edit
SMALL_OBJECTS = _rx(r"port", r"version", r"author\w*", r"metadata", r"setup\.cfg", r"print(?: statements?)?",
                    r"debug prints", r"\.?gitignore", r"badges?", r"entry", r"headings?", r"labels?", r"alt text",
                    r"markdown", r"messages?", r"error (?:text|string|message)s?", r"keywords", r"date", r"header",
                    r"table of contents", r"strings?", r"help", r"constant", r"default value", r"link",
                    r"one paragraph", r"one line", r"paragraph", r"sentence", r"env(?:ironment)? var\w*",
                    r"placeholder", r"title", r"button (?:text|label)", r"colou?rs?", r"replicas", r"cron(?: line)?",
                    r"timeout (?:value|constant)", r"constants?", r"year", r"email(?: address)?", r"url", r"logo",
                    r"footer", r"greeting", r"welcome message", r"toast", r"tooltip", r"caption", r"base image",
                    r"log level", r"font(?: size)?", r"icon", r"copy", r"typo",
                    # settings: one value in a stylesheet, manifest, notebook or board config
                    r"padding", r"margin", r"border[- ]radius", r"gap", r"hover colou?r", r"underline", r"namespace",
                    r"(?:memory|cpu) limit", r"tags?", r"probe path", r"instance type", r"seed", r"learning rate",
                    r"batch size", r"baud rate", r"display name", r"axis labels?", r"retention", r"page size",
                    r"outputs", r"usage description")

# a program component named as the subject: "the changelog generator puts entries under the wrong
# version" is a bug in code that produces the changelog, not a changelog edit
COMPONENT = _rx(r"generator", r"renderer", r"formatter", r"parser", r"importer", r"exporter", r"serializer",
                r"deserializer", r"validator", r"loader", r"resolver", r"converter", r"compiler", r"scheduler",
                r"handler", r"middleware", r"plugin", r"extension", r"script", r"job", r"pipeline", r"hook")

PLANNING: list[tuple[str, LazyPattern]] = [
    ("plan:doc", _rx(r"prd", r"rfc", r"adr(?: \d+)?", r"pep(?:-style|-like)?", r"design doc(?:ument)?",
                     r"tech(?:nical)? spec(?:ification)?", r"spec(?: out|ify)", r"product requirements?",
                     r"(?:technical|engineering) strategy", r"threat model", r"roadmap", r"proposal",
                     r"write(?:-| )up", r"dr plan", r"disaster recovery")),
    ("plan:design", _rx(r"design(?:s|ing)?", r"architect\w*", r"system design", r"data model",
                        r"api surface", r"module boundaries", r"layering", r"sketch\w*")),
    ("plan:plan", _rx(r"plan(?:s|ning)?", r"strategy", r"milestones?", r"epic", r"rollout", r"sunset",
                      r"capacity", r"process", r"polic(?:y|ies)", r"slos?", r"going forward", r"next quarter",
                      r"next year", r"break \w+(?: \w+){0,4} (?:into|down)", r"decompos\w*")),
    ("plan:propose", _rx(r"propos\w*", r"define", r"decide", r"decision", r"choos\w*", r"pick",
                         r"evaluat\w*", r"compar\w*", r"weigh", r"trade-?offs?", r"build vs\.? buy",
                         r"which (?:is|one|and why)", r"which \w+(?: \w+)? and why", r"guarantees?",
                         # weighing options without naming them as a decision
                         r"(?:the|our|its) options", r"alternatives?", r"which (?:path|approach|option)",
                         r"in what order", r"what do we (?:give up|lose)", r"ownership", r"own(?:s)? retries")),
    # asking for the approach rather than the change: "what would it take", "lay out", "think through"
    ("plan:approach", _rx(r"think (?:through|about)", r"lay(?:ing)? out", r"map(?:ping)? out", r"outline",
                          r"what would it (?:take|involve|look like)", r"how (?:would|could|should) (?:we|this|it)",
                          r"end[- ]to[- ]end", r"(?:our|the|an?) approach", r"phases?", r"boundar(?:y|ies)",
                          r"responsibilit\w*", r"who owns", r"coordinat\w*", r"stay(?:s)? (?:in sync|coherent|consistent)",
                          r"the path from", r"come up with")),
]

TOPICS: list[tuple[str, LazyPattern]] = [
    ("topic:security", _rx(r"auth", r"authenticat\w*", r"authori[sz]\w*", r"oauth\w*", r"login", r"passwords?",
                           r"credentials?", r"jwt", r"tokens?", r"csrf", r"xss", r"injection", r"encrypt\w*",
                           r"crypto\w*", r"permissions?", r"rbac", r"saml", r"sso", r"2fa", r"two-factor",
                           r"secrets?", r"security", r"privilege", r"signatures?")),
    ("topic:concurrency", _rx(r"race(?: condition)?", r"deadlock\w*", r"thread\w*", r"concurren\w*",
                              r"mutex", r"locks?", r"locking", r"async\w*", r"await", r"goroutines?",
                              r"parallel", r"idempoten\w*", r"signal handler", r"gil")),
    ("topic:data", _rx(r"schema", r"downtime", r"existing (?:data|rows)", r"transactions?", r"consisten\w*",
                       r"roll(?:s)? back", r"rollback", r"replication", r"shard\w*", r"failover")),
]

SCOPE_WIDE = _rx(r"entire", r"whole", r"everywhere", r"throughout",
                 r"(?:across|through) the (?:app|apps|codebase|code|project|repo|package|site|ui|components|pages|"
                 r"screens|services|modules)",
                 r"(?:in|to|for) all (?:the )?(?:components|pages|screens|views|handlers|routes|models|tests|forms)", r"codebase-wide", r"repo(?:sitory)?-wide",
                 r"project-wide", r"all (?:the )?(?:services|modules|packages|endpoints|callers|files|tiers|stores)",
                 r"every (?:service|module|package|endpoint|caller|query|file)", r"across (?:all|every)")
SCOPE_SMALL = _rx(r"just", r"only", r"quick(?:ly)?", r"small", r"tiny", r"minor", r"simple", r"trivial",
                  r"one-line", r"single", r"briefly")
DEBUG_HARD = _rx(r"root[- ]cause", r"find out (?:why|where|which)", r"figure out why", r"track(?:ing)? down",
                 r"trac(?:e|ing) why", r"investigat\w*", r"intermittent\w*", r"sometimes", r"drift\w*",
                 r"disagree\w*", r"not sure where", r"which component", r"differ\w*", r"vanish\w*",
                 r"spik(?:e|es|ing)", r"cause (?:is )?unknown", r"unknown cause",
                 r"(?:which|what) (?:one|change|layer|part) (?:is|caused|causes)",
                 r"(?:\w+|several|multiple) things changed", r"could be (?:the |our |a )?[\w-]+(?: [\w-]+)?,? or",
                 r"pin (?:it|this|that) down", r"bisect\w*", r"(?:common|shared) (?:cause|factor|root)",
                 r"what'?s common")
# the cause is unknown: read as written, a negation here is the evidence ("no idea where it starts")
# ("no idea what this regex does" asks for an explanation: "what" and "how" are not in these)
DEBUG_UNKNOWN = _rx(r"no idea (?:why|where|which)", r"(?:nobody|no one) knows (?:why|where|which)",
                    r"(?:do not|don'?t|can'?t|cannot) (?:know|tell|see|figure out) (?:if|whether|why|where|which)",
                    r"(?:can'?t|cannot|can not|unable to|never) (?:repro\w*|reproduce)")
# The reporter's expectation as a sentence of its own, the prose form of the template's "Expected behavior"
# ("... With `HOSTS=a,b` it's split. Expected the default to be split too.", "I expected only ruff to be added",
# "Workaround: ..."): a bug report's sentence, which an edit request does not write.
EXPECTED = lazy(r"(?:^|[.!?]\s+|\n)(?:i |we )?expected (?:the|it|this|that|a|an|to|only|[\w-]+ to)\b|"
                r"\bworkaround:|\bwould expect\b", _F)
# several suspects named and none ruled out: "could be the CDN, our LB or the cert chain", "not sure which",
# "suspects: backups, autoscaler, istio", "each component looks healthy on its own"
DEBUG_SUSPECTS = lazy(r"\b(?:could|might|may) be (?:any of (?:them|these|those|the \w+)|(?:the |our |a |an )?[\w/-]+"
                      r"(?: [\w/-]+){0,2}, (?:the |our |a |an )?[\w/-]+(?: [\w/-]+){0,2},? or)|\b(?:can'?t|cannot) "
                      r"say which|\bnot sure which(?: one| of them)?(?:[.,;!]|$)|\bsuspects?:|\bsuspect (?:three|two|"
                      r"several|a few) things|can'?t rule (?:any|it|them|one) out|\b(?:each|every) (?:component|service|"
                      r"node) (?:looks|is|seems) healthy|\bno single (?:pattern|cause|culprit|component|service)", _F)
# A failure someone ran into and reports (the prose form of a bug report, no template needed): the
# reporter's own experience ("I'm trying to", "when I", "I get", "we're seeing", "users report")
# next to a failure form ("doesn't work", "crashes", "can't", "never received", "no longer").
# Matched without the negation filter: "doesn't" and "never" are the evidence here.
REPORTED = _rx(r"i'?m trying", r"i am trying", r"i tried", r"i try", r"when i",
               r"i (?:open|opened|file|filed|found|hit|ran into|run into|encountered) (?:this|a|an) (?:bug|issue|ticket|problem)", r"i (?:get|got|keep getting|see|saw|noticed)",
               r"i'?m (?:getting|seeing)", r"i am (?:getting|seeing)", r"we(?:'re| are) (?:getting|seeing)",
               r"we (?:get|got|see|saw|noticed|keep getting)",
               r"(?:users?|customers?|donors?|people|clients?|players?|students?|members?) (?:report\w*|told us|say|"
               r"complain\w*)", r"told us")
FAILURE = _rx(r"bugs?(?! me)", r"crash\w*", r"panic\w*", r"segfault\w*", r"hangs?", r"freez\w*", r"regression", r"broken", r"fail(?:s|ed|ing|ure)?",
              r"errors?", r"exceptions?", r"raises?", r"throws?", r"(?:doesn'?t|does not|don'?t|do not|isn'?t|is not|"
              r"stopped|not) work\w*", r"no longer", r"can'?not", r"can'?t", r"unable to", r"won'?t", r"doesn'?t",
              r"does not", r"isn'?t", r"aren'?t", r"never", r"wrong", r"incorrect\w*", r"missing", r"unexpected\w*",
              r"leak\w*", r"deadlock\w*", r"corrupt\w*", r"not (?:found|shown|updat\w*|saved|sent|received)")
# A failure stated as a fact about a part of the program, the way bug titles are written: a subject,
# then what it does wrong ("todo scanner misses TODO comments in CRLF files", "LSP rename only renames
# in the current file", "decimal formatting rounds wrong", "cart badge not updating", "the formatter moves
# comments onto the wrong line"). The subject's
# words (todo, rename, formatting) name what the bug is about, not the task. A state of some content
# ("footer year is wrong", "the README link is broken", "the table has the wrong value") is not this
# form: those are edits. Neither is an imperative ("fix the typo in ...", "rename x to y": _NOT_SUBJECT).
STATED_FAILURE = lazy(
    r"^\W*(?:(?:the|our|a|an|my|its|their) )?((?:[\w'./+#&-]+ ){0,6}?)"
    r"(?:miss(?:es|ed)|drops|dropped|skips|skipped|ignores|ignored|crash(?:es|ed)?|breaks|broke|fails|failed|hangs|"
    r"freezes|loses|lost|leaks|panics|throws|raises|segfaults|swallows|truncates|mangles|duplicates|overwrites|"
    r"reorders|strips|eats|collides|corrupts|rejects|times out|stalls|"
    r"(?:comes? out|renders?|ends? up) (?:\w+ ){0,2}(?:wrong|incorrect\w*|ignored|missing|empty|blank|lost|stale|"
    r"truncated|duplicated|garbled|doubled|shifted|flat|twice|out of order|invisible|unreadable)|"
    # ("doesn't need to be public", "don't have to" are not failures)
    r"(?:doesn'?t|does not|don'?t|do not)(?! (?:need|have to|have any need))|"
    r"(?:isn'?t|aren'?t|won'?t|can'?t|cannot|never|no longer|stopped|stops)|"
    r"only \w+s|(?!(?:is|has|was|does|says)\b)\w+s (?:only|(?:the )?wrong|twice|incorrectly"
    # a thing put in the wrong place: "the formatter moves comments onto the wrong line"
    r"|(?:[\w'-]+ ){1,3}(?:on|onto|into|to|in|at|under|with|from|for) the wrong)|"
    r"not \w+ing|regress\w*)\b", _F)
# a first word that makes the text an imperative or a question, not a subject that fails ("this regex misses
# emails with a plus sign", "it crashes on save" have a subject)
_IMPERATIVES = """fix add update change make remove delete rename bump set use write create move replace
convert drop please let allow ensure handle correct implement support refactor extract split clean improve document
explain show display return render sort format lint reformat tidy translate generate build run migrate upgrade port
rewrite switch enable disable turn put point give bring keep stop start include exclude avoid prevent raise log print
warn cache expose wire hook register emit send read parse validate check test cover debug investigate find list
collect describe summarize summarise review can could would should how what why where when which who is are do does
i we you they there tag mark pin annotate comment strip trim align indent"""
_NOT_SUBJECT = frozenset(_IMPERATIVES.split())
# reported speech or a clause before the failure: "my professor says my file doesn't ...", "imports x but never uses it"
_NOT_IN_SUBJECT = frozenset(("says", "said", "thinks", "but", "and"))
_STATED_MAX_WORDS = 30  # a title or a one-line report; longer text has a title line of its own (Normalized.title)
# The weaker form of the same: a part of the program described doing something, with no failure word
# ("formatter moves comments out of match arms", "--dry-run still pushes the tag", "autocomplete suggests
# deleted tags", "theme colors reset after page refresh"). A task states what the program does only to
# report it. Content ("the README install section still says ...", "the example in the docs uses 60")
# and a statement followed by the edit to make ("...; change it to 120", "strip it") are edits.
BEHAVIOUR_STATED = lazy(
    r"^\W*(?:(?:the|our|a|an|my|its|their|this|that) )?(?:still )?((?:[\w'./+#&:-]+ ){1,6}?)(?:still )?"
    r"(?:moves|puts|returns|opens|pushes|shows|reports|copies|removes|treats|rewrites|flags|overlaps|suggests|"
    r"includes|takes|resets|adds|converts|sends|writes|deletes|generates|creates|marks|counts|sorts|picks|keeps|"
    r"leaves|hides|blocks|retries|loops|spins|reloads|prints|emits|logs|wraps|splits|inserts|replaces|reverts|"
    r"clears|overrides|downloads|uploads|matches|accepts|appends|disagrees|spills|selects|loads|saves|shifts|"
    r"doubles|escapes|encodes|decodes|parses|renders|reads|stores|caches|fires|triggers|starts|stops|exits|closes|"
    r"got (?:slower|stuck|lost)|gets? (?:stuck|lost|reset|dropped|duplicated|cleared)|"
    r"(?:vanish|disappear|reset|break|fail|crash|hang|flicker|overlap|leak|drift|lag|stall|freeze)(?:es|s)?)\b", _F)
# The verbless form of a bug title: a part of the program, a failed state and the condition it shows
# under ("comment count wrong after deleting a reply", "formatter not idempotent on long strings",
# "changelog: entries duplicated when a PR has two labels", "404 on every docs page after the move").
# The condition is what makes it a report: "the footer year is wrong" and "the changelog is missing the
# 2.1 entry" are edits to content, and so is a documentation subject (_DOC_SUBJECT).
VERBLESS_FAILURE = lazy(
    r"^\W*(?:(?:the|our|a|an|my|its|their) )?((?:[\w'./+#&:*-]+ ){0,6}?)(?:is |are )?"
    r"(?:missing|broken|empty|blank|stale|wrong|incorrect|duplicated|garbled|off by one|out of sync|"
    r"false positives?|marked \w+|(?:http )?[45]\d\d(?: errors?| responses?)?|"
    r"not (?:idempotent|found|shown|working|applied|respected|honou?red|updated|saved|sent|escaped|closed|"
    r"released|cleared|reset)) "
    # "on the about page" is a place in some content; "on error responses", "on windows" a condition
    r"(?:(?:on|for)(?! (?:the|this|our|my) )|after|when|with|under|if|during|since|between|unless|while|until|"
    r"once|whenever)\b", _F)
# the content words of a documentation edit ("copyright notice wrong on every page", "README badge broken
# since the rename"); program parts that share a word with content (a CORS header, a settings page) stay
_DOC_WORDS = """readme docs doc documentation example examples license licence classifier description changelog
tooltip snippet sample guide tutorial wiki footer caption label heading link links url title message copyright
typo typos spelling wording text"""
_DOC_SUBJECT = frozenset(_DOC_WORDS.split())
# A simple-edit word that names a part of the program ("spellcheck CI job flags words inside code blocks",
# "comment stripper removes URLs", "license header check flags generated files", "typo checker times out"):
# the word is the component's name, not the task, so the typo guard and the content-subject guards do not apply.
SIMPLE_COMPONENT = lazy(r"^(?:[\w.-]+:\s)?(?:[\w.-]+\s)?(?:typos?|spell(?:ing)?|spell ?check(?:er|ing)?|lint(?:er|ing)?|"
                        r"license[- ]headers?|format(?:ter|ting)?|prettier|eslint|comments?|docstrings?|changelog|"
                        r"readme|links?|markdown|docs?)(?: ci)? (?:checker|check|job|stripper|hook|plugin|extension|bot|"
                        r"action|generator|parser|renderer|linter|server|step|workflow|dictionary|pipeline|tool|"
                        r"script)s?\b", _F)
# A report that says only documentation needs the edit ("Just the README.", "Only the comment is wrong.", "One
# character in the link.", "just a docs fix"): the reporter scoped it to text, so the bug-report floor does not apply.
CONTENT_ONLY = lazy(r"(?:\b(?:just|only) (?:the|that|this|one|a) (?:\w+ )?(?:docs?|documentation|readme|comment|docstring|"
                    r"link|example|typo|changelog|help (?:text|string)|guide|manual|wording|diagram|anchor|url|heading|"
                    r"description text)|\bonly (?:readme|the docs?|docs))\b(?! (?:checker|check|job|generator|parser|"
                    r"renderer|build|builder|server|tool|script|plugin|step|tests?|site|pipeline))|"
                    r"\bjust a (?:docs|doc|readme|typo|wording) fix|\bone (?:character|word)\b[.,;!]", _F)
_DOC_LABELS = frozenset(("docs", "doc", "documentation", "readme", "wiki", "typo", "typos", "spelling"))
_EDIT_FOLLOWS = lazy(r"\b(?:should (?:be|say|read)|could you|please|(?:change|make|set|strip|remove|delete|drop|"
                     r"update|replace|bump) (?:it|them|those|this|that)\b)", _F)
_CONTENT_WORDS = """readme docs doc documentation example examples title field license licence classifier
description page message label heading link links url changelog comment section table tooltip command snippet sample
guide tutorial wiki header footer caption name value default setting config entry"""
_CONTENT_SUBJECT = frozenset(_CONTENT_WORDS.split())
# a compact noun phrase can start with a verb-like word ("rename refactoring misses references", "sort order
# ignores case"); an imperative has an article, a pronoun or a clause ("update the README so it no longer ...")
_NOT_IN_NOUN_PHRASE = frozenset(("the", "a", "an", "it", "so", "to", "that", "this", "them", "they", "its", "our", "my",
                                 "your", "when", "if"))
_FIX_REQUEST = lazy(r"\b(?:change|bump|replace|update|set|should (?:be|say|read)|could you|please|"
                    r"fix the (?:number|value|line|text|path|link)|(?:strip|remove|delete|drop) (?:it|them|those|the))\b",
                    _F)
# A pull request or commit that adds a feature, in the forms PRs are written: a conventional-commit type
# that adds behaviour ("feat(search): ...", "perf: ...") or "this PR adds/allows/...". ("refactor:" and
# "chore:" are not in it: "refactor: rename the local variable tmp" is a small edit.)
# Its words are often a value's ("allows requestTimeout to be configured") or a simple edit's ("typo-
# tolerant matching"): the form says it is a change in behaviour.
PR_FEATURE = lazy(r"^\W*(?:feat|feature|perf)(?:\([^)]*\))?!?: "
                  r"|\bthis (?:pr|pull request|patch|change|commit) (?:adds|allows|implements|introduces|enables|"
                  r"supports|lets)\b", _F)
SYSTEMS = _rx(r"services?", r"gateway", r"api gateway", r"queue", r"workers?", r"consumers?", r"producers?",
              r"db", r"databases?", r"postgres\w*", r"mysql", r"caches?", r"redis", r"cdn", r"kafka", r"broker",
              r"frontend", r"backend", r"mobile(?: app)?", r"web(?: app)?", r"search index", r"proxy", r"mailer",
              r"billing", r"checkout", r"payments?", r"shipping", r"inventory", r"cart", r"auth service",
              r"notifications?", r"thumbnailer", r"ingest\w*", r"regions?", r"platform", r"stores?",
              r"admin ui", r"reporting", r"clients?", r"tiers?", r"teams?", r"monolith", r"microservices",
              r"webhooks?", r"ledger", r"scheduler", r"importer", r"exporter", r"(?:read )?replicas?", r"sdks?",
              r"search", r"recommendations?", r"catalog", r"apps?", r"cluster", r"data warehouse", r"pipeline")
# synonyms name one system: "the database" and "postgres" are one component, not two
_SYSTEM_CLASS = {**dict.fromkeys(("db", "database", "databases", "postgres", "postgresql", "mysql"), "database"),
                 **dict.fromkeys(("cache", "caches", "redis"), "cache"),
                 **dict.fromkeys(("queue", "kafka", "broker"), "queue"),
                 **dict.fromkeys(("web", "web app", "frontend"), "web"),
                 **dict.fromkeys(("mobile", "mobile app"), "mobile"),
                 **dict.fromkeys(("payment", "payments", "checkout", "billing"), "payments")}
DELIVERABLE = _rx(r"doc(?:ument)?", r"write-?up", r"plan", r"strategy", r"proposal", r"spec", r"report")
QUESTION_OR = lazy(r"\b(?:or|vs\.?|versus)\b[^.?!]*\?|\b(?:vs\.?|versus)\b|\?[^.?!]*\bor\b", _F)
# options named without asking a question: "Kafka, RabbitMQ or SNS?", "tenancy: schema, database or row
# level", "build or buy", "in-house or third party" (titles of decision records read like this)
OPTIONS = lazy(r"\b[\w-]+(?: [\w-]+)?, [\w-]+(?: [\w-]+)?,? or [\w-]+|\b(?:build or buy|in-house or|yes or no)\b"
               r"|\bor (?:a |an |the )?(?:vendor|third[- ]party|managed \w+|something else|separate ones|many \w+)\b"
               r"|: [^:.?!,]{1,40}\bor\b", _F)
BARE_CHOICE = lazy(r"\b[\w-]+ (?:or|vs\.?|versus) [\w-]+", _F)
QUESTION_START = _rx(r"should (?:we|i|it|the|this|auth|tenants)", r"how (?:should|do|would|can) we",
                     r"how should (?:\w+ ){1,3}(?:work|behave|live)",
                     r"which is better", r"is it better", r"do we", r"where should", r"what (?:consistency|strategy)",
                     r"who should")
LOOKUP = lazy(r"^\W*(?:what|which|where|when|is|are|does|do|can|how (?:do i|does|many|much))\b", _F)
NEGATION = lazy(r"\b(?:don'?t|do not|never touch|without touching|no need to|avoid|rather than|no)\b"
                      r"[^.;:!?,]*?(?=\b(?:just|only|but|instead)\b|[.;:!?,]|$)", _F)
# a literal value edit: "from 10 to 30", "x -> y", "= 30", "should say 'Save'", "#1a73e8", "to 2.3.1"
VALUE_EDIT = lazy(r"->|=>|\bfrom \S+ to \S|(?:^|\s)=\s*\S|\b(?:to|be|say|says|read|reads) (?:['\"]|v?\d)|#[0-9a-f]{3,6}\b"
                  # a quantity with its unit ("16px", "512Mi", "2000 ms", "30 days") or a value that ends the task
                  r"|\b\d+(?:\.\d+)?(?:e-?\d+)? ?(?:px|rem|em|pt|dp|mi|gi|mb|gb|kb|ms|seconds?|minutes?|hours?|days?)\b"
                  r"|\s\d[\w.-]*\s*$", _F)
THIS_OBJECT = _rx(r"this (?:function|file|snippet|query|request|regex|regular expression|json|yaml|csv|sql|error|"
                  r"message|line|method|class|script|command|output|text|paragraph|pr|pull request|commit)")
# the design is already chosen, the task carries it out: "as planned", "per the spec", "we went with Redis"
DECIDED = _rx(r"as (?:planned|decided|agreed|specified|described|designed)", r"we (?:agreed|decided|settled) on",
              r"(?:as|like) the (?:ticket|plan|spec|runbook|design doc|adr|rfc)(?:'s)? (?:says|describes|lists)",
              r"(?:per|from|in) the (?:ticket|plan|spec|runbook|approved \w+(?: \w+)?)", r"(?:already|is|are) (?:settled|decided)",
              r"we (?:went with|picked|chose)", r"the team (?:picked|chose)", r"(?:we|the team) (?:agreed|settled) on",
              r"(?:the )?plan'?s (?:first|second|third|next) step", r"(?:step|phase) \d+ of the",
              # a document or a decision that already chose: "the design note settled on", "as the ADR decided",
              # "RFC accepted:", "is the chosen path", "per the decision", "that docs/adr/0007 accepted"
              r"(?:the|that|our) (?:[\w./'-]+ ){0,3}?(?:team|design|doc|adr|rfc|plan|spec|review|committee|architects?|leads?|"
              r"memo|note|one-pager|prd|proposal|decision|docs/adr/\d+)(?:[- ]\w+)? (?:decided|chose|settled on|accepted|"
              r"approved|signed off|picked)",
              r"(?:rfc|adr|proposal|plan|design|decision|spec)(?: \d+)? (?:is |was |has been )?(?:accepted|approved|"
              r"signed off|finished|agreed)",
              r"(?:is|was) the (?:chosen|agreed|accepted|approved|decided) \w+", r"agreed (?:in|at|on) the",
              # carrying out a named document: "per the pipeline design", "following the plan we wrote", "per PRD-7",
              # "the threat model says to sign ...", "system design is done", "the architecture decision was made"
              r"(?:following|per|from|according to) (?:the |our )?(?:[\w'-]+ ){0,3}?(?:plan|design|spec|prd|rfc|adr|"
              r"threat model|doc|decision|proposal|runbook)",
              r"(?:design|decision|plan|spec|rfc|adr|prd)(?: [\w-]+){0,2} (?:is|was|has been) (?:done|made|final|approved|"
              r"accepted|signed off|agreed)",
              r"(?:threat model|spec|prd|rfc|adr|design(?: doc)?|plan|doc) (?:says|said|defines|describes|specifies|lists|"
              r"calls for)",
              r"(?:accepted|approved|agreed|chosen) (?:\w+ )?(?:rfc|adr|design|plan|proposal|spec|approach)")
# a planning document named as the *place* of an edit, not the task: a short title label before a colon
# ("network design doc: the CIDR in the subnet table is wrong", "search RFC: fix the example query") or
# "in/of/under the ... doc" ("in the PRD for onboarding, the metric should read 'days'"). Planning words
# inside it do not lead the task; the action after it does (the model still sees the planning words).
DOC_PLACE = lazy(r"^\W*(?:[\w'./#()-]+ ){0,5}[\w'./#()-]+:\s"
                 r"|\b(?:in|of|under|inside|within|from) (?:the|our|this|that) (?:[\w'-]+ ){0,4}?"
                 r"(?:doc(?:ument)?s?|rfc|adr|prd|spec|plan|proposal|roadmap|memo|note|write-?up|overview|checklist|"
                 r"diagram|threat model|runbook|index|decision (?:log|record))(?:'s)?\b", _F)
# a label that names only a kind of document announces the deliverable ("RFC: replace homegrown auth",
# "system design: URL shortener"): it is the task, not a place
_BARE_DOC_LABEL = re.compile(r"^\W*(?:(?:system|technical|tech|design|architecture|architectural|doc|rfc|adr|prd|"
                             r"pep(?:-style)?|proposal|spec|plan|product|requirements|draft|new|an?|the)\s*)+:\s")
_LIST3 = lazy(r"\b[\w-]+(?: [\w-]+)?, (?:the )?[\w-]+(?: [\w-]+)?,? and (?:the )?[\w-]+", _F)
_WORD = re.compile(r"[a-z][a-z'-]*", _F)


class Features:
    """Feature values and the words behind each (for --explain)."""

    __slots__ = ("values", "evidence", "lead", "normalized")

    def __init__(self) -> None:
        self.values: dict[str, float] = {}
        self.evidence: dict[str, list[str]] = {}
        self.lead: str | None = None
        self.normalized: Normalized | None = None

    def set(self, name: str, value: float = 1.0, words: list[str] | None = None) -> None:
        if value:
            self.values[name] = float(value)
            if words:
                self.evidence[name] = list(dict.fromkeys(w.lower() for w in words))[:4]


def _live(pattern: LazyPattern, text: str, negated: list[tuple[int, int]]) -> list[re.Match]:
    return [m for m in pattern.finditer(text) if not any(a <= m.start() < b for a, b in negated)]


def extract(task: str, context=None) -> Features:
    """The features of `task` (raw text) with `context` (a complexity.TaskContext or None)."""
    norm = normalize(task)
    text = norm.text.lower()
    f = Features()
    f.normalized = norm
    negated = [m.span() for m in NEGATION.finditer(text)]
    firsts = _action_features(f, text, negated)
    # a vague verb ("add", "write", "make") defers to what follows it: "write an RFC" leads with the RFC
    first_action = firsts[0] if firsts else None
    if first_action and first_action[2] in _WEAK:
        first_action = next((a for a in firsts[1:] if a[0] - first_action[0] <= 40), first_action)
    first_plan, placed = _planning_features(f, text, negated, bool(firsts))
    if placed and first_action and not (first_plan and first_plan[0] < first_action[0]):
        f.set("plan:place", 1.0, [placed[1]])
    _lead_features(f, firsts, first_action, first_plan)
    present = {name for name in f.values if name.startswith("act:")}
    if present and present <= SIMPLE_ACTIONS | _GENERIC and present & SIMPLE_ACTIONS:
        f.set("only:simple-actions", 1.0, [w for n in sorted(present & SIMPLE_ACTIONS) for w in f.evidence[n][:1]])
        wide = _live(SCOPE_WIDE, text, negated)
        many = getattr(context, "files", 0) or 0
        if (wide or many >= 8) and not present & MECHANICAL:
            f.set("simple-edit:wide", 1.0, [wide[0].group(0)] if wide else [f"{many} files"])
    small = _live(SMALL_OBJECTS, text, negated)
    if small:
        f.set("obj:small", 1.0, [m.group(0) for m in small])
    _shape_features(f, text, negated, norm)
    _interactions(f, present, small)
    _target_features(f, text, norm, context)
    _word_features(f, text, negated)
    level, task_type, mechanical = rule_level(text)
    f.set("rules:" + level, 1.0, [task_type])
    if mechanical:
        f.set("rules:mechanical", 1.0, [task_type])
    _context_features(f, context)
    return f


def _action_features(f: Features, text: str, negated: list[tuple[int, int]]) -> list[tuple[int, int, str, str]]:
    """The action classes, and each one's first hit as (position, rank, class, words), in text order."""
    firsts: list[tuple[int, int, str, str]] = []
    taken: list[tuple[int, int]] = []  # a phrase consumes its words: "extract" in "extract the TODOs"
    for rank, (name, pattern) in enumerate(ACTIONS):
        hits = [m for m in _live(pattern, text, negated) if not any(m.start() < b and a < m.end() for a, b in taken)]
        taken += [m.span() for m in hits]
        if hits:
            f.set(name, 1.0, [m.group(0) for m in hits])
            firsts.append((hits[0].start(), rank, name, hits[0].group(0)))
    firsts.sort()
    return firsts


def _planning_features(f: Features, text: str, negated: list[tuple[int, int]],
                       has_action: bool) -> tuple[tuple[int, str] | None, tuple[int, str] | None]:
    """The planning and topic classes. Returns the first planning word that can lead the task and the
    first one inside a document named as the place of an edit (DOC_PLACE; only when there is an action)."""
    first_plan = placed = None
    places = [m.span() for m in DOC_PLACE.finditer(text) if not _BARE_DOC_LABEL.match(m.group(0))] if has_action else []
    for name, pattern in PLANNING + TOPICS:
        hits = _live(pattern, text, negated)
        if hits:
            f.set(name, 1.0, [m.group(0) for m in hits])
            if not name.startswith("plan:"):
                continue
            for m in hits:
                if any(a <= m.start() < b for a, b in places):
                    placed = placed if placed and placed[0] <= m.start() else (m.start(), m.group(0))
                elif first_plan is None or m.start() < first_plan[0]:
                    first_plan = (m.start(), m.group(0))
                    break
    return first_plan, placed


def _lead_features(f: Features, firsts, first_action, first_plan) -> None:
    """What the task leads with: planning (a planning word before the action, or after a vague verb)
    or the first action, with its planning noun then only the object."""
    weak_lead = firsts and firsts[0][2] in _WEAK and first_action is firsts[0]
    if first_plan and (first_action is None or first_plan[0] <= first_action[0]
                       or (firsts[0][2] in _WEAK and first_plan[0] - firsts[0][0] <= 40
                           and first_plan[0] < first_action[0]) or weak_lead):
        f.lead = "plan"
        f.set("lead:plan", 1.0, [first_plan[1]])
    elif first_action:
        f.lead = first_action[2]
        f.set("lead:" + first_action[2].split(":")[1], 1.0, [first_action[3]])
        if first_action[2] in SIMPLE_ACTIONS:
            f.set("lead:simple-edit", 1.0, [first_action[3]])
        if first_plan:
            f.set("plan:as-object", 1.0, [first_plan[1]])


def _shape_features(f: Features, text: str, negated: list[tuple[int, int]], norm: Normalized) -> None:
    for name, pattern in (("obj:component", COMPONENT), ("scope:wide", SCOPE_WIDE), ("scope:small", SCOPE_SMALL),
                          ("debug:hard", DEBUG_HARD), ("deliverable", DELIVERABLE)):
        hits = _live(pattern, text, negated)
        if hits:
            f.set(name, 1.0, [m.group(0) for m in hits])
    unknown = DEBUG_UNKNOWN.search(text)
    if unknown:
        f.set("debug:hard", 1.0, f.evidence.get("debug:hard", []) + [unknown.group(0)])
    suspects = DEBUG_SUSPECTS.search(text)
    if suspects:
        f.set("debug:hard", 1.0, f.evidence.get("debug:hard", []) + [suspects.group(0)])
    systems = {_SYSTEM_CLASS.get(m.group(0).lower(), m.group(0).lower().rstrip("s")) for m in SYSTEMS.finditer(text)}
    if len(systems) >= 2:
        f.set("systems:2+", 1.0, sorted(systems))
    if len(systems) >= 3:
        f.set("systems:3+", 1.0, sorted(systems))
    listed = _LIST3.search(text)
    if listed:
        f.set("lists:3-things", 1.0, [listed.group(0)])
    decided = _live(DECIDED, text, negated)
    if decided:
        f.set("design:decided", 1.0, [m.group(0) for m in decided])
    _question_features(f, text, negated)
    words = len(_WORD.findall(text))
    f.set("len:log-words", round(math.log1p(words) / math.log(64), 3), [f"{words} words"])
    if words <= 6:
        f.set("len:terse", 1.0, [f"{words} words"])
    if norm.is_issue:
        f.set("issue:report", 1.0, norm.headings[:2] or ["bug report"])
    if norm.has_trace:
        f.set("issue:trace", 1.0, ["stack trace"])
    _report_features(f, text, norm)
    pr = PR_FEATURE.search(text)
    if pr:
        f.set("pr:feature", 1.0, [pr.group(0).strip(": ")])


def _report_features(f: Features, text: str, norm: Normalized) -> None:
    """A bug report in prose, without a template: a failure the reporter ran into, or an issue title
    that states a failure above its body ("`tox -- -k foo` doesn't forward the args"), an "Expected ..."
    sentence. A typo, link or wording report ("Fix broken link in docs") stays what it is: plainly trivial,
    unless the typo word names a component ("spellcheck CI job flags ..."); so does a report that scopes
    itself to documentation ("Just the README.": scope:content-only, which lifts the bug-report floor)."""
    component = SIMPLE_COMPONENT.search(norm.title or text)
    if component:
        f.set("simple:component", 1.0, [component.group(0).strip()])
    content = CONTENT_ONLY.search(text)
    if content:
        f.set("scope:content-only", 1.0, [content.group(0)])
    if "act:typo" in f.values and not component:
        return
    reported = REPORTED.search(text)
    failure = FAILURE.search(text) if reported else None
    if failure:
        f.set("issue:experience", 1.0, [reported.group(0), failure.group(0)])
    failed = FAILURE.search(norm.title) if norm.title else None
    if failed:
        f.set("issue:failure-title", 1.0, [failed.group(0)])
    expected = EXPECTED.search(text)
    if expected:
        f.set("issue:expected", 1.0, [expected.group(0).strip(" .!?\n")])
    stated = _stated_failure(text, bool(component))
    if stated:
        f.set(stated[0], 1.0, [stated[1]])
    words = text.split()
    if (norm.error_name and len(words) <= _STATED_MAX_WORDS
            and not (words and words[0].strip("*'\"") in _NOT_SUBJECT)):
        # an exception named in a one-line report: "IntegrityError on double-clicked confirmation link"
        f.set("issue:error-name", 1.0, [norm.error_name])
    if norm.has_code:
        f.set("text:code", 1.0, ["code"])


def _stated_failure(text: str, component: bool = False) -> tuple[str, str] | None:
    """A failure (STATED_FAILURE) or a behaviour (BEHAVIOUR_STATED) stated about a subject in the first
    sentence of a short text: the feature's name and its words."""
    words = text.split()
    if not words or len(words) > _STATED_MAX_WORDS:
        return None
    imperative = words[0].strip("*'\"") in _NOT_SUBJECT
    first = re.split(r"(?<=[.!?;])\s", text, maxsplit=1)[0]
    m = STATED_FAILURE.match(first)
    subject = set(m.group(1).split()) if m else set()
    if subject and not subject & _NOT_IN_SUBJECT and (not imperative or _noun_phrase(subject)):
        return "issue:failure-stated", m.group(0).strip()
    m = BEHAVIOUR_STATED.match(first)
    subject = {w.strip(":,") for w in m.group(1).split()} if m else set()
    if (subject and not subject & (_NOT_IN_SUBJECT | (set() if component else _CONTENT_SUBJECT))
            and not _FIX_REQUEST.search(text)
            and (not imperative or _noun_phrase(subject))):
        return "issue:behaviour-stated", m.group(0).strip()
    m = VERBLESS_FAILURE.match(first)
    # a component label before a colon scopes the title ("changelog: entries duplicated when ..."); only a
    # documentation label ("docs: install command wrong for Windows") makes it a content edit
    label, _, rest = m.group(1).rpartition(": ") if m else ("", "", "")
    subject = {w.strip(",") for w in rest.split()}
    if (m and not subject & (_NOT_IN_SUBJECT | (set() if component else _DOC_SUBJECT))
            and not set(label.split()) & _DOC_LABELS
            and not _EDIT_FOLLOWS.search(text)
            and (not imperative or _noun_phrase(subject))):
        return "issue:state-failure", m.group(0).strip()
    return None


def _noun_phrase(subject: set[str]) -> bool:
    """A compact noun phrase (2-3 words, no article, pronoun or clause), though its first word is verb-like."""
    return 2 <= len(subject) <= 3 and not subject & _NOT_IN_NOUN_PHRASE


def _question_features(f: Features, text: str, negated: list[tuple[int, int]]) -> None:
    """Decision questions ("X or Y?"), options named in a title, "should we / how do we", lookups."""
    decision = QUESTION_OR.search(text)
    if decision and "?" in text or (decision and f.values.get("plan:propose")):
        f.set("ask:decision", 1.0, [decision.group(0)[:40]])
    options = _live(OPTIONS, text, negated)
    if options:
        f.set("ask:options", 1.0, [options[0].group(0).strip(": ")[:40]])
    choice = _live(BARE_CHOICE, text, negated)
    if choice and not any(name.startswith("act:") for name in f.values):
        # alternatives and no action at all: a decision record's title ("event sourcing vs CRUD for
        # orders", "SQL or NoSQL for the activity feed"); "fix the typo or the grammar" has an action
        f.set("ask:bare-choice", 1.0, [choice[0].group(0)])
    start = QUESTION_START.search(text)
    if start:
        f.set("ask:should-how", 1.0, [start.group(0)])
    if "?" in text:
        f.set("ask:question", 1.0, ["?"])
        lookup = LOOKUP.match(text)
        if lookup and not start:
            f.set("ask:lookup", 1.0, [lookup.group(0)])


# Opus needs positive evidence of planning-level work (estimator.planning_evidence): feature-name prefixes
PLANNING_EVIDENCE = ("plan:", "lead:plan", "ask:decision", "ask:options", "ask:bare-choice", "ask:should-how", "debug:hard",
                     "systems:2+", "deliverable", "scope:wide", "lists:3-things", "ctx:packages>=2", "ctx:files>=20")
# a template or a trace, a failure the reporter ran into, a title that states a failure, a failure,
# a behaviour or a failed state stated about a part of the program ("todo scanner misses TODO comments in
# CRLF files", "formatter moves comments out of match arms", "comment count wrong after deleting a reply"),
# an exception named in a one-line report: the bug-report floor's evidence (estimator.bug_report_floor)
REPORT_EVIDENCE = ("issue:report", "issue:trace", "issue:experience", "issue:failure-title", "issue:failure-stated",
                   "issue:behaviour-stated", "issue:state-failure", "issue:error-name", "issue:expected")


_BUGGY = {"act:bug", "act:symptom"}
_WORK = {"act:implement", "act:refactor", "act:test", "act:perf", "act:migrate", "act:behaviour"}


def _interactions(f: Features, present: set[str], small: list[re.Match]) -> None:
    """Pairs a linear model cannot see from single features: a simple edit with no bug and no real
    work in a short task is trivial; a simple-edit word next to a bug word names what the bug is
    about ("the formatter reorders decorators"); a vague verb on a small object is a small change."""
    words = int(f.evidence.get("len:log-words", ["0"])[0].split()[0])
    simple = present & SIMPLE_ACTIONS
    if simple and not present & (_BUGGY | _WORK) and words <= 20:
        f.set("simple:clean", 1.0, [f.evidence[n][0] for n in sorted(simple)])
    if simple and present & _BUGGY:
        f.set("simple:with-bug", 1.0, [f.evidence[n][0] for n in sorted(simple | (present & _BUGGY))][:4])
    if small and f.lead in _GENERIC and not present & (_BUGGY | _WORK) and words <= 15:
        f.set("change:small", 1.0, [m.group(0) for m in small][:2])
    if words > 120 and "issue:report" in f.values:
        f.set("issue:long-report", 1.0, [f"{words} words"])


def _target_features(f: Features, text: str, norm: Normalized, context) -> None:
    """What the edit is aimed at: one named file, "this function", a literal value."""
    files = getattr(context, "files", 0) or 0
    if norm.paths == 1 and files <= 1:
        f.set("target:one-file", 1.0, ["1 file named"])
    this = THIS_OBJECT.search(text)
    if this:
        f.set("target:this", 1.0, [this.group(0)])
    value = VALUE_EDIT.search(text)
    if value:
        f.set("edit:value", 1.0, [value.group(0).strip()])
    # "quiet": a short task that names no real work (no bug, feature, test, refactor, performance,
    # migration, planning or risky topic). The policy's simple edits look like this; the pairs let a
    # linear model weigh quiet tasks that aim at one file or set a literal value on their own.
    words = int(f.evidence.get("len:log-words", ["0"])[0].split()[0])
    loud = [n for n in f.values if n in _BUGGY | _WORK or n.startswith(("plan:", "topic:", "ask:decision", "ask:options"))]
    if not loud and words <= 12 and not norm.is_issue:
        f.set("quiet:short", 1.0, [f"{words} words, no work words"])
        for name in ("target:one-file", "edit:value", "obj:small", "target:this"):
            if name in f.values:
                f.set("quiet+" + name.split(":")[1], 1.0, f.evidence.get(name, []))


_STOPWORDS = """a an the and or but if of to in on at by for with from into onto as is are was were be been
being it its this that these those there their our we you your i me my us they them he she his her not no do does did
done so than then too very can could should would will shall may might must have has had just only also all any
some each every one two three when where which who whom what why how about after before up down out over under
again further here more most other such own same both few nor file name code"""
STOPWORDS = frozenset(_STOPWORDS.split())
_STEM = re.compile(r"(?:ies|es|s|ing|ed)$")


def stem(word: str) -> str:
    """The crude stem of the bag of words (`w:migrat`) and of the neighbour index's terms."""
    return _STEM.sub("", word) if len(word) > 5 else word


def _word_features(f: Features, text: str, negated: list[tuple[int, int]]) -> None:
    """Bag of words (crudely stemmed): `w:migrat` etc., for what the phrase classes do not name."""
    for m in _WORD.finditer(text):
        word = m.group(0).lower().strip("'-")
        if len(word) < 3 or word in STOPWORDS or any(a <= m.start() < b for a, b in negated):
            continue
        key = "w:" + stem(word)
        if key not in f.values:
            f.set(key, 1.0, [word])


def _context_features(f: Features, ctx) -> None:
    if ctx is None:
        return
    files = getattr(ctx, "files", 0) or 0
    for bound in (2, 8, 20):
        if files >= bound:
            f.set(f"ctx:files>={bound}", 1.0, [f"{files} files"])
    packages = getattr(ctx, "packages", ()) or ()
    if len(packages) >= 2:
        f.set("ctx:packages>=2", 1.0, list(packages)[:4])
    languages = getattr(ctx, "languages", ()) or ()
    if len(languages) >= 2:
        f.set("ctx:languages>=2", 1.0, list(languages)[:4])
    lines = getattr(ctx, "changed_lines", 0) or 0
    for bound in (200, 1000):
        if lines >= bound:
            f.set(f"ctx:lines>={bound}", 1.0, [f"{lines} changed lines"])
