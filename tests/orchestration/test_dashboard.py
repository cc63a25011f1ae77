"""The dashboard in a real headless Chromium: live updates over SSE, token required."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from buildrunner.errors import BrError
from buildrunner.orchestration import decisions as dec
from buildrunner.orchestration.dashboard import DashboardServer
from buildrunner.orchestration.orchestrator import Orchestrator
from buildrunner.orchestration.state import atomic_write_json, now_iso

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]


def _get(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=5) as resp:
            return resp.status, resp.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode()


@pytest.fixture
def running(project):
    orch = Orchestrator(project.root)
    orch.start()
    server = DashboardServer(project.root, host="127.0.0.1", port=0)
    server.start()
    yield orch, server
    server.stop()


@pytest.mark.slow
@pytest.mark.browser
def test_page_follows_status_files_live(running):
    if not Path(CHROMIUM).exists():  # a skipped browser test is not a passed one
        pytest.fail(f"{CHROMIUM} is missing: run `make browser` (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    orch, server = running
    status_dir = orch.paths.status_dir
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            page = browser.new_page()
            page.goto(server.url)
            page.wait_for_selector('[data-testid=connection]:text("live")', timeout=5000)
            card = '[data-stream="core"]'
            page.wait_for_selector(card)
            assert page.inner_text(f"{card} .batch") == "batch-1"
            assert page.inner_text(f"{card} .branch") == "stream/core"
            assert page.inner_text(f"{card} .tasks") == "0/1"

            # a worker starts: the card turns "running" within a second
            started = time.monotonic()
            atomic_write_json(status_dir / "core.json", {
                "stream": "core", "status": "running", "batch_id": "batch-1", "completed_tasks": [],
                "branch": "stream/core", "commit": "a" * 40, "commit_subject": "start",
                "started_at": now_iso(), "pid": os.getpid()})
            page.wait_for_selector(f'{card}[data-status="running"]', timeout=1000)
            assert time.monotonic() - started < 1.0

            # it completes: tasks and last commit follow
            atomic_write_json(status_dir / "core.json", {
                "stream": "core", "status": "complete", "batch_id": "batch-1", "completed_tasks": ["core-currency"],
                "branch": "stream/core", "commit": "b" * 40, "commit_subject": "core-currency: done",
                "started_at": now_iso(), "finished_at": now_iso()})
            page.wait_for_selector(f'{card}[data-status="complete"]', timeout=2000)
            assert page.inner_text(f"{card} .tasks") == "1/1"
            assert "core-currency: done" in page.inner_text(f"{card} .commit")

            # a malformed status file is an error on that stream, not a broken page
            (status_dir / "ui.json").write_text('{"status": "runn')
            page.wait_for_selector('[data-stream="ui"][data-status="error"]', timeout=2000)
            assert "malformed JSON" in page.inner_text('[data-stream="ui"] .stream-error')
            assert page.get_attribute(card, "data-status") == "complete"

            # two streams deciding the same topic are flagged
            dec.record(orch.paths, "auth: sessions use JWT cookies", stream="api")
            dec.record(orch.paths, "auth: server-side sessions in Redis", stream="ui")
            page.wait_for_selector(".decision-conflict", timeout=2000)
            assert "api and ui" in page.inner_text(".decision-conflict")
            assert page.locator("#decisions li").count() == 2

            # a real merge round with a conflict: the conflict table and the merge history fill in
            for name, edit in (("core", "0.8"), ("api", "0.7")):
                wt = orch.root / ".buildrunner" / "worktrees" / name
                path = wt / "core" / "pricing.py"
                path.write_text(path.read_text().replace("0.9", edit))
                subprocess.run(["git", "commit", "-qam", f"{name}: discount"], cwd=wt, check=True)
            tip = subprocess.run(["git", "rev-parse", "stream/core"], cwd=orch.root, capture_output=True,
                                 text=True).stdout.strip()
            status = json.loads((status_dir / "core.json").read_text())
            atomic_write_json(status_dir / "core.json", {**status, "commit": tip})  # what a worker reports
            orch.merge(["core", "api"])
            page.wait_for_selector("#conflicts tr.conflict", timeout=2000)
            row = page.inner_text("#conflicts tr.conflict")
            assert "core/pricing.py" in row and "discount" in row and "core vs api" in row
            assert "api: held" in page.inner_text("#merges tbody") and "core: merged" in page.inner_text("#merges")
            page.wait_for_selector('[data-stream="api"][data-status="conflict"]', timeout=2000)

            # the SSE stream does not block other requests
            status, body = _get(server.url.replace("/?", "/api/state?"))
            assert status == 200 and json.loads(body)["batch"]["id"] == "batch-1"
        finally:
            browser.close()
    t0 = time.monotonic()
    server.stop()  # ends cleanly although the event stream was open
    assert time.monotonic() - t0 < 3


def test_requests_without_the_right_token_are_refused(running):
    _, server = running
    base = f"http://127.0.0.1:{server.port}"
    for path in ("/", "/api/state", "/events", "/static/app.js"):
        assert _get(base + path)[0] == 403
        assert _get(base + path + "?token=wrong")[0] == 403
    status, body = _get(server.url)
    assert status == 200 and "br parallel build" in body
    # DNS rebinding: a foreign Host header is refused even with the token
    req = urllib.request.Request(server.url, headers={"Host": f"evil.example:{server.port}"})
    with pytest.raises(urllib.error.HTTPError) as err:
        urllib.request.urlopen(req, timeout=5)
    assert err.value.code == 403


def test_binds_to_loopback_and_reports_a_taken_port(project):
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        port = sock.getsockname()[1]
        with pytest.raises(BrError) as err:
            DashboardServer(project.root, port=port).start()
        assert f"port {port}" in err.value.message and "already in use" in err.value.message
        assert "--port" in err.value.hint
    server = DashboardServer(project.root, port=0)
    server.start()
    try:
        assert server._server.server_address[0] == "127.0.0.1"
        assert server.url.startswith(f"http://127.0.0.1:{server.port}/?token=")
        assert len(server.token) >= 24
    finally:
        server.stop()


def _commit_as_worker(orch, name: str, edits: dict[str, tuple[str, str]], message: str) -> None:
    """What a worker leaves behind: commits on the stream branch and a complete status naming the tip."""
    wt = orch.root / ".buildrunner" / "worktrees" / name
    for rel, (old, new) in edits.items():
        path = wt / rel
        path.write_text(path.read_text().replace(old, new) if old else new)
        subprocess.run(["git", "add", rel], cwd=wt, check=True)
    subprocess.run(["git", "commit", "-qm", message], cwd=wt, check=True)
    tip = subprocess.run(["git", "rev-parse", "HEAD"], cwd=wt, capture_output=True, text=True).stdout.strip()
    atomic_write_json(orch.paths.status_file(name), {
        "stream": name, "status": "complete", "batch_id": "batch-1", "completed_tasks": [], "commit": tip,
        "commit_subject": message, "started_at": now_iso(), "finished_at": now_iso()})


@pytest.mark.slow
@pytest.mark.browser
def test_held_streams_show_their_work_resolution_and_verify_output(project, tmp_path):
    """The held/resolution view: held work on the card, the resolution order, the end of a failing
    verify's output, placeholders in empty sections. BR_UPDATE_SCREENSHOTS=1 writes the screenshot
    into docs/ (docs/PARALLEL_BUILDS.md shows it)."""
    import shutil

    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: run `make browser` (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    python = "python3" if shutil.which("python3") else sys.executable
    plan = project.root / ".buildrunner" / "plan.yaml"
    check = "import pathlib, sys; t = pathlib.Path('ui/cart.js').read_text(); " \
            "print('checking ui/cart.js'); sys.exit('FAIL: cart total counts quantities twice' if 'qty * i.qty' in t else 0)"
    plan.write_text(plan.read_text().replace("max_tasks_per_batch: 1\n", "max_tasks_per_batch: 1\n"
                                             f"verify: {json.dumps(f'{python} -c {json.dumps(check)}')}\n"))
    orch = Orchestrator(project.root)
    orch.start()
    _commit_as_worker(orch, "core", {"core/pricing.py": ("0.9", "0.8")}, "core-currency: discount 20%")
    _commit_as_worker(orch, "api", {"core/pricing.py": ("0.9", "0.7")}, "api-orders: discount 30%")
    _commit_as_worker(orch, "ui", {"ui/cart.js": ("i.cost", "i.cost * i.qty * i.qty")}, "ui-cart: totals")
    report = orch.merge()
    assert {s.stream: s.result for s in report.streams} == {"core": "merged", "api": "held", "ui": "held"}
    server = DashboardServer(project.root, host="127.0.0.1", port=0)
    server.start()
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
            try:
                page = browser.new_page(viewport={"width": 1280, "height": 900})
                page.goto(server.url)
                api = '[data-stream="api"]'
                page.wait_for_selector(f'{api}[data-status="conflict"]', timeout=5000)
                assert page.inner_text(f"{api} .tasks") == "api-orders"  # the held work, not "0/0"
                assert "batch-1-resolve-1" in page.inner_text(f"{api} .resolution")
                assert page.inner_text(f"{api} .batch") == "batch-1-resolve-1"
                order = page.locator("#resolution-order li").all_inner_texts()
                assert order[0].startswith("merge first: core") and any("resolve api" in x for x in order)
                assert any(x.startswith("then fix ui") for x in order)
                out = page.inner_text("#conflicts tr.kind-verify pre.verify-output")
                assert "FAIL: cart total counts quantities twice" in out
                assert page.inner_text("#decisions") == "No shared decisions yet."
                assert page.get_attribute('[data-stream="core"]', "data-status") == "ready"  # batch 2
                # the api worker's agent resolves: the card says it is ready to merge
                atomic_write_json(orch.paths.status_file("api"), {
                    "stream": "api", "status": "complete", "batch_id": "batch-1-resolve-1",
                    "commit": "c" * 40, "commit_subject": "api-orders: resolve", "started_at": now_iso(),
                    "finished_at": now_iso()})
                page.wait_for_selector(f'{api}[data-status="resolved"]', timeout=2000)
                assert "ready to merge" in page.inner_text(f"{api} .resolution")
                docs = Path(__file__).parents[2] / "docs" / "parallel-builds-dashboard.png"
                shot = docs if os.environ.get("BR_UPDATE_SCREENSHOTS") else tmp_path / "dashboard.png"
                page.screenshot(path=str(shot), full_page=True)
                assert shot.stat().st_size > 10_000
            finally:
                browser.close()
    finally:
        server.stop()
