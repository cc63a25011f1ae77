"""Colour detection, shared by the CLI's consoles and the engine's text reporter.

Dependency-free on purpose: the pre-commit hook's text report asks it without importing rich or
click. Colour only on a TTY, never when NO_COLOR is set (https://no-color.org).
"""

from __future__ import annotations

import os
import sys


def color_enabled(stream=None) -> bool:
    if os.environ.get("NO_COLOR"):
        return False
    stream = stream or sys.stdout
    return bool(getattr(stream, "isatty", lambda: False)())
