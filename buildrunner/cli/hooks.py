"""`br hooks install|uninstall|status` and `br hook run` (what the installed git hook calls)."""

from __future__ import annotations

import click

from buildrunner.project import discover


@click.group()
def hooks() -> None:
    """Install or remove the git pre-commit hook (runs `br hook run` before every commit)."""


@hooks.command("install")
@click.option("--quiet", "-q", is_flag=True, help="Print nothing on success.")
def install_cmd(quiet: bool) -> int:
    """Install .git/hooks/pre-commit (honours core.hooksPath); an existing hook is chained, not replaced."""
    from buildrunner.hooks import install_hook

    change = install_hook(discover())
    if not quiet:
        click.echo(str(change))
    return 0


@hooks.command("uninstall")
@click.option("--quiet", "-q", is_flag=True, help="Print nothing on success.")
def uninstall_cmd(quiet: bool) -> int:
    """Remove BuildRunner's pre-commit hook and restore the hook it chained."""
    from buildrunner.hooks import uninstall_hook

    change = uninstall_hook(discover())
    if not quiet:
        click.echo(str(change))
    return 0


@hooks.command("status")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def status_cmd(as_json: bool) -> int:
    """Show whether the hook is installed, what it chains and which interpreter it runs."""
    from buildrunner.cli.output import emit_json
    from buildrunner.hooks import hook_state

    state = hook_state(discover())
    if as_json:
        emit_json(state.to_dict())
        return 0
    setups = {"git-hooks": "git hooks directory (BuildRunner's script)",
              "pre-commit-framework": "pre-commit framework (.pre-commit-config.yaml)",
              "committed-hooks-dir": f"committed hooks directory {state.path.parent.name}/ (core.hooksPath)"}
    click.echo(f"Setup        {setups[state.setup]}")
    click.echo(f"Hook         {state.path}")
    if state.setup == "pre-commit-framework" and not state.installed:
        click.echo("Status       " + ("runs br (the config lists the buildrunner hook)" if state.runs_br else
                                     "does not run br — add the buildrunner entry under `repos:` "
                                     "(`br hooks install` prints it)"))
    elif state.setup == "committed-hooks-dir" and not state.installed:
        click.echo("Status       " + ("runs br (the committed hook calls `br hook run`)" if state.runs_br else
                                     f"does not run br — add the line `br hook run` to {state.path.name}"))
    elif state.installed:
        click.echo("Status       installed (BuildRunner)")
        click.echo(f"Runs         {state.interpreter} -m buildrunner hook run"
                   + ("" if state.interpreter_ok else "  (interpreter missing: falls back to `br` on PATH)"))
        click.echo(f"Chains       {state.chained.name if state.chained else '-'}")
    elif state.foreign:
        click.echo("Status       another pre-commit hook is installed (not BuildRunner's); "
                   "`br hooks install` would chain it")
    else:
        click.echo("Status       not installed — run `br hooks install`")
    return 0


@click.group()
def hook() -> None:
    """Run the pre-commit checks (called by the installed git hook)."""


@hook.command("run", context_settings={"ignore_unknown_options": False})
@click.argument("files", nargs=-1, type=click.Path())
@click.option("--quiet", "-q", is_flag=True, help="Print nothing when the checks pass.")
@click.option("--json", "as_json", is_flag=True, help="Print the outcome as JSON.")
def run_cmd(files: tuple[str, ...], quiet: bool, as_json: bool) -> int:
    """Check what is staged: secrets and SQL injection on added/changed lines, coverage of those lines.

    With FILES (as the pre-commit framework passes them), check those files whole.
    Exit 0 when the commit may go ahead, 1 to block it.
    """
    from buildrunner import config as cfg
    from buildrunner.quality.hook import render_outcome, run_hook

    project = discover()
    outcome = run_hook(project, cfg.load(project), list(files) or None)
    if as_json:
        from buildrunner.cli.output import emit_json

        emit_json({"passed": outcome.passed, "files": outcome.files,
                   "duration_s": round(outcome.duration_s, 3), "phases_ms": outcome.phases,
                   "checks": [c.to_dict() for c in outcome.checks]})
    else:
        text = render_outcome(project, outcome, quiet=quiet)
        if text:
            click.echo(text, nl=False)
    return outcome.exit_code
