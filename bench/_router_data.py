"""The labelled routing set in bench/router_data/*.yaml: loading and the tune / held-out split.

Every item belongs to a *family* (paraphrases of one task). The split is by family, decided by a
stable hash of the family's first wording, inside each source (so every source appears in both
parts): about one family in four is held out. Paraphrases of one task never straddle the split.
The training script (bench/router_train.py) only ever sees the tune part.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import yaml

DATA = Path(__file__).resolve().parent / "router_data"
TIERS = {"h": "haiku", "s": "sonnet", "o": "opus"}
HELD_OUT_BUCKETS = 4  # 1 in 4 families


class Item:
    __slots__ = ("text", "tier", "accept", "source", "family", "context", "part")

    def __init__(self, text, tier, accept, source, family, context, part):
        self.text, self.tier, self.accept, self.source = text, tier, accept, source
        self.family, self.context, self.part = family, context, part


def _family_part(source: str, first: str) -> str:
    digest = hashlib.sha256(f"{source}\0{first.strip()}".encode()).digest()
    return "holdout" if digest[0] % HELD_OUT_BUCKETS == 0 else "tune"


def _parse_label(label: str) -> tuple[str, tuple[str, ...]]:
    tiers = [TIERS[x] for x in str(label).split("/")]
    return tiers[0], tuple(tiers)


def load(part: str | None = None, data_dir: Path | None = None) -> list[Item]:
    """All items (part None), or only "tune" / "holdout", of every *.yaml in `data_dir` (default
    bench/router_data)."""
    items: list[Item] = []
    for path in sorted((data_dir or DATA).glob("*.yaml")):
        items += load_file(path)
    return [i for i in items if part is None or i.part == part]


def load_file(path: Path) -> list[Item]:
    """The items of one YAML file, each with its family's tune / holdout part."""
    items: list[Item] = []
    doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    source = doc["source"]
    for index, fam in enumerate(doc["families"]):
        if isinstance(fam, dict):
            label, texts, context = fam["l"], list(fam["t"]), fam.get("ctx") or {}
        else:
            label, texts = fam[0], list(fam[1:])
            context = texts.pop() if texts and isinstance(texts[-1], dict) else {}
        tier, accept = _parse_label(label)
        family = f"{source}-{index:03d}"
        fam_part = _family_part(source, texts[0])
        for text in texts:
            items.append(Item(text, tier, accept, source, family, context, fam_part))
    return items


if __name__ == "__main__":
    from collections import Counter

    allitems = load()
    print(len(allitems), "items,", len({i.family for i in allitems}), "families")
    print(Counter((i.part, i.tier) for i in allitems))
    print(Counter((i.part, i.source) for i in allitems))
