"""Dashboard latency: time from a status file write to the Server-Sent Event that carries it.

Budget (DESIGN.md §3): < 1 s. Builds a throwaway repo with a 3-stream plan, starts the real
dashboard server on 127.0.0.1, holds an SSE connection like the page does, rewrites a status file
N times and prints median / p95 / max latency. Run: .venv/bin/python bench/bench_dashboard.py
"""

from __future__ import annotations

import http.client
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

N = 30
PLAN = """name: bench
streams:
  - {name: a, tasks: [{id: a1, files: [a.py]}]}
  - {name: b, tasks: [{id: b1, files: [b.py]}]}
  - {name: c, tasks: [{id: c1, files: [c.py]}]}
"""


def main() -> int:
    from buildrunner.orchestration.dashboard import DashboardServer
    from buildrunner.orchestration.orchestrator import Orchestrator
    from buildrunner.orchestration.state import atomic_write_json, now_iso

    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        env = {**os.environ, "GIT_AUTHOR_NAME": "b", "GIT_AUTHOR_EMAIL": "b@b", "GIT_COMMITTER_NAME": "b",
               "GIT_COMMITTER_EMAIL": "b@b"}
        for args in (["init", "-q", "-b", "main"], ["commit", "-q", "--allow-empty", "-m", "init"]):
            subprocess.run(["git", *args], cwd=root, check=True, env=env)
        (root / ".buildrunner").mkdir()
        (root / ".buildrunner" / "plan.yaml").write_text(PLAN)
        orch = Orchestrator(root)
        orch.start()
        server = DashboardServer(root, port=0)
        server.start()
        try:
            conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
            conn.request("GET", f"/events?token={server.token}")
            resp = conn.getresponse()
            assert resp.status == 200, resp.status

            def next_event() -> dict:
                data = None
                while True:
                    line = resp.fp.readline().decode()
                    if line.startswith("data: "):
                        data = json.loads(line[6:])
                    elif line in ("\n", "\r\n") and data is not None:
                        return data

            next_event()  # initial snapshot
            latencies = []
            for i in range(N):
                t0 = time.perf_counter()
                atomic_write_json(orch.paths.status_file("a"), {
                    "status": "running", "batch_id": "batch-1", "completed_tasks": [], "commit": f"{i:040d}",
                    "started_at": now_iso(), "pid": os.getpid()})
                while True:
                    snap = next_event()
                    row = next(s for s in snap["streams"] if s["stream"] == "a")
                    if row.get("commit") == f"{i:040d}":
                        break
                latencies.append(time.perf_counter() - t0)
                time.sleep(0.05)
            conn.close()
        finally:
            server.stop()
    latencies.sort()
    p95 = latencies[int(0.95 * (len(latencies) - 1))]
    print(f"dashboard update latency over {N} status writes (file write -> SSE event received):")
    print(f"  median {statistics.median(latencies) * 1000:.0f} ms, p95 {p95 * 1000:.0f} ms, "
          f"max {latencies[-1] * 1000:.0f} ms   (budget < 1000 ms)")
    print(f"  machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}")
    return 0 if latencies[-1] < 1.0 else 1


if __name__ == "__main__":
    sys.exit(main())
