"""People at work on a team server while `sync` runs back to back, and the checks that
nothing they submitted was lost, doubled or left stale in the pulls and the gold decisions.
bench/load.py measures it at length (its docstring says what is checked);
tests/test_team.py runs it for a few seconds."""

from __future__ import annotations

import json
import random
import statistics
import threading
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from builders import choice
from pydantic import SecretStr
from servers import TeamServer, create_token, sign_up

from workbench.settings import Settings

CRIME_TYPES = ("human_trafficking", "forced_labour", "kidnapping_detention", "online_scam_fraud",
               "money_laundering", "corruption_collusion")
STANCES = ("supportive", "critical", "neutral", "mixed")
Content = tuple[tuple[str, ...], str]  # (crime types, stance): what an annotation says


@dataclass
class Version:
    content: Content
    acked: float  # time.monotonic() when the server's answer arrived


@dataclass
class Ledger:
    """What the annotators know they submitted, shared by their threads."""

    versions: dict[int, list[Version]] = field(default_factory=lambda: defaultdict(list))
    latencies: list[float] = field(default_factory=list)
    created: int = 0
    updated: int = 0
    errors: Counter = field(default_factory=Counter)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def ack(self, annotation_id: int, content: Content, latency: float, *, new: bool) -> None:
        with self.lock:
            self.versions[annotation_id].append(Version(content, time.monotonic()))
            self.latencies.append(latency)
            if new:
                self.created += 1
            else:
                self.updated += 1

    def fail(self, what: str) -> None:
        with self.lock:
            self.errors[what] += 1

    def known_before(self, moment: float) -> dict[int, int]:
        """Annotation id -> index of its latest version acknowledged before ``moment``."""
        with self.lock:
            return {aid: max(i for i, v in enumerate(vs) if v.acked < moment)
                    for aid, vs in self.versions.items() if vs[0].acked < moment}


@dataclass
class PullCheck:
    """One pull against the ledger."""

    expected: int = 0
    lost: int = 0  # acknowledged, not in the pull
    duplicated: int = 0  # in the pull more than once
    stale: int = 0  # in the pull, but older than acknowledged (or unknown content)
    unknown: int = 0  # by these annotators, never acknowledged to them


def result(content: Content) -> list[dict]:
    """The annotation's result as the labeling UI sends it: two document-level choices."""
    crime_types, stance = content
    return [{**choice("crime_types", *crime_types, region="ct"), "origin": "manual"},
            {**choice("stance", stance, region="st"), "origin": "manual"}]


def content_of(items: list[dict]) -> Content | None:
    found = {item.get("from_name"): tuple(sorted(item.get("value", {}).get("choices", ())))
             for item in items or () if item.get("type") == "choices"}
    if "crime_types" not in found or len(found.get("stance", ())) != 1:
        return None
    return found["crime_types"], found["stance"][0]


def pick(rng: random.Random) -> Content:
    return tuple(sorted(rng.sample(CRIME_TYPES, rng.choice((1, 1, 2))))), rng.choice(STANCES)


class Annotator(threading.Thread):
    """One person at work: next task, submit; sometimes revise an earlier annotation."""

    def __init__(self, url: str, token: str, project_id: int, ledger: Ledger, *, seed: int,
                 stop: threading.Event, burst_at: float, pace: tuple[float, float]):
        super().__init__(daemon=True)
        from label_studio_sdk import LabelStudio

        # No retries: a person's browser does not resend a submission on its own.
        self.client = LabelStudio(base_url=url, api_key=token, timeout=60, max_retries=0)
        self.project_id, self.ledger, self.stop = project_id, ledger, stop
        self.rng = random.Random(seed)
        self.burst_at, self.pace = burst_at, pace
        self.mine: list[int] = []
        self.out_of_tasks = False

    def run(self) -> None:
        while not self.stop.is_set():
            burst = 1
            if self.burst_at and time.monotonic() >= self.burst_at:
                burst, self.burst_at = 3, 0.0  # everyone at once, mid-run
            elif self.rng.random() < 0.08:
                burst = self.rng.randint(3, 5)  # a quick run of easy articles
            for _ in range(burst):
                if self.stop.is_set():
                    return
                self.act()
            self.stop.wait(self.rng.uniform(*self.pace))

    def act(self) -> None:
        if self.mine and (self.out_of_tasks or self.rng.random() < 0.3):
            self.revise(self.rng.choice(self.mine))
        else:
            self.submit()

    def submit(self) -> None:
        http = self.client._client_wrapper.httpx_client
        try:
            answer = http.request(f"api/projects/{self.project_id}/next", method="GET",
                                  request_options={"max_retries": 0})
        except Exception as error:  # counted; the person goes on
            self.ledger.fail(f"next: {type(error).__name__}")
            return
        if answer.status_code == 404:  # nothing left for this person
            self.out_of_tasks = True
            return
        if answer.status_code != 200:
            self.ledger.fail(f"next: HTTP {answer.status_code}")
            return
        content = pick(self.rng)
        started = time.monotonic()
        try:
            created = self.client.annotations.create(
                id=answer.json()["id"], result=result(content),
                lead_time=self.rng.uniform(20, 200))
        except Exception as error:
            self.ledger.fail(f"submit: {_name(error)}")
            return
        self.mine.append(created.id)
        self.ledger.ack(created.id, content, time.monotonic() - started, new=True)

    def revise(self, annotation_id: int) -> None:
        content = pick(self.rng)
        started = time.monotonic()
        try:
            self.client.annotations.update(id=annotation_id, result=result(content))
        except Exception as error:
            self.ledger.fail(f"update: {_name(error)}")
            return
        self.ledger.ack(annotation_id, content, time.monotonic() - started, new=False)


def _name(error: Exception) -> str:
    status = getattr(error, "status_code", None)
    return f"HTTP {status}" if status else type(error).__name__


def check_pull(path: Path, expected: dict[int, int], ledger: Ledger,
               emails: set[str]) -> PullCheck:
    """Does the raw pull hold each expected annotation once, at its version or later?"""
    tasks = json.loads(path.read_text(encoding="utf-8"))
    seen: Counter = Counter()
    contents: dict[int, Content | None] = {}
    for task in tasks:
        for annotation in task.get("annotations") or ():
            who = annotation.get("completed_by")
            email = who.get("email") if isinstance(who, dict) else None
            if email in emails:
                seen[annotation["id"]] += 1
                contents[annotation["id"]] = content_of(annotation.get("result"))
    check = PullCheck(expected=len(expected))
    with ledger.lock:
        versions = {aid: [v.content for v in vs] for aid, vs in ledger.versions.items()}
    for aid, at_least in expected.items():
        if aid not in seen:
            check.lost += 1
        elif contents[aid] not in versions[aid][at_least:]:
            check.stale += 1
    check.duplicated = sum(1 for n in seen.values() if n > 1)
    check.unknown = sum(1 for aid in seen if aid not in versions)
    return check


def check_gold(settings: Settings, path: Path, expected: set[int]) -> dict[str, int]:
    """Each annotation counted exactly once as an input to its article's decision: by the
    chain over the final pull, and by the last entry per article in decisions.jsonl."""
    from workbench.quality.chain import run_chain
    from workbench.quality.decision_log import log_path, read_log
    from workbench.store.rawpulls import Source

    inputs: Counter = Counter()
    run_chain(Source(path), lambda checked: inputs.update(
        i.annotation_id for i in checked.decision.inputs))
    last: dict[str, dict] = {}
    for record in read_log(log_path(settings)):
        last[record["article_id"]] = record["decision"]
    logged = Counter(i["annotation_id"] for d in last.values() for i in d.get("inputs", ()))
    ours = lambda counts: {a: n for a, n in counts.items() if a in expected}
    return {"chain_missing": len(expected - set(inputs)),
            "chain_doubled": sum(1 for n in ours(inputs).values() if n > 1),
            "log_missing": len(expected - set(logged)),
            "log_doubled": sum(1 for n in ours(logged).values() if n > 1)}


@dataclass
class LoadResult:
    backend: str
    annotators: int
    duration: float
    created: int
    updated: int
    errors: dict[str, int]
    latency_p50: float
    latency_p95: float
    syncs: list[float]  # durations of the syncs run under load
    during: PullCheck  # summed over the pulls taken under load
    final: PullCheck
    gold: dict[str, int]
    final_sync: float

    @property
    def held(self) -> float:
        return (self.created + self.updated) / self.duration

    @property
    def ok(self) -> bool:
        checks = (self.during, self.final)
        return (all(c.lost == c.duplicated == c.stale == 0 for c in checks)
                and not any(self.gold.values()) and self.final.expected > 0)


def sign_up_people(server: TeamServer, count: int, prefix: str = "annotator"
                   ) -> list[tuple[str, str]]:
    """``count`` people signed up through the invite link: (email, personal access token)."""
    invite = server.invite_url()
    people = []
    for n in range(count):
        email = f"{prefix}-{n}@team.example"
        browser = sign_up(server.url, invite, email, f"load-{n}-{prefix}-passphrase")
        try:
            people.append((email, create_token(browser)))
        finally:
            browser.close()
    return people


def maintainer_settings(server: TeamServer, token: str, folder: Path, project: str
                        ) -> Settings:
    """The workbench as a team's maintainer configures it: URL and personal access token."""
    return Settings(home=folder / "home", exports=folder / "exports", project=project,
                    label_studio_url=server.url, label_studio_api_key=SecretStr(token),
                    _env_file=None)


def run_load(server: TeamServer, people: list[tuple[str, str]], token: str, folder: Path, *,
             articles: Path, duration: float, project: str,
             pace: tuple[float, float] = (2.0, 6.0), seed: int = 7,
             say=lambda line: None) -> LoadResult:
    """Push ``articles``, let ``people`` work for ``duration`` seconds while sync runs back to
    back with the maintainer's ``token``, then check the pulls and the gold decisions."""
    from workbench.studio.client import connect
    from workbench.studio.push import push
    from workbench.sync import sync

    settings = maintainer_settings(server, token, folder, project)
    studio = connect(settings)
    project_id = push([articles], settings=settings, studio=studio).project_id
    ledger, stop = Ledger(), threading.Event()
    emails = {email for email, _ in people}
    started = time.monotonic()
    workers = [Annotator(server.url, person_token, project_id, ledger, seed=seed + n,
                         stop=stop, burst_at=started + duration / 2, pace=pace)
               for n, (_, person_token) in enumerate(people)]
    timer = threading.Timer(duration, stop.set)  # the load ends on time, whatever sync does
    timer.start()
    for worker in workers:
        worker.start()
    syncs, phases, during = [], [], PullCheck()
    try:
        while not stop.is_set():
            began = time.monotonic()
            expected = ledger.known_before(began)
            marks = Phases(began)
            report = sync(settings, studio, [articles], say=marks.say)
            syncs.append(time.monotonic() - began)
            phases.append(marks.done())
            pulled = _pulled(settings)
            check = check_pull(pulled, expected, ledger, emails)
            for name in ("expected", "lost", "duplicated", "stale", "unknown"):
                setattr(during, name, getattr(during, name) + getattr(check, name))
            say(f"  sync {len(syncs)}: {syncs[-1]:.1f} s ({phases[-1]}), {check.expected} "
                f"expected in its pull: {check.lost} lost, {check.duplicated} doubled, "
                f"{check.stale} stale; {report.annotated} articles annotated")
    finally:
        stop.set()
        timer.cancel()
        for worker in workers:
            worker.join(timeout=120)
    elapsed = min(time.monotonic() - started, duration)
    began = time.monotonic()
    sync(settings, studio, [articles])
    final_sync = time.monotonic() - began
    pulled = _pulled(settings)
    final = check_pull(pulled, ledger.known_before(time.monotonic()), ledger, emails)
    latencies = sorted(ledger.latencies) or [0.0]
    return LoadResult(
        backend=server.database, annotators=len(people), duration=elapsed,
        created=ledger.created, updated=ledger.updated, errors=dict(ledger.errors),
        latency_p50=statistics.median(latencies),
        latency_p95=latencies[int(0.95 * (len(latencies) - 1))], syncs=syncs,
        during=during, final=final, gold=check_gold(settings, pulled, set(ledger.versions)),
        final_sync=final_sync)


class Phases:
    """Where a sync's time went, from the lines it says as it moves on."""

    NAMES = {"Pulling": "push", "Validating": "pull", "Writing": "check+review"}

    def __init__(self, began: float):
        self.marks = [("", began)]

    def say(self, line: str) -> None:
        self.marks.append((line.split()[0].strip(",."), time.monotonic()))

    def done(self) -> str:
        self.marks.append(("end", time.monotonic()))
        names = [self.NAMES.get(word, "report") for word, _ in self.marks[1:]]
        return ", ".join(f"{name} {b - a:.1f}" for name, (_, a), (_, b)
                         in zip(names, self.marks, self.marks[1:], strict=False))


def _pulled(settings: Settings) -> Path:
    from workbench.store.rawpulls import latest_pull

    return latest_pull(settings).path

