"""Truth inference against majority vote, on crowd labels whose right answers are known.

Real labels: the judgement tasks of Snow et al. (2008), "Cheap and Fast, But is it Good?"
(recognising textual entailment, 800 items; temporal ordering, 462 items; 10 workers'
labels per item and an expert's answer), in their `*.standardized.tsv` form (columns:
annotation id, worker, item, response, gold). They are not in this repository: pass their
paths. Three labels per item are drawn (our overlap), in several seeded rounds. Beside them,
the simulated crowd of the tests (tests/builders.py ``crowd``) through the whole chain.

    python bench/truth.py /path/rte.standardized.tsv /path/temp.standardized.tsv
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
from collections import Counter
from functools import partial
from pathlib import Path

# bench/ and tests/ (builders, servers, ui), before the imports that need them
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import table

from workbench.quality.decide import CONFIDENCE
from workbench.stats.truth import dawid_skene


def _rounds(path: Path, rounds: int) -> list[tuple[list[tuple[str, str, str]], dict[str, str]]]:
    by_item: dict[str, list[tuple[str, str, str]]] = {}
    for line in path.read_text().splitlines()[1:]:
        _, worker, item, response, gold = line.split("\t")
        by_item.setdefault(item, []).append((worker, response, gold))
    drawn = []
    for seed in range(rounds):
        rng = random.Random(seed)
        responses, truth = [], {}
        for item, labels in sorted(by_item.items()):
            for worker, response, gold in rng.sample(labels, 3):
                responses.append((item, worker, response))
                truth[item] = gold
        drawn.append((responses, truth))
    return drawn


def real(path: Path, rounds: int) -> list[str]:
    majority, model, decided, decided_right, others = [], [], [], [], Counter()
    for responses, truth in _rounds(path, rounds):
        votes: dict[str, list[str]] = {}
        for item, _, response in responses:
            votes.setdefault(item, []).append(response)
        majority.append(statistics.mean(Counter(v).most_common(1)[0][0] == truth[i]
                                        for i, v in votes.items()))
        fit = dawid_skene(responses)
        best = fit.posteriors.argmax(axis=1)
        right = [fit.labels[best[n]] == truth[item] for n, item in enumerate(fit.items)]
        model.append(statistics.mean(right))
        sure = fit.posteriors.max(axis=1) >= CONFIDENCE
        decided.append(sure.mean())
        decided_right.append(statistics.mean(r for r, s in zip(right, sure, strict=True) if s))
        others.update(_crowd_kit(responses, truth))
    row = [path.name.split(".")[0], len(truth), f"{statistics.mean(majority):.3f}",
           f"{statistics.mean(model):.3f}", f"{statistics.mean(decided):.0%}",
           f"{statistics.mean(decided_right):.3f}"]
    return row + [f"{others[name] / rounds:.3f}" if name in others else "-"
                  for name in ("GLAD", "MACE")]


def _crowd_kit(responses, truth) -> dict[str, float]:
    """crowd-kit's GLAD and MACE on the same labels (when it is installed)."""
    try:
        import pandas as pd
        from crowdkit.aggregation import GLAD, MACE
    except ImportError:
        return {}
    frame = pd.DataFrame(responses, columns=["task", "worker", "label"])
    found = {}
    for name, model in (("GLAD", GLAD()), ("MACE", MACE(random_state=0))):
        labels = model.fit_predict(frame)
        found[name] = statistics.mean(labels[item] == gold for item, gold in truth.items())
    return found


def simulated(rounds: int) -> list[str]:
    """The tests' simulated crowd, through the whole chain: majority vote, then the default."""
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
    from builders import crowd

    from workbench.quality.chain import MAJORITY, Voting, run_chain
    from workbench.store.rawpulls import Source

    results: dict[str, list[tuple[float, float]]] = {"majority": [], "model": []}
    with tempfile.TemporaryDirectory() as folder:
        for seed in range(rounds):
            path = Path(folder) / "crowd.json"
            truth = crowd(path, 400, seed=seed)
            for name, voting in (("majority", MAJORITY), ("model", Voting())):
                stances: dict[str, str | None] = {}
                run_chain(Source(path), partial(_keep, stances), voting=voting)
                decided = [(s, truth[a][0]) for a, s in stances.items() if s is not None]
                results[name].append((len(decided) / len(stances),
                                      statistics.mean(s == t for s, t in decided)))
    share = {n: statistics.mean(d for d, _ in r) for n, r in results.items()}
    right = {n: statistics.mean(a for _, a in r) for n, r in results.items()}
    return ["simulated stance", 400, f"{right['majority']:.3f} ({share['majority']:.0%} "
            "decided)", "-", f"{share['model']:.0%}", f"{right['model']:.3f}", "-", "-"]


def _keep(stances: dict[str, str | None], checked) -> None:
    stances[checked.decision.article_id] = checked.decision.stance


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("tsv", nargs="*", type=Path, help="Snow et al. standardized files")
    parser.add_argument("--rounds", type=int, default=5, help="draws of 3 labels per item")
    args = parser.parse_args()
    rows = [real(path, args.rounds) for path in args.tsv] + [simulated(args.rounds)]
    print(table(rows, ["labels", "items", "majority vote", "Dawid-Skene, all items",
                       f"decided at {CONFIDENCE:.0%}", "right of those decided",
                       "crowd-kit GLAD", "crowd-kit MACE"]))


if __name__ == "__main__":
    main()
