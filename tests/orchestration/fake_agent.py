"""A scripted stand-in for an AI coding agent, run by `br worker` as orchestration.agent_command.

It reads a scenario (JSON, path in $FAKE_AGENT_SCENARIO) keyed by "<stream>/<batch_id>": a list of
edits applied in the current directory (the stream's worktree), then commits them with the
batch's task ids in the message — exactly what a real agent is asked to do. Optional keys per
step: "sleep" (seconds, before committing), "exit" (exit code), "no_commit" (edit but do not commit).
"""

import json
import os
import subprocess
import sys
import time
from pathlib import Path


def main() -> int:
    prompt = sys.stdin.read()  # the worker sends the prompt on stdin
    scenario = json.loads(Path(os.environ["FAKE_AGENT_SCENARIO"]).read_text())
    key = f"{os.environ['BR_STREAM']}/{os.environ['BR_BATCH_ID']}"
    step = scenario.get(key)
    if step is None:
        print(f"fake agent: no scripted step for {key}")
        return 3
    print(f"fake agent: {key}, prompt has {len(prompt.splitlines())} lines", flush=True)
    Path(os.environ.get("FAKE_AGENT_PIDFILE", os.devnull)).write_text(str(os.getpid()))
    for edit in step.get("edits", []):
        path = Path(edit["path"])
        path.parent.mkdir(parents=True, exist_ok=True)
        if "content" in edit:
            path.write_text(edit["content"])
        else:
            old, new = edit["replace"]
            text = path.read_text()
            assert old in text, f"{old!r} not in {path}"
            path.write_text(text.replace(old, new, 1))
        subprocess.run(["git", "add", "--", str(path)], check=True)
    if step.get("sleep"):
        time.sleep(step["sleep"])
    if step.get("exit"):
        return step["exit"]
    if not step.get("no_commit") and step.get("edits"):
        subprocess.run(["git", "commit", "-q", "--no-verify", "-m", step.get("message", key)], check=True)
    print("fake agent: done", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
