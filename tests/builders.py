"""Test data, built in one place: the parts of a Label Studio export (result items,
annotations, tasks, the file), synthetic pulls (``write_export``, which bench/synthetic.py
writes from the command line) and synthetic article files.

The standard library only: .ci/core runs bench/synthetic.py, which imports this module,
with a Python that has nothing but the workbench's core install.
"""

from __future__ import annotations

import json
import random
from collections.abc import Iterable
from pathlib import Path

# -- the parts of an export -----------------------------------------------------------------


def item(control: str, kind: str, value: dict, *, region: str | None = None) -> dict:
    """One result item on the text, of type ``kind`` (choices, labels, rating, number ...);
    ``region``, its id, is left out when None."""
    head = {} if region is None else {"id": region}
    return {**head, "from_name": control, "to_name": "text", "type": kind, "value": value}


def choice(control: str, *values: str, region: str | None = None) -> dict:
    """A choices item: ``values`` chosen in the ``control`` field."""
    return item(control, "choices", {"choices": list(values)}, region=region)


def span_at(region: str | None, control: str, label: str, text: str, start: int, end: int,
            *, recorded: str | None = None) -> dict:
    """A labels item over ``text[start:end]``; ``recorded``: another text to record for it
    (an offset mismatch). The id is always there, even None."""
    covered = text[start:end] if recorded is None else recorded
    return {"id": region, **item(control, "labels", {"start": start, "end": end,
                                                     "text": covered, "labels": [label]})}


def span(region: str | None, control: str, label: str, text: str, words: str, *,
         recorded: str | None = None) -> dict:
    """A labels item over the first occurrence of ``words`` in ``text``."""
    start = text.index(words)
    return span_at(region, control, label, text, start, start + len(words), recorded=recorded)


def actor_stance(region: str, stance: str, located: dict | None = None) -> dict:
    """The stance of the actor span ``region``: with the span's start, end and text, taken
    from ``located`` (the span item), as the labeling UI writes it; without it, tied to the
    span by the shared id alone."""
    where = {} if located is None else {
        key: located["value"][key] for key in ("start", "end", "text")}
    return item("actor_stance", "choices", {**where, "choices": [stance]}, region=region)


def actor(region: str, text: str, words: str, label: str = "government",
          stance: str | None = None) -> list[dict]:
    """An actor span over ``words`` and, given ``stance``, its per-region stance."""
    located = span(region, "actors", label, text, words)
    return [located] if stance is None else [located, actor_stance(region, stance, located)]


def relation(source: str, target: str, *, labels: Iterable[str] | None = ("responds_to",),
             direction: str | None = "right") -> dict:
    """A relation between two regions; ``labels`` or ``direction`` None: left out."""
    found = {"from_id": source, "to_id": target, "type": "relation"}
    if direction is not None:
        found["direction"] = direction
    if labels is not None:
        found["labels"] = list(labels)
    return found


def annotation(aid: int, who: str | dict | int | None, result: Iterable[dict] = (), *,
               user: int | None = None, **fields) -> dict:
    """An annotation: ``who`` an email (with ``user``, the account's id) or, as it stands in
    ``completed_by``, anything else; ``fields`` (updated_at, was_cancelled, ground_truth ...)
    come before the result."""
    if isinstance(who, str):
        who = {"email": who} if user is None else {"id": user, "email": who}
    return {"id": aid, "completed_by": who, **fields, "result": list(result)}


def export_task(tid: int, text: str, annotations: Iterable[dict] = (), *,
                data: dict | None = None, **fields) -> dict:
    """A task as an export holds it: ``data`` beside the text, ``fields`` after the
    annotations (predictions, meta ...)."""
    return {"id": tid, "data": {"text": text, **(data or {})},
            "annotations": list(annotations), **fields}


def write_tasks(path: Path, tasks: Iterable[dict]) -> Path:
    """``tasks`` as a Label Studio JSON export (one array)."""
    path.write_text(json.dumps(list(tasks)), encoding="utf-8")
    return path


# -- synthetic pulls ------------------------------------------------------------------------
# N tasks x K annotations, shaped like a pull. Each task has a ~1 KB text, one prediction
# (none for every tenth task, the control share) and K annotations by different annotators
# that mostly agree (spans, crime types, stance, per-region stance, a relation), with a few
# disagreements and a cancelled annotation now and then. ``disputed`` makes that share of
# the articles ones the votes cannot settle: each annotator gives another stance, and their
# spans and crime types differ as above. Written as a stream, so 100,000 tasks need no more
# memory than one.

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
        located = span_at(region, control, label, text, start, end)
        result.append(located)
        if control == "actors":
            result.append(actor_stance(
                region, rng.choice(ACTOR_STANCES[:2]) if disagree else "supports", located))
    actors = [f"r{i}" for i, s in enumerate(spans) if s[2] == "actors"]
    mentions = [f"r{i}" for i, s in enumerate(spans) if s[2] == "crime_mentions"]
    if actors and mentions:
        result.append(relation(actors[0], mentions[0]))
    result.append(choice("crime_types", *crimes, region="ct"))
    result.append(choice("stance", stance, region="st"))
    return result


def task(n: int, annotators: int = 3, seed: int = 0, disputed: float = 0.0) -> dict:
    """Task ``n`` of a synthetic pull, with every field a Label Studio export gives it."""
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
    """A synthetic pull: a Label Studio JSON export (one array) of ``tasks`` tasks, written as
    a stream; ``disputed``: the share of articles the votes cannot settle."""
    with path.open("w", encoding="utf-8") as handle:
        handle.write("[")
        for n in range(tasks):
            if n:
                handle.write(",\n")
            # dumps, not dump: only the one-shot encoder is the C one, several times faster
            handle.write(json.dumps(task(n, annotators, seed, disputed), ensure_ascii=False))
        handle.write("]\n")
    return path


# -- synthetic articles ---------------------------------------------------------------------

# About as many cue phrases per kilobyte as the seed articles (a dozen), so the
# pre-annotations, which Label Studio stores item by item, weigh what real ones do.
SENTENCES = (
    "Police in Sihanoukville said {n} victims of human trafficking were rescued on Tuesday. ",
    "The operation followed months of complaints from families in several provinces. ",
    "Workers described long shifts, confiscated passports and unpaid wages at the site. ",
    "The provincial court charged two suspects with kidnapping. ",
    "Officials said the investigation would continue into next month and beyond. ",
    "Residents near the building said they had noticed nothing unusual for years. ",
    "Rights groups said more needed to be done to protect those who were rescued. ",
    "The Interior Minister ordered a review of the special economic zone. ",
)


def synthetic_articles(path: Path, count: int, *, size: int = 3000, prefix: str = "a") -> Path:
    """``count`` distinct articles of about ``size`` characters, one JSON object a line
    (ids ``{prefix}-{n}``), written to ``path``, its folder made if need be."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8") as handle:
        for n in range(count):
            parts, length, k = [], 0, 0
            while length < size:
                part = SENTENCES[(n + k) % len(SENTENCES)].format(n=n)
                parts.append(part)
                length += len(part)
                k += 1
            handle.write(json.dumps({"id": f"{prefix}-{n}", "title": f"Article {n}",
                                     "text": "".join(parts)[:size]}) + "\n")
    return path


# -- a simulated crowd, where the truth is known ----------------------------------------------

CROWD_STANCES = ("supportive", "critical", "neutral", "mixed")
CROWD_CRIMES = ("human_trafficking", "forced_labour", "kidnapping_detention", "illegal_gambling",
                "online_scam_fraud")


def crowd(path: Path, articles: int = 400, *, seed: int = 0, per_article: int = 3
          ) -> dict[str, tuple[str, frozenset[str]]]:
    """An export of ``articles`` labeled by a pool of annotators of known reliability, three
    each: six careful (right 85% of the time), two careless (answering at random), one
    adversarial (a wrong stance, always the same one for each truth; crime types flipped).
    The truth of each article (its stance and crime types), by article id."""
    rng = random.Random(seed)
    pool = [(f"careful{i}@example.org", 0.85) for i in range(6)]
    pool += [(f"careless{i}@example.org", 0.0) for i in range(2)]
    pool += [("adversary@example.org", -1.0)]
    truth, tasks = {}, []
    for n in range(articles):
        stance = rng.choice(CROWD_STANCES)
        crimes = frozenset(rng.sample(CROWD_CRIMES, rng.choice((1, 1, 2))))
        truth[f"art-{n}"] = (stance, crimes)
        made = []
        for k, (who, skill) in enumerate(rng.sample(pool, per_article)):
            given, chosen = _labeled(rng, skill, stance, crimes)
            made.append(annotation(n * 10 + k, who, [choice("crime_types", *sorted(chosen)),
                                                      choice("stance", given)],
                                   user=pool.index((who, skill)) + 2,
                                   updated_by=pool.index((who, skill)) + 2))
        tasks.append(export_task(n + 1, f"Article {n}: a report.", made,
                                 data={"article_id": f"art-{n}"}))
    write_tasks(path, tasks)
    return truth


def _labeled(rng: random.Random, skill: float, stance: str, crimes: frozenset[str]
             ) -> tuple[str, set[str]]:
    """One annotator's stance and crime types for an article of this truth."""
    if skill < 0:  # adversarial
        given = CROWD_STANCES[(CROWD_STANCES.index(stance) + 1) % len(CROWD_STANCES)]
        chosen = set(CROWD_CRIMES) - crimes
    elif skill == 0:  # careless: clicks anything
        given = rng.choice(CROWD_STANCES)
        chosen = {c for c in CROWD_CRIMES if rng.random() < 0.3}
    else:
        given = stance if rng.random() < skill else rng.choice(
            [s for s in CROWD_STANCES if s != stance])
        chosen = {c for c in CROWD_CRIMES if (c in crimes) == (rng.random() < skill)}
    return given, chosen or {rng.choice(CROWD_CRIMES)}
