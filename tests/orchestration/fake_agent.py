"""A scripted stand-in for an AI coding agent, run by `br worker` as orchestration.agent_command.

It reads a scenario (JSON, path in $FAKE_AGENT_SCENARIO) keyed by "<stream>/<batch_id>": a list of
edits applied in the current directory (the stream's worktree), then commits them with the
batch's task ids in the message — exactly what a real agent is asked to do. Optional keys per
step: "sleep" (seconds, before committing), "exit" (exit code), "no_commit" (edit but do not commit),
"child" (start a helper process in the agent's process group that sleeps `child.sleep` seconds and
then commits `child.path`/`child.content` — what an orphaned agent does; its pid goes to
$FAKE_AGENT_CHILD_PIDFILE), "sleep_once" (sleep only the first time the step runs), "merge" (a
branch to `git merge` first; conflicts are left for the edits to resolve). The agent records
$BR_MODEL in $FAKE_AGENT_MODELS when that is set.
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
    if os.environ.get("FAKE_AGENT_MODELS"):
        with open(os.environ["FAKE_AGENT_MODELS"], "a") as f:
            f.write(json.dumps({"key": key, "model": os.environ.get("BR_MODEL"), "argv": sys.argv[1:],
                                "prompt_has_model": f"`{os.environ.get('BR_MODEL')}`" in prompt}) + "\n")
    if step.get("child"):
        child = step["child"]
        code = ("import subprocess, sys, time, pathlib; time.sleep(float(sys.argv[1])); "
                "pathlib.Path(sys.argv[2]).write_text(sys.argv[3]); "
                "subprocess.run(['git', 'add', '--', sys.argv[2]]); "
                "subprocess.run(['git', 'commit', '-q', '--no-verify', '-m', 'orphan commit'])")
        helper = subprocess.Popen([sys.executable, "-c", code, str(child["sleep"]), child["path"], child["content"]])
        Path(os.environ.get("FAKE_AGENT_CHILD_PIDFILE", os.devnull)).write_text(str(helper.pid))
    if step.get("merge"):
        subprocess.run(["git", "merge", "-q", "--no-edit", step["merge"]], capture_output=True)
    marker = Path(os.environ["FAKE_AGENT_SCENARIO"] + "." + key.replace("/", "_") + ".slept")
    if step.get("sleep_once") and not marker.exists():
        marker.write_text("1")
        time.sleep(step["sleep_once"])
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
        subprocess.run(["git", "commit", "-q", "--no-verify", "--no-edit", "-m", step.get("message", key)], check=True)
    print("fake agent: done", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
