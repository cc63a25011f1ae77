"""The `br` entry point: a click group whose subcommands are imported only when invoked.

`br --help` and `br --version` import nothing but click (budget: < 100 ms, DESIGN.md §3); each
command module is imported on first use, so `br hook run` never pays for anthropic or flask.
Command functions return their exit code (0 clean, 1 findings / gate failed) or raise `BrError`
(printed without a traceback, exit 2).
"""

from __future__ import annotations

import contextlib
import importlib
import importlib.util
import os
import sys
import time

import click

from buildrunner import __version__
from buildrunner.errors import BrError

# name → (module:attribute, one-line help shown by `br --help` without importing the module)
COMMANDS: dict[str, tuple[str, str]] = {
    "init": ("buildrunner.cli.project_cmds:init", "Set up .buildrunner/ and the pre-commit hook here."),
    "status": ("buildrunner.cli.project_cmds:status", "Show the project, its config and the last scan."),
    "config": ("buildrunner.cli.config_cmd:config", "Get, set, list and unset configuration keys."),
    "security": ("buildrunner.cli.security:security", "Scan for secrets and SQL injection; whitelist, baseline, fix."),
    "rules": ("buildrunner.cli.rules:rules", "List rule packs, test rules' examples, generate RULES.md."),
    "quality": ("buildrunner.cli.quality:quality", "Run the Tier 1 quality gate (secrets, SQLi, coverage)."),
    "gaps": ("buildrunner.cli.gaps:gaps", "Find project gaps: .env not ignored or in history, no tests."),
    "coverage": ("buildrunner.cli.coverage:coverage", "Check total and changed-line test coverage."),
    "hooks": ("buildrunner.cli.hooks:hooks", "Install or remove the git pre-commit hook."),
    "hook": ("buildrunner.cli.hooks:hook", "Run the pre-commit checks (called by the git hook)."),
    "model": ("buildrunner.cli.model:model", "Route tasks to Haiku, Sonnet or Opus; run them; show cost."),
    "telemetry": ("buildrunner.cli.telemetry:telemetry", "Local, private usage telemetry and learning-phase alerts."),
    "feature": ("buildrunner.cli.feature:feature", "Track features: add, start, complete, list."),
    "build": ("buildrunner.cli.build:build", "Record build runs: start, complete."),
    "orchestrate": ("buildrunner.cli.orchestrate:orchestrate", "Plan and run parallel build streams."),
    "worker": ("buildrunner.cli.orchestrate:worker", "Run the batches of one stream."),
    "session": ("buildrunner.cli.orchestrate:session", "Print a stream's current prompt."),
    "merge": ("buildrunner.cli.orchestrate:merge", "Merge completed streams with conflict detection."),
    "decide": ("buildrunner.cli.orchestrate:decide", "Record a shared decision for all streams."),
    "dashboard": ("buildrunner.cli.orchestrate:dashboard", "Serve the live orchestration dashboard."),
}


def _available(name: str) -> bool:
    module = COMMANDS[name][0].split(":")[0]
    return importlib.util.find_spec(module) is not None


class LazyGroup(click.Group):
    def list_commands(self, ctx):
        return sorted(name for name in COMMANDS if _available(name))

    def get_command(self, ctx, name):
        if name not in COMMANDS or not _available(name):
            return None
        module, attr = COMMANDS[name][0].split(":")
        return getattr(importlib.import_module(module), attr)

    def format_commands(self, ctx, formatter):
        rows = [(name, COMMANDS[name][1]) for name in self.list_commands(ctx)]
        if rows:
            with formatter.section("Commands"):
                formatter.write_dl(rows)


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "-V", "--version", prog_name="br", message="%(prog)s %(version)s")
@click.option("--no-color", is_flag=True, envvar="BR_NO_COLOR", help="Disable colored output (also NO_COLOR=1).")
@click.pass_context
def cli(ctx: click.Context, no_color: bool) -> None:
    """BuildRunner keeps a project safe and cheap to build with AI assistants.

    Exit codes: 0 clean, 1 findings or a failed gate, 2 usage or input error.
    """
    if no_color:
        os.environ["NO_COLOR"] = "1"
    ctx.ensure_object(dict)


def after_command(argv: list[str], exit_code: int, started: float) -> None:
    """Seam for cross-cutting work after every command (telemetry). Must never raise."""
    if not argv or argv[0] in ("-V", "--version", "-h", "--help"):
        return  # nothing to record; keeps `br --version` free of telemetry imports
    from buildrunner.telemetry.hook import after_command as telemetry_after_command  # lazy

    command, rest = split_command(argv)
    telemetry_after_command(command, rest, exit_code, started)


def split_command(argv: list[str]) -> tuple[str, list[str]]:
    """(`security check`, remaining args) from argv; ('', []) for --help/--version/unknown commands.

    The second word is kept only when it is a real subcommand of an already-imported group, so a
    positional argument (a file name, a prompt) is never mistaken for a command name.
    """
    rest = list(argv)
    words: list[str] = []
    while rest:
        arg = rest.pop(0)
        if arg.startswith("-"):
            if words:
                rest.insert(0, arg)
                break
            continue  # group options such as --no-color
        if not words:
            if arg not in COMMANDS:
                return "", []
            words.append(arg)
            group = _loaded_command(arg)
            if not getattr(group, "commands", None):
                break
            continue
        if arg in group.commands:
            words.append(arg)
        else:
            rest.insert(0, arg)
        break
    if any(a in ("-h", "--help") for a in rest):
        return "", []
    return " ".join(words), rest


def _loaded_command(name: str):
    module, attr = COMMANDS[name][0].split(":")
    mod = sys.modules.get(module)  # imported by the command that just ran; never import here
    return getattr(mod, attr, None) if mod else None


_end_fast = False


def end_process_fast() -> None:
    """For a command that built a large heap (a full scan: rules, the file list, matchers, results):
    when br runs as a program, end the process once its output is flushed and its exit handlers
    ran, without freeing every object first (tens of milliseconds, as mypy and ruff skip it too).
    The exit code and the output are the same; in-process callers (tests) are never ended."""
    global _end_fast
    _end_fast = True


def _exit_now(code: int) -> None:
    """What the interpreter does at exit that anyone can observe, then `os._exit`: wait for the
    non-daemon threads (after the `threading` exit callbacks, e.g. a process pool's, ran), run the
    `atexit` handlers, flush stdout and stderr."""
    import atexit
    import threading

    shutdown = getattr(threading, "_shutdown", None)  # what Py_Finalize calls first
    if shutdown is None:  # pragma: no cover - another interpreter: exit the ordinary way
        sys.exit(code)
    shutdown()
    atexit._run_exitfuncs()
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(Exception):
            stream.flush()
    os._exit(code)


def main(argv: list[str] | None = None) -> None:
    global _end_fast
    args = list(sys.argv[1:] if argv is None else argv)
    started = time.perf_counter()
    _end_fast = False
    if args[:1] in (["-V"], ["--version"]):  # nothing to mask; keeps `br --version` at click only
        code = run_command(args)
    else:
        from buildrunner.cli.masked_streams import masked_std_streams

        with masked_std_streams():
            code = run_command(args)
    with contextlib.suppress(Exception):  # telemetry must never change a command's result
        after_command(args, code, started)
    if _end_fast and argv is None:  # the `br` program itself, not a caller passing arguments
        _exit_now(code)
    sys.exit(code)


def run_command(args: list[str]) -> int:
    """Run one command; every failure becomes a message on stderr and an exit code, never a traceback."""
    try:
        rv = cli.main(args=args, prog_name="br", standalone_mode=False)
        return rv if isinstance(rv, int) else 0
    except click.exceptions.Exit as exc:
        return exc.exit_code
    except click.exceptions.Abort:
        click.echo("Aborted.", err=True)
        return 1
    except click.ClickException as exc:
        exc.show()
        return exc.exit_code
    except BrError as exc:
        click.echo(f"br: error: {exc.message}", err=True)
        if exc.hint:
            click.echo(f"  hint: {exc.hint}", err=True)
        return exc.exit_code
    except KeyboardInterrupt:
        click.echo("Interrupted.", err=True)
        return 130
    except BrokenPipeError:
        return 0
    except Exception as exc:  # noqa: BLE001 — a bug: say so in one masked line, never a traceback
        from buildrunner.fsutil import LockTimeout

        if isinstance(exc, LockTimeout):  # a busy lock is not a bug: another br process is working
            click.echo(f"br: error: {exc}", err=True)
            click.echo("  hint: try again in a moment (a long-running br command may be holding it)", err=True)
            return 2
        return internal_error(exc)


def internal_error(exc: BaseException) -> int:
    """Report an unexpected exception without a traceback (BR_TRACEBACK=1 shows it, masked)."""
    if os.environ.get("BR_TRACEBACK"):
        import traceback

        click.echo("".join(traceback.format_exception(exc)).rstrip("\n"), err=True)
    detail = str(exc).strip().splitlines()
    click.echo(f"br: internal error: {type(exc).__name__}" + (f": {detail[0]}" if detail else ""), err=True)
    click.echo("  hint: this is a bug in br; rerun with BR_TRACEBACK=1 to see where it happened, and report it",
               err=True)
    return 2
