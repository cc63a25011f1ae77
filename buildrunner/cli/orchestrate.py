"""`br orchestrate`, `worker`, `session`, `merge`, `decide`, `dashboard`: parallel build streams.

Thin click layer over `buildrunner.orchestration`; see docs/PARALLEL_BUILDS.md.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from buildrunner.cli.output import emit_json, write_output
from buildrunner.errors import BrError


def _orch():
    from buildrunner.orchestration.orchestrator import Orchestrator
    from buildrunner.project import discover

    return Orchestrator(discover().root)


def _echo_lines(lines) -> None:
    click.echo("\n".join(lines))


def _start_dashboard(orch, host: str | None, port: int | None):
    from buildrunner.orchestration.dashboard import DashboardServer
    from buildrunner.orchestration.dashboard.server import is_loopback

    host = host or orch._cfg("orchestration.dashboard_host")
    port = orch._cfg("orchestration.dashboard_port") if port is None else port
    if not is_loopback(host):
        click.echo(f"warning: the dashboard listens on {host}, not only this machine; "
                   "anyone who can reach it and has the token sees your build.", err=True)
    server = DashboardServer(orch.root, orch.paths.br_dir, host=host, port=port)
    url = server.start()
    return server, url


def _print_streams_and_batch(orch, state: dict, resumed: bool) -> None:
    """Where each stream works, then the schedule (fresh start) or the current batch (resume)."""
    from buildrunner.orchestration import repl
    from buildrunner.orchestration.plan import schedule

    for name, info in state["streams"].items():
        click.echo(f"  {name}: {info['branch']} in {info['worktree']}   → br worker --stream {name}")
    if not resumed:  # the schedule starts with the batch just handed out: shown once
        click.echo("Schedule (if every merge is clean):")
        _echo_lines(repl.render_schedule(schedule(orch.plan)))
        if state.get("batch"):
            click.echo(f"{state['batch']['id']} is handed out: start the workers.")
    elif state.get("batch"):
        _echo_lines(repl.render_batch(state["batch"]))
        unfinished = orch.unfinished_streams()
        if unfinished and all(v == "complete" for v in unfinished.values()):
            click.echo(f"Every stream of {state['batch']['id']} is complete: type 'merge'.")
    held = [n for n, i in state["streams"].items() if i.get("held")]
    if held:
        click.echo(f"Held (their workers have resolution prompts): {', '.join(held)}.")


@click.command()
@click.option("--parallel", is_flag=True, help="Start (or resume) the parallel build and wait at a prompt.")
@click.option("--plan", "plan_path", type=click.Path(dir_okay=False, path_type=Path),
              help="Plan YAML (default: orchestration.plan, .buildrunner/plan.yaml, plan.yaml).")
@click.option("--restart", is_flag=True, help="Forget the saved state and start from batch 1 (branches are kept).")
@click.option("--dry-run", is_flag=True, help="Check the plan and print the batches; change nothing.")
@click.option("--no-dashboard", is_flag=True, help="Do not start the dashboard.")
@click.option("--host", default=None, help="Dashboard interface (default 127.0.0.1; others only if you ask).")
@click.option("--port", type=click.IntRange(0, 65535), default=None,
              help="Dashboard port, 1-65535, or 0 for any free port (default orchestration.dashboard_port, 8080).")
@click.option("--json", "as_json", is_flag=True, help="With --dry-run: print the batches as JSON.")
def orchestrate(parallel, plan_path, restart, dry_run, no_dashboard, host, port, as_json):
    """Plan batches of streams, hand them to workers, merge them safely.

    Without --parallel (or with --dry-run) it only checks the plan and shows the batches.
    """
    from buildrunner.orchestration import repl
    from buildrunner.orchestration.plan import load_plan, schedule
    from buildrunner.orchestration.worker import install_signal_handlers, stdin_lines

    orch = _orch()
    if dry_run or not parallel:
        plan = load_plan(plan_path or orch.default_plan_path())
        batches = schedule(plan)
        if as_json:
            emit_json({"plan": plan.name, "streams": [s.name for s in plan.streams],
                       "batches": [b.to_json() for b in batches]})
            return 0
        click.echo(f"Plan {plan.name!r}: {len(plan.streams)} streams, {len(plan.tasks)} tasks, "
                   f"{len(batches)} batches (if every merge is clean).")
        _echo_lines(repl.render_schedule(batches))
        if not parallel:
            click.echo("Start it with: br orchestrate --parallel" + (f" --plan {plan_path}" if plan_path else ""))
        return 0
    state, resumed = orch.start(plan_path, restart=restart)
    click.echo(("Resumed" if resumed else "Started") + f" plan {state['plan_name']!r} into branch "
               f"{state['integration_branch']} ({len(state['done'])}/{len(orch.plan.tasks)} tasks merged).")
    if orch.plan_changed:
        click.echo("note: the plan changed since this run started; merged tasks stay merged, the next batch "
                   "follows the new plan.")
    for branch, ahead in orch.adopted_branches.items():
        click.echo(f"note: branch {branch} already existed with {ahead} commit(s) not on "
                   f"{state['integration_branch']}; they will be merged with the stream's work "
                   f"(rename that branch and run with --restart to start it clean).", err=True)
    _print_streams_and_batch(orch, state, resumed)
    server = None
    if not no_dashboard:
        server, url = _start_dashboard(orch, host, port)
        click.echo(f"Dashboard: {url}")
    click.echo(repl.HELP)
    install_signal_handlers()
    interactive = sys.stdin.isatty()

    def prompt():
        if interactive:
            click.echo("br> ", nl=False)

    try:
        return repl.run(orch, stdin_lines(sys.stdin), click.echo, prompt=prompt)
    except Exception as exc:  # noqa: BLE001 - WorkerStopped (SIGTERM) ends the prompt cleanly too
        from buildrunner.orchestration.worker import WorkerStopped

        if isinstance(exc, WorkerStopped):
            click.echo("Stopped; state saved.", err=True)
            return 0
        raise
    finally:
        if server is not None:
            server.stop()


@click.command()
@click.option("--stream", "stream", required=True, help="The stream this worker runs.")
@click.option("--agent-command", default=None,
              help="Command per batch (default orchestration.agent_command; empty = manual, wait for 'done').")
@click.option("--auto", is_flag=True, help="Start every batch without waiting for 'continue'.")
@click.option("--once", is_flag=True, help="Exit after one batch.")
def worker(stream, agent_command, auto, once):
    """Watch a stream's command file and run its batches."""
    from buildrunner.orchestration.state import validate_stream_name
    from buildrunner.orchestration.worker import (
        Worker,
        WorkerStopped,
        install_signal_handlers,
        interactive,
        stdin_lines,
    )

    validate_stream_name(stream)
    orch = _orch()
    try:
        orch.load()
    except BrError:
        pass  # no run (or no readable plan) yet: the worker may start first and wait for one
    else:
        orch.plan.stream(stream)  # a typo would otherwise wait forever for work that never comes
    cmd = orch._cfg("orchestration.agent_command") if agent_command is None else agent_command
    w = Worker(orch.paths, stream, agent_command=cmd, out=click.echo, project_root=orch.root)
    from buildrunner.engine.masking import sanitize_text

    click.echo(f"Worker for stream {stream} ({'agent: ' + sanitize_text(cmd) if cmd else 'manual mode'}). "
               "Commands: continue, check, show, status, quit.")
    install_signal_handlers()
    try:
        return interactive(w, stdin_lines(sys.stdin), auto=auto, once=once)
    except WorkerStopped as exc:
        click.echo(f"Stopped by {exc}; the status file says so.", err=True)
        return 128 + exc.signum
    except KeyboardInterrupt:
        click.echo("Stopped by Ctrl-C; the status file says so.", err=True)
        return 130


@click.command()
@click.argument("stream")
@click.option("--no-copy", is_flag=True, help="Do not copy the prompt to the clipboard.")
@click.option("--output", "-o", type=click.Path(dir_okay=False), help="Write the prompt to a file.")
@click.option("--json", "as_json", is_flag=True, help="Print the command (tasks, context) and prompt as JSON.")
def session(stream, no_copy, output, as_json):
    """Print STREAM's current prompt and copy it to the clipboard."""
    from buildrunner.orchestration.prompts import copy_to_clipboard
    from buildrunner.orchestration.worker import Worker

    orch = _orch()
    command = orch.command_for(stream)
    text = Worker(orch.paths, stream).prompt_text(command)
    if as_json:
        emit_json({"stream": stream, "command": command, "prompt": text})
        return 0
    write_output(text, output)
    if not no_copy and not command.get("done"):
        tool = copy_to_clipboard(text)
        click.echo(f"(copied to the clipboard with {tool})" if tool else "(no clipboard tool found)", err=True)
    return 0


@click.command()
@click.option("--streams", "all_streams", is_flag=True,
              help="Merge every complete stream (and every held one that may be resolved now).")
@click.argument("names", nargs=-1)
@click.option("--dry-run", is_flag=True, help="Only detect conflicts; touch nothing.")
@click.option("--json", "as_json", is_flag=True, help="Print the merge report as JSON.")
def merge(all_streams, names, dry_run, as_json):
    """Detect conflicts, verify, then merge clean streams into the integration branch.

    `br merge --streams` merges every complete stream, `br merge NAME...` the named ones; plain
    `br merge` only shows what `--streams` would do. Exit 1 when a stream was held back (conflict
    or failing verify), refused or could not merge.
    """
    from buildrunner.orchestration import repl

    orch = _orch()
    orch.load()
    preview = not all_streams and not names and not dry_run
    dry_run = dry_run or preview
    chosen = list(names)
    report = orch.merge(chosen or None, dry_run=dry_run)
    if as_json:
        emit_json(report.to_json())
    else:
        _echo_lines(repl.render_merge(report, dry_run=dry_run))
        if preview and report.streams:
            click.echo("Nothing was merged: `br merge --streams` merges these (or name streams: br merge core api).")
    return 1 if any(s.result in {"held", "error", "refused"} for s in report.streams) else 0


@click.command()
@click.argument("text", required=False)
@click.option("--stream", help="The stream making the decision.")
@click.option("--topic", help="Topic (default: the text before a leading 'topic:').")
@click.option("--list", "list_", is_flag=True, help="List the decisions (and flag disagreeing ones).")
@click.option("--json", "as_json", is_flag=True, help="JSON output.")
def decide(text, stream, topic, list_, as_json):
    """Record a shared decision that every later batch sees."""
    from buildrunner.orchestration import decisions as dec

    orch = _orch()
    if list_ or not text:
        if not list_:
            raise BrError("give the decision text", hint='br decide "auth: sessions use JWT cookies" --stream api')
        items, error = dec.load(orch.paths)
        if error:
            raise BrError(f"{orch.paths.decisions_file}: {error}")
        flags = dec.topic_conflicts(items)
        if as_json:
            emit_json({"decisions": items, "conflicts": flags})
            return 0
        for d in items:
            click.echo(f"{d['id']}  [{d.get('topic') or '-'}] {d['text']}" + (f"  ({d['stream']})" if d.get("stream") else ""))
        for f in flags:
            click.echo(f"! {f['streams'][0]} and {f['streams'][1]} decided {f['topic']!r} differently")
        return 1 if flags else 0
    entry = dec.record(orch.paths, text, stream=stream, topic=topic)
    flags = [f for f in dec.topic_conflicts(dec.load(orch.paths)[0]) if entry["id"] in f["decisions"]]
    if as_json:
        emit_json({"decision": entry, "conflicts": flags})
        return 0
    click.echo(f"Recorded decision {entry['id']}" + (f" on {entry['topic']!r}" if entry["topic"] else ""))
    for f in flags:
        click.echo(f"warning: stream {f['streams'][0]} already decided this topic: {f['texts'][0]!r}", err=True)
    return 0


@click.command()
@click.option("--host", default=None, help="Interface (default 127.0.0.1).")
@click.option("--port", type=click.IntRange(0, 65535), default=None,
              help="Port, 1-65535, or 0 for any free port (default orchestration.dashboard_port, 8080).")
def dashboard(host, port):
    """Serve the live dashboard until Ctrl-C."""
    import time

    orch = _orch()
    server, url = _start_dashboard(orch, host, port)
    try:  # the banner inside: a Ctrl-C right after it (the server thread may hold the GIL) still stops cleanly
        click.echo(f"Dashboard: {url}\nCtrl-C to stop.")
        while True:
            time.sleep(0.5)
    except KeyboardInterrupt:
        click.echo("Stopping.")
    finally:
        server.stop()
    return 0
