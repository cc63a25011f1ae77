"""Secret rules: load + validate time, regex compile time, masker start-up, scan throughput.

Prints medians over several runs, in CPU milliseconds of the measuring process (time.process_time),
so a busy machine inflates them less than wall-clock figures. Cold figures run in fresh
interpreters (what the pre-commit hook and every `br` command pay); warm figures in this process.

    .venv/bin/python bench/bench_secrets_rules.py [--kb 4096] [--runs 7]
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import re
import statistics
import string
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from buildrunner.engine.model import Document  # noqa: E402
from buildrunner.engine.rules import load_pack  # noqa: E402
from buildrunner.engine.secrets import SECRET_PACK, SecretMatcher  # noqa: E402

DECOYS = ROOT / "tests" / "secrets" / "data" / "decoys"


def median_ms(fn, runs: int) -> float:
    times = []
    for _ in range(runs):
        t = time.process_time()
        fn()
        times.append((time.process_time() - t) * 1e3)
    return statistics.median(times)


def cold_ms(code: str, runs: int) -> float:
    """Median CPU time of `code` inside a fresh interpreter (its own timer, so start-up excluded)."""
    # the stdlib modules every `br` command has loaded already (click imports them) are not counted
    wrapper = ("import time, re, os, sys, json, threading, pathlib, click; t=time.process_time()\n"
               f"{code}\nprint((time.process_time()-t)*1e3)")
    out = []
    for _ in range(runs):
        res = subprocess.run([sys.executable, "-c", wrapper], capture_output=True, text=True, cwd=ROOT, check=True)
        out.append(float(res.stdout.strip().splitlines()[-1]))
    return statistics.median(out)


def corpus(kb: int) -> list[Document]:
    """Realistic text: the decoy corpus, code-like lines, and a planted secret every ~64 KB."""
    rng = random.Random(3)
    base = [p.read_text(encoding="utf-8") for p in sorted(DECOYS.iterdir()) if p.is_file()]
    code_lines = [
        "def handler(event, context):", "    token = request.headers.get('Authorization')",
        "    password_hash = bcrypt.hashpw(password.encode(), salt)", "    return {'statusCode': 200, 'body': json.dumps(data)}",
        "const apiKey = process.env.API_KEY;", "for (let i = 0; i < items.length; i++) { total += items[i].price; }",
        "SELECT id, name FROM users WHERE id = %s", "    logger.info('secret rotated for %s', tenant_id)",
    ]
    docs, size, n = [], 0, 0
    while size < kb * 1024:
        if n % 3 == 0:
            text = base[n % len(base)]
        else:
            lines = [rng.choice(code_lines) for _ in range(1500)]
            if n % 5 == 1:
                lines[rng.randrange(len(lines))] = "GITHUB_TOKEN = 'ghp_" + "".join(
                    rng.choice(string.ascii_letters + string.digits) for _ in range(36)) + "'"
            text = "\n".join(lines) + "\n"
        docs.append(Document(path=f"f{n}.txt", text=text))
        size += len(text)
        n += 1
    return docs


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--kb", type=int, default=4096, help="KB of text to scan (default 4096)")
    ap.add_argument("--runs", type=int, default=7)
    args = ap.parse_args()
    print(f"machine: {platform.machine()} {os.cpu_count()} cpu, Python {platform.python_version()}, "
          f"load avg {os.getloadavg()[0]:.1f}")

    rules = load_pack(SECRET_PACK, builtin=True).rules
    print(f"rules: {len(rules)} secret rules, {len({k for r in rules for k in r.spec['keywords']})} keywords, "
          f"pack {SECRET_PACK.stat().st_size // 1024} KB")
    print(f"load+validate secrets.yaml (warm, in-process):   {median_ms(lambda: load_pack(SECRET_PACK), args.runs):7.1f} ms")
    print(f"  of which YAML parse:                          "
          f"{median_ms(lambda: __import__('yaml').load(SECRET_PACK.read_text(), Loader=__import__('yaml').CSafeLoader), args.runs):7.1f} ms")

    def compile_all():
        re.purge()
        for r in rules:
            re.compile(r.spec["regex"])
    print(f"compile every regex (if every rule hit):        {median_ms(compile_all, args.runs):7.1f} ms")
    print(f"build matcher (automaton, lazy regexes):        {median_ms(lambda: SecretMatcher(rules), args.runs):7.1f} ms")

    print(f"cold: import + load_pack + matcher:             "
          f"{cold_ms('from buildrunner.engine.rules import load_pack; from buildrunner.engine.secrets import SecretMatcher, SECRET_PACK; SecretMatcher(load_pack(SECRET_PACK).rules)', args.runs):7.1f} ms")
    subprocess.run([sys.executable, "-c", "from buildrunner.engine.masking import sanitize_text; sanitize_text('x sk-ant-')"],
                   cwd=ROOT, check=True)  # make sure the masker's rule cache exists
    print(f"cold: sanitize_text, clean text (cache warm):   "
          f"{cold_ms('from buildrunner.engine.masking import sanitize_text; sanitize_text(chr(100)*80)', args.runs):7.1f} ms")
    print(f"cold: sanitize_text, text with a GitHub token:  "
          f"{cold_ms('from buildrunner.engine.masking import sanitize_text; sanitize_text(chr(32).join([chr(103)+chr(104)+chr(112)+chr(95)+chr(81)*36]))', args.runs):7.1f} ms")

    docs = corpus(args.kb)
    size = sum(len(d.text) for d in docs) / 1e6
    matcher = SecretMatcher(rules)
    for d in docs[:10]:
        matcher.scan(d)  # compile what the corpus hits
    found = sum(len(matcher.scan(d)) for d in docs)
    keyword_ms = median_ms(lambda: [matcher.hits(d.text) for d in docs], max(3, args.runs // 2))
    scan_ms = median_ms(lambda: [matcher.scan(d) for d in docs], max(3, args.runs // 2))
    print(f"scan {size:.1f} MB in {len(docs)} documents ({found} findings): {scan_ms:7.1f} ms "
          f"= {size / (scan_ms / 1e3):.1f} MB/s (keyword pass alone {keyword_ms:.1f} ms)")
    compare_detect_secrets(docs, scan_ms)


def child_cpu_ms(cmd: list[str], cwd: Path) -> float:
    """CPU time (user + sys) a child process used, in ms."""
    import resource

    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    subprocess.run(cmd, cwd=cwd, capture_output=True, check=False)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return ((after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)) * 1e3


def compare_detect_secrets(docs: list[Document], scan_ms: float) -> None:
    """detect-secrets on the same text, if bench_security.py's venv (or a detect-secrets on PATH) exists."""
    import shutil
    import tempfile

    exe = ROOT / "bench" / ".work" / "ds-venv" / "bin" / "detect-secrets"
    exe = str(exe) if exe.exists() else shutil.which("detect-secrets")
    if not exe:
        print("detect-secrets not found (run bench/bench_security.py once, or pip install detect-secrets): "
              "comparison skipped")
        return
    with tempfile.TemporaryDirectory() as tmp:
        empty, full = Path(tmp, "empty"), Path(tmp, "corpus")
        empty.mkdir()
        full.mkdir()
        for d in docs:
            Path(full, d.path).write_text(d.text, encoding="utf-8")
        base = statistics.median(child_cpu_ms([exe, "scan", "--all-files", "."], empty) for _ in range(3))
        ds = statistics.median(child_cpu_ms([exe, "scan", "--all-files", "."], full) for _ in range(3)) - base
    size = sum(len(d.text) for d in docs) / 1e6
    print(f"detect-secrets scan --all-files, same text:   {ds:7.1f} ms CPU (start-up subtracted) = "
          f"{size / (ds / 1e3):.1f} MB/s; br matcher is {ds / scan_ms:.1f}x faster")


if __name__ == "__main__":
    main()
