"""BuildRunner (`br`): keeps a software project safe and cheap to build with AI assistants."""

__version__ = "0.1.0"
