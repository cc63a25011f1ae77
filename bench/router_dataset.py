"""The labelled routing set as the router scripts use it: bench/_router_data.py's loading and
family split, plus the split BY REPOSITORY of sources marked `split: repo`.

Such a source (real public issues, bench/router_data/real_issues.yaml) is split by *repository*
instead of by wording: about one repository in three is held out, every issue of a repository sits
in one part, and the repository is the family, so grouped cross-validation never splits one.
"""

from __future__ import annotations

import hashlib

import yaml
from _router_data import DATA, Item
from _router_data import load as _load_by_family

REPO_HELD_OUT_BUCKETS = 3  # 1 in 3 repositories


def repo_part(repo: str) -> str:
    digest = hashlib.sha256(f"repo\0{repo}".encode()).digest()
    return "holdout" if digest[0] % REPO_HELD_OUT_BUCKETS == 0 else "tune"


def _repo_sources() -> dict[str, list[str]]:
    """Source name -> the repository of each family, for every `split: repo` file."""
    out = {}
    for path in sorted(DATA.glob("*.yaml")):
        doc = yaml.safe_load(path.read_text(encoding="utf-8"))
        if doc.get("split") == "repo":
            out[doc["source"]] = [fam["repo"] for fam in doc["families"]]
    return out


def load(part: str | None = None) -> list[Item]:
    """All items (part None), or only "tune" / "holdout"."""
    repos = _repo_sources()
    items = _load_by_family(None)
    for item in items:
        if item.source in repos:
            repo = repos[item.source][int(item.family.rsplit("-", 1)[1])]
            item.family, item.part = f"{item.source}-{repo}", repo_part(repo)
    return [i for i in items if part is None or i.part == part]


if __name__ == "__main__":
    from collections import Counter

    allitems = load()
    print(len(allitems), "items,", len({i.family for i in allitems}), "families")
    print(Counter((i.part, i.tier) for i in allitems))
    print(Counter((i.part, i.source) for i in allitems))
