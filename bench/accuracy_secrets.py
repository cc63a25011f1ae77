"""Per-family precision and recall of the secret rules on the labelled set (tune and held-out parts).

    .venv/bin/python bench/accuracy_secrets.py [--part tune|heldout|both] [--misses]

The set is tests/secrets/corpus/{tune,heldout}.jsonl (built by tests/secrets/corpus/generate.py
from documented formats, split by template family). For each record, the built-in secret rules scan
the record's text under its file name. A positive counts as found for its family when a rule of that
family reports a span covering the planted value ("family" recall); "any" recall counts a report by
any rule (what the pre-commit hook needs). Precision: the share of reported spans, per family, that
cover a planted value of that family. When detect-secrets is importable, its any-rule recall and
precision on the same records are printed too.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
CORPUS = ROOT / "tests" / "secrets" / "corpus"

NAMED = ("anthropic", "openai", "openrouter", "aws", "github", "gitlab", "slack", "stripe", "notion", "apify",
         "sendgrid", "npm", "jwt")
GENERIC = ("generic-credential", "generic-unquoted-credential", "generic-xml-credential", "cli-credential-flag",
           "curl-basic-auth", "generic-embedded-credential", "database-cli-password")


def rule_family(rule_id: str) -> str:
    name = rule_id.removeprefix("secrets.")
    if name in GENERIC:
        return "generic"
    if name in ("bearer-token", "authorization-header"):
        return "bearer"
    if name.startswith("kubernetes-"):
        return "k8s"
    if name.endswith("connection-url") or name == "url-password":
        return "url-credentials"
    if name.startswith(("google-", "gcp-", "firebase-")):
        return "gcp"
    for family in NAMED:
        if name == family or name.startswith(family + "-"):
            return family
    return "long-tail"


def record_family(family: str) -> str:
    return "generic" if family.startswith("generic-") else family


def load(part: str) -> list[dict]:
    return [json.loads(line) for line in (CORPUS / f"{part}.jsonl").read_text(encoding="utf-8").splitlines()]


def covers(text: str, secret: str | None, s: int, e: int) -> bool:
    if not secret:
        return False
    start = text.find(secret)
    return start != -1 and s < start + len(secret) and start < e


def score_br(records: list[dict]):
    from buildrunner.engine.model import Document
    from buildrunner.engine.rules import load_pack
    from buildrunner.engine.secrets import SECRET_PACK, SecretMatcher

    matcher = SecretMatcher([r for r in load_pack(SECRET_PACK, builtin=True).rules if r.kind == "secret"])
    stats = defaultdict(lambda: {"pos": 0, "fam": 0, "any": 0, "pred": 0, "ok": 0})
    misses, false_alarms = [], []
    for rec in records:
        fam, text = record_family(rec["family"]), rec["text"]
        spans = [(rule_family(c.rule.id), c.rule.id, s, e) for c, _ls, s, e in
                 matcher.spans(Document(path=rec["path"], text=text))]
        if fam != "none":
            st = stats[fam]
            st["pos"] += 1
            hit = [sf for sf, _r, s, e in spans if covers(text, rec["secret"], s, e)]
            st["any"] += bool(hit)
            st["fam"] += fam in hit
            if fam not in hit:
                misses.append((fam, rec["template"], text))
        for sf, rule_id, s, e in spans:
            stats[sf]["pred"] += 1
            good = sf == fam and covers(text, rec["secret"], s, e)
            stats[sf]["ok"] += good
            if not good and not (fam != "none" and covers(text, rec["secret"], s, e)):
                false_alarms.append((rule_id, rec["template"], text))
    return stats, misses, false_alarms


def score_detect_secrets(records: list[dict]):
    """Any-rule recall and precision of detect-secrets (None when it is not installed)."""
    try:
        from detect_secrets import SecretsCollection
        from detect_secrets.settings import default_settings
    except ImportError:
        return None
    stats = defaultdict(lambda: {"pos": 0, "any": 0, "pred": 0, "ok": 0})
    with tempfile.TemporaryDirectory() as tmp, default_settings():
        for i, rec in enumerate(records):
            fam = record_family(rec["family"])
            path = Path(tmp) / str(i) / rec["path"]
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(rec["text"] + "\n", encoding="utf-8")
            collection = SecretsCollection()
            collection.scan_file(str(path))
            found = [s for _f, s in collection]
            values = [getattr(s, "secret_value", None) or "" for s in found]
            hit = any(v and rec["secret"] and (v in rec["secret"] or rec["secret"] in v) for v in values)
            if fam != "none":
                stats[fam]["pos"] += 1
                stats[fam]["any"] += hit
            key = fam if fam != "none" else "none"
            stats[key]["pred"] += len(found)
            stats[key]["ok"] += sum(1 for v in values if v and rec["secret"] and (v in rec["secret"] or rec["secret"] in v))
    return stats


def pct(a: int, b: int) -> str:
    return f"{100 * a / b:5.1f}%" if b else "    -"


def report(part: str, records: list[dict], show_misses: bool) -> None:
    stats, misses, false_alarms = score_br(records)
    positives = sum(1 for r in records if r["family"] != "none")
    print(f"\n== {part}: {len(records)} records ({positives} positives, {len(records) - positives} negatives)")
    print(f"{'family':<16} {'pos':>4} {'recall':>7} {'any':>7} {'reports':>8} {'precision':>9}")
    for fam in sorted(stats):
        st = stats[fam]
        print(f"{fam:<16} {st['pos']:>4} {pct(st['fam'], st['pos']):>7} {pct(st['any'], st['pos']):>7} "
              f"{st['pred']:>8} {pct(st['ok'], st['pred']):>9}")
    tot_fam = sum(st["fam"] for st in stats.values())
    tot_any = sum(st["any"] for st in stats.values())
    preds = sum(st["pred"] for st in stats.values())
    print(f"{'ALL':<16} {positives:>4} {pct(tot_fam, positives):>7} {pct(tot_any, positives):>7} {preds:>8} "
          f"{pct(preds - len(false_alarms), preds):>9}   false alarms: {len(false_alarms)}")
    ds = score_detect_secrets(records)
    if ds is not None:
        pos = sum(st["pos"] for st in ds.values())
        hits = sum(st["any"] for st in ds.values())
        preds = sum(st["pred"] for st in ds.values())
        ok = sum(st["ok"] for st in ds.values())
        print(f"{'detect-secrets':<16} {pos:>4} {'':>7} {pct(hits, pos):>7} {preds:>8} {pct(ok, preds):>9}")
    else:
        print("(detect-secrets is not installed: no comparison)")
    if show_misses:
        for fam, template, text in misses:
            print(f"  MISS {fam:<16} {template:<22} {text[:110]}")
        for rule_id, template, text in false_alarms:
            print(f"  FALSE {rule_id:<30} {template:<14} {text[:100]}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--part", choices=("tune", "heldout", "both"), default="both")
    parser.add_argument("--misses", action="store_true", help="list missed positives and false alarms")
    args = parser.parse_args(argv)
    os.environ.setdefault("BR_TELEMETRY", "0")
    for part in ("tune", "heldout") if args.part == "both" else (args.part,):
        report(part, load(part), args.misses)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
