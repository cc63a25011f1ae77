"""`br coverage run -- CMD`: run the tests, then record what the coverage data measured.

A Python test command is run under coverage.py (`br coverage run -- pytest -q` runs
`coverage run -m pytest -q`; see `under_coverage`); a command that produces coverage itself
(`coverage run ...`, `npx c8 npm test`, `vitest --coverage`) runs as given, and a single string with
shell syntax (like the configured `security.coverage_command`) goes through `sh -c`. Afterwards the data files are read and the
manifest (see `freshness`) records the blob id of every source file in the project, measured or
not — a file that existed and was never imported is then known to be uncovered rather than stale.
The executable lines of the project's Python files are cached at the same time, which keeps the
pre-commit hook from parsing them again.
"""

from __future__ import annotations

import shlex
import subprocess
from dataclasses import dataclass

from buildrunner.coverage import readers
from buildrunner.coverage.freshness import SOURCE_SUFFIXES, write_manifest
from buildrunner.coverage.lines import LineCache


@dataclass
class RunResult:
    exit_code: int
    message: str


_PRODUCERS = ("coverage", "c8", "nyc", "--coverage", "--cov", "jest", "vitest")


def under_coverage(argv: list[str]) -> list[str]:
    """A Python test command runs under coverage.py: `pytest -q` → `coverage run -m pytest -q`,
    `python -m pytest` → `python -m coverage run -m pytest`, `python script.py` likewise. Commands
    that already produce coverage (coverage, c8, nyc, jest/vitest, `--cov`...) or are not Python
    (`npm test`) run as given."""
    import os
    import shutil
    import sys

    if any(word == p or word.endswith(("/" + p, "=" + p)) or word.startswith(p + "=") for word in argv
           for p in _PRODUCERS) or any("coverage" in word for word in argv):
        return argv
    exe = os.path.basename(argv[0])
    if exe.startswith("python"):
        return [argv[0], "-m", "coverage", "run", *argv[1:]]
    if exe in ("pytest", "py.test"):
        runner = [shutil.which("coverage")] if shutil.which("coverage") else [sys.executable, "-m", "coverage"]
        return [*runner, "run", "-m", "pytest", *argv[1:]]
    return argv


def run_and_record(project, config, argv: list[str]) -> RunResult:
    from buildrunner.coverage.check import DEFAULT_COMMAND, list_project_files

    if argv and argv[0] == "--":
        argv = argv[1:]
    if not argv:
        argv = [(config.get("security.coverage_command") or "").strip() or DEFAULT_COMMAND]
    shell = len(argv) == 1 and any(ch in argv[0] for ch in " &|;<>$`")
    typed = argv[0] if shell else shlex.join(argv)  # what `br coverage run` reruns: no venv path in it
    if not shell:
        argv = under_coverage(argv)
    shown = argv[0] if shell else shlex.join(argv)
    try:
        proc = subprocess.run(argv[0] if shell else argv, cwd=project.root, shell=shell)
        rc = proc.returncode
    except FileNotFoundError:
        from buildrunner.errors import BrError

        raise BrError(f"command not found: {argv[0]}", hint="e.g. br coverage run -- coverage run -m pytest") from None
    data = readers.load(project.root, list(config.get("security.coverage_files") or []) or None)
    if not data.found:
        return RunResult(rc or 1, f"br: `{shown}` exited {rc} and left no coverage data in {project.root} "
                                  f"(looked for {', '.join(readers.DEFAULT_FILES[:4])}); is it a coverage command, "
                                  f"e.g. `coverage run -m pytest && coverage xml`?")
    files = sorted(set(data.files) | {f for f in list_project_files(project) if f.endswith(SOURCE_SUFFIXES)})
    manifest = write_manifest(project, data, files, typed)
    cache = LineCache(project)
    for rel in files:
        if rel.endswith(".py"):
            try:
                cache.get((project.root / rel).read_bytes(), rel)
            except OSError:
                continue
    cache.save()
    errors = "".join(f"\nbr: warning: {e}" for e in data.errors)
    return RunResult(rc, f"br: recorded coverage of {len(data.files)} measured file(s) "
                         f"({len(manifest.blobs)} source file versions) from "
                         f"{', '.join(s.path for s in data.sources)}{errors}")
