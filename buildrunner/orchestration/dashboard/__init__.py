"""The live dashboard: a small Flask app, Server-Sent Events, one static page (no build step).

Only this package imports flask, and only when the dashboard starts.
"""

from buildrunner.orchestration.dashboard.server import DashboardServer  # noqa: F401
