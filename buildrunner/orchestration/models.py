"""Which model each task gets: the task's `model:`, else the plan's `model:`, else the router.

Every call into the router goes through `_select` (one line to adapt if the router's API changes).
The router's routing path never imports the anthropic SDK, so handing out a batch stays fast.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any


def _select(text: str, files: list[str], root: Path, config: Any, override: str | None):
    from buildrunner.router.complexity import TaskContext
    from buildrunner.router.routing import select_model

    return select_model(text, TaskContext.from_paths(files, root=root), config=config, override=override)


def route_task(task, *, plan_model: str = "", root: Path, config: Any = None) -> dict:
    """The model for one plan task, and why: {model, tier, source, complexity, reason}."""
    override = task.model or plan_model or None
    text = f"{task.title}\n{task.description}".strip()
    selection = _select(text, list(task.files), root, config, override)
    source = "task" if task.model else "plan" if plan_model else selection.mode  # auto | manual
    reason = {"task": f"the task sets model: {task.model}", "plan": f"the plan sets model: {plan_model}"}.get(
        source, "; ".join(selection.reasons[:1]) or f"{selection.complexity.level} task")
    return {"model": selection.model_id, "tier": selection.tier, "source": source,
            "complexity": selection.complexity.level, "reason": reason}


def check_model_name(name: str) -> tuple[str, str | None] | None:
    """(problem, hint) when `name` is no model the catalog knows, else None."""
    from buildrunner.errors import BrError
    from buildrunner.router.catalog import load_catalog

    try:
        load_catalog(None).resolve(name)
    except BrError as exc:
        return exc.message, exc.hint
    return None
