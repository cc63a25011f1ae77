"""`br model route|run|stats`: pick a model for a task, call it, and show what it cost.

`route` never imports the anthropic SDK (budget < 150 ms); `run` imports it only to call a model.
"""

from __future__ import annotations

import sys

import click

from buildrunner.errors import BrError


def _context(files: int | None, paths: tuple[str, ...], root, diff: bool = False, base: str | None = None):
    import os

    from buildrunner.router.complexity import TaskContext

    # --file paths are typed relative to where the user is, not to the project root
    abs_paths = [os.path.abspath(p) for p in paths]
    if diff or base:
        from buildrunner.router.diffcontext import context_from_diff

        return context_from_diff(root, base, abs_paths, files)
    if paths:
        return TaskContext.from_paths(abs_paths, root=root, files=files)
    return TaskContext(files=files or 0)


def _setup(files, paths, diff: bool = False, base: str | None = None):
    from buildrunner import config as cfg
    from buildrunner.project import discover

    project = discover()
    conf = cfg.load(project)
    return project, conf, _context(files, paths, project.root, diff, base)


def _read_task(words: tuple[str, ...], command: str) -> str:
    """The task from its words (a task may start with `-`: `br model route -- "-fix"` or without the
    `--` when it is no option of the command), or from stdin when it is `-` or absent and piped."""
    if words in ((), ("-",)):
        if sys.stdin is None or (not words and sys.stdin.isatty()):
            raise BrError("no task given", hint=f'br model {command} "TASK"   or   echo "TASK" | br model {command} -')
        stream = getattr(sys.stdin, "buffer", None)
        return stream.read().decode("utf-8", errors="replace") if stream is not None else sys.stdin.read()
    return " ".join(words)


def _route(project, conf, ctx, task: str, override, command: str):
    """Select a model with the project's tuned offsets and record the route (when the project has
    a .buildrunner/ directory) so outcomes can be attached to it."""
    from buildrunner.router import outcomes
    from buildrunner.router.routing import select_model

    selection = select_model(task, ctx, conf, override=override, offsets=outcomes.load_offsets(project))
    if project.br_dir.is_dir():
        try:
            selection.route_id = outcomes.record_route(project, selection, command=command)
        except OSError as exc:
            click.echo(f"br: warning: could not record the route in {outcomes.ledger_path(project)}: "
                       f"{exc.strerror or exc}", err=True)
    return selection


_files_opt = click.option("--files", type=click.IntRange(min=0), default=None,
                          help="Number of files the change touches (context for routing).")
_file_opt = click.option("--file", "paths", multiple=True, metavar="PATH",
                         help="A file the change touches (repeatable): its size, language and package are "
                              "routing context; its contents are not sent.")
_diff_opt = click.option("--diff", is_flag=True,
                         help="Use the changed files and lines of `git diff --numstat` as context (staged "
                              "changes; the working tree when nothing is staged).")
_base_opt = click.option("--base", metavar="REF", default=None,
                         help="With --diff: compare the working tree against REF (e.g. main).")
_format_opt = click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text",
                           show_default=True, help="Output format (--json is short for --format json).")
_model_opt = click.option("--model", "override", metavar="MODEL",
                          help="haiku | sonnet | opus | a Claude model id: skip routing.")
class TaskCommand(click.Command):
    """A command whose TASK words may start with `-` ("-fix the flag parsing", "-v should mean
    verbose"): a token that is not one of the command's options is a task word when it starts with
    a single dash or holds a space; an unknown `--word` is still an error (a mistyped option), and
    everything after `--` is the task."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        takes_value = {}
        for param in self.get_params(ctx):
            if isinstance(param, click.Option):
                for name in param.opts + param.secondary_opts:
                    takes_value[name] = 0 if (param.is_flag or param.count) else max(param.nargs, 1)
        options: list[str] = []
        words: list[str] = []
        i = 0
        while i < len(args):
            token = args[i]
            name = token.split("=", 1)[0]
            if token == "--":
                words += args[i + 1:]
                break
            if name in takes_value:
                n = takes_value[name] if "=" not in token else 0
                options += args[i:i + 1 + n]
                i += 1 + n
                continue
            if token.startswith("--") and " " not in token:
                options.append(token)  # unknown long option: click reports it
            else:
                words.append(token)
            i += 1
        return super().parse_args(ctx, options + ["--"] + words)


@click.group()
def model() -> None:
    """Route tasks to Haiku, Sonnet or Opus; run them; show what they cost; learn from outcomes."""


@model.command("route", cls=TaskCommand)
@click.argument("task", nargs=-1, type=click.UNPROCESSED)
@_files_opt
@_file_opt
@_diff_opt
@_base_opt
@_model_opt
@click.option("--json", "as_json", is_flag=True, help="Print the choice as JSON.")
@_format_opt
@click.option("--explain", is_flag=True, help="Show the top feature contributions and the decision margins.")
def route_cmd(task: tuple[str, ...], files, paths, diff: bool, base, override, as_json: bool, fmt: str,
              explain: bool) -> int:
    """Print the model TASK would go to (calls nothing). TASK `-` (or piped) reads stdin.

    The route id it prints takes an outcome: `br model outcome ID ok|failed`.
    """
    as_json = as_json or fmt == "json"
    text = _read_task(task, "route")
    if not text.strip():
        raise BrError("the task is empty", hint='br model route "TASK"')
    project, conf, ctx = _setup(files, paths, diff, base)
    selection = _route(project, conf, ctx, text, override, "route")
    if as_json:
        import json

        data = selection.as_dict()
        if not explain:
            data.pop("reasons")
            data.pop("decisions", None)
        click.echo(json.dumps(data, indent=2))
        return 0
    spec = selection.spec
    estimated = " (prices estimated from the tier)" if spec.estimated else ""
    route = f"  route {selection.route_id}" if selection.route_id else ""
    click.echo(f"{spec.model_id}  [{spec.tier}, {selection.complexity.level} {selection.complexity.task_type} task, "
               f"{selection.mode}]  ${spec.prices.input:g}/${spec.prices.output:g} per MTok in/out{estimated}{route}")
    if explain:
        click.echo(render_explain(selection))
    return 0


def render_explain(selection) -> str:
    lines = [f"  - {reason}" for reason in selection.reasons]
    est = selection.complexity.estimate
    if est is not None:
        norm = est.features.normalized
        stripped = [name for name, on in (("code", norm.has_code), ("stack trace", norm.has_trace),
                                          ("issue template", bool(norm.headings))) if on]
        if stripped:
            lines.append(f"  - read as prose after removing: {', '.join(stripped)}")
        for d in (est.sonnet, est.opus):
            verdict = "yes" if d.yes else "no"
            offset = f", project offset {d.offset:+.2f}" if d.offset else ""
            lines.append(f"  needs {d.name}? {verdict}: p={d.probability:.2f}, threshold {d.threshold:.2f} "
                         f"(risk {est.risk:g}{offset}), margin {d.margin:+.2f}")
            for name, c, words in d.contributions[:5]:
                said = f"  ← {', '.join(repr(w) for w in words[:3])}" if words else ""
                lines.append(f"      {c:+6.2f}  {name}{said}")
    if len(selection.chain) > 1:
        lines.append(f"  - fallback chain: {' → '.join(s.model_id for s in selection.chain)}")
    return "\n".join(lines)


@model.command("run", cls=TaskCommand)
@click.argument("task", nargs=-1, type=click.UNPROCESSED)
@_model_opt
@click.option("--max-tokens", type=click.IntRange(min=1), default=None, help="Cap on the answer's length.")
@_files_opt
@_file_opt
@_diff_opt
@_base_opt
@click.option("--json", "as_json", is_flag=True, help="Print the answer and its usage as JSON (no streaming).")
@click.option("--quiet", "-q", is_flag=True, help="Print only the answer (no summary line).")
def run_cmd(task, override, max_tokens, files, paths, diff, base, as_json: bool, quiet: bool) -> int:
    """Stream the routed model's answer to TASK (or stdin).

    The usage (model, tokens, cost, latency, fallbacks; never the task or the answer) is recorded
    in .buildrunner/usage/model_usage.jsonl for `br model stats`. Running a task again with a
    stronger --model records an escalation of the first route (a weaker one, an override down).
    """
    from buildrunner.router import client

    task = _read_task(task, "run")
    if not task.strip():
        raise BrError("the task is empty", hint='br model run "TASK"')
    project, conf, ctx = _setup(files, paths, diff, base)
    selection = _route(project, conf, ctx, task, override, "run")
    settings = client.CallSettings.from_config(conf, max_tokens=max_tokens)

    def on_text(text: str) -> None:
        if not as_json:
            click.echo(text, nl=False)
            sys.stdout.flush()

    def on_notice(message: str) -> None:
        click.echo(f"br: fallback: {message}", err=True)

    base = {"task_type": selection.complexity.task_type, "complexity": selection.complexity.level,
            "routing": selection.mode, "route_id": selection.route_id}
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
        route = f" · route {selection.route_id}" if selection.route_id else ""
        click.echo(f"— {result.spec.model_id} · {u.input_tokens} in / {u.output_tokens} out tokens{cache} · "
                   f"${result.cost_usd:.6f} · {result.duration_ms / 1000:.1f} s{route}", err=True)
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
    from buildrunner.router import outcomes

    routes, results, _ = outcomes.read(project)
    if since is not None:
        routes = [r for r in routes if r["_t"] >= since]
    report = stats.compute(ledger.events, catalog, period=period, corrupt_lines=ledger.corrupt_lines,
                           routes=routes, outcomes=results)
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
    judged = {t: row for t, row in r.get("outcomes", {}).items() if row["ok"] + row["failed"] + row["escalated"]
              + row["overridden_down"]}
    if judged:
        lines += ["", "Task outcomes (br model outcome, re-runs with --model):"]
        for tier, row in judged.items():
            lines.append(f"  {tier:<7} {row['routes']:>4} routed: {row['ok']} ok, {row['failed']} failed, "
                         f"{row['escalated']} escalated, {row['overridden_down']} overridden down")
    lines += ["", "Recommendations:"]
    lines += [f"  - {rec}" for rec in r["recommendations"]] or ["  - none: routing matches the outcomes so far"]
    return "\n".join(lines)


@model.command("outcome")
@click.argument("route_id", metavar="ID")
@click.argument("verdict", type=click.Choice(["ok", "failed"]))
def outcome_cmd(route_id: str, verdict: str) -> int:
    """Record whether the model a route chose was good enough: ok | failed.

    ID is the route id `br model route|run` printed. Outcomes feed `br model tune` and the
    recommendations of `br model stats`.
    """
    from buildrunner.project import discover
    from buildrunner.router import outcomes

    project = discover()
    event = outcomes.record_outcome(project, route_id.strip(), verdict)
    click.echo(f"recorded: route {route_id} on {event['tier']} was {verdict}")
    return 0


@model.command("tune")
@click.option("--dry-run", is_flag=True, help="Show what would change without saving it.")
@click.option("--revert", is_flag=True, help="Restore the offsets from before the last tune.")
@click.option("--min-outcomes", type=click.IntRange(min=1), default=None, hidden=True)
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
def tune_cmd(dry_run: bool, revert: bool, min_outcomes, as_json: bool) -> int:
    """Fit per-project routing offsets from recorded outcomes (at least 50).

    The offsets are fitted on the older 70 % of the outcomes and checked on the newest 30 %: a change
    that would route more of those tasks too low is refused. Saved in .buildrunner/router/tuning.json;
    `--revert` restores the previous offsets.
    """
    from buildrunner import config as cfg
    from buildrunner.project import discover
    from buildrunner.router import outcomes
    from buildrunner.router.catalog import load_catalog
    from buildrunner.router.estimator import load_weights, thresholds
    from buildrunner.router.routing import blended_prices

    project = discover()
    if revert:
        previous = outcomes.revert_offsets(project)
        if previous is None:
            raise BrError("nothing to revert: `br model tune` has not changed the offsets of this project")
        click.echo(f"reverted: offsets now {_offsets_text(previous)}")
        return 0
    conf = cfg.load(project)
    risk = conf.get("model.risk")
    weights = load_weights()
    limits = thresholds(blended_prices(load_catalog(conf)), weights["default_risk"] if risk is None else float(risk),
                        weights.get("over_route_penalty"))
    routes, results, _ = outcomes.read(project)
    current = outcomes.load_offsets(project)
    result = outcomes.tune(routes, results, current, limits,
                           min_outcomes=min_outcomes or outcomes.MIN_OUTCOMES)
    saved = result["accepted"] and not dry_run
    if saved:
        outcomes.save_offsets(project, result["proposed"], result["reason"])
    if as_json:
        import json

        click.echo(json.dumps({**result, "saved": saved}, indent=2))
        return 0 if result["accepted"] or result["labelled"] >= (min_outcomes or outcomes.MIN_OUTCOMES) else 1
    click.echo(f"{result['labelled']} routes with an outcome")
    if "proposed" in result:
        click.echo(f"offsets: {_offsets_text(current)} → {_offsets_text(result['proposed'])} "
                   f"(fitted on {result['train']}, checked on the newest {result['validation']})")
    click.echo(result["reason"])
    if saved:
        click.echo(f"saved to {outcomes.tuning_path(project)} (undo with `br model tune --revert`)")
    elif result["accepted"]:
        click.echo("dry run: nothing saved")
    return 0 if result["accepted"] or "proposed" in result else 1


def _offsets_text(offsets: dict) -> str:
    return ", ".join(f"{name} {offsets.get(name, 0.0):+.2f}" for name in ("sonnet", "opus"))
