"""`br model route|run|stats`: pick a model for a task, call it, and show what it cost.

`route` never imports the anthropic SDK (budget < 150 ms); `run` imports it only to call a model.
"""

from __future__ import annotations

import sys

import click

from buildrunner.errors import BrError


def _context(files: int | None, paths: tuple[str, ...], root):
    from buildrunner.router.complexity import TaskContext

    if paths:
        import os

        # --file paths are typed relative to where the user is, not to the project root
        return TaskContext.from_paths([os.path.abspath(p) for p in paths], root=root, files=files)
    return TaskContext(files=files or 0)


def _setup(files, paths):
    from buildrunner import config as cfg
    from buildrunner.project import discover

    project = discover()
    conf = cfg.load(project)
    return project, conf, _context(files, paths, project.root)


_files_opt = click.option("--files", type=click.IntRange(min=0), default=None,
                          help="Number of files the change touches (context for routing).")
_file_opt = click.option("--file", "paths", multiple=True, metavar="PATH",
                         help="A file the change touches (repeatable): its size, language and package are "
                              "routing context; its contents are not sent.")
_format_opt = click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text",
                           show_default=True, help="Output format (--json is short for --format json).")
_model_opt = click.option("--model", "override", metavar="MODEL",
                          help="haiku | sonnet | opus | a Claude model id: skip routing.")


@click.group()
def model() -> None:
    """Route tasks to Haiku, Sonnet or Opus; run them; show what they cost."""


@model.command("route")
@click.argument("task")
@_files_opt
@_file_opt
@_model_opt
@click.option("--json", "as_json", is_flag=True, help="Print the choice as JSON.")
@_format_opt
@click.option("--explain", is_flag=True, help="Show the reasons that decided the choice.")
def route_cmd(task: str, files, paths, override, as_json: bool, fmt: str, explain: bool) -> int:
    """Print the model TASK would go to (calls nothing)."""
    from buildrunner.router.routing import select_model

    as_json = as_json or fmt == "json"
    if not task.strip():
        raise BrError("the task is empty", hint='br model route "TASK"')
    _, conf, ctx = _setup(files, paths)
    selection = select_model(task, ctx, conf, override=override)
    if as_json:
        import json

        data = selection.as_dict()
        if not explain:
            data.pop("reasons")
        click.echo(json.dumps(data, indent=2))
        return 0
    spec = selection.spec
    estimated = " (prices estimated from the tier)" if spec.estimated else ""
    click.echo(f"{spec.model_id}  [{spec.tier}, {selection.complexity.level} {selection.complexity.task_type} task, "
               f"{selection.mode}]  ${spec.prices.input:g}/${spec.prices.output:g} per MTok in/out{estimated}")
    if explain:
        for reason in selection.reasons + selection.complexity.reasons:
            click.echo(f"  - {reason}")
        if len(selection.chain) > 1:
            click.echo(f"  - fallback chain: {' → '.join(s.model_id for s in selection.chain)}")
    return 0


@model.command("run")
@click.argument("task", required=False)
@_model_opt
@click.option("--max-tokens", type=click.IntRange(min=1), default=None, help="Cap on the answer's length.")
@_files_opt
@_file_opt
@click.option("--json", "as_json", is_flag=True, help="Print the answer and its usage as JSON (no streaming).")
@click.option("--quiet", "-q", is_flag=True, help="Print only the answer (no summary line).")
def run_cmd(task, override, max_tokens, files, paths, as_json: bool, quiet: bool) -> int:
    """Stream the routed model's answer to TASK (or stdin).

    The usage (model, tokens, cost, latency, fallbacks; never the task or the answer) is recorded
    in .buildrunner/usage/model_usage.jsonl for `br model stats`.
    """
    from buildrunner.router import client
    from buildrunner.router.routing import select_model

    if task is None or task == "-":
        if sys.stdin is None or (task is None and sys.stdin.isatty()):
            raise BrError("no task given", hint='br model run "TASK"   or   echo "TASK" | br model run -')
        stream = getattr(sys.stdin, "buffer", None)
        task = stream.read().decode("utf-8", errors="replace") if stream is not None else sys.stdin.read()
    if not task.strip():
        raise BrError("the task is empty", hint='br model run "TASK"')
    project, conf, ctx = _setup(files, paths)
    selection = select_model(task, ctx, conf, override=override)
    settings = client.CallSettings.from_config(conf, max_tokens=max_tokens)

    def on_text(text: str) -> None:
        if not as_json:
            click.echo(text, nl=False)
            sys.stdout.flush()

    def on_notice(message: str) -> None:
        click.echo(f"br: fallback: {message}", err=True)

    base = {"task_type": selection.complexity.task_type, "complexity": selection.complexity.level,
            "routing": selection.mode}
    try:
        result = client.run(task, selection, settings, on_text=on_text, on_notice=on_notice)
    except client.ModelCallError as exc:
        attempts = getattr(exc, "attempts", [])
        last = attempts[-1].model if attempts else selection.model_id
        spec = next((s for s in selection.chain if s.model_id == last), selection.spec)
        failed = [a.model for a in attempts if a.failure]
        _record(project, {**base, "model": spec.model_id, "tier": spec.tier, "success": False,
                          "attempts": len(attempts), "fallback": len(set(failed)) > 1,
                          "fallback_from": sorted(set(failed) - {last}, key=failed.index),
                          "error": attempts[-1].failure.kind if attempts and attempts[-1].failure else "error",
                          "input_tokens": 0, "output_tokens": 0, "cost_usd": 0.0})
        raise
    fields = {**base, "model": result.spec.model_id, "tier": result.spec.tier, **result.usage.as_dict(),
              "cost_usd": round(result.cost_usd, 8), "long_context": result.long_context,
              "duration_ms": round(result.duration_ms, 1), "total_ms": round(result.total_ms, 1),
              "fallback": result.fallback, "fallback_from": result.fallback_from,
              "attempts": len(result.attempts), "success": True, "error": None,
              "stop_reason": result.stop_reason, "prices_estimated": result.spec.estimated}
    _record(project, fields)
    if as_json:
        from buildrunner.cli.output import emit_json

        emit_json({"model": result.spec.model_id, "tier": result.spec.tier, "text": result.text,
                   "complexity": selection.complexity.level, "task_type": selection.complexity.task_type,
                   "usage": result.usage.as_dict(), "cost_usd": result.cost_usd,
                   "duration_ms": round(result.duration_ms, 1), "fallback_from": result.fallback_from,
                   "stop_reason": result.stop_reason})
        return 0
    if result.text and not result.text.endswith("\n"):
        click.echo("")
    if result.stop_reason == "max_tokens":
        click.echo(f"br: warning: the answer was cut off at the {settings.max_tokens}-token limit "
                   f"(raise it with --max-tokens or model.max_tokens)", err=True)
    if not quiet:
        u = result.usage
        cache = (f", cache {u.cache_read_input_tokens} read / {u.cache_creation_input_tokens} written"
                 if u.cache_read_input_tokens or u.cache_creation_input_tokens else "")
        click.echo(f"— {result.spec.model_id} · {u.input_tokens} in / {u.output_tokens} out tokens{cache} · "
                   f"${result.cost_usd:.6f} · {result.duration_ms / 1000:.1f} s", err=True)
    return 0


def _record(project, fields: dict) -> None:
    from buildrunner.router import usage

    try:
        usage.record(project, fields)
    except OSError as exc:
        click.echo(f"br: warning: could not record model usage in {usage.ledger_path(project)}: "
                   f"{exc.strerror or exc}", err=True)


@model.command("stats")
@click.option("--period", default="30d", show_default=True, help="7d | 30d | all (or Nh / Nd / Nw).")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@_format_opt
@click.option("--output", "-o", type=click.Path(dir_okay=False), default=None, help="Write the report to a file.")
def stats_cmd(period: str, as_json: bool, fmt: str, output) -> int:
    """Cost per model, savings against all-Sonnet, latency, advice."""
    as_json = as_json or fmt == "json"
    from buildrunner import config as cfg
    from buildrunner.cli.output import write_output
    from buildrunner.project import discover
    from buildrunner.router import stats, usage
    from buildrunner.router.catalog import load_catalog

    since = stats.parse_period(period)
    project = discover()
    catalog = load_catalog(cfg.load(project))
    ledger = usage.read(project, since=since)
    report = stats.compute(ledger.events, catalog, period=period, corrupt_lines=ledger.corrupt_lines)
    if as_json:
        import json

        write_output(json.dumps(report, indent=2), output)
    else:
        write_output(render_stats(report), output)
    return 0


def _usd(value: float, places: int) -> str:
    return f"${value:.{places}f}"


def render_stats(r: dict) -> str:
    lines = [f"Model usage ({'all time' if r['period'] == 'all' else 'last ' + r['period']})"]
    if r["corrupt_lines"]:
        lines.append(f"note: skipped {r['corrupt_lines']} unreadable line(s) in the usage ledger")
    if not r["tasks"]:
        lines += ["No model usage recorded yet: `br model run \"TASK\"` records each call.",
                  "Total cost: $0.00"]
        return "\n".join(lines)
    header = f"{'model':<24} {'tier':<7} {'tasks':>6} {'share':>6} {'cost':>11} {'share':>6} {'avg/task':>10} {'latency':>9}"
    lines += ["", header, "-" * len(header)]
    for m in r["models"]:
        latency = f"{m['avg_latency_ms'] / 1000:.2f} s" if m["avg_latency_ms"] is not None else "-"
        lines.append(f"{m['model']:<24} {m['tier']:<7} {m['tasks']:>6} {m['share_tasks_pct']:>5.1f}% "
                     f"{_usd(m['cost_usd'], 4):>11} {m['share_cost_pct']:>5.1f}% {_usd(m['avg_cost_per_task_usd'], 5):>10} "
                     f"{latency:>9}")
    b = r["baseline"]
    lines += [
        "",
        f"Tasks: {r['tasks']} ({r['succeeded']} succeeded), fallbacks: {r['fallbacks']}",
        f"Total cost: ${r['total_cost_usd']:.4f}",
        f"All on {b['tier'].capitalize()} ({b['model']}) would have cost: ${b['cost_usd']:.4f}",
        f"Savings: ${r['savings_usd']:.4f} ({r['savings_pct']:.1f}%)" if r["savings_usd"] >= 0 else
        f"Extra cost over the baseline: ${-r['savings_usd']:.4f} ({-r['savings_pct']:.1f}%)",
    ]
    if r["fastest"]:
        lines.append(f"Fastest: {r['fastest']}   Slowest: {r['slowest']}")
    lines += ["", "Recommendations:"]
    lines += [f"  - {rec}" for rec in r["recommendations"]] or ["  - none: routing matches the outcomes so far"]
    return "\n".join(lines)
