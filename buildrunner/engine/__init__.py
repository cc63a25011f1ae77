"""The analyzer: rules → sources → matchers → findings → suppression → reports (DESIGN.md §2)."""
