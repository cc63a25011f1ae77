"""Shared rendering helpers for commands: consoles that honour NO_COLOR, JSON, --output files."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import click

from buildrunner.colour import color_enabled

__all__ = ["color_enabled", "console", "emit_json", "write_output"]


def console(stderr: bool = False):
    """A rich Console that writes plain text when NO_COLOR is set or the stream is not a TTY."""
    from rich.console import Console

    stream = sys.stderr if stderr else sys.stdout
    color = color_enabled(stream)
    return Console(file=stream, no_color=not color, color_system="auto" if color else None,
                   highlight=False, soft_wrap=True, emoji=False)


def emit_json(data: Any) -> None:
    click.echo(json.dumps(data, indent=2, ensure_ascii=False, default=str))


def write_output(text: str, output: str | Path | None) -> None:
    """Write a report to `output` (atomically) or stdout."""
    if not output or str(output) == "-":
        click.echo(text, nl=not text.endswith("\n"))
        return
    from buildrunner.fsutil import atomic_write_text

    path = check_output_path(output)
    atomic_write_text(path, text if text.endswith("\n") else text + "\n")


def check_output_path(output: str | Path) -> Path:
    """`--output FILE` as a Path, once its directory is known to exist: a mistyped directory is a
    usage error (exit 2), never created (`-o /nonexistent/x.sarif` must not make `/nonexistent`)."""
    from buildrunner.errors import BrError

    path = Path(output)
    parent = path.parent if str(path.parent) else Path(".")
    if path.is_dir():
        raise BrError(f"--output {output}: is a directory", hint="name a file to write the report to")
    if not parent.is_dir():
        raise BrError(f"--output {output}: directory {parent} does not exist",
                      hint=f"create it first (mkdir -p {parent}) or check the path")
    return path
