"""Parallel build orchestration: several AI coding sessions, one stream each.

The orchestrator (`br orchestrate --parallel`) reads a plan, cuts it into batches in which no two
streams touch the same file and dependencies come first, gives every stream a git worktree on
`stream/<name>`, and talks to workers (`br worker --stream NAME`) through small JSON files under
`.buildrunner/` (commands/, status/, orchestration/state.json, decisions.json) that are always
written atomically. Merging checks textual (`git merge-tree --write-tree`) and semantic
(tree-sitter symbol diff) conflicts before touching any branch. See docs/PARALLEL_BUILDS.md.

Nothing in this package imports flask except `dashboard/`.
"""
