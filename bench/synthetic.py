"""Synthetic Label Studio JSON exports, shaped like a pull: N tasks x K annotations.

Each task has a ~1 KB text, one prediction (none for every tenth task, the
control share) and K annotations by different
annotators that mostly agree (spans, crime types, stance, per-region stance,
a relation), with a few disagreements and a cancelled annotation now and
then. ``disputed`` makes that share of the articles ones the votes cannot settle: each
annotator gives another stance, and their spans and crime types differ as above. Written as
a stream, so 100,000 tasks need no more memory than one.

    python bench/synthetic.py 10000 /tmp/export-10k.json
    python bench/synthetic.py 20000 /tmp/export-20k-disputed.json --disputed 0.5
"""

from __future__ import annotations

import argparse
import json
import random
from pathlib import Path

WORDS = ("Police in Sihanoukville said the victims of human trafficking were rescued from a "
         "compound where workers faced forced labour . The provincial court charged suspects "
         "with kidnapping and officials promised a crackdown on online gambling . ").split()
STANCES = ("supportive", "critical", "neutral", "mixed")
ACTOR_STANCES = ("supports", "opposes", "neutral", "unclear")
CRIMES = ("human_trafficking", "forced_labour", "kidnapping_detention", "illegal_gambling",
          "online_scam_fraud")


def _text(rng: random.Random, n: int) -> str:
    words, length = [], 0
    while length < 1000:
        word = rng.choice(WORDS)
        words.append(word)
        length += len(word) + 1
    return f"Article {n}. " + " ".join(words)


def _spans(text: str) -> list[tuple[int, int, str, str]]:
    """(start, end, control, label) for a fixed set of cue words."""
    cues = {"Police": ("actors", "law_enforcement"), "victims": ("actors", "victim"),
            "court": ("actors", "judiciary"), "suspects": ("actors", "perpetrator"),
            "kidnapping": ("crime_mentions", "kidnapping_detention"),
            "trafficking": ("crime_mentions", "human_trafficking"),
            "gambling": ("crime_mentions", "illegal_gambling")}
    spans, position = [], 0
    for word in text.split(" "):
        if word in cues and len(spans) < 10:
            spans.append((position, position + len(word), *cues[word]))
        position += len(word) + 1
    return spans


def _result(text: str, spans, rng: random.Random, crimes: list[str], stance: str,
            disagree: bool) -> list[dict]:
    result = []
    for index, (start, end, control, label) in enumerate(spans):
        if disagree and index == 0:
            end = max(start + 1, end - 1)  # a boundary disagreement
        region = f"r{index}"
        result.append({"id": region, "from_name": control, "to_name": "text", "type": "labels",
                       "value": {"start": start, "end": end, "text": text[start:end],
                                 "labels": [label]}})
        if control == "actors":
            result.append({"id": region, "from_name": "actor_stance", "to_name": "text",
                           "type": "choices", "value": {
                               "start": start, "end": end, "text": text[start:end],
                               "choices": [rng.choice(ACTOR_STANCES[:2]) if disagree
                                           else "supports"]}})
    actors = [f"r{i}" for i, s in enumerate(spans) if s[2] == "actors"]
    mentions = [f"r{i}" for i, s in enumerate(spans) if s[2] == "crime_mentions"]
    if actors and mentions:
        result.append({"from_id": actors[0], "to_id": mentions[0], "type": "relation",
                       "direction": "right", "labels": ["responds_to"]})
    result.append({"id": "ct", "from_name": "crime_types", "to_name": "text",
                   "type": "choices", "value": {"choices": crimes}})
    result.append({"id": "st", "from_name": "stance", "to_name": "text", "type": "choices",
                   "value": {"choices": [stance]}})
    return result


def task(n: int, annotators: int = 3, seed: int = 0, disputed: float = 0.0) -> dict:
    rng = random.Random(seed * 1_000_003 + n)
    text = _text(rng, n)
    spans = _spans(text)
    mentioned = sorted({label for _, _, control, label in spans if control == "crime_mentions"})
    control = n % 10 == 0  # the control share: pushed without suggestions
    stance = rng.choice(STANCES)
    # Its own generator, so that the articles not disputed stay as they were without it.
    split = random.Random(f"{seed}:{n}:disputed") if disputed else None
    contested = split is not None and split.random() < disputed
    annotations = []
    for k in range(annotators):
        disagree = rng.random() < 0.2 or contested
        crimes = mentioned + ([rng.choice(CRIMES)] if disagree else [])
        cancelled = rng.random() < 0.02
        given = None if cancelled else STANCES[(STANCES.index(stance) + k) % len(
            STANCES)] if contested else rng.choice(STANCES) if disagree else stance
        annotations.append({
            "id": n * annotators + k + 1,
            "completed_by": {"id": k + 2, "email": f"annotator{k}@example.org",
                             "first_name": "", "last_name": ""},
            "result": [] if cancelled else _result(
                text, spans, rng, sorted(set(crimes)) or ["no_crime"], given, disagree),
            "was_cancelled": cancelled, "ground_truth": False,
            "created_at": "2026-11-01T10:00:00.000000Z",
            "updated_at": "2026-11-01T10:05:00.000000Z",
            "draft_created_at": None, "lead_time": round(rng.uniform(30, 300), 3),
            "prediction": {}, "result_count": 0, "unique_id": f"u-{n}-{k}", "import_id": None,
            "last_action": None, "task": n + 1, "project": 1, "updated_by": k + 2,
            "parent_prediction": None, "parent_annotation": None, "last_created_by": None,
        })
    return {
        "id": n + 1, "annotations": annotations, "drafts": [],
        "predictions": [] if control else [{
            "id": n + 1, "model_version": "workbench-rules/schema-1.0", "score": None,
            "result": _result(text, spans, rng, mentioned or ["no_crime"], stance,
                              False)[:-1]}],
        "data": {"text": text, "article_id": f"syn-{n}", "sha256": None, "title": f"Article {n}",
                 "source": None, "published": None, "url": None},
        "meta": {"article_id": f"syn-{n}", "suggestions": "control" if control else
                 "workbench-rules/schema-1.0"}, "created_at": "2026-11-01T09:00:00.000000Z",
        "updated_at": "2026-11-01T10:05:00.000000Z", "inner_id": n + 1,
        "total_annotations": annotators, "cancelled_annotations": 0, "total_predictions": 1,
        "comment_count": 0, "unresolved_comment_count": 0, "last_comment_updated_at": None,
        "project": 1, "updated_by": None, "comment_authors": [],
    }


def write_export(path: Path, tasks: int, *, annotators: int = 3, seed: int = 0,
                 disputed: float = 0.0) -> Path:
    """A Label Studio JSON export (one array) of ``tasks`` tasks, written as a stream;
    ``disputed``: the share of articles the votes cannot settle."""
    with path.open("w", encoding="utf-8") as handle:
        handle.write("[")
        for n in range(tasks):
            if n:
                handle.write(",\n")
            # dumps, not dump: only the one-shot encoder is the C one, several times faster
            handle.write(json.dumps(task(n, annotators, seed, disputed), ensure_ascii=False))
        handle.write("]\n")
    return path


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("tasks", type=int)
    parser.add_argument("path", type=Path)
    parser.add_argument("--disputed", type=float, default=0.0,
                        help="share of articles the votes cannot settle (default 0)")
    args = parser.parse_args()
    write_export(args.path, args.tasks, disputed=args.disputed)
