import subprocess
import sys

from buildrunner import __version__


def test_version(br):
    res = br("--version")
    assert res.exit_code == 0
    assert res.stdout.strip() == f"br {__version__}"


def test_help_lists_groups_without_importing_them():
    code = (
        "import sys; from buildrunner.cli.main import main\n"
        "try:\n    main(['--help'])\nexcept SystemExit:\n    pass\n"
        "heavy = [m for m in ('anthropic', 'libcst', 'flask', 'rich', 'tree_sitter') if m in sys.modules]\n"
        "print('HEAVY', heavy)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True).stdout
    assert "Usage: br" in out
    assert "HEAVY []" in out


def test_unknown_command_is_usage_error(br):
    res = br("no-such-command")
    assert res.exit_code == 2
    assert "No such command" in res.stderr
